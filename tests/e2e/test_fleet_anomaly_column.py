"""End to end in headless Chromium: an incident injected while the fleet page is open shows in its
row's anomaly column (the page never reloaded), and a healthy server's column stays empty."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page

STRUCK = "web-prod-01"
HEALTHY = "db-master-01"
ANOMALY_COLUMN = 5  # hostname, status, top alert, alerts count, then the anomaly bit (views/fleet.py)


def test_an_injected_incident_shows_in_its_rows_anomaly_column(dashboard: Dashboard, page: Page) -> None:
    server, fleet = dashboard(deployed=5, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, f"{server.url}/?lang=en")
    rows = page.get_by_test_id("stDataFrame").locator("[role='row']")

    def anomaly(host: str) -> Locator:
        return rows.filter(has_text=host).locator(f"[role='gridcell'][aria-colindex='{ANOMALY_COLUMN}']")

    expect(rows.filter(has_text=STRUCK)).to_contain_text("Online", timeout=WAIT_MS)
    expect(anomaly(STRUCK)).to_have_text("", timeout=WAIT_MS)
    # Begun ten minutes ago: long enough for the departure to be a finding, not a single odd minute.
    fleet.inject(IncidentType.CPU_SPIKE, STRUCK, Severity.HIGH, fleet.clock() - timedelta(minutes=10))
    expect(anomaly(STRUCK)).to_contain_text("CPU", timeout=WAIT_MS)
    expect(anomaly(HEALTHY)).to_have_text("")
