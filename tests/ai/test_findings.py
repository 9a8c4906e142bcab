"""The statistics of tier 1: seasonal z-scores, onsets, climbs, and no false alarms at scale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from openmanager_core.ai.findings import (
    Window,
    _hinge,
    _row_findings,
    biggest_changes,
    departures,
    diagnose,
    name_causes,
    screen,
    unlinked,
)
from openmanager_core.analysis import DEFAULT_THRESHOLD, departs, robust_z
from openmanager_core.fleet import Fleet
from openmanager_core.metrics import METRIC_KEYS
from openmanager_core.models import IncidentType, Server, Severity
from tests.ai.conftest import NOW, inject, settings_for


def test_hinge_finds_where_a_level_turned_into_a_climb() -> None:
    t = np.arange(120) * 60.0
    rng = np.random.default_rng(7)
    level = 2.0 + rng.normal(0, 0.3, 120)
    climb = np.where(np.arange(120) >= 80, (np.arange(120) - 80) * 0.5, 0.0)
    index, per_second, r2 = _hinge(t, level + climb)  # type: ignore[misc]
    assert abs(index - 80) <= 2
    assert per_second * 60 == pytest.approx(0.5, rel=0.1) and r2 > 0.9


def test_hinge_on_a_flat_series_finds_no_climb() -> None:
    assert _hinge(np.arange(30) * 60.0, np.full(30, 5.0)) is None


def _scan(servers: int, moments: list[datetime], tmp_path: Path) -> list[tuple[str, str]]:
    fleet = Fleet(settings_for(tmp_path, fleet_size=servers))
    catalogue = fleet.catalogue
    found = []
    for moment in moments:
        result = screen(fleet, list(catalogue.servers), moment.timestamp())
        ranked = result.ranked()
        found += [(catalogue.servers[k].hostname, moment.isoformat()) for k in ranked]
        found += [(watch.server.hostname, f"watch {watch.metric}") for watch in result.watch]
        flagged = [catalogue.servers[k] for k in ranked]
        for diagnosis in diagnose(fleet, flagged, moment.timestamp()):
            found += [(diagnosis.server.hostname, cause.kind) for cause in diagnosis.causes]
    return found


def test_no_false_alarm_on_a_thousand_healthy_servers_around_the_clock(tmp_path: Path) -> None:
    """Every 7 hours for two weeks (so every hour of the day, weekdays and weekends): no finding, and
    no watch either (a young climb toward a threshold)."""
    start = datetime(2026, 11, 2, 0, 13, tzinfo=UTC)
    moments = [start + timedelta(hours=7 * k) for k in range(48)]
    assert _scan(1000, moments, tmp_path) == []


def test_screen_ranks_the_broken_servers_first(fleet: Fleet) -> None:
    inject(fleet, IncidentType.HOST_DOWN, "mail-server-01")
    inject(fleet, IncidentType.MEMORY_LEAK, "analytics-worker", severity=Severity.LOW, minutes_ago=15)
    servers = [s for s, _ in fleet.deployed_servers()]
    result = screen(fleet, servers, NOW.timestamp())
    assert [servers[k].hostname for k in result.ranked()] == ["mail-server-01", "analytics-worker"]
    assert result.status[servers.index(fleet.resolve("mail-server-01"))].value == "offline"


def test_a_young_leak_is_dated_from_where_it_left_its_level(fleet: Fleet) -> None:
    """Ten minutes in, memory has just shown past its warning line; the hinge dates it, the slope
    forecasts it."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", severity=Severity.LOW, minutes_ago=10)
    server = fleet.resolve("db-master-01")
    (diagnosis,) = diagnose(fleet, [server], NOW.timestamp())
    cause = diagnosis.causes[0]
    assert cause.kind == "memory_leak" and cause.primary is not None
    assert abs(cause.primary.onset - (NOW - timedelta(minutes=10)).timestamp()) <= 180  # type: ignore[operator]
    assert cause.primary.slope == pytest.approx(0.3, rel=0.15)  # 0.25 + 0.1 * 0.5 points a minute
    assert {f.label for f in cause.primary.forecasts} == {"critical", "full"}


NAMED_BY_MINUTE = {Severity.HIGH: 2, Severity.MEDIUM: 3, Severity.LOW: 10}


