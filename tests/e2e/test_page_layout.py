"""End to end in headless Chromium: what must be on screen at a laptop's width, and what must stay typed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page

LAPTOP = {"width": 1280, "height": 800}
HEADERS = "[data-testid='stDataFrame'] [role='row'][aria-rowindex='1'] [role='columnheader']"


def test_at_1280_px_the_reason_a_server_is_red_is_on_screen(dashboard: Dashboard, browser: Browser) -> None:
    server, fleet = dashboard(deployed=20)
    fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH, fleet.clock() - timedelta(minutes=20))
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_page(page, server.url)
        expect(page.get_by_test_id("stSidebar")).to_be_visible()  # open, taking its share of the width
        first = page.locator("[data-testid='stDataFrame'] [role='row'][aria-rowindex='2']")
        expect(first).to_contain_text("web-prod-01", timeout=WAIT_MS)
        expect(first).to_contain_text("위험", timeout=WAIT_MS)
        expect(first).to_contain_text("CPU")  # the alert message, in the reason column
        # The grid draws (and lists for screen readers) only the columns inside its visible width:
        # the reason is among them, and not the last one, so it is not cut off at the edge either.
        headers = page.locator(HEADERS).all_text_contents()
        assert headers[:3] == ["호스트명", "상태", "주요 알림"], headers
        assert len(headers) > 3, headers
        # ...and so is which metrics are off their usual level, the anomaly bit's column.
        assert headers[3:5] == ["알림", "이상"], headers
        # The counts are in the sidebar only.
        expect(page.get_by_test_id("stSidebar").get_by_test_id("stMetric")).to_have_count(1)
        expect(page.get_by_role("main").get_by_test_id("stMetric")).to_have_count(0)
    finally:
        context.close()


def test_a_refused_long_question_stays_in_the_box(dashboard: Dashboard, page: Page) -> None:
    server, _ = dashboard(deployed=20)
    open_page(page, f"{server.url}/ai")
    box = page.get_by_test_id("stChatInputTextArea")
    question = "db-master-01 " + "왜 느려? " * 200  # over the 1000-character limit
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_text("질문이 너무 깁니다")).to_be_visible(timeout=WAIT_MS)
    expect(box).to_have_value(question, timeout=WAIT_MS)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0)
    # Shortened in place, it is asked.
    box.fill(question[:60])
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=WAIT_MS)
    expect(box).to_have_value("")
