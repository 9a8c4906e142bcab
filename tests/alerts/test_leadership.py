"""One evaluator per deployment: the PostgreSQL advisory lock and the Redis lease, on real servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from openmanager_core.alerts.leadership import AdvisoryLock, RedisLease
from tests.services import wait_for


@pytest.fixture
def engines(postgres_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database, as two replicas have."""
    pair = (create_engine(postgres_url), create_engine(postgres_url))
    yield pair
    for engine in pair:
        engine.dispose()


def test_one_advisory_lock_holder_and_a_takeover_when_its_session_dies(
        engines: tuple[Engine, Engine]) -> None:
    first, second = AdvisoryLock(engines[0]), AdvisoryLock(engines[1])
    assert first.hold() and first.hold()  # kept while held
    assert not second.hold()
    # The holder's process dies: PostgreSQL ends its session, and the lock with it.
    with engines[1].connect() as admin:
        ended = admin.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        )).scalars().all()
        admin.commit()
    assert ended == [True]
    wait_for(second.hold, timeout=10, what="the second replica taking the lock")
    assert not first.hold()  # its connection is gone; the lock is the other's now
    second.release()
    assert first.hold()


def test_one_redis_lease_holder_and_a_takeover_when_it_stops_renewing(redis_url: str) -> None:
    first, second = RedisLease(redis_url, lease_seconds=0.5), RedisLease(redis_url, lease_seconds=0.5)
    assert first.hold() and not second.hold()
    assert first.hold()  # renewing keeps it
    # The holder dies and renews no more: its lease lapses, and the other takes over.
    wait_for(second.hold, timeout=10, what="the lease to lapse and pass on")
    assert not first.hold()  # renewing a lease that is no longer ours fails
    second.release()
    assert first.hold()
    first.release()
