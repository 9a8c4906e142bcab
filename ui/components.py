"""Small building blocks the pages share: status labels, server cards, the sidebar's fleet counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Literal
from zoneinfo import ZoneInfo

import streamlit as st

from openmanager_core import thresholds
from openmanager_core.i18n import Lang, t
from openmanager_core.metrics import METRICS
from openmanager_core.models import FleetSummary, ServerState, ServerType, Service, ServiceState, Status

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


# The HTML cards' colours: Streamlit's own green, orange, red and gray, legible on light and dark.
CARD_COLOUR: dict[Colour, str] = {
    "green": "#21c354", "orange": "#ffa421", "red": "#ff4b4b", "gray": "#808495",
}
CARD_STYLE = (
    ".om-card{line-height:1.45}.om-card .om-head{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}"
    ".om-card .om-badge{font-size:.8em;padding:0 .45em;border-radius:.5rem}"
    ".om-card .om-muted{opacity:.65;font-size:.875em}"
    ".om-card .om-bar{margin-top:.35rem;font-size:.875em}"
    ".om-card .om-track{height:.4rem;border-radius:.2rem;background:rgba(128,132,149,.25);overflow:hidden}"
    ".om-card .om-fill{height:100%;border-radius:.2rem}"
)


def _metric_bar_html(key: str, value: float, server_type: ServerType, lang: Lang) -> str:
    """A 0-100 % bar, its label and fill in the colour of the metric's alert level."""
    colour = CARD_COLOUR[STATUS_COLOR[thresholds.level(key, value, server_type)]]
    title = escape(metric_title(key, lang))
    filled = min(max(value, 0.0), 100.0)
    return (f'<div class="om-bar"><span style="color:{colour};font-weight:600">{title}</span> '
            f'{value:.1f}{escape(METRICS[key].unit)}'
            f'<div class="om-track" role="progressbar" aria-label="{title}" aria-valuemin="0" '
            f'aria-valuemax="100" aria-valuenow="{filled:.1f}">'
            f'<div class="om-fill" style="width:{filled:.1f}%;background:{colour}"></div></div></div>')


def _service_html(service: Service) -> str:
    return f"{SERVICE_ICON[service.status]} {escape(service.name)}:{service.port}"


def server_card_html(state: ServerState, lang: Lang) -> str:
    """One deployed server as one block of HTML: name, status, type and location, load bars, services.

    One element per card, not six: twenty cards redraw on every step of a deployment, and the
    browser's time went to Streamlit's per-element frames (a page switch took 0.5 s or more).
    """
    colour = CARD_COLOUR[STATUS_COLOR[state.status]]
    status = escape(t(f"status.{state.status.value}", lang))
    if state.metrics is None:
        bars = f'<div class="om-muted">{escape(t("card.no_metrics", lang))}</div>'
    else:
        bars = "".join(_metric_bar_html(key, float(value), state.type, lang) for key in METRIC_BARS
                       if (value := getattr(state.metrics, key)) is not None)
    services = " · ".join(_service_html(service) for service in state.services)
    return (f'<div class="om-card"><div class="om-head"><strong>{escape(state.hostname)}</strong>'
            f'<span class="om-badge" style="color:{colour};background:{colour}26">{status}</span></div>'
            f'<div class="om-muted">{escape(type_label(state.type, lang))} · {escape(state.location)}</div>'
            f'{bars}<div class="om-muted" style="margin-top:.35rem">{services}</div></div>')


def server_cards(states: Sequence[ServerState], lang: Lang) -> None:
    """A bordered grid of server cards, one HTML element each, with their style sheet once."""
    st.html(f"<style>{CARD_STYLE}</style>")
    with st.grid("auto", min_column_width=260, border=True):
        for state in states:
            st.html(server_card_html(state, lang))


def _status_counts(summary: FleetSummary) -> tuple[tuple[Status, int], ...]:
    return ((Status.ONLINE, summary.online), (Status.WARNING, summary.warning),
            (Status.CRITICAL, summary.critical), (Status.OFFLINE, summary.offline))


def fleet_counts(summary: FleetSummary, lang: Lang) -> None:
    """전체 / 정상 / 경고 / 위험 / 오프라인 as the core counted them."""
    st.metric(t("counts.total", lang), summary.total)
    st.markdown("  \n".join(f"{status_label(status, lang)} **{count}**"
                             for status, count in _status_counts(summary)))
