"""End to end in headless Chromium: a host goes down, the alerts page (never reloaded) shows it
firing, the operator silences it from the page and sees it silenced."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.models import IncidentType
from tests.e2e.conftest import WAIT_MS, Dashboard, host_down_alerting, open_page

HOST = "web-prod-01"


def test_the_alerts_page_shows_a_firing_alert_and_silences_it(dashboard: Dashboard, page: Page) -> None:
    server, fleet = host_down_alerting(dashboard, deployed=5)

    open_page(page, f"{server.url}/alerts")
    main = page.get_by_role("main")
    expect(main).to_contain_text("지금 발생하거나 대기 중인 알림이 없습니다.", timeout=WAIT_MS)
    fleet.inject(IncidentType.HOST_DOWN, HOST)
    card = main.get_by_test_id("stHorizontalBlock").filter(has_text=HOST).filter(has_text="호스트 다운")
    expect(card).to_contain_text("발생", timeout=WAIT_MS)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("발생 중인 알림 1건", timeout=WAIT_MS)
    expect(card).not_to_contain_text("🔕")

    card.get_by_role("button", name="1시간 무음").click()
    expect(card).to_contain_text("🔕 무음", timeout=WAIT_MS)
    expect(main).to_contain_text("알림 페이지에서 무음 설정", timeout=WAIT_MS)  # the silence, listed
    [silence] = fleet.store.silences(active_at=fleet.clock())
    assert silence.server == fleet.resolve(HOST).id and silence.rule == "host_down"


def test_an_admin_switches_a_rule_off_in_the_rules_table(dashboard: Dashboard, page: Page) -> None:
    server, fleet = dashboard(deployed=1, env={"OPENMANAGER_API_KEYS": "", "OPENMANAGER_SECRETS_FILES": ""})
    fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
    ids = [rule.id for rule in fleet.store.alert_rules()]
    open_page(page, f"{server.url}/alerts")
    grid = page.get_by_test_id("stDataFrame").last
    expect(grid).to_contain_text("host_down", timeout=WAIT_MS)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    row = ids.index("host_down") + 1  # under the header row
    page.mouse.click(box["x"] + 30, box["y"] + 35 * row + 17)  # the rule's id cell
    for _ in range(5):  # to its "enabled" cell, the last column
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.get_by_text("규칙 host_down을(를) 저장했습니다.")).to_be_visible(timeout=WAIT_MS)
    rule = fleet.store.alert_rule("host_down")
    assert rule is not None and not rule.enabled
