"""Status changes on the event timeline, recorded by the evaluator over a real store and fleet: only
changes, once each, and a new leader carries on from what the store holds."""

from __future__ import annotations

from collections.abc import Callable

from openmanager_core.events import EventKind
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
