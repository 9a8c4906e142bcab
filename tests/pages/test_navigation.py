"""The frame: grouped pages, sidebar fleet counts, the language switch and `?lang=`."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from openmanager_core.fleet import Fleet
from openmanager_core.i18n import t
from openmanager_core.models import IncidentType, Severity
from openmanager_core.runtime import get_agent, get_fleet
from openmanager_core.settings import get_settings
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts, widget_texts
from tests.services import free_port


def sidebar_text(app: AppTest) -> str:
    return "\n".join([str(m.value) for m in app.sidebar.markdown]
                     + [f"{m.label} {m.value}" for m in app.sidebar.metric])


def test_sidebar_counts_come_from_the_fleet(open_page: OpenPage, deployed: Fleet) -> None:
    deployed.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    app = open_page()
    no_exceptions(app)
    text = sidebar_text(app)
    assert "전체 20" in text
    assert "정상 **19**" in text and "오프라인 **1**" in text


def test_default_language_is_korean_and_the_switch_changes_it(open_page: OpenPage) -> None:
    app = open_page()
    assert app.title[0].value == "서버 현황"
    app.sidebar.segmented_control(key="lang").set_value("en").run()
    no_exceptions(app)
    assert app.title[0].value == "Fleet"
    assert app.query_params["lang"] == "en"
    assert "Total 0" in sidebar_text(app)


def test_lang_query_parameter_chooses_english_on_every_page(open_page: OpenPage) -> None:
    app = open_page(lang="en")
    assert app.title[0].value == "Fleet"
    for page, title in (("views/deployment.py", "Infrastructure deployment"),
                        ("views/incidents.py", "Incidents")):
        app.switch_page(page).run()
        no_exceptions(app)
        assert app.title[0].value == title


def test_unknown_lang_falls_back_to_korean(open_page: OpenPage) -> None:
    app = open_page(lang="<b>fr</b>")
    no_exceptions(app)
    assert app.title[0].value == "서버 현황"


def test_a_store_that_cannot_be_reached_is_a_message_on_every_page(open_page: OpenPage,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://nobody:x@127.0.0.1:{free_port()}/none")
    get_settings.cache_clear()
    get_fleet.cache_clear()
    get_agent.cache_clear()
    for page in (None, "views/deployment.py", "views/incidents.py", "views/ai.py", "views/admin.py"):
        app = open_page(page)
        no_exceptions(app)
        assert any("저장소에 연결할 수 없습니다" in e.value for e in app.error)


@pytest.mark.parametrize("page", [None, "views/deployment.py", "views/incidents.py", "views/ai.py",
                                  "views/admin.py"])
def test_english_pages_hold_no_korean(open_page: OpenPage, deployed: Fleet, page: str | None) -> None:
    deployed.inject(IncidentType.DISK_FULL, "db-master-01", Severity.HIGH)
    get_agent().ask("why is db-master-01 slow?")
    app = open_page(page, lang="en")
    no_exceptions(app)
    shown = f"{texts(app)}\n{widget_texts(app)}".replace(t("nav.language", "en"), "").replace("한국어", "")
    # Any Hangul at all, not a line's main language: one Korean word in an English line is a miss too.
    assert [line for line in shown.splitlines() if re.search("[가-힣]", line)] == []


PAGES = [None, "views/deployment.py", "views/incidents.py", "views/ai.py", "views/admin.py"]


def _corrupt(fleet: Fleet, statement: str) -> None:
    """Change the store behind the app's back, the way a bad migration or a stray tool would."""
    with fleet.store.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def _unexpected_shown(elements: Sequence[Element], lang: str = "ko") -> bool:
    return any(e.value == t("error.unexpected", lang) for e in elements)


@pytest.mark.parametrize("page", PAGES)
def test_a_corrupted_incident_row_is_a_message_never_an_exception(open_page: OpenPage, deployed: Fleet,
                                                                  page: str | None) -> None:
    """A row the core cannot read makes the fleet's states raise; the sidebar (and each page that
    shows the fleet, from its live fragment) says so in the session's language and goes on."""
    deployed.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    _corrupt(deployed, "UPDATE incidents SET type = 'meteor'")
    app = open_page(page, lang="en")
    no_exceptions(app)
    if page != "views/admin.py":  # with no AI records yet the admin page ends before the sidebar counts
        assert _unexpected_shown(app.sidebar.error, "en")
    if page in (None, "views/incidents.py", "views/deployment.py"):
        assert _unexpected_shown(app.main.error, "en")
    assert app.title, "the page itself still draws"


def test_a_page_that_fails_at_its_top_shows_a_message_and_the_frame_stays(open_page: OpenPage,
                                                                          deployed: Fleet) -> None:
    """The deployment run's row gone: the deployment page fails before any fragment, the page
    guard shows the message, and the sidebar and language switch still work."""
    _corrupt(deployed, "DELETE FROM deployment_run")
    app = open_page("views/deployment.py")
    no_exceptions(app)
    assert _unexpected_shown(app.main.error)
    app.sidebar.segmented_control(key="lang").set_value("en").run()
    no_exceptions(app)
    assert _unexpected_shown(app.main.error, "en")
