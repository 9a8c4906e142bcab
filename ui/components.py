"""Small building blocks the pages share: status labels, server cards, the sidebar's fleet counts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import streamlit as st

from openmanager_core import thresholds
from openmanager_core.i18n import Lang, t
from openmanager_core.markdown import escape_markdown as plain  # the pages' name for it
from openmanager_core.metrics import METRICS
from openmanager_core.models import FleetSummary, ServerState, ServerType, ServiceState, Status

KST = ZoneInfo("Asia/Seoul")
METRIC_BARS = tuple(key for key, metric in METRICS.items() if metric.card_bar)

Colour = Literal["green", "orange", "red", "gray"]
STATUS_COLOR: dict[Status, Colour] = {
    Status.ONLINE: "green", Status.WARNING: "orange", Status.CRITICAL: "red", Status.OFFLINE: "gray",
}
STATUS_ICON: dict[Status, str] = {
    Status.ONLINE: "🟢", Status.WARNING: "🟠", Status.CRITICAL: "🔴", Status.OFFLINE: "⚫",
}
SERVICE_ICON: dict[ServiceState, str] = {
    ServiceState.RUNNING: "🟢", ServiceState.DEGRADED: "🟠", ServiceState.STOPPED: "🔴",
}


def local_time(moment: datetime) -> str:
    """A UTC instant as Korean local time, the way the ops team reads clocks."""
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def local_clock(moment: datetime) -> str:
    """A UTC instant as the Korean time of day (HH:MM:SS), for what happened moments ago."""
    return moment.astimezone(KST).strftime("%H:%M:%S")


def status_label(status: Status, lang: Lang) -> str:
    return f"{STATUS_ICON[status]} {t(f'status.{status.value}', lang)}"


def metric_title(key: str, lang: Lang) -> str:
    """A metric's name as a heading ("memory" becomes "Memory")."""
    label = METRICS[key].label(lang)
    return label[:1].upper() + label[1:]


def metric_tile(key: str, value: float, server_type: ServerType, lang: Lang) -> None:
    """A tile with the metric's level colour; units sit in the label so values stay short."""
    unit = METRICS[key].unit
    label = f"{STATUS_ICON[thresholds.level(key, value, server_type)]} {metric_title(key, lang)}"
    if unit and unit != "%":
        label += f" ({unit})"
    if unit == "%":
        shown = f"{value:.1f}%"
    elif unit in ("", "ms"):
        shown = f"{value:,.0f}"
    else:
        shown = f"{value:,.1f}"
    st.metric(label, shown, border=True)


def type_label(server_type: ServerType, lang: Lang) -> str:
    return t(f"type.{server_type.value}", lang)


def metric_bar(key: str, value: float, server_type: ServerType, lang: Lang) -> None:
    """A 0-100 % bar whose label takes the colour of the metric's alert level."""
    spec = METRICS[key]
    colour = STATUS_COLOR[thresholds.level(key, value, server_type)]
    st.progress(min(max(value, 0.0), 100.0) / 100.0,
                text=f":{colour}[**{metric_title(key, lang)}**] {value:.1f}{spec.unit}")


def services_line(state: ServerState) -> str:
    return " · ".join(f"{SERVICE_ICON[s.status]} {plain(s.name)}:{s.port}" for s in state.services)


def server_card(state: ServerState, lang: Lang) -> None:
    """One deployed server: name, status colour, type and location, load bars, services."""
    # Few elements per card: twenty of them redraw every second while a deployment runs.
    badge = f":{STATUS_COLOR[state.status]}-badge[{t(f'status.{state.status.value}', lang)}]"
    st.markdown(f"**{plain(state.hostname)}** {badge}  \n"
                f":gray[{plain(type_label(state.type, lang))} · {plain(state.location)}]")
    if state.metrics is None:
        st.caption(t("card.no_metrics", lang))
    else:
        for key in METRIC_BARS:
            if (value := getattr(state.metrics, key)) is not None:
                metric_bar(key, float(value), state.type, lang)
    st.caption(services_line(state))


def _status_counts(summary: FleetSummary) -> tuple[tuple[Status, int], ...]:
    return ((Status.ONLINE, summary.online), (Status.WARNING, summary.warning),
            (Status.CRITICAL, summary.critical), (Status.OFFLINE, summary.offline))


def fleet_counts(summary: FleetSummary, lang: Lang) -> None:
    """전체 / 정상 / 경고 / 위험 / 오프라인 as the core counted them."""
    st.metric(t("counts.total", lang), summary.total)
    st.markdown("  \n".join(f"{status_label(status, lang)} **{count}**"
                             for status, count in _status_counts(summary)))
