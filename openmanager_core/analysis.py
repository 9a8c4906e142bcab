"""Statistics of the analytic AI engine: robust anomaly scores, change ranking, trends and correlation."""

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
# A spread below a tenth of the series' own typical spread is noise, not a signal: without this
# floor a window that happens to be flat (MAD = 0) turns the next tiny wiggle into an infinite score.
SCALE_FLOOR_FRACTION = 0.1
LEVEL_FLOOR_FRACTION = 0.02  # see _sigma_floor
# Defaults of detect_anomalies, chosen for real server metrics and checked on the NAB AWS series
# (bench/nab_detection.py): halving or doubling any one of them there still finds 6-7 of the 7
# labelled windows with 6-18 false alarms, against global 3-sigma's 7 and 53.
DEFAULT_THRESHOLD = 5.0  # robust z: rare enough on heavy-tailed real data that alarms mean something
DEFAULT_WINDOW = timedelta(days=1)  # one day of context holds every hour's normal behaviour
DEFAULT_SEASONAL_PERIOD = timedelta(days=1)  # server load follows the clock
DEFAULT_SEASONS = 7  # compare with the same time on each of the last 7 days: a week evens out one-offs
PHASE_TOLERANCE = timedelta(minutes=30)  # daily jobs drift by minutes; "at about this time" is enough
MERGE_GAP = timedelta(hours=1)  # hits closer than this are one incident, reported once
# What the last day "normally" spans: the central 98%, so that a handful of earlier spikes (a
# previous incident, a 5-minute cron burst) doesn't widen the range enough to hide the next one.
BULK_QUANTILE = 0.99
# A hit must also leave that normal range by half its width (median to edge): a high z inside the
# range already seen is just how this metric behaves (bursty I/O, quantised CPU counters).
NOVELTY_MARGIN = 0.5
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
    low: np.ndarray  # BULK_QUANTILE edges of the window
    high: np.ndarray


@dataclass(frozen=True)
class _Scored:
    """What robust_zscores computes, kept whole so that detect_anomalies can test novelty too."""

    scored: np.ndarray  # the series that was scored: the seasonal residual where available, else raw
    trailing: _Trailing  # of `scored`
    raw: _Trailing  # of the raw values
    floor: float
    z: np.ndarray


# -- helpers ------------------------------------------------------------------------------


def _as_float_array(values: ArrayLike) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {array.shape}")
    return array


