"""What the alert store holds (rules, alert episodes, silences, acknowledgements, delivery
failures) and the API's shapes of them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from ..models import ServerType, WireModel


class RuleKind(StrEnum):
    METRIC = "metric"  # a metric at or past its warning or critical threshold (thresholds.judge)
    HOST_DOWN = "host_down"  # the host reports no metrics
    SERVICE_STOPPED = "service_stopped"  # a service of a running host is not running
    ANOMALY = "anomaly"  # tier 1 finds a metric off its usual level (findings.departures)
    FORECAST = "forecast"  # tier 1's trend says the metric fills up within the horizon


class AlertSeverity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 0, "warning": 1, "info": 2}[self.value]


class AlertState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class AlertRule(WireModel):
    """One stored rule. Metric rules name a threshold level, never a number: the number is the
    threshold table's, for each server's type."""

    id: str
    kind: RuleKind
    metric: str | None = None
    level: str | None = None
    horizon_seconds: int | None = None
    for_seconds: float = 30.0
    severity: AlertSeverity
    server: str | None = None  # a server id; None: every server
    server_type: ServerType | None = None
    enabled: bool = True
    builtin: bool = False
    updated_at: datetime | None = None


class AlertRecord(BaseModel):
    """One alert episode of one rule on one server."""

    id: int = 0  # 0 until stored
    rule_id: str
    kind: RuleKind
    server_id: str
    hostname: str
    severity: AlertSeverity
    state: AlertState
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    detail: str | None = None
    diagnosis: str | None = None
    starts_at: datetime
    fired_at: datetime | None = None
    clear_since: datetime | None = None
    ends_at: datetime | None = None
    notified: bool = False


class Silence(WireModel):
    id: int
    server: str | None  # a server id
    rule: str | None
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str

    def covers(self, rule_id: str, server_id: str, at: datetime) -> bool:
        """Whether this silence mutes that rule on that server at `at`."""
        return (self.starts_at <= at < self.ends_at and self.rule in (None, rule_id)
                and self.server in (None, server_id))


def silenced(silences: Iterable[Silence], alert: AlertRecord, at: datetime) -> bool:
    """Whether any of `silences` mutes `alert` at `at`: the one judgement the evaluator and pages use."""
    return any(s.covers(alert.rule_id, alert.server_id, at) for s in silences)


class Acknowledgement(WireModel):
    id: int
    alert_id: int
    created_at: datetime
    created_by: str
    comment: str


class DeliveryFailure(WireModel):
    id: int
    created_at: datetime
    channel: str
    attempts: int
    error: str
