"""Plotly figures for the pages; every value drawn comes from the core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from openmanager_core import thresholds
from openmanager_core.ai.models import METHODS, QueryRecord
from openmanager_core.analysis import Anomaly
from openmanager_core.events import Event, EventKind, IncidentSpan, summary
from openmanager_core.i18n import Lang, t
from openmanager_core.metrics import METRICS, panels
from openmanager_core.models import IncidentType, MetricHistory, ServerType

from .components import KST, metric_title

WARNING_COLOUR = "#f59e0b"
CRITICAL_COLOUR = "#ef4444"
ANOMALY_COLOUR = "#a855f7"
PANELS = panels()
PERCENT = {key for key, metric in METRICS.items() if metric.unit == "%"}
PANEL_HEIGHT = 165
PANEL_GAP = 0.035


def local_wall_clock(moment: datetime) -> pd.Timestamp:
    """A naive UTC instant as naive Korean wall-clock time, the charts' x axis."""
    return pd.Timestamp(moment, tz="UTC").tz_convert(KST).tz_localize(None)


def history_frame(history: MetricHistory) -> pd.DataFrame:
    """Samples indexed by Korean wall-clock time, with NaN rows where the host was down."""
    if not history.samples:
        return pd.DataFrame(columns=list(METRICS))
    frame = pd.DataFrame([s.model_dump(include=set(METRICS) | {"timestamp"}, by_alias=False)
                          for s in history.samples])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame = frame.set_index("timestamp").sort_index()
    grid = pd.date_range(frame.index[0], frame.index[-1], freq=timedelta(seconds=history.step_seconds))
    frame = frame.reindex(frame.index.union(grid))
    frame.index = frame.index.tz_convert(KST).tz_localize(None)
    return frame


def metric_history_figure(history: MetricHistory, server_type: ServerType, lang: Lang,
                          anomalies: Mapping[str, Sequence[Anomaly]] | None = None) -> go.Figure:
    """One panel per metric over the window, threshold lines from the one table, anomaly marks.

    `anomalies` are the AI's anomalous events per metric (`Engine.marks`: the judgement tier 1
    makes, naive UTC instants); those inside the window are marked at their most extreme point.
    The layout is written out directly: plotly's make_subplots and add_hline cost ~100 ms per figure.
    """
    frame = history_frame(history)
    start = frame.index[0] if len(frame) else None
    count = len(PANELS)
    height = (1.0 - PANEL_GAP * (count - 1)) / count
    data: list[dict[str, object]] = []
    layout: dict[str, object] = {
        "height": PANEL_HEIGHT * count, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "showlegend": False, "hovermode": "x unified",
    }
    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for row, keys in enumerate(PANELS, start=1):
        suffix = "" if row == 1 else str(row)
        x, y = f"x{suffix}", f"y{suffix}"
        top = 1.0 - (row - 1) * (height + PANEL_GAP)
        layout[f"xaxis{suffix}"] = {"anchor": y, "showticklabels": row == count,
                                    **({} if row == 1 else {"matches": "x"})}
        layout[f"yaxis{suffix}"] = {"anchor": x, "domain": [max(top - height, 0.0), top],
                                    **({"range": [0, 100]} if keys[0] in PERCENT else {})}
        notes.append({"text": " / ".join(metric_title(k, lang) for k in keys) + _unit_suffix(keys[0]),
                      "xref": "paper", "yref": "paper", "x": 0.5, "y": top, "xanchor": "center",
                      "yanchor": "bottom", "showarrow": False})
        for key in keys:
            data.append({"type": "scatter", "mode": "lines", "x": frame.index, "y": frame[key],
                         "name": metric_title(key, lang),
                         "line": {"width": 1.6, "color": METRICS[key].colour},
                         "connectgaps": False, "xaxis": x, "yaxis": y})
        events = [(local_wall_clock(a.timestamp), a) for key in keys for a in (anomalies or {}).get(key, ())]
        events = [(when, a) for when, a in events if start is not None and when >= start]
        if events:
            data.append({"type": "scatter", "mode": "markers", "x": [when for when, _ in events],
                         "y": [a.value for _, a in events], "name": t("fleet.anomaly", lang),
                         "text": [t("fleet.anomaly_detail", lang, z=f"{a.score:+.1f}",
                                    since=local_wall_clock(a.start).strftime("%H:%M")) for _, a in events],
                         "hovertemplate": "%{text}<extra></extra>",
                         "marker": {"color": ANOMALY_COLOUR, "size": 11, "symbol": "x"},
                         "xaxis": x, "yaxis": y})
        bounds = thresholds.limits(keys[0], server_type) if len(keys) == 1 else None
        if bounds is None:
            continue
        # The warning label sits under its line and the critical one above, so they never collide.
        for value, colour, word, anchor in ((bounds[0], WARNING_COLOUR, "status.warning", "top"),
                                            (bounds[1], CRITICAL_COLOUR, "status.critical", "bottom")):
            shapes.append({"type": "line", "xref": f"{x} domain", "x0": 0, "x1": 1, "yref": y,
                           "y0": value, "y1": value, "line": {"dash": "dot", "color": colour, "width": 1.2}})
            notes.append({"text": f"{t(word, lang)} {value:g}", "xref": f"{x} domain", "x": 0,
                          "yref": y, "y": value, "xanchor": "left", "yanchor": anchor,
                          "showarrow": False, "font": {"color": colour, "size": 11}})
    layout["shapes"] = shapes
    layout["annotations"] = notes
    return go.Figure({"data": data, "layout": layout})


