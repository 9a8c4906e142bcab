"""The lifecycle rule on its own: pending, firing, resolved, with `for` on the way in and out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openmanager_core.alerts.lifecycle import Step, decide, due_in
from openmanager_core.alerts.models import AlertRecord, AlertSeverity, AlertState, RuleKind

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _alert(state: AlertState, clear_since: datetime | None = None) -> AlertRecord:
    return AlertRecord(id=1, rule_id="host_down", kind=RuleKind.HOST_DOWN, server_id="srv_001",
                       hostname="web-prod-01", severity=AlertSeverity.CRITICAL, state=state, starts_at=T0,
                       clear_since=clear_since)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("alert", "holds", "for_seconds", "now", "step"), [
    (None, False, 30, at(0), Step.NONE),
    (None, True, 30, at(0), Step.OPEN),
    (None, True, 0, at(0), Step.OPEN_FIRING),
    (_alert(AlertState.PENDING), True, 30, at(29.9), Step.WAIT),
    (_alert(AlertState.PENDING), True, 30, at(30), Step.FIRE),
    (_alert(AlertState.PENDING), False, 30, at(10), Step.DROP),
    (_alert(AlertState.FIRING), True, 30, at(100), Step.HOLD),
    (_alert(AlertState.FIRING), False, 30, at(100), Step.CLEARING),
    (_alert(AlertState.FIRING), False, 0, at(100), Step.RESOLVE),
    (_alert(AlertState.FIRING, clear_since=at(100)), False, 30, at(129), Step.WAIT),
    (_alert(AlertState.FIRING, clear_since=at(100)), False, 30, at(130), Step.RESOLVE),
    (_alert(AlertState.FIRING, clear_since=at(100)), True, 30, at(110), Step.RELAPSE),
    (_alert(AlertState.RESOLVED), True, 30, at(200), Step.OPEN),
])
def test_each_step(alert: AlertRecord | None, holds: bool, for_seconds: float, now: datetime,
                   step: Step) -> None:
    assert decide(alert, holds, for_seconds, now) is step


def test_due_in_says_when_the_next_step_can_come() -> None:
    assert due_in(_alert(AlertState.PENDING), 30, at(10)) == 20
    assert due_in(_alert(AlertState.FIRING, clear_since=at(100)), 30, at(110)) == 20
    assert due_in(_alert(AlertState.FIRING), 30, at(110)) is None