@pytest.mark.parametrize("severity", list(Severity))
def test_a_leak_is_named_a_leak_from_its_first_minutes_on(fleet: Fleet, severity: Severity) -> None:
    """Asked at any minute of a leak's first twenty, the answer names a leak, never memory pressure:
    the young climb fits a line poorly (a fast rise that then slows), but it still climbs."""
    servers = [s for s, _ in fleet.deployed_servers()]
    ages = dict(zip((s.hostname for s in servers), (1, 2, 3, 4, 5, 6, 8, 12, 20), strict=False))
    for host, minutes in ages.items():
        inject(fleet, IncidentType.MEMORY_LEAK, host, severity=severity, minutes_ago=minutes)
    for diagnosis in diagnose(fleet, [fleet.resolve(host) for host in ages], NOW.timestamp()):
        age = ages[diagnosis.server.hostname]
        named = [c.kind for c in diagnosis.causes if c.primary is not None and c.primary.metric == "memory"]
        assert named == ["memory_leak"] or (not named and age < NAMED_BY_MINUTE[severity]), (age, named)


def _memory_window(server: Server, memory: np.ndarray) -> Window:
    """One server's last hour: every metric level at 30 (sigma 2), memory as given, usually 50."""
    points = len(memory)
    t = NOW.timestamp() - np.arange(points - 1, -1, -1) * 60.0
    values = {key: np.full((1, points), 30.0) for key in METRIC_KEYS} | {"memory": memory[None]}
    usual = {key: np.full((1, points), 30.0) for key in METRIC_KEYS} | {"memory": np.full((1, points), 50.0)}
    return Window([server], t, values, np.ones((1, points), dtype=bool), usual,
                  {key: np.array([2.0]) for key in METRIC_KEYS}, 0)


def test_memory_that_stepped_up_and_stays_level_is_pressure_not_a_leak(fleet: Fleet) -> None:
    """A working set that grew 40 minutes ago and has held since is memory pressure; memory that left
    its level four minutes ago in a fast rise, slowing but still rising, is a leak."""
    minutes = np.arange(60)
    noise = np.random.default_rng(3).normal(0, 0.3, 60)
    level = np.where(minutes >= 20, 88.0, 50.0) + noise
    young = np.concatenate([np.full(55, 50.0), [62.0, 74.0, 76.0, 77.0, 78.0]]) + noise
    for memory, kind in ((level, "memory_pressure"), (young, "memory_leak")):
        findings = _row_findings(_memory_window(fleet.resolve("web-prod-01"), memory), 0)
        assert [c.kind for c in name_causes(findings, None, unlinked)] == [kind]


def test_biggest_changes_tell_unusual_from_the_daily_curve(fleet: Fleet) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "proxy-nginx-01", minutes_ago=10)
    servers = [s for s, _ in fleet.deployed_servers()]
    changes = biggest_changes(screen(fleet, servers, NOW.timestamp()))
    assert changes[0].server.hostname == "proxy-nginx-01" and changes[0].unusual
    assert changes[0].after < changes[0].before * 0.5
    assert all(not c.unusual for c in changes[1:])


def test_departures_judge_by_the_anomaly_models_rule_and_threshold(fleet: Fleet) -> None:
    """CPU usual at 20% with sigma 4: two minutes just over DEFAULT_THRESHOLD sigmas up (and
    material, over +15 points either way) are a departure, just under are not, as analysis.departs
    says of that z at that bar."""
    server = fleet.resolve("web-prod-01")
    t = NOW.timestamp() - np.arange(4, -1, -1) * 60.0
    usual, sigma = np.full((1, 5), 20.0), np.array([4.0])
    for excess, departed in ((0.2, True), (-0.2, False)):
        cpu = np.array([[20.0, 20.0, 20.0, 20.0, 20.0]])
        cpu[0, -2:] = 20.0 + (DEFAULT_THRESHOLD + excess) * 4.0
        window = Window([server], t, {"cpu": cpu}, np.ones((1, 5), dtype=bool), {"cpu": usual},
                        {"cpu": sigma}, 0)
        # The first minute out is not yet one: a single odd minute is noise.
        assert departures(window, "cpu")[0].tolist() == [False, False, False, False, departed]
        assert bool(departs(robust_z(cpu[0, -1], 20.0, 4.0), threshold=DEFAULT_THRESHOLD)) is departed
