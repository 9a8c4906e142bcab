"""Who may change things from the UI: the same keys and the same loopback rule as the HTTP API."""

from __future__ import annotations

import streamlit as st

from openmanager_core.runtime import get_keyring
from openmanager_core.security.keys import SIGN_IN_PARAMETER, ApiKey
from openmanager_core.security.loopback import is_local_peer
from openmanager_core.settings import get_settings
from ui.state import tr

SESSION_KEY = "admin_key_id"
KEY_PANEL = "admin_key_panel"  # its value: whether the folded key field is open
STREAMLIT_LOOPBACK = "127.0.0.1"  # st.context.ip_address reports 127.0.0.1 and ::1 as None


def _browser_is_local() -> bool:
    """The websocket's peer and its handshake headers (Host, Origin, forwarding) judged by the
    one loopback rule. With no connection behind the session (AppTest) there are no headers,
    so it is not local."""
    address = st.context.ip_address
    return is_local_peer(address if isinstance(address, str) else STREAMLIT_LOOPBACK,
                         st.context.headers.items())


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _held_key() -> ApiKey | None:
    held = st.session_state.get(SESSION_KEY)
    return None if held is None else get_keyring().get(held)


def is_admin() -> bool:
    """Whether this session may use the admin page: a key, an OIDC login, or this machine when
    the operator configured no key."""
    if _held_key() is not None or (_oidc_configured() and st.user.is_logged_in):
        return True
    return get_keyring().trusts_loopback and _browser_is_local()


def may_change() -> bool:
    """Whether this session may change the demo fleet (reset, incidents): an admin, or anyone
    when the operator chose `OPENMANAGER_OPEN_DEMO`."""
    return get_settings().open_demo or is_admin()


def _sign_in(presented: str) -> str | None:
    """Hold `presented` in the session if it is an admin key; otherwise the reason it is not."""
    key = get_keyring().match(presented)
    if key is None:
        return tr("access.wrong_key")
    if key.scope != "admin":
        return tr("access.read_only_key")
    st.session_state[SESSION_KEY] = key.key_id
    return None


def sign_in_from_link() -> None:
    """`?token=<key>` on any page (the start-up log's link) signs the session in; the token then
    leaves the address bar."""
    presented = st.query_params.get(SIGN_IN_PARAMETER)
    if presented is None:
        return
    del st.query_params[SIGN_IN_PARAMETER]
    problem = _sign_in(presented)
    if problem is None:
        st.toast(tr("access.signed_in_by_link"), icon=":material/key:")
    else:
        st.error(problem)


def _who() -> str:
    """How this session is allowed in, said in the key panel's title."""
    if _held_key() is not None:
        return tr("access.as_key", key_id=st.session_state[SESSION_KEY])
    if _oidc_configured() and st.user.is_logged_in:
        return tr("access.as_user")
    if get_keyring().trusts_loopback and _browser_is_local():
        return tr("access.as_this_machine")
    return tr("access.as_open_demo")


def _key_form() -> None:
    with st.form("admin_key_form"):
        presented = st.text_input(tr("access.key"), type="password", key="admin_key_input")
        submitted = st.form_submit_button(tr("access.unlock"))
    if submitted:
        problem = _sign_in(presented)
        if problem is None:
            st.rerun()
        st.error(problem)


def _gate(allowed: bool) -> None:
    """The key field, always: folded under who this session is when allowed (sent only once
    unfolded, so a visit does not pay for a form nobody opened), else the page stops."""
    if allowed:
        panel = st.expander(_who(), icon=":material/key:", key=KEY_PANEL, on_change="rerun")
        if panel.open:
            with panel:
                _key_form()
        return
    ring = get_keyring()
    if ring.trusts_loopback and ring.generated is not None:
        st.info(tr("access.prompt_generated", path=str(ring.generated.path)))
    elif ring.trusts_loopback:
        st.warning(tr("access.loopback_only"))
    else:
        st.info(tr("access.prompt"))
    _key_form()
    if _oidc_configured():
        st.button(tr("access.login"), on_click=st.login)
    st.stop()


def require_change() -> None:
    """Top of the incidents page: stop unless this session may change the demo fleet."""
    _gate(may_change())


def require_admin() -> None:
    """Top of the admin page: stop unless this session is an admin (`open_demo` does not count)."""
    _gate(is_admin())


def rate_limit_client() -> str:
    """Whose budget this session's AI questions draw on, named as the API's limiter names clients:
    the signed-in key, the OIDC user, else the websocket's peer address."""
    key = _held_key()
    if key is not None:
        return f"key:{key.key_id}"
    if _oidc_configured() and st.user.is_logged_in:
        return f"user:{st.user.get('sub') or st.user.get('email')}"
    address = st.context.ip_address
    return f"ip:{address if isinstance(address, str) else STREAMLIT_LOOPBACK}"
