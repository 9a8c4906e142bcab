"""pending → firing → resolved, as Prometheus does it, with flap damping: the one state machine
every evaluation applies to each (rule, server)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from .models import AlertRecord, AlertState


class Step(StrEnum):
    NONE = "none"  # nothing to do
    OPEN = "open"  # the condition appeared: a new pending alert
    OPEN_FIRING = "open_firing"  # ...and its rule waits 0 s: it fires at once
    WAIT = "wait"  # pending, or firing and clearing, but not for long enough yet
    FIRE = "fire"  # pending for the rule's `for`: it fires
    HOLD = "hold"  # firing, and the condition still holds
    CLEARING = "clearing"  # firing, and the condition cleared just now
    RELAPSE = "relapse"  # firing and clearing, and the condition is back: it stays firing
    RESOLVE = "resolve"  # clear for the rule's `for` (or its rule is gone): resolved
    DROP = "drop"  # pending, and the condition cleared before it fired: forgotten


def decide(alert: AlertRecord | None, holds: bool, for_seconds: float, now: datetime) -> Step:
    """What one evaluation does to the alert of one rule on one server.

    `holds`: the rule's condition holds on the server now (False too when the rule was disabled
    or deleted, with `for_seconds` 0 so it resolves at once). A firing alert resolves only after
    the condition has been clear for `for_seconds` too, so a flapping metric fires once.
    """
    wait = timedelta(seconds=for_seconds)
    if alert is None or alert.state is AlertState.RESOLVED:
        if not holds:
            return Step.NONE
        return Step.OPEN_FIRING if for_seconds <= 0 else Step.OPEN
    if alert.state is AlertState.PENDING:
        if not holds:
            return Step.DROP
        return Step.FIRE if now - alert.starts_at >= wait else Step.WAIT
    if holds:
        return Step.RELAPSE if alert.clear_since is not None else Step.HOLD
    if alert.clear_since is None:
        return Step.RESOLVE if for_seconds <= 0 else Step.CLEARING
    return Step.RESOLVE if now - alert.clear_since >= wait else Step.WAIT


def due_in(alert: AlertRecord, for_seconds: float, now: datetime) -> float | None:
    """Seconds until this alert's next step could happen (fire, or resolve while clearing)."""
    since = alert.starts_at if alert.state is AlertState.PENDING else alert.clear_since
    if since is None or alert.state is AlertState.RESOLVED:
        return None
    return max(0.0, (since + timedelta(seconds=for_seconds) - now).total_seconds())
