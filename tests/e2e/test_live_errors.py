"""End to end in headless Chromium: a live fragment that fails on its own rerun says so in words,
never with a traceback, and recovers when the data does."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from openmanager_core.fleet import Fleet
from openmanager_core.i18n import t
from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page


def _set_incident_type(fleet: Fleet, value: str) -> None:
    """Rewrite every incident's type behind the app's back, bumping the store version as any
    writer does (the fleet snapshot is shared per version, so an unannounced change is not read)."""
    with fleet.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET type = ?", (value,))
        conn.exec_driver_sql("UPDATE store_version SET version = version + 1")


def test_an_unreadable_row_mid_session_is_a_message_in_each_live_part(dashboard: Dashboard,
                                                                       page: Page) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    open_page(page, server.url)
    sidebar, main = page.get_by_test_id("stSidebar"), page.get_by_test_id("stMain")
    expect(sidebar).to_contain_text("오프라인 1", timeout=WAIT_MS)
    message = t("error.unexpected", "ko")

    # Only the fragments rerun from here on (the page is never reloaded).
    _set_incident_type(fleet, "meteor")
    expect(sidebar.get_by_test_id("stAlertContentError")).to_have_text(message, timeout=WAIT_MS)
    expect(main.get_by_test_id("stAlertContentError").first).to_have_text(message, timeout=WAIT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    _set_incident_type(fleet, IncidentType.HOST_DOWN.value)
    expect(sidebar).to_contain_text("오프라인 1", timeout=WAIT_MS)
    expect(page.get_by_text(message)).to_have_count(0, timeout=WAIT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
