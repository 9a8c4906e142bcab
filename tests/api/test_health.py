"""Health: database reachable, version, uptime; 503 when the database is not."""

from __future__ import annotations

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
