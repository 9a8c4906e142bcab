"""The AI agent over HTTP: the guide's contract, refusals, and the live thinking stream."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from openmanager_core.ai import Agent
from openmanager_core.api import _agent_provider, create_api
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from openmanager_core.runtime import get_agent, get_fleet
from openmanager_core.settings import Settings, get_settings
from tests.ai.conftest import Broken, LlmStub, Stall
from tests.api.conftest import LOOPBACK, NOW, MakeClient

STEPS = ["analyzing", "pattern_matching", "reasoning", "generating", "completed"]


@pytest.fixture
def api(fleet: Fleet, make_client: MakeClient) -> TestClient:
    """A loopback client without the AI rate limit, over a deployed fleet with a CPU spike."""
    fleet.deploy_next(19)
    fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH, NOW - timedelta(minutes=20))
    return make_client(client=LOOPBACK, rate_limit_ai="0")


def rejected(client: TestClient) -> int:
    return client.get("/ai-agent/admin/stats").json()["rejectedQueries"]


def test_smart_query_answers_with_the_guides_fields(api: TestClient) -> None:
    response = api.post("/ai-agent/optimized", json={"action": "smart-query", "query": "CPU 높은 서버 알려줘",
                                                     "priority": "high"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "response", "metadata", "actions"} and body["success"] is True
    meta = body["metadata"]
    assert meta["method"] == "optimized_ai_engine" and meta["analysisDepth"] == "advanced"
    assert meta["fallbackUsed"] is False and meta["originalError"] is None and meta["language"] == "ko"
    assert meta["processingTime"] > 0 and meta["servers"][0] == "web-prod-01"
    assert body["response"].startswith("**가장 가능성 높은 원인: web-prod-01 — CPU 급증")
    assert {"type", "description", "impact", "effect"} == set(body["actions"][0])
    assert body["actions"][0]["impact"] in {"high", "medium", "low"}  # the guide's words


def test_server_data_metrics_are_analysed(api: TestClient) -> None:
    response = api.post("/ai-agent/optimized", json={
        "action": "smart-query", "query": "Is this server healthy?",
        "serverData": {"metrics": {"hostname": "db-master-01", "cpu": 38, "memory": 96, "responseTime": 30}}})
    body = response.json()
    assert response.status_code == 200, body
    assert body["response"].startswith("**db-master-01: memory pressure**")
    assert body["metadata"]["servers"] == ["db-master-01"]


def test_the_guides_metric_history_body_is_answered(api: TestClient) -> None:
    response = api.post("/ai-agent/optimized", json={
        "action": "smart-query", "query": "서버 CPU 사용률이 높은 이유를 분석해주세요",
        "serverData": {"metrics": {"cpu": {"current": 85.5, "history": [75, 80, 82, 85, 85.5]},
                                   "memory": {"current": 72.3, "history": [68, 70, 71, 72, 72.3]}}},
        "priority": "high"})
    body = response.json()
    assert response.status_code == 200, body
    assert "CPU 85.5% — 위험 임계값 85% 이상; 추이 75% → 85.5% (+10.5%p, 샘플 5개, 상승)" in body["response"]
    assert "네트워크" not in body["response"] and "7일" not in body["response"]


@pytest.mark.parametrize("metrics_json, message", [
    ('{"cpu": "85%"}', "serverData.metrics.cpu: must be a number"),
    ('{"cpu": 1e400}', "serverData.metrics.cpu: must be a finite number"),  # JSON parses it to inf
    ('{"cpu": NaN}', "serverData.metrics.cpu: must be a finite number"),
    ('{"cpu": 1' + "0" * 400 + "}", "serverData.metrics.cpu: must be between 0 and 100"),
    ('{"memory": {"current": 50, "history": [1, 2, 1e999]}}',
     "serverData.metrics.memory.history[2]: must be a finite number"),
    ('[{"hostname": "web-prod-01", "responseTime": -3}]',
     "serverData.metrics[0].responseTime: must be between 0 and 10,000,000"),
])
def test_a_bad_metric_value_is_a_422_naming_its_path(api: TestClient, metrics_json: str,
                                                     message: str) -> None:
    raw = '{"action": "smart-query", "query": "CPU?", "serverData": {"metrics": ' + metrics_json + "}}"
    response = api.post("/ai-agent/optimized", content=raw.encode(),
                        headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"], error["field"]) == (
        "invalid_server_data", message, message.split(": ")[0])


@pytest.mark.parametrize("payload, status, code, field", [
    ({"action": "smart-query", "query": ""}, 400, "empty_query", "query"),
    ({"action": "smart-query", "query": "   "}, 400, "empty_query", "query"),
    ({"action": "smart-query", "query": "x" * 1001}, 400, "query_too_long", "query"),
    ({"action": "smart-query", "query": 17}, 422, "invalid_query", "query"),
    ({"action": "smart-query", "query": ["CPU?"]}, 422, "invalid_query", "query"),
    ({"action": "smart-query"}, 422, "missing_query", "query"),
    ({"action": "explode", "query": "CPU?"}, 400, "unknown_action", "action"),
    ({"query": "CPU?"}, 422, "validation_error", "action"),
    ({"action": "smart-query", "query": "CPU?", "priority": "urgent"}, 422, "validation_error", "priority"),
    ({"action": "smart-query", "query": "CPU?", "serverData": {"metrics": {"cpu": "high"}}}, 422,
     "invalid_server_data", "serverData.metrics.cpu"),
    ([1, 2, 3], 422, "validation_error", "body"),
])
def test_bad_input_is_refused_and_recorded(api: TestClient, payload: object, status: int, code: str,
                                           field: str) -> None:
    response = api.post("/ai-agent/optimized", json=payload)
    assert response.status_code == status
    assert response.json()["success"] is False
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert rejected(api) == 1
    warnings = api.get("/ai-agent/admin/logs", params={"level": "warning"}).json()["logs"]
    assert warnings[0]["message"].startswith("rejected query")


def test_malformed_json_is_a_400(api: TestClient) -> None:
    response = api.post("/ai-agent/optimized", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_status_by_get_and_post(api: TestClient) -> None:
    got = api.get("/ai-agent/optimized").json()
    posted = api.post("/ai-agent/optimized", json={"action": "status"}).json()
    assert got.keys() == posted.keys()
    assert got["status"] == "ready" and got["deployedServers"] == 20
    assert got["tiers"] == {"optimized_ai_engine": "up", "pattern_matching": "up", "fallback_system": "up",
                            "llm": "disabled"}
    assert got["cache"] == {"backend": "memory", "status": "up"}
    assert api.get("/health").json()["ai"]["tiers"] == got["tiers"]


def test_integrated_actions(api: TestClient) -> None:
    tested = api.post("/ai-agent/integrated", json={"action": "test"},
                      headers={"Accept-Language": "en"}).json()
    assert tested["query"] == "Summarise the current server status"
    assert [(t["tier"], t["ok"]) for t in tested["tiers"]] == [
        ("optimized_ai_engine", True), ("pattern_matching", True), ("fallback_system", True)]

    analysed = api.post("/ai-agent/integrated",
                        json={"action": "analyze-server", "serverId": "srv_001"}).json()
    assert analysed["response"].startswith("**web-prod-01: CPU 급증")

    anomalies = api.post("/ai-agent/integrated", json={"action": "anomaly-detection"}).json()
    assert anomalies["serversScanned"] == 20
    assert {(a["hostname"], a["metric"]) for a in anomalies["anomalies"]} >= {("web-prod-01", "cpu"),
                                                                              ("web-prod-01", "network_in")}

    smart = api.post("/ai-agent/integrated", json={"action": "smart-query", "query": "What is wrong?"}).json()
    assert smart["metadata"]["language"] == "en" and "web-prod-01" in smart["response"]


def test_integrated_refusals(api: TestClient) -> None:
    unknown = api.post("/ai-agent/integrated", json={"action": "analyze-server", "server": "nope-01"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_server"
    missing = api.post("/ai-agent/integrated", json={"action": "analyze-server"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "server"
    status = api.post("/ai-agent/integrated", json={"action": "status"})
    assert status.status_code == 400 and status.json()["error"]["code"] == "unknown_action"
    assert rejected(api) == 3


def test_a_failing_engine_shows_in_the_answer(fleet: Fleet, make_client: MakeClient) -> None:
    fleet.deploy_next(19)
    agent = Agent(fleet, engine=Broken())
    client = TestClient(create_api(lambda: fleet, Settings(database_url=fleet.settings.database_url,
                                                           rate_limit_ai="0", api_keys=[]),
                                   agent_provider=lambda: agent), client=LOOPBACK)
    body = client.post("/ai-agent/optimized", json={"action": "smart-query", "query": "disk full?"}).json()
    meta = body["metadata"]
    assert meta["method"] == "pattern_matching" and meta["fallbackUsed"] is True
    assert meta["originalError"] == "Optimized engine error: RuntimeError: engine exploded"
    assert client.get("/health").json()["ai"]["status"] == "degraded"


def parse_events(text: str) -> list[dict]:
    assert text.endswith("\n\n")
    events = text.strip("\n").split("\n\n")
    assert all(event.startswith("data: ") and "\n" not in event for event in events)
    return [json.loads(event[len("data: "):]) for event in events]


def test_thinking_process_is_a_stream_of_events(api: TestClient) -> None:
    with api.stream("GET", "/ai-agent/thinking-process", params={"query": "왜 느려?"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_events(response.read().decode())
    assert [e["step"] for e in events] == STEPS
    assert all(set(e) == {"step", "content", "progress"} for e in events[:-1])
    assert events[-1]["progress"] == 100
    assert events[-1]["result"]["metadata"]["method"] == "optimized_ai_engine"


def test_thinking_process_refuses_bad_queries_as_json(api: TestClient) -> None:
    for params, status in (({"query": ""}, 400), ({"query": "x" * 1001}, 400),
                           ({"query": "CPU?", "priority": "urgent"}, 422)):
        response = api.get("/ai-agent/thinking-process", params=params)
        assert response.status_code == status and response.headers["content-type"] == "application/json"
    assert rejected(api) == 3


def test_thinking_process_without_a_query_thinks_through_the_fleet(api: TestClient) -> None:
    # The guide connects with no query at all; the stream then answers the status summary.
    with api.stream("GET", "/ai-agent/thinking-process",
                    headers={"Accept": "text/event-stream", "Accept-Language": "en"}) as response:
        assert response.status_code == 200
        events = parse_events(response.read().decode())
    assert [e["step"] for e in events] == STEPS
    result = events[-1]["result"]
    assert result["metadata"]["language"] == "en" and "web-prod-01" in result["response"]
    assert api.get("/ai-agent/admin/queries").json()[-1]["query"] == "Summarise the current server status"


def test_the_process_agent_is_shared_with_the_api() -> None:
    assert _agent_provider(get_fleet, get_settings()) is get_agent


def test_live_stream_steps_arrive_one_by_one(streamlit_app) -> None:
    """A real `streamlit run app.py`, read by httpx as events arrive.

    Its LLM is a local stand-in (no hosted LLM is reachable here) that holds every request, so
    the agent waits its 0.6 s LLM budget between `reasoning` and `generating`: streamed events
    arrive on both sides of that wait, buffered ones would all arrive after it.
    """
    llm = LlmStub()
    llm.mode = "slow"
    try:
        server = streamlit_app(env={"OPENMANAGER_LLM_BASE_URL": llm.url,
                                    "OPENMANAGER_LLM_TIMEOUT_SECONDS": "0.6"})
        with httpx.Client(base_url=f"{server.url}/api", timeout=30) as client:
            assert client.post("/servers/next", json={"currentCount": 19}).json()["currentCount"] == 20
            started = (datetime.now(UTC) - timedelta(minutes=25)).isoformat()
            incident = client.post("/incidents", json={"type": "memory_leak", "server": "db-master-01",
                                                       "severity": "high", "startedAt": started})
            assert incident.status_code == 201, incident.text
            arrivals: list[tuple[float, dict]] = []
            query = {"query": "메모리 부족한 서버가 있어?"}
            with client.stream("GET", "/ai-agent/thinking-process", params=query,
                               headers={"Accept": "text/event-stream"}) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        arrivals.append((time.perf_counter(), json.loads(line[len("data: "):])))
    finally:
        llm.close()
    steps = [event for _, event in arrivals]
    assert [s["step"] for s in steps] == STEPS
    assert [s["progress"] for s in steps] == [20, 45, 70, 90, 100]
    at = {event["step"]: moment for moment, event in arrivals}
    assert at["analyzing"] <= at["pattern_matching"] <= at["reasoning"] < at["generating"] <= at["completed"]
    assert at["generating"] - at["analyzing"] >= 0.5  # the first arrived well before the last was made
    assert llm.requests, "the agent never asked the LLM"
    result = steps[-1]["result"]
    assert result["metadata"]["method"] == "optimized_ai_engine" and result["metadata"]["llmUsed"] is False
    assert result["metadata"]["tierAttempts"][1] == {"tier": "llm", "ok": False, "durationMs": pytest.approx(
        600, abs=150), "error": "timed out after 0.6 s"}
    assert result["response"].startswith("**가장 가능성 높은 원인: db-master-01 — 메모리 누수**")


def test_past_the_answer_slots_every_ai_endpoint_is_a_503_with_retry_after(fleet: Fleet) -> None:
    fleet.deploy_next(19)
    stall = Stall()
    settings = fleet.settings.model_copy(update={"ai_max_concurrent": 1, "ai_engine_budget_seconds": 30,
                                                 "ai_total_budget_seconds": 30})
    agent = Agent(fleet, settings, engine=stall, use_cache=False)
    client = TestClient(create_api(lambda: fleet, Settings(database_url=fleet.settings.database_url,
                                                           rate_limit_ai="0", api_keys=[]),
                                   agent_provider=lambda: agent), client=LOOPBACK)
    smart = {"action": "smart-query", "query": "disk full?"}
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(agent.ask, "CPU 높은 서버?")  # takes the one slot while its engine stalls
        try:
            assert stall.started.wait(10)
            for response in (client.post("/ai-agent/optimized", json=smart),
                             client.post("/ai-agent/integrated", json=smart),
                             client.post("/ai-agent/integrated", json={"action": "anomaly-detection"}),
                             client.get("/ai-agent/thinking-process", params={"query": "disk full?"})):
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"] == "30"
                assert response.json()["error"]["code"] == "busy"
            assert client.get("/ai-agent/optimized").status_code == 200  # status needs no answer slot
        finally:
            stall.release.set()
        held.result(timeout=30)
    assert client.post("/ai-agent/optimized", json=smart).status_code == 200
