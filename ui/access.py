"""Who may change things from the UI: the same API keys the HTTP API accepts."""

from __future__ import annotations

import streamlit as st

from openmanager_core.security.keys import KeyRing, load_keyring
from openmanager_core.settings import get_settings
from ui.state import tr

SESSION_KEY = "admin_key_id"
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


@st.cache_resource
def keyring() -> KeyRing:
    return load_keyring(get_settings())


def _browser_is_local() -> bool:
    """Streamlit reports no address (None) for a loopback browser and a string otherwise;
    a session with no connection at all (AppTest) has neither. A proxy in between is not local."""
    headers = {k.lower() for k in st.context.headers}
    remote = isinstance(st.context.ip_address, str)
    return not remote and not any(h in headers for h in FORWARDING_HEADERS)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def may_change() -> bool:
    """Whether this session may change things right now, without asking."""
    ring = keyring()
    if _oidc_configured() and st.user.is_logged_in:
        return True
    if not ring.configured:
        return _browser_is_local()
    held = st.session_state.get(SESSION_KEY)
    return held is not None and ring.get(held) is not None


def require_admin() -> None:
    """Stop the page unless this session may change things.

    With keys configured, the session must enter an admin key (or sign in with `st.login`
    when OIDC is set up in secrets); with none, only a browser on this machine may, which
    is the rule the API applies to its own change endpoints.
    """
    if may_change():
        return
    ring = keyring()
    if not ring.configured:
        st.warning(tr("access.loopback_only"))
        st.stop()
    st.info(tr("access.prompt"))
    with st.form("admin_key_form"):
        presented = st.text_input(tr("access.key"), type="password", key="admin_key_input")
        submitted = st.form_submit_button(tr("access.unlock"))
    if submitted:
        key = ring.match(presented)
        if key is None:
            st.error(tr("access.wrong_key"))
        elif key.scope != "admin":
            st.error(tr("access.read_only_key"))
        else:
            st.session_state[SESSION_KEY] = key.key_id
            st.rerun()
    if _oidc_configured():
        st.button(tr("access.login"), on_click=st.login)
    st.stop()
