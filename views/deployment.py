"""Deployment page: the catalogue comes online one server at a time, live, for every viewer."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from openmanager_core.models import DeploymentState
from openmanager_core.store import StoreUnavailable
from ui.access import may_change
from ui.components import plain, server_card, type_label
from ui.state import fleet_or_stop, lang, tr

RUNNING = "deployment_running"
MAX_CARDS = 20

fleet = fleet_or_stop()
interval = fleet.settings.deploy_interval_seconds


def set_running(value: bool) -> None:
    st.session_state[RUNNING] = value


def reset() -> None:
    st.session_state[RUNNING] = False
    try:
        fleet.reset()
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    st.toast(tr("reset"))


def advance(running: bool) -> DeploymentState:
    """Deploy the next server if this session is running and the last one is old enough.

    Passing the count makes the step idempotent, and the age check keeps the pace at one
    server per interval even when several browsers press start.
    """
    state = fleet.deployment()
    if running and not state.is_complete:
        deployed = fleet.deployed_servers()
        last = deployed[-1][1] if deployed else None
        if last is None or fleet.clock() - last >= timedelta(seconds=interval / 2):
            state = fleet.deploy_next(state.current_count).state
    return state


def live_region() -> None:
    """Progress, the latest message and a card per deployed server; reruns on its own."""
    running = bool(st.session_state.get(RUNNING))
    try:
        state = advance(running)
        servers = fleet.states(lang())
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    with st.container(key="deployment_progress"):
        st.metric(tr("deploy.progress", percent=state.progress),
                  f"{state.current_count} / {state.total_servers}")
        st.progress(state.progress)
    if state.is_complete:
        st.success(tr("complete"))
    elif servers:
        st.info(tr("deployed", hostname=plain(servers[-1].hostname)))
    else:
        st.caption(tr("deploy.empty"))
    if state.next_server_type is not None:
        st.caption(tr("deploy.next", type=type_label(state.next_server_type, lang())))
    if len(servers) > MAX_CARDS:
        st.caption(tr("deploy.latest_only", shown=MAX_CARDS, total=len(servers)))
    grid = st.grid("auto", min_column_width=260, border=True)
    for server in servers[-MAX_CARDS:]:
        with grid.cell():
            server_card(server, lang())
    if running and state.is_complete:
        st.session_state[RUNNING] = False
        st.rerun()


st.title(tr("deploy.title"))
st.caption(tr("deploy.caption", seconds=f"{interval:g}"))
try:
    current = fleet.deployment()
except StoreUnavailable:
    st.error(tr("error.store"))
    st.stop()

running = bool(st.session_state.get(RUNNING))
started = 0 < current.current_count < current.total_servers
with st.container(horizontal=True):
    st.button(tr("deploy.resume" if started else "deploy.start"), icon=":material/play_arrow:",
              type="primary", disabled=running or current.is_complete, on_click=set_running, args=(True,))
    st.button(tr("deploy.pause"), icon=":material/pause:", disabled=not running,
              on_click=set_running, args=(False,))
    allowed = may_change()
    st.button(tr("deploy.reset"), icon=":material/restart_alt:", on_click=reset, disabled=not allowed,
              help=None if allowed else tr("access.reset_needs_key"))

st.fragment(live_region, run_every=interval if running else fleet.settings.refresh_seconds)()
