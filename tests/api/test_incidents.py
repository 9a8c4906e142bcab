"""Injecting and clearing incidents over HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from openmanager_core.fleet import Fleet

from .conftest import NOW


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
