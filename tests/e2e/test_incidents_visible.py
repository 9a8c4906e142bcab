"""End to end in headless Chromium: incidents injected "now" show on the fleet page within a
minute, and a stopped service or a down host is an alert on the server's page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page

# One server per incident type, each of another server type (so other thresholds).
TARGETS = {IncidentType.CPU_SPIKE: "web-prod-01", IncidentType.MEMORY_LEAK: "db-master-01",
           IncidentType.DISK_FULL: "backup-storage-01", IncidentType.NETWORK_CONGESTION: "cache-redis-01",
           IncidentType.SERVICE_DOWN: "proxy-nginx-01", IncidentType.HOST_DOWN: "vault-secrets"}
SHOWN_WITHIN_MS = 60_000  # a high-severity incident is at least a warning within a minute
NOT_ONLINE = re.compile(r"경고|위험|오프라인")


def test_every_incident_type_turns_its_server_within_a_minute(dashboard: Dashboard, page: Page) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, server.url)
    rows = page.locator("[data-testid='stDataFrame'] [role='row']")
    for host in TARGETS.values():
        expect(rows.filter(has_text=host)).to_contain_text("정상", timeout=WAIT_MS)

    for kind, host in TARGETS.items():
        fleet.inject(kind, host, Severity.HIGH)  # now, on the real clock
    # The page, never reloaded, shows each one at least a warning; the clock started at injection.
    for host in TARGETS.values():
        status = rows.filter(has_text=host).locator("[role='gridcell']").nth(1)
        expect(status).to_have_text(NOT_ONLINE, timeout=SHOWN_WITHIN_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("오프라인 1", timeout=WAIT_MS)


def test_a_stopped_service_and_a_down_host_are_alerts_on_the_server_page(dashboard: Dashboard,
                                                                         page: Page) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    fleet.inject(IncidentType.SERVICE_DOWN, "proxy-nginx-01", Severity.LOW)
    fleet.inject(IncidentType.HOST_DOWN, "vault-secrets", Severity.HIGH)

    open_page(page, f"{server.url}/?server=proxy-nginx-01")
    expect(page.get_by_role("heading", name="proxy-nginx-01")).to_be_visible(timeout=WAIT_MS)
    alert = page.get_by_test_id("stAlertContentWarning").filter(has_text="nginx 중지됨 (포트 80)")
    expect(alert).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)  # not "no active alerts"

    open_page(page, f"{server.url}/?server=vault-secrets&lang=en")
    expect(page.get_by_role("heading", name="vault-secrets")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="host down")).to_be_visible(
        timeout=WAIT_MS)
    expect(page.get_by_text("up —")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("None")).to_have_count(0)


def test_the_server_page_lists_an_incident_started_and_cleared_without_a_reload(dashboard: Dashboard,
                                                                                page: Page) -> None:
    server, fleet = dashboard(deployed=3, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, f"{server.url}/?server=db-master-01&lang=en")
    expect(page.get_by_text("Recent events")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("db-master-01 deployed (#2)")).to_be_visible(timeout=WAIT_MS)

    leak = fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    expect(page.get_by_text("db-master-01: memory leak incident started (high severity)")).to_be_visible(
        timeout=WAIT_MS)
    fleet.clear(leak.id)
    expect(page.get_by_text("db-master-01: memory leak incident cleared")).to_be_visible(timeout=WAIT_MS)
