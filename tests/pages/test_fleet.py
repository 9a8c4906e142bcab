"""Fleet page: the live table (filters, critical first) and one server's detail."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.ai.findings import current_anomalies
from openmanager_core.alerts.models import AlertRecord, AlertSeverity, AlertState, RuleKind
from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.fleet import Fleet
from openmanager_core.metrics import METRICS
from openmanager_core.models import IncidentType, ServerType, Severity, Status
from openmanager_core.runtime import get_fleet
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts
from ui.components import local_clock
from ui.dependency_graph import STATUS_FILL
from views.fleet import ALERT_COUNT


def table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value


def test_empty_fleet_points_to_the_deployment(open_page: OpenPage) -> None:
    app = open_page()
    no_exceptions(app)
    assert "아직 배포된 서버가 없습니다" in texts(app)
    assert any(link.proto.page.endswith("deployment") or "deployment" in link.proto.page
               for link in app.get("page_link"))


def test_every_deployed_server_is_listed_critical_first(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.CPU_SPIKE, "cache-redis-01", Severity.HIGH,
                    deployed.clock() - timedelta(minutes=10))
    app = open_page()
    no_exceptions(app)
    rows = table(app)
    assert len(rows) == 20
    assert rows["hostname"].iloc[0] == "cache-redis-01"
    assert rows["status"].iloc[0] == "🔴 위험"
    assert rows["hostname"].iloc[1:].tolist() == [s.hostname for s in deployed.catalogue.servers
                                                  if s.hostname != "cache-redis-01"]
    assert "CPU" in rows["alert"].iloc[0]
    # The counts are the sidebar's alone: no second set of tiles on the page.
    assert not app.main.metric
    sidebar = {m.label: m.value for m in app.sidebar.metric}
    assert sidebar["전체"] == "20"
    assert "🔴 위험 **1**" in texts(app) and "🟢 정상 **19**" in texts(app)


def test_the_table_every_session_shares_shows_an_incident_at_the_next_rerun(
        open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    # One refresh interval for the whole test: only the store version can make the table new.
    monkeypatch.setenv("OPENMANAGER_REFRESH_SECONDS", "300")
    fleet = get_fleet()
    fleet.deploy_next(fleet.total - 1)
    watching = open_page()
    assert table(watching)["status"].iloc[0] == "🟢 정상"
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    for app in (watching.run(), open_page()):  # the open tab's next rerun, and a new tab
        no_exceptions(app)
        first = table(app).iloc[0]
        assert (first["hostname"], first["status"]) == ("db-master-01", "⚫ 오프라인")
        assert "⚫ 오프라인 **1**" in texts(app)


def test_columns_read_who_how_bad_why_then_the_numbers(open_page: OpenPage, deployed: Fleet) -> None:
    now = deployed.clock()
    deployed.clock = lambda: now  # one instant for the page and the test, however long the page takes
    expected = deployed.state("web-prod-01", "ko").metrics
    assert expected is not None
    app = open_page()
    rows = table(app)
    assert rows.columns.tolist() == ["hostname", "status", "alert", "alerts", "anomaly", "cpu", "memory",
                                     "disk", "response_time", "network_in", "network_out", "type",
                                     "location", "uptime", "updated"]
    row = rows[rows["hostname"] == "web-prod-01"].iloc[0]
    assert row["network_in"] == f"{expected.network_in:,.1f} Mbps"
    assert row["network_out"] == f"{expected.network_out:,.1f} Mbps"
    assert row["cpu"] == f"{expected.cpu:.1f}%"
    assert row["updated"] == local_clock(expected.timestamp)  # HH:MM:SS, Korean time
    assert re.fullmatch(r"\d\d:\d\d:\d\d", row["updated"])
    labels = {column["label"] for column in json.loads(app.dataframe[0].proto.columns).values()
              if "label" in column}
    assert {"마지막 수집", "네트워크 수신", "네트워크 송신", "주요 알림"} <= labels


def test_the_anomaly_column_names_the_metrics_off_their_usual_level(open_page: OpenPage,
                                                                   deployed: Fleet) -> None:
    deployed.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH,
                    deployed.clock() - timedelta(minutes=40))
    app = open_page()
    no_exceptions(app)
    rows = table(app).set_index("hostname")
    assert "메모리" in rows.loc["db-master-01", "anomaly"].split(", ")
    assert rows.loc["api-gateway-prod", "anomaly"] == ""  # healthy: nothing off
    # The one signal the AI's screen raises, in its metrics' labels: no second rule in the page.
    flagged = current_anomalies(deployed)
    assert rows.loc["db-master-01", "anomaly"] == ", ".join(METRICS[key].label("ko")
                                                            for key in flagged["srv_002"])
    assert {h for h in rows.index if rows.loc[h, "anomaly"]} == {
        deployed.resolve(server_id).hostname for server_id in flagged}
    labels = {column["label"] for column in json.loads(app.dataframe[0].proto.columns).values()
              if "label" in column}
    assert "이상" in labels
    english = open_page(lang="en")
    assert "memory" in table(english).set_index("hostname").loc["db-master-01", "anomaly"].split(", ")


def test_a_host_that_is_down_shows_dashes_and_why(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.HOST_DOWN, "mail-server-01", Severity.HIGH)
    row = table(open_page()).set_index("hostname").loc["mail-server-01"]
    assert row["status"] == "⚫ 오프라인"
    for key in ("cpu", "memory", "disk", "response_time", "network_in", "network_out", "updated"):
        assert row[key] == "—", key
    state = deployed.state("mail-server-01", "ko")
    assert row["alert"] == (state.alerts[0].message if state.alerts else "응답 없음 (메트릭 없음)")
    assert row["alert"]


def graph_source(app: AppTest) -> str:
    (chart,) = app.get("graphviz_chart")
    return str(chart.proto.spec)


def node(hostname: str, status: Status, label: str) -> str:
    fill, font = STATUS_FILL[status]
    return (f'"host:{hostname}" [label="{hostname}\\n{label}", fillcolor="{fill}", fontcolor="{font}", '
            f'tooltip="{hostname}"]')


@pytest.mark.parametrize("language, offline, online, apart", [
    ("ko", "오프라인", "정상", "요청 경로 밖"), ("en", "Offline", "Online", "Not on the request path")])
def test_the_dependency_graph_draws_the_request_path_with_a_down_server_in_its_colour(
        open_page: OpenPage, deployed: Fleet, language: str, offline: str, online: str, apart: str) -> None:
    deployed.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    app = open_page(lang=language)
    no_exceptions(app)
    dot = graph_source(app)
    assert deployed.state("db-master-01").status is Status.OFFLINE  # the one judgement says so
    assert node("db-master-01", Status.OFFLINE, offline) in dot
    assert node("web-prod-01", Status.ONLINE, online) in dot
    for caller, callee in deployed.dependencies().edges:
        assert f'"host:{caller}" -> "host:{callee}";' in dot
    assert '"users" -> "host:k8s-ingress-01"' in dot
    apart_box = dot.split("subgraph cluster_apart {", 1)[1]
    assert f'label="{apart}"' in apart_box and '"host:mail-server-01"' in apart_box
    assert '"host:db-master-01"' not in apart_box


def test_the_dependency_graph_follows_a_status_change_at_the_next_rerun(open_page: OpenPage,
                                                                        deployed: Fleet) -> None:
    app = open_page()
    assert node("k8s-ingress-01", Status.ONLINE, "정상") in graph_source(app)
    deployed.inject(IncidentType.HOST_DOWN, "k8s-ingress-01", Severity.HIGH)
    app.run()
    assert node("k8s-ingress-01", Status.OFFLINE, "오프라인") in graph_source(app)


def test_filters_narrow_the_table(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.HOST_DOWN, "mail-server-01", Severity.HIGH)
    app = open_page()
    app.multiselect(key="fleet_type").select(ServerType.KUBERNETES).run()
    no_exceptions(app)
    assert set(table(app)["type"]) == {"쿠버네티스"} and len(table(app)) == 6
    app.multiselect(key="fleet_type").unselect(ServerType.KUBERNETES).run()
    app.text_input(key="fleet_search").input("DB-MASTER").run()
    assert table(app)["hostname"].tolist() == ["db-master-01"]
    app.text_input(key="fleet_search").input("").run()
    app.pills(key="fleet_status").set_value([Status.OFFLINE]).run()
    assert table(app)["hostname"].tolist() == ["mail-server-01"]
    app.multiselect(key="fleet_location").select("AWS Seoul (ap-northeast-2)").run()
    no_exceptions(app)
    assert "조건에 맞는 서버가 없습니다" in texts(app)


def test_detail_shows_history_thresholds_services_and_alerts(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.DISK_FULL, "db-master-01", Severity.HIGH,
                    deployed.clock() - timedelta(hours=3))
    app = open_page(server="db-master-01")
    no_exceptions(app)
    assert app.subheader[0].value == "db-master-01"
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    layout = json.loads(charts[0].proto.spec)["layout"]
    labels = {a["text"] for a in layout["annotations"]}
    assert {"경고 80", "위험 90"} <= labels  # the disk thresholds of the one table
    assert {"경고 85", "위험 95"} <= labels  # memory, as databases are allowed more
    services = app.dataframe[0].value
    assert services.iloc[:, 0].tolist() == ["mysql", "sshd"]
    assert services.iloc[:, 1].tolist() == [3306, 22]
    assert "디스크" in texts(app) and "디스크 가득 참" in texts(app)
    assert any("디스크" in e.value for e in app.error)
    # The disk filled up over the last 3 hours: over 6 hours the core's detector marks it.
    app.segmented_control(key="fleet_window").set_value(360).run()
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    marked = [trace for trace in spec["data"] if trace.get("name") == "이상 징후"]
    assert "y3" in {trace["yaxis"] for trace in marked}  # the disk panel


def test_detail_lists_the_servers_recent_events_newest_first(open_page: OpenPage, deployed: Fleet) -> None:
    leak = deployed.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    deployed.clear(leak.id)
    deployed.inject(IncidentType.CPU_SPIKE, "web-prod-01")  # another server's: not listed
    app = open_page(server="db-master-01")
    no_exceptions(app)
    shown = [c.value.replace("\\", "") for c in app.caption]  # as rendered, markdown escapes gone
    events = [c.split(" · ", 1)[1] for c in shown if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d · ", c)]
    assert events == ["db-master-01: 메모리 누수 장애 해제",
                      "db-master-01: 메모리 누수 장애 시작 (심각도 높음)",
                      "db-master-01 배포 (2번째)"], shown
    assert "최근 이벤트" in texts(app)


def test_a_healthy_server_has_no_anomaly_marks(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(server="api-gateway-prod")
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert not [trace for trace in spec["data"] if trace.get("name") == "이상 징후"]


def test_window_choice_redraws_the_history(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(server="web-prod-01")
    for minutes in (15, 360, 1440):
        app.segmented_control(key="fleet_window").set_value(minutes).run()
        no_exceptions(app)
        assert len(app.get("plotly_chart")) == 1


def test_hostnames_and_ids_in_the_url_resolve(open_page: OpenPage, deployed: Fleet) -> None:
    assert open_page(server="DB-MASTER-01").subheader[0].value == "db-master-01"
    assert open_page(server="srv_003").subheader[0].value == "api-gateway-prod"


def test_unknown_or_hostile_server_in_the_url_is_a_message(open_page: OpenPage, deployed: Fleet) -> None:
    for value in ("nope", "<script>alert(1)</script>", "x" * 1001, ""):
        app = open_page(server=value)
        no_exceptions(app)
        assert len(table(app)) == 20
    app = open_page(server="<b>nope</b>")
    assert app.warning[0].value == "'\\<b\\>nope\\</b\\>' 서버를 찾을 수 없습니다."


def test_server_not_yet_deployed(open_page: OpenPage, fleet: Fleet) -> None:
    fleet.deploy_next()
    app = open_page(server="vault-secrets")
    no_exceptions(app)
    assert "아직 배포되지 않았습니다" in texts(app)


def test_back_returns_to_the_list(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(server="web-prod-01")
    next(b for b in app.button if b.label == "전체 목록").click().run()
    no_exceptions(app)
    assert len(table(app)) == 20


def test_a_thousand_servers_stay_one_table(open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_FLEET_SIZE", "1000")
    big = get_fleet()
    big.deploy_next(999)
    app = open_page()
    no_exceptions(app)
    assert len(app.dataframe) == 1 and len(table(app)) == 1000
    assert {m.label: m.value for m in app.sidebar.metric}["전체"] == "1000"


def _open_alert(fleet: Fleet, host: str, rule: str, state: AlertState) -> None:
    server = fleet.resolve(host)
    fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
    assert fleet.store.open_alert(AlertRecord(
        rule_id=rule, kind=RuleKind.HOST_DOWN, server_id=server.id, hostname=host,
        severity=AlertSeverity.CRITICAL, state=state, starts_at=fleet.clock(),
        fired_at=fleet.clock() if state is AlertState.FIRING else None, notified=True)) is not None


def test_a_server_with_alerts_links_to_them_by_count_and_a_new_one_shows_at_the_next_rerun(
        open_page: OpenPage, deployed: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    # The process's evaluator stays idle, and one refresh interval spans the test: alerts do not
    # bump the store version, so only their counts in the shared table's key can make it new.
    monkeypatch.setenv("OPENMANAGER_ALERT_INTERVAL_SECONDS", "3600")
    monkeypatch.setenv("OPENMANAGER_REFRESH_SECONDS", "300")
    _open_alert(deployed, "web-prod-01", "host_down", AlertState.FIRING)
    _open_alert(deployed, "web-prod-01", "service_stopped", AlertState.PENDING)
    app = open_page()
    no_exceptions(app)
    links = table(app).set_index("hostname")["alerts"]
    assert parse_qs(urlparse(links["db-master-01"]).query)["active"] == ["0"]  # its history, and none now
    link = urlparse(links["web-prod-01"])
    assert link.path == "alerts"  # the alerts page's url_path, relative to the app's base
    assert parse_qs(link.query)["alert_server"] == ["web-prod-01"]
    shown = re.search(ALERT_COUNT, links["web-prod-01"])
    assert shown is not None and shown.group(1) == "2"  # the cell's text: firing and pending
    _open_alert(deployed, "db-master-01", "host_down", AlertState.FIRING)
    links = table(app.run()).set_index("hostname")["alerts"]
    assert parse_qs(urlparse(links["db-master-01"]).query) == {"alert_server": ["db-master-01"],
                                                               "active": ["1"]}
    # Followed, the link lands on the alerts page filtered to that server.
    alerts = open_page("views/alerts.py", alert_server="db-master-01")
    no_exceptions(alerts)
    assert next(s for s in alerts.selectbox if s.key == "alert_server").value == "db-master-01"
    assert "발생 1건 · 대기 0건" in texts(alerts)
