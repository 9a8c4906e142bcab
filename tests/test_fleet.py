"""The fleet facade: sequential deployment semantics and live state."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from openmanager_core.api import create_api
from openmanager_core.deployment import DeploymentDriver
from openmanager_core.fleet import Fleet, InvalidCount, NotDeployed, UnknownServer
from openmanager_core.models import AlertKind, IncidentType, ServerType, Severity, Status
from openmanager_core.runtime import get_fleet
from openmanager_core.settings import Settings, get_settings
from openmanager_core.store import IncidentExists, TooManyIncidents, incidents

NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(Settings(database_url=f"sqlite:///{tmp_path}/fleet.db"), clock=lambda: NOW)


def test_next_deploys_in_catalogue_order(fleet: Fleet) -> None:
    first, second = fleet.deploy_next(), fleet.deploy_next()
    assert (first.server.hostname, second.server.hostname) == ("web-prod-01", "db-master-01")
    assert second.state.current_count == 2 and second.state.progress == 10
    assert second.state.next_server_type is ServerType.API


def test_current_count_is_idempotent(fleet: Fleet) -> None:
    once = fleet.deploy_next(4)
    twice = fleet.deploy_next(4)
    assert once.server.hostname == twice.server.hostname == "k8s-worker-01"
    assert fleet.deployment().current_count == 5
    assert [s.hostname for s, _ in fleet.deployed_servers()][:5] == [
        "web-prod-01", "db-master-01", "api-gateway-prod", "k8s-master-01", "k8s-worker-01"]


def test_past_the_last_server_completes_without_a_server(fleet: Fleet) -> None:
    fleet.deploy_next(19)
    last = fleet.deploy_next()
    assert last.server is None and last.state.is_complete and last.state.progress == 100
    assert last.state.next_server_type is None
    assert fleet.deploy_next(20).server is None
    with pytest.raises(InvalidCount):
        fleet.deploy_next(21)


def test_states_and_incident_driven_status(fleet: Fleet) -> None:
    fleet.deploy_next(2)
    assert [s.status for s in fleet.states()] == [Status.ONLINE] * 3
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    fleet.inject(IncidentType.CPU_SPIKE, "srv_001", Severity.HIGH, NOW - timedelta(minutes=10))
    states = {s.hostname: s for s in fleet.states("en")}
    assert states["db-master-01"].status is Status.OFFLINE and states["db-master-01"].metrics is None
    assert states["web-prod-01"].status is Status.CRITICAL
    assert states["web-prod-01"].alerts[0].metric == "cpu"
    assert states["api-gateway-prod"].status is Status.ONLINE
    assert fleet.clear() == 2
    assert fleet.state("db-master-01").status is Status.ONLINE


def test_one_servers_state_read_from_the_fleet_snapshot_is_the_state_computed_alone(fleet: Fleet) -> None:
    # A small fleet's replays read the shared snapshot; an explicit instant computes the one server.
    fleet.deploy_next(4)
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    fleet.inject(IncidentType.MEMORY_LEAK, "api-gateway-prod", Severity.HIGH, NOW - timedelta(minutes=30))
    for server, _ in fleet.deployed_servers():
        for lang in ("ko", "en"):
            assert fleet.state(server.id, lang) == fleet.state(server.id, lang, at=NOW), server.hostname
    assert [fleet.state(s.id) for s, _ in fleet.deployed_servers()] == fleet.states()


def test_unknown_and_undeployed_servers_are_told_apart(fleet: Fleet) -> None:
    with pytest.raises(UnknownServer):
        fleet.state("nope-01")
    with pytest.raises(NotDeployed):
        fleet.state("vault-secrets")


def test_history_covers_the_window_at_bounded_resolution(fleet: Fleet) -> None:
    hour = fleet.history("web-prod-01", 60)
    assert hour.step_seconds == 10 and len(hour.samples) == 361
    assert hour.samples[-1].timestamp == NOW
    day = fleet.history("web-prod-01", 24 * 60)
    assert len(day.samples) <= 1441 and day.samples[0].timestamp == NOW - timedelta(days=1)


def test_uptime_counts_from_deployment(tmp_path: Path) -> None:
    times = iter([NOW - timedelta(days=15, hours=8, minutes=3), NOW])
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/u.db"), clock=lambda: next(times))
    fleet.deploy_next()
    state = fleet.state("web-prod-01", "ko")
    assert state.uptime == "15일 8시간"


# How long an injected incident may take to turn its server at least warning on the fleet page.
SHOWN_WITHIN = {Severity.HIGH: timedelta(seconds=60), Severity.MEDIUM: timedelta(minutes=3),
                Severity.LOW: timedelta(minutes=10)}
INCIDENT_CASES = [(kind, severity) for kind in IncidentType for severity in Severity]


@pytest.mark.parametrize("kind, severity", INCIDENT_CASES,
                         ids=[f"{k.value}-{s.value}" for k, s in INCIDENT_CASES])
def test_every_incident_turns_its_server_at_least_warning_within_its_deadline(
        tmp_path: Path, kind: IncidentType, severity: Severity) -> None:
    """Injected "now" on each server of the catalogue (every server type), read at the deadline."""
    clock = [NOW]
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/f.db"), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    for server in fleet.catalogue.servers:
        fleet.inject(kind, server.hostname, severity)
    clock[0] = NOW + SHOWN_WITHIN[severity]
    late = [(s.hostname, s.status.value) for s in fleet.states("en") if s.status is Status.ONLINE]
    assert late == []
    assert all(s.alerts for s in fleet.states("en"))


def test_a_second_incident_of_a_type_on_a_server_is_refused_and_the_fleet_is_capped(
        tmp_path: Path) -> None:
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/capped.db", max_active_incidents=3),
                  clock=lambda: NOW)
    fleet.deploy_next(fleet.total - 1)
    first = fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    with pytest.raises(IncidentExists) as refused:
        fleet.inject(IncidentType.CPU_SPIKE, "srv_001", Severity.LOW)
    assert refused.value.existing == first
    fleet.inject(IncidentType.DISK_FULL, "web-prod-01")
    fleet.inject(IncidentType.CPU_SPIKE, "db-master-01")
    with pytest.raises(TooManyIncidents):
        fleet.inject(IncidentType.HOST_DOWN, "api-gateway-prod")
    assert [(i.type, i.hostname, i.severity) for i in fleet.incidents()] == [
        (IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH),
        (IncidentType.DISK_FULL, "web-prod-01", Severity.MEDIUM),
        (IncidentType.CPU_SPIKE, "db-master-01", Severity.MEDIUM)]


def test_a_stopped_service_is_an_alert_and_a_warning(fleet: Fleet) -> None:
    fleet.deploy_next(0)
    fleet.inject(IncidentType.SERVICE_DOWN, "web-prod-01", Severity.LOW)
    state = fleet.state("web-prod-01", "en")
    assert state.status is Status.WARNING
    assert [(a.kind, a.service, a.port, a.message) for a in state.alerts] == [
        (AlertKind.SERVICE, "nginx", 80, "nginx stopped, port 80")]


def test_a_down_host_is_an_alert_and_its_uptime_stops_counting(tmp_path: Path) -> None:
    clock = [NOW]
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/d.db"), clock=lambda: clock[0])
    fleet.deploy_next(0)
    fleet.inject(IncidentType.HOST_DOWN, "web-prod-01", Severity.HIGH)
    readings = []
    for minutes in (1, 30):
        clock[0] = NOW + timedelta(minutes=minutes)
        readings.append(fleet.state("web-prod-01", "en"))
    for state in readings:
        assert state.status is Status.OFFLINE and state.metrics is None
        assert (state.uptime, state.uptime_seconds) == ("—", 0)
        assert [a.kind for a in state.alerts] == [AlertKind.HOST]
        assert "host down" in state.alerts[0].message


def test_piled_up_incidents_stay_inside_physical_ranges(fleet: Fleet) -> None:
    """600 high CPU spikes on one host used to reach infinity: 500s on /api/servers. The caps now
    refuse them; a database written before the caps may still hold them, as rows."""
    fleet.deploy_next(0)
    piled = [{"type": kind.value, "server_id": "srv_001", "hostname": "web-prod-01", "severity": "high",
              "started_at": NOW - timedelta(hours=2), "created_at": NOW}
             for kind, count in ((IncidentType.CPU_SPIKE, 600), (IncidentType.NETWORK_CONGESTION, 50),
                                 (IncidentType.MEMORY_LEAK, 50)) for _ in range(count)]
    with fleet.store.engine.begin() as conn:
        conn.execute(insert(incidents), piled)
    assert len(fleet.incidents()) == 700
    with TestClient(create_api(lambda: fleet), client=("127.0.0.1", 5000)) as client:
        response = client.get("/servers")  # /api/servers once mounted in the app
    assert response.status_code == 200
    metrics = response.json()["servers"][0]["metrics"]
    assert all(math.isfinite(value) for value in metrics.values() if isinstance(value, float | int))
    assert 0 <= metrics["cpu"] <= 100 and 0 <= metrics["memory"] <= 100 and 0 <= metrics["disk"] <= 100
    assert 0 <= metrics["responseTime"] <= 60_000 and 0 <= metrics["networkIn"] <= 10_000
    assert 0 <= metrics["activeConnections"] <= 1_000_000


class Clock:
    """A clock the test moves by hand: the driver's pace is checked without sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def paced(tmp_path: Path, clock: Clock) -> Fleet:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/paced.db", deploy_interval_seconds=2)
    return Fleet(settings, clock=clock)


