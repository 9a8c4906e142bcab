"""Which replica evaluates alerts: one per deployment, however many run.

On PostgreSQL a session-level advisory lock held by a connection of the evaluator (the server frees
it the moment that connection dies); on SQLite the single process evaluates. With Redis configured,
a Redis key with a lease (renewed while held, so it lapses when the holder dies) says which replica
asks for the store's lock, and the store's lock still has the last word: a replica that cannot reach
Redis takes that lock alone, and it cannot while the lease's holder has it, so a Redis call that
fails on one replica only never makes two evaluators.
"""

from __future__ import annotations

import logging
import secrets
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from ..settings import Settings
from ..store import Store

ALERT_LOCK = 0x4F4D414C  # the PostgreSQL advisory lock key shared by every replica: 'OMAL'
REDIS_KEY = "openmanager:alerts:evaluator"
LEASE_INTERVALS = 1.5  # a lease outlives one missed renewal, and lapses well within 2 intervals
REDIS_TIMEOUT_SECONDS = 1.0

log = logging.getLogger("openmanager.alerts")

# Renew or release the lease only while it is still ours: a lapsed holder must not free its successor's.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) " \
         "else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class Leadership(Protocol):
    @property
    def name(self) -> str:
        """How the lead is held, for the log."""

    def hold(self) -> bool:
        """Take or keep the lead; True while this process is the one evaluator."""

    def release(self) -> None:
        """Give the lead up (at shutdown), so another takes over at once."""


class SingleProcess:
    """SQLite: one process owns the file, so it evaluates."""

    name = "single process"

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        return None


class AdvisoryLock:
    """A session-level PostgreSQL advisory lock on a connection kept open while leading."""

    name = "postgresql advisory lock"

    def __init__(self, engine: Engine, key: int = ALERT_LOCK) -> None:
        self.engine, self.key = engine, key
        self._conn: Connection | None = None

    def hold(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))  # the session lives, so its lock does
                return True
            except Exception as exc:
                log.warning("alert evaluator: lost the lock connection (%s); trying again", exc)
                self._drop()
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:
            log.warning("alert evaluator: cannot reach PostgreSQL for the lock: %s", exc)
            return False
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except Exception as exc:
            log.warning("alert evaluator: could not ask for the lock: %s", exc)
            conn.invalidate()
            conn.close()
            return False
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.invalidate()  # never hand a connection that held a lock back to the pool
            self._conn.close()
            self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except Exception as exc:
                log.warning("alert evaluator: could not release the lock: %s", exc)
            self._drop()


class RedisLease:
    """A Redis key holding this process's token, set with NX and a lease renewed while held."""

    name = "redis lease"

    def __init__(self, url: str, lease_seconds: float, key: str = REDIS_KEY) -> None:
        self.key, self.lease_ms = key, max(1, int(lease_seconds * 1000))
        self.token = secrets.token_hex(16)
        self._client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                            socket_timeout=REDIS_TIMEOUT_SECONDS,
                                            retry=Retry(NoBackoff(), 0))
        self._held = False
        self.unreachable: Exception | None = None  # why the last hold() could not ask Redis

    def hold(self) -> bool:
        self.unreachable = None
        try:
            if self._held and self._client.eval(_RENEW, 1, self.key, self.token, self.lease_ms):
                return True
            self._held = bool(self._client.set(self.key, self.token, nx=True, px=self.lease_ms))
        except (redis.RedisError, OSError) as exc:
            self.unreachable = exc
            self._held = False
        return self._held

    def release(self) -> None:
        if self._held:
            try:
                self._client.eval(_RELEASE, 1, self.key, self.token)
            except (redis.RedisError, OSError) as exc:
                log.warning("alert evaluator: could not release the Redis lease: %s", exc)
            self._held = False
        self._client.close()


class RedisOrStoreLock:
    """The Redis lease decides which replica asks for `fallback`, the store's lock (the PostgreSQL
    advisory lock, or on SQLite the single process), and a replica leads only while it holds that
    lock too. While Redis does not answer a replica, the lock alone decides for it, so alerts keep
    flowing through a Redis outage; and as the lease's holder keeps the lock, a replica whose Redis
    call merely failed (a timeout under load) cannot become a second evaluator beside it.
    """

    def __init__(self, lease: RedisLease, fallback: Leadership) -> None:
        self.lease, self.fallback = lease, fallback
        self.falling_back = False

    @property
    def name(self) -> str:
        return self.fallback.name if self.falling_back else self.lease.name

    def hold(self) -> bool:
        leading = self.lease.hold()
        if self.lease.unreachable is None:
            if self.falling_back:
                log.warning("alert evaluator: Redis answers again; back to the %s", self.lease.name)
                self.falling_back = False
            if not leading:
                self.fallback.release()  # at once, so the lease's holder can take the lock
                return False
            return self.fallback.hold()
        if not self.falling_back:
            log.warning("alert evaluator: Redis unreachable (%s); the %s decides until it answers",
                        self.lease.unreachable, self.fallback.name)
            self.falling_back = True
        return self.fallback.hold()

    def release(self) -> None:
        self.lease.release()
        self.fallback.release()


def store_lock(store: Store) -> Leadership:
    """The lock the store itself offers: PostgreSQL's advisory lock, or (SQLite) this process."""
    return AdvisoryLock(store.engine) if store.engine.dialect.name == "postgresql" else SingleProcess()


def leadership_for(settings: Settings, store: Store) -> Leadership:
    """Redis when configured (the store's lock while it is down), else the store's lock."""
    if settings.redis_url:
        lease = RedisLease(settings.redis_url, LEASE_INTERVALS * settings.alert_interval_seconds)
        return RedisOrStoreLock(lease, store_lock(store))
    return store_lock(store)
