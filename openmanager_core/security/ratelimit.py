"""Per-client rate limits (moving window, `limits`): in memory, or in Redis shared by replicas.

The API's middleware counts through `hit` (async); a page script, which has no event loop,
through `hit_blocking`: the same counters, so a client's budget is one whichever door it uses.

If Redis fails the limiter counts in process memory instead (never an error for the
caller) and tries Redis again after `retry_seconds`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
from limits.storage import MemoryStorage
from limits.storage import RedisStorage as BlockingRedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.retry import Retry as BlockingRetry

if TYPE_CHECKING:
    from ..settings import Settings

LimitClass = Literal["ai", "next", "default"]
REDIS_TIMEOUT_SECONDS = 0.5
REDIS_RETRY_SECONDS = 5.0

log = logging.getLogger("openmanager.security")


def limit_class(path: str) -> LimitClass:
    """Which budget a request path (relative to /api) draws on."""
    if path.startswith("/ai-agent"):
        return "ai"
    if path == "/servers/next":
        return "next"
    return "default"


@dataclass(frozen=True)
class RatePolicy:
    """The limit of each class; None means that class is not limited (`0` in settings)."""

    ai: RateLimitItem | None
    next: RateLimitItem | None
    default: RateLimitItem | None

    @classmethod
    def from_settings(cls, settings: Settings) -> RatePolicy:
        def item(value: str) -> RateLimitItem | None:
            return None if value == "0" else parse(value)

        return cls(ai=item(settings.rate_limit_ai), next=item(settings.rate_limit_next),
                   default=item(settings.rate_limit_default))

    def limit_for(self, path: str) -> tuple[LimitClass, RateLimitItem | None]:
        name = limit_class(path)
        return name, getattr(self, name)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the oldest hit leaves the window

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))


class RedisOptions(TypedDict):
    """What both limits Redis storages are given besides the URL and the retry policy."""

    key_prefix: str
    wrap_exceptions: bool
    socket_connect_timeout: float
    socket_timeout: float


class RateLimiter:
    """Counts hits per (class, client) in Redis when `redis_url` is set, else in memory."""

    def __init__(self, redis_url: str | None = None, *, retry_seconds: float = REDIS_RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: AsyncMovingWindow | None = None
        self._redis_blocking: MovingWindowRateLimiter | None = None
        if redis_url:
            options: RedisOptions = {"key_prefix": "openmanager:ratelimit", "wrap_exceptions": True,
                                     "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                                     "socket_timeout": REDIS_TIMEOUT_SECONDS}
            self._redis = AsyncMovingWindow(RedisStorage(
                "async+" + redis_url, implementation="redispy", retry=Retry(NoBackoff(), 0), **options))  # type: ignore[arg-type]  # limits types **options as float | str | bool, but hands them to redis, which takes a Retry
            self._redis_blocking = MovingWindowRateLimiter(BlockingRedisStorage(
                redis_url, retry=BlockingRetry(NoBackoff(), 0), **options))  # type: ignore[arg-type]  # the same for the blocking client
        self._retry_seconds, self._clock = retry_seconds, clock
        self._redis_down_since: float | None = None

    @property
    def backend(self) -> Literal["redis", "memory"]:
        """Where hits are being counted right now."""
        return "redis" if self._redis is not None and self._redis_down_since is None else "memory"

    async def hit(self, item: RateLimitItem, name: LimitClass, client: str) -> Verdict:
        """Count one request of `client` against `item`; the verdict carries the header values."""
        if self._redis is not None and self._redis_usable():
            try:
                allowed = await self._redis.hit(item, name, client)
                stats = await self._redis.get_window_stats(item, name, client)
            except Exception as exc:  # any Redis failure: count in memory, never fail the request
                self._redis_failed(exc)
            else:
                self._redis_answered()
                return Verdict(allowed, item.amount, stats.remaining, stats.reset_time)
        return self._hit_memory(item, name, client)

    def hit_blocking(self, item: RateLimitItem, name: LimitClass, client: str) -> Verdict:
        """`hit` for a caller with no event loop (a page script); the same counters."""
        if self._redis_blocking is not None and self._redis_usable():
            try:
                allowed = self._redis_blocking.hit(item, name, client)
                stats = self._redis_blocking.get_window_stats(item, name, client)
            except Exception as exc:  # any Redis failure: count in memory, never fail the caller
                self._redis_failed(exc)
            else:
                self._redis_answered()
                return Verdict(allowed, item.amount, stats.remaining, stats.reset_time)
        return self._hit_memory(item, name, client)

    def _hit_memory(self, item: RateLimitItem, name: LimitClass, client: str) -> Verdict:
        allowed = self._memory.hit(item, name, client)
        stats = self._memory.get_window_stats(item, name, client)
        return Verdict(allowed, item.amount, stats.remaining, stats.reset_time)

    def _redis_usable(self) -> bool:
        down = self._redis_down_since
        return down is None or self._clock() - down >= self._retry_seconds

    def _redis_answered(self) -> None:
        if self._redis_down_since is not None:
            self._redis_down_since = None
            log.info("rate limits: Redis is reachable again; counting there")

    def _redis_failed(self, exc: Exception) -> None:
        first = self._redis_down_since is None
        self._redis_down_since = self._clock()
        if first:
            log.warning("rate limits: Redis failed (%s: %s); counting in process memory and "
                        "retrying Redis every %.0f s", type(exc).__name__, exc, self._retry_seconds)
