"""Realistic server metrics as a pure function of (server, time, incidents).

Nothing is stored: any process or replica computes the same value for the same instant,
so history for any window is computed on demand. Arrays are (servers x instants).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from . import thresholds
from .metrics import METRICS
from .models import (
    Incident,
    IncidentType,
    MetricSample,
    Server,
    ServerType,
    Service,
    ServiceState,
    Severity,
)
from .sources.base import Frame, frames_to_samples

KST = timedelta(hours=9)
MAINTENANCE_START_HOUR = 3.0  # 03:00-03:30 KST daily: backups run, logs rotate
MAINTENANCE_HOURS = 0.5

SEVERITY_WEIGHT = {Severity.LOW: 0.5, Severity.MEDIUM: 0.75, Severity.HIGH: 1.0}
# How long an injected incident takes to show in full: a high-severity one is past its server
# type's warning line within a minute, a medium one within 3 minutes, a low one within 10.
ONSET_SECONDS = {Severity.LOW: 300.0, Severity.MEDIUM: 120.0, Severity.HIGH: 45.0}
# A leak that has been growing unseen, or a burst of logs, shows up this many points past its
# server type's warning line and climbs on from there; of the usual wiggle a part stays visible.
SHOW_MARGIN = 1.5
KEPT_NOISE = 0.1
RETRANSMIT_MS = 200.0  # Linux's minimum TCP retransmission timeout: what a lost packet costs
# Every metric is clamped to its physical range (the registry's), however many incidents pile up;
# a simulated host is never quite idle, nor its memory or disk quite empty, nor its memory quite full.
SIMULATED_RANGE = {"cpu": (1.0, 100.0), "memory": (5.0, 99.5), "disk": (5.0, 100.0)}
MAX_RESPONSE_MS = METRICS["response_time"].physical[1]


@dataclass(frozen=True)
class Profile:
    """Typical values of a server type at a normal business-hours load."""

    cpu: float
    memory: float
    disk: float
    network_in: float
    network_out: float
    response_time: float
    connections: float


PROFILES: dict[ServerType, Profile] = {
    ServerType.WEB: Profile(35, 55, 45, 120, 180, 180, 400),
    ServerType.DATABASE: Profile(40, 70, 60, 80, 60, 25, 150),
    ServerType.API: Profile(35, 50, 35, 150, 150, 120, 600),
    ServerType.KUBERNETES: Profile(40, 60, 40, 90, 90, 80, 300),
    ServerType.CACHE: Profile(20, 65, 25, 200, 200, 3, 800),
    ServerType.PROXY: Profile(25, 35, 30, 250, 250, 60, 1000),
    ServerType.ANALYTICS: Profile(50, 60, 55, 60, 30, 400, 40),
    ServerType.MONITORING: Profile(40, 65, 62, 100, 40, 200, 100),
    ServerType.CI_CD: Profile(30, 45, 55, 40, 40, 250, 30),
    ServerType.STORAGE: Profile(15, 35, 66, 80, 80, 40, 50),
    ServerType.MAIL: Profile(15, 40, 50, 20, 20, 150, 80),
    ServerType.SECURITY: Profile(10, 35, 30, 10, 10, 30, 40),
}
BACKUP_TYPES = (ServerType.STORAGE,)

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _seed(text: str) -> int:
    """A stable 64-bit seed (Python's hash() is salted per process, so it won't do)."""
    value = 1469598103934665603
    for byte in text.encode():
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value


def _hash_unit(seed: np.ndarray, knot: np.ndarray) -> np.ndarray:
    """splitmix64 of (seed, knot) mapped to [-1, 1]: a random value per time knot."""
    with np.errstate(over="ignore"):
        x = seed + knot.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    unit: np.ndarray = (x >> np.uint64(11)).astype(np.float64) * (2.0 / 2**53) - 1.0
    return unit


def _value_noise(seed: np.ndarray, t: np.ndarray, period: float) -> np.ndarray:
    """Smooth noise: random values at knots `period` apart, eased in between."""
    position = t / period
    knot = np.floor(position)
    frac = position - knot
    ease = frac * frac * (3.0 - 2.0 * frac)
    a = _hash_unit(seed, knot.astype(np.int64))
    b = _hash_unit(seed, knot.astype(np.int64) + 1)
    noise: np.ndarray = a + (b - a) * ease
    return noise


def smooth_noise(seed: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Three octaves (30 min, 5 min, 1 min): drifts slowly, wiggles a little, never jumps."""
    with np.errstate(over="ignore"):
        s2 = seed * np.uint64(3) + np.uint64(7)
        s3 = seed * np.uint64(5) + np.uint64(11)
    return (0.6 * _value_noise(seed, t, 1800.0) + 0.3 * _value_noise(s2, t, 300.0)
            + 0.1 * _value_noise(s3, t, 60.0))


