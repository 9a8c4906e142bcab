"""The AI agent when its LLM endpoint hangs, and under traffic from two processes at once."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from openmanager_core.catalogue import Catalogue
from tests.ai.conftest import LlmStub
from tests.reliability.apps import APP_ENV, start_pair
from tests.reliability.traffic import Call, incident_call, run_all

AI_BUDGET_SECONDS = 5.0  # the guide: an AI answer within 5 s
SMART = "/api/ai-agent/optimized"
HOSTNAMES = [server.hostname for server in Catalogue(20).servers]


@pytest.fixture
def hanging_llm() -> Iterator[str]:
    """The stand-in LLM server (no hosted LLM is reachable here) in its stalling mode: it takes the
    request and never answers while the test runs."""
    stub = LlmStub()
    stub.mode = "slow"
    yield stub.url
    stub.close()


def test_a_hanging_llm_still_gets_an_answer_within_the_ai_budget(streamlit_app, hanging_llm: str) -> None:
    app = streamlit_app({**APP_ENV, "OPENMANAGER_LLM_BASE_URL": hanging_llm,
                         "OPENMANAGER_LLM_API_KEY": "sk-test", "OPENMANAGER_AI_CACHE_SECONDS": "0"})
    httpx.post(f"{app.url}/api/servers/next", json={"currentCount": 19}).raise_for_status()
    with httpx.Client(base_url=app.url, timeout=30) as client:
        for question in ("전체 서버 상태를 요약해줘", "Which servers need attention?"):
            started = time.perf_counter()
            response = client.post(SMART, json={"action": "smart-query", "query": question})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            answer = response.json()
            assert answer["success"] and answer["response"]
            assert answer["metadata"]["llmUsed"] is False
            assert answer["metadata"]["method"] in ("optimized_ai_engine", "pattern_matching")
            assert elapsed <= AI_BUDGET_SECONDS, f"{question!r} took {elapsed:.1f} s with the LLM hanging"
            llm = answer["metadata"]["tierAttempts"][-1]
            assert llm["tier"] == "llm" and not llm["ok"]
        # The first answer found the LLM stalled; the second skipped it rather than wait again.
        assert llm["error"].startswith("skipped: unavailable")


def test_deployment_incident_and_ai_traffic_from_two_processes_lose_and_double_nothing(
        streamlit_app, postgres_url: str, redis_url: str) -> None:
    # As many answer slots as workers: this test is about losing and doubling nothing, not the 503
    # past the slots (tests/reliability/test_ai_limits.py).
    apps = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                                      "OPENMANAGER_AI_CACHE_SECONDS": "0",
                                      "OPENMANAGER_AI_MAX_CONCURRENT": "12"})
    questions = [f"web-prod-01 상태 {n}번째 확인" if n % 2 else f"Which servers are critical? (#{n})"
                 for n in range(24)]
    calls = [Call(n % 2, "POST", SMART, {"action": "smart-query", "query": q})
             for n, q in enumerate(questions)]
    calls += [Call(n % 2, "POST", "/api/servers/next") for n in range(25)]
    calls += [incident_call(n % 2, n, HOSTNAMES) for n in range(12)]
    random.Random(3).shuffle(calls)
    replies = run_all([app.url for app in apps], calls, workers=12)

    failed = [r for r in replies if r.status not in (200, 201)]
    assert not failed, failed[:3]
    assert all(r.body["success"] for r in replies if r.call.path == SMART)
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            recorded = list(conn.execute(text("SELECT query FROM ai_queries")).scalars())
            positions = list(conn.execute(text("SELECT position FROM deployments ORDER BY 1")).scalars())
            incidents = conn.execute(text("SELECT count(DISTINCT started_at), count(*) FROM incidents")).one()
    finally:
        engine.dispose()
    assert sorted(recorded) == sorted(questions), "every question recorded exactly once"
    assert positions == list(range(1, 21))
    assert tuple(incidents) == (12, 12)
