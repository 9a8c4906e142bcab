"""Plotly figures for the pages; every value drawn comes from the core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from openmanager_core import thresholds
from openmanager_core.ai.models import METHODS, QueryRecord
from openmanager_core.analysis import Anomaly
from openmanager_core.i18n import Lang, t
from openmanager_core.models import MetricHistory, ServerType

from .components import KST, metric_title

WARNING_COLOUR = "#f59e0b"
CRITICAL_COLOUR = "#ef4444"
ANOMALY_COLOUR = "#a855f7"
PANELS: tuple[tuple[str, ...], ...] = (
    ("cpu",), ("memory",), ("disk",), ("network_in", "network_out"), ("response_time",),
    ("active_connections",),
)
PERCENT = {"cpu", "memory", "disk"}
# Fixed per metric, so adding the anomaly trace never shifts the palette; readable on light and dark.
METRIC_COLOURS = {"cpu": "#3b82f6", "memory": "#14b8a6", "disk": "#6366f1", "network_in": "#0ea5e9",
                  "network_out": "#94a3b8", "response_time": "#ec4899", "active_connections": "#22c55e"}
PANEL_HEIGHT = 165
PANEL_GAP = 0.035


def local_wall_clock(moment: datetime) -> pd.Timestamp:
    """A naive UTC instant as naive Korean wall-clock time, the charts' x axis."""
    return pd.Timestamp(moment, tz="UTC").tz_convert(KST).tz_localize(None)


def history_frame(history: MetricHistory) -> pd.DataFrame:
    """Samples indexed by Korean wall-clock time, with NaN rows where the host was down."""
    if not history.samples:
        return pd.DataFrame(columns=list(thresholds.METRICS))
    frame = pd.DataFrame([s.model_dump(include=set(thresholds.METRICS) | {"timestamp"}, by_alias=False)
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
                         "line": {"width": 1.6, "color": METRIC_COLOURS[key]},
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
    unit = thresholds.METRICS[key].unit
    return f" ({unit})" if unit else ""


# -- admin ---------------------------------------------------------------------------------

TIER_COLOURS = {"optimized_ai_engine": "#2563eb", "pattern_matching": WARNING_COLOUR,
                "fallback_system": "#6b7280", "rejected": CRITICAL_COLOUR}
TIER_ORDER = (*METHODS, "rejected")
TARGET_RESPONSE_MS = 1000
TARGET_ERROR_PERCENT = 1
CHART_HEIGHT = 320


def _records_frame(records: Sequence[QueryRecord], lang: Lang) -> pd.DataFrame:
    """One row per query: Korean wall-clock time, tier label, milliseconds, 100 when it failed."""
    tiers = [r.method or "rejected" for r in records]
    return pd.DataFrame({
        "time": pd.to_datetime([r.timestamp for r in records], utc=True).tz_convert(KST).tz_localize(None),
        "tier": [t(f"ai.tier.{tier}", lang) for tier in tiers],
        "processing_ms": [r.processing_time for r in records],
        "answered": [r.method is not None for r in records],
        "failed": [0 if r.success else 100 for r in records],
    })


def _tier_style(lang: Lang) -> dict[str, object]:
    labels = [t(f"ai.tier.{tier}", lang) for tier in TIER_ORDER]
    return {"color": "tier", "category_orders": {"tier": labels},
            "color_discrete_map": {t(f"ai.tier.{tier}", lang): TIER_COLOURS[tier] for tier in TIER_ORDER}}


def _finish(figure: go.Figure, y_title: str) -> go.Figure:
    figure.update_layout(height=CHART_HEIGHT, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend_title_text="", xaxis_title=None, yaxis_title=y_title, bargap=0.05)
    return figure


def queries_over_time_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Queries per time bucket, stacked by the tier that answered (plotly does the counting)."""
    figure = px.histogram(_records_frame(records, lang), x="time", barmode="stack",
                          title=t("admin.chart.queries", lang), **_tier_style(lang))
    return _finish(figure, t("admin.chart.count", lang))


def response_time_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """How long answered queries took, by tier, with the 1 s target marked."""
    frame = _records_frame(records, lang)
    figure = px.histogram(frame[frame["answered"]], x="processing_ms", nbins=30, barmode="stack",
                          title=t("admin.chart.response", lang), **_tier_style(lang))
    figure.add_vline(x=TARGET_RESPONSE_MS, line={"dash": "dot", "color": CRITICAL_COLOUR},
                     annotation_text=t("admin.chart.target", lang, value="1 s"))
    figure.update_xaxes(title_text="ms")
    return _finish(figure, t("admin.chart.count", lang))


def tier_share_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Which tier answered, as a share of all queries (rejected ones included)."""
    style = _tier_style(lang)
    figure = px.pie(_records_frame(records, lang), names="tier", hole=0.45, color="tier",
                    color_discrete_map=style["color_discrete_map"], category_orders=style["category_orders"],
                    title=t("admin.chart.share", lang))
    figure.update_traces(textinfo="percent+label", sort=False)
    return _finish(figure, "")


def error_rate_figure(records: Sequence[QueryRecord], lang: Lang) -> go.Figure:
    """Failed or rejected queries as a percentage of each time bucket (plotly averages 0/100 flags)."""
    figure = px.histogram(_records_frame(records, lang), x="time", y="failed", histfunc="avg",
                          title=t("admin.chart.errors", lang), color_discrete_sequence=[CRITICAL_COLOUR])
    figure.add_hline(y=TARGET_ERROR_PERCENT, line={"dash": "dot", "color": WARNING_COLOUR},
                     annotation_text=t("admin.chart.target", lang, value="1%"))
    figure.update_yaxes(range=[0, 100])
    return _finish(figure, "%")
