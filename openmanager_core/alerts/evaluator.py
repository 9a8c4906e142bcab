"""The alert evaluator: a process-wide thread that, while this replica leads, looks at the fleet
every `alert_interval_seconds`, moves each alert along its lifecycle, hands what changed to the
notifier and records status changes on the event timeline. Every replica runs one; the leadership
lets one of them evaluate at a time, and each transition is a compare-and-set in the store, so even
two evaluators at once never send twice."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ..ai import phrases
from ..ai.engine import Engine
from ..events import Event, EventKind
from ..fleet import Fleet
from ..i18n import NO_VALUE
from ..store import StoreUnavailable
from . import conditions, lifecycle
from .delivery import Notifier
from .leadership import Leadership, leadership_for
from .lifecycle import Step
from .messages import Notification
from .models import AlertRecord, AlertState, RuleKind, Silence, silenced
from .rules import builtin_rules
from .status_events import StatusRecorder

TRIM_INTERVAL = timedelta(hours=1)  # alert history and events past retention is deleted at most this often
MIN_WAIT_SECONDS = 0.05

log = logging.getLogger("openmanager.alerts")


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation did: the notification it handed on, and when the next step is due."""

    notification: Notification
    next_in: float | None = None  # seconds until a pending alert may fire or a clearing one resolve


Told = Literal["firing", "resolved"] | None


