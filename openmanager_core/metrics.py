"""The one metric registry: each metric's key, unit, label, thresholds, physical range, chart panel and
departure rule. Every list of metrics (simulator, judgement, charts, cards, AI) is derived from it, so
adding a metric is an entry here plus what each source reads for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Lang, t


@dataclass(frozen=True)
class Rule:
    """When a metric's departure from its usual level matters.

    Percent metrics move by points (`min_delta`), rates by ratios (`min_ratio` up, `max_drop` down);
    the sigma floor (absolute, or relative to the usual level) keeps flat metrics from scoring huge.
    Bounds come from two weeks of the simulator's healthy fleet, where CPU strays at most 13 points
    from its usual level, memory 6.4, disk 3.3, rates by x0.53..x1.44 (weekends), response time x1.17.
    """

    sigma_floor: float
    relative_floor: float = 0.0
    min_delta: float | None = None
    min_ratio: float | None = None
    max_drop: float | None = None
    trend: float | None = None  # %/min of a steady climb that is a finding on its own
    trend_rise: float = 0.0  # ...once it has climbed this many points


@dataclass(frozen=True)
class Metric:
    """One metric. `warning`/`critical` are the defaults (thresholds.TYPE_OVERRIDES holds the server
    types that differ); None never alarms. `physical` is the range a value can take at all."""

    key: str
    unit: str
    physical: tuple[float, float]
    panel: int  # the detail chart's panel; metrics sharing one are drawn together
    colour: str  # fixed per metric, so adding the anomaly trace never shifts the palette
    rule: Rule
    warning: float | None = None
    critical: float | None = None
    card_bar: bool = False  # a 0-100 % bar on the server card
    in_summary: bool = False  # quoted in the AI's one-line summary of a server

    def label(self, lang: Lang | str) -> str:
        return t(f"metric.{self.key}", "ko" if lang == "ko" else "en")


PERCENT = (0.0, 100.0)
_RATE = Rule(sigma_floor=1.0, relative_floor=0.08, min_ratio=1.6, max_drop=0.45)

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("cpu", "%", PERCENT, 0, "#3b82f6", Rule(sigma_floor=3.0, min_delta=15.0), 70, 85,
               card_bar=True, in_summary=True),
        Metric("memory", "%", PERCENT, 1, "#14b8a6",
               Rule(sigma_floor=2.0, min_delta=8.0, trend=0.25, trend_rise=4.0), 75, 85,
               card_bar=True, in_summary=True),
        Metric("disk", "%", PERCENT, 2, "#6366f1",
               Rule(sigma_floor=1.0, min_delta=5.0, trend=0.1, trend_rise=3.0), 80, 90,
               card_bar=True, in_summary=True),
        Metric("network_in", "Mbps", (0.0, 10_000.0), 3, "#0ea5e9", _RATE),  # a 10 GbE interface
        Metric("network_out", "Mbps", (0.0, 10_000.0), 3, "#94a3b8", _RATE),
        Metric("response_time", "ms", (0.0, 60_000.0), 4, "#ec4899",  # requests time out at a minute
               Rule(sigma_floor=1.0, relative_floor=0.05, min_ratio=1.5), 1000, 3000, in_summary=True),
        Metric("active_connections", "", (0.0, 1_000_000.0), 5, "#22c55e", _RATE),
    )
}
METRIC_KEYS: tuple[str, ...] = tuple(METRICS)


def panels() -> tuple[tuple[str, ...], ...]:
    """The detail chart's panels in order, each the metrics drawn in it."""
    grouped: dict[int, list[str]] = {}
    for metric in METRICS.values():
        grouped.setdefault(metric.panel, []).append(metric.key)
    return tuple(tuple(grouped[panel]) for panel in sorted(grouped))
