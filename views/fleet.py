"""Fleet page: every deployed server live, critical first; one server's detail when chosen."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from openmanager_core import thresholds
from openmanager_core.ai.engine import Engine
from openmanager_core.ai.findings import current_anomalies
from openmanager_core.analysis import Anomaly
from openmanager_core.events import summary
from openmanager_core.fleet import NotDeployed, UnknownServer
from openmanager_core.i18n import NO_VALUE, Lang, t
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.metrics import METRICS
from openmanager_core.models import ServerState, ServerType, Status
from openmanager_core.store import StoreUnavailable
from ui.charts import metric_history_figure
from ui.components import (
    SERVICE_ICON,
    STATUS_COLOR,
    local_clock,
    local_time,
    metric_tile,
    metric_title,
    status_label,
    type_label,
)
from ui.dependency_graph import dependency_dot
from ui.state import fleet_or_stop, lang, live_fragment, tr, translated

SERVER_KEY = "server"
CLICK_KEY = "fleet_open"
WINDOWS = (15, 60, 360, 1440)
CHART_REFRESH_SECONDS = 60
MARKED_MINUTES = max(WINDOWS)  # anomalies are found once for the longest window, drawn for any
ROW_HEIGHT = 35
VISIBLE_ROWS = 20
RECENT_EVENTS = 5  # the latest timeline events of the server the detail lists
TABLE_METRICS = ("cpu", "memory", "disk", "response_time", "network_in", "network_out")
METRIC_WIDTH = 95
# The alerts page filtered to one server (its `alert_server` selectbox is bound to the query), relative
# so it holds under any base path; `active` is only there for the cell to show the count.
ALERTS_PAGE = "alerts"
ALERT_COUNT = r"active=(\d+)$"

fleet = fleet_or_stop()
refresh = fleet.settings.refresh_seconds


def window_label(minutes: int, language: Lang) -> str:
    if minutes < 60:
        return t("fleet.window.minutes", language, n=minutes)
    return t("fleet.window.hours", language, n=minutes // 60)


def open_clicked() -> None:
    """A hostname button in the table was pressed: show that server."""
    click = st.session_state.get(CLICK_KEY)
    if click is not None and fleet.catalogue.find(click.label) is not None:
        st.session_state[SERVER_KEY] = click.label


def close_detail() -> None:
    st.session_state[SERVER_KEY] = None


def matches(state: ServerState, statuses: list[Status], types: list[ServerType],
            locations: list[str], search: str) -> bool:
    needle = search.strip().lower()
    return ((not statuses or state.status in statuses)
            and (not types or state.type in types)
            and (not locations or state.location in locations)
            and (not needle or needle in state.hostname.lower() or needle in state.name.lower()
                 or needle in state.ip))


def metric_cell(state: ServerState, key: str) -> str:
    """A metric as the table shows it, with its unit; "—" when the host sends nothing."""
    value = getattr(state.metrics, key) if state.metrics is not None else None
    if value is None:  # the host sends nothing, or its source has no such metric
        return NO_VALUE
    value = float(value)
    unit = thresholds.METRICS[key].unit
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f} {unit}" if unit == "ms" else f"{value:,.1f} {unit}"


def reason(state: ServerState, language: Lang) -> str:
    """Why the row has its colour: the worst alert, or that the host sends no metrics."""
    if state.alerts:
        return state.alerts[0].message
    return t("card.no_metrics", language) if state.metrics is None else ""


def alerts_link(hostname: str, active: int) -> str:
    """The link to the server's alerts (its history too, so even at 0), showing how many pend or fire."""
    return f"{ALERTS_PAGE}?{urlencode({'alert_server': hostname, 'active': active})}"


def anomaly_cell(keys: tuple[str, ...], language: Lang) -> str:
    """The metrics the anomaly bit flags on a server now ("CPU, 메모리"); empty when none is off."""
    return ", ".join(METRICS[key].label(language) for key in keys)


