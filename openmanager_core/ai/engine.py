"""Tier 1, the optimized engine: findings over the metric history, explained cause first with numbers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from .. import thresholds
from ..alerts import messages as alert_messages
from ..alerts.models import AlertState
from ..analysis import Anomaly, linear_trend
from ..fleet import Fleet
from ..i18n import Lang, t
from ..markdown import escape_markdown
from ..metrics import METRIC_KEYS, METRICS
from ..models import Environment, Provider, Server, ServerType, Specs, Status
from . import paths, phrases
from .findings import (
    RULES,
    SCREEN_MINUTES,
    TRAFFIC,
    Cause,
    Change,
    Diagnosis,
    Finding,
    Link,
    Screen,
    Window,
    biggest_changes,
    diagnose,
    marks,
    name_causes,
    observe,
    screen,
    unlinked,
)
from .history import asks_whether, history_block, history_verdict, timeline_evidence
from .models import Action, Impact, Priority, ProvidedMetrics, Stage
from .scope import NETWORK_METRICS, Scope
from .trends import since_block, under_threshold_line, watch_block

if TYPE_CHECKING:
    from .hypothesis import Verdict

Emit = Callable[[Stage, str], None]


class Tier(Protocol):
    """What the orchestrator runs: an answer (None when it has nothing to say), reporting stages."""

    def answer(self, question: Question, emit: Emit) -> Draft | None: ...


class LastTier(Protocol):
    """The tier nothing hands over from: it always answers, if only to say the fleet can't be read."""

    def answer(self, question: Question, emit: Emit) -> Draft: ...

DEPTH: dict[str, int] = {"low": 3, "medium": 5, "high": 8}  # servers diagnosed in depth, by priority
MAX_NAMED = 10
MAX_ALERTS_LISTED = 10  # firing alerts an answer lists, worst first
ALERT_ICON = {"critical": "🔴", "warning": "🟠", "info": "🔵"}
TOP_LIST = 3
SHOWN_METRICS = tuple(key for key, metric in METRICS.items() if metric.in_summary)
STRONG_CORRELATION = 0.5  # below this an r is not worth quoting


@dataclass(frozen=True)
class Question:
    scope: Scope
    priority: Priority = "medium"
    provided: list[ProvidedMetrics] | None = None


@dataclass
class Draft:
    """What a tier hands back: the answer text, its actions, the servers it names, and for the LLM
    the facts it rests on."""

    response: str
    actions: list[Action]
    servers: list[str]
    facts: dict[str, Any] = field(default_factory=dict)
    ok: bool = True  # False only when even the basic status could not be read


# -- wording of findings ---------------------------------------------------------------------


def _z(value: float) -> str:
    # Past ~100σ the number only says "far off"; the ratio next to it carries the size.
    return f"{abs(value):.1f}" if abs(value) < 100 else ">99"


def cause_label(cause: Cause, lang: Lang) -> str:
    return t(f"agent.cause.{cause.kind}", lang, service=cause.service or "")


def _since(onset: float | None, window_start: float, lang: Lang) -> str:
    if onset is None:
        return t("agent.ev.since_before", lang, time=phrases.clock(window_start))
    return t("agent.ev.since", lang, time=phrases.clock(onset))


def _primary_line(finding: Finding, window_start: float, lang: Lang, server_type: ServerType) -> str:
    label = phrases.metric_label(finding.metric, lang)
    if math.isnan(finding.usual):
        threshold = _threshold_of(finding, server_type)
        return t("agent.ev.threshold", lang, metric=label, value=phrases.value(finding.metric, finding.value),
                 level=t(f"agent.level.{finding.level.value}", lang),
                 threshold=phrases.value(finding.metric, threshold))
    value = phrases.value(finding.metric, finding.value)
    if METRICS[finding.metric].unit != "%":
        value += f" ({phrases.ratio(finding.ratio)})"  # rates read better as multiples
    since = _since(finding.onset, window_start, lang) if finding.dated else ""
    usual = phrases.value(finding.metric, finding.usual)
    return t("agent.ev.primary", lang, metric=label, value=value, usual=usual, z=_z(finding.z),
             dir=t(f"agent.dir.{finding.direction}", lang), since=since).rstrip(", ")


def _threshold_of(finding: Finding, server_type: ServerType) -> float:
    """The threshold the finding's value crossed on that server type, by the one judgement."""
    crossed = thresholds.judge({finding.metric: [finding.value]}, [server_type]).metric_alerts(0)
    return next((a.threshold for a in crossed if a.threshold is not None), 0.0)


def _climb_lines(finding: Finding, lang: Lang) -> list[str]:
    """How the metric got where it is: saturated at its ceiling since when (and the climb before), or
    climbing and when it gets to the threshold and the ceiling; and since when it is past critical."""
    if finding.saturated:
        return _saturated_lines(finding, lang)
    lines: list[str] = []
    if finding.slope is not None and finding.r2 is not None and finding.steady_climb:
        slope = phrases.delta(finding.metric, finding.slope)
        if finding.onset is not None:
            lines.append(t("agent.ev.climb", lang, time=phrases.clock(finding.onset), slope=slope,
                           r2=f"{finding.r2:.2f}"))
        else:
            lines.append(t("agent.ev.climb_long", lang, slope=slope, r2=f"{finding.r2:.2f}"))
    for forecast in finding.forecasts:
        if forecast.label == "critical":
            label = t("agent.ev.forecast.critical", lang,
                      threshold=phrases.value(finding.metric, forecast.threshold))
        else:
            label = t(f"agent.ev.forecast.full.{finding.metric}", lang)
        lines.append(t("agent.ev.forecast", lang, eta=phrases.duration(forecast.seconds, lang), label=label))
    return lines


def _saturated_lines(finding: Finding, lang: Lang) -> list[str]:
    """`saturated at 100% since 13:02 KST`, then how it filled before that: a metric pinned at its
    ceiling is no longer climbing, however steep the way up was."""
    value = phrases.value(finding.metric, finding.value)
    if finding.saturated_since is not None:
        lines = [t("agent.ev.saturated", lang, value=value, time=phrases.clock(finding.saturated_since))]
    else:
        lines = [t("agent.ev.saturated_long", lang, value=value)]
    if finding.slope is not None and finding.r2 is not None and finding.steady_climb:
        slope, r2 = phrases.delta(finding.metric, finding.slope), f"{finding.r2:.2f}"
        lines.append(t("agent.ev.filled", lang, slope=slope, r2=r2, time=phrases.clock(finding.onset))
                     if finding.onset is not None else t("agent.ev.filled_long", lang, slope=slope, r2=r2))
    return lines


