"""The answer cache: in process memory, or in Redis shared by replicas. A cache that is down is no cache."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Literal, Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..models import Incident
from ..settings import Settings
from .models import AgentAnswer

KEY_PREFIX = "openmanager:ai:answer:"
MEMORY_ENTRIES = 1024
REDIS_TIMEOUT_SECONDS = 0.25  # a cache slower than this costs more than it saves
REDIS_RETRY_SECONDS = 5.0

log = logging.getLogger("openmanager.ai")


def cache_key(*parts: object) -> str:
    """A stable key from the parts that decide an answer (question, language, fleet state...)."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class AnswerCache(Protocol):
    backend: Literal["memory", "redis"]

    def get(self, key: str) -> tuple[AgentAnswer, float] | None:
        """The answer and its age in seconds, or None."""

    def put(self, key: str, answer: AgentAnswer) -> None: ...

    def available(self) -> bool: ...


class MemoryCache:
    """Per-process, LRU-bounded, expiring entries; thread-safe."""

    backend: Literal["memory", "redis"] = "memory"

    def __init__(self, ttl_seconds: float, entries: int = MEMORY_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.entries, self.clock = ttl_seconds, entries, clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[AgentAnswer, float] | None:
        now = self.clock()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored, body = item
            if now - stored >= self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
        return AgentAnswer.model_validate_json(body), now - stored

    def put(self, key: str, answer: AgentAnswer) -> None:
        with self._lock:
            self._items[key] = (self.clock(), answer.model_dump_json())
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def available(self) -> bool:
        return True


class RedisCache:
    """SETEX'd JSON in Redis. Errors are logged and read as misses; after one, Redis is left alone
    for a few seconds so that a dead server costs one timeout, not one per query."""

    backend: Literal["memory", "redis"] = "redis"

    def __init__(self, url: str, ttl_seconds: int, *, retry_seconds: float = REDIS_RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.retry_seconds, self.clock = ttl_seconds, retry_seconds, clock
        self._client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                            socket_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))
        self._down_until = 0.0

    def _usable(self) -> bool:
        return self.clock() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        self._down_until = self.clock() + self.retry_seconds
        log.warning("answer cache: Redis unavailable (%s); answering without a cache for %.0f s",
                    exc, self.retry_seconds)

    def get(self, key: str) -> tuple[AgentAnswer, float] | None:
        if not self._usable():
            return None
        try:
            raw = self._client.get(KEY_PREFIX + key)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)
            return None
        if raw is None:
            return None
        entry = json.loads(raw)
        return AgentAnswer.model_validate(entry["answer"]), max(0.0, time.time() - entry["stored"])

    def put(self, key: str, answer: AgentAnswer) -> None:
        if not self._usable():
            return
        body = json.dumps({"stored": time.time(), "answer": answer.model_dump(mode="json")},
                          ensure_ascii=False)
        try:
            self._client.set(KEY_PREFIX + key, body, ex=self.ttl)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)

    def available(self) -> bool:
        return self._usable()


def make_cache(settings: Settings) -> AnswerCache | None:
    """Redis when REDIS_URL is set, else memory; None when caching is off (`ai_cache_seconds` 0)."""
    if settings.ai_cache_seconds <= 0:
        return None
    if settings.redis_url:
        return RedisCache(settings.redis_url, settings.ai_cache_seconds)
    return MemoryCache(settings.ai_cache_seconds)


def incident_signature(incidents: Iterable[Incident]) -> list[str]:
    """What of the incident set changes answers: which are active, where, since when."""
    return sorted(f"{i.id}:{i.type.value}:{i.server_id}:{i.severity.value}:{i.started_at.isoformat()}"
                  for i in incidents)