def table(states: list[ServerState], active: dict[str, int], anomalies: dict[str, tuple[str, ...]],
          language: Lang) -> pd.DataFrame:
    """Left to right in the order an operator reads a red row: who, how bad, why, then the numbers."""
    return pd.DataFrame({
        "hostname": [s.hostname for s in states],
        "status": [status_label(s.status, language) for s in states],
        "alert": [reason(s, language) for s in states],
        "alerts": [alerts_link(s.hostname, active.get(s.id, 0)) for s in states],
        "anomaly": [anomaly_cell(anomalies.get(s.id, ()), language) for s in states],
        **{key: [metric_cell(s, key) for s in states] for key in TABLE_METRICS},
        "type": [type_label(s.type, language) for s in states],
        "location": [s.location for s in states],
        "uptime": [s.uptime for s in states],
        "updated": [local_clock(s.metrics.timestamp) if s.metrics else NO_VALUE for s in states],
    })


@dataclass(frozen=True)
class FleetTable:
    """Every deployed server critical first, the table of them in that order, and the dependency graph
    of them coloured by status (DOT; empty when no dependencies are known)."""

    states: list[ServerState]
    frame: pd.DataFrame
    graph: str


@st.cache_resource(max_entries=4, show_spinner=False)
def fleet_table(interval: int, version: int | None, active: tuple[tuple[str, int], ...],
                language: Lang) -> FleetTable:
    """The fleet table, built once per refresh interval, store version, set of active alert counts
    and language for every session (`interval` and `version` are only the cache key; read only,
    never changed). Alerts do not bump the store version, so their counts per server (`active`)
    are in the key: a new firing alert shows at the next rerun. The anomaly column is the core's
    one anomaly bit, itself screened once per refresh interval and store version.

    Composing and formatting 1,000 rows takes ~0.4 s, and each session reruns its table every
    `refresh` seconds: built per rerun, 50 sessions would need more than a core. A session's
    table is as old as it was (at most `refresh` seconds) when drawn, and a change to the store
    (an incident injected or cleared, a server deployed) is a new version, so it shows at once.
    """
    states = sorted(fleet.states(language), key=lambda s: (s.status.rank, s.position))
    graph = fleet.dependencies()
    statuses = {s.hostname: s.status for s in sorted(states, key=lambda s: s.position)}
    return FleetTable(states, table(states, dict(active), current_anomalies(fleet), language),
                      dependency_dot(graph, statuses, language) if graph.edges else "")


def dependency_graph(dot: str) -> None:
    """The request path drawn, each server in its status colour."""
    with st.expander(tr("fleet.graph.title"), expanded=True, icon=":material/account_tree:"):
        if not dot:
            st.caption(tr("fleet.graph.none"))
            return
        st.graphviz_chart(dot, width="stretch")
        st.caption(tr("fleet.graph.caption"))


def filters() -> tuple[list[Status], list[ServerType], list[str], str]:
    """Status, type, location and name filters; inside the live region, so a change reruns only it."""
    language = lang()
    with st.container(horizontal=True):
        statuses = st.pills(tr("fleet.filter.status"), sorted(Status, key=lambda s: s.rank),
                            selection_mode="multi", format_func=lambda s: status_label(s, language),
                            key="fleet_status")
        types = st.multiselect(tr("fleet.filter.type"), sorted({s.type for s in fleet.catalogue.servers}),
                               format_func=lambda v: type_label(v, language), key=translated("fleet_type"),
                               placeholder=tr("fleet.filter.all"), width=260)
        locations = st.multiselect(tr("fleet.filter.location"),
                                   sorted({s.location for s in fleet.catalogue.servers}),
                                   key="fleet_location", placeholder=tr("fleet.filter.all"), width=260)
        search = st.text_input(tr("fleet.filter.search"), key="fleet_search", width=220,
                               placeholder="web-prod-01", max_chars=200)
    return statuses, types, locations, search


