"""The admin endpoints read back exactly what the agent recorded; they are for admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from tests.api.conftest import LOOPBACK, NOW, MakeClient


@pytest.fixture
def admin(fleet: Fleet, make_client: MakeClient) -> TestClient:
    fleet.deploy_next(19)
    return make_client(client=LOOPBACK, rate_limit_ai="0")


def ask(client: TestClient, query: object) -> int:
    return client.post("/ai-agent/optimized", json={"action": "smart-query", "query": query}).status_code


def test_an_empty_store_gives_zeros(admin: TestClient) -> None:
    stats = admin.get("/ai-agent/admin/stats").json()
    assert (stats["totalQueries"], stats["successRate"], stats["averageResponseTime"], stats["fallbackUsage"],
            stats["p95ResponseTime"], stats["errors"], stats["since"]) == (0, 0.0, 0.0, 0.0, 0.0, 0, None)
    assert {name: tier["count"] for name, tier in stats["tiers"].items()} == {
        "optimized_ai_engine": 0, "pattern_matching": 0, "fallback_system": 0}
    assert admin.get("/ai-agent/admin/logs").json() == {"success": True, "logs": [], "count": 0}
    assert admin.get("/ai-agent/admin/queries").json() == []


def test_stats_logs_and_queries_follow_the_queries_made(fleet: Fleet, admin: TestClient) -> None:
    fleet.inject(IncidentType.DISK_FULL, "monitoring-elk", started_at=NOW - timedelta(minutes=30))
    assert [ask(admin, q) for q in ("디스크 부족한 곳?", "디스크 부족한 곳?", "What is wrong?", "", 5)] == [
        200, 200, 200, 400, 422]
    stats = admin.get("/ai-agent/admin/stats").json()
    counts = ("totalQueries", "answeredQueries", "rejectedQueries", "cacheHits")
    assert tuple(stats[name] for name in counts) == (5, 3, 2, 1)
    # The two refused bodies are their own figure, not errors against the 1 % target.
    assert (stats["rejectedRate"], stats["successRate"], stats["errorRate"]) == (40.0, 100.0, 0.0)
    assert stats["fallbackUsage"] == 0.0
    assert stats["tiers"]["optimized_ai_engine"]["count"] == 3
    assert stats["tiers"]["optimized_ai_engine"]["share"] == 100.0
    assert 0 < stats["averageResponseTime"] < 1 and stats["p50ResponseTime"] <= stats["p95ResponseTime"]

    queries = admin.get("/ai-agent/admin/queries", params={"limit": 4}).json()
    assert [q["query"] for q in queries] == ["디스크 부족한 곳?", "What is wrong?", "", "5"]
    assert [q["method"] for q in queries] == ["optimized_ai_engine", "optimized_ai_engine", None, None]
    assert [q["cached"] for q in queries] == [True, False, False, False]
    assert all(q["endpoint"] == "optimized" for q in queries)

    logs = admin.get("/ai-agent/admin/logs", params={"limit": 2}).json()
    assert logs["count"] == 2
    assert [entry["message"] for entry in logs["logs"]] == [
        "rejected query (invalid_query): query must be a string.",
        "rejected query (empty_query): query must not be empty."]
    warnings = admin.get("/ai-agent/admin/logs", params={"level": "warning"}).json()["logs"]
    assert len(warnings) == 2 and all(entry["level"] == "warning" for entry in warnings)
    infos = admin.get("/ai-agent/admin/logs", params={"level": "info", "limit": 50}).json()["logs"]
    assert [entry["message"] for entry in infos] == [
        "optimized_ai_engine: answered", "answered from the cache (0 s old)", "optimized_ai_engine: answered"]
    assert admin.get("/ai-agent/admin/logs", params={"level": "error"}).json()["count"] == 0
    assert [entry["context"]["query"] for entry in infos] == [
        "What is wrong?", "디스크 부족한 곳?", "디스크 부족한 곳?"]
    # The guide's `context`: the query each line belongs to and how long that query took.
    answered = {entry["message"]: entry["context"] for entry in infos}["optimized_ai_engine: answered"]
    assert answered["query"] == "디스크 부족한 곳?"
    first = admin.get("/ai-agent/admin/queries").json()[0]
    assert (first["query"], answered["processingTime"]) == ("디스크 부족한 곳?", first["processingTime"])
    assert logs["logs"][0]["context"] == {"query": "5", "processingTime": 0.0}


def test_since_narrows_stats_logs_and_queries(admin: TestClient) -> None:
    assert [ask(admin, q) for q in ("What is wrong?", "")] == [200, 400]
    everything = {"since": (NOW - timedelta(seconds=1)).isoformat()}
    later = {"since": (NOW + timedelta(seconds=1)).isoformat()}
    assert admin.get("/ai-agent/admin/stats", params=everything).json()["totalQueries"] == 2
    assert admin.get("/ai-agent/admin/stats", params=later).json()["totalQueries"] == 0
    assert admin.get("/ai-agent/admin/logs", params=everything).json()["count"] == 2
    assert admin.get("/ai-agent/admin/logs", params=later).json()["count"] == 0
    assert len(admin.get("/ai-agent/admin/queries", params=everything).json()) == 2
    assert admin.get("/ai-agent/admin/queries", params=later).json() == []
    # No offset means UTC.
    naive = {"since": (NOW + timedelta(seconds=1)).replace(tzinfo=None).isoformat()}
    assert admin.get("/ai-agent/admin/stats", params=naive).json()["totalQueries"] == 0


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"level": "debug"}, {"limit": "ten"},
                                    {"since": "yesterday"}])
def test_bad_parameters_are_422(admin: TestClient, params: dict[str, object]) -> None:
    response = admin.get("/ai-agent/admin/logs", params=params)
    assert response.status_code == 422 and response.json()["success"] is False


def test_admin_endpoints_are_for_admins(make_client: MakeClient) -> None:
    remote = make_client()  # not loopback, and no key configured: only the generated key gets in
    for path in ("/ai-agent/admin/stats", "/ai-agent/admin/logs", "/ai-agent/admin/queries"):
        response = remote.get(path)
        assert response.status_code == 401 and response.json()["error"]["code"] == "missing_credential"
