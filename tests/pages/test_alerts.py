"""Alerts page: firing and pending first with age, silences, rules; silence and acknowledge from
the page; the sidebar's firing count."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.alerts.models import AlertRecord, AlertSeverity, AlertState, RuleKind
from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.fleet import Fleet
from tests.alerts.receivers import HttpReceiver
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts, widget_texts
from ui.alert_channels import PANEL_KEY

PAGE = "views/alerts.py"


@pytest.fixture(autouse=True)
def evaluator_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's evaluator waits an interval before its first look: an hour here, so the
    alerts these tests store stay as they are."""
    monkeypatch.setenv("OPENMANAGER_ALERT_INTERVAL_SECONDS", "3600")


def _alert(fleet: Fleet, host: str, rule: str, state: AlertState) -> AlertRecord:
    server = fleet.resolve(host)
    fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
    stored = fleet.store.open_alert(AlertRecord(
        rule_id=rule, kind=RuleKind.HOST_DOWN, server_id=server.id, hostname=host,
        severity=AlertSeverity.CRITICAL, state=state, starts_at=fleet.clock(),
        fired_at=fleet.clock() if state is AlertState.FIRING else None, notified=True))
    assert stored is not None
    return stored


def test_the_page_lists_firing_before_pending_and_counts_them(open_page: OpenPage, deployed: Fleet) -> None:
    _alert(deployed, "db-master-01", "service_stopped", AlertState.PENDING)
    _alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    app = open_page(PAGE)
    no_exceptions(app)
    shown = texts(app)
    assert "발생 1건 · 대기 1건" in shown
    assert shown.index("web\\-prod\\-01") < shown.index("db\\-master\\-01")  # firing first
    assert "메트릭 없음\\: 호스트가 응답하지 않음" in shown
    assert "🔔 발생 중인 알림 **1**건" in [link.label for link in app.get("page_link")]
    assert "host_down" in app.dataframe[0].value.iloc[:, 0].tolist()  # the rules table


def test_silence_and_acknowledge_from_the_page(open_page: OpenPage, deployed: Fleet) -> None:
    alert = _alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    app = open_page(PAGE)
    assert "🔕 무음" not in texts(app)
    next(b for b in app.button if b.key == f"silence-{alert.id}").click().run()
    no_exceptions(app)
    [silence] = deployed.store.silences(active_at=deployed.clock())
    assert (silence.server, silence.rule) == (alert.server_id, "host_down")
    assert "🔕 무음" in texts(app)
    next(b for b in app.button if b.key == f"ack-{alert.id}").click().run()
    assert [a.alert_id for a in deployed.store.acknowledgements([alert.id])] == [alert.id]
    assert "✋" in texts(app)


def test_a_click_that_arrives_twice_silences_and_acknowledges_once(open_page: OpenPage,
                                                                   deployed: Fleet) -> None:
    """Two tabs drawn before either click (or one click Streamlit delivers twice while the live
    region reruns, as CI once saw): the second finds the alert silenced and acknowledged."""
    alert = _alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    first, second = open_page(PAGE), open_page(PAGE)
    for app in (first, second):
        next(b for b in app.button if b.key == f"silence-{alert.id}").click()
        next(b for b in app.button if b.key == f"ack-{alert.id}").click().run()
        no_exceptions(app)
    assert len(deployed.store.silences(active_at=deployed.clock())) == 1
    assert len(deployed.store.acknowledgements([alert.id])) == 1


def test_filter_by_server_and_severity_in_english(open_page: OpenPage, deployed: Fleet) -> None:
    _alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    app = open_page(PAGE, lang="en")
    assert "1 firing · 0 pending" in texts(app)
    app.selectbox(key="alert_server").set_value("db-master-01").run()
    assert "0 firing · 0 pending" in texts(app)
    app.selectbox(key="alert_server").set_value(None).run()
    app.pills(key="alert_severity").set_value([AlertSeverity.WARNING]).run()
    assert "0 firing · 0 pending" in texts(app)
    assert "Severity" in widget_texts(app)


