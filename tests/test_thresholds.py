"""One threshold table decides every status."""

from __future__ import annotations

from datetime import UTC, datetime

from openmanager_core import thresholds
from openmanager_core.models import MetricSample, ServerType, Status


def sample(**values: float) -> MetricSample:
    base = dict(cpu=30, memory=40, disk=50, network_in=10, network_out=10, response_time=100,
                active_connections=10)
    base.update(values)
    return MetricSample(timestamp=datetime(2026, 1, 1, tzinfo=UTC), **base)


def test_levels_at_the_boundaries() -> None:
    web = ServerType.WEB
    assert thresholds.level("cpu", 69.9, web) is Status.ONLINE
    assert thresholds.level("cpu", 70, web) is Status.WARNING
    assert thresholds.level("cpu", 85, web) is Status.CRITICAL
    assert thresholds.level("memory", 75, web) is Status.WARNING
    assert thresholds.level("disk", 90, web) is Status.CRITICAL
    assert thresholds.level("response_time", 1000, web) is Status.WARNING
    assert thresholds.level("response_time", 3000, web) is Status.CRITICAL
    assert thresholds.level("network_in", 1e9, web) is Status.ONLINE


def test_databases_and_caches_alarm_later_on_memory() -> None:
    assert thresholds.level("memory", 80, ServerType.WEB) is Status.WARNING
    assert thresholds.level("memory", 80, ServerType.DATABASE) is Status.ONLINE
    assert thresholds.level("memory", 96, ServerType.CACHE) is Status.CRITICAL


def test_status_is_the_worst_metric_offline_without_metrics() -> None:
    assert thresholds.status_of(sample(), ServerType.WEB) is Status.ONLINE
    assert thresholds.status_of(sample(cpu=75), ServerType.WEB) is Status.WARNING
    assert thresholds.status_of(sample(cpu=75, disk=95), ServerType.WEB) is Status.CRITICAL
    assert thresholds.status_of(None, ServerType.WEB) is Status.OFFLINE
    assert thresholds.status_of(sample(), ServerType.WEB, services_down=1) is Status.WARNING


def test_alerts_name_metric_value_and_threshold_worst_first() -> None:
    found = thresholds.alerts(sample(cpu=75, disk=95), ServerType.WEB, "en")
    assert [(a.metric, a.level, a.threshold) for a in found] == [
        ("disk", Status.CRITICAL, 90), ("cpu", Status.WARNING, 70)]
    assert "disk 95.0% ≥ 90%" in found[0].message
    assert "디스크" in thresholds.alerts(sample(disk=95), ServerType.WEB, "ko")[0].message