def _ratio_items(links: Sequence[Link], lang: Lang) -> str:
    return phrases.listing([t("agent.ev.item_ratio", lang,
                              metric=phrases.metric_label(link.finding.metric, lang),
                              ratio=phrases.ratio(link.finding.ratio)) for link in links], lang)


def _best_r(links: Sequence[Link]) -> float:
    return max((link.r for link in links), key=abs, default=0.0)


def _symptom_line(cause: Cause, link: Link, lang: Lang) -> str:
    finding = link.finding
    extra = ""
    if link.lag_minutes > 0 and cause.primary is not None:
        # A weak r is not quoted: a symptom that starts past a threshold, or a cause already flat at its
        # ceiling over the window, does not move in step with it.
        r = t("agent.ev.link_lag_r", lang, r=f"{link.r:.2f}") if abs(link.r) >= STRONG_CORRELATION else ""
        extra = t("agent.ev.link_lag", lang, lag=link.lag_minutes, r=r,
                  cause_metric=phrases.metric_label(cause.primary.metric, lang))
    elif abs(link.r) >= STRONG_CORRELATION:
        extra = t("agent.ev.link_r", lang, r=f"{link.r:.2f}")
    ratio = phrases.ratio(finding.ratio) if not math.isnan(finding.usual) else "—"
    return t("agent.ev.symptom", lang, metric=phrases.metric_label(finding.metric, lang),
             value=phrases.value(finding.metric, finding.value), ratio=ratio,
             cause=cause_label(cause, lang), link=extra)


def evidence(cause: Cause, diagnosis: Diagnosis, lang: Lang) -> list[str]:
    """The numbers behind a cause, strongest first."""
    start = diagnosis.window_start
    if cause.kind == "host_down":
        since = (t("agent.ev.host_since", lang, time=phrases.clock(cause.last_seen)) if cause.last_seen
                 else t("agent.ev.host_since_before", lang, time=phrases.clock(start)))
        return [t("agent.ev.host", lang, since=since, n=len(diagnosis.server.services))]
    lines: list[str] = []
    if cause.kind == "service_down":
        port = next((s.port for s in diagnosis.server.services if s.name == cause.service), 0)
        since = ""
        if cause.primary is not None and cause.primary.dated:
            since = ", " + _since(cause.primary.onset, start, lang)
        lines.append(t("agent.ev.service", lang, service=cause.service or "", port=port, since=since))
    if cause.primary is not None:
        lines.append(_primary_line(cause.primary, start, lang, diagnosis.server.type))
        if (watch := under_threshold_line(cause.primary, diagnosis, lang)) is not None:
            lines.append(watch)
        lines.extend(_climb_lines(cause.primary, lang))
    if cause.kind == "cpu_spike" and cause.drivers:
        r = _best_r(cause.drivers)
        known = cause.primary is not None and cause.primary.onset is not None and abs(r) >= STRONG_CORRELATION
        lines.append(t("agent.ev.drivers_cpu" if known else "agent.ev.drivers_cpu_long", lang,
                       items=_ratio_items(cause.drivers, lang), r=f"{r:.2f}"))
    elif cause.kind == "cpu_runaway" and not all(math.isnan(diagnosis.usual[key]) for key in TRAFFIC):
        lines.append(t("agent.ev.no_traffic", lang))  # only where traffic's usual level is known
    elif cause.kind == "network_congestion":
        cpu = diagnosis.current["cpu"]
        lines.append(t("agent.ev.congestion", lang, items=_ratio_items(cause.drivers, lang),
                       cpu=phrases.value("cpu", cpu) if not math.isnan(cpu) else "—"))
    lines.extend(_symptom_line(cause, link, lang) for link in cause.symptoms)
    return lines


def short_evidence(cause: Cause, diagnosis: Diagnosis, lang: Lang) -> str:
    """One line: the main number, and the forecast or the stopped service where there is one."""
    lines = evidence(cause, diagnosis, lang)
    if cause.kind == "service_down" and len(lines) > 1:
        return f"{lines[0]}; {lines[1]}"
    if cause.primary is not None and cause.primary.forecasts:
        return f"{lines[0]}; {_climb_lines(cause.primary, lang)[-1]}"
    return lines[0]


# How much each action changes for the operator: restoring a service or stopping harm is high,
# preventing a repeat or finding where a problem is is medium, watching or tuning alarms is low.
ACTION_IMPACT: dict[str, Impact] = {
    "scale_out": "high", "rate_limit": "medium", "investigate_process": "high",
    "restart_leaking": "high", "find_leak": "medium", "add_memory": "medium", "clear_disk": "high",
    "expand_disk": "medium", "check_network": "medium", "reroute": "high", "restart_service": "high",
    "check_host": "high", "failover": "high", "trace_latency": "medium", "watch_traffic": "low",
    "check_upstream": "high", "raise_threshold": "low", "watch": "low", "check_alerts": "medium",
    "retry": "low",
}


def make_action(kind: str, lang: Lang, **values: object) -> Action:
    return Action(type=kind, description=t(f"agent.action.{kind}", lang, **values),
                  impact=ACTION_IMPACT[kind], effect=t(f"agent.effect.{kind}", lang, **values))


def actions_for(cause: Cause, server: Server, lang: Lang) -> list[Action]:
    host = server.hostname
    service = cause.service or (server.services[0].name if server.services else "service")
    kind = cause.kind
    if kind == "cpu_spike":
        return [make_action("scale_out", lang, host=host), make_action("rate_limit", lang)]
    if kind in ("cpu_runaway", "cpu_high"):
        return [make_action("investigate_process", lang, host=host)]
    if kind == "memory_leak":
        return [make_action("restart_leaking", lang, host=host, service=service),
                make_action("find_leak", lang)]
    if kind == "memory_pressure":
        return [make_action("add_memory", lang, host=host)]
    if kind == "disk_full":
        forecasts = cause.primary.forecasts if cause.primary else []
        full = next((f for f in forecasts if f.label == "full"), None)
        eta = t("agent.effect.eta", lang, eta=phrases.duration(full.seconds, lang)) if full else ""
        return [make_action("clear_disk", lang, host=host, eta=eta),
                make_action("expand_disk", lang, host=host)]
    if kind == "network_congestion":
        return [make_action("check_network", lang, host=host), make_action("reroute", lang)]
    if kind == "service_down":
        return [make_action("restart_service", lang, host=host, service=service)]
    if kind == "host_down":
        return [make_action("check_host", lang, host=host), make_action("failover", lang, host=host)]
    if kind in ("latency", "slow_responses"):
        return [make_action("trace_latency", lang, host=host)]
    if kind == "traffic_surge":
        return [make_action("watch_traffic", lang, host=host)]
    return [make_action("check_upstream", lang, host=host)]


