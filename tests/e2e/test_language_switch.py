"""End to end in headless Chromium: after the 한국어 / English switch, a dropdown shows its choice in
the new language, and what the incident form shows is what it injects."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from openmanager_core.i18n import t
from openmanager_core.models import IncidentType
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page


def test_chosen_options_follow_the_language_switch(dashboard: Dashboard, page: Page) -> None:
    server, fleet = dashboard(deployed=3)
    sidebar = page.get_by_test_id("stSidebar")

    open_page(page, f"{server.url}/timeline")
    expect(page.get_by_role("combobox", name="서버", exact=True)).to_have_value("전체 서버", timeout=WAIT_MS)
    sidebar.get_by_text("English", exact=True).click()
    expect(page.get_by_role("combobox", name="Server", exact=True)).to_have_value(
        "All servers", timeout=WAIT_MS)

    # A pick in the form not yet sent is the browser's alone: after the switch the form shows the
    # choice the server holds, in English, and injects exactly that (before, it kept showing
    # "디스크 가득 참" and injected a CPU spike).
    sidebar.get_by_text("한국어", exact=True).click()
    open_page(page, f"{server.url}/incidents")
    page.get_by_role("combobox", name="장애 유형", exact=True).click()
    page.get_by_role("option", name="디스크 가득 참").click()
    sidebar.get_by_text("English", exact=True).click()
    kind = page.get_by_role("combobox", name="Incident type", exact=True)
    english = {t(f"incident.{k.value}", "en"): k for k in IncidentType}
    expect(kind).to_have_value(re.compile(f"^({'|'.join(map(re.escape, english))})$"), timeout=WAIT_MS)
    shown = kind.input_value()
    page.get_by_role("button", name="Inject").click()
    expect(page.get_by_text(f"{shown} injected on")).to_be_visible(timeout=WAIT_MS)
    assert [i.type for i in fleet.incidents()] == [english[shown]]
