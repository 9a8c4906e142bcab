"""The event timeline: what happened to the fleet (incidents started and cleared, deployments and
resets, status changes, anomalies opened and closed), stored language-neutral and worded at read
time in Korean or English."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .i18n import Lang, t
from .metrics import METRICS
from .models import Incident, IncidentType, Severity


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


def incident_label(kind: str, lang: Lang) -> str:
    """An incident type mid-sentence: `memory leak`, but `CPU spike` (an acronym keeps its case)."""
    label = t(f"incident.{kind}", lang)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def summary(event: Event, lang: Lang) -> str:
    """The event in one line of `lang`: `db-master-01: memory leak (high) started`."""
    detail = event.detail
    host = event.hostname or ""
    if event.kind in (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED):
        return t(f"events.{event.kind.value}", lang, host=host,
                 type=incident_label(detail["type"], lang),
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


@dataclass(frozen=True)
class IncidentSpan:
    """One incident from its start to its clearing (None while it goes on), as the timeline draws it."""

    incident: int
    server_id: str
    hostname: str
    type: IncidentType
    severity: Severity
    started_at: datetime
    cleared_at: datetime | None


def incident_spans(found: Iterable[Event], active: Iterable[Incident] = ()) -> list[IncidentSpan]:
    """Each incident the events start or clear, from when it began (a backdated start included) to
    when it was cleared; plus the `active` incidents whose start event is older than `found`."""
    spans: dict[int, IncidentSpan] = {}
    for event in found:
        if event.kind not in (EventKind.INCIDENT_STARTED, EventKind.INCIDENT_CLEARED):
            continue
        detail = event.detail
        number = int(detail["incident"])
        cleared = event.at if event.kind is EventKind.INCIDENT_CLEARED else None
        known = spans.get(number)
        spans[number] = IncidentSpan(
            number, event.server_id or "", event.hostname or "", IncidentType(detail["type"]),
            Severity(detail["severity"]), datetime.fromisoformat(detail["started_at"]),
            cleared or (known.cleared_at if known else None))
    for incident in active:
        spans.setdefault(incident.id, IncidentSpan(
            incident.id, incident.server_id, incident.hostname, incident.type, incident.severity,
            incident.started_at, incident.cleared_at))
    return sorted(spans.values(), key=lambda span: (span.started_at, span.incident))


class InvalidPeriod(ValueError):
    """A period that is not `<number><m|h|d>` from a minute to `most` (the page words it with
    `timeline.bad_period`)."""

    def __init__(self, value: str, most: timedelta) -> None:
        super().__init__(f"{value!r} is not a period of 1 minute to {most.days} days")
        self.value, self.most = value, most


_PERIOD = re.compile(r"^\s*(\d{1,6})\s*(m|min|mins|minutes?|분|h|hours?|시간|d|days?|일)\s*$", re.IGNORECASE)
_UNIT = {"m": 1, "분": 1, "h": 60, "시간": 60, "d": 1440, "일": 1440}


def parse_period(value: str, most: timedelta) -> timedelta:
    """`30m`, `3h`, `2d` (or `30분`, `3시간`, `2일`) as a timedelta of at least a minute and at most
    `most` (how long events are kept); InvalidPeriod otherwise."""
    found = _PERIOD.match(value)
    if found is None:
        raise InvalidPeriod(value, most)
    unit = found.group(2).lower()
    period = timedelta(minutes=int(found.group(1)) * (_UNIT[unit] if unit in _UNIT else _UNIT[unit[:1]]))
    if not timedelta(minutes=1) <= period <= most:
        raise InvalidPeriod(value, most)
    return period
