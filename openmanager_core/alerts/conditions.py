"""What each rule sees in the fleet now. Nothing here judges a metric itself: levels and statuses
come from `thresholds.judge` (through `Fleet.now`), anomalies and forecasts from tier 1's
diagnosis (`findings.departures`, the engine's trend forecasts)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .. import thresholds
from ..ai.engine import Engine, cause_label, short_evidence
from ..ai.findings import Diagnosis, Finding
from ..fleet import Fleet, FleetNow
from ..i18n import Lang
from ..models import Server, Status
from .models import AlertRule, RuleKind

MAX_DIAGNOSED = 50  # servers tier 1 diagnoses per evaluation: those that stand out, worst first


@dataclass(frozen=True)
class FleetLook:
    """One look at the fleet for one evaluation."""

    at: datetime
    now: FleetNow
    diagnoses: dict[str, Diagnosis]  # server id -> tier 1's diagnosis, for servers that stand out


@dataclass(frozen=True)
class Observation:
    """A rule's condition holding on one server, with what the alert reports."""

    rule: AlertRule
    server: Server
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    detail: str | None = None


def look(fleet: Fleet, engine: Engine, with_diagnoses: bool) -> FleetLook:
    """The fleet's shared snapshot, and tier 1's diagnoses when an anomaly or forecast rule needs them."""
    now = fleet.now()
    diagnoses: dict[str, Diagnosis] = {}
    if with_diagnoses and now.deployed:
        _, found = engine.anomalies(MAX_DIAGNOSED)
        diagnoses = {d.server.id: d for d in found}
    return FleetLook(now.at, now, diagnoses)


def needs_diagnoses(rules: Sequence[AlertRule]) -> bool:
    return any(rule.enabled and rule.kind in (RuleKind.ANOMALY, RuleKind.FORECAST) for rule in rules)


def _applies(rule: AlertRule, server: Server) -> bool:
    return ((rule.server is None or rule.server == server.id)
            and (rule.server_type is None or rule.server_type == server.type))


def observe(rules: Sequence[AlertRule], fleet_look: FleetLook) -> list[Observation]:
    """Every (enabled rule, deployed server) whose condition holds now."""
    found: list[Observation] = []
    judgement = fleet_look.now.judgement
    for k, (server, _) in enumerate(fleet_look.now.deployed):
        diagnosis = fleet_look.diagnoses.get(server.id)
        for rule in rules:
            if rule.enabled and _applies(rule, server):
                seen = _seen(rule, server, judgement, k, diagnosis)
                if seen is not None:
                    found.append(seen)
    return found


def _seen(rule: AlertRule, server: Server, judgement: thresholds.Judgement, k: int,
          diagnosis: Diagnosis | None) -> Observation | None:
    if rule.kind is RuleKind.HOST_DOWN:
        return Observation(rule, server) if not judgement.up[k] else None
    if rule.kind is RuleKind.SERVICE_STOPPED:
        troubled = judgement.not_running(k)
        return Observation(rule, server, value=len(troubled),
                           detail=", ".join(s.name for s in troubled)) if troubled else None
    if rule.kind is RuleKind.METRIC:
        assert rule.metric is not None and rule.level is not None
        level = judgement.level(rule.metric, k)
        wanted = Status(rule.level)
        if level is Status.OFFLINE or level.rank > wanted.rank:  # critical counts for a warning rule
            return None
        bounds = thresholds.limits(rule.metric, server.type)
        if bounds is None:
            return None
        threshold = bounds[1] if wanted is Status.CRITICAL else bounds[0]
        return Observation(rule, server, rule.metric, round(float(judgement.values[rule.metric][k]), 2),
                           threshold, detail=rule.level)
    if diagnosis is None or not diagnosis.online:
        return None
    if rule.kind is RuleKind.ANOMALY:
        finding = _strongest(diagnosis, rule.metric)
        if finding is None:
            return None
        usual = round(finding.usual, 2) if math.isfinite(finding.usual) else None  # no history yet
        return Observation(rule, server, finding.metric, round(finding.value, 2), usual,
                           detail=f"{finding.z:.1f}")
    assert rule.kind is RuleKind.FORECAST and rule.metric is not None and rule.horizon_seconds is not None
    finding = diagnosis.findings.get(rule.metric)
    soon = [f for f in (finding.forecasts if finding else []) if f.label == "full"
            and f.seconds <= rule.horizon_seconds]
    if finding is None or not soon:
        return None
    return Observation(rule, server, rule.metric, round(finding.value, 2), soon[0].threshold,
                       detail=f"{soon[0].seconds:.0f}")


def _strongest(diagnosis: Diagnosis, metric: str | None) -> Finding | None:
    """Tier 1's finding on `metric` (or the furthest from usual of all): a departure
    (`findings.departures`) or a steady climb."""
    findings = [f for f in diagnosis.findings.values() if metric is None or f.metric == metric]
    return max(findings, key=lambda f: abs(f.z), default=None)


def diagnosis_line(diagnosis: Diagnosis | None, lang: Lang) -> str | None:
    """Tier 1's one line about the server: its main cause and the number behind it."""
    if diagnosis is None or not diagnosis.causes:
        return None
    cause = diagnosis.causes[0]
    return f"{cause_label(cause, lang)}: {short_evidence(cause, diagnosis, lang)}"
