"""`/api/servers/next` as the guide documents it, and the live fleet endpoints."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from openmanager_core import fleet as fleet_module
from openmanager_core.ai.findings import screen
from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet, summarize
from openmanager_core.metrics import METRIC_KEYS
from openmanager_core.models import IncidentType, Severity
from openmanager_core.settings import Settings
from openmanager_core.store import DEPLOY_LOCK
from tests.services import REPO_ROOT

from .conftest import LOOPBACK, LOOPBACK_URL, NOW

GUIDE_FIELDS = {"success", "server", "currentCount", "isComplete", "progress", "nextServerType",
                "message", "totalServers"}


def test_post_next_deploys_and_answers_in_the_guides_shape(client: TestClient) -> None:
    body = client.post("/servers/next").json()
    assert body.keys() >= GUIDE_FIELDS
    assert body["success"] is True and body["currentCount"] == 1 and body["totalServers"] == 20
    assert body["isComplete"] is False and body["progress"] == 5
    assert body["nextServerType"] == "Database"  # as the guide names it
    assert body["message"] == "⚡ web-prod-01 서버 배포됨"
    server = body["server"]
    assert server["hostname"] == "web-prod-01" and server["status"] == "online"
    assert {"cpu", "memory", "disk", "networkIn", "responseTime"} <= server["metrics"].keys()


def test_get_next_reports_without_deploying(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(2)
    body = client.get("/servers/next", headers={"Accept-Language": "en-US,en;q=0.9"}).json()
    assert body["currentCount"] == 3 and body["server"] is None
    assert body["message"] == "3 / 20 servers deployed"
    assert fleet.deployment().current_count == 3


def test_current_count_is_idempotent_over_http(client: TestClient, fleet: Fleet) -> None:
    first = client.post("/servers/next", json={"currentCount": 1}).json()
    second = client.post("/servers/next", json={"currentCount": 1}).json()
    assert first["server"]["hostname"] == second["server"]["hostname"] == "db-master-01"
    assert fleet.deployment().current_count == 2


def test_completion_and_reset(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(19)
    done = client.post("/servers/next").json()
    assert done == {**done, "success": True, "isComplete": True, "server": None,
                    "message": "🎉 모든 서버 배포 완료!", "progress": 100}
    english = client.post("/servers/next", headers={"Accept-Language": "en"}).json()
    assert english["message"] == "🎉 All servers deployed!"
    reset = client.post("/servers/next", json={"reset": True}).json()
    assert reset["currentCount"] == 0 and fleet.deployment().current_count == 0


def test_bad_input_names_the_field_and_changes_nothing(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(0)
    cases = [
        (b"{not json", 400, "body"),
        (b'{"currentCount": -1}', 422, "currentCount"),
        (b'{"currentCount": "3"}', 422, "currentCount"),
        (b'{"currentCount": 1000000000}', 422, "currentCount"),
        (b'{"currentCount": 25}', 400, "currentCount"),
        (b'{"reset": "yes"}', 422, "reset"),
        (b'{"bogus": 1}', 422, "bogus"),
        (b"[1, 2]", 422, "body"),
    ]
    for raw, status, field in cases:
        response = client.post("/servers/next", content=raw,
                               headers={"Content-Type": "application/json"})
        assert response.status_code == status, raw
        error = response.json()["error"]
        assert error["field"] == field and error["message"], raw
    assert fleet.deployment().current_count == 1


def test_list_one_and_history(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(2)
    listed = client.get("/servers").json()
    assert [s["hostname"] for s in listed["servers"]] == [
        "web-prod-01", "db-master-01", "api-gateway-prod"]
    assert listed["summary"] == {"total": 3, "online": 3, "warning": 0, "critical": 0,
                                 "offline": 0}
    by_name = client.get("/servers/db-master-01").json()["server"]
    assert by_name["id"] == "srv_002" and by_name == client.get("/servers/srv_002").json()["server"]
    history = client.get("/servers/srv_001/metrics", params={"minutes": 30}).json()
    assert history["minutes"] == 30 and len(history["samples"]) == 181


def test_unknown_undeployed_and_bad_windows(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(0)
    assert client.get("/servers/nope").status_code == 404
    assert client.get("/servers/nope").json()["error"]["code"] == "unknown_server"
    assert client.get("/servers/vault-secrets").json()["error"]["code"] == "not_deployed"
    for minutes in ("0", "-5", "999999", "abc"):
        response = client.get("/servers/srv_001/metrics", params={"minutes": minutes})
        assert response.status_code == 422 and response.json()["error"]["field"] == "minutes"
    assert client.get("/servers/nope/metrics").status_code == 404


@pytest.mark.parametrize("minutes, step", [(30, 10), (60, 10), (24 * 60, 60), (7 * 24 * 60, 420)])
def test_history_instants_sit_on_the_step_grid(tmp_path: Path, minutes: int, step: int) -> None:
    # Two replicas on one database whose clocks read different instants within one step (and a
    # refresh a moment later) return the very same sample instants: multiples of the step.
    url = f"sqlite:///{tmp_path}/grid.db"
    clocks = (datetime(2026, 11, 30, 5, 30, 1, 250_000, tzinfo=UTC),
              datetime(2026, 11, 30, 5, 30, 9, 900_000, tzinfo=UTC))
    fleets = [Fleet(Settings(database_url=url), clock=lambda at=at: at) for at in clocks]
    fleets[0].deploy_next()
    if step > 10:  # a wider step: the two instants must still fall in one step
        fleets[1] = Fleet(Settings(database_url=url), clock=lambda: clocks[0] + timedelta(seconds=step - 2))
    first, second = (fleet.history("web-prod-01", minutes) for fleet in fleets)
    assert first.step_seconds == second.step_seconds == step
    instants = [sample.timestamp.timestamp() for sample in first.samples]
    assert instants == [sample.timestamp.timestamp() for sample in second.samples]
    assert first.samples == second.samples
    assert all(instant % step == 0 for instant in instants)
    assert len(instants) == minutes * 60 // step + 1
    assert instants[-1] <= clocks[0].timestamp() < instants[-1] + step


def test_history_over_http_is_on_the_grid(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(0)
    fleet.clock = lambda: datetime(2026, 11, 30, 5, 30, 3, 700_000, tzinfo=UTC)  # between two steps
    body = client.get("/servers/srv_001/metrics", params={"minutes": 120}).json()
    step = body["stepSeconds"]
    instants = [datetime.fromisoformat(s["timestamp"]).timestamp() for s in body["samples"]]
    assert step == 10 and all(instant % step == 0 for instant in instants)
    assert instants[1] - instants[0] == step


def test_the_guides_reset_without_content_type_is_read_as_json(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(4)
    response = client.post("/servers/next", content=b'{\n  "reset": true\n}')  # as the guide writes it
    assert response.status_code == 200 and response.json()["currentCount"] == 0
    assert fleet.deployment().current_count == 0


@pytest.mark.parametrize("headers", [{"Origin": "https://elsewhere.example"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_a_cross_site_browser_must_declare_its_json(client: TestClient, fleet: Fleet,
                                                    headers: dict[str, str]) -> None:
    # Without a Content-Type a browser skips the CORS preflight: that must not reset the fleet.
    fleet.deploy_next(4)
    response = client.post("/servers/next", content=b'{"reset": true}', headers=headers)
    assert response.status_code == 415 and response.json()["error"]["field"] == "Content-Type"
    assert fleet.deployment().current_count == 5


@pytest.fixture
def big(tmp_path: Path) -> Iterator[tuple[Fleet, TestClient]]:
    """150 deployed servers, two of them down and one over its CPU threshold, and a client on them."""
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/big.db", fleet_size=150), clock=lambda: NOW)
    fleet.deploy_next(149)
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH, NOW - timedelta(minutes=5))
    fleet.inject(IncidentType.HOST_DOWN, "srv_120", Severity.HIGH, NOW - timedelta(minutes=5))
    fleet.inject(IncidentType.CPU_SPIKE, "srv_001", Severity.HIGH, NOW - timedelta(minutes=10))
    settings = Settings(database_url=fleet.settings.database_url, data_dir=tmp_path)
    with TestClient(create_api(lambda: fleet, settings), raise_server_exceptions=False,
                    base_url=LOOPBACK_URL, client=LOOPBACK) as client:
        yield fleet, client


def test_the_list_is_paged_and_counts_the_whole_fleet(big: tuple[Fleet, TestClient]) -> None:
    fleet, client = big
    everything = fleet.states("en")
    whole = summarize(everything)
    assert whole.total == 150 and whole.offline == 2 and whole.critical >= 1
    first = client.get("/servers").json()  # the default page
    assert (first["limit"], first["offset"], first["matching"]) == (100, 0, 150)
    assert [s["id"] for s in first["servers"]] == [s.id for s in everything[:100]]
    assert first["summary"] == whole.model_dump(by_alias=True)
    page = client.get("/servers", params={"limit": 7, "offset": 115},
                      headers={"Accept-Language": "en"}).json()
    assert [s["hostname"] for s in page["servers"]] == [s.hostname for s in everything[115:122]]
    down = next(s for s in page["servers"] if s["id"] == "srv_120")
    assert down["status"] == "offline" and down["metrics"] is None
    assert down["alerts"] == [a.model_dump(mode="json", by_alias=True)
                              for a in next(s for s in everything if s.id == "srv_120").alerts]
    assert page["summary"] == whole.model_dump(by_alias=True) and page["matching"] == 150
    past_the_end = client.get("/servers", params={"offset": 150}).json()
    assert past_the_end["servers"] == [] and past_the_end["summary"]["total"] == 150


def test_a_status_filter_pages_its_own_servers(big: tuple[Fleet, TestClient]) -> None:
    fleet, client = big
    offline = client.get("/servers", params={"status": "offline", "limit": 1}).json()
    assert offline["matching"] == 2 and [s["hostname"] for s in offline["servers"]] == ["db-master-01"]
    rest = client.get("/servers", params={"status": "offline", "offset": 1}).json()
    assert [s["id"] for s in rest["servers"]] == ["srv_120"]
    assert offline["summary"] == rest["summary"] == summarize(fleet.states()).model_dump(by_alias=True)


def test_summary_only_counts_without_servers(big: tuple[Fleet, TestClient]) -> None:
    fleet, client = big
    body = client.get("/servers", params={"summary": "true", "status": "offline"}).json()
    assert body.keys() == {"success", "summary", "timestamp"}
    assert body["summary"] == summarize(fleet.states()).model_dump(by_alias=True)
    assert datetime.fromisoformat(body["timestamp"]) == NOW


def test_only_the_page_is_composed(big: tuple[Fleet, TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    _, client = big
    spy = mock.MagicMock(wraps=fleet_module.frames_to_samples)
    monkeypatch.setattr(fleet_module, "frames_to_samples", spy)
    assert len(client.get("/servers", params={"limit": 10, "offset": 40}).json()["servers"]) == 10
    assert spy.call_count == 10  # of 150 servers judged
    client.get("/servers", params={"summary": "true"})
    assert spy.call_count == 10


def test_each_listed_server_names_its_metrics_off_their_usual_level(big: tuple[Fleet, TestClient]) -> None:
    fleet, client = big
    def anomalies(limit: int) -> dict[str, list[str]]:
        servers = client.get("/servers", params={"limit": limit}).json()["servers"]
        return {server["id"]: server["anomalies"] for server in servers}

    # A page is screened alone: what it says of its servers is what the whole fleet's screen says.
    page, listed = anomalies(5), anomalies(150)
    assert "cpu" in listed["srv_001"]  # the CPU spike
    assert listed["srv_120"] == [] and listed["srv_002"] == []  # down: nothing observed to be off
    deployed = [server for server, _ in fleet.deployed_servers()]
    flagged = screen(fleet, deployed, NOW.timestamp()).flagged  # the AI's screen, asked directly
    assert listed == {s.id: [key for key in METRIC_KEYS if flagged[key][k]] for k, s in enumerate(deployed)}
    assert sum(map(bool, listed.values())) < 10  # a healthy fleet is not flagged wholesale
    assert page == {key: listed[key] for key in page} and len(page) == 5


@pytest.mark.parametrize("params, field", [
    ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"offset": "1.5"}, "offset"), ({"summary": "maybe"}, "summary"),
    ({"status": "sleepy"}, "status"),
])
def test_bad_paging_names_the_field(client: TestClient, params: dict[str, str], field: str) -> None:
    response = client.get("/servers", params=params)
    assert response.status_code == 422 and response.json()["error"]["field"] == field


# ------------------------------------------------- reads and replays without the store's locks


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Fleet, TestClient]]:
    """A fleet on a SQLite file or a PostgreSQL database that other processes share, and its API."""
    url = (f"sqlite:///{tmp_path}/shared.db" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    settings = Settings(database_url=url, data_dir=tmp_path)
    fleet = Fleet(settings, clock=lambda: NOW)
    with TestClient(create_api(lambda: fleet, settings), raise_server_exceptions=False,
                    base_url=LOOPBACK_URL, client=LOOPBACK) as client:
        yield fleet, client


def _in_another_process(url: str, statement: str) -> None:
    """Run `statement` on a Store of `url` in a fresh Python process (`store` and `now` defined)."""
    code = ("from datetime import UTC, datetime\nfrom openmanager_core.store import Store\n"
            f"store = Store({url!r})\nnow = datetime.now(UTC)\n{statement}\n")
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)


def _version_and_rows(fleet: Fleet) -> tuple[int, list[tuple[int, datetime]]]:
    return fleet.store.version(), fleet.store.deployed()


@contextlib.contextmanager
def _deployment_locked(fleet: Fleet) -> Iterator[None]:
    """Hold what every deploy takes, from another connection: SQLite's write lock (the store's
    writing transactions begin IMMEDIATE), PostgreSQL's deployment advisory lock."""
    with fleet.store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEPLOY_LOCK})
        yield


