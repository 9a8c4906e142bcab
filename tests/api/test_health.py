"""Health: database reachable, version, uptime; 503 when the database is not."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from openmanager_core import __version__
from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings


def test_healthy(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "healthy" and body["database"]["status"] == "up"
    assert body["version"] == __version__ and body["uptimeSeconds"] >= 0


def test_unreachable_database_answers_503(postgres_server) -> None:
    url = postgres_server.create_database()
    fleet = Fleet(Settings(database_url=url))
    fleet.store.engine.dispose()
    postgres_server.drop_database(url)
    with TestClient(create_api(lambda: fleet), raise_server_exceptions=False) as client:
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "unhealthy"
        assert health.json()["database"]["status"] == "down"
        failed = client.post("/servers/next")
        assert failed.status_code == 503
        assert failed.json()["error"]["code"] == "database_unavailable"


def test_components_with_memory_cache_and_no_llm(make_client) -> None:
    body = make_client().get("/health").json()
    assert body["status"] == "healthy"
    assert body["database"]["backend"] == "sqlite"
    assert body["cache"] == {"status": "up", "backend": "memory", "latencyMs": None, "detail": None}
    assert body["ai"]["status"] == "up"
    assert body["ai"]["tiers"]["llm"] == "disabled"
    assert body["ai"]["tiers"]["optimized_ai_engine"] == "up"


def test_redis_down_degrades_but_still_serves(make_client, redis_server, redis_url) -> None:
    client = make_client(redis_url=redis_url)
    up = client.get("/health").json()
    assert up["status"] == "healthy" and up["cache"]["status"] == "up"
    assert up["cache"]["backend"] == "redis" and up["cache"]["latencyMs"] >= 0
    redis_server.stop()
    down = client.get("/health")
    assert down.status_code == 200 and down.json()["status"] == "degraded"
    assert down.json()["cache"]["status"] == "down"
    assert client.get("/servers").status_code == 200


@pytest.mark.parametrize("tiers, ai, overall", [
    ({"llm": "up", "pattern": "up", "rules": "up"}, "up", "healthy"),
    ({"llm": "disabled", "pattern": "up", "rules": "up"}, "up", "healthy"),
    ({"llm": "down", "pattern": "up", "rules": "up"}, "degraded", "degraded"),
    ({"llm": "down", "pattern": "down", "rules": "down"}, "down", "degraded"),
])
def test_ai_tiers(make_client, tiers: dict[str, str], ai: str, overall: str) -> None:
    client = make_client()
    client.app.state.ai_status = lambda: tiers
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["ai"] == {"status": ai, "tiers": tiers, "latencyMs": None,
                                     "detail": None, "backend": None}
    assert response.json()["status"] == overall