def _unit_suffix(key: str) -> str:
    unit = METRICS[key].unit
    return f" ({unit})" if unit else ""


# -- timeline ------------------------------------------------------------------------------

INCIDENT_COLOURS: dict[IncidentType, str] = {
    IncidentType.CPU_SPIKE: "#f97316", IncidentType.MEMORY_LEAK: "#a855f7", IncidentType.DISK_FULL: "#eab308",
    IncidentType.NETWORK_CONGESTION: "#0ea5e9", IncidentType.SERVICE_DOWN: "#ef4444",
    IncidentType.HOST_DOWN: "#374151"}
MARKER_SYMBOLS: dict[EventKind, str] = {
    EventKind.STATUS_CHANGED: "diamond", EventKind.DEPLOYED: "triangle-up", EventKind.RESET: "x",
    EventKind.ANOMALY_OPENED: "star", EventKind.ANOMALY_CLOSED: "star-open"}
MARKER_COLOURS: dict[EventKind, str] = {
    EventKind.STATUS_CHANGED: WARNING_COLOUR, EventKind.DEPLOYED: "#16a34a", EventKind.RESET: "#6b7280",
    EventKind.ANOMALY_OPENED: ANOMALY_COLOUR, EventKind.ANOMALY_CLOSED: ANOMALY_COLOUR}
TIMELINE_ROW_HEIGHT = 28
TIMELINE_MAX_HEIGHT = 1400  # past ~45 servers with events the rows get thinner, not the page longer


def _wall_clock(moment: datetime) -> pd.Timestamp:
    """An aware instant (the store's) as naive Korean wall-clock time, the x axis."""
    return pd.Timestamp(moment).tz_convert(KST).tz_localize(None)


def _span_hover(span: IncidentSpan, lang: Lang) -> str:
    until = (f"{_wall_clock(span.cleared_at):%H:%M}" if span.cleared_at is not None
             else t("timeline.ongoing", lang))
    severity = t(f"severity.{span.severity.value}", lang)
    return (f"{span.hostname}: {t(f'incident.{span.type.value}', lang)} ({severity})"
            f"<br>{_wall_clock(span.started_at):%H:%M} - {until}")


