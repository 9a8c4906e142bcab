"""What alerts say, in Korean or English: rule names, one-line summaries, and the grouped
notification of one evaluation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from ..ai import phrases
from ..i18n import NO_VALUE, Lang, t
from .models import AlertRecord, AlertRule, RuleKind

DETAIL_PAGE_PARAMETER = "server"  # views/fleet.py opens the server named by ?server=


@dataclass(frozen=True)
class Notification:
    """What one evaluation has to tell: alerts that began firing and alerts that resolved."""

    at: datetime
    firing: Sequence[AlertRecord]
    resolved: Sequence[AlertRecord]

    def __bool__(self) -> bool:
        return bool(self.firing or self.resolved)


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def server_link(public_url: str, hostname: str) -> str:
    """The server's detail page on the dashboard."""
    return f"{public_url.rstrip('/')}/?{DETAIL_PAGE_PARAMETER}={quote(hostname)}"


def short_duration(seconds: float, lang: Lang) -> str:
    if seconds < 60:
        return t("alerts.duration.seconds", lang, s=max(0, round(seconds)))
    return phrases.duration(seconds, lang)


def horizon(seconds: int, lang: Lang) -> str:
    """A forecast rule's horizon as set, not rounded: `1시간`, `90분`."""
    if seconds % 3600 == 0:
        return t("alerts.duration.exact_hours", lang, h=seconds // 3600)
    return t("alerts.duration.exact_minutes", lang, m=round(seconds / 60))


def rule_title(rule: AlertRule, lang: Lang) -> str:
    """`CPU 위험 임계값`, `Host down`, `디스크 약 1시간 안에 가득 참 예측`."""
    metric = phrases.metric_label(rule.metric, lang) if rule.metric else ""
    if rule.kind is RuleKind.METRIC:
        return t("alerts.rule.metric", lang, metric=metric, level=t(f"status.{rule.level}", lang))
    if rule.kind is RuleKind.ANOMALY:
        if metric:
            return t("alerts.rule.anomaly_metric", lang, metric=metric)
        return t("alerts.rule.anomaly", lang)
    if rule.kind is RuleKind.FORECAST:
        return t("alerts.rule.forecast", lang, metric=metric,
                 horizon=horizon(rule.horizon_seconds or 0, lang))
    return t(f"alerts.rule.{rule.kind.value}", lang)


def title_of(rule_id: str, rules: Mapping[str, AlertRule], lang: Lang) -> str:
    """The rule's title, or its id once it has been deleted."""
    rule = rules.get(rule_id)
    return rule_title(rule, lang) if rule is not None else rule_id


def summary(alert: AlertRecord, lang: Lang) -> str:
    """The alert in one line: the value against its threshold, or what the condition saw."""
    metric = alert.metric
    if alert.kind is RuleKind.HOST_DOWN:
        return t("alerts.summary.host_down", lang)
    if alert.kind is RuleKind.SERVICE_STOPPED:
        return t("alerts.summary.service", lang, services=alert.detail or "")
    assert metric is not None and alert.value is not None  # every metric-based kind records both
    label, value = phrases.metric_label(metric, lang), phrases.value(metric, alert.value)
    threshold = phrases.value(metric, alert.threshold) if alert.threshold is not None else NO_VALUE
    if alert.kind is RuleKind.ANOMALY:
        return t("alerts.summary.anomaly", lang, metric=label, value=value, usual=threshold)
    if alert.kind is RuleKind.FORECAST:
        return t("alerts.summary.forecast", lang, metric=label, value=value,
                 eta=short_duration(float(alert.detail or 0), lang))
    return t("alert.metric", lang, metric=label, value=value, threshold=threshold,
             level=t(f"agent.level.{alert.detail}", lang))  # a metric alert's detail is its level


def compose(notification: Notification, rules: Mapping[str, AlertRule], lang: Lang,
            public_url: str) -> Message:
    """One message for the whole evaluation: firing first (worst first), then resolved."""
    blocks: list[str] = []
    for alert in sorted(notification.firing, key=lambda a: (a.severity.rank, a.hostname)):
        block = t("alerts.message.firing", lang, severity=t(f"alerts.severity.{alert.severity.value}", lang),
                  host=alert.hostname, rule=title_of(alert.rule_id, rules, lang),
                  summary=summary(alert, lang),
                  since=phrases.clock_since(alert.starts_at, notification.at, lang),
                  ago=short_duration((notification.at - alert.starts_at).total_seconds(), lang),
                  link=server_link(public_url, alert.hostname))
        if alert.diagnosis:
            block += "\n" + t("alerts.message.diagnosis", lang, line=alert.diagnosis)
        blocks.append(block)
    for alert in sorted(notification.resolved, key=lambda a: a.hostname):
        ended = alert.ends_at or notification.at
        blocks.append(t("alerts.message.resolved", lang, host=alert.hostname,
                        rule=title_of(alert.rule_id, rules, lang),
                        duration=short_duration((ended - alert.starts_at).total_seconds(), lang),
                        since=phrases.clock_since(alert.starts_at, notification.at, lang),
                        until=phrases.clock_since(ended, notification.at, lang),
                        link=server_link(public_url, alert.hostname)))
    title = t("alerts.message.title", lang, firing=len(notification.firing),
              resolved=len(notification.resolved))
    return Message(title, "\n\n".join(blocks))


def test_message(lang: Lang, public_url: str) -> Message:
    return Message(t("alerts.message.test_title", lang),
                   t("alerts.message.test_body", lang, link=public_url.rstrip("/")))
