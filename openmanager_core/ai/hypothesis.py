"""Yes/no questions: the claim a question puts forward ("is redis down?", "web-prod-01 느린 거 DB
때문이야?"), tested against the diagnoses and the one status judgement. The verdict, yes or no with
its evidence, and where the thing actually is when the claim is wrong, leads the answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..dependencies import DependencyGraph
from ..fleet import Fleet
from ..i18n import Lang, t
from ..metrics import METRIC_KEYS
from ..models import AlertKind, Server, Status
from . import paths, phrases
from .engine import SHOWN_METRICS, actions_for, cause_label, evidence, short_evidence
from .findings import Cause, Diagnosis, Screen, diagnose, screen
from .models import Action
from .scope import NETWORK_METRICS, Hypothesis

MAX_TESTED = 10  # servers of a type the claim names that are diagnosed in depth
MAX_ELSEWHERE = 3  # servers looked at in depth for where the thing is, when it is not where claimed
# Causes that only describe the metric they are about: a slow server whose CPU, memory and disk are
# normal has no cause of its own for the slowness (its dependency may).
OWN_CAUSELESS = ("latency", "slow_responses")


@dataclass
class Verdict:
    """The lead of the answer to a yes/no question, the servers it names and what to do."""

    text: str
    servers: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass(frozen=True)
class _Evidence:
    """Why the claim holds on one server: what is wrong there (`label`) and the numbers (`detail`)."""

    diagnosis: Diagnosis
    label: str
    detail: str
    kind: str | None = None  # the cause it is, where it is the leading one of the metrics claimed

    @property
    def host(self) -> str:
        return self.diagnosis.server.hostname

    def line(self) -> str:
        return f"{self.host}: {self.label} — {self.detail}"


@dataclass
class _Read:
    """Servers judged now (the screen's judgement) and diagnosed, row by row."""

    scr: Screen
    diagnoses: list[Diagnosis]

    def rows(self) -> list[tuple[int, Diagnosis]]:
        return [(self.scr.window.row(d.server.id), d) for d in self.diagnoses]


def _read(fleet: Fleet, servers: Sequence[Server], now: float, every: bool = True) -> _Read:
    """The servers screened, and diagnosed in depth: those that stand out first, then (`every`) the
    rest up to MAX_TESTED."""
    scr = screen(fleet, servers, now)
    order = list(dict.fromkeys(scr.ranked() + (list(range(len(servers))) if every else [])))[:MAX_TESTED]
    return _Read(scr, diagnose(fleet, [servers[k] for k in order], now))


def _about(cause: Cause, metrics: frozenset[str]) -> bool:
    about = {cause.primary.metric} if cause.primary is not None else set()
    if cause.kind == "network_congestion":
        about.update(NETWORK_METRICS)
    return bool(about & metrics)


def _metric_evidence(d: Diagnosis, k: int, read: _Read, metrics: frozenset[str], lang: Lang
                     ) -> _Evidence | None:
    """Why the metrics claimed are off on this server: the cause they lead, a cause they are a symptom
    of, or a threshold they are over (the one judgement); None when they are fine."""
    for cause in d.causes:
        if _about(cause, metrics):
            return _Evidence(d, cause_label(cause, lang), "; ".join(evidence(cause, d, lang)[:2]), cause.kind)
    for cause in d.causes:
        for link in [*cause.drivers, *cause.symptoms]:
            if link.finding.metric in metrics:
                return _Evidence(d, t("agent.claim.symptom", lang, cause=cause_label(cause, lang)),
                                 t("agent.claim.symptom_detail", lang,
                                   metric=phrases.metric_label(link.finding.metric, lang),
                                   value=phrases.value(link.finding.metric, link.finding.value),
                                   ratio=phrases.ratio(link.finding.ratio),
                                   evidence=short_evidence(cause, d, lang)))
    for alert in read.scr.judgement.metric_alerts(k, lang):
        if alert.metric in metrics:
            return _Evidence(d, t(f"agent.level.{alert.level.value}", lang), alert.message)
    return None


def _down_evidence(d: Diagnosis, k: int, read: _Read, lang: Lang) -> _Evidence | None:
    """Why the server is down (host down, its main service stopped) or a service is stopped."""
    for cause in d.causes:
        if cause.kind in ("host_down", "service_down"):
            return _Evidence(d, cause_label(cause, lang), "; ".join(evidence(cause, d, lang)[:2]))
    stopped = [a.message for a in read.scr.judgement.alerts(k, lang) if a.kind is AlertKind.SERVICE]
    return _Evidence(d, t("agent.claim.services", lang), "; ".join(stopped)) if stopped else None


def _problem_evidence(d: Diagnosis, k: int, read: _Read, lang: Lang) -> _Evidence | None:
    """Anything wrong with the server: its leading cause, else an alert of the one judgement."""
    if d.causes:
        cause = d.causes[0]
        return _Evidence(d, cause_label(cause, lang), short_evidence(cause, d, lang))
    status = read.scr.judgement.status(k)
    alerts = read.scr.judgement.alerts(k, lang)
    if status is not Status.ONLINE and alerts:
        return _Evidence(d, t(f"agent.level.{status.value}", lang), alerts[0].message)
    return None


def _found(claim: Hypothesis, read: _Read, lang: Lang, metrics: frozenset[str] | None = None
           ) -> list[_Evidence]:
    """The servers read where the claim holds, with the evidence."""
    metrics = claim.metrics if metrics is None else metrics
    found: list[_Evidence] = []
    for k, d in read.rows():
        if claim.down:
            line = _down_evidence(d, k, read, lang)
        elif metrics:
            line = _metric_evidence(d, k, read, metrics, lang)
        else:
            line = _problem_evidence(d, k, read, lang)
        if line is not None:
            found.append(line)
    return found


def _values(d: Diagnosis, metrics: frozenset[str], lang: Lang) -> str:
    """`web-prod-01: memory 54% (usual 54%)`: the claimed metrics (or the summary ones) now."""
    shown = [m for m in METRIC_KEYS if m in metrics and m != "network_out"] or list(SHOWN_METRICS)
    values = [t("agent.answer.value_vs_usual", lang, metric=phrases.metric_label(m, lang),
                value=phrases.value(m, d.current[m]), usual=phrases.value(m, d.usual[m])) for m in shown]
    return f"{d.server.hostname}: {', '.join(values)}"


def _what(claim: Hypothesis, lang: Lang) -> str:
    """What the claim says is wrong, as the answer names it: `the memory leak`, `a CPU problem`."""
    if claim.down:
        return t("agent.claim.down", lang)
    if claim.cause is not None:
        return t(f"agent.cause.{claim.cause}", lang)
    if claim.metrics:
        metrics = [phrases.metric_label(m, lang) for m in METRIC_KEYS
                   if m in claim.metrics and m != "network_out"]
        return t("agent.claim.metric_problem", lang, metrics=", ".join(metrics))
    return t("agent.claim.a_problem", lang)


def _whole_fleet(claim: Hypothesis) -> bool:
    """"Is everything healthy?": a claim that names no server and no type is about every one."""
    return not claim.servers and not claim.types and not claim.explains


def _targets(fleet: Fleet, claim: Hypothesis) -> list[Server]:
    deployed = [s for s, _ in fleet.deployed_servers()]
    if _whole_fleet(claim):
        return deployed
    ids = {s.id for s in claim.servers}
    return [s for s in deployed if s.id in ids or s.type in claim.types]


def _where(claim: Hypothesis, lang: Lang) -> str:
    types = [t(f"type.{kind.value}", lang) for kind in sorted(claim.types)]
    return ", ".join([s.hostname for s in claim.servers] + types)


def judge_claim(fleet: Fleet, claim: Hypothesis, now: float, lang: Lang) -> Verdict:
    """Yes or no to the claim, with the evidence; when it is wrong, where the thing actually is."""
    targets = _targets(fleet, claim)
    if not targets:
        return Verdict(t("agent.claim.no", lang, reason=t("agent.claim.none_deployed", lang,
                                                            where=_where(claim, lang))))
    # The whole fleet is judged by its screen: only the servers that stand out are diagnosed (and named).
    whole = _whole_fleet(claim)
    read = _read(fleet, targets, now, every=not whole)
    if claim.explains:
        return _explains(fleet, claim, read, now, lang)
    found = _found(claim, read, lang)
    hosts = [d.server.hostname for d in read.diagnoses]
    if claim.healthy:
        if not found:
            # Healthy now; a young climb toward a threshold (the answer's watch) qualifies the yes.
            key = "agent.claim.yes_for_now" if read.scr.watch else "agent.claim.yes"
            judged = t("agent.scope.fleet", lang, n=len(targets)) if whole else ", ".join(hosts)
            return Verdict(t(key, lang, reason=t("agent.claim.healthy", lang, hosts=judged)),
                           [] if whole else hosts)
        return _verdict("agent.claim.no", found, lang)
    if found:
        return _verdict("agent.claim.yes", found, lang)
    what = _what(claim, lang)
    here = [t("agent.claim.not_there", lang, what=what, where=_where(claim, lang))]
    if claim.down:
        here.append(t("agent.claim.up", lang, hosts=", ".join(hosts)))
    else:
        here.extend(_values(d, claim.metrics, lang) for d in read.diagnoses)
    searched = claim.metrics or claim.down  # "a problem" somewhere else is not what was asked
    elsewhere, others = _elsewhere(fleet, claim, targets, now, lang) if searched else ([], 0)
    if not elsewhere:
        if others:
            here.append(t("agent.claim.nowhere", lang, what=what, n=others))
        return Verdict("\n".join([t("agent.claim.no", lang, reason=here[0]), *(f"- {x}" for x in here[1:])]),
                       hosts)
    # Where it actually is leads: that is the answer to "...or somewhere else?".
    # The cause found is named unless it is the one claimed ("memory pressure", asked about a leak).
    where = [t("agent.claim.is_on", lang, what=what, host=e.host,
               detail=e.detail if e.kind is not None and e.kind == claim.cause else f"{e.label} — {e.detail}")
             for e in elsewhere]
    text = "\n".join([t("agent.claim.no", lang, reason=where[0]), *(f"- {x}" for x in [*where[1:], *here])])
    return Verdict(text, [e.host for e in elsewhere] + hosts, _first_actions(elsewhere, lang))


def _first_actions(found: Sequence[_Evidence], lang: Lang) -> list[Action]:
    return [action for e in found if e.diagnosis.causes
            for action in actions_for(e.diagnosis.causes[0], e.diagnosis.server, lang)[:1]]


def _verdict(key: str, found: list[_Evidence], lang: Lang) -> Verdict:
    text = "\n".join([t(key, lang, reason=found[0].line()), *(f"- {e.line()}" for e in found[1:])])
    return Verdict(text, [e.host for e in found], _first_actions(found, lang))


def _elsewhere(fleet: Fleet, claim: Hypothesis, targets: list[Server], now: float, lang: Lang
               ) -> tuple[list[_Evidence], int]:
    """Where the thing claimed actually is among the other deployed servers, and how many were looked at."""
    ids = {s.id for s in targets}
    others = [s for s, _ in fleet.deployed_servers() if s.id not in ids]
    if not others:
        return [], 0
    scr = screen(fleet, others, now)
    if claim.down:
        rows = [k for k in scr.ranked() if scr.status[k] is Status.OFFLINE or others[k].id in scr.stopped]
    else:
        rows = [k for k in scr.ranked() if any(scr.flagged[m][k] for m in claim.metrics)]
    read = _Read(scr, diagnose(fleet, [others[k] for k in rows[:MAX_ELSEWHERE]], now))
    return _found(claim, read, lang), len(others)


def _explains(fleet: Fleet, claim: Hypothesis, read: _Read, now: float, lang: Lang) -> Verdict:
    """"Is web-prod-01 slow because of the DB?": is it slow, has it a cause of its own, and is the
    server offered as the reason in trouble."""
    reason = _found(claim, read, lang)
    reason_line = reason[0].line() if reason else t(
        "agent.claim.reason_fine", lang, where=_where(claim, lang),
        hosts=", ".join(d.server.hostname for d in read.diagnoses))
    named = [e.host for e in reason]
    if not claim.effect_servers:
        key = "agent.claim.likely" if reason else "agent.claim.no"
        return Verdict(t(key, lang, reason=reason_line), named, _first_actions(reason, lang))
    effect = _read(fleet, claim.effect_servers, now)
    shown = _found(Hypothesis(metrics=claim.effect_metrics), effect, lang)
    named = [d.server.hostname for d in effect.diagnoses] + named
    anyway = "- " + (t("agent.claim.reason_anyway", lang, evidence=reason_line) if reason else reason_line)
    if not shown:
        values = _values(effect.diagnoses[0], claim.effect_metrics, lang)
        no_effect = t("agent.claim.no_effect", lang, values=values)
        return Verdict("\n".join([t("agent.claim.no", lang, reason=no_effect), anyway]), named)
    d = shown[0].diagnosis
    own = next((c for c in d.causes if c.kind not in OWN_CAUSELESS), None)
    if own is not None:
        reason_text = t("agent.claim.own_cause", lang, host=d.server.hostname, cause=cause_label(own, lang),
                        evidence=short_evidence(own, d, lang))
        return Verdict("\n".join([t("agent.claim.no", lang, reason=reason_text), anyway]), named,
                       actions_for(own, d.server, lang)[:1])
    if reason:
        text = t("agent.claim.effect_and_reason", lang, effect=shown[0].line(), evidence=reason_line)
        return Verdict(t("agent.claim.likely", lang, reason=text), named, _first_actions(reason, lang))
    return Verdict("\n".join([t("agent.claim.no", lang, reason=reason_line), f"- {shown[0].line()}"]), named)


def judge_relation(found: Sequence[paths.Problem], asked: Sequence[Server], graph: DependencyGraph,
                   where: str, lang: Lang) -> Verdict:
    """"Are the problems on X and Y related?", "같은 원인이야?": yes when the problems weighed (`found`,
    in fix order, of the servers in scope) are one group of related ones (one request path, onsets
    minutes apart), no with the reason when they stand apart, and no when there is one or none. The
    servers `asked` about that have no problem are said to be fine."""
    fine = [s.hostname for s in asked if all(p.host != s.hostname for p in found)]
    if not found:
        return Verdict(t("agent.claim.no", lang, reason=t("agent.relation.none", lang, where=where)), fine)
    hosts = [p.host for p in found] + fine
    if len(found) == 1:
        only = found[0]
        reason = t("agent.relation.only", lang, host=only.host,
                   cause=cause_label(only.diagnosis.causes[0], lang))
        if fine:
            reason += t("agent.relation.fine", lang, hosts=", ".join(fine))
        return Verdict(t("agent.claim.no", lang, reason=reason), hosts)
    by_host = {p.host: p for p in found}
    followers = [t("agent.relation.follows", lang, host=p.host, root=p.root,
                   why=paths.why(p, by_host[p.root], graph, lang)) for p in found if p.root is not None]
    leaders = [p for p in found if p.root is None]
    if len(leaders) == 1:
        lines = [t("agent.claim.yes", lang, reason=t("agent.relation.one", lang, reason=followers[0])),
                 *(f"- {line}" for line in followers[1:])]
        return Verdict("\n".join(lines), hosts)
    lead, other = leaders[0], leaders[1]
    reason = t("agent.relation.independent", lang, n=len(leaders), lead=lead.host, host=other.host,
               why=paths.why(other, lead, graph, lang))
    apart = [t("agent.relation.apart", lang, host=p.host, lead=lead.host, why=paths.why(p, lead, graph, lang))
             for p in leaders[2:]]
    return Verdict("\n".join([t("agent.claim.no", lang, reason=reason),
                              *(f"- {line}" for line in [*followers, *apart])]), hosts)