def test_a_replayed_post_writes_nothing_and_waits_for_no_lock(shared: tuple[Fleet, TestClient]) -> None:
    """The guide's client repeats its count: once position currentCount+1 is deployed, the POST
    answers it without a transaction, even while another process holds the deployment lock."""
    fleet, client = shared
    first = client.post("/servers/next", json={"currentCount": 5}).json()
    before = _version_and_rows(fleet)
    # The lock is released before the pool is shut down, so a replay that waits for it ends too.
    with ThreadPoolExecutor(1) as pool, _deployment_locked(fleet):
        # A deploy would wait for the lock (SQLite for its 30 s busy timeout, PostgreSQL for ever).
        replays = pool.submit(lambda: [client.post("/servers/next", json={"currentCount": n}).json()
                                       for n in (5, 5, 2, 0)])
        answers = replays.result(timeout=20)
    assert _version_and_rows(fleet) == before
    assert [a["currentCount"] for a in answers] == [6, 6, 6, 6]
    assert [a["server"]["hostname"] for a in answers] == [first["server"]["hostname"]] * 2 + [
        fleet.catalogue.at(3).hostname, fleet.catalogue.at(1).hostname]
    assert answers[0] == first


def test_another_processs_writes_are_seen_by_the_next_request(shared: tuple[Fleet, TestClient]) -> None:
    """The state is kept per store version; a version bumped by another process's deploy or reset
    is seen by the next GET, and a replay after a reset elsewhere deploys again."""
    fleet, client = shared
    assert client.get("/servers/next").json()["currentCount"] == 0
    assert client.get("/servers/next").json()["currentCount"] == 0  # now from what is kept
    _in_another_process(fleet.settings.database_url, "store.deploy_through(3, now)")
    assert client.get("/servers/next").json()["currentCount"] == 3
    assert client.post("/servers/next", json={"currentCount": 1}).json()["currentCount"] == 3  # a replay
    _in_another_process(fleet.settings.database_url, "store.reset(now)")
    assert client.get("/servers/next").json()["currentCount"] == 0
    replayed = client.post("/servers/next", json={"currentCount": 1}).json()
    assert replayed["currentCount"] == 2 and replayed["server"]["hostname"] == "db-master-01"
    assert [position for position, _ in fleet.store.deployed()] == [1, 2]
