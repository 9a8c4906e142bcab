"""Problems read along the service dependency graph: a user symptom traced down the request path to
the deepest server with a problem, and several problems told apart (related: one request path and
onsets minutes apart; else independent) and put in the order to fix them, by impact."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..dependencies import DependencyGraph
from ..i18n import Lang, t
from ..metrics import METRIC_KEYS
from ..models import Status
from . import phrases
from .findings import SCREEN_MIN_SCORE, Diagnosis, Screen
from .scope import HTTP_ERROR, Scope

RELATED_SECONDS = 10 * 60  # problems on one request path that began this close together are one problem
# How bad a problem is, by the one status judgement: a finding that crosses no threshold still counts.
# Impact = this weight × (1 + servers affected) × √minutes: how long a problem has lasted counts, but less
# than how far it reaches, so a user-facing outage minutes old comes before an hour-old disk filling on a
# server nothing depends on, and a critical leak for 2 h still before a warning for a quarter of one.
STATUS_WEIGHT: dict[Status, int] = {Status.CRITICAL: 3, Status.OFFLINE: 3, Status.WARNING: 2,
                                    Status.ONLINE: 1}
DOWN_CAUSES = ("host_down", "service_down")
# Errors come from a server that is down rather than a slow one: where request paths differ, one that
# ends at a down server explains these first.
ERROR_SYMPTOMS = ("http_error", "error", "login")
GATEWAY_CODES = {"bad gateway": "502", "service unavailable": "503", "gateway timeout": "504",
                 "internal server error": "500"}


# -- a symptom traced along the request path ----------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """Where a symptom comes from: the request path from its entry point down to the deepest server
    with a problem (`culprit`, a screen row), or no path when every server on it is healthy."""

    path: tuple[str, ...]
    culprit: int | None
    blocked: bool  # the culprit is down: requests stop there
    servers: int  # servers on the request path that were looked at
    entries: tuple[str, ...]


def _down(scr: Screen, k: int) -> bool:
    return scr.status[k] is Status.OFFLINE or scr.window.servers[k].id in scr.stopped


def _unhealthy(scr: Screen, k: int) -> bool:
    """A problem by the screen (the tier-1 findings and the judgement's levels): what it diagnoses."""
    return bool(scr.score[k] >= SCREEN_MIN_SCORE)


def trace(graph: DependencyGraph, scr: Screen, symptom: str | None) -> Trace | None:
    """Walk every request path among the screened servers from its entry point down, stopping at a
    server that is down (nothing below it gets requests), and keep the deepest server with a problem
    (the worse one where two are as deep; for errors, a down one before any other). None when the
    servers make no request path."""
    rows = {server.hostname: k for k, server in enumerate(scr.window.servers)}
    graph = graph.among(rows)
    paths = graph.paths()
    if not paths:
        return None
    best: tuple[str, ...] = ()
    best_key: tuple[bool, int, float] | None = None
    for path in paths:
        deepest: int | None = None
        for i, host in enumerate(path):
            if _unhealthy(scr, rows[host]):
                deepest = i
            if _down(scr, rows[host]):
                break
        if deepest is None:
            continue
        culprit = rows[path[deepest]]
        key = (symptom in ERROR_SYMPTOMS and _down(scr, culprit), deepest, float(scr.score[culprit]))
        if best_key is None or key > best_key:
            best, best_key = path[:deepest + 1], key
    on_path = len({host for path in paths for host in path})
    if not best:
        return Trace((), None, False, on_path, graph.entry_points)
    culprit = rows[best[-1]]
    return Trace(best, culprit, _down(scr, culprit), on_path, graph.entry_points)


def node_state(scr: Screen, k: int, lang: Lang) -> str:
    """`down`, `ingress-nginx stopped`, `memory 97%`: what is wrong with one server, in a few words."""
    server = scr.window.servers[k]
    if scr.status[k] is Status.OFFLINE:
        return t("agent.path.offline", lang)
    if server.id in scr.stopped:
        return t("agent.path.stopped", lang, service=scr.stopped[server.id])
    off = [key for key in METRIC_KEYS if scr.flagged[key][k] and math.isfinite(float(scr.current[key][k]))]
    if not off:
        off = [key for key in METRIC_KEYS if scr.judgement.level(key, k) is not Status.ONLINE]
    if not off:
        return t(f"agent.level.{scr.status[k].value}", lang)
    # The metric at the worst level by the judgement first, then the one furthest off its usual level.
    key = max(off, key=lambda m: (-scr.judgement.level(m, k).rank,
                                  abs(z) if math.isfinite(z := float(scr.z[m][k])) else 0.0))
    return f"{phrases.metric_label(key, lang)} {phrases.value(key, float(scr.current[key][k]))}"


def path_text(trace: Trace, scr: Screen, lang: Lang) -> str:
    """`k8s-ingress-01 → proxy-nginx-01 → … → db-master-01 (memory 97%)`: each server with a problem
    says what it is."""
    rows = {server.hostname: k for k, server in enumerate(scr.window.servers)}
    return " → ".join(f"{host} ({node_state(scr, rows[host], lang)})" if _unhealthy(scr, rows[host]) else host
                      for host in trace.path)


def symptom_label(scope: Scope, lang: Lang) -> str:
    """`502 errors`, `Timeouts`, `Slow responses`: the symptom as the question put it."""
    if scope.symptom == "http_error":
        found = HTTP_ERROR.search(scope.normalised)
        code = found.group() if found else next(
            (code for phrase, code in GATEWAY_CODES.items() if phrase in scope.normalised), "5xx")
        return t("agent.symptom.http_error", lang, code=code)
    return t(f"agent.symptom.{scope.symptom}", lang)


def where(trace: Trace, lang: Lang) -> str:
    hops = len(trace.path) - 1
    return t("agent.path.at_entry", lang) if hops == 0 else t("agent.path.hops", lang, n=hops)


def path_line(trace: Trace, scr: Screen, lang: Lang) -> str:
    return t("agent.path.line", lang, path=path_text(trace, scr, lang), host=trace.path[-1],
             blocked=t("agent.path.blocked", lang) if trace.blocked else "")


def untraced(trace: Trace | None, scr: Screen, scope: Scope, lang: Lang) -> str:
    """What the answer says of a symptom whose path has no diagnosed cause to lead with: that no path
    is known, that it is healthy, or the path to the server the screen flagged."""
    if trace is None:
        return t("agent.path.unknown", lang, symptom=symptom_label(scope, lang))
    if trace.culprit is None:
        return t("agent.path.healthy", lang, symptom=symptom_label(scope, lang), n=trace.servers,
                 entries=", ".join(trace.entries))
    return path_line(trace, scr, lang)


def traced_step(trace: Trace | None, scr: Screen, lang: Lang) -> str:
    """What the trace found, for the thinking step that follows the screen."""
    if trace is None:
        return ""
    if trace.culprit is None:
        return t("agent.step.traced_healthy", lang, n=trace.servers)
    return t("agent.step.traced", lang, path=path_text(trace, scr, lang))


def path_facts(trace: Trace | None, scr: Screen | None, scope: Scope, lang: Lang) -> dict[str, object] | None:
    """The traced path as the LLM is handed it (None when no symptom was traced)."""
    if trace is None or scr is None:
        return None
    return {"symptom": symptom_label(scope, lang), "entryPoints": list(trace.entries),
            "path": path_text(trace, scr, lang) if trace.path else None,
            "deepestWithAProblem": trace.path[-1] if trace.path else None, "requestsStopThere": trace.blocked,
            "serversOnRequestPath": trace.servers}


# -- several problems: related or independent, and the order to fix them -------------------------


@dataclass(frozen=True)
class Problem:
    """One diagnosed server's problem, with what its impact is made of."""

    diagnosis: Diagnosis
    onset: float  # epoch seconds; the window's start when it began before it
    dated: bool  # False: it began before the window, so `onset` is a bound
    down: bool
    affected: int  # servers that depend on it; for a server that is down, also those behind it
    impact: float
    root: str | None = None  # the problem of its group it follows from (None: it leads its group)

    @property
    def host(self) -> str:
        return self.diagnosis.server.hostname


def _problem(diagnosis: Diagnosis, graph: DependencyGraph, now: float) -> Problem:
    cause = diagnosis.causes[0]
    onset = cause.onset
    host = diagnosis.server.hostname
    down = not diagnosis.online or cause.kind in DOWN_CAUSES
    affected = len(graph.dependants(host)) + (len(graph.dependencies(host)) if down else 0)
    start = onset if onset is not None else diagnosis.window_start
    minutes = max(1.0, (now - start) / 60.0)
    impact = STATUS_WEIGHT[diagnosis.status] * math.sqrt(minutes) * (1 + affected)
    return Problem(diagnosis, start, onset is not None, down, affected, impact)


def problems(diagnoses: Sequence[Diagnosis], graph: DependencyGraph, now: float) -> list[Problem]:
    """The diagnosed problems in the order to fix them. Two are related when one server depends on the
    other and they began within RELATED_SECONDS; related problems form a group led by the server the
    others depend on. Groups go by their biggest impact (severity × servers affected × √duration), the
    leader first, then its followers by impact."""
    found = [_problem(d, graph, now) for d in diagnoses if d.causes]
    group = list(range(len(found)))

    def top(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(found):
        for j in range(i + 1, len(found)):
            b = found[j]
            if abs(a.onset - b.onset) <= RELATED_SECONDS and graph.on_one_path(a.host, b.host):
                group[top(i)] = top(j)
    groups: dict[int, list[Problem]] = {}
    for i, problem in enumerate(found):
        groups.setdefault(top(i), []).append(problem)
    ordered: list[Problem] = []
    for members in sorted(groups.values(), key=lambda ms: -max(m.impact for m in ms)):
        hosts = {m.host for m in members}
        leader = max(members, key=lambda m: (len(hosts & set(graph.dependants(m.host))), m.impact))
        ordered.append(leader)
        ordered.extend(replace(m, root=leader.host) for m in sorted(members, key=lambda m: -m.impact)
                       if m is not leader)
    return ordered


def independent(found: Sequence[Problem]) -> int:
    """How many problems stand on their own (groups of related ones count once)."""
    return sum(1 for p in found if p.root is None)


def relation(host: str, found: Sequence[Problem], lead_host: str, lang: Lang) -> str:
    """` (related to db-master-01: ...)` / ` (independent of db-master-01)`: a listed problem against the
    one the answer leads with; empty where either was not weighed."""
    by_host = {p.host: p for p in found}
    problem, lead = by_host.get(host), by_host.get(lead_host)
    if problem is None or lead is None:
        return ""
    if (problem.root or problem.host) != (lead.root or lead.host):
        return t("agent.answer.independent", lang, lead=lead_host)
    other = by_host[problem.root] if problem.root is not None else lead
    minutes = round(abs(problem.onset - other.onset) / 60)
    return t("agent.answer.related", lang, root=other.host, minutes=minutes)


def why(a: Problem, b: Problem, graph: DependencyGraph, lang: Lang) -> str:
    """`one request path, onsets 3 min apart` / `not on one request path, onsets 60 min apart`: what
    makes two problems related or not. Where one began before the window its onset is a bound, so the
    gap is at least that; where both did, it is unknown."""
    one_path = graph.on_one_path(a.host, b.host)
    where = t("agent.relation.one_path" if one_path else "agent.relation.other_paths", lang)
    if not (a.dated or b.dated):
        return where
    minutes = round(abs(a.onset - b.onset) / 60)
    onsets = t("agent.relation.onsets" if a.dated and b.dated else "agent.relation.onsets_at_least", lang,
               minutes=minutes)
    return f"{where}, {onsets}"


def _affected(problem: Problem, lang: Lang) -> str:
    if problem.down and problem.affected:
        return t("agent.order.cut_off", lang, n=problem.affected)
    if problem.affected == 0:
        return t("agent.order.no_dependants", lang)
    if problem.affected == 1:
        return t("agent.order.dependant", lang)
    return t("agent.order.dependants", lang, n=problem.affected)


def reason(problem: Problem, now: float, lang: Lang, first: bool) -> str:
    """`db-master-01 first: critical for ~2h, 6 servers depend on it`."""
    if problem.root is not None:
        return t("agent.order.follows", lang, host=problem.host, root=problem.root)
    duration = phrases.duration(now - problem.onset, lang)
    if not problem.dated:
        duration = t("agent.order.over", lang, duration=duration)
    return t("agent.order.first" if first else "agent.order.next", lang, host=problem.host,
             level=t(f"agent.level.{problem.diagnosis.status.value}", lang), duration=duration,
             affected=_affected(problem, lang))


def order_block(found: Sequence[Problem], now: float, lang: Lang) -> str:
    """The fix order with the reason for it; empty for fewer than two problems."""
    if len(found) < 2:
        return ""
    lines = [f"{n}. {reason(p, now, lang, first=n == 1)}" for n, p in enumerate(found, start=1)]
    return t("agent.order.title", lang) + "\n" + "\n".join(lines)


def order_facts(found: Sequence[Problem], now: float, lang: Lang) -> list[dict[str, object]]:
    return [{"hostname": p.host, "relatedTo": p.root, "impact": round(p.impact),
             "reason": reason(p, now, lang, first=n == 0)} for n, p in enumerate(found)]


def reasoning(found: Sequence[Problem], now: float, lang: Lang) -> str:
    """The thinking step for independent problems, saying which comes first and why; empty otherwise."""
    count = independent(found)
    if count < 2:
        return ""
    return t("agent.step.reasoning_independent", lang, n=count,
             reason=reason(found[0], now, lang, first=True))
