"""Incidents page: inject any type on any server with a severity and start, list, clear."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity, Status
from openmanager_core.runtime import get_fleet
from openmanager_core.settings import get_settings
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts

PAGE = "views/incidents.py"


def inject(app: AppTest, kind: IncidentType, hostname: str, severity: Severity,
           minutes_ago: int = 0) -> AppTest:
    """Fill the form the way a presenter would and press 장애 주입."""
    app.selectbox(key="incident_type").set_value(kind)
    app.selectbox(key="incident_server").set_value(hostname)
    app.segmented_control(key="incident_severity").set_value(severity)
    app.number_input(key="incident_backdate").set_value(minutes_ago)
    return next(b for b in app.get("button") if b.label == "장애 주입").click().run()


def test_every_type_can_be_injected_and_changes_the_server(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert app.selectbox(key="incident_type").options == [
        "CPU 급증", "메모리 누수", "디스크 가득 참", "네트워크 혼잡", "서비스 중단", "호스트 다운"]
    inject(app, IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    no_exceptions(app)
    assert "💥 db\\-master\\-01 서버에 호스트 다운 장애를 주입했습니다." in texts(app)
    assert deployed.state("db-master-01").status is Status.OFFLINE
    for kind in IncidentType:
        inject(app, kind, "web-prod-01", Severity.LOW)
        no_exceptions(app)
    assert len(deployed.incidents()) == 1 + len(IncidentType)
    assert "진행 중인 장애 (7)" in texts(app)


def test_backdated_start(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    inject(app, IncidentType.DISK_FULL, "backup-storage-01", Severity.HIGH, minutes_ago=180)
    incident = deployed.incidents()[0]
    age = deployed.clock() - incident.started_at
    assert timedelta(minutes=179) < age < timedelta(minutes=181)
    assert deployed.state("backup-storage-01").status is Status.CRITICAL


def test_clear_one_then_all(open_page: OpenPage, deployed: Fleet) -> None:
    first = deployed.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    deployed.inject(IncidentType.MEMORY_LEAK, "db-master-01")
    deployed.inject(IncidentType.SERVICE_DOWN, "api-gateway-prod")
    app = open_page(PAGE)
    assert "진행 중인 장애 (3)" in texts(app)
    app.button(key=f"clear-{first.id}").click().run()
    no_exceptions(app)
    assert [i.hostname for i in deployed.incidents()] == ["db-master-01", "api-gateway-prod"]
    assert "진행 중인 장애 (2)" in texts(app)
    app.button(key="clear_all").click().run()
    no_exceptions(app)
    assert deployed.incidents() == []
    assert "진행 중인 장애가 없습니다." in texts(app)


def test_undeployed_servers_are_marked(open_page: OpenPage, fleet: Fleet) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert "배포된 서버가 없습니다" in texts(app)
    assert app.selectbox(key="incident_server").options[0] == "web-prod-01 (미배포)"
    fleet.deploy_next()
    app.run()
    assert app.selectbox(key="incident_server").options[:2] == ["web-prod-01", "db-master-01 (미배포)"]


def test_a_second_incident_of_a_type_on_a_server_is_refused_with_a_message(open_page: OpenPage,
                                                                           deployed: Fleet) -> None:
    app = open_page(PAGE)
    inject(app, IncidentType.CPU_SPIKE, "web-prod-01", Severity.LOW)
    inject(app, IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    no_exceptions(app)
    assert any(w.value.startswith("web\\-prod\\-01 서버에는 이미 CPU 급증 장애가 진행 중입니다")
               for w in app.warning)
    assert [(i.type, i.severity) for i in deployed.incidents()] == [(IncidentType.CPU_SPIKE, Severity.LOW)]


def test_past_the_fleet_cap_the_page_says_so(open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_MAX_ACTIVE_INCIDENTS", "2")
    get_settings.cache_clear()
    get_fleet.cache_clear()
    fleet = get_fleet()
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(IncidentType.HOST_DOWN, "web-prod-01")
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01")
    app = open_page(PAGE)
    inject(app, IncidentType.DISK_FULL, "backup-storage-01", Severity.HIGH)
    no_exceptions(app)
    assert [w.value for w in app.warning] == [
        "진행 중인 장애가 이미 2개로 최대입니다. 몇 개를 해제한 뒤 주입하세요."]
    assert len(fleet.incidents()) == 2
