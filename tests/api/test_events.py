"""GET /api/events: the timeline over HTTP, oldest first, in the caller's language."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings

from .conftest import LOOPBACK, LOOPBACK_URL, NOW


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_an_injected_then_cleared_incident_and_a_deploy_are_listed_in_order(tmp_path: Path) -> None:
    clock = Clock()
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/api.db"), clock=clock)
    settings = Settings(database_url=fleet.settings.database_url, data_dir=tmp_path)
    with TestClient(create_api(lambda: fleet, settings), raise_server_exceptions=False,
                    base_url=LOOPBACK_URL, client=LOOPBACK) as client:
        fleet.deploy_next(0)  # web-prod-01
        clock.now = NOW + timedelta(minutes=5)
        incident = client.post("/incidents", json={"type": "memory_leak", "server": "web-prod-01",
                                                   "severity": "high"}).json()["incident"]
        clock.now = NOW + timedelta(minutes=32)
        assert client.delete(f"/incidents/{incident['id']}").status_code == 200

        en = client.get("/events", headers={"Accept-Language": "en"}).json()["events"]
        assert [(e["at"], e["kind"], e["server"], e["hostname"]) for e in en] == [
            (NOW.isoformat(), "deployed", "srv_001", "web-prod-01"),
            ((NOW + timedelta(minutes=5)).isoformat(), "incident_started", "srv_001", "web-prod-01"),
            ((NOW + timedelta(minutes=32)).isoformat(), "incident_cleared", "srv_001", "web-prod-01"),
        ]
        assert [e["summary"] for e in en] == [
            "web-prod-01 deployed (#1)",
            "web-prod-01: memory leak incident started (high severity)",
            "web-prod-01: memory leak incident cleared",
        ]
        ko = client.get("/events", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).json()["events"]
        assert [e["summary"] for e in ko] == [
            "web-prod-01 배포 (1번째)",
            "web-prod-01: 메모리 누수 장애 시작 (심각도 높음)",
            "web-prod-01: 메모리 누수 장애 해제",
        ]

        since = client.get("/events", params={"since": (NOW + timedelta(minutes=5)).isoformat(),
                                              "server": "srv_001", "limit": 1}).json()["events"]
        assert [e["kind"] for e in since] == ["incident_cleared"]
        naive = (NOW + timedelta(minutes=6)).replace(tzinfo=None).isoformat()  # read as UTC
        assert [e["kind"] for e in client.get("/events", params={"since": naive}).json()["events"]] \
            == ["incident_cleared"]


def test_bad_parameters_are_refused_naming_the_field(client: TestClient) -> None:
    for params, status, field in [({"since": "yesterday"}, 422, "since"), ({"limit": "0"}, 422, "limit"),
                                  ({"limit": "1001"}, 422, "limit"), ({"limit": "many"}, 422, "limit"),
                                  ({"server": "no-such-host"}, 404, "server")]:
        response = client.get("/events", params=params)
        assert response.status_code == status, params
        assert response.json()["error"]["field"] == field, params
