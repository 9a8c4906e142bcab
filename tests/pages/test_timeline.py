"""Timeline page: the events of the period asked, of one server or all, in the session's language; a
deep link's `?timeline_period=` and `?timeline_server=` choose, and a bad one is a plain message."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts

PAGE = "views/timeline.py"


def table_text(app: AppTest) -> str:
    return "\n".join(str(row) for frame in app.dataframe for row in frame.value.to_numpy().tolist())


def test_the_server_filter_keeps_its_events_only(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    leak = deployed.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.LOW)
    deployed.clear(leak.id)
    app = open_page(PAGE)
    no_exceptions(app)
    assert app.title[0].value == "타임라인"
    shown = table_text(app)
    assert "web-prod-01: CPU 급증 장애 시작 (심각도 높음)" in shown
    assert "db-master-01: 메모리 누수 장애 해제" in shown
    assert "이벤트 23건" in texts(app)  # 20 deployed, 2 started, 1 cleared

    app.selectbox(key="timeline_server").set_value("db-master-01").run()
    no_exceptions(app)
    shown = table_text(app)
    assert "db-master-01: 메모리 누수 장애 해제" in shown and "web-prod-01" not in shown
    assert "이벤트 3건" in texts(app)


def deep_link(open_page: OpenPage, lang: str = "en", **query: str) -> AppTest:
    """The page opened by a link carrying `query` (AppTest opens the default page first)."""
    app = open_page(lang=lang)
    for key, value in query.items():
        app.query_params[key] = value
    return app.switch_page(PAGE).run()


def test_a_deep_link_chooses_and_bad_values_are_plain_messages(open_page: OpenPage, deployed: Fleet) -> None:
    app = deep_link(open_page, timeline_period="2d", timeline_server="srv_002")
    no_exceptions(app)
    assert app.text_input(key="timeline_period").value == "2d"
    assert app.selectbox(key="timeline_server").value == "db-master-01"
    assert "db-master-01 deployed (#2)" in table_text(app)
    assert "timeline_server" not in app.query_params  # set once: the controls are the reader's again
    app.selectbox(key="timeline_server").set_value("web-prod-01").run()
    assert app.selectbox(key="timeline_server").value == "web-prod-01"
    app.query_params["timeline_server"] = "db-master-01"  # a second link in the same session
    app.run()
    assert app.selectbox(key="timeline_server").value == "db-master-01"

    app.text_input(key="timeline_period").set_value("40d").run()
    no_exceptions(app)
    assert "'40d' is not a period: write 30m, 3h or 2d, from 1 minute to 30 days." in texts(app)
    assert not app.dataframe
    app.text_input(key="timeline_period").set_value("**x**").run()
    assert "'\\*\\*x\\*\\*' is not a period" in texts(app)  # shown as typed, not as Markdown
    app = deep_link(open_page, timeline_period="x" * 5000)  # a link too long for the box: cut to it
    assert app.text_input(key="timeline_period").value == "x" * 40
    assert f"'{'x' * 40}' is not a period" in texts(app)
    app = deep_link(open_page, lang="ko", timeline_period="soon")
    assert ("'soon'은(는) 기간으로 읽을 수 없습니다. 30m, 3h, 2d처럼 1분에서 30일 사이로 적어 주세요."
            in texts(app))

    app = deep_link(open_page, timeline_server="db-mster-01")
    no_exceptions(app)
    assert "No server called 'db\\-mster\\-01': showing all servers." in texts(app)
    assert app.selectbox(key="timeline_server").value == ""


def test_a_server_page_links_to_its_timeline(open_page: OpenPage, deployed: Fleet) -> None:
    detail = open_page(server="db-master-01")
    no_exceptions(detail)
    [link] = [p for p in detail.get("page_link") if p.proto.label == "타임라인에서 보기"]
    assert link.proto.query_string == "timeline_server=db-master-01"
    assert link.proto.page == "timeline"
