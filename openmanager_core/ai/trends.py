"""What a metric's course says in an answer: since when it is where it is (full, past critical, off
its usual level) and when it began; young climbs toward a threshold worth watching."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import thresholds
from ..i18n import Lang, t
from ..metrics import METRIC_KEYS
from ..models import Status
from . import phrases
from .findings import CEILINGS, Diagnosis, Finding, Watch

MAX_WATCHED = 3  # watches an answer lists, soonest crossing first


def since_block(diagnoses: Sequence[Diagnosis], metrics: frozenset[str], lang: Lang) -> str:
    """"Since when has the disk been full?": for each metric asked (else each leading cause's) that is
    off, when it got where it is (reached its ceiling, or went past critical) and, apart, when it
    began to move (the onset); empty when nothing asked is off."""
    lines: list[str] = []
    for diagnosis in diagnoses:
        leading = {c.primary.metric for c in diagnosis.causes[:1] if c.primary is not None}
        for key in METRIC_KEYS:
            finding = diagnosis.findings.get(key)
            if finding is None or key not in (metrics or leading) or not finding.dated:
                continue
            begun = (t("agent.answer.onset_at", lang, time=phrases.clock(finding.onset)) if finding.onset
                     else t("agent.answer.onset_before", lang, time=phrases.clock(diagnosis.window_start)))
            names = {"host": diagnosis.server.hostname, "metric": phrases.metric_label(key, lang),
                     "value": phrases.value(key, finding.value), "onset": begun}
            before = t("agent.answer.time_before", lang, time=phrases.clock(diagnosis.window_start))
            bounds = thresholds.limits(key, diagnosis.server.type)
            critical = phrases.value(key, bounds[1] if bounds else math.nan)
            crossed = phrases.clock(finding.critical_since) if finding.critical_since else before
            if finding.saturated:
                reached = phrases.clock(finding.saturated_since) if finding.saturated_since else before
                # A disk or memory at its ceiling is full; a CPU there is saturated.
                full = "since_full" if key in CEILINGS else "since_saturated"
                lines.append(t(f"agent.answer.{full}", lang, time=reached, threshold=critical,
                               crossed=crossed, **names))
            elif finding.level is Status.CRITICAL:
                lines.append(t("agent.answer.since_critical", lang, time=crossed, threshold=critical,
                               **names))
            else:
                lines.append(t("agent.answer.since_onset", lang, **names))
    return "\n".join(lines)


def under_threshold_line(finding: Finding, diagnosis: Diagnosis, lang: Lang) -> str | None:
    """`watch: still under its warning threshold (80%) — there in ~4 min at this rate`: a finding that
    rose off its usual level while no threshold is crossed yet (the server still counts as healthy) is
    an early warning to watch, not an outage; None once it is past its warning line (or has none)."""
    bounds = thresholds.limits(finding.metric, diagnosis.server.type)
    if finding.direction != "up" or finding.level is not Status.ONLINE or bounds is None:
        return None
    warning = bounds[0]
    eta = ""
    if finding.steady_climb and finding.slope:
        eta = t("agent.ev.watch_eta", lang, eta=phrases.duration((warning - finding.value) / finding.slope
                                                                   * 60.0, lang))
    return t("agent.ev.watch", lang, threshold=phrases.value(finding.metric, warning), eta=eta)


def watch_block(watches: Sequence[Watch], metrics: frozenset[str], skip: set[str], lang: Lang
                ) -> tuple[str, list[str]]:
    """`watch: disk on X 69% (usual 66%), rising +0.9%p a minute — warning (80%) in ~12 min`: young
    climbs (of the metrics asked, if any) on servers not already diagnosed with a cause."""
    shown = [w for w in watches if w.server.id not in skip and (not metrics or w.metric in metrics)]
    if not shown:
        return "", []
    lines = [t("agent.answer.watch", lang)]
    for w in shown[:MAX_WATCHED]:
        lines.append("- " + t("agent.answer.watch_item", lang, host=w.server.hostname,
                              metric=phrases.metric_label(w.metric, lang),
                              value=phrases.value(w.metric, w.value),
                              usual=phrases.value(w.metric, w.usual), slope=phrases.delta(w.metric, w.slope),
                              level=t(f"agent.level.{w.level.value}", lang),
                              threshold=phrases.value(w.metric, w.threshold),
                              eta=phrases.duration(w.seconds, lang)))
    return "\n".join(lines), [w.server.hostname for w in shown[:MAX_WATCHED]]