# -- the engine ------------------------------------------------------------------------------


@dataclass
class _Context:
    """Everything one answer is composed from."""

    question: Question
    lang: Lang
    now: float
    candidates: list[Server]
    deployed: int
    scr: Screen | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    named: list[Server] = field(default_factory=list)
    trace: paths.Trace | None = None  # a symptom's request path, when the question describes one
    problems: list[paths.Problem] = field(default_factory=list)  # in fix order
    verdict: Verdict | None = None  # a yes/no question's answer, which leads


class Engine:
    """Screens the servers in scope, diagnoses the worst few, and writes the answer."""

    name = "openmanager-analytic-engine"

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def answer(self, question: Question, emit: Emit) -> Draft:
        scope, lang = question.scope, question.scope.language
        clock = self.fleet.clock()
        now = clock.timestamp()
        deployed = [server for server, _ in self.fleet.deployed_servers()]
        if question.provided:
            return self._provided(question, emit, now, deployed)
        if not deployed:
            emit("analyzing", t("agent.answer.no_servers", lang))
            return Draft(t("agent.answer.no_servers", lang), [], [])
        ctx = _Context(question, lang, now, deployed, len(deployed))
        deployed_ids = {s.id for s in deployed}
        for as_typed, server in scope.guessed:
            ctx.notes.append(t("agent.answer.guessed", lang, name=as_typed, host=server.hostname))
        for unmatched in scope.unmatched:
            ctx.notes.append(t("agent.answer.not_found", lang, name=unmatched.name))
            if unmatched.close:
                offered = [f"{s.id} ({s.hostname})" if unmatched.by_id else s.hostname
                           for s in unmatched.close]
                ctx.notes.append(t("agent.answer.did_you_mean", lang, hosts=", ".join(offered)))
        if scope.unmatched and scope.fleet_wide:
            # The question was about a server we can't tell: say so, not answer about the whole fleet.
            emit("analyzing", ctx.notes[0])
            return Draft("\n\n".join(ctx.notes), [], [s.hostname for u in scope.unmatched for s in u.close])
        for server in scope.servers:
            if server.id not in deployed_ids:
                ctx.notes.append(t("agent.answer.not_deployed", lang, host=server.hostname))
        ctx.named = [s for s in scope.servers if s.id in deployed_ids][:MAX_NAMED]
        if ctx.named:
            ctx.candidates = ctx.named
        elif scope.types:
            typed = [s for s in deployed if s.type in scope.types]
            if len(typed) == 1:  # "디비 서버" where one database is deployed: that server
                ctx.named = ctx.candidates = typed
            elif typed:
                ctx.candidates = typed
            else:
                ctx.notes.append(t("agent.answer.no_type", lang, types=self._types(scope.types, lang)))
        ctx.scr = screen(self.fleet, ctx.candidates, now)
        emit("analyzing", t("agent.step.analyzing", lang, points=ctx.scr.window.points,
                            servers=len(ctx.candidates), minutes=SCREEN_MINUTES, scope=self._scope_text(ctx)))

        ranked = ctx.scr.ranked()
        if scope.metrics:
            # Servers off on the metrics asked about are diagnosed first, whatever else is worse.
            asked = [k for k in ranked if any(ctx.scr.flagged[m][k] for m in scope.metrics)]
            ranked = asked + [k for k in ranked if k not in asked]
            leader = self._ranked_leader(ctx)
            if leader is not None:  # "the slowest server": the first by value is diagnosed, and first
                ranked = [leader] + [k for k in ranked if k != leader]
        if "symptom" in scope.intents:  # the request path's deepest problem is diagnosed, and first
            ctx.trace = paths.trace(self.fleet.dependencies(), ctx.scr, scope.symptom)
            if ctx.trace is not None and ctx.trace.culprit is not None:
                ranked = [ctx.trace.culprit] + [k for k in ranked if k != ctx.trace.culprit]
        rows = list(range(len(ctx.candidates))) if ctx.named else ranked[:DEPTH[question.priority]]
        deep = [ctx.candidates[k] for k in rows]
        emit("pattern_matching", self._screened_text(ctx, ranked, deep)
             + paths.traced_step(ctx.trace, ctx.scr, lang))

        ctx.diagnoses = diagnose(self.fleet, deep, now)
        related = scope.hypothesis is not None and scope.hypothesis.related  # "are they related?"
        if not ctx.named:
            ctx.diagnoses.sort(key=lambda d: (-self._relevance(d, scope), -d.severity, d.server.position))
        if not ctx.named or related:
            ctx.problems = paths.problems(ctx.diagnoses, self.fleet.dependencies(), now)
        emit("reasoning", self._reasoning_text(ctx))
        # It words its evidence with this module's functions.
        from .hypothesis import Verdict, judge_claim, judge_relation

        if related:
            ctx.verdict = judge_relation(ctx.problems, ctx.named, self.fleet.dependencies(),
                                         self._scope_text(ctx), lang)
        elif "history" in scope.intents and asks_whether(scope):  # "was there an outage earlier?": the past
            ctx.verdict = Verdict(*history_verdict(self.fleet, {s.id for s in ctx.named}, scope, lang))
        elif scope.hypothesis is not None:
            ctx.verdict = judge_claim(self.fleet, scope.hypothesis, now, lang)
        return self._compose(ctx, ranked)

    def anomalies(self, limit: int) -> tuple[int, list[Diagnosis]]:
        """(servers scanned, diagnoses of the `limit` worst that have a cause), for anomaly detection."""
        clock = self.fleet.clock()
        deployed = [server for server, _ in self.fleet.deployed_servers()]
        if not deployed:
            return 0, []
        scr = screen(self.fleet, deployed, clock.timestamp())
        deep = [deployed[k] for k in scr.ranked()[:limit]]
        diagnoses = diagnose(self.fleet, deep, clock.timestamp())
        return len(deployed), sorted((d for d in diagnoses if d.causes), key=lambda d: -d.severity)

    def marks(self, key: str, minutes: int) -> dict[str, list[Anomaly]]:
        """One server's anomalous events per metric over the last `minutes`, as the AI judges them:
        what the detail chart marks."""
        server = self.fleet.resolve(key)
        return marks(self.fleet, server, self.fleet.clock().timestamp(), minutes)

    # -- thinking-step texts --------------------------------------------------------------

    def _types(self, types: frozenset[ServerType], lang: Lang) -> str:
        return ", ".join(t(f"type.{kind.value}", lang) for kind in sorted(types))

    def _scope_text(self, ctx: _Context, with_metrics: bool = True) -> str:
        """Which servers (and, unless the sentence names them itself, which metrics) were looked at."""
        scope, lang = ctx.question.scope, ctx.lang
        if ctx.named:
            text = t("agent.scope.servers", lang, hosts=", ".join(s.hostname for s in ctx.named))
        elif scope.types and len(ctx.candidates) < ctx.deployed:
            text = t("agent.scope.types", lang, types=self._types(scope.types, lang), n=len(ctx.candidates))
        else:
            text = t("agent.scope.fleet", lang, n=len(ctx.candidates))
        if scope.metrics and with_metrics:
            metrics = [phrases.metric_label(m, lang) for m in METRIC_KEYS if m in scope.metrics]
            text += t("agent.scope.metrics", lang, metrics=", ".join(metrics))
        return text

    def _intents(self, scope: Scope, lang: Lang) -> str:
        names = [t(f"agent.intent.{i}", lang) for i in sorted(scope.intents)]
        return ", ".join(names) or t("agent.intent.diagnose", lang)

    def _headline_metric(self, scr: Screen, k: int, lang: Lang) -> str:
        server = scr.window.servers[k]
        if scr.status[k] is Status.OFFLINE:
            return f"{server.hostname} {t('agent.answer.state_offline', lang)}"
        if server.id in scr.stopped:
            return f"{server.hostname} {t('agent.fallback.service', lang, service=scr.stopped[server.id])}"
        hits = sorted(((abs(float(scr.z[key][k])), key) for key in METRIC_KEYS if scr.flagged[key][k]),
                      reverse=True)
        described = [f"{phrases.metric_label(key, lang)} {_z(z)}σ" for z, key in hits[:2]]
        second = f" ({described[1]})" if len(described) > 1 else ""
        return " ".join([server.hostname, *described[:1]]) + second

    def _screened_text(self, ctx: _Context, ranked: list[int], deep: list[Server]) -> str:
        assert ctx.scr is not None
        lang = ctx.lang
        found = ", ".join(self._headline_metric(ctx.scr, k, lang) for k in ranked[:5])
        text = t("agent.step.screened", lang, intents=self._intents(ctx.question.scope, lang), n=len(ranked),
                 found=f": {found}" if found else "")
        if deep:
            text += t("agent.step.deep", lang, hosts=", ".join(s.hostname for s in deep[:MAX_NAMED]))
        return text

    def _reasoning_text(self, ctx: _Context) -> str:
        lang = ctx.lang
        traced = self._traced(ctx)
        if traced is not None and traced.causes:
            return t("agent.step.reasoning_path", lang, symptom=paths.symptom_label(ctx.question.scope, lang),
                     host=traced.server.hostname, cause=cause_label(traced.causes[0], lang))
        if not ctx.question.scope.metrics and (independent := paths.reasoning(ctx.problems, ctx.now, lang)):
            return independent
        for diagnosis in ctx.diagnoses:
            if diagnosis.causes:
                cause = diagnosis.causes[0]
                return t("agent.step.reasoning", lang, host=diagnosis.server.hostname,
                         cause=cause_label(cause, lang), evidence=short_evidence(cause, diagnosis, lang))
        return t("agent.step.reasoning_none", lang)

    def _relevance(self, diagnosis: Diagnosis, scope: Scope) -> int:
        """Diagnoses whose cause is about the metrics asked come first (2), then those where the metrics
        asked are only involved, as a driver or a symptom (1): traffic driving a CPU spike is not a
        network problem, congestion is."""
        if not scope.metrics:
            return 0
        relevance = 0
        for cause in diagnosis.causes:
            about = {cause.primary.metric} if cause.primary is not None else set()
            if cause.kind == "network_congestion":  # seen as latency with connections piling up
                about.update(NETWORK_METRICS)
            if about & scope.metrics:
                return 2
            if {link.finding.metric for link in [*cause.drivers, *cause.symptoms]} & scope.metrics:
                relevance = 1
        return relevance

    def _ranked_metric(self, scope: Scope) -> str | None:
        """The metric a superlative question ranks by ("응답이 제일 느린 서버는?"), if it asks one."""
        listed = self._listed_metrics(scope)
        return listed[0] if "rank" in scope.intents and listed else None

    def _ranked_leader(self, ctx: _Context) -> int | None:
        """The row of the server first on the ranked metric, among the servers in scope."""
        assert ctx.scr is not None
        metric = self._ranked_metric(ctx.question.scope)
        if metric is None or ctx.named:
            return None
        values = np.nan_to_num(ctx.scr.current[metric], nan=-np.inf)
        return int(np.argmax(values)) if np.isfinite(values).any() else None

    # -- composing the answer --------------------------------------------------------------

    def _compose(self, ctx: _Context, ranked: list[int]) -> Draft:
        """Lead with what was asked (the counts, the offline list, the changes), then the causes
        (the one that bears on the metrics asked about first), then the top lists and the counts."""
        assert ctx.scr is not None
        scope, lang, scr = ctx.question.scope, ctx.lang, ctx.scr
        parts: list[str] = list(ctx.notes)
        servers: list[str] = []
        actions: list[Action] = []
        counts = self._counts_line(ctx)
        if ctx.verdict is not None:
            parts.append(ctx.verdict.text)
            servers.extend(ctx.verdict.servers)
            actions.extend(ctx.verdict.actions)
        if "since" in scope.intents:
            parts.append(since_block(ctx.diagnoses, scope.metrics, lang))
        diagnosed = {d.server.id for d in ctx.diagnoses if d.causes}
        watch, watched = watch_block(scr.watch, scope.metrics, diagnosed, lang)
        servers.extend(watched)
        if "history" in scope.intents:
            block, named = history_block(self.fleet, {s.id for s in ctx.named}, scope, lang)
            parts.append(block)
            servers.extend(named)
        if "alerts" in scope.intents:
            block, named = self._alerts_block(ctx)
            parts.append(block)
            servers.extend(named)
        if not ctx.named:
            if "summary" in scope.intents:
                parts.append(counts)
            if "offline" in scope.intents:
                parts.append(self._offline_block(ctx))
            if "change" in scope.intents:
                block, named = self._change_block(scr, lang)
                parts.append(block)
                servers.extend(named)

        if ctx.named:
            for diagnosis in ctx.diagnoses:
                parts.append(self._server_block(diagnosis, scr, lang, "agent.answer.server_headline"))
                servers.append(diagnosis.server.hostname)
                actions.extend(self._diagnosis_actions(diagnosis, scr, lang))
        else:
            troubled = [d for d in ctx.diagnoses if d.causes]
            relevant = [d for d in troubled if self._relevance(d, scope)] if scope.metrics else troubled
            leader = self._ranked_leader(ctx)
            if leader is not None:
                server = scr.window.servers[leader]
                relevant = [d for d in troubled if d.server.id == server.id]
                parts.append(self._ranked_headline(ctx, leader))
            traced = self._traced(ctx)
            weighed = leader is None and (not scope.metrics or ctx.trace is not None)
            if weighed:  # the path's deepest problem leads, else the one to fix first
                relevant = [traced] if traced is not None else [p.diagnosis for p in ctx.problems]
                troubled = [p.diagnosis for p in ctx.problems]
                if traced is None and "symptom" in scope.intents:
                    parts.append(paths.untraced(ctx.trace, scr, scope, lang))
            rest = [d for d in troubled if d not in relevant[:1]]
            if leader is not None:
                if relevant:
                    first = relevant[0]
                    parts.append(self._server_block(first, scr, lang, "agent.answer.server_headline"))
                    servers.append(first.server.hostname)
                    actions.extend(self._diagnosis_actions(first, scr, lang))
                else:
                    servers.append(scr.window.servers[leader].hostname)
            elif traced is not None and ctx.trace is not None:
                parts.append(self._server_block(traced, scr, lang, "agent.path.headline",
                                                symptom=paths.symptom_label(scope, lang),
                                                where=paths.where(ctx.trace, lang)))
                parts.append(paths.path_line(ctx.trace, scr, lang))
                servers.append(traced.server.hostname)
                actions.extend(self._diagnosis_actions(traced, scr, lang))
            elif relevant and scope.types and self._relevance(relevant[0], scope) == 2:
                first = relevant[0]
                parts.append(self._server_block(first, scr, lang, "agent.answer.asked_headline",
                                                scope=self._scope_text(ctx, with_metrics=False),
                                                metrics=self._metrics_text(scope, lang)))
                servers.append(first.server.hostname)
                actions.extend(self._diagnosis_actions(first, scr, lang))
            elif relevant:
                first = relevant[0]
                independent = paths.independent(ctx.problems) if weighed else 0
                parts.append(self._server_block(first, scr, lang, n=independent, headline=(
                    "agent.answer.independent_headline" if independent > 1 else "agent.answer.headline")))
                servers.append(first.server.hostname)
                actions.extend(self._diagnosis_actions(first, scr, lang))
            elif scope.metrics and leader is None:
                parts.append(watch or t("agent.answer.no_anomaly_metric", lang,
                                        metrics=self._metrics_text(scope, lang),
                                        scope=self._scope_text(ctx, with_metrics=False)))
                watch = ""
            else:
                parts.append(watch or t("agent.answer.no_anomaly_fleet", lang, scope=self._scope_text(ctx)))
                watch = ""
                notes, note_actions = self._usual_warnings(scr, range(len(scr.window.servers)), lang)
                parts.extend(notes[:3])
                actions.extend(note_actions[:2])
            for metric in self._listed_metrics(scope):
                block, named = self._top_block(scr, metric, lang, ctx.diagnoses)
                parts.append(block)
                servers.extend(named)
            if rest:
                lead = relevant[0].server.hostname if relevant else ""
                items = [t("agent.answer.also_item", lang, host=d.server.hostname + (
                           paths.relation(d.server.hostname, ctx.problems, lead, lang) if weighed else ""),
                           cause=cause_label(d.causes[0], lang),
                           evidence=short_evidence(d.causes[0], d, lang)) for d in rest]
                parts.append(t("agent.answer.also", lang) + "\n" + "\n".join(f"- {item}" for item in items))
                servers.extend(d.server.hostname for d in rest)
                for diagnosis in rest:
                    actions.extend(actions_for(diagnosis.causes[0], diagnosis.server, lang)[:1])
            if weighed:
                parts.append(paths.order_block(ctx.problems, ctx.now, lang))
            analysed = {d.server.id for d in ctx.diagnoses}
            more = [scr.window.servers[k].hostname for k in ranked
                    if scr.window.servers[k].id not in analysed]
            if more:
                parts.append(t("agent.answer.more", lang, hosts=", ".join(more[:10])))
        parts.append(watch)  # where it did not stand in for "no anomaly", after what was found
        forecasts = [f for d in ctx.diagnoses for f in d.findings.values() if f.forecasts]
        if "forecast" in scope.intents and not forecasts:
            parts.append(t("agent.answer.forecast_none", lang))
        if "summary" not in scope.intents and not ctx.named:
            parts.append(counts)
        if not actions:
            actions.append(make_action("watch", lang))
        servers = list(dict.fromkeys(servers))
        return Draft("\n\n".join(p for p in parts if p), _dedupe(actions)[:6], servers, self._facts(ctx))

    def _traced(self, ctx: _Context) -> Diagnosis | None:
        """The diagnosis of the deepest server with a problem on a symptom's request path."""
        if ctx.trace is None or ctx.trace.culprit is None or ctx.scr is None:
            return None
        culprit = ctx.scr.window.servers[ctx.trace.culprit].id
        return next((d for d in ctx.diagnoses if d.server.id == culprit and d.causes), None)

    def _alerts_block(self, ctx: _Context) -> tuple[str, list[str]]:
        """What fires now, worst first, as the alert store holds it (the alerts page's list)."""
        lang = ctx.lang
        ids = {s.id for s in ctx.named}
        active = [a for a in self.fleet.store.alerts((AlertState.FIRING, AlertState.PENDING))
                  if not ids or a.server_id in ids]
        firing = sorted((a for a in active if a.state is AlertState.FIRING),
                        key=lambda a: (a.severity.rank, a.starts_at))
        pending = len(active) - len(firing)
        if not firing:
            return t("agent.answer.alerts_none", lang, pending=pending), []
        rules = {rule.id: rule for rule in self.fleet.store.alert_rules()}
        now = self.fleet.clock()
        items = [t("agent.answer.alert_item", lang, icon=ALERT_ICON[a.severity.value],
                   host=escape_markdown(a.hostname), rule=alert_messages.title_of(a.rule_id, rules, lang),
                   summary=escape_markdown(alert_messages.summary(a, lang)), since=phrases.clock(a.starts_at),
                   age=alert_messages.short_duration((now - a.starts_at).total_seconds(), lang))
                 for a in firing[:MAX_ALERTS_LISTED]]
        head = t("agent.answer.alerts", lang, firing=len(firing), pending=pending)
        return head + "\n" + "\n".join(f"- {item}" for item in items), \
            list(dict.fromkeys(a.hostname for a in firing[:MAX_ALERTS_LISTED]))

    def _metrics_text(self, scope: Scope, lang: Lang) -> str:
        return ", ".join(phrases.metric_label(m, lang) for m in METRIC_KEYS if m in scope.metrics)

    def _ranked_headline(self, ctx: _Context, k: int) -> str:
        """`**Highest response time: web-prod-01 3,807 ms**` (of the servers in scope)."""
        assert ctx.scr is not None
        metric = self._ranked_metric(ctx.question.scope)
        assert metric is not None
        return t("agent.answer.ranked_headline", ctx.lang, metric=phrases.metric_label(metric, ctx.lang),
                 host=ctx.scr.window.servers[k].hostname,
                 value=phrases.value(metric, float(ctx.scr.current[metric][k])),
                 scope=self._scope_text(ctx, with_metrics=False))

    def _server_block(self, diagnosis: Diagnosis, scr: Screen, lang: Lang, headline: str,
                      **heading: object) -> str:
        host = diagnosis.server.hostname
        if not diagnosis.causes:
            lines = [t("agent.answer.no_anomaly_server", lang, host=host)]
            values = [t("agent.answer.value_vs_usual", lang, metric=phrases.metric_label(m, lang),
                        value=phrases.value(m, diagnosis.current[m]),
                        usual=phrases.value(m, diagnosis.usual[m])) for m in SHOWN_METRICS]
            lines.append(t("agent.answer.current", lang, values=", ".join(values)))
            notes, _ = self._usual_warnings(scr, [scr.window.row(diagnosis.server.id)], lang)
            lines.extend(notes)
            return "\n\n".join(lines)
        cause = diagnosis.causes[0]
        block = [t(headline, lang, host=host, cause=cause_label(cause, lang), **heading)]
        block.extend(f"- {line}" for line in evidence(cause, diagnosis, lang))
        for other in diagnosis.causes[1:]:
            block.append(f"- **{cause_label(other, lang)}**: "
                         + "; ".join(evidence(other, diagnosis, lang)[:2]))
        return "\n".join(block)

    def _diagnosis_actions(self, diagnosis: Diagnosis, scr: Screen, lang: Lang) -> list[Action]:
        if diagnosis.causes:
            found: list[Action] = []
            for cause in diagnosis.causes:
                found.extend(actions_for(cause, diagnosis.server, lang))
            return found
        _, actions = self._usual_warnings(scr, [scr.window.row(diagnosis.server.id)], lang)
        return actions or [make_action("watch", lang)]

    def _usual_warnings(self, scr: Screen, rows: Sequence[int] | range, lang: Lang
                        ) -> tuple[list[str], list[Action]]:
        """Metrics over a threshold that are nevertheless this server's usual level: said, not alarmed."""
        notes: list[str] = []
        actions: list[Action] = []
        window = scr.window
        for k in rows:
            server = window.servers[k]
            if scr.status[k] not in (Status.WARNING, Status.CRITICAL) or scr.score[k] >= 4.0:
                continue
            for alert in scr.judgement.metric_alerts(k, lang):
                key = alert.metric
                if key is None or alert.threshold is None or scr.flagged[key][k]:
                    continue
                label = phrases.metric_label(key, lang)
                notes.append(t("agent.answer.usual_warning", lang, metric=f"{server.hostname} {label}",
                               value=phrases.value(key, float(scr.current[key][k])),
                               level=t(f"agent.level.{alert.level.value}", lang),
                               threshold=phrases.value(key, alert.threshold),
                               usual=phrases.value(key, float(window.usual[key][k, -1]))))
                actions.append(make_action("raise_threshold", lang, host=server.hostname, metric=label,
                                       threshold=phrases.value(key, alert.threshold)))
        return notes, actions

    def _counts_line(self, ctx: _Context) -> str:
        assert ctx.scr is not None
        counts = thresholds.count_by_status(ctx.scr.status).model_dump(by_alias=False)
        total = counts.pop("total")
        if ctx.named or len(ctx.candidates) < ctx.deployed:
            return t("agent.answer.fleet_scope", ctx.lang, scope=self._scope_text(ctx), **counts)
        return t("agent.answer.fleet", ctx.lang, total=total, **counts)

    def _listed_metrics(self, scope: Scope) -> list[str]:
        """Metrics to list the top servers of: those asked about, when the question asks for them."""
        if not scope.metrics or not ({"top", "summary"} & scope.intents or not scope.intents):
            return []
        ordered = [m for m in METRIC_KEYS if m in scope.metrics]
        return [m for m in ordered if m != "network_out" or "network_in" not in ordered]

    def _top_block(self, scr: Screen, metric: str, lang: Lang, diagnoses: list[Diagnosis]
                   ) -> tuple[str, list[str]]:
        values = scr.current[metric]
        # A server diagnosed in depth is quoted with the same numbers as its diagnosis.
        deep = {d.server.id: d.findings[metric] for d in diagnoses if metric in d.findings}
        order = [int(k) for k in np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")][:TOP_LIST]
        lines = [t("agent.answer.top", lang, metric=phrases.metric_label(metric, lang))]
        names: list[str] = []
        for k in order:
            server = scr.window.servers[k]
            if not np.isfinite(values[k]):
                continue
            usual, z = float(scr.window.usual[metric][k, -1]), float(scr.z[metric][k])
            if server.id in deep:
                usual, z = deep[server.id].usual, deep[server.id].z
            if math.isnan(usual):  # a source with no history for this hour: nothing to compare with
                state = t("agent.answer.state_no_usual", lang)
            elif scr.flagged[metric][k] or server.id in deep:
                direction = t(f"agent.dir.{'up' if z > 0 else 'down'}", lang)
                state = t("agent.answer.state_unusual", lang, z=_z(z), dir=direction,
                          usual=phrases.value(metric, usual))
            else:
                state = t("agent.answer.state_usual", lang, usual=phrases.value(metric, usual))
            level = scr.judgement.level(metric, k)
            if level is not Status.ONLINE:
                state += f" · {t(f'agent.level.{level.value}', lang)}"
            lines.append("- " + t("agent.answer.top_item", lang, host=server.hostname,
                                  value=phrases.value(metric, float(values[k])), state=state))
            names.append(server.hostname)
        return "\n".join(lines), names

    def _offline_block(self, ctx: _Context) -> str:
        assert ctx.scr is not None
        lang = ctx.lang
        offline = [k for k, s in enumerate(ctx.scr.status) if s is Status.OFFLINE]
        if not offline:
            return t("agent.answer.offline_none", lang, n=len(ctx.candidates))
        seen = {d.server.id: d.causes[0].last_seen for d in ctx.diagnoses
                if d.causes and d.causes[0].kind == "host_down"}
        names = []
        for k in offline:
            server = ctx.scr.window.servers[k]
            last = seen.get(server.id)
            names.append(f"{server.hostname} ({t('agent.ev.host_since', lang, time=phrases.clock(last))})"
                         if last else server.hostname)
        return t("agent.answer.offline_list", lang, n=len(offline), hosts=", ".join(names))

    def _change_block(self, scr: Screen, lang: Lang) -> tuple[str, list[str]]:
        changes: list[Change] = biggest_changes(scr)
        if not changes:
            return t("agent.answer.no_changes", lang), []
        lines = [t("agent.answer.changes", lang)]
        for change in changes:
            verdict = t(f"agent.answer.change_{'unusual' if change.unusual else 'usual'}", lang)
            lines.append("- " + t("agent.answer.change_item", lang, host=change.server.hostname,
                                  metric=phrases.metric_label(change.metric, lang),
                                  before=phrases.value(change.metric, change.before),
                                  after=phrases.value(change.metric, change.after),
                                  score=f"{change.score:.2f}", verdict=verdict))
        return "\n".join(lines), [c.server.hostname for c in changes]

    def _facts(self, ctx: _Context) -> dict[str, Any]:
        """The grounding an LLM may use, and nothing else."""
        assert ctx.scr is not None
        lang = ctx.lang
        return {
            "time": phrases.clock(ctx.now),
            "serversInScope": len(ctx.candidates),
            "fleet": self._counts_line(ctx),
            "notes": ctx.notes,
            "dependencyPath": paths.path_facts(ctx.trace, ctx.scr, ctx.question.scope, lang),
            "fixOrder": paths.order_facts(ctx.problems, ctx.now, lang),
            "verdict": ctx.verdict.text if ctx.verdict is not None else None,
            "watch": watch_block(ctx.scr.watch, ctx.question.scope.metrics, set(), lang)[0],
            "diagnoses": [{
                "hostname": d.server.hostname, "type": d.server.type.value, "status": d.status.value,
                "current": {k: _round(v) for k, v in d.current.items()},
                "usualForThisHour": {k: _round(v) for k, v in d.usual.items()},
                "causes": [{"cause": cause_label(c, lang), "evidence": evidence(c, d, lang)}
                           for c in d.causes],
            } for d in ctx.diagnoses],
            # What happened, as recorded: quoted evidence, so an LLM need not (and may not) invent it.
            "timeline": timeline_evidence(self.fleet, ctx.candidates if len(ctx.candidates) < ctx.deployed
                                          else None, ctx.question.scope, lang),
        }

    # -- values handed in -----------------------------------------------------------------

    def _provided(self, question: Question, emit: Emit, now: float, deployed: list[Server]) -> Draft:
        """Analyse `serverData.metrics`: each metric sent against the server's usual level where we
        know the server, against the thresholds alone where we don't, with the trend of any history
        sent. Metrics that were not sent are not mentioned."""
        lang = question.scope.language
        items = question.provided or []
        emit("analyzing", t("agent.step.analyzing_provided", lang,
                            scope=t("agent.scope.provided", lang, n=len(items))))
        deployed_ids = {s.id for s in deployed}
        servers = [self.fleet.catalogue.find(p.hostname) if p.hostname else None for p in items]
        known = [s for s in servers if s is not None and s.id in deployed_ids]
        window = observe(self.fleet, known, now, 2, 3) if known else None
        given: list[_Given] = []
        for index, (item, server) in enumerate(zip(items, servers, strict=True)):
            row = window.row(server.id) if window is not None and server in known else None
            usual: dict[str, float] = {}
            if window is not None and row is not None:
                usual = {key: float(window.usual[key][row, -1]) for key in item.values()}
            findings: dict[str, Finding] = {}
            for key, value in item.values().items():
                finding = self._provided_finding(key, value, server, window, row)
                if finding is not None:
                    findings[key] = finding
            causes = [_given_cause(c, set(item.values())) for c in name_causes(findings, None, unlinked)]
            name = item.hostname or t("agent.answer.given_server", lang, n=index + 1)
            given.append(_Given(name, item, server or _unknown_server(name), server is not None, usual,
                                findings, causes))
        found = [f"{g.name} {cause_label(g.causes[0], lang)}" for g in given if g.causes]
        emit("pattern_matching", t("agent.step.screened", lang, intents=t("agent.intent.diagnose", lang),
                                   n=len(found), found=f": {', '.join(found)}" if found else ""))
        emit("reasoning", found[0] if found else t("agent.step.reasoning_none_given", lang))
        parts: list[str] = []
        actions: list[Action] = []
        for g in given:
            parts.append(_given_block(g, lang))
            if g.causes:
                actions.extend(actions_for(g.causes[0], g.server, lang))
        with_history = any(item.history for item in items)
        parts.append(t("agent.answer.provided_note_history" if with_history else "agent.answer.provided_note",
                       lang))
        return Draft("\n\n".join(parts), _dedupe(actions)[:6] or [make_action("watch", lang)],
                     [g.name for g in given if g.item.hostname],  # a server sent without a name is none
                     {"provided": [{"hostname": g.name, "causes": [cause_label(c, lang) for c in g.causes],
                                    "metrics": [_given_line(g, key, lang) for key in g.item.values()]}
                                   for g in given]})

    def _provided_finding(self, key: str, value: float, server: Server | None, window: Window | None,
                          row: int | None) -> Finding | None:
        kind = server.type if server is not None else ServerType.WEB  # WEB has no overrides: the defaults
        level = thresholds.level(key, value, kind)
        if window is not None and row is not None:
            usual = float(window.usual[key][row, -1])
            sigma = float(window.sigma[key][row])
            z = (value - usual) / sigma
            rule = RULES[key]
            ratio = value / usual if usual > 0 else math.inf
            if rule.min_delta is not None:
                up = value - usual >= rule.min_delta
            else:
                up = ratio >= (rule.min_ratio or math.inf)
            down = ratio <= (rule.max_drop or -math.inf)
            if abs(z) >= 4.0 and (up or down):
                return Finding(key, value, usual, sigma, z, "up" if up else "down", None, level, dated=False)
            return None
        if level is Status.ONLINE:
            return None
        return Finding(key, value, math.nan, math.nan, math.nan, "up", None, level, dated=False)


@dataclass(frozen=True)
class Trend:
    """Where a metric sent with its history is heading, over the samples sent."""

    first: float
    last: float
    points: int
    direction: Literal["up", "down", "flat"]


def history_trend(key: str, series: Sequence[float]) -> Trend | None:
    """The least-squares change over the samples: flat when it is under a point (percent metrics) or
    5 % of the level (rates, times, counts); None for fewer than two samples. The samples' spacing is
    not sent, so this is a direction and a size, never a rate per minute."""
    if len(series) < 2:
        return None
    values = np.asarray(series, dtype=np.float64)
    slope, _, _ = linear_trend(np.arange(values.size, dtype=np.float64), values)
    change = slope * (values.size - 1)
    floor = 1.0 if METRICS[key].unit == "%" else 0.05 * float(np.mean(values))
    direction: Literal["up", "down", "flat"] = (
        "flat" if abs(change) <= floor else "up" if change > 0 else "down")
    return Trend(float(values[0]), float(values[-1]), int(values.size), direction)


@dataclass
class _Given:
    """One server of `serverData.metrics`, judged."""

    name: str
    item: ProvidedMetrics
    server: Server  # the catalogue's, or a stand-in named as sent
    in_catalogue: bool  # else a name sent is the caller's text, escaped in Markdown
    usual: dict[str, float]  # this server's usual level for the hour, when we know the server
    findings: dict[str, Finding]
    causes: list[Cause]


def _given_cause(cause: Cause, sent: set[str]) -> Cause:
    """A cause named from values handed in claims only what was sent: "no extra traffic" needs a
    traffic metric, "CPU, memory and disk normal" needs all three."""
    if cause.kind == "cpu_runaway" and not sent & set(TRAFFIC):
        return replace(cause, kind="cpu_high")
    if cause.kind == "latency" and not {"cpu", "memory", "disk"} <= sent:
        return replace(cause, kind="slow_responses")
    return cause


def _given_value(key: str, amount: float) -> str:
    """A value as it was sent (85.5%, not 86%), with the metric's unit."""
    unit = METRICS[key].unit
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text}%" if unit == "%" else f"{text} {unit}".rstrip()