def _row_quantile(rows: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Quantile q (linear interpolation) of each row of ascending-sorted `rows`, NaNs sorted last."""
    last = np.maximum(count - 1, 0)
    position = q * last
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, last)
    low = np.take_along_axis(rows, below[:, None], axis=1)[:, 0]
    high = np.take_along_axis(rows, above[:, None], axis=1)[:, 0]
    quantiles: np.ndarray = low + (high - low) * (position - below)
    return quantiles


def _trailing_stats(values: np.ndarray, window: int, min_history: int) -> _Trailing:
    """Median, MAD-sigma and bulk range of values[t - window:t] for each t (the point excluded)."""
    n = len(values)
    if n == 0:
        return _Trailing(*(np.empty(0) for _ in range(4)))
    # Long windows are summarised from every stride-th point and refreshed every stride-th point:
    # ~500 evenly spread points give the same median, MAD and quantiles as all of them, and a day
    # at 1-minute steps then costs what 6 hours would. Row r covers the points before r * stride,
    # so the points it scores (r * stride onward) are never part of their own window.
    stride = -(-window // WINDOW_SAMPLES)
    # Padding with NaN in front makes row t of the sliding view exactly the `window` points before t.
    padded = np.concatenate([np.full(window, np.nan), values[:-1]])
    views = sliding_window_view(padded, window)[::stride, (window - 1) % stride::stride]
    need = max(1, -(-min_history // stride))
    rows_total = len(views)
    median, sigma, low, high = (np.full(rows_total, np.nan) for _ in range(4))
    block = max(1, _BLOCK_ELEMENTS // views.shape[1])
    for start in range(0, rows_total, block):
        rows = np.sort(views[start:start + block], axis=1)  # NaNs sort last
        count = np.sum(~np.isnan(rows), axis=1)
        med = _row_quantile(rows, count, 0.5)
        deviations = np.sort(np.abs(rows - med[:, None]), axis=1)
        ok = count >= need
        part = slice(start, start + len(rows))
        median[part] = np.where(ok, med, np.nan)
        sigma[part] = np.where(ok, MAD_TO_SIGMA * _row_quantile(deviations, count, 0.5), np.nan)
        low[part] = np.where(ok, _row_quantile(rows, count, 1.0 - BULK_QUANTILE), np.nan)
        high[part] = np.where(ok, _row_quantile(rows, count, BULK_QUANTILE), np.nan)
    row_of = np.arange(n) // stride
    return _Trailing(median[row_of], sigma[row_of], low[row_of], high[row_of])


def _series_scale(values: np.ndarray) -> float:
    """A typical spread of the whole series, never 0: the base of the MAD floor."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 1.0
    # Falls through ever cruder spreads: a mostly-idle metric (MAD 0) still has a mean deviation,
    # a constant one still has a magnitude.
    for spread in (
        MAD_TO_SIGMA * float(np.median(np.abs(finite - np.median(finite)))),
        float(np.mean(np.abs(finite - np.mean(finite)))),
        abs(float(np.median(finite))),
    ):
        if spread > 0:
            return spread
    return 1.0


def _resolution(values: np.ndarray) -> float:
    """The typical step between distinct values: 1 for counts, 0.002 for a CPU gauge in 0.002s."""
    distinct = np.unique(values[np.isfinite(values)])
    # A handful of distinct values shows no lattice: in a flat series with one bump the only
    # "step" is the bump itself.
    return float(np.median(np.diff(distinct))) if distinct.size >= 5 else 0.0


def _sigma_floor(values: np.ndarray) -> float:
    """The smallest spread a trailing window is allowed to have when scoring this series."""
    finite = values[np.isfinite(values)]
    magnitude = float(np.median(np.abs(finite))) if finite.size else 0.0
    # Never below one step of the data either (a count going from 10 to 12 connections is not a
    # 13-sigma event because it sat at exactly 10 for a while), nor below 2% of the metric's usual
    # level: at the default threshold a gauge must move by a tenth of its level to alarm, so a
    # smooth hour in which memory creeps from 41.1% to 41.3% stays quiet.
    return max(SCALE_FLOOR_FRACTION * _series_scale(values), _resolution(values),
               LEVEL_FLOOR_FRACTION * magnitude)


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], NaN where index is -1 (no sample at that lag)."""
    out = np.full(len(index), np.nan)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def _nan_reduce(stack: np.ndarray, reduce: Literal["max", "min"]) -> np.ndarray:
    """Max/min over axis 0 ignoring NaN, NaN where every entry is NaN (without runtime warnings)."""
    fill = -np.inf if reduce == "max" else np.inf
    result = (np.max if reduce == "max" else np.min)(np.where(np.isnan(stack), fill, stack), axis=0)
    return np.where(np.isinf(result) & (result == fill), np.nan, result)


def _nan_median_rows(stack: np.ndarray) -> np.ndarray:
    """Median over axis 0 ignoring NaN, NaN where every entry is NaN (without runtime warnings)."""
    rows = np.sort(stack.T, axis=1)
    count = np.sum(~np.isnan(rows), axis=1)
    return np.where(count > 0, _row_quantile(rows, count, 0.5), np.nan)


def _score(values: np.ndarray, window: int, lags: Sequence[np.ndarray], min_history: int) -> _Scored:
    """Robust z of each point against its trailing window; of the seasonal residual where possible.

    `lags[k]` holds, for each point, the index of the point one (k+1) periods earlier, or -1.
    """
    raw = _trailing_stats(values, window, min_history)
    floor = _sigma_floor(values)
    scored = values.copy()
    trailing = raw
    if lags:
        # The median of the same phase over several periods: one odd day doesn't become the reference.
        reference = _nan_median_rows(np.vstack([_gather(values, lag) for lag in lags]))
        residual = values - reference
        seasonal = _trailing_stats(residual, window, min_history)
        # Use the residual once enough residual history exists; before that (the first period) the
        # raw value is all there is to go on.
        use = ~np.isnan(seasonal.median) & ~np.isnan(residual)
        scored = np.where(use, residual, values)
        trailing = _Trailing(*(np.where(use, s, r) for s, r in zip(
            (seasonal.median, seasonal.sigma, seasonal.low, seasonal.high),
            (raw.median, raw.sigma, raw.low, raw.high), strict=True)))
    with np.errstate(invalid="ignore"):
        z = (scored - trailing.median) / np.maximum(trailing.sigma, floor)
    return _Scored(scored, trailing, raw, floor, z)


def _default_min_history(window: int, n: int) -> int:
    # A quarter of the window (6 hours of a day) before scoring, less for series shorter than it,
    # and never more than the window itself can hold.
    return min(window, max(MIN_HISTORY, min(window, n) // 4))


# -- 1. robust z-scores ------------------------------------------------------------------


def robust_zscores(values: ArrayLike, window: int, seasonal_period: int | None = None, *,
                   seasons: int = DEFAULT_SEASONS, min_history: int | None = None) -> np.ndarray:
    """Robust z-score of each point against the `window` points before it (itself excluded).

    z = (x - median) / (1.4826 * MAD). So that flat stretches give finite scores, 1.4826 * MAD is
    floored at the largest of a tenth of the whole series' typical spread, its value step (1 for
    counts) and 2% of its typical level. With `seasonal_period` (in points, regular sampling
    assumed) each point is first reduced by the median of the points 1..`seasons` periods
    earlier, and that residual is scored against the residuals before it, so a peak that comes
    every day scores low; until a window's worth of residuals exists the raw value is scored.
    Points with fewer than `min_history` previous points (default: a quarter of the window, at
    least 10) score NaN, as do NaN values. Windows over 512 points are summarised from an even
    subsample, refreshed every few points.
    """
    x = _as_float_array(values)
    if window < 1:
        raise ValueError("window must be at least 1 point")
    if seasonal_period is not None and seasonal_period < 1:
        raise ValueError("seasonal_period must be at least 1 point")
    history = min_history if min_history is not None else _default_min_history(window, len(x))
    lags: list[np.ndarray] = []
    if seasonal_period is not None:
        positions = np.arange(len(x))
        for k in range(1, seasons + 1):
            if k * seasonal_period >= len(x):
                break
            lag = positions - k * seasonal_period
            lags.append(np.where(lag >= 0, lag, -1))
    return _score(x, window, lags, max(1, history)).z


# -- 2. anomaly detection ----------------------------------------------------------------


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


def _rolling_extreme(values: np.ndarray, half_width: int, reduce: Literal["max", "min"]) -> np.ndarray:
    """Max/min of values[t - half_width : t + half_width + 1] for each t, ignoring NaN.

    Van Herk / Gil-Werman: prefix and suffix extremes within blocks of the window's width, so
    the cost doesn't grow with the width (30 minutes at 1-second sampling is 3,601 points).
    """
    if half_width == 0:
        return values.copy()
    fill = -np.inf if reduce == "max" else np.inf
    extreme = np.maximum if reduce == "max" else np.minimum
    width = 2 * half_width + 1
    n = len(values)
    padded = np.concatenate([np.full(half_width, fill), np.where(np.isnan(values), fill, values)])
    padded = np.concatenate([padded, np.full(-(-(n + 2 * half_width) // width) * width - len(padded), fill)])
    blocks = padded.reshape(-1, width)
    prefix = extreme.accumulate(blocks, axis=1).ravel()
    suffix = extreme.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    # Window t is padded[t : t + width]: the end of its first block plus the start of the next.
    result = extreme(suffix[:n], prefix[width - 1:width - 1 + n])
    return np.where(result == fill, np.nan, result)


def _seen(extremes: np.ndarray, lags: Sequence[np.ndarray], reduce: Literal["max", "min"]) -> np.ndarray:
    """The extreme of `extremes` over the given lags: what the metric did around those times."""
    return _nan_reduce(np.vstack([_gather(extremes, lag) for lag in lags]), reduce)


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
    phase_tolerance: timedelta = PHASE_TOLERANCE,
    merge_gap: timedelta = MERGE_GAP,
    margin: float = NOVELTY_MARGIN,
    direction: Direction = "both",
) -> list[Anomaly]:
    """Anomalous events in a metric series, oldest first.

    A point is a hit when all of these hold:

    - its robust z-score (trailing `window`, seasonal residual once a `seasonal_period` of
      history exists) is at least `threshold` in size;
    - it leaves the central 98% of that window's scored values by `margin` times the distance
      from their median to that edge: high z inside the range the metric already spans (bursty
      I/O, quantised counters) is how it behaves, not news;
    - when the series spans more than a `seasonal_period`, its raw value is also outside what
      the metric did within `phase_tolerance` of the same time of day on the last `seasons` days
      (for the first period, which has no past days, the next ones), by the same margin: a
      nightly backup spike is expected at 03:00 even when it would be odd at 15:00.

    Daily patterns are only learnt from more than a day of history; given one day or less, the
    first morning ramp after a quiet night can look new. Hits less than `merge_gap` apart become
    one Anomaly, described by its most extreme point. Timestamps may be datetime64, datetimes,
    ISO strings or epoch seconds, in any order; `window` and the other durations are converted to
    points with the median sampling step.
    """
    x = _as_float_array(values)
    moments = _as_datetime64(timestamps)
    if len(moments) != len(x):
        raise ValueError(f"{len(moments)} timestamps but {len(x)} values")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"direction must be 'both', 'up' or 'down', not {direction!r}")
    if len(x) <= MIN_HISTORY:
        return []
    order = np.argsort(moments, kind="stable")
    moments, x = moments[order], x[order]
    seconds = (moments - moments[0]).astype(float) / 1e6  # microseconds since the first point
    steps = np.diff(seconds)
    steps = steps[steps > 0]
    if steps.size == 0:
        return []
    step = float(np.median(steps))

    window_points = max(MIN_HISTORY, round(window.total_seconds() / step))
    min_history = _default_min_history(window_points, len(x))
    lags: list[np.ndarray] = []
    if seasonal_period is not None:
        period = seasonal_period.total_seconds()
        for k in range(1, seasons + 1):
            if k * period > seconds[-1]:
                break
            lags.append(_lag_indices(seconds, k * period, step / 2))
    result = _score(x, window_points, lags, min_history)
    trailing, z = result.trailing, result.z
    sigma = np.maximum(trailing.sigma, result.floor)

    with np.errstate(invalid="ignore"):
        up = (z >= threshold) & (
            result.scored > trailing.high + margin * np.maximum(trailing.high - trailing.median, sigma))
        down = (z <= -threshold) & (
            result.scored < trailing.low - margin * np.maximum(trailing.median - trailing.low, sigma))
        if lags:
            half_width = round(phase_tolerance.total_seconds() / step)
            highs, lows = _rolling_extreme(x, half_width, "max"), _rolling_extreme(x, half_width, "min")
            seen_high, seen_low = _seen(highs, lags, "max"), _seen(lows, lags, "min")
            # The first period has no yesterday. In a batch of history it is compared with the days
            # after it instead, so the first morning of a two-week series isn't news merely because
            # a quiet night was all that came before it.
            first = np.isnan(seen_high)
            ahead = [_lag_indices(seconds, -k * period, step / 2) for k in range(1, len(lags) + 1)]
            seen_high = np.where(first, _seen(highs, ahead, "max"), seen_high)
            seen_low = np.where(first, _seen(lows, ahead, "min"), seen_low)
            raw_median = result.raw.median
            raw_sigma = np.maximum(result.raw.sigma, result.floor)
            # Where that time of day has been seen before, the value must leave what it did then.
            up &= ~(x <= seen_high + margin * np.maximum(seen_high - raw_median, raw_sigma))
            down &= ~(x >= seen_low - margin * np.maximum(raw_median - seen_low, raw_sigma))
    if direction == "up":
        down[:] = False
    elif direction == "down":
        up[:] = False

    hits = np.flatnonzero(up | down)
    anomalies: list[Anomaly] = []
    for event in _collapse(hits, seconds, merge_gap.total_seconds()):
        peak = int(event[np.argmax(np.abs(z[event]))])
        anomalies.append(Anomaly(
            timestamp=moments[peak].astype(datetime), value=float(x[peak]), score=float(z[peak]),
            index=int(order[peak]), start=moments[event[0]].astype(datetime),
            end=moments[event[-1]].astype(datetime), points=len(event)))
    return anomalies


# -- 3. the plain baseline ---------------------------------------------------------------


def global_three_sigma(values: ArrayLike) -> np.ndarray:
    """Indices of points beyond mean +/- 3 std of the whole series: the textbook baseline."""
    x = _as_float_array(values)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.empty(0, dtype=np.intp)
    mean, std = float(np.mean(finite)), float(np.std(finite))
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(np.abs(x - mean) > 3.0 * std)


# -- 4. change ranking -------------------------------------------------------------------


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


# -- 5. trends ---------------------------------------------------------------------------


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


# -- 6. correlation ----------------------------------------------------------------------


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