def timeline_figure(spans: Sequence[IncidentSpan], found: Sequence[Event], since: datetime, now: datetime,
                    lang: Lang) -> go.Figure:
    """Incidents as bars from start (from `since` at the earliest) to clear (or `now`), one row per
    server; status changes, deployments, resets and anomalies as markers at their instant."""
    fleet_row = t("timeline.fleet_row", lang)
    start_at = _wall_clock(since)
    data: list[go.Bar | go.Scatter] = []
    for kind in IncidentType:
        mine = [s for s in spans if s.type is kind]
        if not mine:
            continue
        starts = [max(_wall_clock(s.started_at), start_at) for s in mine]
        ends = [_wall_clock(s.cleared_at or now) for s in mine]
        hover = [_span_hover(s, lang) for s in mine]
        widths = [max((end - begin).total_seconds() * 1000, 1.0)
                  for begin, end in zip(starts, ends, strict=True)]
        data.append(go.Bar(
            orientation="h", base=starts, x=widths, y=[s.hostname for s in mine],
            name=t(f"incident.{kind.value}", lang),
            marker={"color": INCIDENT_COLOURS[kind]}, hovertext=hover, hoverinfo="text", opacity=0.85))
    for kind, symbol in MARKER_SYMBOLS.items():
        mine_events = [e for e in found if e.kind is kind]
        if not mine_events:
            continue
        data.append(go.Scatter(
            mode="markers", x=[_wall_clock(e.at) for e in mine_events],
            y=[e.hostname or fleet_row for e in mine_events], name=t(f"events.kind.{kind.value}", lang),
            marker={"symbol": symbol, "size": 11, "color": MARKER_COLOURS[kind],
                    "line": {"width": 1, "color": "#111827"}},
            hovertext=[f"{_wall_clock(e.at):%H:%M:%S} {summary(e, lang)}" for e in mine_events],
            hoverinfo="text"))
    rows = len({s.hostname for s in spans} | {e.hostname or fleet_row for e in found}) or 1
    figure = go.Figure(data)
    figure.update_layout(
        barmode="overlay", showlegend=True,
        height=min(TIMELINE_MAX_HEIGHT, max(220, 90 + TIMELINE_ROW_HEIGHT * rows)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h", "y": -0.15},
        xaxis={"type": "date", "range": [start_at, _wall_clock(now)],
               "title": t("timeline.axis.time", lang)},
        yaxis={"type": "category", "autorange": "reversed", "title": None})
    return figure


# -- admin ---------------------------------------------------------------------------------

TIER_COLOURS = {"optimized_ai_engine": "#2563eb", "pattern_matching": WARNING_COLOUR,
                "fallback_system": "#6b7280", "rejected": CRITICAL_COLOUR}
TIER_ORDER = (*METHODS, "rejected")
TARGET_RESPONSE_MS = 1000
TARGET_ERROR_PERCENT = 1
CHART_HEIGHT = 360
# Tick labels and the axis title to the left; under the plot two-line date ticks, an axis title, the legend.
CHART_MARGIN = {"l": 64, "r": 16, "t": 48, "b": 100, "autoexpand": False}
TIME_BUCKETS = 30  # the queries and error-rate charts share these buckets
LATENCY_BINS = 30
LOG_SPREAD = 50  # slowest / fastest above this: the latency axis is logarithmic
SECONDS_FROM_MS = 1000  # the slowest answer at least this long: the latency axis is in seconds
MIN_SPAN = timedelta(minutes=1)


def _records_frame(records: Sequence[QueryRecord], lang: Lang) -> pd.DataFrame:
    """One row per query: Korean wall-clock time, tier (or rejected), milliseconds, 100 when it failed.

    `attempted` is False for refused input: no tier worked on it.
    """
    tiers = [r.method or "rejected" for r in records]
    return pd.DataFrame({
        "time": pd.to_datetime([r.timestamp for r in records], utc=True).tz_convert(KST).tz_localize(None),
        "tier": [t(f"ai.tier.{tier}", lang) for tier in tiers],
        "processing_ms": [r.processing_time for r in records],
        "attempted": [r.method is not None for r in records],
        "failed": [0 if r.success else 100 for r in records],
    })


def _tier_traces(frame: pd.DataFrame, lang: Lang, tiers: Sequence[str],
                 **trace: object) -> list[go.Histogram]:
    """One histogram per tier present in `frame`, in the tiers' order and colours (a legend entry each)."""
    traces = []
    for tier in tiers:
        label = t(f"ai.tier.{tier}", lang)
        rows = frame[frame["tier"] == label]
        if len(rows):
            traces.append(go.Histogram(x=rows["x"], name=label, marker_color=TIER_COLOURS[tier], **trace))
    return traces


def _figure(traces: Sequence[go.BaseTraceType], title: str, y_title: str, *,
            xaxis: Mapping[str, object] | None = None, yaxis: Mapping[str, object] | None = None,
            **layout: object) -> go.Figure:
    """The admin charts' common frame: graph_objects directly, as Plotly Express took 0.1-0.3 s a chart.

    The margins are fixed (room for the tick labels, axis titles and a legend along the bottom),
    not grown to fit: plotly.js's automatic margins drew each chart twice, half of the ~0.15 s a
    browser spent on the chart at every page switch.
    """
    return go.Figure(data=list(traces), layout={
        "title": {"text": title}, "height": CHART_HEIGHT, "margin": CHART_MARGIN, "bargap": 0.05,
        "legend": {"title": {"text": ""}, "orientation": "h", "x": 0, "xanchor": "left",
                   "yref": "container", "y": 0, "yanchor": "bottom"},
        "xaxis": {"automargin": False, **(xaxis or {})},
        "yaxis": {"automargin": False, "title": {"text": y_title}, **(yaxis or {})},
        "barmode": "stack", **layout})


def _time_buckets(frame: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    """The queries' first and last instants (widened to a minute at least) and a bucket size in ms."""
    first, last = frame["time"].min(), frame["time"].max()
    if last - first < MIN_SPAN:
        middle = first + (last - first) / 2
        first, last = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    return first, last, (last - first).total_seconds() * 1000 / TIME_BUCKETS


def queries_over_time_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Queries per time bucket, stacked by the tier that answered, refused input apart.

    Every chart over time has the same buckets and x range: from the first query to the last.
    """
    frame = _records_frame(records, lang)
    first, last, size = _time_buckets(frame)
    frame["x"] = frame["time"]
    traces = _tier_traces(frame, lang, TIER_ORDER, xbins={"start": first, "end": last, "size": size})
    return _figure(traces, t("admin.chart.queries", lang), t("admin.chart.count", lang),
                   xaxis={"range": [first, last]})
def latency_axis(milliseconds: Sequence[float]) -> tuple[str, float, bool]:
    """The unit that reads best ("ms" or "s"), its size in ms, and whether the spread needs a log axis."""
    values = [v for v in milliseconds if v > 0]
    if not values:
        return "ms", 1.0, False
    fastest, slowest = min(values), max(values)
    unit, scale = ("s", 1000.0) if slowest >= SECONDS_FROM_MS else ("ms", 1.0)
    return unit, scale, slowest / fastest > LOG_SPREAD


def _decade_ticks(low: float, high: float) -> list[float]:
    """1, 2 and 5 times each power of ten between `low` and `high`."""
    ticks = [m * 10.0 ** e for e in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
             for m in (1, 2, 5)]
    return [v for v in ticks if low <= v <= high] or [low, high]


def response_time_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """How long answered queries took, by tier: unit and range from the data, log x when spread wide.

    On a log axis the bars are binned on log10 of the time (even widths on screen), and the ticks
    are labelled with the times themselves.
    """
    frame = _records_frame(records, lang)
    frame = frame[frame["attempted"]].copy()
    unit, scale, log_x = latency_axis(frame["processing_ms"].tolist())
    values = (frame["processing_ms"] / scale).clip(lower=0.001)
    frame["x"] = np.log10(values) if log_x else values
    trace: dict[str, object] = {"nbinsx": LATENCY_BINS}
    if log_x:
        trace["hovertemplate"] = "%{fullData.name}: %{y}<extra></extra>"  # x is a log10
    title = t("admin.chart.latency_axis", lang, unit=unit)
    axis: dict[str, object] = {"title": {"text": title}}
    target = TARGET_RESPONSE_MS / scale
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    target_x = np.log10(target) if log_x else target
    layout: dict[str, object] = {}
    if low <= target <= high:
        layout["shapes"] = [{"type": "line", "xref": "x", "x0": target_x, "x1": target_x, "yref": "y domain",
                             "y0": 0, "y1": 1, "line": {"dash": "dot", "color": CRITICAL_COLOUR}}]
        layout["annotations"] = [{"text": t("admin.chart.target", lang, value="1 s"), "xref": "x",
                                  "x": target_x, "yref": "y domain", "y": 1, "xanchor": "left",
                                  "yanchor": "top", "showarrow": False}]
    if log_x:
        ticks = _decade_ticks(low, high)
        axis = {"title": {"text": f"{title} · {t('admin.chart.log_scale', lang)}"},
                "tickvals": [float(np.log10(v)) for v in ticks], "ticktext": [f"{v:g}" for v in ticks]}
    return _figure(_tier_traces(frame, lang, METHODS, **trace), t("admin.chart.response", lang, target="1 s"),
                   t("admin.chart.count", lang), xaxis=axis, **layout)


def tier_share_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Which tier answered, as a share of the answered queries (refused input has its own KPI)."""
    answered = [r.method for r in records if r.method is not None]
    tiers = [tier for tier in METHODS if tier in answered]
    pie = go.Pie(labels=[t(f"ai.tier.{tier}", lang) for tier in tiers],
                 values=[answered.count(tier) for tier in tiers],
                 marker={"colors": [TIER_COLOURS[tier] for tier in tiers]}, hole=0.45,
                 textinfo="percent+label", sort=False)
    return _figure([pie], t("admin.chart.share", lang), "")


def error_rate_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Failed queries as a percentage of those a tier worked on, per bucket of the queries' time range."""
    frame = _records_frame(records, lang)
    first, last, size = _time_buckets(frame)
    attempted = frame[frame["attempted"]]
    bars = go.Histogram(x=attempted["time"], y=attempted["failed"], histfunc="avg",
                        marker_color=CRITICAL_COLOUR, xbins={"start": first, "end": last, "size": size},
                        showlegend=False)
    target = t("admin.chart.target", lang, value="1%")
    return _figure([bars], t("admin.chart.errors", lang), "%", xaxis={"range": [first, last]},
                   yaxis={"title": {"text": "%"}, "range": [0, 100]},
                   shapes=[{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                            "y0": TARGET_ERROR_PERCENT, "y1": TARGET_ERROR_PERCENT,
                            "line": {"dash": "dot", "color": WARNING_COLOUR}}],
                   annotations=[{"text": target, "xref": "x domain", "x": 1, "yref": "y",
                                 "y": TARGET_ERROR_PERCENT, "xanchor": "right", "yanchor": "bottom",
                                 "showarrow": False}])
