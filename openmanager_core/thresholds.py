"""Alert thresholds per server type (defaults in the metric registry) and the one judgement built on them.

`judge` decides, for many servers at once, each metric's level, each server's status and its
alerts; `count_by_status` counts the statuses. Every page, AI tier and API route calls these two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .i18n import Lang, t
from .metrics import METRICS
from .models import (
    Alert,
    AlertKind,
    FleetSummary,
    ServerType,
    Service,
    ServiceState,
    Status,
)

# Databases and caches keep their working set in memory on purpose, so they alarm later.
TYPE_OVERRIDES: dict[ServerType, dict[str, tuple[float, float]]] = {
    ServerType.DATABASE: {"memory": (85, 95), "response_time": (500, 2000)},
    ServerType.CACHE: {"memory": (85, 95), "response_time": (200, 1000)},
}


def limits(metric: str, server_type: ServerType) -> tuple[float, float] | None:
    """(warning, critical) for a metric on a server type, or None when it never alarms."""
    override = TYPE_OVERRIDES.get(server_type, {}).get(metric)
    if override:
        return override
    spec = METRICS[metric]
    if spec.warning is None or spec.critical is None:
        return None
    return spec.warning, spec.critical


def level(metric: str, value: float, server_type: ServerType) -> Status:
    """One metric's level: the one-value case of `judge`."""
    return judge({metric: [value]}, [server_type], metrics=(metric,)).level(metric, 0)


_BY_RANK = {s.rank: s for s in Status}
ONLINE, WARNING, CRITICAL, OFFLINE = (s.rank for s in (Status.ONLINE, Status.WARNING, Status.CRITICAL,
                                                       Status.OFFLINE))


@dataclass(frozen=True)
class Judgement:
    """Levels, statuses and alerts of servers at one instant (row k is the k-th server judged)."""

    types: Sequence[ServerType]
    values: dict[str, np.ndarray]  # metric -> (servers,)
    ranks: dict[str, np.ndarray]  # metric -> (servers,) Status.rank of that metric, ONLINE where down
    up: np.ndarray
    services: Sequence[Sequence[Service]]
    status_ranks: np.ndarray

    def level(self, metric: str, k: int) -> Status:
        """A metric's level on server k: online when it never alarms, offline when the host is down."""
        return Status.OFFLINE if not self.up[k] else _BY_RANK[int(self.ranks[metric][k])]

    def over(self, metric: str) -> np.ndarray:
        """Servers where the metric is at warning or critical."""
        over: np.ndarray = self.up & (self.ranks[metric] != ONLINE)
        return over

    def status(self, k: int) -> Status:
        return _BY_RANK[int(self.status_ranks[k])]

    @property
    def statuses(self) -> list[Status]:
        return [_BY_RANK[int(r)] for r in self.status_ranks]

    def not_running(self, k: int) -> list[Service]:
        """Services of an up host that are stopped or degraded (a down host's alert covers its own)."""
        if not self.up[k]:
            return []
        return [s for s in self.services[k] if s.status is not ServiceState.RUNNING] if self.services else []

    def metric_alerts(self, k: int, lang: Lang = "ko") -> list[Alert]:
        """Every metric over its warning or critical threshold on server k, worst first."""
        found: list[Alert] = []
        if not self.up[k]:
            return found
        for key in self.ranks:
            state = self.level(key, k)
            if state is Status.ONLINE:
                continue
            bounds = limits(key, self.types[k])
            assert bounds is not None
            threshold = bounds[1] if state is Status.CRITICAL else bounds[0]
            spec, value = METRICS[key], float(self.values[key][k])
            found.append(Alert(
                kind=AlertKind.METRIC, metric=key, level=state, value=round(value, 1), threshold=threshold,
                message=t("alert.metric", lang, metric=spec.label(lang), value=f"{value:.1f}{spec.unit}",
                          threshold=f"{threshold:g}{spec.unit}",
                          level=t(f"agent.level.{state.value}", lang))))
        found.sort(key=lambda a: a.level.rank)
        return found

    def alerts(self, k: int, lang: Lang = "ko") -> list[Alert]:
        """Server k's alerts, worst first: the host down, metrics over thresholds, services not running."""
        if not self.up[k]:
            count = len(self.services[k]) if self.services else 0
            return [Alert(kind=AlertKind.HOST, level=Status.OFFLINE, message=t("alert.host", lang, n=count))]
        found = self.metric_alerts(k, lang)
        for service in self.not_running(k):
            found.append(Alert(kind=AlertKind.SERVICE, level=Status.WARNING, service=service.name,
                               port=service.port,
                               message=t(f"alert.service.{service.status.value}", lang, service=service.name,
                                         port=service.port)))
        found.sort(key=lambda a: a.level.rank)
        return found


