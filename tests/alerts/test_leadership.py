"""One evaluator per deployment: the PostgreSQL advisory lock and the Redis lease, on real servers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from openmanager_core.alerts.leadership import AdvisoryLock, RedisLease, RedisOrStoreLock, leadership_for
from openmanager_core.settings import Settings
from openmanager_core.store import Store
from tests.services import RedisServer, wait_for


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


def test_with_redis_down_the_advisory_lock_elects_one_evaluator_until_redis_answers(
        engines: tuple[Engine, Engine], redis_server: RedisServer, redis_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    first, second = (RedisOrStoreLock(RedisLease(redis_url, lease_seconds=30), AdvisoryLock(engine))
                     for engine in engines)
    assert first.hold() and not second.hold()
    assert first.name == second.name == "redis lease"
    caplog.set_level(logging.WARNING, logger="openmanager.alerts")
    redis_server.stop()  # mid-run: the lease cannot be renewed nor taken
    held = [first.hold(), second.hold()]
    assert sorted(held) == [False, True]  # still exactly one evaluator
    assert first.name == second.name == "postgresql advisory lock"
    assert [first.hold(), second.hold()] == held  # kept while Redis stays down
    assert sum("Redis unreachable" in r.getMessage() for r in caplog.records) == 2  # once per replica
    redis_server.start()  # empty: the lease is free, and the first replica to ask takes it

    def back_on_redis() -> bool:
        return [first.hold(), second.hold()].count(True) == 1 and first.name == second.name == "redis lease"

    wait_for(back_on_redis, timeout=10, what="both replicas back on the Redis lease")
    assert sum("Redis answers again" in r.getMessage() for r in caplog.records) == 2
    # The lease's holder has the advisory lock and the other handed it back: once the holder lets
    # go, a third asker gets it.
    leader, standby = (first, second) if first.hold() else (second, first)
    third = AdvisoryLock(engines[0])
    assert not third.hold()
    leader.release()
    assert third.hold()
    third.release()
    standby.release()


def test_a_replica_that_cannot_reach_redis_never_leads_beside_the_lease_holder(
        engines: tuple[Engine, Engine], redis_url: str) -> None:
    # One replica's Redis calls fail (a timeout under load, a partition) while the other's succeed:
    # the first falls back to the advisory lock, which the lease's holder has too.
    unreachable = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    holder = RedisOrStoreLock(RedisLease(redis_url, lease_seconds=30), AdvisoryLock(engines[0]))
    cut_off = RedisOrStoreLock(RedisLease(unreachable, lease_seconds=30), AdvisoryLock(engines[1]))
    assert holder.hold()
    assert not cut_off.hold() and cut_off.name == "postgresql advisory lock"
    assert [holder.hold(), cut_off.hold()] == [True, False]
    holder.release()  # the holder stops: the cut-off replica's lock now decides for it
    assert cut_off.hold()
    # The holder comes back and wins the free lease, but the lock is taken: it stands by.
    returning = RedisOrStoreLock(RedisLease(redis_url, lease_seconds=30), AdvisoryLock(engines[0]))
    assert not returning.hold()
    assert [returning.hold(), cut_off.hold()] == [False, True]
    cut_off.release()
    assert returning.hold()
    returning.release()


def test_redis_configured_falls_back_to_the_store_lock_of_its_dialect(
        postgres_url: str, tmp_path: Path, redis_url: str) -> None:
    for url, fallback in ((postgres_url, "postgresql advisory lock"),
                          (f"sqlite:///{tmp_path}/alone.db", "single process")):
        settings = Settings(database_url=url, redis_url="redis://127.0.0.1:9/0", data_dir=tmp_path,
                            secrets_files=[tmp_path / "no-secrets.toml"])
        store = Store(url)
        leadership = leadership_for(settings, store)
        assert isinstance(leadership, RedisOrStoreLock)
        assert leadership.hold()  # nothing listens on port 9: the store's lock decides
        assert leadership.name == fallback
        leadership.release()
        store.engine.dispose()
