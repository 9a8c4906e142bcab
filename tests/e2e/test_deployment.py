"""End to end in headless Chromium: the deployment is the server's, not one browser's."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PAGE_TIMEOUT_MS, VIEWPORT
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page

ADMIN_KEY = "admin-key-0123456789abcdef"
# Every viewer shows a new server within this of the first: the pages poll every 0.5 s, and under
# a loaded machine a render takes up to about as long again; still under one deployment step (2 s
# here), so no viewer is ever a server behind another for a step.
SYNC_MS = 1_500
LAST = 4  # counts compared across viewers
# The n of "n / 20" on the deployment page, and the sidebar's 전체 (total deployed) count.
PROGRESS = """() => {
  const m = document.querySelector('.st-key-deployment_progress')?.textContent.match(/(\\d+) \\/ 20/);
  return m ? Number(m[1]) : -1;
}"""
SIDEBAR = """() => {
  const v = document.querySelector("[data-testid='stSidebar'] [data-testid='stMetricValue']");
  return v ? Number(v.textContent) : -1;
}"""

# Records, in the page, the wall-clock time each count was first reached (page and sidebar),
# so two browsers on one machine can be compared after the fact.
RECORD_FIRST_SEEN = f"""() => {{
  window.__firstSeen = {{progress: {{}}, sidebar: {{}}}};
  const read = () => {{
    const now = Date.now();
    for (const [name, reader] of [["progress", {PROGRESS}], ["sidebar", {SIDEBAR}]]) {{
      const seen = window.__firstSeen[name];
      for (let n = reader(); n >= 0 && !(n in seen); n--) seen[n] = now;
    }}
  }};
  read();
  new MutationObserver(read).observe(document.body, {{subtree: true, childList: true, characterData: true}});
}}"""


def new_page(browser: Browser, width: int = VIEWPORT["width"], height: int = VIEWPORT["height"]) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context.new_page()


def shows(page: Page, reader: str, at_least: int, timeout: float = WAIT_MS) -> None:
    """Wait until the page's count (PROGRESS or SIDEBAR) is at least `at_least`."""
    page.wait_for_function(f"(n) => ({reader})() >= n", arg=at_least, timeout=timeout, polling=50)


def count(page: Page) -> int:
    return int(page.evaluate(PROGRESS))


def unlock(page: Page, url: str) -> None:
    """Enter the admin key on the incidents page, then go to the deployment page in the same session."""
    open_page(page, f"{url}/incidents")
    page.get_by_label("관리자 API 키").fill(ADMIN_KEY)
    page.get_by_role("button", name="확인").click()
    expect(page.get_by_role("button", name="장애 주입")).to_be_visible(timeout=WAIT_MS)
    page.get_by_test_id("stSidebarNav").get_by_text("인프라 배포").click()
    expect(page.locator(".st-key-deployment_progress")).to_be_visible(timeout=WAIT_MS)


def test_every_viewer_sees_the_same_count_and_a_reload_does_not_stop_it(dashboard: Dashboard,
                                                                        browser: Browser) -> None:
    server, fleet = dashboard(env={"OPENMANAGER_DEPLOY_INTERVAL_SECONDS": "2"})
    presenter, viewer = new_page(browser), new_page(browser)
    try:
        open_page(presenter, f"{server.url}/deployment")
        open_page(viewer, f"{server.url}/deployment")  # opened before the run started
        for page in (presenter, viewer):
            page.evaluate(RECORD_FIRST_SEEN)
        presenter.get_by_role("button", name="배포 시작").click()
        for page in (presenter, viewer):
            shows(page, PROGRESS, LAST)
            shows(page, SIDEBAR, LAST)
        first_seen = {name: page.evaluate("window.__firstSeen")
                      for name, page in (("presenter", presenter), ("viewer", viewer))}
        for n in range(1, LAST + 1):  # each count reached on both pages and both sidebars together
            times = [first_seen[who][what][str(n)] for who in first_seen for what in ("progress", "sidebar")]
            assert max(times) - min(times) <= SYNC_MS, (n, json.dumps(first_seen))
        expect(viewer.get_by_role("button", name="일시 정지")).to_be_enabled()

        presenter.reload()  # F5 on the tab that started it
        expect(presenter.locator(".st-key-deployment_progress")).to_be_visible(timeout=WAIT_MS)
        after_reload = count(presenter)
        shows(presenter, PROGRESS, after_reload + 1)
        presenter.context.close()  # and closing it
        after_close = count(viewer)
        shows(viewer, PROGRESS, after_close + 1)
        assert fleet.deployment_status().running
    finally:
        viewer.context.close()


