"""Timeline page: what happened over a chosen period (of one server or all), incidents as bars from
start to clear, status changes, deployments and anomalies as markers, and the events as a table; live."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from openmanager_core.events import InvalidPeriod, incident_spans, parse_period, summary
from openmanager_core.i18n import t
from openmanager_core.markdown import escape_markdown as plain
from ui.charts import timeline_figure
from ui.components import local_time
from ui.state import fleet_or_stop, lang, live_fragment, tr, translated

fleet = fleet_or_stop()
MAX_EVENTS = 1000  # the latest events drawn; past it the page says so
DEFAULT_PERIOD = "1h"
ALL = ""  # the server choice that means the whole fleet
PERIOD_KEY, SERVER_KEY = "timeline_period", "timeline_server"
MAX_PERIOD_CHARS = 40


def timeline(period: timedelta, hostname: str) -> None:
    """The chart and the table of the last `period`, redrawn on their own as events arrive."""
    language = lang()
    now = fleet.clock()
    since = now - period
    server_id = fleet.resolve(hostname).id if hostname else None
    found = fleet.store.events(since=since, server_id=server_id, limit=MAX_EVENTS)
    active = [i for i in fleet.incidents() if server_id is None or i.server_id == server_id]
    spans = [s for s in incident_spans(found, active) if s.cleared_at is None or s.cleared_at >= since]
    shown_since = local_time(since)
    if not found and not spans:
        st.info(tr("timeline.none", since=shown_since))
        return
    st.caption(tr("timeline.count", n=len(found), since=shown_since))
    if len(found) >= MAX_EVENTS:
        st.caption(tr("timeline.more", n=MAX_EVENTS))
    st.plotly_chart(timeline_figure(spans, found, since, now, language), key="timeline_chart")
    newest_first = list(reversed(found))
    st.dataframe(pd.DataFrame({
        tr("timeline.col.time"): [local_time(e.at) for e in newest_first],
        tr("timeline.col.server"): [e.hostname or tr("timeline.fleet_row") for e in newest_first],
        tr("timeline.col.kind"): [tr(f"events.kind.{e.kind.value}") for e in newest_first],
        tr("timeline.col.event"): [summary(e, language) for e in newest_first],
    }), hide_index=True, key="timeline_table")


st.title(tr("nav.timeline"))
st.caption(tr("timeline.caption"))
language = lang()
hostnames = [server.hostname for server in fleet.catalogue.servers]
# `?timeline_period=3h&timeline_server=db-master-01` (a link from a server's page, or shared) sets the
# choice once and leaves the address, so the controls stay the reader's; `server` is the fleet page's.
asked_period = st.query_params.get(PERIOD_KEY)
if asked_period is not None:
    del st.query_params[PERIOD_KEY]
    st.session_state[PERIOD_KEY] = asked_period[:MAX_PERIOD_CHARS]
elif PERIOD_KEY not in st.session_state:
    st.session_state[PERIOD_KEY] = DEFAULT_PERIOD
asked_server = st.query_params.get(SERVER_KEY)
if asked_server is not None:
    del st.query_params[SERVER_KEY]
    found_server = fleet.catalogue.find(asked_server)
    if found_server is None:
        st.warning(tr("timeline.unknown_server", name=plain(asked_server[:200])))
    st.session_state[SERVER_KEY] = found_server.hostname if found_server is not None else ALL
elif SERVER_KEY not in st.session_state:
    st.session_state[SERVER_KEY] = ALL

left, right = st.columns(2)
period_text = left.text_input(tr("timeline.period"), key=PERIOD_KEY, help=tr("timeline.period_help"),
                              max_chars=MAX_PERIOD_CHARS)
hostname = right.selectbox(tr("timeline.server"), [ALL, *hostnames], key=translated(SERVER_KEY),
                           format_func=lambda h: h or t("timeline.all_servers", language))
try:
    period = parse_period(period_text, timedelta(days=fleet.settings.retention_days))
except InvalidPeriod as exc:
    st.warning(t("timeline.bad_period", language, value=plain(exc.value), days=exc.most.days))
    st.stop()

live_fragment(timeline, run_every=fleet.settings.refresh_seconds)(period, hostname or ALL)
