"""End to end with OPENMANAGER_SOURCE=host: the pages show this machine, and explain that
deployment and incidents belong to the simulated fleet."""

from __future__ import annotations

import socket

from playwright.sync_api import Page, expect

from tests.conftest import StartApp
from tests.e2e.conftest import WAIT_MS, open_page


def test_the_fleet_page_shows_this_machine_and_the_demo_pages_explain_why_they_are_empty(
        streamlit_app: StartApp, page: Page) -> None:
    server = streamlit_app({"OPENMANAGER_SOURCE": "host", "OPENMANAGER_HOST_SAMPLE_SECONDS": "1"})
    hostname = socket.gethostname()
    open_page(page, f"{server.url}/?lang=en")
    row = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text=hostname)
    expect(row).to_have_count(1, timeout=WAIT_MS)
    expect(row).to_contain_text("%", timeout=WAIT_MS)  # its CPU, memory and disk, read from psutil
    expect(page.get_by_test_id("stSidebar")).to_contain_text("1", timeout=WAIT_MS)

    open_page(page, f"{server.url}/?server={hostname}&lang=en")
    expect(page.get_by_role("heading", name=hostname)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("None")).to_have_count(0)

    open_page(page, f"{server.url}/deployment?lang=en")
    expect(page.get_by_text("exist only for the simulated fleet")).to_be_visible(timeout=WAIT_MS)