def judge(values: Mapping[str, ArrayLike], types: Sequence[ServerType], up: ArrayLike | None = None,
          services: Sequence[Sequence[Service]] = (), metrics: Iterable[str] | None = None) -> Judgement:
    """The one status rule, vectorised over servers.

    `values` holds each metric's current value per server (anything where `up` is False is
    ignored); `services` each server's services with their state. A host that is down is
    offline; otherwise its status is its worst metric level, and at least a warning when a
    service is stopped or degraded.
    """
    n = len(types)
    alive = np.ones(n, dtype=bool) if up is None else np.asarray(up, dtype=bool)
    keys = [key for key in (metrics or METRICS) if key in values]
    warning, critical = _bounds(types, keys)
    arrays: dict[str, np.ndarray] = {}
    ranks: dict[str, np.ndarray] = {}
    worst = np.full(n, ONLINE)
    for key in keys:
        value = np.asarray(values[key], dtype=np.float64)
        rank = np.where(alive, _ranks(value, warning[key], critical[key]), ONLINE)
        arrays[key], ranks[key] = value, rank
        worst = np.minimum(worst, rank)
    if services:
        troubled = np.array([any(s.status is not ServiceState.RUNNING for s in row) for row in services],
                            dtype=bool)
        worst = np.where(troubled & (worst == ONLINE), WARNING, worst)
    status = np.where(alive, worst, OFFLINE)
    return Judgement(types, arrays, ranks, alive, services, status)


def _ranks(value: np.ndarray, warning: np.ndarray, critical: np.ndarray) -> np.ndarray:
    """Status.rank of each value against its thresholds: the one comparison behind every level."""
    with np.errstate(invalid="ignore"):
        ranks: np.ndarray = np.where(value >= critical, CRITICAL, np.where(value >= warning, WARNING, ONLINE))
        return ranks


def over_time(metric: str, values: np.ndarray, types: Sequence[ServerType]) -> np.ndarray:
    """(servers, instants): where a metric was at warning or critical, one server type per row."""
    warning, critical = _bounds(types, [metric])
    over: np.ndarray = _ranks(values, warning[metric][:, None], critical[metric][:, None]) != ONLINE
    return over


def _bounds(types: Sequence[ServerType], keys: Sequence[str]
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(warning, critical) per metric per server; +inf where the metric never alarms."""
    kinds = sorted(set(types))
    index = {kind: i for i, kind in enumerate(kinds)}
    rows = np.array([index[kind] for kind in types], dtype=np.int64)
    warning: dict[str, np.ndarray] = {}
    critical: dict[str, np.ndarray] = {}
    for key in keys:
        table = np.array([limits(key, kind) or (np.inf, np.inf) for kind in kinds], dtype=np.float64)
        table = table.reshape(len(kinds), 2)
        warning[key], critical[key] = table[rows, 0], table[rows, 1]
    return warning, critical


def count_by_status(statuses: Iterable[Status]) -> FleetSummary:
    """How many servers are in each status: the dashboard's 전체 / 정상 / 경고 / 위험 / 오프라인."""
    counts = dict.fromkeys(Status, 0)
    for status in statuses:
        counts[status] += 1
    return FleetSummary(total=sum(counts.values()), online=counts[Status.ONLINE],
                        warning=counts[Status.WARNING], critical=counts[Status.CRITICAL],
                        offline=counts[Status.OFFLINE])
