"""The AI's limits on a real `streamlit run`: the page's per-client rate limit, and the process-wide
bound on concurrent answers that keeps the rest of the app responsive."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.conftest import StartApp
from tests.e2e.conftest import WAIT_MS, open_page
from tests.reliability.apps import APP_ENV

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
