"""End to end in headless Chromium: no lock-out with no key configured, and no way in by rebinding.

The app listens on every interface (`::`): Chromium at http://127.0.0.1 reaches it as
`::ffff:127.0.0.1` (this machine), at this machine's network address as a non-local browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from openmanager_core.settings import Settings
from tests.conftest import PAGE_TIMEOUT_MS, VIEWPORT, StartApp
from tests.e2e.conftest import WAIT_MS, open_page
from tests.services import CHROMIUM_ARGS, LiveServer, chromium_executable, non_loopback_address

NO_KEYS = {"OPENMANAGER_API_KEYS": "", "OPENMANAGER_READ_API_KEYS": "", "OPENMANAGER_SECRETS_FILES": "",
           "OPENMANAGER_OPEN_DEMO": "false", "OPENMANAGER_REFRESH_SECONDS": "1"}
REBINDING_HOST = "rebind.attacker.example"


@pytest.fixture
def served(streamlit_app: StartApp, tmp_path: Path) -> tuple[LiveServer, Fleet]:
    """The app with no key configured, 20 servers deployed, and a Fleet on the same store."""
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path / 'openmanager.db'}"))
    fleet.deploy_next(19)
    return streamlit_app(NO_KEYS, data_dir=tmp_path, address="::"), fleet


@pytest.fixture
def rebinding_page(browser: Browser) -> Iterator[Page]:
    """A browser whose DNS answers 127.0.0.1 for rebind.attacker.example, as a rebinding attack does."""
    rebound = browser.browser_type.launch(
        executable_path=chromium_executable(), headless=True,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBINDING_HOST} 127.0.0.1"])
    context = rebound.new_context(viewport=VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        rebound.close()


def inject_host_down(page: Page) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="장애 유형").click()
    page.get_by_role("option", name="호스트 다운").click()
    page.get_by_role("button", name="장애 주입").click()
    expect(page.get_by_text("장애를 주입했습니다")).to_be_visible(timeout=WAIT_MS)


def test_a_browser_on_this_machine_injects_with_no_key_configured(served: tuple[LiveServer, Fleet],
                                                                  page: Page) -> None:
    server, fleet = served
    open_page(page, f"{server.url}/incidents")  # http://127.0.0.1:<port>
    signed_in = page.get_by_test_id("stExpander").filter(has_text="이 서버 컴퓨터의 브라우저로 로그인됨")
    expect(signed_in).to_be_visible(timeout=WAIT_MS)
    inject_host_down(page)
    assert [incident.type for incident in fleet.incidents()] == [IncidentType.HOST_DOWN]
    # Unfolded only now: the form moving down under a pointer mid-animation loses clicks.
    signed_in.click()
    expect(page.get_by_label("관리자 API 키")).to_be_visible(timeout=WAIT_MS)  # still offered


def test_the_start_up_link_signs_a_browser_from_elsewhere_in(served: tuple[LiveServer, Fleet],
                                                             page: Page) -> None:
    server, fleet = served
    key = (server.data_dir / "admin-key").read_text().strip()
    elsewhere = f"http://{non_loopback_address()}:{server.port}"
    open_page(page, f"{elsewhere}/incidents")
    expect(page.get_by_text(str(server.data_dir / "admin-key"))).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_label("관리자 API 키")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="장애 주입")).to_have_count(0, timeout=WAIT_MS)

    open_page(page, f"{elsewhere}/incidents?token={key}")
    expect(page).to_have_url(re.compile(r"/incidents$"), timeout=WAIT_MS)  # the token left the URL
    expect(page.get_by_test_id("stExpander").filter(has_text="로그인됨")).to_be_visible(timeout=WAIT_MS)
    inject_host_down(page)
    assert len(fleet.incidents()) == 1


def test_a_rebinding_page_on_loopback_is_not_this_machine(served: tuple[LiveServer, Fleet],
                                                          rebinding_page: Page) -> None:
    server, fleet = served
    open_page(rebinding_page, f"http://{REBINDING_HOST}:{server.port}/incidents")
    expect(rebinding_page.get_by_label("관리자 API 키")).to_be_visible(timeout=WAIT_MS)
    expect(rebinding_page.get_by_role("button", name="장애 주입")).to_have_count(0, timeout=WAIT_MS)
    assert fleet.incidents() == []