def _given_delta(key: str, amount: float) -> str:
    sign = "+" if amount >= 0 else "−"
    text = _given_value(key, abs(amount))
    return sign + (f"{text}p" if METRICS[key].unit == "%" else text)


def _given_line(given: _Given, key: str, lang: Lang) -> str:
    """`CPU 85.5% — above the critical threshold of 85%; trend 75% → 85.5% (+10.5%p over 5 samples,
    rising)`: the value sent, how it stands, and where its history is heading."""
    value = given.item.values()[key]
    label, shown = phrases.metric_label(key, lang), _given_value(key, value)
    finding = given.findings.get(key)
    if finding is not None and not math.isnan(finding.usual):
        line = t("agent.ev.given_usual", lang, metric=label, value=shown, z=_z(finding.z),
                 dir=t(f"agent.dir.{finding.direction}", lang), usual=phrases.value(key, finding.usual))
    elif finding is not None:
        line = t("agent.ev.threshold", lang, metric=label, value=shown,
                 level=t(f"agent.level.{finding.level.value}", lang),
                 threshold=_given_value(key, _threshold_of(finding, given.server.type)))
    elif key in given.usual:
        line = t("agent.ev.given_normal_usual", lang, metric=label, value=shown,
                 usual=phrases.value(key, given.usual[key]))
    elif (bounds := thresholds.limits(key, given.server.type)) is not None:
        line = t("agent.ev.given_below", lang, metric=label, value=shown,
                 threshold=_given_value(key, bounds[0]))
    else:
        line = f"{label} {shown}"
    trend = history_trend(key, given.item.series(key))
    if trend is None:
        return line
    return line + "; " + t("agent.ev.trend", lang, first=_given_value(key, trend.first),
                           last=_given_value(key, trend.last),
                           delta=_given_delta(key, trend.last - trend.first), n=trend.points,
                           dir=t(f"agent.trend.{trend.direction}", lang))


