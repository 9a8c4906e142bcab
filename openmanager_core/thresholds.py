"""The one table of metrics, units and alert thresholds that decides every status."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Alert, MetricSample, ServerType, Status


@dataclass(frozen=True)
class Metric:
    key: str
    unit: str
    label_ko: str
    label_en: str
    warning: float | None = None
    critical: float | None = None

    def label(self, lang: str) -> str:
        return self.label_ko if lang == "ko" else self.label_en


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("cpu", "%", "CPU", "CPU", 70, 85),
        Metric("memory", "%", "메모리", "memory", 75, 85),
        Metric("disk", "%", "디스크", "disk", 80, 90),
        Metric("network_in", "Mbps", "네트워크 수신", "network in"),
        Metric("network_out", "Mbps", "네트워크 송신", "network out"),
        Metric("response_time", "ms", "응답 시간", "response time", 1000, 3000),
        Metric("active_connections", "", "활성 연결", "active connections"),
    )
}

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
    bounds = limits(metric, server_type)
    if bounds is None:
        return Status.ONLINE
    warning, critical = bounds
    if value >= critical:
        return Status.CRITICAL
    if value >= warning:
        return Status.WARNING
    return Status.ONLINE


def alerts(sample: MetricSample, server_type: ServerType, lang: str = "ko") -> list[Alert]:
    """Every metric over its warning or critical threshold, worst first."""
    found: list[Alert] = []
    for key, spec in METRICS.items():
        value = float(getattr(sample, key))
        state = level(key, value, server_type)
        if state is Status.ONLINE:
            continue
        bounds = limits(key, server_type)
        assert bounds is not None
        threshold = bounds[1] if state is Status.CRITICAL else bounds[0]
        word = {"ko": {"critical": "위험", "warning": "경고"},
                "en": {"critical": "critical", "warning": "warning"}}[lang][state.value]
        found.append(Alert(
            metric=key, level=state, value=round(value, 1), threshold=threshold,
            message=f"{spec.label(lang)} {value:.1f}{spec.unit} ≥ {threshold:g}{spec.unit} ({word})",
        ))
    found.sort(key=lambda a: a.level.rank)
    return found


def status_of(sample: MetricSample | None, server_type: ServerType,
              services_down: int = 0) -> Status:
    """Offline without metrics; else the worst metric level; a stopped service is a warning."""
    if sample is None:
        return Status.OFFLINE
    worst = Status.ONLINE
    for key in METRICS:
        state = level(key, float(getattr(sample, key)), server_type)
        if state.rank < worst.rank:
            worst = state
    if services_down and worst is Status.ONLINE:
        worst = Status.WARNING
    return worst
