"""Tier 2, pattern matching: Korean and English intent patterns, answered from current values."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import thresholds
from ..fleet import Fleet
from ..i18n import Lang, t
from ..metrics import METRIC_KEYS
from ..models import Alert, AlertKind, Server, Status
from . import phrases
from .engine import Draft, Emit, Question, make_action
from .scope import Scope

TOP = 5
TOP_METRIC_SHORT = 3  # per metric when two are listed together

_CPU = r"cpu|씨피유|프로세서|processor"
_MEMORY = r"메모리|memory|(?<![a-z])ram(?![a-z])|램|스왑|swap"
_DISK = r"디스크|disk|용량|저장\s?공간|storage space|filesystem"
_NETWORK = r"네트워크|network|트래픽|traffic|대역폭|bandwidth|패킷|packet"
_SLOW = r"느려|느린|느림|느리|slow|지연|latency|응답\s?시간|response time|(?<![a-z])lag"
# Hosts down and services stopped: the offline answer lists both.
_OFFLINE = (r"오프라인|다운|offline|(?<![a-z])down(?![a-z])|unreachable|응답\s?없|죽은|죽었|꺼진|꺼졌|"
            r"not responding|(?<![a-z])stopped|not running|isn't running|중지|중단|멈춘|멈췄|crashed")
_CHANGE = r"변화|바뀐|달라진|변한|chang|differ"
_SUMMARY = r"요약|상태|현황|전체|summar|overview|status|health|어때|괜찮|how (?:is|are)"


@dataclass(frozen=True)
class Pattern:
    intent: str
    needs: tuple[str, ...]  # every one of these regexes must match

    def match(self, text: str) -> str | None:
        """The words that matched, or None."""
        found = [re.search(needed, text) for needed in self.needs]
        if not all(found):
            return None
        return " + ".join(m.group(0) for m in found if m)


# First match wins, so the specific patterns come before the general ones.
PATTERNS: tuple[Pattern, ...] = (
    Pattern("cpu_memory", (_CPU, _MEMORY)),
    Pattern("offline", (_OFFLINE,)),
    Pattern("biggest_change", (_CHANGE,)),
    Pattern("disk_full", (_DISK,)),
    Pattern("memory_high", (_MEMORY,)),
    Pattern("cpu_high", (_CPU,)),
    Pattern("network_slow", (_NETWORK,)),
    Pattern("server_slow", (_SLOW,)),
    Pattern("status_summary", (_SUMMARY,)),
)
TOP_METRIC = {"cpu_high": "cpu", "memory_high": "memory", "disk_full": "disk", "server_slow": "response_time",
              "network_slow": "response_time"}


def match(text: str) -> tuple[str, str] | None:
    for pattern in PATTERNS:
        words = pattern.match(text)
        if words is not None:
            return pattern.intent, words
    return None


@dataclass
class _Now:
    """Current values (and an hour ago) of the servers in scope, from one vectorised read, judged as
    the fleet page judges them."""

    servers: list[Server]
    values: dict[str, np.ndarray]  # (servers,)
    before: dict[str, np.ndarray]
    up: np.ndarray
    judgement: thresholds.Judgement

    def level(self, metric: str, k: int) -> Status:
        return self.judgement.level(metric, k)


class Patterns:
    """Answers the common questions from templates, without any statistics."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def answer(self, question: Question, emit: Emit) -> Draft | None:
        """None when no pattern matches: the next tier takes over."""
        scope, lang = question.scope, question.scope.language
        found = match(scope.normalised)
        if found is None:
            return None
        intent, words = found
        now = self._read(scope)
        emit("pattern_matching", t("agent.step.pattern", lang, intent=t(f"agent.pattern.{intent}", lang),
                                   word=words, n=len(now.servers)))
        if not now.servers:
            return Draft(t("agent.answer.no_servers", lang), [], [])
        body, named = self._body(intent, now, lang)
        if intent not in ("offline", "status_summary"):  # those list them already
            # A server down or a service stopped is said whatever was asked: never hidden.
            troubles = self._not_running(now, lang)
            if troubles:
                body.append(self._not_running_line(troubles, lang))
                named = list(dict.fromkeys(named + [host for host, _ in troubles]))
        actions = [make_action("check_alerts", lang, host=host, alert=alert)
                   for host, alert in self._alerts(now, lang)[:3]]
        return Draft("\n\n".join([*body, t("agent.pattern.note", lang)]),
                     actions or [make_action("watch", lang)], named)

    def _read(self, scope: Scope) -> _Now:
        """The servers named, else those of the types named, else every deployed one."""
        clock = self.fleet.clock()
        deployed = [s for s, _ in self.fleet.deployed_servers()]
        ids = {s.id for s in scope.servers}
        servers = ([s for s in deployed if s.id in ids] or [s for s in deployed if s.type in scope.types]
                   or deployed)
        if not servers:
            return _Now([], {}, {}, np.zeros(0, dtype=bool), thresholds.judge({}, []))
        now = clock.timestamp()
        frame = self.fleet.frame(servers, np.array([now - 3600.0, now]))
        values = {key: frame.values[key][:, 1] for key in METRIC_KEYS}
        before = {key: frame.values[key][:, 0] for key in METRIC_KEYS}
        up = frame.up[:, 1]
        judgement = self.fleet.assess(frame)
        return _Now(servers, values, before, up, judgement)

    def _body(self, intent: str, now: _Now, lang: Lang) -> tuple[list[str], list[str]]:
        if intent in TOP_METRIC:
            return self._top(now, TOP_METRIC[intent], lang)
        if intent == "cpu_memory":
            both = [s.hostname for k, s in enumerate(now.servers)
                    if now.level("cpu", k) in (Status.WARNING, Status.CRITICAL)
                    and now.level("memory", k) in (Status.WARNING, Status.CRITICAL)]
            lines = [t("agent.pattern.both", lang, hosts=", ".join(both)) if both
                     else t("agent.pattern.both_none", lang)]
            cpu, cpu_named = self._top(now, "cpu", lang, TOP_METRIC_SHORT)
            memory, memory_named = self._top(now, "memory", lang, TOP_METRIC_SHORT)
            return [*lines, *cpu, *memory], list(dict.fromkeys(both + cpu_named + memory_named))
        if intent == "offline":
            down = [s.hostname for k, s in enumerate(now.servers) if not now.up[k]]
            stopped = self._not_running(now, lang, hosts=False)
            lines = [self._not_running_line(stopped, lang)] if stopped else []
            named = list(dict.fromkeys(host for host, _ in stopped))
            if not down:
                return [*lines, t("agent.answer.offline_none", lang, n=len(now.servers))], named
            listed = t("agent.answer.offline_list", lang, n=len(down), hosts=", ".join(down))
            return [listed, *lines], down + named
        if intent == "biggest_change":
            return self._changes(now, lang)
        return self._summary(now, lang)

    def _top(self, now: _Now, metric: str, lang: Lang, limit: int = TOP) -> tuple[list[str], list[str]]:
        reported = now.up & np.isfinite(now.values[metric])
        label = phrases.metric_label(metric, lang)
        if not reported.any():
            return [t("agent.pattern.not_measured", lang, metric=label)], []
        values = np.where(reported, now.values[metric], -np.inf)
        order = [int(k) for k in np.argsort(-values, kind="stable")[:limit] if reported[k]]
        lines = [t("agent.pattern.top_title", lang, metric=label, n=len(order))]
        for k in order:
            lines.append("- " + t("agent.pattern.item", lang, host=now.servers[k].hostname,
                                  value=phrases.value(metric, float(values[k])),
                                  mark=self._mark(now, metric, k, lang)))
        over = int(now.judgement.over(metric).sum())
        lines.append(t("agent.pattern.over_count", lang, metric=label, n=over) if over
                     else t("agent.pattern.none_over", lang, metric=label))
        return ["\n".join(lines[:-1]), lines[-1]], [now.servers[k].hostname for k in order]

    def _mark(self, now: _Now, metric: str, k: int, lang: Lang) -> str:
        alert = next((a for a in now.judgement.metric_alerts(k, lang) if a.metric == metric), None)
        if alert is None or alert.threshold is None:
            return ""
        return t("agent.pattern.over", lang, level=t(f"agent.level.{alert.level.value}", lang),
                 threshold=phrases.value(metric, alert.threshold))

    def _changes(self, now: _Now, lang: Lang) -> tuple[list[str], list[str]]:
        rows: list[tuple[float, int, str]] = []
        for key in METRIC_KEYS:
            before, after = now.before[key], now.values[key]
            with np.errstate(divide="ignore", invalid="ignore"):
                relative = np.abs(after - before) / np.maximum(np.abs(before), 1.0)
            for k in range(len(now.servers)):
                if now.up[k] and np.isfinite(relative[k]):
                    rows.append((float(relative[k]), k, key))
        rows.sort(reverse=True)
        lines, named = [t("agent.pattern.change_title", lang)], []
        for _, k, key in rows:
            host = now.servers[k].hostname
            if host in named:
                continue
            named.append(host)
            lines.append("- " + t("agent.pattern.change_item", lang, host=host,
                                  metric=phrases.metric_label(key, lang),
                                  before=phrases.value(key, float(now.before[key][k])),
                                  after=phrases.value(key, float(now.values[key][k]))))
            if len(named) == TOP:
                break
        return ["\n".join(lines)], named

    def _summary(self, now: _Now, lang: Lang) -> tuple[list[str], list[str]]:
        summary = thresholds.count_by_status(now.judgement.statuses)
        lines = [t("agent.answer.fleet", lang, **summary.model_dump(by_alias=False))]
        alerts = self._alerts(now, lang)
        lines.extend(f"- {host}: {alert}" for host, alert in alerts[:TOP])
        return ["\n".join(lines)], [host for host, _ in alerts[:TOP]]

    def _not_running(self, now: _Now, lang: Lang, hosts: bool = True) -> list[tuple[str, str]]:
        """(hostname, `redis stopped, port 6379`): services stopped or degraded (and, with `hosts`,
        hosts down), as the one judgement has them."""
        kinds = (AlertKind.SERVICE, AlertKind.HOST) if hosts else (AlertKind.SERVICE,)
        return [(server.hostname, self._alert_text(now, k, alert, lang))
                for k, server in enumerate(now.servers)
                for alert in now.judgement.alerts(k, lang) if alert.kind in kinds]

    def _not_running_line(self, troubles: list[tuple[str, str]], lang: Lang) -> str:
        items = "; ".join(f"{host}: {text}" for host, text in troubles)
        return t("agent.pattern.not_running", lang, items=items)

    def _alerts(self, now: _Now, lang: Lang) -> list[tuple[str, str]]:
        """(hostname, its worst alert), worst servers first: the alerts the fleet page shows."""
        found: list[tuple[int, int, str, str]] = []
        for k, server in enumerate(now.servers):
            alerts = now.judgement.alerts(k, lang)
            if alerts:
                text = self._alert_text(now, k, alerts[0], lang)
                found.append((alerts[0].level.rank, k, server.hostname, text))
        found.sort(key=lambda item: item[:2])
        return [(host, alert) for _, _, host, alert in found]

    def _alert_text(self, now: _Now, k: int, alert: Alert, lang: Lang) -> str:
        if alert.kind is AlertKind.HOST:
            return t("agent.fallback.offline", lang)
        if alert.kind is AlertKind.SERVICE or alert.metric is None:
            return alert.message
        label = phrases.metric_label(alert.metric, lang)
        reading = phrases.value(alert.metric, float(now.values[alert.metric][k]))
        return f"{label} {reading}{self._mark(now, alert.metric, k, lang)}"
