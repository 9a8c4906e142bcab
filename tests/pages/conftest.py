"""AppTest harness: the real navigation script over a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from openmanager_core.fleet import Fleet
from openmanager_core.runtime import get_agent, get_fleet, get_keyring
from openmanager_core.security.keys import SIGN_IN_PARAMETER
from openmanager_core.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
NAVIGATION = REPO_ROOT / "navigation.py"
TIMEOUT = 60

OpenPage = Callable[..., AppTest]


def _forget_shared_objects() -> None:
    """Settings, fleet, agent and every cache_resource are per process: drop them between tests."""
    get_settings.cache_clear()
    get_fleet.cache_clear()
    get_agent.cache_clear()
    get_keyring.cache_clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """DATABASE_URL at a fresh SQLite file, set before anything reads the settings."""
    path = tmp_path / "openmanager.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    _forget_shared_objects()
    yield path
    _forget_shared_objects()


@pytest.fixture
def fleet(store: Path) -> Fleet:
    """The same Fleet object the pages use (through the process-wide runtime)."""
    return get_fleet()


@pytest.fixture
def deployed(fleet: Fleet) -> Fleet:
    """The whole 20-server catalogue deployed."""
    fleet.deploy_next(fleet.total - 1)
    return fleet


@pytest.fixture
def open_page() -> OpenPage:
    """``open_page("views/fleet.py", server="db-master-01")``: run the app on that page with a query.

    An AppTest session has no browser connection, so it is not "this machine"; with no key
    configured it signs in (unless `signed_in=False`) the way a presenter does, by the start-up
    log's `?token=` link.
    """

    def open_(page: str | None = None, *, signed_in: bool = True, **query: str) -> AppTest:
        app = AppTest.from_file(str(NAVIGATION), default_timeout=TIMEOUT)
        generated = get_keyring().generated
        if signed_in and generated is not None:
            app.query_params[SIGN_IN_PARAMETER] = generated.key.get_secret_value()
        for key, value in query.items():
            app.query_params[key] = value
        app.run()
        if page is not None:
            app.switch_page(page).run()
        return app

    return open_
