"""The AI's limits on a real `streamlit run`: the page's per-client rate limit, and the process-wide
bound on concurrent answers that keeps the rest of the app responsive."""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.conftest import StartApp
from tests.e2e.conftest import WAIT_MS, open_page
from tests.reliability.apps import APP_ENV, warm_up

PRESETS = ("현재 서버 상태 요약해줘", "CPU 사용률이 높은 서버 알려줘", "디스크 용량 부족한 곳 있어?")


def test_the_ai_page_over_its_budget_says_so_and_keeps_the_question(streamlit_app: StartApp, page: Page,
                                                                    tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'openmanager.db'}"
    Fleet(Settings(database_url=database)).deploy_next(19)
    app = streamlit_app({**APP_ENV, "OPENMANAGER_RATE_LIMIT_AI": "3/minute", "DATABASE_URL": database},
                        data_dir=tmp_path)
    open_page(page, f"{app.url}/ai")
    for asked, preset in enumerate(PRESETS, start=1):
        page.get_by_role("button", name=preset).click()
        expect(page.locator(".stMarkdownBadge")).to_have_count(asked, timeout=WAIT_MS)

    question = page.get_by_test_id("stChatInputTextArea")
    question.fill("web-prod-01 상태 어때?")
    question.press("Enter")
    expect(page.get_by_test_id("stAlert")).to_contain_text("질문이 너무 잦습니다 (한도: 3/minute).",
                                                           timeout=WAIT_MS)
    expect(question).to_have_value("web-prod-01 상태 어때?")  # still there, to send again later
    expect(page.locator(".stMarkdownBadge")).to_have_count(3)

    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            stored = list(conn.execute(text("SELECT query FROM ai_queries ORDER BY id")).scalars())
    finally:
        engine.dispose()
    assert stored == list(PRESETS)  # the turned-away question is counted, not stored
    # One budget per client whichever door it uses: this address has spent it on the page.
    spent = httpx.get(f"{app.url}/api/ai-agent/admin/stats", timeout=30)
    assert spent.status_code == 429 and spent.json()["error"]["code"] == "rate_limited"


STREAMS = 200
THINKING = "/api/ai-agent/thinking-process"


@dataclass
class Stream:
    """What one SSE client got: the status, Retry-After and error code of a refusal, the last step."""

    status: int | None = None
    retry_after: str | None = None
    code: str | None = None
    last_step: str | None = None
    failure: str | None = None


def read_stream(client: httpx.Client, n: int) -> Stream:
    got = Stream()
    try:
        with client.stream("GET", THINKING, params={"query": f"web-prod-{n % 50 + 1:02d} 상태 어때? #{n}"},
                           headers={"Accept": "text/event-stream"}) as response:
            got.status, got.retry_after = response.status_code, response.headers.get("retry-after")
            if response.status_code != 200:
                got.code = json.loads(response.read())["error"]["code"]
                return got
            for line in response.iter_lines():
                if line.startswith("data: "):
                    got.last_step = json.loads(line[len("data: "):])["step"]
    except httpx.HTTPError as exc:
        got.failure = f"{type(exc).__name__}: {exc}"
    return got


@pytest.mark.whole_machine  # a latency under load: other workers' load on the machine is not the app's
def test_200_streams_at_once_leave_the_rest_of_the_app_responsive(streamlit_app: StartApp,
                                                                   tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'openmanager.db'}"
    fleet = Fleet(Settings(database_url=database, fleet_size=1000))
    fleet.deploy_next(fleet.total - 1)
    app = streamlit_app({**APP_ENV, "DATABASE_URL": database, "OPENMANAGER_FLEET_SIZE": "1000",
                         "OPENMANAGER_AI_CACHE_SECONDS": "0"}, data_dir=tmp_path)
    warm_up(app)
    limits = httpx.Limits(max_connections=STREAMS, max_keepalive_connections=STREAMS)
    with httpx.Client(base_url=app.url, timeout=60, limits=limits) as streams, \
            httpx.Client(base_url=app.url, timeout=30) as probe:
        assert probe.get("/api/servers/next").json()["isComplete"] is True
        pool = ThreadPoolExecutor(STREAMS)
        futures = [pool.submit(read_stream, streams, n) for n in range(STREAMS)]
        latencies: list[float] = []
        while not all(f.done() for f in futures):  # one client asks for the next server meanwhile
            started = time.perf_counter()
            reply = probe.get("/api/servers/next")
            latencies.append(time.perf_counter() - started)
            assert reply.status_code == 200, reply.text
        pool.shutdown()
    got = [f.result() for f in futures]

    assert [g for g in got if g.failure or g.status not in (200, 503)] == []
    answered = [g for g in got if g.status == 200]
    busy = [g for g in got if g.status == 503]
    assert answered and all(g.last_step == "completed" for g in answered)
    assert all(g.code == "busy" and g.retry_after and int(g.retry_after) >= 1 for g in busy)
    assert len(answered) + len(busy) == STREAMS
    assert len(latencies) >= 20, "the streams were over before the app was measured"
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < 0.2, f"GET /api/servers/next p95 {p95 * 1000:.0f} ms during {STREAMS} streams"