def test_start_deploys_the_first_server_and_the_driver_one_per_interval(paced: Fleet,
                                                                        clock: Clock) -> None:
    driver = DeploymentDriver(paced)
    assert driver.tick() is None and paced.deployment().current_count == 0  # not started
    status = paced.start_deployment()
    assert status.running and status.state.current_count == 1
    assert driver.tick(clock.advance(1.9)) is None  # not due yet
    assert driver.tick(clock.advance(0.1)).hostname == "db-master-01"
    assert driver.tick() is None  # the same moment again deploys nothing
    other = DeploymentDriver(Fleet(paced.settings, clock=clock))  # another process or replica
    due = clock.advance(2)
    ticks = [d.tick(due) for d in (other, driver, other, driver)]
    assert ticks[0].hostname == "api-gateway-prod" and ticks[1:] == [None] * 3  # once between them
    assert paced.deployment_status().state.current_count == 3


def test_pause_stops_the_driver_and_start_resumes(paced: Fleet, clock: Clock) -> None:
    driver = DeploymentDriver(paced)
    paced.start_deployment()
    assert not paced.pause_deployment().running
    assert driver.tick(clock.advance(60)) is None
    resumed = paced.start_deployment()  # long past due: the next goes out at once
    assert resumed.running and resumed.state.current_count == 2
    assert driver.tick(clock.advance(1)) is None


