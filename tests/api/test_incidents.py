"""Injecting and clearing incidents over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings

from .conftest import LOOPBACK, LOOPBACK_URL, NOW


def test_inject_backdated_then_list_and_clear(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(1)
    started = (NOW - timedelta(minutes=45)).isoformat()
    created = client.post("/incidents", json={"type": "memory_leak", "server": "web-prod-01",
                                              "severity": "high", "startedAt": started})
    assert created.status_code == 201
    incident = created.json()["incident"]
    assert incident["serverId"] == "srv_001" and incident["startedAt"].startswith("2026-11-30T04:45")
    assert client.get("/servers/web-prod-01").json()["server"]["metrics"]["memory"] > 85
    assert [i["id"] for i in client.get("/incidents").json()["incidents"]] == [incident["id"]]
    assert client.delete(f"/incidents/{incident['id']}").json() == {"success": True, "cleared": 1}
    assert client.delete(f"/incidents/{incident['id']}").status_code == 404
    assert client.get("/incidents").json()["incidents"] == []


def test_host_down_turns_the_server_offline(client: TestClient, fleet: Fleet) -> None:
    fleet.deploy_next(0)
    client.post("/incidents", json={"type": "host_down", "server": "srv_001"})
    server = client.get("/servers/srv_001").json()["server"]
    assert server["status"] == "offline" and server["metrics"] is None
    assert client.delete("/incidents").json()["cleared"] == 1


def test_bad_incidents_are_refused_and_nothing_is_stored(client: TestClient, fleet: Fleet) -> None:
    cases = [
        ({"type": "meteor", "server": "web-prod-01"}, 422, "type"),
        ({"type": "cpu_spike", "server": "nope"}, 404, "server"),
        ({"type": "cpu_spike"}, 422, "server"),
        ({"type": "cpu_spike", "server": "web-prod-01", "severity": "extreme"}, 422, "severity"),
        ({"type": "cpu_spike", "server": "web-prod-01", "startedAt": "yesterday"}, 422, "startedAt"),
        ({"type": "cpu_spike", "server": "web-prod-01",
          "startedAt": (NOW + timedelta(hours=1)).isoformat()}, 422, "startedAt"),
        ({"type": "cpu_spike", "server": "web-prod-01",
          "startedAt": (NOW - timedelta(days=30)).isoformat()}, 422, "startedAt"),
        ({"type": "cpu_spike", "server": "x" * 5000}, 422, "server"),
    ]
    for body, status, field in cases:
        response = client.post("/incidents", json=body)
        assert response.status_code == status, body
        assert response.json()["error"]["field"] == field, body
    assert client.delete("/incidents/abc").status_code == 422
    assert fleet.incidents() == []


def test_a_second_incident_of_a_type_on_a_server_is_a_409_naming_the_type(client: TestClient,
                                                                           fleet: Fleet) -> None:
    """562 high CPU spikes on one host used to overflow the simulator; now the first one stands."""
    fleet.deploy_next(1)
    body = {"type": "cpu_spike", "server": "web-prod-01", "severity": "low"}
    first = client.post("/incidents", json=body)
    assert first.status_code == 201
    for severity in ("high", "medium"):
        again = client.post("/incidents", json={**body, "severity": severity, "server": "srv_001"})
        assert again.status_code == 409
        error = again.json()["error"]
        assert (error["code"], error["field"]) == ("incident_exists", "type")
        assert f"id {first.json()['incident']['id']}" in error["message"]
    assert [(i["type"], i["severity"]) for i in client.get("/incidents").json()["incidents"]] == [
        ("cpu_spike", "low")]
    assert client.post("/incidents", json={**body, "server": "db-master-01"}).status_code == 201
    assert client.get("/servers").status_code == 200


def test_past_the_fleet_cap_injects_are_409(tmp_path: Path) -> None:
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/cap.db", max_active_incidents=2),
                  clock=lambda: NOW)
    settings = Settings(database_url=fleet.settings.database_url, data_dir=tmp_path)
    with TestClient(create_api(lambda: fleet, settings), base_url=LOOPBACK_URL,
                    client=LOOPBACK) as client:
        for server in ("web-prod-01", "db-master-01"):
            assert client.post("/incidents", json={"type": "host_down", "server": server}).status_code == 201
        refused = client.post("/incidents", json={"type": "host_down", "server": "api-gateway-prod"})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "too_many_incidents"
        assert "2 incidents are already active" in refused.json()["error"]["message"]
        assert client.delete("/incidents").json()["cleared"] == 2
        assert client.post("/incidents", json={"type": "host_down", "server": "api-gateway-prod"}
                           ).status_code == 201
