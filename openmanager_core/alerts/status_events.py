"""Status changes for the event timeline, recorded by the alert evaluator from the look it already
takes each interval: one writer per deployment (the evaluator's leadership), only changes written."""

from __future__ import annotations

from ..events import Event, EventKind
from ..fleet import FleetNow
from ..models import Status
from ..store import Store


class StatusRecorder:
    """Compares each look's statuses with the last ones recorded and writes the changes. A server not
    seen before counts as online (deploying brings it up so); what was recorded is read back from the
    store when this replica starts leading, so a new leader carries on where the last one stopped."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last: dict[str, Status] | None = None

    def forget(self) -> None:
        """Read the statuses back from the store at the next look (another replica may have led)."""
        self._last = None

    def record(self, now: FleetNow) -> list[Event]:
        if self._last is None:
            self._last = self.store.last_statuses()
        last, current = self._last, {}
        changes = []
        for k, (server, _) in enumerate(now.deployed):
            status = now.judgement.status(k)
            current[server.id] = status
            before = last.get(server.id, Status.ONLINE)
            if status is not before:
                changes.append(Event(now.at, EventKind.STATUS_CHANGED, server.id, server.hostname,
                                     {"before": before.value, "after": status.value}))
        self.store.add_events(changes)
        self._last = current  # servers no longer deployed start again from online
        return changes
