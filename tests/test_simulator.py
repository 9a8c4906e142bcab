"""The simulator: deterministic, smooth, daily-shaped, and each incident looks like the real failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from openmanager_core.catalogue import Catalogue
from openmanager_core.models import (
    Incident,
    IncidentType,
    MetricSample,
    Server,
    Service,
    ServiceState,
    Severity,
)
from openmanager_core.simulator import Simulator, in_maintenance, services_at

CATALOGUE = Catalogue(20)
WEB = CATALOGUE.find("web-prod-01")
DB = CATALOGUE.find("db-master-01")
# Monday 2026-11-30 14:30 KST: business hours.
NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)


def incident(kind: IncidentType, server=WEB, minutes_ago: float = 30,
             severity: Severity = Severity.HIGH, cleared_at: datetime | None = None) -> Incident:
    return Incident(id=1, type=kind, server_id=server.id, hostname=server.hostname,
                    severity=severity, started_at=NOW - timedelta(minutes=minutes_ago),
                    created_at=NOW, cleared_at=cleared_at)


def sample_at(sim: Simulator, server: Server, at: datetime, incidents=()) -> MetricSample | None:
    """One server's sample at one instant (None while its host is down)."""
    samples = sim.history(server, at, at, 1, incidents)
    return samples[0] if samples else None


def services_of(server: Server, sample: MetricSample | None, incidents) -> list[Service]:
    """The server's services at the sample's instant, as the fleet judges them."""
    return services_at(server, sample is not None, sample.disk if sample else None, incidents,
                       sample.timestamp if sample else None)


def series(sim: Simulator, server, key: str, minutes: int = 60, incidents=(), step: int = 10):
    samples = sim.history(server, NOW - timedelta(minutes=minutes), NOW, step, incidents)
    return np.array([getattr(s, key) for s in samples])


def test_same_server_and_instant_give_the_same_values_in_any_process() -> None:
    a, b = Simulator(CATALOGUE.servers), Simulator(list(reversed(CATALOGUE.servers)))
    assert sample_at(a, WEB, NOW) == sample_at(b, WEB, NOW)
    history = a.history(WEB, NOW - timedelta(minutes=5), NOW, 60)
    assert history[-1] == sample_at(a, WEB, NOW)
    assert [sample_at(a, s, NOW) for s in CATALOGUE.servers][1] == sample_at(a, DB, NOW)
    assert sample_at(a, WEB, NOW) != sample_at(a, DB, NOW)


def test_noise_is_smooth_and_correlated_not_independent_jitter() -> None:
    sim = Simulator(CATALOGUE.servers)
    cpu = series(sim, WEB, "cpu", minutes=240)
    steps = np.abs(np.diff(cpu))
    assert steps.max() < 2.0, "10-second steps should never jump"
    assert cpu.max() - cpu.min() > 2.0, "but the series must move"
    lag1 = np.corrcoef(cpu[:-1], cpu[1:])[0, 1]
    assert lag1 > 0.95
    # One latent traffic signal drives CPU, network and connections together.
    net = series(sim, WEB, "network_in", minutes=240)
    assert np.corrcoef(cpu, net)[0, 1] > 0.5


def test_daily_curve_business_hours_busier_than_night() -> None:
    sim = Simulator(CATALOGUE.servers)
    day = datetime(2026, 11, 30, tzinfo=UTC)  # Monday 09:00 KST
    def mean_cpu(kst_hour: int) -> float:
        start = day + timedelta(hours=kst_hour - 9)
        return float(np.mean([s.cpu for s in sim.history(WEB, start, start + timedelta(hours=1), 300)]))
    assert mean_cpu(15) > mean_cpu(2) + 8
    assert mean_cpu(10) > mean_cpu(20)


def test_maintenance_window_runs_backups_at_three_kst() -> None:
    sim = Simulator(CATALOGUE.servers)
    backup = CATALOGUE.find("backup-storage-01")
    during = datetime(2026, 11, 30, 18, 10, tzinfo=UTC)  # 03:10 KST
    before = during - timedelta(hours=1)
    assert bool(in_maintenance(np.array([during.timestamp()]))[0])
    assert sample_at(sim, backup, during).maintenance and not sample_at(sim, backup, before).maintenance
    assert sample_at(sim, backup, during).cpu > sample_at(sim, backup, before).cpu + 15


def test_cpu_spike_brings_a_traffic_surge() -> None:
    sim = Simulator(CATALOGUE.servers)
    normal, hit = sample_at(sim, WEB, NOW), sample_at(sim, WEB, NOW, [incident(IncidentType.CPU_SPIKE)])
    assert hit.cpu >= 95 and normal.cpu < 60
    assert hit.network_in > 2.5 * normal.network_in
    assert hit.active_connections > 2 * normal.active_connections
    assert hit.response_time > normal.response_time * 3