def test_reset_asks_and_stops_the_run_everywhere(dashboard: Dashboard, browser: Browser) -> None:
    server, fleet = dashboard(env={"OPENMANAGER_DEPLOY_INTERVAL_SECONDS": "1",
                                   "OPENMANAGER_API_KEYS": ADMIN_KEY})
    presenter, admin = new_page(browser), new_page(browser)
    try:
        open_page(presenter, f"{server.url}/deployment")
        presenter.get_by_role("button", name="배포 시작").click()
        unlock(admin, server.url)
        shows(admin, PROGRESS, 2)

        admin.get_by_role("button", name="초기화").click()
        question = admin.locator(".st-key-reset_confirmation")
        expect(question).to_contain_text("배포를 초기화할까요?", timeout=WAIT_MS)
        question.get_by_role("button", name="취소").click()
        expect(question).to_be_hidden(timeout=WAIT_MS)
        reached = count(admin)
        assert fleet.deployment_status().running
        shows(presenter, PROGRESS, reached + 1)  # cancelled: it goes on

        admin.get_by_role("button", name="초기화").click()
        question.get_by_role("button", name="초기화").click()
        for page in (presenter, admin):
            # `.first`: while the rerun after a reset draws, the last run's region may linger a moment.
            progress = page.locator(".st-key-deployment_progress").first
            expect(progress).to_contain_text("0 / 20", timeout=WAIT_MS)
            expect(page.get_by_role("button", name="배포 시작")).to_be_enabled(timeout=WAIT_MS)
            expect(page.get_by_role("button", name="일시 정지")).to_be_disabled()
        status = fleet.deployment_status()
        assert not status.running and status.state.current_count == 0

        # The API's reset stops a run the same way.
        presenter.get_by_role("button", name="배포 시작").click()
        shows(admin, PROGRESS, 1)
        reply = httpx.post(f"{server.url}/api/servers/next", json={"reset": True},
                           headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert reply.status_code == 200 and reply.json()["currentCount"] == 0
        for page in (presenter, admin):
            expect(page.get_by_role("button", name="배포 시작")).to_be_enabled(timeout=WAIT_MS)
            expect(page.locator(".st-key-deployment_progress")).to_contain_text("0 / 20")
        assert not fleet.deployment_status().running
    finally:
        presenter.context.close()
        admin.context.close()


def test_the_newest_card_is_in_view_on_a_1080p_projector(dashboard: Dashboard, browser: Browser) -> None:
    server, fleet = dashboard(deployed=19)
    projector = new_page(browser, 1920, 1080)
    try:
        open_page(projector, f"{server.url}/deployment")
        expect(projector.locator(".st-key-deployment_progress")).to_contain_text("19 / 20", timeout=WAIT_MS)
        fleet.deploy_next(19)  # the last one, from anywhere
        newest = projector.get_by_text("staging-web-01", exact=True)
        expect(newest).to_be_visible(timeout=WAIT_MS)
        box = newest.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1080, box
        oldest = projector.get_by_text("web-prod-01", exact=True).bounding_box()
        assert oldest is not None and oldest["y"] > box["y"]  # newest before oldest
    finally:
        projector.context.close()


