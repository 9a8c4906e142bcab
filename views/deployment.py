"""Deployment page: the catalogue comes online one server at a time, live, for every viewer.

The run itself lives in the store and the core's driver advances it; this page starts,
pauses and resets it, and shows what the store holds.
"""

from __future__ import annotations

import streamlit as st

from openmanager_core.fleet import DeploymentStatus
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.store import StoreUnavailable
from ui.access import may_change
from ui.components import server_cards, type_label
from ui.state import fleet_or_stop, lang, live_fragment, tr

MAX_CARDS = 20
POLL_SECONDS = 0.5  # every viewer sees a new count within this (plus one render)

fleet = fleet_or_stop()
interval = fleet.settings.deploy_interval_seconds


def start() -> None:
    try:
        fleet.start_deployment()
    except StoreUnavailable:
        st.error(tr("error.store"))


def pause() -> None:
    try:
        fleet.pause_deployment()
    except StoreUnavailable:
        st.error(tr("error.store"))


CONFIRMING_RESET = "deployment_confirming_reset"


def ask_reset() -> None:
    st.session_state[CONFIRMING_RESET] = True


def confirm_reset(count: int) -> None:
    """The reset question, inline under the buttons. Not a modal `st.dialog`: this page polls twice
    a second, and Streamlit's dialogs misbehave next to `run_every` fragments (streamlit#17011,
    #16901), closing or going dead under a presenter's click."""
    with st.container(border=True, key="reset_confirmation"):
        st.markdown(f"**{tr('deploy.reset_title')}**")
        st.write(tr("deploy.reset_question", count=count))
        with st.container(horizontal=True):
            confirmed = st.button(tr("deploy.reset_confirm"), type="primary", icon=":material/restart_alt:",
                                  key="reset_confirmed")
            cancelled = st.button(tr("deploy.reset_cancel"), key="reset_cancelled")
    if confirmed and not may_change():  # the key was dropped since the question was asked
        st.error(tr("access.reset_needs_key"))
    elif confirmed:
        try:
            fleet.reset()
        except StoreUnavailable:
            st.error(tr("error.store"))
            return
        del st.session_state[CONFIRMING_RESET]
        st.toast(tr("reset"))
        st.rerun()
    if cancelled:
        del st.session_state[CONFIRMING_RESET]
        st.rerun()


def live_progress(drawn_for: DeploymentStatus) -> None:
    """The count, bar and latest message: small, so every viewer can poll it twice a second.
    Reruns the page when the run was started, paused, reset or completed anywhere."""
    try:
        status = fleet.deployment_status()
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    state = status.state
    with st.container(key="deployment_progress"):
        st.metric(tr("deploy.progress", percent=state.progress),
                  f"{state.current_count} / {state.total_servers}")
        st.progress(state.progress)
    if state.is_complete:
        st.success(tr("complete"))
    elif state.current_count:
        st.info(tr("deployed", hostname=plain(fleet.catalogue.at(state.current_count).hostname)))
    else:
        st.caption(tr("deploy.empty"))
    if state.next_server_type is not None:
        st.caption(tr("deploy.next", type=type_label(state.next_server_type, lang())))
    if (status.running, state.is_complete) != (drawn_for.running, drawn_for.state.is_complete):
        st.rerun()  # after drawing the count: redraw the buttons, and the cards at the new pace


def live_cards() -> None:
    """A card per deployed server, newest first (top-left, so a projector shows it)."""
    try:  # the shared snapshot, and only the cards' servers composed: cheap to poll at any size
        deployed = fleet.page(lang(), 0, 0).matching
        servers = fleet.page(lang(), max(0, deployed - MAX_CARDS), MAX_CARDS).states[::-1]
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    if deployed > MAX_CARDS:
        st.caption(tr("deploy.latest_only", shown=MAX_CARDS, total=deployed))
    server_cards(servers, lang())


st.title(tr("deploy.title"))
if not fleet.source.simulated:
    st.info(tr("source.simulated_only", source=fleet.source.kind))
    st.stop()
st.caption(tr("deploy.caption", seconds=f"{interval:g}"))
try:
    current = fleet.deployment_status()
except StoreUnavailable:
    st.error(tr("error.store"))
    st.stop()

state = current.state
paused = not current.running and 0 < state.current_count < state.total_servers
with st.container(horizontal=True):
    st.button(tr("deploy.resume" if paused else "deploy.start"), icon=":material/play_arrow:",
              type="primary", disabled=current.running or state.is_complete, on_click=start)
    st.button(tr("deploy.pause"), icon=":material/pause:", disabled=not current.running, on_click=pause)
    allowed = may_change()
    st.button(tr("deploy.reset"), icon=":material/restart_alt:", disabled=not allowed,
              help=None if allowed else tr("access.reset_needs_key"), on_click=ask_reset)
    if current.running:  # inside the row, so the live region below keeps its place in the page
        st.caption(tr("deploy.running"))
question = st.container()  # always drawn, so the live regions below keep their place when it fills
if st.session_state.get(CONFIRMING_RESET):
    with question:
        confirm_reset(state.current_count)

live_fragment(live_progress, run_every=POLL_SECONDS)(current)
# The cards are the heavy part: redrawn once per deployment while it runs, else as the fleet page.
live_fragment(live_cards, run_every=interval if current.running else fleet.settings.refresh_seconds)()
