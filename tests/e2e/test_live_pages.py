"""End to end in headless Chromium: the deployment, fleet and incident pages stay live."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from openmanager_core.models import IncidentType, Severity
from tests.conftest import VIEWPORT
from tests.e2e.conftest import WAIT_MS, Dashboard, open_page

ROW_PX = 35  # st.dataframe's row height, header included

# Records every "n / 20" the progress bar shows, so the test sees the whole climb.
RECORD_PROGRESS = """() => {
  window.__counts = [];
  const read = () => {
    const bar = document.querySelector(".st-key-deployment_progress");
    const match = bar && bar.innerText.match(/(\\d+) \\/ 20/);
    const count = match && Number(match[1]);
    if (count !== null && window.__counts.at(-1) !== count) window.__counts.push(count);
  };
  read();
  new MutationObserver(read).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def test_deployment_count_rises_to_twenty_without_a_reload(dashboard: Dashboard, page: Page,
                                                           browser: Browser) -> None:
    server, fleet = dashboard(env={"OPENMANAGER_DEPLOY_INTERVAL_SECONDS": "0.5"})
    open_page(page, f"{server.url}/deployment")
    progress = page.locator(".st-key-deployment_progress")
    expect(progress).to_contain_text("0 / 20", timeout=WAIT_MS)
    page.evaluate("window.__sameDocument = true")
    page.evaluate(RECORD_PROGRESS)

    page.get_by_role("button", name="배포 시작").click()
    expect(progress).to_contain_text("20 / 20", timeout=60_000)
    expect(page.get_by_text("모든 서버 배포 완료!")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("staging-web-01", exact=True)).to_be_visible(timeout=WAIT_MS)

    counts = page.evaluate("window.__counts")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert counts[0] == 0 and counts[-1] == 20
    assert counts == sorted(counts) and len(counts) >= 10, counts
    assert fleet.deployment().current_count == 20

    # A second browser watching the same app sees the same fleet.
    other = browser.new_context(viewport=VIEWPORT)
    try:
        viewer = other.new_page()
        open_page(viewer, f"{server.url}/deployment")
        expect(viewer.locator(".st-key-deployment_progress")).to_contain_text("20 / 20", timeout=WAIT_MS)
    finally:
        other.close()


def test_an_injected_incident_turns_the_server_on_the_fleet_page(dashboard: Dashboard, page: Page,
                                                                 browser: Browser) -> None:
    server, fleet = dashboard(deployed=20, env={"OPENMANAGER_REFRESH_SECONDS": "1"})
    open_page(page, server.url)
    row = page.locator("[data-testid='stDataFrame'] [role='row']").filter(has_text="db-master-01")
    expect(row).to_contain_text("정상", timeout=WAIT_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("오프라인 0", timeout=WAIT_MS)

    # The presenter injects from the incidents page in another browser.
    context = browser.new_context(viewport=VIEWPORT)
    try:
        presenter = context.new_page()
        open_page(presenter, f"{server.url}/incidents")
        presenter.get_by_test_id("stSelectbox").filter(has_text="장애 유형").click()
        presenter.get_by_role("option", name="호스트 다운").click()
        presenter.get_by_test_id("stSelectbox").filter(has_text="대상 서버").click()
        presenter.get_by_role("option", name="db-master-01", exact=True).click()
        presenter.get_by_test_id("stButtonGroup").get_by_text("높음", exact=True).click()
        presenter.get_by_role("button", name="장애 주입").click()
        expect(presenter.get_by_text("서버에 호스트 다운 장애를 주입했습니다")).to_be_visible(timeout=WAIT_MS)
        expect(presenter.get_by_text("진행 중인 장애 (1)")).to_be_visible(timeout=WAIT_MS)
    finally:
        context.close()

    # The fleet page, never reloaded, turns the server offline on its own.
    expect(row).to_contain_text("오프라인", timeout=WAIT_MS)
    expect(sidebar).to_contain_text("오프라인 1", timeout=WAIT_MS)
    first = page.locator("[data-testid='stDataFrame'] [role='row'][aria-rowindex='2']")
    expect(first).to_contain_text("db-master-01", timeout=WAIT_MS)  # worst first

    # The table is a canvas: press the pinned hostname button where the first row is drawn.
    # The table redraws every second here: a click that lands mid-redraw is lost, so press again.
    heading = page.get_by_role("heading", name="db-master-01")
    for _ in range(3):
        table = page.get_by_test_id("stDataFrame").bounding_box()
        assert table is not None
        page.mouse.click(table["x"] + 40, table["y"] + ROW_PX * 1.5)
        try:
            expect(heading).to_be_visible(timeout=WAIT_MS / 3)
            break
        except AssertionError:
            continue
    expect(heading).to_be_visible(timeout=WAIT_MS)
    expect(page).to_have_url(re.compile(r"\?server=db-master-01$"))

    fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH,
                 fleet.clock() - timedelta(minutes=20))
    open_page(page, f"{server.url}/?server=web-prod-01")
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("위험", exact=True).first).to_be_visible(timeout=WAIT_MS)