def local_hours(t: np.ndarray) -> np.ndarray:
    """Hour of day in Korea (KST), as a float."""
    return ((t + KST.total_seconds()) % 86400.0) / 3600.0


def daily_load(t: np.ndarray) -> np.ndarray:
    """Relative load: quiet nights, business hours 09-18, peaks 10-11 and 14-16, lighter weekends."""
    hour = local_hours(t)
    business = 1.0 / (1.0 + np.exp(-(hour - 8.5) * 2.0)) / (1.0 + np.exp((hour - 19.0) * 1.5))
    peaks = 0.18 * np.exp(-((hour - 10.5) ** 2) / 0.5) + 0.15 * np.exp(-((hour - 15.0) ** 2) / 1.2)
    day = np.floor((t + KST.total_seconds()) / 86400.0)
    weekend = ((day + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    load = 0.3 + 0.65 * business + peaks
    return np.where(weekend, load * 0.7, load)


def in_maintenance(t: np.ndarray) -> np.ndarray:
    hour = local_hours(t)
    return (hour >= MAINTENANCE_START_HOUR) & (hour < MAINTENANCE_START_HOUR + MAINTENANCE_HOURS)


def _hours_since_rotation(t: np.ndarray) -> np.ndarray:
    return (local_hours(t) - MAINTENANCE_START_HOUR - MAINTENANCE_HOURS) % 24.0


def _to_seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def main_service(server: Server) -> Service:
    """The service a server exists for (its first one; sshd always comes last)."""
    return server.services[0]


class Simulator:
    """Computes metrics for any subset of a fleet at any instants."""

    def __init__(self, servers: Sequence[Server]) -> None:
        self.servers = list(servers)
        self._row = {s.id: i for i, s in enumerate(self.servers)}
        seeds = np.array([_seed(s.id) for s in self.servers], dtype=np.uint64)
        self._seeds = seeds
        profiles = [PROFILES[s.type] for s in self.servers]
        # Each server sits a little above or below its type's norm, stably.
        jitter = _hash_unit(seeds, np.full(len(seeds), 99, dtype=np.int64))
        self._base = {
            "cpu": np.array([p.cpu for p in profiles]) * (1 + 0.15 * jitter),
            "memory": np.array([p.memory for p in profiles]) + 6 * jitter,
            "disk": np.array([p.disk for p in profiles]) + 8 * jitter,
            "network_in": np.array([p.network_in for p in profiles]) * (1 + 0.2 * jitter),
            "network_out": np.array([p.network_out for p in profiles]) * (1 + 0.2 * jitter),
            "response_time": np.array([p.response_time for p in profiles]) * (1 + 0.1 * jitter),
            "connections": np.array([p.connections for p in profiles]) * (1 + 0.2 * jitter),
        }
        self._backup = np.array([s.type in BACKUP_TYPES for s in self.servers])

    def frame(self, server_ids: Sequence[str], t: np.ndarray,
              incidents: Sequence[Incident] = ()) -> Frame:
        rows = np.array([self._row[i] for i in server_ids], dtype=np.int64)
        t2 = np.asarray(t, dtype=np.float64)[None, :]
        seeds = self._seeds[rows][:, None]

        def base(key: str) -> np.ndarray:
            column: np.ndarray = self._base[key][rows][:, None]
            return column

        with np.errstate(over="ignore"):
            shared = smooth_noise(seeds, t2)  # one latent "traffic" drives load metrics
            n_cpu = smooth_noise(seeds ^ np.uint64(0xA5A5), t2)
            n_mem = _value_noise(seeds ^ np.uint64(0x5A5A), t2, 3600.0)
            n_disk = _value_noise(seeds ^ np.uint64(0x3C3C), t2, 6 * 3600.0)
            n_net = smooth_noise(seeds ^ np.uint64(0xC3C3), t2)
        maintenance = np.broadcast_to(in_maintenance(t2), (len(rows), t2.shape[1]))
        load = daily_load(t2) * (1.0 + 0.18 * shared)
        backup = self._backup[rows][:, None] & maintenance

        cpu = base("cpu") * (0.35 + 0.65 * load) + 3.0 * n_cpu + np.where(backup, 30.0, 0.0)
        memory = base("memory") + 8.0 * (load - 0.8) + 3.0 * n_mem
        disk = base("disk") + 2.0 * n_disk + 1.5 * _hours_since_rotation(t2) / 24.0
        net_in = base("network_in") * load * (1.0 + 0.1 * n_net)
        net_out = base("network_out") * load * (1.0 + 0.1 * n_net) * np.where(backup, 3.0, 1.0)
        connections = base("connections") * load * (1.0 + 0.1 * n_net)
        values = {"cpu": cpu, "memory": memory, "disk": disk, "network_in": net_in,
                  "network_out": net_out, "connections": connections}
        up = np.ones_like(cpu, dtype=bool)
        # Response-time effects of incidents: a factor (slower work) and added milliseconds (waits).
        values["rt_factor"] = np.ones_like(cpu)
        values["rt_extra"] = np.zeros_like(cpu)

        row_of = {int(r): k for k, r in enumerate(rows)}
        for incident in incidents:
            k = row_of.get(self._row.get(incident.server_id, -1))
            if k is None:
                continue
            active = active_at(incident, t2[0])
            if not active.any():  # over before these instants, begun after them, or between them
                continue
            server = self.servers[int(rows[k])]
            usual = {key: float(self._base[key][rows[k]]) for key in ("memory", "disk")}
            with np.errstate(over="ignore", invalid="ignore"):
                _apply_incident(incident, active, t2[0], values, k, up, server.type, usual)
            _clamp(values, k)
        _clamp(values)

        # Queueing: response time climbs as CPU saturates (M/M/1-style 1/(1-u) growth).
        u = np.minimum(values["cpu"] / 100.0, 0.97)
        u0 = np.minimum(base("cpu") / 100.0, 0.9)
        response = base("response_time") * (1.0 - u0) / (1.0 - u) * (1.0 + 0.05 * n_net)
        values["response_time"] = response * values.pop("rt_factor") + values.pop("rt_extra")
        values["active_connections"] = values.pop("connections")
        _clamp(values)
        values["active_connections"] = np.round(values["active_connections"])
        return Frame(t=t2[0], values=values, up=up, maintenance=maintenance)

    def history(self, server: Server, start: datetime, end: datetime, step_seconds: int,
                incidents: Sequence[Incident] = ()) -> list[MetricSample]:
        """Samples every `step_seconds` from start to end; instants while the host is down are absent."""
        t0, t1 = _to_seconds(start), _to_seconds(end)
        t = np.arange(t0, t1 + 0.5, step_seconds, dtype=np.float64)
        frame = self.frame([server.id], t, [i for i in incidents if i.server_id == server.id])
        return frames_to_samples(frame, 0)


def _clamp(values: dict[str, np.ndarray], k: int | None = None) -> None:
    """Hold every metric (row k, or all) inside its physical range, whatever was piled on it."""
    rows = slice(None) if k is None else k
    ranges = {**{key: metric.physical for key, metric in METRICS.items()}, **SIMULATED_RANGE,
              "rt_factor": (0.0, MAX_RESPONSE_MS), "rt_extra": (0.0, MAX_RESPONSE_MS),
              "connections": METRICS["active_connections"].physical}
    for key, (low, high) in ranges.items():
        if key in values:
            row = np.nan_to_num(values[key][rows], nan=low, posinf=high, neginf=low)
            values[key][rows] = np.clip(row, low, high)


def active_at(incident: Incident, moment: float | np.ndarray) -> np.ndarray:
    """Whether the incident is in effect at epoch second(s) `moment`: started, and not yet cleared."""
    t = np.asarray(moment, dtype=np.float64)
    active = t >= _to_seconds(incident.started_at)
    if incident.cleared_at is not None:
        active &= t < _to_seconds(incident.cleared_at)
    return active


def _climb_past_warning(values: np.ndarray, metric: str, server_type: ServerType, usual: float,
                        ramp: np.ndarray, rise: np.ndarray) -> np.ndarray:
    """A percent metric that, over the onset (`ramp` 0..1), moves up to SHOW_MARGIN past its type's
    warning line and from there climbs by `rise`; never below where it would have been anyway."""
    bounds = thresholds.limits(metric, server_type)
    start = bounds[0] + SHOW_MARGIN if bounds else usual
    climbing = np.maximum(start + rise + KEPT_NOISE * (values - usual), values + rise)
    climbed: np.ndarray = values + ramp * (climbing - values)
    return climbed


def _apply_incident(incident: Incident, active: np.ndarray, t: np.ndarray, values: dict[str, np.ndarray],
                    k: int, up: np.ndarray, server_type: ServerType, usual: dict[str, float]) -> None:
    """Shape row k of `values` the way this failure really looks (at the instants of `t` where it is
    `active`), fully shown after ONSET_SECONDS."""
    e = np.where(active, np.maximum(t - _to_seconds(incident.started_at), 0.0), 0.0)
    s = SEVERITY_WEIGHT[incident.severity]
    on = active.astype(np.float64)
    ramp = on * np.minimum(1.0, e / ONSET_SECONDS[incident.severity])
    minutes = e / 60.0
    kind = incident.type
    if kind is IncidentType.CPU_SPIKE:
        target = 70.0 + 28.0 * s
        values["cpu"][k] += (target - values["cpu"][k]) * ramp
        values["network_in"][k] *= 1.0 + 2.2 * s * ramp
        values["network_out"][k] *= 1.0 + 1.5 * s * ramp
        values["connections"][k] *= 1.0 + 2.5 * s * ramp
    elif kind is IncidentType.MEMORY_LEAK:
        # Found late, as leaks are: already near the warning line, and still leaking.
        leaked = _climb_past_warning(values["memory"][k], "memory", server_type, usual["memory"], ramp,
                                     on * minutes * (0.25 + 0.1 * s))
        values["memory"][k] = np.minimum(leaked, 99.0)
        swapping = np.maximum(values["memory"][k] - 90.0, 0.0) / 9.0
        values["cpu"][k] += 25.0 * swapping  # kswapd and iowait
        values["rt_factor"][k] *= 1.0 + 12.0 * swapping**2
    elif kind is IncidentType.DISK_FULL:
        # A burst of logs (a debug level left on, a crash loop dumping cores), then a steady fill.
        filled = _climb_past_warning(values["disk"][k], "disk", server_type, usual["disk"], ramp,
                                     on * minutes * (0.1 + 0.2 * s))
        values["disk"][k] = np.minimum(filled, 100.0)
        failing = np.clip((values["disk"][k] - 97.0) / 3.0, 0.0, 1.0)
        values["rt_factor"][k] *= 1.0 + 4.0 * failing  # writes fail and are retried
    elif kind is IncidentType.NETWORK_CONGESTION:
        # Queues in the path slow every exchange; dropped packets wait out retransmission timeouts.
        values["rt_factor"][k] *= 1.0 + 8.0 * s * ramp
        values["rt_extra"][k] += RETRANSMIT_MS * (2.0 + 8.0 * s) * ramp
        values["network_in"][k] *= 1.0 - 0.6 * s * ramp
        values["network_out"][k] *= 1.0 - 0.6 * s * ramp
        values["connections"][k] *= 1.0 + 1.5 * s * ramp
    elif kind is IncidentType.SERVICE_DOWN:
        values["connections"][k] *= np.where(active, 0.1, 1.0)
        values["network_in"][k] *= np.where(active, 0.2, 1.0)
        values["network_out"][k] *= np.where(active, 0.2, 1.0)
        values["cpu"][k] *= np.where(active, 0.5, 1.0)
    elif kind is IncidentType.HOST_DOWN:
        up[k] &= ~active


def services_at(server: Server, up: bool, disk: float | None, incidents: Sequence[Incident],
                moment: datetime | None) -> list[Service]:
    """A down host stops everything, a service_down incident in effect at `moment` stops the main
    service, a full disk degrades it; servers without an incident just run."""
    ours = [i for i in incidents if i.server_id == server.id]
    if up and not ours:
        return server.services
    main = main_service(server).name
    main_down = any(i.type is IncidentType.SERVICE_DOWN
                    and (moment is None or bool(active_at(i, _to_seconds(moment)))) for i in ours)
    states: list[Service] = []
    for service in server.services:
        state = ServiceState.RUNNING
        if not up or (service.name == main and main_down):
            state = ServiceState.STOPPED
        elif service.name == main and disk is not None and disk >= 97.0:
            state = ServiceState.DEGRADED
        states.append(Service(name=service.name, port=service.port, status=state))
    return states
