"""Cleared incidents cost nothing once they end: the answers stay the same, and they are neither
read for nor applied to a window they cannot shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from openmanager_core import simulator
from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from openmanager_core.store import incidents
from tests.ai.conftest import NOW, inject

QUESTIONS = ("지금 문제 있는 서버는?", "Why is db-master-01 slow?", "Is any disk filling up?")
CLEARED = 2000


def _pile_up_cleared(fleet: Fleet) -> None:
    """2,000 incidents on every server and of every type, each over 4 to 6 hours ago: still within
    the store's AI lookback (7 days), but before the 3 hours the AI looks at and away from the same
    hours of the days before."""
    servers, kinds = fleet.catalogue.servers, list(IncidentType)
    rows = []
    for n in range(CLEARED):
        server = servers[n % len(servers)]
        started = NOW - timedelta(hours=6) + timedelta(seconds=3 * n)
        rows.append({"type": kinds[n % len(kinds)].value, "server_id": server.id,
                     "hostname": server.hostname, "severity": "high", "started_at": started,
                     "created_at": started, "cleared_at": started + timedelta(minutes=20)})
    with fleet.store.engine.begin() as conn:
        conn.execute(insert(incidents), rows)


def test_two_thousand_cleared_incidents_change_neither_the_answers_nor_what_is_applied(
        fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=40)
    inject(fleet, IncidentType.DISK_FULL, "backup-storage-01", minutes_ago=90)
    applied: list[int] = []
    apply = simulator._apply_incident

    def counted(incident: Any, *args: Any) -> None:
        applied.append(incident.id)
        apply(incident, *args)

    monkeypatch.setattr(simulator, "_apply_incident", counted)
    agent = Agent(fleet, use_cache=False)

    store_incidents = fleet.store.incidents
    read_at_most: list[int] = []

    def incidents_read(*args: Any, **kwargs: Any) -> list[Any]:
        found = store_incidents(*args, **kwargs)
        read_at_most.append(len(found))
        return found

    monkeypatch.setattr(fleet.store, "incidents", incidents_read)

    def read() -> tuple[list[str], list[object], int]:
        applied.clear()
        read_at_most.clear()
        answers = [agent.ask(question).response for question in QUESTIONS]
        charts = [fleet.history("db-master-01", minutes=60), agent.engine.marks("db-master-01", 60)]
        return answers, charts, len(applied)

    before = read()
    _pile_up_cleared(fleet)
    assert len(fleet.store.incidents(in_effect_during=[(NOW - timedelta(days=7), NOW)])) == CLEARED + 2
    after = read()
    # What the answers and charts read: only incidents in effect where they look.
    assert read_at_most and max(read_at_most) == 2
    assert before[2] > 0, "the two active incidents are applied"
    assert after == before
