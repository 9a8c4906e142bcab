"""End to end with OPENMANAGER_SOURCE=prometheus: the fleet page shows the node Prometheus scrapes,
says so when Prometheus stops answering, and shows it again once it is back, never reloaded."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import StartApp
from tests.e2e.conftest import WAIT_MS, open_page
from tests.services import MetricsStack

HOST = "node-under-test"



def test_the_fleet_page_follows_prometheus_down_and_back(metrics_stack: MetricsStack,
                                                         streamlit_app: StartApp, page: Page) -> None:
    server = streamlit_app({"OPENMANAGER_SOURCE": "prometheus",
                            "OPENMANAGER_PROMETHEUS_URL": metrics_stack.url,
                            "OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, f"{server.url}/?lang=en")
    row = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text=HOST)
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row).to_contain_text("%", timeout=WAIT_MS)

    metrics_stack.stop_prometheus()
    message = page.get_by_test_id("stAlertContentError").filter(has_text="Prometheus unreachable: ")
    expect(message.first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Traceback")).to_have_count(0)

    metrics_stack.start_prometheus()
    expect(row).to_have_count(1, timeout=60_000)
    expect(message).to_have_count(0, timeout=WAIT_MS)
