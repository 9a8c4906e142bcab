"""The store on a real SQLite file and a real PostgreSQL server: the same tests on both."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from openmanager_core.models import IncidentType, Severity
from openmanager_core.store import IncidentExists, Store, TooManyIncidents

NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
CAP = 100  # active incidents allowed at once, as the settings' default


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/openmanager.db"
    else:
        yield request.getfixturevalue("postgres_url")


def test_schema_is_created_on_first_start_and_start_is_repeatable(database_url: str) -> None:
    Store(database_url)
    store = Store(database_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"deployments", "deployment_run", "incidents", "ai_queries", "ai_logs"} <= tables
    if database_url.startswith("sqlite"):
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_deploy_next_counts_up_and_stops_at_the_total(database_url: str) -> None:
    store = Store(database_url)
    assert [store.deploy_next(3, NOW) for _ in range(5)] == [1, 2, 3, None, None]
    assert store.deployed_count() == 3


def test_deploy_through_is_idempotent_and_keeps_first_times(database_url: str) -> None:
    store = Store(database_url)
    store.deploy_through(2, NOW)
    store.deploy_through(4, NOW + timedelta(minutes=5))
    store.deploy_through(4, NOW + timedelta(minutes=9))
    assert store.deployed() == [(1, NOW), (2, NOW), (3, NOW + timedelta(minutes=5)),
                                (4, NOW + timedelta(minutes=5))]


def test_deployment_survives_a_restart(database_url: str) -> None:
    first = Store(database_url)
    first.deploy_through(7, NOW)
    first.engine.dispose()
    assert Store(database_url).deployed_count() == 7


def test_the_version_follows_every_writer(database_url: str) -> None:
    """Two stores on one database, as two processes: each sees the other's changes and its own; a
    deploy that deploys nothing changes nothing. Told at hand (no wait) only on a SQLite file."""
    first, second = Store(database_url), Store(database_url)
    start = first.version()
    second.deploy_through(2, NOW)
    assert first.version() == second.version() == start + 1
    first.deploy_next(5, NOW)
    assert first.version() == second.version() == start + 2
    second.deploy_through(2, NOW)
    assert first.version() == start + 2
    assert first.version_at_hand() == (start + 2 if database_url.startswith("sqlite") else None)


def test_reset_empties_the_fleet_and_ends_its_incidents(database_url: str) -> None:
    store = Store(database_url)
    store.deploy_through(3, NOW)
    store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.HIGH, NOW, NOW, CAP)
    store.reset(NOW + timedelta(minutes=1))
    assert store.deployed_count() == 0
    assert store.incidents() == []
    assert len(store.incidents(in_effect_during=[(NOW, NOW + timedelta(minutes=1))])) == 1
    assert store.incidents(in_effect_during=[(NOW + timedelta(minutes=1), NOW + timedelta(hours=1))]) == []


def test_incidents_round_trip_and_clear(database_url: str) -> None:
    store = Store(database_url)
    started = NOW - timedelta(hours=2)
    first = store.add_incident(IncidentType.DISK_FULL, "srv_002", "db-master-01",
                               Severity.LOW, started, NOW, CAP)
    second = store.add_incident(IncidentType.HOST_DOWN, "srv_003", "api-gateway-prod",
                                Severity.HIGH, NOW, NOW, CAP)
    listed = store.incidents()
    assert [(i.id, i.type, i.started_at, i.severity) for i in listed] == [
        (first.id, IncidentType.DISK_FULL, started, Severity.LOW),
        (second.id, IncidentType.HOST_DOWN, NOW, Severity.HIGH)]
    assert store.clear_incident(first.id, NOW) is True
    assert store.clear_incident(first.id, NOW) is False
    assert [i.id for i in store.incidents()] == [second.id]
    assert store.clear_incidents(NOW) == 1 and store.incidents() == []


def test_a_server_has_one_active_incident_of_each_type(database_url: str) -> None:
    store = Store(database_url)
    first = store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.LOW, NOW, NOW, CAP)
    with pytest.raises(IncidentExists) as refused:
        store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.HIGH, NOW, NOW, CAP)
    assert refused.value.existing == first
    store.add_incident(IncidentType.MEMORY_LEAK, "srv_001", "web-prod-01", Severity.HIGH, NOW, NOW, CAP)
    store.add_incident(IncidentType.CPU_SPIKE, "srv_002", "db-master-01", Severity.HIGH, NOW, NOW, CAP)
    assert len(store.incidents()) == 3 and store.incidents()[0].severity is Severity.LOW
    store.clear_incident(first.id, NOW)
    again = store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.HIGH, NOW, NOW, CAP)
    assert again.id != first.id and len(store.incidents()) == 3


def test_no_more_than_the_cap_are_active_at_once(database_url: str) -> None:
    store = Store(database_url)
    added = [store.add_incident(kind, "srv_001", "web-prod-01", Severity.LOW, NOW, NOW, 3)
             for kind in list(IncidentType)[:3]]
    with pytest.raises(TooManyIncidents) as refused:
        store.add_incident(IncidentType.HOST_DOWN, "srv_002", "db-master-01", Severity.LOW, NOW, NOW, 3)
    assert refused.value.limit == 3 and len(store.incidents()) == 3
    store.clear_incident(added[0].id, NOW)
    store.add_incident(IncidentType.HOST_DOWN, "srv_002", "db-master-01", Severity.LOW, NOW, NOW, 3)
    assert len(store.incidents()) == 3


def test_concurrent_injects_never_pass_the_caps(database_url: str) -> None:
    store = Store(database_url)
    cap, callers = 10, 30
    kinds = list(IncidentType)

    def race(targets: list[tuple[IncidentType, str]]) -> list[str]:
        go = threading.Barrier(len(targets))

        def inject(target: tuple[IncidentType, str]) -> str:
            go.wait()
            try:
                store.add_incident(target[0], target[1], target[1], Severity.HIGH, NOW, NOW, cap)
            except (IncidentExists, TooManyIncidents) as exc:
                return type(exc).__name__
            return "added"

        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            return list(pool.map(inject, targets))

    distinct = [(kinds[n % len(kinds)], f"srv_{n // len(kinds):03d}") for n in range(callers)]
    assert sorted(race(distinct)) == ["TooManyIncidents"] * (callers - cap) + ["added"] * cap
    assert len(store.incidents()) == cap
    store.clear_incidents(NOW)
    same = [(IncidentType.CPU_SPIKE, "srv_001")] * callers
    assert sorted(race(same)) == ["IncidentExists"] * (callers - 1) + ["added"]
    assert len(store.incidents()) == 1


def test_hostile_text_is_stored_as_data(database_url: str) -> None:
    store = Store(database_url)
    name = "x'); DROP TABLE incidents; --"
    store.add_incident(IncidentType.CPU_SPIKE, "srv_001", name, Severity.LOW, NOW, NOW, CAP)
    assert store.incidents()[0].hostname == name


def test_every_fleet_change_bumps_the_version_seen_by_every_replica(database_url: str) -> None:
    store, other = Store(database_url), Store(database_url)  # two processes or replicas
    seen = [store.version()]

    def changed() -> bool:
        """Whether the version moved since the last look; both replicas read the same number."""
        now = store.version()
        assert other.version() == now
        moved = now != seen[-1]
        seen.append(now)
        return moved

    store.deploy_next(20, NOW)
    assert changed()
    other.deploy_through(3, NOW)
    assert changed()
    store.deploy_through(3, NOW)  # a replay that deploys nothing writes nothing
    assert not changed()
    incident = store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.HIGH, NOW, NOW,
                                  CAP)
    assert changed()
    store.deployed(), store.incidents(), store.deployment_run()  # reads change nothing
    assert not changed()
    assert other.clear_incident(incident.id, NOW)
    assert changed()
    assert not store.clear_incident(incident.id, NOW) and store.clear_incidents(NOW) == 0
    assert not changed()
    store.add_incident(IncidentType.HOST_DOWN, "srv_002", "db-master-01", Severity.HIGH, NOW, NOW, CAP)
    assert changed()
    assert store.clear_incidents(NOW) == 1
    assert changed()
    store.start_run(20, 1, NOW)
    assert changed()
    assert store.step_run(20, NOW + timedelta(seconds=1)) == 4
    assert changed()
    assert store.step_run(20, NOW + timedelta(seconds=1.5)) is None  # not due: nothing written
    assert not changed()
    other.stop_run(NOW)
    assert changed()
    store.reset(NOW)
    assert changed()
    assert seen == sorted(seen)


def test_the_run_is_shared_through_the_store_and_reset_stops_it(database_url: str) -> None:
    store, other = Store(database_url), Store(database_url)  # two processes or replicas
    assert not store.deployment_run().running
    started = store.start_run(20, 2.5, NOW)
    assert started.running and started.interval_seconds == 2.5 and started.deployed == 0
    assert other.deployment_run() == started
    assert other.step_run(20, NOW) == 1
    assert store.step_run(20, NOW + timedelta(seconds=2)) is None  # one interval not yet passed
    assert store.step_run(20, NOW + timedelta(seconds=2.5)) == 2
    assert other.deployment_run().last_deployed_at == NOW + timedelta(seconds=2.5)
    other.reset(NOW + timedelta(seconds=3))
    assert store.deployment_run() == replace(started, running=False)
    assert store.step_run(20, NOW + timedelta(minutes=1)) is None


def test_the_run_stops_itself_at_the_last_position(database_url: str) -> None:
    store = Store(database_url)
    store.start_run(3, 1, NOW)
    steps = [store.step_run(3, NOW + timedelta(seconds=s)) for s in range(5)]
    assert steps == [1, 2, 3, None, None]
    assert not store.deployment_run().running
    assert not store.start_run(3, 1, NOW).running  # a complete fleet does not start again
    store.stop_run(NOW)
    assert not store.deployment_run().running


def test_reset_racing_fifty_deployers_leaves_positions_contiguous(database_url: str) -> None:
    store = Store(database_url)
    for _ in range(20):
        store.reset(NOW)
        store.deploy_through(5, NOW)
        go = threading.Barrier(51)

        def deploy(go: threading.Barrier = go) -> int | None:
            go.wait()
            return store.deploy_next(20, datetime.now(UTC))

        def reset(go: threading.Barrier = go) -> None:
            go.wait()
            store.reset(datetime.now(UTC))

        with ThreadPoolExecutor(max_workers=51) as pool:
            deployers = [pool.submit(deploy) for _ in range(50)]
            pool.submit(reset).result()
            claimed = [d.result() for d in deployers]
        positions = [p for p, _ in store.deployed()]
        assert positions == list(range(1, len(positions) + 1)), (positions, claimed)
        assert store.deployed_count() == len(positions)


def _deploy_from_threads(url: str, calls: int, results: multiprocessing.Queue) -> None:
    store = Store(url)
    with ThreadPoolExecutor(max_workers=calls) as pool:
        claimed = list(pool.map(lambda _: store.deploy_next(20, datetime.now(UTC)), range(calls)))
    results.put(claimed)


def test_fifty_concurrent_calls_from_two_processes_deploy_twenty_distinct(database_url: str) -> None:
    Store(database_url).engine.dispose()  # schema exists before the race starts
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=_deploy_from_threads, args=(database_url, 25, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    claimed = results.get(timeout=120) + results.get(timeout=120)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    positions = [p for p in claimed if p is not None]
    assert sorted(positions) == list(range(1, 21)), "none skipped, none doubled"
    assert claimed.count(None) == 30
    assert [p for p, _ in Store(database_url).deployed()] == list(range(1, 21))