def test_reset_stops_the_run_everywhere(paced: Fleet, clock: Clock) -> None:
    driver = DeploymentDriver(paced)
    paced.start_deployment()
    viewer = Fleet(paced.settings, clock=clock)  # the API in another replica resets
    assert viewer.deployment_status().running
    viewer.reset()
    assert not paced.deployment_status().running
    assert driver.tick(clock.advance(60)) is None
    assert paced.deployment().current_count == 0


def test_completion_stops_the_run(paced: Fleet, clock: Clock) -> None:
    driver = DeploymentDriver(paced)
    paced.start_deployment()
    deployed = [driver.tick(clock.advance(2)) for _ in range(paced.total + 2)]
    assert [s.hostname for s in deployed if s][-1] == "staging-web-01"
    assert deployed[-3:] == [None] * 3
    status = paced.deployment_status()
    assert status.state.is_complete and not status.running
    assert not paced.start_deployment().running  # nothing left to run


def test_the_process_fleet_comes_with_one_driver_that_clearing_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/runtime.db")
    get_settings.cache_clear()
    get_fleet.cache_clear()

    def drivers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "deployment-driver" and t.is_alive()]

    try:
        assert get_fleet() is get_fleet()
        assert len(drivers()) == 1
    finally:
        get_fleet.cache_clear()
        get_settings.cache_clear()
    assert drivers() == []


