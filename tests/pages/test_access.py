"""The incident and admin pages ask for the same admin key the API accepts."""

from __future__ import annotations

import pytest

from openmanager_core.fleet import Fleet
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions

ADMIN_KEY = "admin-key-0123456789abcdef"
READ_KEY = "read-key-0123456789abcdef"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_API_KEYS", ADMIN_KEY)
    monkeypatch.setenv("OPENMANAGER_READ_API_KEYS", READ_KEY)
    monkeypatch.setenv("OPENMANAGER_SECRETS_FILES", "")


@pytest.mark.parametrize("page", ["views/incidents.py", "views/admin.py"])
def test_pages_that_change_things_need_an_admin_key(keys: None, open_page: OpenPage, deployed: Fleet,
                                                     page: str) -> None:
    app = open_page(page)
    no_exceptions(app)
    assert app.text_input(key="admin_key_input").label == "관리자 API 키"
    assert not any(b.label == "장애 주입" for b in app.get("button"))
    app.text_input(key="admin_key_input").input("not-the-key-at-all-000")
    app = app.get("form_submit_button")[0].click().run()
    assert "API 키가 올바르지 않습니다." in [e.value for e in app.error]
    app.text_input(key="admin_key_input").input(READ_KEY)
    app = app.get("form_submit_button")[0].click().run()
    assert "읽기 전용 키로는 변경할 수 없습니다." in [e.value for e in app.error]
    app.text_input(key="admin_key_input").input(ADMIN_KEY)
    app = app.get("form_submit_button")[0].click().run()
    no_exceptions(app)
    assert not app.get("text_input") or all(t.key != "admin_key_input" for t in app.text_input)
    if page == "views/incidents.py":
        assert any(b.label == "장애 주입" for b in app.get("button"))


def test_reset_needs_the_key_too(keys: None, open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page("views/deployment.py")
    no_exceptions(app)
    assert next(b for b in app.get("button") if b.label == "초기화").disabled
    app = app.switch_page("views/incidents.py").run()
    app.text_input(key="admin_key_input").input(ADMIN_KEY)
    app = app.get("form_submit_button")[0].click().run()
    app = app.switch_page("views/deployment.py").run()
    assert not next(b for b in app.get("button") if b.label == "초기화").disabled
