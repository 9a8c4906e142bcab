"""Incidents page: how a presenter drives a demo. Inject a failure, watch the fleet, clear it."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from openmanager_core.fleet import MAX_HISTORY_MINUTES
from openmanager_core.i18n import t
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.models import IncidentType, Severity
from openmanager_core.store import IncidentExists, StoreUnavailable, TooManyIncidents
from ui.access import require_change
from ui.components import local_time
from ui.state import fleet_or_stop, lang, live_fragment, tr, translated

fleet = fleet_or_stop()


def clear(incident_id: int | None) -> None:
    """Clear one incident, or every active one when `incident_id` is None."""
    try:
        cleared = fleet.clear(incident_id)
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    st.toast(tr("incidents.cleared", n=cleared))


def active_list() -> None:
    """The active incidents, refreshed on their own so other presenters' changes show up."""
    try:
        incidents = fleet.incidents()
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(tr("incidents.active", n=len(incidents)), anchor=False, width="content")
        st.button(tr("incidents.clear_all"), icon=":material/clear_all:", disabled=not incidents,
                  on_click=clear, args=(None,), key="clear_all")
    if not incidents:
        st.caption(tr("incidents.none"))
    for incident in incidents:
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(tr("incidents.row", type=tr(f"incident.{incident.type.value}"),
                           hostname=plain(incident.hostname),
                           severity=tr(f"severity.{incident.severity.value}"),
                           since=local_time(incident.started_at)), width="stretch")
            st.page_link("views/fleet.py", label=tr("incidents.open_server"), icon=":material/dns:",
                         query_params={"server": incident.hostname})
            st.button(tr("incidents.clear"), icon=":material/check:", key=f"clear-{incident.id}",
                      on_click=clear, args=(incident.id,))


st.title(tr("nav.incidents"))
if not fleet.source.simulated:
    st.info(tr("source.simulated_only", source=fleet.source.kind))
    st.stop()
require_change()
language = lang()
st.caption(tr("incidents.caption"))
try:
    deployed = {server.hostname for server, _ in fleet.deployed_servers()}
except StoreUnavailable:
    st.error(tr("error.store"))
    st.stop()
hostnames = [s.hostname for s in fleet.catalogue.servers]
if not deployed:
    st.info(tr("incidents.nothing_deployed"))

with st.form("inject", border=True):
    left, right = st.columns(2)
    kind = left.selectbox(tr("incidents.type"), list(IncidentType), key=translated("incident_type"),
                          format_func=lambda v: t(f"incident.{v.value}", language))
    hostname = right.selectbox(
        tr("incidents.server"), hostnames, key=translated("incident_server"),
        index=next((i for i, h in enumerate(hostnames) if h in deployed), 0),
        format_func=lambda h: h if h in deployed else t("incidents.undeployed", language, hostname=h))
    severity = left.segmented_control(tr("incidents.severity"), list(Severity), default=Severity.MEDIUM,
                                      required=True, key="incident_severity",
                                      format_func=lambda v: t(f"severity.{v.value}", language))
    minutes_ago = right.number_input(tr("incidents.backdate"), min_value=0, max_value=MAX_HISTORY_MINUTES,
                                     value=0, step=5, help=tr("incidents.backdate_help"),
                                     key="incident_backdate")
    submitted = st.form_submit_button(tr("incidents.inject"), type="primary", icon=":material/bolt:")

if submitted:
    started = fleet.clock() - timedelta(minutes=int(minutes_ago)) if minutes_ago else None
    try:
        incident = fleet.inject(kind, hostname, severity or Severity.MEDIUM, started)
    except StoreUnavailable:
        st.error(tr("error.store"))
    except IncidentExists as exc:
        st.warning(tr("incidents.exists", hostname=plain(exc.existing.hostname),
                      type=tr(f"incident.{exc.existing.type.value}"),
                      since=local_time(exc.existing.started_at)))
    except TooManyIncidents as exc:
        st.warning(tr("incidents.too_many", n=exc.limit))
    else:
        st.success(tr("incidents.injected", type=tr(f"incident.{incident.type.value}"),
                      hostname=plain(incident.hostname)))

live_fragment(active_list, run_every=fleet.settings.refresh_seconds)()