class AlertEvaluator:
    """Evaluates the rules over `fleet` and notifies through `notifier` while `leadership` holds."""

    def __init__(self, fleet: Fleet, notifier: Notifier, leadership: Leadership | None = None) -> None:
        self.fleet, self.notifier = fleet, notifier
        self.settings = fleet.settings
        self.leadership = leadership or leadership_for(self.settings, fleet.store)
        self.engine = Engine(fleet)
        self.statuses = StatusRecorder(fleet.store)
        self.retention = timedelta(days=self.settings.retention_days)
        self._trimmed_at: datetime | None = None
        self._seeded = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one evaluation ------------------------------------------------------------------

    def evaluate(self) -> Evaluation:
        """Look at the fleet once and apply every rule's lifecycle; hand the changes to the notifier."""
        store = self.fleet.store
        if not self._seeded:
            store.seed_alert_rules(builtin_rules(), self.fleet.clock())
            self._seeded = True
        rules = {rule.id: rule for rule in store.alert_rules()}
        enabled = [rule for rule in rules.values() if rule.enabled]
        look = conditions.look(self.fleet, self.engine, conditions.needs_diagnoses(enabled))
        now = look.at
        self.statuses.record(look.now)
        observed = {(o.rule.id, o.server.id): o for o in conditions.observe(enabled, look)}
        active = {(a.rule_id, a.server_id): a
                  for a in store.alerts((AlertState.PENDING, AlertState.FIRING), limit=1_000_000)}
        silences = store.silences(active_at=now)
        told: dict[str, list[AlertRecord]] = {"firing": [], "resolved": []}
        waits: list[float] = []
        for key in sorted(observed.keys() | active.keys()):
            rule = rules.get(key[0])
            # A rule disabled or deleted lets its alerts go at once.
            for_seconds = rule.for_seconds if rule is not None and rule.enabled else 0.0
            alert, seen = active.get(key), observed.get(key)
            step = lifecycle.decide(alert, seen is not None, for_seconds, now)
            record, tell = self._apply(step, alert, seen, now, look, silences)
            if tell is not None and record is not None:
                told[tell].append(record)
            due = lifecycle.due_in(record, for_seconds, now) if record is not None else None
            if due is not None:
                waits.append(due)
        notification = Notification(now, told["firing"], told["resolved"])
        self.notifier.notify(notification, rules)
        self._trim_if_due(now)
        return Evaluation(notification, min(waits, default=None))

    def _apply(self, step: Step, alert: AlertRecord | None, seen: conditions.Observation | None,
               now: datetime, look: conditions.FleetLook, silences: list[Silence]
               ) -> tuple[AlertRecord | None, Told]:
        """Write one step to the store: the alert as it now stands (None: gone, or another evaluator
        moved it first) and what to tell about it."""
        store = self.fleet.store
        if step is Step.NONE:
            return None, None
        if step in (Step.OPEN, Step.OPEN_FIRING):
            assert seen is not None
            record = AlertRecord(
                rule_id=seen.rule.id, kind=seen.rule.kind, server_id=seen.server.id,
                hostname=seen.server.hostname, severity=seen.rule.severity, state=AlertState.PENDING,
                metric=seen.metric, value=seen.value, threshold=seen.threshold, detail=seen.detail,
                starts_at=now)
            if step is Step.OPEN_FIRING:
                record = self._firing(record, now, look, silences)
            stored = store.open_alert(record)
            if stored is not None and step is Step.OPEN_FIRING:
                self._anomaly_event(stored, EventKind.ANOMALY_OPENED, now)
            return stored, "firing" if stored is not None and stored.notified else None
        assert alert is not None
        if step is Step.DROP:
            store.drop_pending_alert(alert.id)
            return None, None
        if step is Step.RESOLVE:
            ends = alert.clear_since or now
            if not store.update_alert(alert.id, AlertState.FIRING, state=AlertState.RESOLVED, ends_at=ends):
                return None, None
            self._anomaly_event(alert, EventKind.ANOMALY_CLOSED, ends)
            return alert.model_copy(update={"state": AlertState.RESOLVED, "ends_at": ends}), \
                "resolved" if alert.notified else None
        changes: dict[str, Any] = {}
        if seen is not None and (seen.value, seen.threshold, seen.detail) != (alert.value, alert.threshold,
                                                                            alert.detail):
            changes.update(value=seen.value, threshold=seen.threshold, detail=seen.detail)
        tell: Told = None
        if step is Step.FIRE:
            fired = self._firing(alert, now, look, silences)
            changes.update(state=AlertState.FIRING, fired_at=now, notified=fired.notified,
                           diagnosis=fired.diagnosis)
            tell = "firing" if fired.notified else None
        elif alert.state is AlertState.FIRING:
            if step is Step.CLEARING:
                changes["clear_since"] = now
            elif step is Step.RELAPSE:
                changes["clear_since"] = None
            if not alert.notified and not silenced(silences, alert, now):
                changes["notified"] = True  # its silence ended while it fired: tell now
                tell = "firing"
        if changes and not store.update_alert(alert.id, alert.state, **changes):
            return None, None
        if step is Step.FIRE:
            self._anomaly_event(alert.model_copy(update=changes), EventKind.ANOMALY_OPENED, now)
        return alert.model_copy(update=changes), tell

    def _anomaly_event(self, alert: AlertRecord, kind: EventKind, at: datetime) -> None:
        """The anomaly rule's alerts firing and resolving are the timeline's anomalies opened and closed
        (written by the evaluator whose compare-and-set won, so once)."""
        if alert.kind is not RuleKind.ANOMALY or alert.metric is None:
            return
        value = phrases.value(alert.metric, alert.value) if alert.value is not None else NO_VALUE
        usual = phrases.value(alert.metric, alert.threshold) if alert.threshold is not None else NO_VALUE
        self.fleet.store.add_events([Event(at, kind, alert.server_id, alert.hostname,
                                           {"metric": alert.metric, "value": value, "usual": usual})])

    def _firing(self, record: AlertRecord, now: datetime, look: conditions.FleetLook,
                silences: list[Silence]) -> AlertRecord:
        """The alert as it fires: with tier 1's line about its server, notified unless silenced."""
        diagnosis = conditions.diagnosis_line(look.diagnoses.get(record.server_id), self.notifier.language)
        return record.model_copy(update={"state": AlertState.FIRING, "fired_at": now, "diagnosis": diagnosis,
                                          "notified": not silenced(silences, record, now)})

    def _trim_if_due(self, now: datetime) -> None:
        if self._trimmed_at is not None and now - self._trimmed_at < TRIM_INTERVAL:
            return
        self._trimmed_at = now
        cutoff = now - self.retention
        removed = self.fleet.store.trim_alerts(cutoff) + self.fleet.store.trim_events(cutoff)
        if removed:
            log.info("deleted %d alert and event rows older than %s", removed, cutoff)

    # -- the thread -----------------------------------------------------------------------

    def start(self) -> None:
        self.notifier.start()
        self._thread = threading.Thread(target=self._loop, name="alert-evaluator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.leadership.release()
        self.notifier.stop()

    def _loop(self) -> None:
        interval = self.settings.alert_interval_seconds
        wait = interval  # the first look one interval after start, as every later one
        leading = False
        while not self._stopped.wait(wait):
            # Looks start every interval, however long one takes: the lease renewed at each look
            # (1.5 intervals) then outlives any evaluation shorter than half an interval.
            looked = time.monotonic()
            wait = interval
            try:
                holds = self.leadership.hold()
                if holds != leading:
                    log.info("alert evaluator: %s this replica (%s)",
                             "leading on" if holds else "standing by on", self.leadership.name)
                    leading = holds
                    self.statuses.forget()
                if not holds:
                    wait = interval / 3  # a dead holder's lease is noticed well within 2 intervals
                    continue
                evaluation = self.evaluate()
                wait = interval if evaluation.next_in is None else min(interval, evaluation.next_in)
                wait = max(MIN_WAIT_SECONDS, wait - (time.monotonic() - looked))
            except StoreUnavailable as exc:
                log.warning("alert evaluator: store unavailable, retrying: %s", exc)
            except Exception:
                # The thread must outlive any one bad evaluation, or alerts stop for good.
                log.exception("alert evaluator: evaluation failed")