def test_memory_leak_shows_past_warning_then_climbs_swaps_and_slows_responses() -> None:
    sim = Simulator(CATALOGUE.servers)
    leak = [incident(IncidentType.MEMORY_LEAK, minutes_ago=20, severity=Severity.MEDIUM)]
    memory = series(sim, WEB, "memory", minutes=15, incidents=leak, step=60)
    assert memory[0] >= 75, "found late, as leaks are: already past the warning line"
    assert memory[-1] > memory[0] + 4
    assert np.all(np.diff(memory) > -1.0), "a leak climbs steadily"
    leak = [incident(IncidentType.MEMORY_LEAK, minutes_ago=90)]
    early, late = sample_at(sim, WEB, NOW - timedelta(minutes=80), leak), sample_at(sim, WEB, NOW, leak)
    assert late.memory > 90 and late.response_time > 3 * sample_at(sim, WEB, NOW).response_time
    assert early.memory < late.memory


def test_disk_full_cascades_into_failed_writes() -> None:
    sim = Simulator(CATALOGUE.servers)
    full = [incident(IncidentType.DISK_FULL, server=DB, minutes_ago=120)]
    sample = sample_at(sim, DB, NOW, full)
    assert sample.disk == 100.0
    assert sample.response_time > 3 * sample_at(sim, DB, NOW).response_time
    main = services_of(DB, sample, full)[0]
    assert main.name == "mysql" and main.status is ServiceState.DEGRADED


def test_network_congestion_raises_latency_and_drops_traffic() -> None:
    sim = Simulator(CATALOGUE.servers)
    normal = sample_at(sim, WEB, NOW)
    hit = sample_at(sim, WEB, NOW, [incident(IncidentType.NETWORK_CONGESTION)])
    assert hit.response_time > 5 * normal.response_time
    assert hit.network_in < 0.6 * normal.network_in


def test_service_down_stops_the_main_service_only() -> None:
    sim = Simulator(CATALOGUE.servers)
    down = [incident(IncidentType.SERVICE_DOWN)]
    sample = sample_at(sim, WEB, NOW, down)
    states = {s.name: s.status for s in services_of(WEB, sample, down)}
    assert states == {"nginx": ServiceState.STOPPED, "php-fpm": ServiceState.RUNNING,
                      "sshd": ServiceState.RUNNING}
    assert sample.active_connections < 0.2 * sample_at(sim, WEB, NOW).active_connections


def test_host_down_has_no_metrics_from_its_start() -> None:
    sim = Simulator(CATALOGUE.servers)
    down = [incident(IncidentType.HOST_DOWN, minutes_ago=10)]
    assert sample_at(sim, WEB, NOW, down) is None
    history = sim.history(WEB, NOW - timedelta(minutes=20), NOW, 60, down)
    assert len(history) == 10  # the ten minutes before it went down, then nothing
    assert all(s.timestamp < NOW - timedelta(minutes=10) for s in history)


@pytest.mark.parametrize("kind", list(IncidentType))
def test_an_incident_affects_nothing_else(kind: IncidentType) -> None:
    sim = Simulator(CATALOGUE.servers)
    hit = [incident(kind)]
    others = CATALOGUE.servers[1:]
    assert [sample_at(sim, s, NOW, hit) for s in others] == [sample_at(sim, s, NOW) for s in others]


def test_severity_scales_the_effect() -> None:
    sim = Simulator(CATALOGUE.servers)
    low = sample_at(sim, WEB, NOW, [incident(IncidentType.CPU_SPIKE, severity=Severity.LOW)])
    high = sample_at(sim, WEB, NOW, [incident(IncidentType.CPU_SPIKE, severity=Severity.HIGH)])
    assert high.cpu > low.cpu + 8


def test_a_cleared_incident_stays_in_history_but_no_longer_shapes_the_present() -> None:
    sim = Simulator(CATALOGUE.servers)
    cleared = [incident(IncidentType.CPU_SPIKE, minutes_ago=30, cleared_at=NOW - timedelta(minutes=10))]
    assert sample_at(sim, WEB, NOW, cleared) == sample_at(sim, WEB, NOW)
    assert sample_at(sim, WEB, NOW - timedelta(minutes=15), cleared).cpu >= 95


def test_a_cleared_service_down_no_longer_stops_the_service() -> None:
    sim = Simulator(CATALOGUE.servers)
    cleared = [incident(IncidentType.SERVICE_DOWN, minutes_ago=30, cleared_at=NOW - timedelta(minutes=10))]
    assert all(s.status is ServiceState.RUNNING for s in services_of(WEB, sample_at(sim, WEB, NOW), cleared))
    earlier = NOW - timedelta(minutes=15)
    assert services_of(WEB, sample_at(sim, WEB, earlier, cleared), cleared)[0].status is ServiceState.STOPPED


def test_six_hundred_stacked_spikes_stay_finite_and_in_range() -> None:
    sim = Simulator(CATALOGUE.servers)
    piled = [incident(IncidentType.CPU_SPIKE) for _ in range(600)]
    piled += [incident(IncidentType.NETWORK_CONGESTION) for _ in range(45)]
    sample = sample_at(sim, WEB, NOW, piled)
    assert sample is not None
    assert sample.cpu <= 100 and 0 <= sample.response_time <= 60_000
    assert sample.network_in <= 10_000 and sample.active_connections <= 1_000_000