def test_a_server_page_links_to_its_alerts_and_the_link_filters(open_page: OpenPage,
                                                                  deployed: Fleet) -> None:
    _alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    detail = open_page(server="db-master-01")
    [link] = [p for p in detail.get("page_link") if p.proto.label == "이 서버의 알림 기록 보기"]
    assert link.proto.query_string == "alert_server=db-master-01"
    filtered = open_page(PAGE, alert_server="db-master-01")
    assert filtered.selectbox(key="alert_server").value == "db-master-01"
    assert "발생 0건 · 대기 0건" in texts(filtered)


def test_the_admin_page_sends_a_test_notification_and_lists_failures(
        open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    good, broken = HttpReceiver(), HttpReceiver(500)
    try:
        monkeypatch.setenv("OPENMANAGER_NOTIFY_URLS", f"{good.url('json')},{broken.url('json', '/s3cr3t')}")
        monkeypatch.setenv("OPENMANAGER_ALERT_RETRY_SECONDS", "0.01")
        app = open_page("views/admin.py")
        no_exceptions(app)
        assert "알림 채널 · 설정된 채널 2개" in [e.label for e in app.expander]
        assert "전송 실패가 없습니다." not in texts(app)  # folded: nothing in it is read or sent
        app.session_state[PANEL_KEY] = True  # opened, as a click does
        app.run()
        no_exceptions(app)
        assert "전송 실패가 없습니다." in texts(app)
        next(b for b in app.button if b.key == "alert_test").click().run()
        no_exceptions(app)
        [delivered] = app.success
        assert str(good.port) in delivered.value and delivered.value.endswith("전송됨 (1회 시도)")
        [failed] = app.error
        assert "실패 (3회 시도)" in failed.value and "s3cr3t" not in failed.value
        assert [r.body["title"] for r in good.received] == ["[OpenManager 알림] 테스트 알림"]
        table = app.dataframe[-1].value
        assert table.iloc[0]["시도"] == 3 and "s3cr3t" not in table.iloc[0]["채널"]
    finally:
        good.close()
        broken.close()


def _submit_rule(app: AppTest, rule_id: str, kind: RuleKind, metric: str | None,
                 level: str | None) -> AppTest:
    app.text_input(key="new_rule_id").input(rule_id)
    app.selectbox(key="new_rule_kind").set_value(kind)
    app.selectbox(key="new_rule_metric").set_value(metric)
    app.selectbox(key="new_rule_level").set_value(level)
    next(b for b in app.button if "규칙 추가" in b.label).click()
    return app.run()


def test_an_admin_adds_a_rule_from_the_page_and_a_bad_one_names_its_field(open_page: OpenPage,
                                                                         deployed: Fleet) -> None:
    deployed.store.seed_alert_rules(builtin_rules(), deployed.clock())
    app = _submit_rule(open_page(PAGE), "db_memory_page", RuleKind.METRIC, "memory", "critical")
    no_exceptions(app)
    rule = deployed.store.alert_rule("db_memory_page")
    assert rule is not None
    assert (rule.kind, rule.metric, rule.level) == (RuleKind.METRIC, "memory", "critical")
    assert "db_memory_page" in app.dataframe[0].value.iloc[:, 0].tolist()  # the rules table shows it

    app = _submit_rule(app, "no_metric", RuleKind.METRIC, None, "critical")  # a metric rule needs a metric
    no_exceptions(app)
    assert any("metric:" in w.value for w in app.warning), [w.value for w in app.warning]
    assert deployed.store.alert_rule("no_metric") is None

    app = _submit_rule(app, "db_memory_page", RuleKind.METRIC, "cpu", "warning")  # the id is taken
    assert any("이미 있습니다" in w.value for w in app.warning)
    stored = deployed.store.alert_rule("db_memory_page")
    assert stored is not None and stored.metric == "memory"  # the first one, unchanged
