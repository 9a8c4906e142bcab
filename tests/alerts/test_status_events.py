"""Status changes on the event timeline, recorded by the evaluator over a real store and fleet: only
changes, once each, and a new leader carries on from what the store holds; and the anomaly rule's
alerts as anomalies opened and closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from openmanager_core.alerts.rules import ANOMALY_FOR_SECONDS
from openmanager_core.events import EventKind, summary
from openmanager_core.models import IncidentType
from tests.alerts.conftest import HOST, Rig


def _changes(rig: Rig) -> list[tuple[str | None, str, str]]:
    return [(e.hostname, e.detail["before"], e.detail["after"]) for e in rig.fleet.store.events()
            if e.kind is EventKind.STATUS_CHANGED]


def test_status_changes_are_recorded_once_each(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    rig.evaluator.evaluate()
    assert _changes(rig) == []  # a healthy fleet: nothing changed
    incident = rig.fleet.inject(IncidentType.HOST_DOWN, HOST)
    rig.evaluator.evaluate()
    rig.clock.advance(15)
    rig.evaluator.evaluate()  # still offline: nothing more
    assert _changes(rig) == [(HOST, "online", "offline")]

    # Another replica takes over: it reads what was recorded rather than starting from online.
    rig.evaluator.statuses.forget()
    rig.evaluator.evaluate()
    assert _changes(rig) == [(HOST, "online", "offline")]

    rig.fleet.clear(incident.id)
    rig.clock.advance(15)
    rig.evaluator.evaluate()
    assert _changes(rig) == [(HOST, "online", "offline"), (HOST, "offline", "online")]
    [change] = [e for e in rig.fleet.store.events(since=rig.clock.now) if e.kind is EventKind.STATUS_CHANGED]
    assert change.at == rig.clock.now and change.server_id == "srv_001"


def test_the_anomaly_rules_alert_opens_and_closes_an_anomaly_on_the_timeline(
        make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    incident = rig.fleet.inject(IncidentType.DISK_FULL, HOST, started_at=rig.clock() - timedelta(minutes=30))
    rig.evaluator.evaluate()
    rig.clock.advance(ANOMALY_FOR_SECONDS)
    rig.evaluator.evaluate()
    rig.evaluator.evaluate()  # still firing: recorded once
    [opened] = [e for e in rig.fleet.store.events() if e.kind is EventKind.ANOMALY_OPENED]
    assert (opened.hostname, opened.detail["metric"], opened.at) == (HOST, "disk", rig.clock.now)
    value, usual = opened.detail["value"], opened.detail["usual"]
    assert value.endswith("%") and usual.endswith("%") and float(value[:-1]) > float(usual[:-1])
    assert summary(opened, "en") == f"{HOST}: disk anomaly ({value}, usually {usual})"

    rig.fleet.clear(incident.id)
    rig.evaluator.evaluate()
    rig.clock.advance(ANOMALY_FOR_SECONDS)
    rig.evaluator.evaluate()
    [closed] = [e for e in rig.fleet.store.events() if e.kind is EventKind.ANOMALY_CLOSED]
    assert summary(closed, "ko") == f"{HOST}: 디스크 이상 징후 해소"
    assert closed.at == rig.clock.now - timedelta(seconds=ANOMALY_FOR_SECONDS)  # when it cleared
