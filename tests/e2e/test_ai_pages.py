"""End to end in headless Chromium: the AI page streams its thinking, the admin page draws charts."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.sync_api import Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, HeldLlm, open_page

TIER_BADGE = re.compile("최적화 엔진|패턴 매칭|기본 응답")

STEP_LINES = "[data-testid='stExpanderDetails'] [data-testid='stMarkdownContainer']"


def test_thinking_steps_arrive_before_the_answer_and_its_tier(dashboard: Dashboard, page: Page,
                                                              held_llm: HeldLlm) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_LLM_BASE_URL": held_llm.url,
                                                "OPENMANAGER_LLM_TIMEOUT_SECONDS": "30"})
    leak_began = fleet.clock() - timedelta(minutes=40)
    fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH, leak_began)
    open_page(page, f"{server.url}/ai")
    question = page.get_by_test_id("stChatInputTextArea")
    question.fill("db-master-01 메모리 상태 어때?")
    question.press("Enter")

    # The engine has analysed and is waiting on the LLM: its steps are on screen, no answer yet.
    answer = page.get_by_test_id("stChatMessage").nth(1)
    expect(answer.locator(STEP_LINES)).to_have_count(3, timeout=WAIT_MS)
    expect(answer.locator(STEP_LINES).nth(0)).to_contain_text("데이터 분석")
    expect(answer.locator(STEP_LINES).nth(1)).to_contain_text("패턴·이상 탐지")
    expect(answer.locator(".stMarkdownBadge")).to_have_count(0)

    held_llm.release()
    expect(answer.locator(".stMarkdownBadge")).to_have_text(TIER_BADGE, timeout=WAIT_MS)
    expect(answer).to_contain_text("처리 시간")
    expect(answer).to_contain_text("db-master-01: 메모리 누수")
    expect(answer.get_by_role("link", name="db-master-01 상세 보기")).to_be_visible()
    # The steps end up collapsed under the answer.
    expect(answer.get_by_text("분석 과정 (5단계)")).to_be_visible()
    expect(answer.locator(STEP_LINES).first).not_to_be_visible()
    assert held_llm.requests == 1  # the answer came through the LLM, which was holding it


def test_admin_page_draws_its_charts(dashboard: Dashboard, page: Page) -> None:
    server, _ = dashboard(deployed=20)
    open_page(page, f"{server.url}/admin")
    expect(page.get_by_text("아직 기록된 AI 질의가 없습니다")).to_be_visible(timeout=WAIT_MS)

    open_page(page, f"{server.url}/ai")
    presets = ("현재 서버 상태 요약해줘", "CPU 사용률이 높은 서버 알려줘", "디스크 용량 부족한 곳 있어?")
    for asked, preset in enumerate(presets, start=1):
        page.get_by_role("button", name=preset).click()
        expect(page.locator(".stMarkdownBadge")).to_have_count(asked, timeout=WAIT_MS)

    open_page(page, f"{server.url}/admin")
    # The first chart is drawn without a click (by plotly.js), each other one a tab away.
    chart = page.get_by_test_id("stPlotlyChart")
    expect(chart).to_have_count(1, timeout=WAIT_MS)
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=WAIT_MS)
    expect(chart.locator(".gtitle")).to_contain_text("시간별 질의 수")
    for tab, title in (("응답 시간", "응답 시간 분포"), ("응답 계층", "응답 계층별 비중"),
                       ("오류율", "시간별 오류율")):
        page.get_by_role("tab", name=tab).click()
        expect(chart.filter(has=page.locator(".gtitle", has_text=title))).to_be_visible(timeout=WAIT_MS)
        expect(chart).to_have_count(1, timeout=WAIT_MS)  # the one before it is gone once the run ends
    expect(page.locator(".om-kpi").filter(has_text="전체 질의")).to_contain_text("3", timeout=WAIT_MS)
    expect(page.get_by_text("목표 ≥ 95% 달성")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="CSV 다운로드")).to_be_visible(timeout=WAIT_MS)


def test_the_admin_page_counts_the_apis_429s(dashboard: Dashboard, page: Page) -> None:
    server, _ = dashboard(deployed=20, env={"OPENMANAGER_RATE_LIMIT_NEXT": "2/minute"})
    with httpx.Client(base_url=server.url) as client:
        assert [client.get("/api/servers/next").status_code for _ in range(5)] == [200, 200, 429, 429, 429]
    open_page(page, f"{server.url}/admin")  # no AI question asked yet: the 429s alone fill the page
    tiles = page.locator(".om-kpi")
    expect(tiles.filter(has_text="요청 한도 초과")).to_contain_text("3", timeout=WAIT_MS)
    expect(tiles.filter(has_text="전체 질의")).to_contain_text("0")
