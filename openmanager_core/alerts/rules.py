"""Alert rules: the built-in ones (derived from the threshold table and tier 1's signals) and the
checks every stored rule passes, whoever wrote it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .. import thresholds
from ..ai.findings import CEILINGS
from ..metrics import METRICS
from ..models import ServerType, WireModel
from .models import AlertRule, AlertSeverity, RuleKind

DEFAULT_FOR_SECONDS = 30.0
MAX_FOR_SECONDS = 86_400.0
MAX_HORIZON_SECONDS = 7 * 86_400
DISK_FULL_HORIZON_SECONDS = 3600
ANOMALY_FOR_SECONDS = 60.0  # "sustained": a departure must last a minute past the detector's own
RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
LEVELS = ("warning", "critical")

# Where no severity is given: what the condition means for the service.
DEFAULT_SEVERITY: dict[RuleKind, AlertSeverity] = {
    RuleKind.HOST_DOWN: AlertSeverity.CRITICAL,
    RuleKind.SERVICE_STOPPED: AlertSeverity.WARNING,
    RuleKind.ANOMALY: AlertSeverity.WARNING,
    RuleKind.FORECAST: AlertSeverity.WARNING,
}


class RuleInvalid(ValueError):
    """A rule that cannot be evaluated; `field` names what is wrong (camelCase, as on the wire)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def builtin_rules() -> list[AlertRule]:
    """One rule per metric and level the threshold table alarms on, and the four others."""
    rules = [AlertRule(id=f"{key}_{level}", kind=RuleKind.METRIC, metric=key, level=level,
                       severity=AlertSeverity(level), builtin=True)
             for key, metric in METRICS.items()
             if metric.warning is not None and metric.critical is not None
             for level in LEVELS]
    rules += [
        AlertRule(id="host_down", kind=RuleKind.HOST_DOWN, severity=AlertSeverity.CRITICAL, builtin=True),
        AlertRule(id="service_stopped", kind=RuleKind.SERVICE_STOPPED, severity=AlertSeverity.WARNING,
                  builtin=True),
        AlertRule(id="anomaly", kind=RuleKind.ANOMALY, severity=AlertSeverity.WARNING,
                  for_seconds=ANOMALY_FOR_SECONDS, builtin=True),
        AlertRule(id="disk_full_forecast", kind=RuleKind.FORECAST, metric="disk",
                  horizon_seconds=DISK_FULL_HORIZON_SECONDS, severity=AlertSeverity.WARNING, builtin=True),
    ]
    return rules


def _alarming_metrics() -> list[str]:
    """Metrics some server type has thresholds for (the others never cross one)."""
    return [key for key in METRICS
            if any(thresholds.limits(key, kind) is not None for kind in ServerType)]


def check(rule: AlertRule) -> AlertRule:
    """The rule as stored, or RuleInvalid naming the field that makes it meaningless."""
    kind = rule.kind
    if kind is RuleKind.METRIC:
        if rule.metric not in _alarming_metrics():
            raise RuleInvalid("metric", f"a metric rule needs a metric with thresholds: "
                                        f"one of {', '.join(_alarming_metrics())}")
        if rule.level not in LEVELS:
            raise RuleInvalid("level", "a metric rule needs the level it fires at: warning or critical")
    elif rule.level is not None:
        raise RuleInvalid("level", f"only metric rules have a level, not {kind.value} rules")
    if kind is RuleKind.FORECAST:
        if rule.metric not in CEILINGS:
            raise RuleInvalid("metric", f"a forecast rule needs a metric that fills up: "
                                        f"one of {', '.join(CEILINGS)}")
        if rule.horizon_seconds is None:
            raise RuleInvalid("horizonSeconds", "a forecast rule needs horizonSeconds (how soon counts)")
    elif rule.horizon_seconds is not None:
        raise RuleInvalid("horizonSeconds", f"only forecast rules have a horizon, not {kind.value} rules")
    if kind is RuleKind.ANOMALY and rule.metric is not None and rule.metric not in METRICS:
        raise RuleInvalid("metric", f"an anomaly rule watches one of {', '.join(METRICS)} "
                                    f"(or every metric, without one)")
    if kind in (RuleKind.HOST_DOWN, RuleKind.SERVICE_STOPPED) and rule.metric is not None:
        raise RuleInvalid("metric", f"{kind.value} rules watch the host, not a metric")
    return rule


class RuleInput(WireModel):
    """The body of POST /api/alert-rules."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=RULE_ID_PATTERN, description="Lower-case letters, digits, '_', '-', '.'")
    kind: RuleKind
    metric: str | None = Field(None, max_length=32)
    level: Literal["warning", "critical"] | None = None
    horizon_seconds: int | None = Field(None, ge=60, le=MAX_HORIZON_SECONDS)
    for_seconds: float = Field(DEFAULT_FOR_SECONDS, ge=0, le=MAX_FOR_SECONDS, allow_inf_nan=False)
    severity: AlertSeverity | None = None
    server: str | None = Field(None, max_length=200, description="Hostname or server id; none: all")
    server_type: ServerType | None = None
    enabled: bool = True

    def rule(self, server_id: str | None) -> AlertRule:
        severity = self.severity or DEFAULT_SEVERITY.get(self.kind) or AlertSeverity(self.level or "warning")
        return check(AlertRule(**self.model_dump(exclude={"server", "severity"}), severity=severity,
                               server=server_id))


class RulePatch(WireModel):
    """The body of PATCH /api/alert-rules/{id}: only the fields sent change; null clears one."""

    model_config = ConfigDict(extra="forbid")

    kind: RuleKind | None = None
    metric: str | None = Field(None, max_length=32)
    level: Literal["warning", "critical"] | None = None
    horizon_seconds: int | None = Field(None, ge=60, le=MAX_HORIZON_SECONDS)
    for_seconds: float | None = Field(None, ge=0, le=MAX_FOR_SECONDS, allow_inf_nan=False)
    severity: AlertSeverity | None = None
    server: str | None = Field(None, max_length=200)
    server_type: ServerType | None = None
    enabled: bool | None = None

    def applied(self, rule: AlertRule, server_id: str | None) -> AlertRule:
        """`rule` with these changes, checked as a whole (a change may need another field)."""
        changes = {name: getattr(self, name) for name in self.model_fields_set if name != "server"}
        for required in ("kind", "for_seconds", "severity", "enabled"):
            if required in changes and changes[required] is None:
                raise RuleInvalid(_camel(required), f"{_camel(required)} cannot be null")
        if "server" in self.model_fields_set:
            changes["server"] = server_id
        return check(rule.model_copy(update=changes))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
