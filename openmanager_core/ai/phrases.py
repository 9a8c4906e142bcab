"""Numbers, times and durations as an answer writes them, in Korean or English."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ..i18n import NO_VALUE, Lang, t
from ..metrics import METRICS
from ..simulator import KST


def metric_label(metric: str, lang: Lang) -> str:
    return METRICS[metric].label(lang)


def value(metric: str, amount: float) -> str:
    """`91%`, `420 ms`, `1,250`, `35.2 Mbps`: the metric's unit, sensible precision; "—" where the
    value does not exist (a metric the source does not measure, no history to compare with)."""
    if math.isnan(amount):
        return NO_VALUE
    unit = METRICS[metric].unit
    if unit == "%":
        return f"{amount:.0f}%" if amount >= 10 else f"{amount:.1f}%"
    if unit == "ms":
        return f"{amount:,.0f} ms"
    if unit == "Mbps":
        return f"{amount:,.1f} Mbps" if amount < 100 else f"{amount:,.0f} Mbps"
    return f"{amount:,.0f}"


def delta(metric: str, amount: float) -> str:
    """A change: `+12 pp` for percentages (points, not percent), `+35 ms` otherwise."""
    sign = "+" if amount >= 0 else "−"
    unit = METRICS[metric].unit
    if unit == "%":
        return f"{sign}{abs(amount):.0f}%p" if abs(amount) >= 10 else f"{sign}{abs(amount):.1f}%p"
    return sign + value(metric, abs(amount))


def ratio(amount: float) -> str:
    return f"×{amount:.1f}" if amount < 10 else f"×{amount:.0f}"


def clock(moment: float | datetime) -> str:
    """`14:05 KST`: operators here read Korean time, whatever the question's language."""
    if isinstance(moment, datetime):
        moment = moment.timestamp()
    local = datetime.fromtimestamp(moment, UTC) + KST
    return local.strftime("%H:%M") + " KST"


def clock_since(moment: datetime, now: datetime, lang: Lang) -> str:
    """`14:05 KST` on the day of `now` (in Korean time); on another day with its date, so an old
    start is not read as today's: `11월 29일 14:05 KST` (and the year if not this one) or
    `2026-11-29 14:05 KST`."""
    day, today = (datetime.fromtimestamp(at.timestamp(), UTC) + KST for at in (moment, now))
    if day.date() == today.date():
        return clock(moment)
    key = "agent.clock.day" if day.year == today.year else "agent.clock.year_day"
    return t(key, lang, y=day.year, m=day.month, d=day.day, iso=day.date().isoformat(), clock=clock(moment))


def span(start: datetime, end: datetime) -> str:
    """`14:05-14:32 KST`: a stretch of time, in Korean time as `clock`; `14:05 KST` within one minute."""
    if clock(start) == clock(end):
        return clock(end)
    return clock(start).removesuffix(" KST") + "-" + clock(end)


def duration(seconds: float, lang: Lang) -> str:
    """`~3h 10m` / `약 3시간 10분`, rounded to what matters at that scale."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return t("agent.duration.minutes", lang, m=minutes)
    hours, rest = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return t("agent.duration.days" if hours else "agent.duration.whole_days", lang, d=days, h=hours)
    if rest == 0 or hours >= 6:
        return t("agent.duration.hours", lang, h=hours)
    return t("agent.duration.hours_minutes", lang, h=hours, m=rest)


def listing(items: list[str], lang: Lang) -> str:
    """`a, b and c` / `a, b, c`."""
    if lang == "ko" or len(items) < 2:
        return ", ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