def _given_block(given: _Given, lang: Lang) -> str:
    """The headline (the leading cause, or that nothing is off), then one line per metric sent, the
    leading cause's metric first. A server we don't know is named as sent, shown literally."""
    host = (given.server.hostname if given.in_catalogue
            else escape_markdown(given.item.hostname) if given.item.hostname else given.name)
    if given.causes:
        headline = t("agent.answer.server_headline", lang, host=host,
                     cause=cause_label(given.causes[0], lang))
    elif given.usual:
        headline = t("agent.answer.no_anomaly_given", lang, host=host)
    else:
        headline = t("agent.answer.no_threshold_crossed", lang, host=host)
    leading = [c.primary.metric for c in given.causes if c.primary is not None]
    keys = leading + [key for key in given.item.values() if key not in leading]
    return "\n".join([headline, *(f"- {_given_line(given, key, lang)}" for key in keys)])


def _unknown_server(name: str) -> Server:
    """A stand-in for a server the caller named but the catalogue doesn't hold."""
    return Server(id=name, position=0, hostname=name, name=name, type=ServerType.WEB,
                  environment=Environment.PRODUCTION, location="", provider=Provider.ONPREMISE,
                  specs=Specs(cpu_cores=0, memory_gb=0, disk_gb=0), ip="", services=[])


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 1)


def _dedupe(actions: list[Action]) -> list[Action]:
    seen: set[str] = set()
    unique = []
    for action in actions:
        if action.description not in seen:
            seen.add(action.description)
            unique.append(action)
    return unique
