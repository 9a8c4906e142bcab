"""The incident and admin pages always offer the key field; the keys are the ones the API accepts."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.fleet import Fleet
from openmanager_core.runtime import get_keyring
from openmanager_core.security.keys import SIGN_IN_PARAMETER
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts
from ui.access import KEY_PANEL

ADMIN_KEY = "admin-key-0123456789abcdef"
READ_KEY = "read-key-0123456789abcdef"
INJECT = "장애 주입"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_API_KEYS", ADMIN_KEY)
    monkeypatch.setenv("OPENMANAGER_READ_API_KEYS", READ_KEY)
    monkeypatch.setenv("OPENMANAGER_SECRETS_FILES", "")


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_SECRETS_FILES", "")


@pytest.fixture
def open_demo(no_keys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_OPEN_DEMO", "true")


def enter_key(app: AppTest, key: str) -> AppTest:
    app.text_input(key="admin_key_input").input(key)
    return app.get("form_submit_button")[0].click().run()


def inject_button_shown(app: AppTest) -> bool:
    return any(b.label == INJECT for b in app.get("button"))


def generated_key() -> str:
    generated = get_keyring().generated
    assert generated is not None
    return generated.key.get_secret_value()


@pytest.mark.parametrize("page", ["views/incidents.py", "views/admin.py"])
def test_pages_that_change_things_need_an_admin_key(keys: None, open_page: OpenPage, deployed: Fleet,
                                                     page: str) -> None:
    app = open_page(page)
    no_exceptions(app)
    assert app.text_input(key="admin_key_input").label == "관리자 API 키"
    assert not inject_button_shown(app)
    app = enter_key(app, "not-the-key-at-all-000")
    assert "API 키가 올바르지 않습니다." in [e.value for e in app.error]
    app = enter_key(app, READ_KEY)
    assert "읽기 전용 키로는 변경할 수 없습니다." in [e.value for e in app.error]
    app = enter_key(app, ADMIN_KEY)
    no_exceptions(app)
    key_id = get_keyring().match(ADMIN_KEY).key_id  # type: ignore[union-attr]
    assert [e.label for e in app.expander][:1] == [f"관리자 키 {key_id}로 로그인됨"]  # the admin page's
    # alert-channel panel may follow it
    assert not app.get("text_input")  # folded: the field is sent once unfolded
    app.session_state[KEY_PANEL] = True  # unfolded, as a click does
    app.run()
    assert app.text_input(key="admin_key_input").label == "관리자 API 키"  # still offered
    assert inject_button_shown(app) is (page == "views/incidents.py")


def test_reset_needs_the_key_too(keys: None, open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page("views/deployment.py")
    no_exceptions(app)
    reset = next(b for b in app.get("button") if b.label == "초기화")
    assert reset.disabled and "맨 위의 키 입력란" in reset.help
    app = app.switch_page("views/incidents.py").run()
    app = enter_key(app, ADMIN_KEY)
    app = app.switch_page("views/deployment.py").run()
    assert not next(b for b in app.get("button") if b.label == "초기화").disabled


def test_without_keys_a_session_from_elsewhere_is_told_where_the_generated_key_is(
        no_keys: None, open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page("views/incidents.py", signed_in=False)
    no_exceptions(app)
    assert not inject_button_shown(app)
    assert str(get_keyring().generated.path) in texts(app)  # type: ignore[union-attr]
    app = enter_key(app, generated_key())
    no_exceptions(app)
    assert inject_button_shown(app)


def test_the_sign_in_link_works_on_any_page_and_leaves_the_address_bar(
        no_keys: None, open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page("views/incidents.py", signed_in=False)
    app.query_params[SIGN_IN_PARAMETER] = "wrong-token-0123456789"
    app = app.switch_page("views/fleet.py").run()
    assert "API 키가 올바르지 않습니다." in [e.value for e in app.error]
    assert SIGN_IN_PARAMETER not in app.query_params
    app.query_params[SIGN_IN_PARAMETER] = generated_key()
    app = app.run()
    assert SIGN_IN_PARAMETER not in app.query_params
    assert "로그인 링크로 관리자 키가 확인되었습니다." in [t.value for t in app.toast]
    app = app.switch_page("views/incidents.py").run()
    assert inject_button_shown(app)


def test_open_demo_opens_incidents_and_reset_but_not_the_admin_page(
        open_demo: None, open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page("views/incidents.py", signed_in=False)
    no_exceptions(app)
    assert inject_button_shown(app)
    assert [e.label for e in app.expander] == ["공개 데모: 누구나 변경 가능 (관리자 키 입력)"]
    app = app.switch_page("views/deployment.py").run()
    assert not next(b for b in app.get("button") if b.label == "초기화").disabled
    app = app.switch_page("views/admin.py").run()
    assert app.text_input(key="admin_key_input").label == "관리자 API 키"
    assert not app.expander and not app.get("plotly_chart")
