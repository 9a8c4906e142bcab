"""The event timeline in the store, on a real SQLite file and a real PostgreSQL server: every write that
makes an event records it in its own transaction, reads come back in order, retention trims them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openmanager_core.events import Event, EventKind, InvalidPeriod, incident_spans, parse_period, summary
from openmanager_core.models import IncidentType, Severity, Status
from openmanager_core.store import Store

NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
PLACES = {1: ("srv_001", "web-prod-01"), 2: ("srv_002", "db-master-01")}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/openmanager.db" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    store = Store(url)
    yield store
    store.engine.dispose()


def minutes(n: int) -> datetime:
    return NOW + timedelta(minutes=n)


def test_deploys_incidents_and_a_reset_round_trip_in_order(store: Store) -> None:
    store.deploy_next(2, minutes(0), PLACES.__getitem__)
    store.deploy_through(2, minutes(1), PLACES.__getitem__)
    incident = store.add_incident(IncidentType.MEMORY_LEAK, "srv_002", "db-master-01", Severity.HIGH,
                                  minutes(2), minutes(3), 100)
    store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.LOW,
                       minutes(4), minutes(4), 100)
    assert store.clear_incident(incident.id, minutes(30))
    assert not store.clear_incident(incident.id, minutes(31))  # clearing twice records nothing
    store.reset(minutes(40))

    got = store.events()
    assert [(e.at, e.kind, e.server_id, e.hostname) for e in got] == [
        (minutes(0), EventKind.DEPLOYED, "srv_001", "web-prod-01"),
        (minutes(1), EventKind.DEPLOYED, "srv_002", "db-master-01"),
        (minutes(3), EventKind.INCIDENT_STARTED, "srv_002", "db-master-01"),
        (minutes(4), EventKind.INCIDENT_STARTED, "srv_001", "web-prod-01"),
        (minutes(30), EventKind.INCIDENT_CLEARED, "srv_002", "db-master-01"),
        (minutes(40), EventKind.INCIDENT_CLEARED, "srv_001", "web-prod-01"),  # the reset ends it
        (minutes(40), EventKind.RESET, None, None),
    ]
    assert got[4].detail == {"incident": incident.id, "type": "memory_leak", "severity": "high",
                             "started_at": minutes(2).isoformat()}
    assert got[-1].detail == {"servers": 2, "incidents": 1}
    assert summary(got[4], "en") == "db-master-01: memory leak incident cleared"
    assert summary(got[4], "ko") == "db-master-01: 메모리 누수 장애 해제"
    assert summary(got[-1], "en") == "Deployment reset: 2 servers removed, 1 incidents cleared"

    # since, server and limit: the latest `limit` matching, oldest first
    assert [e.kind for e in store.events(since=minutes(30))] == [EventKind.INCIDENT_CLEARED,
                                                                 EventKind.INCIDENT_CLEARED, EventKind.RESET]
    assert [e.at for e in store.events(server_id="srv_002")] == [minutes(1), minutes(3), minutes(30)]
    assert [e.at for e in store.events(server_id="srv_002", limit=2)] == [minutes(3), minutes(30)]


def test_last_statuses_are_the_latest_change_per_server_since_the_last_reset(store: Store) -> None:
    def change(at: datetime, server: str, before: Status, after: Status) -> Event:
        return Event(at, EventKind.STATUS_CHANGED, server, server,
                     {"before": before.value, "after": after.value})

    store.add_events([change(minutes(1), "srv_001", Status.ONLINE, Status.WARNING),
                      change(minutes(2), "srv_002", Status.ONLINE, Status.OFFLINE)])
    store.add_events([change(minutes(3), "srv_001", Status.WARNING, Status.CRITICAL)])
    assert store.last_statuses() == {"srv_001": Status.CRITICAL, "srv_002": Status.OFFLINE}
    store.reset(minutes(4))
    assert store.last_statuses() == {}


def test_events_past_retention_are_trimmed(store: Store) -> None:
    store.deploy_next(2, minutes(0), PLACES.__getitem__)
    store.deploy_next(2, minutes(10), PLACES.__getitem__)
    assert store.trim_events(minutes(5)) == 1
    assert [e.server_id for e in store.events()] == ["srv_002"]


def test_periods_read_as_written_and_bad_ones_are_refused() -> None:
    most = timedelta(days=30)
    assert parse_period("30m", most) == timedelta(minutes=30)
    assert parse_period(" 3H ", most) == timedelta(hours=3)
    assert parse_period("2 days", most) == timedelta(days=2)
    assert parse_period("90분", most) == timedelta(minutes=90)
    assert parse_period("6시간", most) == timedelta(hours=6)
    for bad in ("soon", "", "0m", "31d", "3h30m", "-1h", "1.5h"):
        with pytest.raises(InvalidPeriod) as refused:
            parse_period(bad, most)
        assert (refused.value.value, refused.value.most) == (bad, most)


def test_incident_spans_pair_start_and_clear_and_keep_an_older_active_one(store: Store) -> None:
    store.deploy_through(2, minutes(0), PLACES.__getitem__)
    old = store.add_incident(IncidentType.DISK_FULL, "srv_001", "web-prod-01", Severity.LOW,
                             minutes(-60), minutes(1), 100)
    leak = store.add_incident(IncidentType.MEMORY_LEAK, "srv_002", "db-master-01", Severity.HIGH,
                              minutes(5), minutes(6), 100)  # backdated a minute
    store.clear_incident(leak.id, minutes(20))

    window = store.events(since=minutes(3))  # the disk fill's start event is before it
    spans = incident_spans(window, store.incidents())
    assert [(s.incident, s.hostname, s.type, s.started_at, s.cleared_at) for s in spans] == [
        (old.id, "web-prod-01", IncidentType.DISK_FULL, minutes(-60), None),
        (leak.id, "db-master-01", IncidentType.MEMORY_LEAK, minutes(5), minutes(20)),
    ]
    assert spans[1].severity is Severity.HIGH
