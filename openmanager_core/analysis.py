"""Statistics of the analytic AI engine: the anomaly model and its baselines, change, trends, correlation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

Direction = Literal["both", "up", "down"]

# 1.4826 * MAD estimates the standard deviation of normal data, so robust z-scores read like z-scores.
MAD_TO_SIGMA = 1.4826
# A window more than half of whose points sit on its median (an idle disk writing 0, a counter
# stuck between bursts) has MAD 0 however much the rest moves: its spread is then read from the mean
# absolute deviation, which sqrt(pi / 2) turns into a standard deviation for normal data too.
MEAN_DEVIATION_TO_SIGMA = 1.2533
# A spread below a twentieth of the series' own spread is noise, not a signal: without this floor a
# window that happens to be flat turns the next tiny wiggle into an infinite score.
SCALE_FLOOR_FRACTION = 0.05
LEVEL_FLOOR_FRACTION = 0.02  # nor below 2% of its level: a gauge creeping 41.1% -> 41.3% is quiet
# Defaults of anomaly_flags, chosen for real metrics of any kind and checked on 33 labelled NAB
# series in six categories (bench/nab_detection.py, which also validates them leave-one-category-out).
# The one anomaly bar: robust z a hit must reach at least, rare even on heavy-tailed real data. The
# engine's anomalies (ai/findings.py `departures`: the screen, the diagnosis, chart marks, anomaly alerts)
# judge their z, the value against the same minute of the last 7 days, at this bar too.
DEFAULT_THRESHOLD = 6.0
DEFAULT_WINDOW = timedelta(days=3)  # what "normal" is judged from: a few days, so one odd day is outvoted
DEFAULT_SEASONAL_PERIOD = timedelta(days=1)  # server load follows the clock
DEFAULT_SEASONS = 7  # compare with the same time on each of the last 7 days: a week evens out one-offs
# Alarms wait this long after the window has filled: the first scores at each scale are records by
# construction (nothing before them to beat), so for two days the model only learns its bars.
RECORD_SETTLING = timedelta(days=2)
# A hit must also beat, by this fraction, the largest score this series has shown before at the same
# time scale: what a metric has already done (bursty I/O, quantised counters, a noisy sensor) is how
# it behaves, and the bar it sets is learnt from the series itself rather than fixed for all metrics.
# The record does not age: on NAB every half-life tried (10 days to a year) let old noise lapse into
# new false alarms sooner than it let new anomalies through. A repeat of an old outage is still a
# finding for the AI, whose rule (findings.departures) has no record bar.
RECORD_MARGIN = 0.25
# Time scales the residual is judged at: each point, and its mean over the last 3 hours and the last
# day, so that a sustained shift no single point shows (a blocked queue, a heat build-up) is seen too.
SCALES = (timedelta(0), timedelta(hours=3), timedelta(days=1))
MERGE_GAP = timedelta(hours=1)  # hits closer than this are one incident, reported once
MIN_HISTORY = 10  # fewer previous points than this say nothing about what is normal
WINDOW_SAMPLES = 512  # points a trailing window is summarised from, at most (see _trailing_stats)
_BLOCK_ELEMENTS = 1 << 22  # rows of the trailing-window matrix handled at once: ~32 MB of float64


@dataclass(frozen=True)
class Anomaly:
    """One anomalous event: consecutive hits collapsed, described by its most extreme point."""

    timestamp: datetime  # the most extreme point (naive; UTC when the input was epoch seconds)
    value: float
    score: float  # signed robust z-score: > 0 above normal, < 0 below
    index: int  # position of that point in the input
    start: datetime  # first hit of the event: when an alarm would have been raised
    end: datetime  # last hit; a lasting shift stops being new after a few points, so not its end
    points: int  # hits merged into this event

    @property
    def direction(self) -> Literal["up", "down"]:
        return "up" if self.score >= 0 else "down"


@dataclass(frozen=True)
class _Trailing:
    """Statistics of the previous `window` points for every point (NaN while history is short)."""

    median: np.ndarray
    sigma: np.ndarray  # MAD * 1.4826, not yet floored
    mean_sigma: np.ndarray  # mean absolute deviation * 1.2533: the spread where MAD is 0

    @property
    def spread(self) -> np.ndarray:
        """The sigma the model judges by: MAD's, or the mean deviation's where MAD is 0."""
        spread: np.ndarray = np.where(self.sigma > 0, self.sigma, self.mean_sigma)
        return spread


# -- helpers ------------------------------------------------------------------------------


def _as_float_array(values: ArrayLike) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {array.shape}")
    return array


def _row_quantile(rows: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Quantile q (linear interpolation) along the last axis of ascending-sorted `rows`, NaNs last."""
    last = np.maximum(count - 1, 0)
    position = q * last
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, last)
    low = np.take_along_axis(rows, below[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(rows, above[..., None], axis=-1)[..., 0]
    quantiles: np.ndarray = low + (high - low) * (position - below)
    return quantiles


def _trailing_stats(values: np.ndarray, window: int, min_history: int) -> _Trailing:
    """Median and MAD-sigma of values[..., t - window:t] for each t (the point excluded), along the
    last axis: one series, or a row per series."""
    n = values.shape[-1]
    if n == 0:
        return _Trailing(np.empty(values.shape), np.empty(values.shape), np.empty(values.shape))
    # Long windows are summarised from every stride-th point and refreshed every stride-th point:
    # ~500 evenly spread points give the same median, MAD and quantiles as all of them, and a day
    # at 1-minute steps then costs what 6 hours would. Row r covers the points before r * stride,
    # so the points it scores (r * stride onward) are never part of their own window.
    stride = -(-window // WINDOW_SAMPLES)
    # A window longer than the series holds nothing but the series: the view then spans n points,
    # offset so that it samples the same instants (t - 1, t - 1 - stride, ...) as the full window.
    span = min(window, n)
    # Padding with NaN in front makes row t of the sliding view exactly the `span` points before t.
    padded = np.concatenate([np.full((*values.shape[:-1], span), np.nan), values[..., :-1]], axis=-1)
    views = sliding_window_view(padded, span, axis=-1)[..., ::stride, (span - 1) % stride::stride]
    need = max(1, -(-min_history // stride))
    rows_total, samples = views.shape[-2:]
    median = np.full(views.shape[:-1], np.nan)
    sigma = np.full(views.shape[:-1], np.nan)
    mean_sigma = np.full(views.shape[:-1], np.nan)
    block = max(1, _BLOCK_ELEMENTS // (samples * max(1, int(np.prod(views.shape[:-2])))))
    for start in range(0, rows_total, block):
        rows = np.sort(views[..., start:start + block, :], axis=-1)  # NaNs sort last
        count = np.sum(~np.isnan(rows), axis=-1)
        med = _row_quantile(rows, count, 0.5)
        deviations = np.sort(np.abs(rows - med[..., None]), axis=-1)
        ok = count >= need
        part = (..., slice(start, start + rows.shape[-2]))
        median[part] = np.where(ok, med, np.nan)
        sigma[part] = np.where(ok, MAD_TO_SIGMA * _row_quantile(deviations, count, 0.5), np.nan)
        mean_deviation = np.sum(np.nan_to_num(deviations), axis=-1) / np.maximum(count, 1)
        mean_sigma[part] = np.where(ok, MEAN_DEVIATION_TO_SIGMA * mean_deviation, np.nan)
    row_of = np.arange(n) // stride
    return _Trailing(median[..., row_of], sigma[..., row_of], mean_sigma[..., row_of])


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[..., index], NaN where index is -1 (no sample at that lag)."""
    out = np.full((*values.shape[:-1], len(index)), np.nan)
    ok = index >= 0
    out[..., ok] = values[..., index[ok]]
    return out


def _nan_median_rows(stack: np.ndarray) -> np.ndarray:
    """Median over axis 0 ignoring NaN, NaN where every entry is NaN (without runtime warnings)."""
    rows = np.sort(np.moveaxis(stack, 0, -1), axis=-1)
    count = np.sum(~np.isnan(rows), axis=-1)
    return np.where(count > 0, _row_quantile(rows, count, 0.5), np.nan)


# -- 1. anomaly detection ----------------------------------------------------------------


def _as_datetime64(timestamps: ArrayLike | Sequence[datetime] | Sequence[str]) -> np.ndarray:
    """Timestamps as datetime64[us]: from datetime64, datetimes, ISO strings or epoch seconds."""
    array = np.asarray(timestamps)
    if array.ndim != 1:
        raise ValueError(f"expected 1-D timestamps, got shape {array.shape}")
    if array.dtype.kind in "iuf":
        return (array.astype(float) * 1e6).astype("datetime64[us]")
    if array.dtype.kind == "O":
        # numpy refuses timezone-aware datetimes; an aware moment is kept as the same instant in UTC.
        array = np.array([t.astimezone(UTC).replace(tzinfo=None)
                          if isinstance(t, datetime) and t.tzinfo is not None else t for t in array])
    result = array.astype("datetime64[us]")
    if np.isnat(result).any():
        raise ValueError("timestamps contain NaT")
    return result


def _lag_indices(seconds: np.ndarray, lag: float, tolerance: float) -> np.ndarray:
    """For each point, the index of the sample nearest to `lag` seconds earlier, or -1 if none is
    within `tolerance`: matching by time keeps the phase right across gaps and duplicates."""
    target = seconds - lag
    right = np.clip(np.searchsorted(seconds, target), 0, len(seconds) - 1)
    left = np.clip(right - 1, 0, len(seconds) - 1)
    nearest = np.where(np.abs(seconds[left] - target) <= np.abs(seconds[right] - target), left, right)
    return np.where(np.abs(seconds[nearest] - target) <= tolerance, nearest, -1)


def _trailing_mean(values: np.ndarray, points: int) -> np.ndarray:
    """Mean of the finite values among values[t - points + 1 : t + 1] for each t (the point included),
    NaN where fewer than half of them are finite: cumulative sums, so the width costs nothing."""
    if points <= 1:
        return values
    finite = ~np.isnan(values)
    zero = np.zeros((*values.shape[:-1], 1))
    sums = np.concatenate([zero, np.cumsum(np.where(finite, values, 0.0), axis=-1)], axis=-1)
    counts = np.concatenate([zero, np.cumsum(finite, axis=-1)], axis=-1)
    end = np.arange(1, values.shape[-1] + 1)
    begin = np.maximum(end - points, 0)
    count = counts[..., end] - counts[..., begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        means: np.ndarray = np.where(count >= max(1, points // 2),
                                     (sums[..., end] - sums[..., begin]) / count, np.nan)
    return means


def _previous_record(values: np.ndarray) -> np.ndarray:
    """For each t the largest of values[..., :t] (0 before any): the bar a new record must clear."""
    before = np.zeros((*values.shape[:-1], 1))
    record: np.ndarray = np.maximum.accumulate(np.concatenate([before, values[..., :-1]], axis=-1), axis=-1)
    return record


def robust_z(values: ArrayLike, reference: ArrayLike, spread: ArrayLike) -> np.ndarray:
    """How far each value is from its reference (what is usual for it) in units of `spread` (its
    sigma): the score of the one anomaly model, which `anomaly_flags` and the AI's findings
    (`findings.departures`) both judge with `departs`. Arrays broadcast; NaN where the value or the
    reference is missing, 0 where the spread is not positive (nothing to judge by)."""
    value, usual, sigma = (np.asarray(a, dtype=float) for a in (values, reference, spread))
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = value - usual
        z: np.ndarray = np.where(sigma > 0, offset / sigma, np.where(np.isnan(offset), np.nan, 0.0))
    return z


def departs(z: ArrayLike, *, bar: ArrayLike = 0.0, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """The one anomaly rule: a robust z (from `robust_z`) departs when its size is at least
    `threshold` and above `bar`, the score the series must beat where the caller knows one (its
    aged record, in `anomaly_flags`). NaN never departs."""
    size = np.abs(np.asarray(z, dtype=float))
    with np.errstate(invalid="ignore"):
        departed: np.ndarray = (size >= threshold) & (size > np.asarray(bar, dtype=float))
    return departed


@dataclass(frozen=True)
class _Flags:
    """What the model decided, in time order: hits, and the signed score that made each one."""

    moments: np.ndarray  # datetime64[us], sorted
    order: np.ndarray  # order[i] is the caller's index of the i-th point in time
    values: np.ndarray
    hits: np.ndarray  # bool
    score: np.ndarray  # signed robust z at the scale where the point stands out most


def _flag(timestamps: ArrayLike | Sequence[datetime] | Sequence[str], values: ArrayLike, *,
          threshold: float, window: timedelta, seasonal_period: timedelta | None, seasons: int,
          margin: float, direction: Direction) -> _Flags:
    x = np.asarray(values, dtype=float)
    if x.ndim not in (1, 2):
        raise ValueError(f"expected a series or a row per series, got shape {x.shape}")
    moments = _as_datetime64(timestamps)
    n = x.shape[-1]
    if len(moments) != n:
        raise ValueError(f"{len(moments)} timestamps but {n} values")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"direction must be 'both', 'up' or 'down', not {direction!r}")
    order = np.argsort(moments, kind="stable")
    moments, x = moments[order], x[..., order]
    hits, score = np.zeros(x.shape, dtype=bool), np.zeros(x.shape)
    seconds = (moments - moments[0]).astype(float) / 1e6 if n else np.empty(0)
    steps = np.diff(seconds)
    steps = steps[steps > 0]
    if n <= MIN_HISTORY or steps.size == 0:
        return _Flags(moments, order, x, hits, score)
    step = float(np.median(steps))
    window_points = max(MIN_HISTORY, round(window.total_seconds() / step))
    min_history = max(MIN_HISTORY, window_points // 4)  # a fixed count: flags never wait for the future

    residual = x
    if seasonal_period is not None and seasons > 0:
        period = seasonal_period.total_seconds()
        lags = [_lag_indices(seconds, k * period, step / 2) for k in range(1, seasons + 1)]
        # The median of the same phase over the past periods: one odd day doesn't become the
        # reference. Until a period has passed there is none, and nothing is scored.
        residual = x - _nan_median_rows(np.stack([_gather(x, lag) for lag in lags]))
    raw = _trailing_stats(x, window_points, min_history)
    # The spread a window may claim is floored by what the series has shown so far: a twentieth of its
    # raw spread or 2% of its level, the largest either has been. A flat hour can't make the next
    # wiggle a 30-sigma event, and the floor is learnt online like everything else.
    with np.errstate(invalid="ignore"):
        floor = np.fmax.accumulate(np.nan_to_num(np.maximum(
            SCALE_FLOOR_FRACTION * raw.spread, LEVEL_FLOOR_FRACTION * np.abs(raw.median))), axis=-1)
    for scale in SCALES:
        points = max(1, round(scale.total_seconds() / step))
        smoothed = _trailing_mean(residual, points)
        trailing = _trailing_stats(smoothed, window_points, min_history)
        # Averaging k points shrinks noise by sqrt(k), and so does the floor.
        spread = np.maximum(trailing.spread, floor / np.sqrt(points))
        z = np.nan_to_num(robust_z(smoothed, trailing.median, spread))
        size = np.abs(z)
        bar = (1.0 + margin) * _previous_record(size)
        record = departs(z, bar=bar, threshold=threshold)
        if direction != "both":
            record &= (z > 0) if direction == "up" else (z < 0)
        hits |= record
        score = np.where(size > np.abs(score), z, score)
    # Records set while the first window fills and settles are cheap (there is little to beat): they
    # still raise the bar, but only a series that has shown that much behaviour raises alarms.
    hits[..., :round((window + RECORD_SETTLING).total_seconds() / step)] = False
    return _Flags(moments, order, x, hits, score)


def anomaly_flags(
    timestamps: ArrayLike | Sequence[datetime] | Sequence[str],
    values: ArrayLike,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    window: timedelta = DEFAULT_WINDOW,
    seasonal_period: timedelta | None = DEFAULT_SEASONAL_PERIOD,
    seasons: int = DEFAULT_SEASONS,
    margin: float = RECORD_MARGIN,
    direction: Direction = "both",
) -> np.ndarray:
    """Whether each point (in the caller's order) is anomalous: the one anomaly model. `values` is
    one series, or a row per series sharing `timestamps` (a fleet's metric, judged in one pass).

    Each point is judged only from the points before it in time (appending later points never
    changes an earlier flag). The value, less the median of the same time on the last `seasons`
    `seasonal_period`s (none: the value itself), is taken as is and averaged over the last
    3 hours and the last day; at each of these scales it gets a robust z-score against the
    previous `window` of the same quantity (median, 1.4826 * MAD or the mean deviation where MAD
    is 0, floored by the series' own spread so far). A point is a hit when at some scale that z
    departs (`departs`: at least `threshold` in size) and beats the largest the series has had at
    that scale before by `margin` (a fraction). Nothing is flagged within the first `window` of
    data and the RECORD_SETTLING after it. Timestamps may be datetime64, datetimes, ISO strings or
    epoch seconds, in any order; durations become points with the median sampling step (so
    "online" assumes regular sampling, as metrics have).
    """
    flags = _flag(timestamps, values, threshold=threshold, window=window, seasonal_period=seasonal_period,
                  seasons=seasons, margin=margin, direction=direction)
    result = np.zeros(flags.hits.shape, dtype=bool)
    result[..., flags.order] = flags.hits
    return result


def _collapse(hits: np.ndarray, seconds: np.ndarray, gap: float) -> list[np.ndarray]:
    """Split sorted hit positions into events wherever two hits are more than `gap` seconds apart."""
    if hits.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(seconds[hits]) > gap) + 1
    return np.split(hits, breaks)


def detect_anomalies(
    timestamps: ArrayLike | Sequence[datetime] | Sequence[str],
    values: ArrayLike,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    window: timedelta = DEFAULT_WINDOW,
    seasonal_period: timedelta | None = DEFAULT_SEASONAL_PERIOD,
    seasons: int = DEFAULT_SEASONS,
    merge_gap: timedelta = MERGE_GAP,
    margin: float = RECORD_MARGIN,
    direction: Direction = "both",
) -> list[Anomaly]:
    """The hits of `anomaly_flags` as events, oldest first: hits less than `merge_gap` apart are
    one Anomaly, described by its most extreme point (the other arguments are anomaly_flags')."""
    flags = _flag(timestamps, _as_float_array(values), threshold=threshold, window=window,
                  seasonal_period=seasonal_period, seasons=seasons, margin=margin, direction=direction)
    moments = flags.moments
    seconds = (moments - moments[0]).astype(float) / 1e6 if len(moments) else np.empty(0)
    anomalies: list[Anomaly] = []
    for event in _collapse(np.flatnonzero(flags.hits), seconds, merge_gap.total_seconds()):
        peak = int(event[np.argmax(np.abs(flags.score[event]))])
        anomalies.append(Anomaly(
            timestamp=moments[peak].astype(datetime), value=float(flags.values[peak]),
            score=float(flags.score[peak]), index=int(flags.order[peak]),
            start=moments[event[0]].astype(datetime), end=moments[event[-1]].astype(datetime),
            points=len(event)))
    return anomalies


# -- 2. the plain baselines --------------------------------------------------------------


def global_three_sigma(values: ArrayLike) -> np.ndarray:
    """Indices of points beyond mean +/- 3 std of the whole series: the textbook baseline."""
    x = _as_float_array(values)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.empty(0, dtype=np.intp)
    mean, std = float(np.mean(finite)), float(np.std(finite))
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(np.abs(x - mean) > 3.0 * std)


def rolling_mad(values: ArrayLike, window: int, threshold: float = 3.0) -> np.ndarray:
    """Indices of points more than `threshold` * 1.4826 * MAD from the median of the `window`
    points before them: the usual online baseline (Hampel filter, trailing)."""
    x = _as_float_array(values)
    if window < 1:
        raise ValueError("window must be at least 1 point")
    trailing = _trailing_stats(x, window, max(1, min(window, MIN_HISTORY)))
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(np.abs(x - trailing.median) > threshold * trailing.sigma)


# -- 3. change ranking -------------------------------------------------------------------


def _finite(values: ArrayLike) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    finite: np.ndarray = x[np.isfinite(x)]
    return finite


def change_ranking(recent: ArrayLike, baseline: ArrayLike) -> float:
    """How differently a metric is distributed in a recent window than in a (longer) baseline.

    The two-sample Kolmogorov-Smirnov statistic, as in Netdata's metric correlations: the largest
    gap between the two empirical CDFs, 0 (same distribution) .. 1 (no overlap at all). It
    compares shapes, not units, so metrics of any scale rank on one list. NaNs are ignored; an
    empty side gives 0.
    """
    a, b = np.sort(_finite(recent)), np.sort(_finite(baseline))
    if a.size == 0 or b.size == 0:
        return 0.0
    grid = np.concatenate([a, b])
    # side="right" counts ties as already passed, which keeps quantised metrics (0.066, 0.132..) exact.
    gap = np.abs(np.searchsorted(a, grid, side="right") / a.size
                 - np.searchsorted(b, grid, side="right") / b.size)
    return float(np.max(gap))


def change_direction(recent: ArrayLike, baseline: ArrayLike) -> int:
    """+1 if the recent window's median is higher than the baseline's, -1 if lower, 0 if equal/empty."""
    a, b = _finite(recent), _finite(baseline)
    if a.size == 0 or b.size == 0:
        return 0
    return int(np.sign(np.median(a) - np.median(b)))


def rank_changes(recent: Mapping[str, ArrayLike],
                 baseline: Mapping[str, ArrayLike]) -> list[tuple[str, float, int]]:
    """(metric, change score, direction) for each metric present in both, biggest change first."""
    ranked = [(name, change_ranking(recent[name], baseline[name]),
               change_direction(recent[name], baseline[name]))
              for name in recent if name in baseline]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))


# -- 4. trends ---------------------------------------------------------------------------


def linear_trend(t_seconds: ArrayLike, values: ArrayLike) -> tuple[float, float, float]:
    """Least-squares line through the finite points: (slope per second, intercept at t=0, r^2).

    Fewer than two distinct times give slope 0 and r^2 0. A perfectly fitted series (constant
    included) has r^2 1.
    """
    t, y = _as_float_array(t_seconds), _as_float_array(values)
    if t.shape != y.shape:
        raise ValueError(f"{len(t)} times but {len(y)} values")
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if y.size == 0:
        return 0.0, float("nan"), 0.0
    # Centering first: epoch seconds (~1.7e9) squared would lose the slope to rounding.
    t_mean, y_mean = float(np.mean(t)), float(np.mean(y))
    dt, dy = t - t_mean, y - y_mean
    spread = float(np.dot(dt, dt))
    if spread == 0.0:
        return 0.0, y_mean, 0.0
    slope = float(np.dot(dt, dy)) / spread
    intercept = y_mean - slope * t_mean
    residual = float(np.sum((dy - slope * dt) ** 2))
    total = float(np.dot(dy, dy))
    if total == 0.0:
        return slope, intercept, 1.0
    return slope, intercept, max(0.0, 1.0 - residual / total)


def time_to_threshold(t_seconds: ArrayLike, values: ArrayLike, threshold: float, *,
                      rising: bool = True, min_r2: float = 0.5,
                      horizon_seconds: float | None = None) -> float | None:
    """Seconds from the last point until the fitted linear trend reaches `threshold`.

    With `rising` (the default) the metric must be climbing toward a threshold above it; with
    `rising=False` falling toward one below it (free space, say). 0 when the trend is already
    past it. None when it is moving away or flat, when the line explains less than `min_r2` of the
    variance (a forecast from noise is worse than none), or when the crossing lies beyond
    `horizon_seconds`, by default twice the time the data spans: a straight line fitted over an
    hour says little about next week.
    """
    t, y = _as_float_array(t_seconds), _as_float_array(values)
    slope, intercept, r2 = linear_trend(t, y)
    used = t[np.isfinite(t) & np.isfinite(y)]  # linear_trend has checked the shapes
    if used.size < 2 or r2 < min_r2:
        return None
    if (slope <= 0.0) if rising else (slope >= 0.0):
        return None
    last = float(np.max(used))
    remaining = (threshold - (slope * last + intercept)) / slope
    if remaining <= 0.0:
        return 0.0
    limit = horizon_seconds if horizon_seconds is not None else 2.0 * (last - float(np.min(used)))
    return float(remaining) if remaining <= limit else None


# -- 5. correlation ----------------------------------------------------------------------


def correlation(a: ArrayLike, b: ArrayLike) -> float:
    """Pearson correlation over the positions where both are finite; 0 when either is constant
    there or fewer than two such positions exist."""
    x, y = _as_float_array(a), _as_float_array(b)
    if x.shape != y.shape:
        raise ValueError(f"series differ in length: {len(x)} and {len(y)}")
    ok = np.isfinite(x) & np.isfinite(y)
    if np.count_nonzero(ok) < 2:
        return 0.0
    dx, dy = x[ok] - np.mean(x[ok]), y[ok] - np.mean(y[ok])
    norm = float(np.sqrt(np.dot(dx, dx) * np.dot(dy, dy)))
    if norm == 0.0:
        return 0.0
    return float(np.clip(np.dot(dx, dy) / norm, -1.0, 1.0))


def lagged_correlation(a: ArrayLike, b: ArrayLike, max_lag: int) -> tuple[int, float]:
    """(lag, r) of the strongest correlation of a[t] with b[t + lag] for |lag| <= max_lag.

    A positive lag means b follows a by that many samples, so a moved first; negative, b led.
    Ties go to the smaller |lag|, so unrelated or simultaneous series report 0.
    """
    x, y = _as_float_array(a), _as_float_array(b)
    if x.shape != y.shape:
        raise ValueError(f"series differ in length: {len(x)} and {len(y)}")
    best_lag, best = 0, correlation(x, y)
    for lag in range(1, min(max_lag, len(x) - 2) + 1):
        for signed, r in ((lag, correlation(x[:-lag], y[lag:])), (-lag, correlation(x[lag:], y[:-lag]))):
            if abs(r) > abs(best) + 1e-12:
                best_lag, best = signed, r
    return best_lag, best
