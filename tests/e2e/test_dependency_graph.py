"""End to end in headless Chromium: the fleet page draws the service dependency graph (Graphviz, laid
out in the browser), each server in its status colour, and a server going down turns its box grey
without a reload."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from openmanager_core.models import IncidentType, Severity, Status
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page
from ui.dependency_graph import STATUS_FILL


def test_the_fleet_page_draws_the_dependency_graph_coloured_by_status(dashboard: Dashboard,
                                                                      page: Page) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    open_page(page, f"{server.url}/?lang=en")
    chart = page.get_by_test_id("stGraphVizChart")
    expect(chart).to_be_visible(timeout=WAIT_MS)

    def box(hostname: str) -> Locator:
        return chart.locator("g.node", has=page.locator(f"title:text-is('host:{hostname}')")).locator(
            "path, polygon").first

    expect(box("db-master-01")).to_have_attribute("fill", STATUS_FILL[Status.OFFLINE][0], timeout=WAIT_MS)
    expect(box("k8s-ingress-01")).to_have_attribute("fill", STATUS_FILL[Status.ONLINE][0])
    expect(chart.locator("g.node", has_text="db-master-01")).to_contain_text("Offline")
    expect(chart.locator("g.edge")).to_have_count(len(fleet.dependencies().edges) + 1)  # and users → ingress
    expect(chart.locator("g.cluster")).to_contain_text("Not on the request path")

    # The live region redraws it: the ingress going down turns grey, no reload.
    fleet.inject(IncidentType.HOST_DOWN, "k8s-ingress-01", Severity.HIGH)
    expect(box("k8s-ingress-01")).to_have_attribute("fill", STATUS_FILL[Status.OFFLINE][0], timeout=WAIT_MS)
