"""The event timeline: what happened to the fleet (incidents started and cleared, deployments and
resets, status changes, anomalies opened and closed), stored language-neutral and worded at read
time in Korean or English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .i18n import Lang, t
from .metrics import METRICS


class EventKind(StrEnum):
    INCIDENT_STARTED = "incident_started"
    INCIDENT_CLEARED = "incident_cleared"
    DEPLOYED = "deployed"
    RESET = "reset"
    STATUS_CHANGED = "status_changed"
    ANOMALY_OPENED = "anomaly_opened"  # the anomaly rule's alert fired
    ANOMALY_CLOSED = "anomaly_closed"  # and resolved


@dataclass(frozen=True)
class Event:
    """One row of the timeline; `detail` holds the facts the summary names (types, statuses, times)."""

    at: datetime
    kind: EventKind
    server_id: str | None = None
    hostname: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


def summary(event: Event, lang: Lang) -> str:
    """The event in one line of `lang`: `db-master-01: memory leak (high) started`."""
    detail = event.detail
    host = event.hostname or ""
    if event.kind in (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED):
        return t(f"events.{event.kind.value}", lang, host=host,
                 type=t(f"incident.{detail['type']}", lang).lower(),
                 severity=t(f"severity.{detail['severity']}", lang).lower())
    if event.kind is EventKind.STATUS_CHANGED:
        return t("events.status_changed", lang, host=host, before=t(f"status.{detail['before']}", lang),
                 after=t(f"status.{detail['after']}", lang))
    if event.kind in (EventKind.ANOMALY_OPENED, EventKind.ANOMALY_CLOSED):
        return t(f"events.{event.kind.value}", lang, host=host, metric=METRICS[detail["metric"]].label(lang),
                 value=detail["value"], usual=detail["usual"])
    if event.kind is EventKind.DEPLOYED:
        return t("events.deployed", lang, host=host, position=detail["position"])
    return t("events.reset", lang, servers=detail["servers"], incidents=detail["incidents"])