# -- one snapshot per second and store version ----------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Fleet:
    """A fleet of three servers on a real SQLite file or PostgreSQL database, on a hand-moved clock."""
    url = (f"sqlite:///{tmp_path}/shared.db" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    fleet = Fleet(Settings(database_url=url), clock=clock)
    fleet.deploy_next(2)
    return fleet


def frame_calls(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> mock.MagicMock:
    """A spy on the real simulator's one vectorised pass: counts the computations."""
    spy = mock.MagicMock(wraps=fleet.source.simulator.frame)
    monkeypatch.setattr(fleet.source.simulator, "frame", spy)
    return spy


def test_one_computation_per_second_until_the_store_changes(shared: Fleet, clock: Clock,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    frame = frame_calls(shared, monkeypatch)
    first = shared.states("en")
    clock.advance(0.4)  # the same whole second
    again = shared.states("en")
    assert frame.call_count == 1 and again == first and all(a is b for a, b in zip(again, first, strict=True))
    korean = shared.states("ko")
    assert frame.call_count == 1 and korean[0].status is first[0].status  # one snapshot, two languages
    shared.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    after = shared.states("en")  # still the same second: the write changed the version
    assert first[1].status is not Status.OFFLINE
    assert frame.call_count == 2 and after[1].status is Status.OFFLINE
    replica = Fleet(shared.settings, clock=clock)  # another process or replica clears it
    replica.clear()
    assert shared.states("en")[1].status is Status.ONLINE and frame.call_count == 3
    clock.advance(0.6)  # the next second
    assert shared.states("en")[0].metrics.timestamp == NOW + timedelta(seconds=1)
    assert frame.call_count == 4
    earlier = shared.states("en", NOW - timedelta(minutes=5))  # an explicit instant bypasses it
    assert frame.call_count == 5 and earlier[0].metrics.timestamp == NOW - timedelta(minutes=5)


def test_many_sessions_asking_at_once_share_one_computation(shared: Fleet,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real_frame = shared.source.simulator.frame
    second_started = threading.Event()
    entered: list[int] = []

    def frame(*args: object, **kwargs: object) -> object:
        entered.append(1)
        if len(entered) > 1:
            second_started.set()
        else:  # hold the first computation while the others ask; a second one would end the wait
            second_started.wait(timeout=0.5)
        return real_frame(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shared.source.simulator, "frame", frame)
    sessions = 16
    start = threading.Barrier(sessions)
    results: list[list] = [[] for _ in range(sessions)]

    def session(k: int) -> None:
        start.wait()
        results[k] = shared.states("en")

    threads = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(entered) == 1 and not second_started.is_set()
    assert all(len(r) == 3 and r[0] is results[0][0] for r in results)


def test_a_failed_computation_is_not_kept(shared: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    real_frame = shared.source.simulator.frame
    calls: list[int] = []

    def frame(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("a fault in the first computation")
        return real_frame(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shared.source.simulator, "frame", frame)
    with pytest.raises(MemoryError):
        shared.states("en")
    assert [s.hostname for s in shared.states("en")] == ["web-prod-01", "db-master-01", "api-gateway-prod"]
