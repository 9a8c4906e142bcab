"""End to end in headless Chromium: a host goes down, and the fleet table (never reloaded) links
its row to its alerts, which open filtered to that server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from openmanager_core.models import IncidentType
from tests.e2e.conftest import WAIT_MS, Dashboard, host_down_alerting, open_page

HOST = "web-prod-01"
LEFT_OF_ALERTS = (150, 90, 360)  # hostname, status and reason columns' widths in views/fleet.py


def test_a_firing_alert_shows_in_the_fleet_table_and_opens_its_server_alerts(
        dashboard: Dashboard, page: Page) -> None:
    server, fleet = host_down_alerting(dashboard, deployed=5)
    open_page(page, server.url)
    grid = page.get_by_test_id("stDataFrame")
    # The grid lists its cells for screen readers: the alerts cell holds its link's target.
    cell = grid.locator("[role='row']").filter(has_text=HOST).locator("[role='gridcell'][aria-colindex='4']")
    expect(cell).to_have_text(f"alerts?alert_server={HOST}&active=0", timeout=WAIT_MS)
    fleet.inject(IncidentType.HOST_DOWN, HOST)
    expect(cell).to_have_text(f"alerts?alert_server={HOST}&active=1", timeout=WAIT_MS)  # never reloaded
    box = grid.bounding_box()
    assert box is not None
    # Offline sorts first: the count "1" drawn in the first row's alerts cell.
    x, y = box["x"] + sum(LEFT_OF_ALERTS) + 30, box["y"] + 35 + 17
    page.mouse.move(x, y)  # a link cell answers a click on its text once hovered
    with page.context.expect_page() as opened:
        page.mouse.click(x, y)
    alerts = opened.value
    alerts.wait_for_load_state()
    assert alerts.url == f"{server.url}/alerts?alert_server={HOST}&active=1"
    expect(alerts.get_by_role("main")).to_contain_text("발생 1건 · 대기 0건", timeout=WAIT_MS)
    expect(alerts.get_by_role("main")).to_contain_text("호스트 다운")