def overview() -> None:
    """Counts, filters and the filtered table, critical first; reruns on its own."""
    if st.session_state.get(CLICK_KEY) is not None:
        st.rerun()  # a row was opened: the whole page switches to the detail view
    try:
        snapshot = fleet.now()
        active = tuple(sorted(fleet.store.active_alerts_by_server().items()))
        whole = fleet_table(int(snapshot.at.timestamp() // refresh), snapshot.version, active, lang())
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    if not whole.states:
        st.info(tr("fleet.empty"))
        st.page_link("views/deployment.py", label=tr("fleet.go_deploy"), icon=":material/rocket_launch:")
        return
    # The counts live in the sidebar, on every page; the table's caption says how many are shown.
    statuses, types, locations, search = filters()
    if statuses or types or locations or search.strip():
        rows = whole.frame[[matches(s, statuses, types, locations, search) for s in whole.states]]
    else:
        rows = whole.frame
    if rows.empty:
        st.info(tr("fleet.no_match"))
        return
    st.caption(tr("fleet.showing", shown=len(rows), total=len(whole.states)))
    # Hostname, status and reason fit in 1280 px with the sidebar open; the numbers scroll after them.
    st.dataframe(
        rows, hide_index=True, height=ROW_HEIGHT * (min(len(rows), VISIBLE_ROWS) + 1) + 3,
        column_config={
            "hostname": st.column_config.ButtonColumn(
                tr("fleet.col.hostname"), type="tertiary", alignment="left", key=CLICK_KEY, pinned=True,
                on_click=open_clicked, width=150, help=tr("fleet.col.hostname_help")),
            "status": st.column_config.TextColumn(tr("fleet.col.status"), width=90),
            "alert": st.column_config.TextColumn(tr("fleet.col.alert"), width=360),
            "alerts": st.column_config.LinkColumn(tr("fleet.col.alerts"), display_text=ALERT_COUNT,
                                                  width=60, alignment="center",
                                                  help=tr("fleet.col.alerts_help")),
            "anomaly": st.column_config.TextColumn(tr("fleet.col.anomaly"), width=120,
                                                   help=tr("fleet.col.anomaly_help")),
            **{key: st.column_config.TextColumn(metric_title(key, lang()), width=METRIC_WIDTH,
                                                alignment="right") for key in TABLE_METRICS},
            "type": st.column_config.TextColumn(tr("fleet.col.type")),
            "location": st.column_config.TextColumn(tr("fleet.col.location")),
            "uptime": st.column_config.TextColumn(tr("fleet.col.uptime")),
            "updated": st.column_config.TextColumn(tr("fleet.col.updated"),
                                                   help=tr("fleet.col.updated_help")),
        },
    )
    dependency_graph(whole.graph)


@st.cache_data(ttl=60, show_spinner=False)
def anomalies(hostname: str, incident_ids: tuple[int, ...]) -> dict[str, list[Anomaly]]:
    """Each metric's anomalous events over the last day, as the AI judges them (against the
    same minutes of the last 7 days), so the chart marks what the AI says.

    Cached for a minute per server and set of active incidents (`incident_ids` is only part of
    the cache key), so a new or cleared incident shows at once while switching windows is free.
    """
    return Engine(fleet).marks(hostname, MARKED_MINUTES)


def detail(hostname: str) -> None:
    """One server: status, current values, services, alerts; reruns every few seconds."""
    try:
        state = fleet.state(hostname, lang())
        incidents = [i for i in fleet.incidents() if i.server_id == state.id]
        events = fleet.store.events(server_id=state.id, limit=RECENT_EVENTS)
    except NotDeployed:
        st.info(tr("fleet.not_deployed", hostname=plain(hostname)))
        return
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(state.hostname, anchor=False, width="content")
        st.badge(tr(f"status.{state.status.value}"), color=STATUS_COLOR[state.status])
    st.caption(" · ".join(plain(part) for part in (
        state.name, type_label(state.type, lang()), state.location, state.ip,
        tr("fleet.specs", cores=state.specs.cpu_cores, memory=state.specs.memory_gb,
           disk=state.specs.disk_gb),
        tr("fleet.uptime", uptime=state.uptime))))
    if state.metrics is None:
        st.warning(tr("fleet.no_metrics"))
    else:
        with st.grid("auto", min_column_width=150):
            for key in thresholds.METRICS:
                if (value := getattr(state.metrics, key)) is not None:
                    metric_tile(key, float(value), state.type, lang())
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('fleet.services')}**")
        st.dataframe(pd.DataFrame({
            tr("fleet.col.service"): [s.name for s in state.services],
            tr("fleet.col.port"): [s.port for s in state.services],
            tr("fleet.col.state"): [f"{SERVICE_ICON[s.status]} {tr(f'service.{s.status.value}')}"
                                    for s in state.services],
        }), hide_index=True)
    with right:
        st.markdown(f"**{tr('fleet.alerts')}**")
        if not state.alerts:
            st.success(tr("fleet.no_alerts"))
        for alert in state.alerts:
            show = st.error if alert.level in (Status.CRITICAL, Status.OFFLINE) else st.warning
            show(plain(alert.message))
        for incident in incidents:
            st.caption(tr("fleet.incident", type=tr(f"incident.{incident.type.value}"),
                          severity=tr(f"severity.{incident.severity.value}"),
                          since=local_time(incident.started_at)))
        st.page_link("views/alerts.py", label=tr("fleet.open_alerts"), icon=":material/notifications:",
                     query_params={"alert_server": state.hostname})
        st.markdown(f"**{tr('fleet.events')}**")
        for event in reversed(events):  # newest first
            st.caption(plain(f"{local_time(event.at)} · {summary(event, lang())}"))
        st.page_link("views/timeline.py", label=tr("fleet.open_timeline"), icon=":material/timeline:",
                     query_params={"timeline_server": state.hostname})


def history_chart(hostname: str, minutes: int) -> None:
    """Every metric over the window with thresholds and anomaly marks; redrawn once a minute."""
    try:
        state = fleet.state(hostname, lang())
        history = fleet.history(hostname, minutes)
        incidents = tuple(i.id for i in fleet.incidents() if i.server_id == state.id)
    except (NotDeployed, StoreUnavailable):
        return  # the live region above says why
    st.plotly_chart(metric_history_figure(history, state.type, lang(), anomalies(hostname, incidents)),
                    key="history", config={"displaylogo": False})


st.title(tr("nav.fleet"))
language = lang()
hostnames = [s.hostname for s in fleet.catalogue.servers]
requested = st.query_params.get(SERVER_KEY)
if requested and SERVER_KEY not in st.session_state:
    try:
        st.session_state[SERVER_KEY] = fleet.resolve(requested).hostname
    except UnknownServer:
        st.warning(tr("fleet.unknown_server", name=plain(requested[:200])))

selected = st.selectbox(tr("fleet.pick"), hostnames, index=None, key=SERVER_KEY, bind="query-params",
                        placeholder=tr("fleet.pick_placeholder"))
if selected:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(tr("fleet.back"), icon=":material/arrow_back:", on_click=close_detail)
        minutes = st.segmented_control(tr("fleet.window"), WINDOWS, default=60, required=True,
                                       format_func=lambda m: window_label(m, language), key="fleet_window")
    live_fragment(detail, run_every=refresh)(selected)
    # A redraw remounts a Plotly chart (its element id hashes the figure), losing zoom and
    # hover, so the history refreshes at the pace its samples move rather than every few seconds.
    live_fragment(history_chart, run_every=CHART_REFRESH_SECONDS)(selected, minutes or 60)
else:
    live_fragment(overview, run_every=refresh)()
