"""One threshold table decides every status."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from openmanager_core import thresholds
from openmanager_core.models import AlertKind, MetricSample, ServerType, Service, ServiceState, Status


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


def judged(*samples: MetricSample | None, services: list[list[Service]] | None = None,
           kind: ServerType = ServerType.WEB) -> thresholds.Judgement:
    up = np.array([s is not None for s in samples], dtype=bool)
    values = {key: np.array([float(getattr(s, key)) if s is not None else np.nan for s in samples])
              for key in thresholds.METRICS}
    return thresholds.judge(values, [kind] * len(samples), up, services or [])


NGINX = [Service(name="nginx", port=80), Service(name="sshd", port=22)]
NGINX_STOPPED = [Service(name="nginx", port=80, status=ServiceState.STOPPED), Service(name="sshd", port=22)]


def test_status_is_the_worst_metric_offline_without_metrics() -> None:
    judgement = judged(sample(), sample(cpu=75), sample(cpu=75, disk=95), None, sample(),
                       services=[NGINX, NGINX, NGINX, NGINX_STOPPED, NGINX_STOPPED])
    assert judgement.statuses == [Status.ONLINE, Status.WARNING, Status.CRITICAL, Status.OFFLINE,
                                  Status.WARNING]


def test_alerts_name_metric_value_and_threshold_worst_first() -> None:
    found = judged(sample(cpu=75, disk=95)).alerts(0, "en")
    assert [(a.kind, a.metric, a.level, a.threshold) for a in found] == [
        (AlertKind.METRIC, "disk", Status.CRITICAL, 90), (AlertKind.METRIC, "cpu", Status.WARNING, 70)]
    assert "disk 95.0% ≥ 90%" in found[0].message
    assert "디스크" in judged(sample(disk=95)).alerts(0, "ko")[0].message


def test_a_stopped_service_is_an_alert_naming_service_and_port() -> None:
    judgement = judged(sample(), services=[NGINX_STOPPED])
    [alert] = judgement.alerts(0, "en")
    assert (alert.kind, alert.level, alert.service, alert.port) == (
        AlertKind.SERVICE, Status.WARNING, "nginx", 80)
    assert alert.message == "nginx stopped, port 80"
    assert judgement.alerts(0, "ko")[0].message == "nginx 중지됨 (포트 80)"


def test_a_down_host_is_one_host_alert_not_a_list_of_stopped_services() -> None:
    stopped = [Service(name=s.name, port=s.port, status=ServiceState.STOPPED) for s in NGINX]
    [alert] = judged(None, services=[stopped]).alerts(0, "en")
    assert (alert.kind, alert.level) == (AlertKind.HOST, Status.OFFLINE)
    assert "host down" in alert.message and "2 services" in alert.message


def test_levels_of_many_servers_of_mixed_types_at_once() -> None:
    judgement = thresholds.judge({"memory": [80.0, 80.0, 96.0]},
                                 [ServerType.WEB, ServerType.DATABASE, ServerType.CACHE])
    levels = [judgement.level("memory", k) for k in range(3)]
    assert levels == [Status.WARNING, Status.ONLINE, Status.CRITICAL]
    assert judgement.over("memory").tolist() == [True, False, True]


def test_counts_by_status() -> None:
    summary = thresholds.count_by_status([Status.ONLINE, Status.WARNING, Status.WARNING, Status.OFFLINE])
    counts = (summary.total, summary.online, summary.warning, summary.critical, summary.offline)
    assert counts == (4, 1, 2, 0, 1)
