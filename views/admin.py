"""Admin page: how the AI engine is doing, from every query and log entry in the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from html import escape

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from openmanager_core.ai.models import LogLevel, QueryRecord
from openmanager_core.i18n import NO_VALUE, Lang, t
from openmanager_core.settings import get_settings
from openmanager_core.store import StoreUnavailable
from ui.access import require_admin
from ui.alert_channels import alert_channels_panel
from ui.charts import error_rate_figure, queries_over_time_figure, response_time_figure, tier_share_figure
from ui.components import CARD_COLOUR, local_time
from ui.state import agent_or_stop, lang, live_fragment, tr
from ui.targets import TARGETS

RECORDS = 1000
LEVELS: tuple[LogLevel | None, ...] = (None, "info", "warning", "error")
RANGES: dict[str, int | None] = {"1h": 60, "24h": 1440, "7d": 10080, "all": None}  # minutes back
RANGE_KEY = "admin_range"

KPI_STYLE = (
    ".om-kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:1rem}"
    ".om-kpi{border:1px solid rgba(128,132,149,.3);border-radius:.5rem;padding:1rem}"
    ".om-kpi-label{font-size:.875rem}.om-kpi-value{font-size:2.25rem;line-height:1.3;margin-bottom:.5rem}"
    ".om-kpi-note{font-size:.875rem;opacity:.65}"
    ".om-kpi-verdict{font-size:.875rem;padding:.1rem .45rem;border-radius:.5rem}"
)

agent = agent_or_stop()


def kpi_tile(label: str, value: str, note: str) -> str:
    """One figure as HTML: its label, value and a note (already HTML) under it."""
    return (f'<div class="om-kpi"><div class="om-kpi-label">{escape(label)}</div>'
            f'<div class="om-kpi-value">{escape(value)}</div>{note}</div>')


def muted(text: str) -> str:
    return f'<div class="om-kpi-note">{escape(text)}</div>'


def verdict(met: bool, goal: str) -> str:
    """Whether a figure meets its target, in green or red."""
    colour = CARD_COLOUR["green" if met else "red"]
    text = ("✓ " if met else "✕ ") + tr("admin.pass" if met else "admin.miss", target=goal)
    return f'<span class="om-kpi-verdict" style="color:{colour};background:{colour}26">{escape(text)}</span>'


def range_start(name: str) -> datetime | None:
    """Where the chosen range begins, on the clock the records are written with; None for all."""
    minutes = RANGES[name]
    return agent.fleet.clock() - timedelta(minutes=minutes) if minutes is not None else None


def kpi_tiles(range_name: str) -> None:
    """The engine's figures over the chosen range beside the guide's targets; refreshed on their own."""
    try:
        stats = agent.stats(range_start(range_name))
    except StoreUnavailable:
        st.error(tr("error.store"))
        return
    tiles = [
        kpi_tile(tr("admin.kpi.total"), f"{stats.total_queries:,}",
                 muted(tr("admin.kpi.total_detail", answered=stats.answered_queries,
                          failed=stats.failed_queries, rejected=stats.rejected_queries))),
        # Refused input is the caller's, not the engine's: it has no target and is not an error.
        kpi_tile(tr("admin.kpi.rejected"), f"{stats.rejected_queries:,}",
                 muted(tr("admin.kpi.rejected_detail", share=f"{stats.rejected_rate:.1f}"))),
        kpi_tile(tr("admin.kpi.rate_limited"), f"{stats.rate_limited:,}",
                 muted(tr("admin.kpi.rate_limited_detail"))),
    ]
    for target in TARGETS:
        value = float(getattr(stats, target.field))
        goal = f"{'≥' if target.at_least else '≤'} {target.shown(target.limit, 0)}"
        tiles.append(kpi_tile(tr(target.label), target.shown(value, 2 if target.unit == "s" else 1),
                              verdict(target.met(value), goal)))
    tiles += [
        kpi_tile(tr("admin.kpi.p95"), f"{stats.p95_response_time:.2f} s",
                 muted(tr("admin.kpi.p50", seconds=f"{stats.p50_response_time:.2f}"))),
        kpi_tile(tr("admin.kpi.fallback"), f"{stats.fallback_usage:.1f}%",
                 muted(tr("admin.kpi.cache", n=stats.cache_hits))),
    ]
    # One element for the nine tiles: as 27 Streamlit elements they were a quarter of a page switch.
    st.html(f'<style>{KPI_STYLE}</style><div class="om-kpis">{"".join(tiles)}</div>')
    if stats.tiers:
        # A static table: three rows need no grid widget, which cost the browser ~0.1 s a switch.
        # Its figures are written out here, not by a pandas Styler, whose rendering was the
        # largest part of the page's own run.
        tiers = stats.tiers.values()
        st.table(pd.DataFrame({
            tr("admin.tier.name"): [tr(f"ai.tier.{tier}") for tier in stats.tiers],
            tr("admin.tier.count"): [s.count for s in tiers],
            tr("admin.tier.share"): [f"{s.share:.1f}%" for s in tiers],
            tr("admin.tier.average"): _seconds((s.average_response_time, s.count) for s in tiers),
            tr("admin.tier.p50"): _seconds((s.p50_response_time, s.count) for s in tiers),
            tr("admin.tier.p95"): _seconds((s.p95_response_time, s.count) for s in tiers),
        }), hide_index=True)


def _seconds(values: Iterable[tuple[float, int]]) -> list[str]:
    """Response times of tiers with their answer counts: one that gave no answer has none ("—", not 0)."""
    return [f"{value:.3f} s" if count else NO_VALUE for value, count in values]


CHARTS: dict[str, Callable[[Sequence[QueryRecord], Lang], go.Figure]] = {
    "queries": queries_over_time_figure, "response": response_time_figure,
    "share": tier_share_figure, "errors": error_rate_figure,
}
CHART_KEY = "admin_chart"


@st.cache_resource(max_entries=32, show_spinner=False)
def chart_figure(chart: str, record_ids: tuple[int, ...], language: Lang,
                 _records: list[QueryRecord]) -> go.Figure:
    """One chart of `_records`, shared by every session (read only, never changed).

    A record never changes once written, so its ids (with the chart and language) say which
    figure this is: a visit or page switch draws it without building it again.
    """
    return CHARTS[chart](_records, language)


def charts(since: datetime | None) -> None:
    """The four charts, one tab each, only the open one sent: a browser took 0.1-0.2 s to draw
    each Plotly chart, so four side by side kept a page switch over 0.5 s. The first is open
    without a click."""
    records = agent.query_records(RECORDS, since)
    st.subheader(tr("admin.charts", n=len(records)), anchor=False)
    if not records:
        st.caption(tr("admin.range.none"))
        return
    record_ids = tuple(record.id for record in records)
    tabs = st.tabs([tr(f"admin.tab.{chart}") for chart in CHARTS], key=CHART_KEY, on_change="rerun")
    for chart, tab in zip(CHARTS, tabs, strict=True):
        if tab.open:
            tab.plotly_chart(chart_figure(chart, record_ids, lang(), records), key=f"chart_{chart}")


def log_table(since: datetime | None) -> None:
    st.subheader(tr("admin.logs"), anchor=False)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        language = lang()
        level = st.segmented_control(tr("admin.logs.level"), LEVELS, default=None, key="admin_level",
                                     format_func=lambda v: t(f"admin.level.{v or 'all'}", language))
        limit = st.number_input(tr("admin.logs.limit"), min_value=1, max_value=1000, value=50, step=10,
                                key="admin_limit", width=160)
    entries = sorted(agent.logs(limit=int(limit), level=level, since=since),
                     key=lambda e: (e.timestamp, e.id), reverse=True)
    if not entries:
        st.caption(tr("admin.logs.none"))
        return
    frame = pd.DataFrame({
        tr("admin.col.time"): [local_time(e.timestamp) for e in entries],
        tr("admin.col.level"): [e.level for e in entries],
        tr("admin.col.tier"): [e.tier or "" for e in entries],
        tr("admin.col.question"): [e.context.query or NO_VALUE for e in entries],
        tr("admin.col.message"): [e.message for e in entries],
        tr("admin.col.duration"): [e.duration_ms for e in entries],
        tr("admin.col.query"): [e.query_id for e in entries],
    })
    st.dataframe(frame, hide_index=True, column_config={
        tr("admin.col.question"): st.column_config.TextColumn(width="large"),
        tr("admin.col.message"): st.column_config.TextColumn(width="large"),
        tr("admin.col.duration"): st.column_config.NumberColumn(format="%.0f ms"),
    })
    st.download_button(tr("admin.logs.csv"), frame.to_csv(index=False).encode("utf-8-sig"),
                       file_name="openmanager-ai-logs.csv", mime="text/csv", icon=":material/download:",
                       on_click="ignore")


st.title(tr("nav.admin"))
require_admin()
alert_channels_panel(agent.fleet)
try:
    overall = agent.stats()
    empty = overall.total_queries == 0 and overall.rate_limited == 0  # 429s alone are worth showing
except StoreUnavailable:
    st.error(tr("error.store"))
    st.stop()
if empty:
    st.info(tr("admin.empty"))
    st.page_link("views/ai.py", label=tr("admin.go_ai"), icon=":material/psychology:")
    st.code("curl -X POST http://localhost:8501/api/ai-agent/optimized -H 'Content-Type: application/json' "
            "-d '{\"action\": \"smart-query\", \"query\": \"현재 서버 상태 요약해줘\"}'", language="bash")
    st.stop()

chosen = st.segmented_control(tr("admin.range"), list(RANGES), default="all", required=True, key=RANGE_KEY,
                              format_func=lambda name: tr(f"admin.range.{name}")) or "all"
live_fragment(kpi_tiles, run_every=get_settings().refresh_seconds)(chosen)
try:
    start = range_start(chosen)
    charts(start)
    log_table(start)
except StoreUnavailable:
    st.error(tr("error.store"))
