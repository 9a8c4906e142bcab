"""End to end in headless Chromium: the timeline page draws an incident injected and then cleared while
it is open (its live fragment, never reloaded), and a bad period is a plain message."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page


def test_an_incident_injected_and_cleared_appears_on_the_open_timeline(dashboard: Dashboard,
                                                                       page: Page) -> None:
    server, fleet = dashboard(deployed=3, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, f"{server.url}/timeline?lang=en")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=WAIT_MS)
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_contain_text("db-master-01 deployed (#2)", timeout=WAIT_MS)
    charts = page.get_by_test_id("stPlotlyChart")  # the one chart (a rerun may briefly show two)
    expect(charts.filter(has_text="Deployed").first).to_be_visible(timeout=WAIT_MS)  # deployment markers
    expect(charts.filter(has_text="Memory leak")).to_have_count(0)

    leak = fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    started = "db-master-01: memory leak incident started (high severity)"
    expect(table).to_contain_text(started, timeout=WAIT_MS)
    expect(charts.filter(has_text="Memory leak").first).to_be_visible(timeout=WAIT_MS)  # its bar
    fleet.clear(leak.id)
    expect(table).to_contain_text("db-master-01: memory leak incident cleared", timeout=WAIT_MS)
    expect(page.get_by_text("5 events since")).to_be_visible(timeout=WAIT_MS)  # 3 deployed, started, cleared

    box = page.get_by_role("textbox", name="Period")
    box.fill("soon")
    box.press("Enter")
    expect(page.get_by_test_id("stAlertContentWarning")).to_contain_text(
        "'soon' is not a period: write 30m, 3h or 2d, from 1 minute to 30 days.", timeout=WAIT_MS)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
