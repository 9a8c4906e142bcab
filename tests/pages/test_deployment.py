"""Deployment page: start, pause, reset, progress and a card per server, all from the store.

The run lives in the store and the core's driver advances it; here the interval is long, so
the test steps the run itself with `DeploymentDriver.tick` at a moment past the interval.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from openmanager_core import thresholds
from openmanager_core.deployment import DeploymentDriver
from openmanager_core.fleet import Fleet
from openmanager_core.i18n import t
from openmanager_core.models import Server, Status
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts
from ui.components import CARD_COLOUR, STATUS_COLOR, metric_title, server_card_html

PAGE = "views/deployment.py"
INTERVAL = 60


@pytest.fixture(autouse=True)
def slow_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's own driver never finds a step due during a test; the test steps."""
    monkeypatch.setenv("OPENMANAGER_DEPLOY_INTERVAL_SECONDS", str(INTERVAL))


def button(app: AppTest, label: str) -> Button:
    return next(b for b in app.button if b.label == label)


def step(fleet: Fleet) -> Server | None:
    """What the driver does once an interval has passed since the last deployment."""
    last = fleet.store.deployment_run().last_deployed_at or fleet.clock()
    return DeploymentDriver(fleet).tick(last + timedelta(seconds=INTERVAL))


def cards(app: AppTest) -> list[str]:
    """The server cards' HTML, in page order."""
    return [h.proto.body for h in app.get("html") if 'class="om-card"' in h.proto.body]


def card_hostnames(app: AppTest) -> list[str]:
    return [re.search(r"<strong>(.*?)</strong>", card).group(1) for card in cards(app)]


def test_empty_fleet_shows_zero_of_twenty_and_a_start_button(open_page: OpenPage) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert app.title[0].value == "인프라 배포"
    assert "0 / 20" in texts(app)
    assert not button(app, "배포 시작").disabled
    assert button(app, "일시 정지").disabled


def test_start_runs_the_deployment_in_the_core_newest_card_first(open_page: OpenPage,
                                                                fleet: Fleet) -> None:
    app = open_page(PAGE)
    button(app, "배포 시작").click().run()
    no_exceptions(app)
    assert fleet.deployment_status().running and fleet.deployment().current_count == 1
    assert "⚡ web\\-prod\\-01 서버 배포됨" in texts(app)
    assert "배포 진행 중" in texts(app) and button(app, "배포 시작").disabled
    assert step(fleet).hostname == "db-master-01"
    app.run()
    assert "⚡ db\\-master\\-01 서버 배포됨" in texts(app)
    assert card_hostnames(app) == ["db-master-01", "web-prod-01"]  # newest top-left
    while step(fleet) is not None:
        pass
    app.run()
    no_exceptions(app)
    assert fleet.deployment().current_count == 20 and not fleet.deployment_status().running
    assert "🎉 모든 서버 배포 완료!" in texts(app)
    assert "20 / 20" in texts(app)
    assert button(app, "배포 시작").disabled and button(app, "일시 정지").disabled
    assert card_hostnames(app)[0] == "staging-web-01" and len(cards(app)) == 20
    assert any("db-master-01" in card and "mysql:3306" in card for card in cards(app))


def test_pause_stops_the_run_and_resume_continues(open_page: OpenPage, fleet: Fleet) -> None:
    app = open_page(PAGE)
    button(app, "배포 시작").click().run()
    button(app, "일시 정지").click().run()
    assert not fleet.deployment_status().running
    assert step(fleet) is None and fleet.deployment().current_count == 1
    assert not button(app, "배포 재개").disabled and button(app, "일시 정지").disabled
    button(app, "배포 재개").click().run()
    assert fleet.deployment_status().running
    assert step(fleet).hostname == "db-master-01"


def test_reset_asks_first(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    assert "20 / 20" in texts(app)
    button(app, "초기화").click().run()
    no_exceptions(app)
    assert any("배포된 서버 20대가 모두 내려가고" in m.value for m in app.markdown)
    assert deployed.deployment().current_count == 20  # nothing happens before the confirmation


def test_another_session_sees_the_same_run(open_page: OpenPage, fleet: Fleet) -> None:
    presenter = open_page(PAGE)
    button(presenter, "배포 시작").click().run()
    step(fleet)
    viewer = open_page(PAGE)
    assert "2 / 20" in texts(viewer)
    assert not button(viewer, "일시 정지").disabled  # the run is the server's, not the presenter's
    button(viewer, "일시 정지").click().run()
    presenter.run()
    assert not fleet.deployment_status().running and button(presenter, "일시 정지").disabled


def test_english_page(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE, lang="en")
    no_exceptions(app)
    assert "🎉 All servers deployed!" in texts(app)
    assert "20 / 20" in texts(app)


def test_a_card_draws_the_servers_own_figures_escaped(deployed: Fleet) -> None:
    """The card's bars are the server's metrics at the level the thresholds give; names are text."""
    state = deployed.page("en", 0, 1).states[0]
    assert state.metrics is not None
    metrics = state.metrics.model_copy(update={"cpu": 91.26, "memory": 42.0})
    shown = state.model_copy(update={"hostname": "<img src=x onerror=alert(1)>", "metrics": metrics})
    card = server_card_html(shown, "en")
    assert "<img" not in card and "&lt;img src=x onerror=alert(1)&gt;" in card
    for key, value in (("cpu", 91.26), ("memory", 42.0)):
        colour = CARD_COLOUR[STATUS_COLOR[thresholds.level(key, value, shown.type)]]
        title = metric_title(key, "en")
        assert f'<span style="color:{colour};font-weight:600">{title}</span> {value:.1f}%' in card
        assert (f'aria-label="{title}" aria-valuemin="0" aria-valuemax="100" '
                f'aria-valuenow="{value:.1f}"') in card
    assert thresholds.level("cpu", 91.26, shown.type) is Status.CRITICAL and CARD_COLOUR["red"] in card
    for service in shown.services:
        assert f"{service.name}:{service.port}" in card
    down = server_card_html(shown.model_copy(update={"metrics": None}), "en")
    assert t("card.no_metrics", "en") in down and "progressbar" not in down
