"""Deployment page: start, pause, reset, progress and a card per server, all from the store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from openmanager_core.fleet import Fleet
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts

PAGE = "views/deployment.py"


@pytest.fixture(autouse=True)
def fast_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fragment run may deploy the next server (the pace check passes at once)."""
    monkeypatch.setenv("OPENMANAGER_DEPLOY_INTERVAL_SECONDS", "0.001")


def button(app: AppTest, label: str) -> Button:
    return next(b for b in app.button if b.label == label)


def test_empty_fleet_shows_zero_of_twenty_and_a_start_button(open_page: OpenPage) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert app.title[0].value == "인프라 배포"
    assert "0 / 20" in texts(app)
    assert not button(app, "배포 시작").disabled
    assert button(app, "일시 정지").disabled


def test_start_deploys_in_catalogue_order_until_complete(open_page: OpenPage, fleet: Fleet) -> None:
    app = open_page(PAGE)
    button(app, "배포 시작").click().run()
    no_exceptions(app)
    assert fleet.deployment().current_count == 1
    assert "⚡ web\\-prod\\-01 서버 배포됨" in texts(app)
    app.run()
    assert fleet.deployment().current_count == 2
    assert "⚡ db\\-master\\-01 서버 배포됨" in texts(app)
    for _ in range(30):
        if fleet.deployment().is_complete:
            break
        app.run()
    app.run()
    no_exceptions(app)
    assert fleet.deployment().current_count == 20
    assert "🎉 모든 서버 배포 완료!" in texts(app)
    assert "20 / 20" in texts(app)
    assert button(app, "배포 시작").disabled  # complete, and the session stopped running
    assert "db\\-master\\-01" in texts(app) and "mysql:3306" in texts(app)


def test_pause_stops_and_resume_continues(open_page: OpenPage, fleet: Fleet) -> None:
    app = open_page(PAGE)
    button(app, "배포 시작").click().run()
    button(app, "일시 정지").click().run()
    paused_at = fleet.deployment().current_count
    app.run()
    app.run()
    assert fleet.deployment().current_count == paused_at
    assert not button(app, "배포 재개").disabled
    button(app, "배포 재개").click().run()
    assert fleet.deployment().current_count == paused_at + 1


def test_reset_empties_the_fleet(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    assert "20 / 20" in texts(app)
    button(app, "초기화").click().run()
    no_exceptions(app)
    assert deployed.deployment().current_count == 0
    assert "0 / 20" in texts(app)


def test_another_session_sees_the_same_fleet(open_page: OpenPage, fleet: Fleet) -> None:
    presenter = open_page(PAGE)
    button(presenter, "배포 시작").click().run()
    presenter.run()
    viewer = open_page(PAGE)
    assert "2 / 20" in texts(viewer)
    assert fleet.deployment().current_count == 2  # watching deploys nothing


def test_english_page(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE, lang="en")
    no_exceptions(app)
    assert "🎉 All servers deployed!" in texts(app)
    assert "20 / 20" in texts(app)
