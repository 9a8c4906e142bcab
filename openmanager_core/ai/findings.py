"""Tier-1 statistics: screen the whole fleet cheaply, then diagnose the few servers that stand out.

Every metric is judged against the same server at the same time on each of the last 7 days
(real traffic, like the simulator's, follows the clock): z = (value - median of those days) /
(1.4826 * their MAD), with a floor so that a quiet metric can't turn a wiggle into a 30σ event,
and a change must also be material (CPU +15 points, response time ×1.5...) before it is a finding.
The screen reads 76 one-minute points per server for the whole fleet in one vectorised pass;
the diagnosis reads 3 hours per server for at most a handful of servers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, cast

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import thresholds
from ..analysis import (
    DEFAULT_THRESHOLD,
    Anomaly,
    change_ranking,
    correlation,
    departs,
    linear_trend,
    robust_z,
    time_to_threshold,
)
from ..fleet import Fleet
from ..metrics import METRIC_KEYS, METRICS, Rule
from ..models import Server, Service, ServiceState, Status
from ..simulator import main_service
from ..sources import Frame

STEP = 60.0
DAY = 86400.0
SEASON_DAYS = 7
SCREEN_MINUTES = 75  # the last 15 minutes against the hour before them, plus trends
RECENT_MINUTES = 15
DEEP_MINUTES = 180  # long enough to see when a developing incident began
# A finding that began before the deep window (or got where it is before it) is dated from this far
# back, for its server alone: "saturated since 11:08", not "since before 11:30 (over 3 h)".
LONG_MINUTES = 12 * 60
MAD_TO_SIGMA = 1.4826
# A metric's day-to-day spread (its sigma) is read from the same last reference instants by the screen,
# the diagnosis and the chart marks, so one instant gets one z whoever asks. Three, as the screen of
# 1,000 servers can afford (from 61 it cost 5 times as much, for no case or test gained).
SIGMA_POINTS = 3
# A value this far from its usual level for the hour (and material) is an anomaly: the one anomaly rule
# (analysis.departs) at the anomaly model's own bar.
Z_FINDING = DEFAULT_THRESHOLD
Z_ONSET = 1.5  # walking back, the anomaly began where the metric was last within 1.5σ of usual
ONSET_FRACTION = 0.2  # ...or within a fifth of its current departure, whichever is further out
SCREEN_MIN_SCORE = 4.0
MAX_SCORE = 30.0  # beyond this a z-score adds no information, only dominates rankings
FORECAST_HORIZON = 24 * 3600.0
HINGE_MIN_POINTS = 5  # minutes a climb needs before "level, then line" can date it
HINGE_LEAD_MINUTES = 30  # level before a climb, looked for ahead of where the departure showed
STEP_MINUTES = 5  # a step up before a climb (an incident's onset) lasts at most this long
RATE_MINUTES = 3  # the last minutes whose own rate says whether a fitted climb still runs at its pace
USUAL_MINUTES = 1  # a minute back at the usual level separates two events
USUAL_FRACTION = 0.1  # ...where "usual" is within a tenth of the current departure (or 1.5σ)
# A metric that levelled off within this fraction of its physical range from the top (97.5-100 %: a CPU
# held at 98 %, memory at 99 %, a disk at 100 %) is pinned at its ceiling: saturated, no longer
# climbing, however steeply it got there. Levelled off: for PLATEAU_MINUTES or more it holds the level
# it is at now, within its own noise (at least PLATEAU_TOLERANCE of the range), drifting less than
# FLAT_DRIFT of the range a minute; a disk at 98.8 % still filling 0.3 points a minute is not full.
SATURATION_BAND = 0.025
PLATEAU_MINUTES = 3
PLATEAU_TOLERANCE = 0.001
FLAT_DRIFT = 0.001
# A watch: a climb too young to be a finding (not yet material) whose trend crosses a threshold within
# the forecast horizon. Over WATCH_MINUTES it has risen by the metric's trend_rise (healthy servers
# stray < 1 point in 3 minutes), is Z_WATCH above its usual level, and its last minute still rose.
WATCH_MINUTES = 3
Z_WATCH = 2.0


RULES: dict[str, Rule] = {key: metric.rule for key, metric in METRICS.items()}
TRAFFIC = ("network_in", "active_connections", "network_out")
# Where a steady climb becomes an outage (memory exhausted, disk full): the top of its physical range.
CEILINGS = {key: METRICS[key].physical[1] for key, rule in RULES.items() if rule.trend is not None}


def _nan_median(values: np.ndarray, axis: int) -> np.ndarray:
    """Median ignoring NaN along `axis`; NaN where nothing is left (no warnings, unlike nanmedian)."""
    moved = np.sort(np.moveaxis(values, axis, -1), axis=-1)
    count = np.sum(~np.isnan(moved), axis=-1)
    last = np.maximum(count - 1, 0)
    low = np.take_along_axis(moved, (last // 2)[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(moved, ((last + 1) // 2)[..., None], axis=-1)[..., 0]
    return np.where(count > 0, (low + high) / 2.0, np.nan)


# -- observation ---------------------------------------------------------------------------


@dataclass
class Window:
    """One-minute metric arrays (servers x instants) ending now, NaN where a host was down, for the
    last `reference_points` instants the usual level (median of the same instant over the last 7
    days), and the metric's day-to-day spread over the last SIGMA_POINTS instants."""

    servers: list[Server]
    t: np.ndarray
    values: dict[str, np.ndarray]
    up: np.ndarray
    usual: dict[str, np.ndarray]  # (servers, reference_points)
    sigma: dict[str, np.ndarray]  # (servers,), floored: one per metric, whatever the window's length
    points: int  # samples read, for the thinking step
    frame: Frame | None = None  # the window as the source returned it, for the judgement now

    def row(self, server_id: str) -> int:
        return next(k for k, s in enumerate(self.servers) if s.id == server_id)


def observe(fleet: Fleet, servers: Sequence[Server], now: float, minutes: int,
            reference_points: int) -> Window:
    """The last `minutes` of every metric, and for the last `reference_points` instants the same
    instants on each of the last SEASON_DAYS days (for the spread, the last SIGMA_POINTS): one read
    through the fleet."""
    n_t = minutes + 1
    t = now - np.arange(minutes, -1, -1, dtype=np.float64) * STEP
    read = max(reference_points, SIGMA_POINTS)
    referenced = now - np.arange(read - 1, -1, -1, dtype=np.float64) * STEP
    lags = np.arange(1, SEASON_DAYS + 1, dtype=np.float64) * DAY
    past = (referenced[None, :] - lags[:, None]).ravel()
    frame = fleet.frame(servers, np.concatenate([t, past]))
    n = len(servers)
    up = frame.up[:, :n_t]
    past_up = frame.up[:, n_t:].reshape(n, SEASON_DAYS, read)
    values: dict[str, np.ndarray] = {}
    usual: dict[str, np.ndarray] = {}
    sigma: dict[str, np.ndarray] = {}
    for key in METRIC_KEYS:
        series = frame.values[key]
        # What a down host "would have" reported is not observable: drop it.
        values[key] = np.where(up, series[:, :n_t], np.nan)
        reference = np.where(past_up, series[:, n_t:].reshape(n, SEASON_DAYS, read), np.nan)
        level = _nan_median(reference, axis=1)
        spread = MAD_TO_SIGMA * _nan_median(np.abs(reference - level[:, None, :]), axis=1)
        rule = RULES[key]
        typical = np.abs(_nan_median(level[:, -SIGMA_POINTS:], axis=1))
        floor = np.maximum(rule.sigma_floor, rule.relative_floor * np.nan_to_num(typical))
        usual[key] = level[:, -reference_points:]
        sigma[key] = np.fmax(_nan_median(spread[:, -SIGMA_POINTS:], axis=1), floor)
    present = Frame(t, {key: frame.values[key][:, :n_t] for key in METRIC_KEYS}, up,
                    frame.maintenance[:, :n_t], list(servers))
    return Window(list(servers), t, values, up, usual, sigma,
                  points=int(up.size + past_up.size) * len(METRIC_KEYS), frame=present)


def moved(key: str, value: np.ndarray, usual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rose, fell): how far a metric moved from its usual level, by its materiality rule alone (CPU
    +15 points, a rate x1.6 or down to x0.45...: more than a healthy server strays), for arrays of
    current and usual values. Not an anomaly test: `_material` adds the anomaly rule to it, and the
    diagnosis reads it alone only for the correlates of a cause already found (`movements`)."""
    rule = RULES[key]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = value / np.where(usual > 0, usual, np.nan)
        if rule.min_delta is not None:
            up = value - usual >= rule.min_delta
        else:
            up = ratio >= (rule.min_ratio or np.inf)
        down = ratio <= (rule.max_drop or -np.inf)
    return np.nan_to_num(up).astype(bool), np.nan_to_num(down).astype(bool)


def _material(key: str, value: np.ndarray, usual: np.ndarray, z: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(rose, fell): departures by the anomaly model's rule (`departs`, at its bar) that are also
    material for this metric (`moved`)."""
    departed = departs(z, threshold=Z_FINDING)
    up, down = moved(key, value, usual)
    return up & departed & (np.nan_to_num(z) > 0), down & departed & (np.nan_to_num(z) < 0)


def _slopes(t: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope (per minute) and r² of each row, vectorised; NaN rows give NaN."""
    minutes = (t - t.mean()) / 60.0
    centred = values - np.mean(values, axis=1, keepdims=True)
    spread = float(np.dot(minutes, minutes))
    slope = centred @ minutes / spread
    total = np.sum(centred**2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(total > 0, (slope**2 * spread) / total, 0.0)
    return slope, r2


# -- the fleet screen ----------------------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    """A metric rising toward a threshold before it is a finding: worth watching, lower than a warning."""

    server: Server
    metric: str
    value: float
    usual: float
    slope: float  # per minute, over the last WATCH_MINUTES
    threshold: float
    level: Status  # the threshold's: warning, or critical when it is already at warning
    seconds: float  # until the trend reaches it


@dataclass
class Screen:
    """Every server in scope, scored on its last minutes; `score` ranks who to diagnose."""

    window: Window
    current: dict[str, np.ndarray]
    z: dict[str, np.ndarray]
    status: list[Status]
    score: np.ndarray
    flagged: dict[str, np.ndarray]  # metric -> servers with a material departure or climb
    stopped: dict[str, str]  # server id -> its main service, where that is stopped
    judgement: thresholds.Judgement  # levels, statuses and alerts now, as every page has them
    watch: list[Watch] = field(default_factory=list)  # young climbs toward a threshold, soonest first

    def ranked(self) -> list[int]:
        """Rows worth a diagnosis, worst first."""
        order = np.argsort(-self.score, kind="stable")
        return [int(k) for k in order if self.score[k] >= SCREEN_MIN_SCORE]


def screen(fleet: Fleet, servers: Sequence[Server], now: float) -> Screen:
    window = observe(fleet, servers, now, SCREEN_MINUTES, 3)
    n = len(servers)
    online = window.up[:, -1]
    judgement = _judge_now(fleet, window)
    score = np.zeros(n)
    current: dict[str, np.ndarray] = {}
    zs: dict[str, np.ndarray] = {}
    flagged: dict[str, np.ndarray] = {}
    for key in METRIC_KEYS:
        value = window.values[key][:, -1]
        usual = window.usual[key][:, -1]
        z = robust_z(value, usual, window.sigma[key])
        hit = departures(window, key)[:, -1]
        rule = RULES[key]
        if rule.trend is not None:
            rising, slope = climbing(window, key)
            rising &= online
            score = np.maximum(score, np.where(rising, 5.0 + slope / rule.trend, 0.0))
            hit |= rising
        # Without a usual level (no history for this hour) a crossed threshold counts as a finding.
        strength = np.where(np.isnan(z), Z_FINDING, np.minimum(np.abs(np.nan_to_num(z)), MAX_SCORE))
        score = np.maximum(score, np.where(hit, strength, 0.0))
        rank = judgement.ranks[key]
        score += np.select([rank == Status.CRITICAL.rank, rank == Status.WARNING.rank], [3.0, 1.0], 0.0)
        current[key], zs[key], flagged[key] = value, z, hit
    stopped = {server.id: name for k, server in enumerate(servers)
               if (name := _stopped_main(server, judgement.not_running(k))) is not None}
    for k, server in enumerate(servers):
        if not online[k]:
            score[k] = 100.0
        elif server.id in stopped:
            score[k] = max(score[k], 60.0)
    return Screen(window, current, zs, judgement.statuses, score, flagged, stopped, judgement,
                  watches(window, flagged))


def _rising(window: Window, key: str) -> np.ndarray:
    """(servers,) rows whose metric rose steadily over the last WATCH_MINUTES: by at least its
    trend_rise, its last minute still up, no minute down by more than a quarter of that."""
    rule = RULES[key]
    recent = window.values[key][:, -WATCH_MINUTES - 1:]
    steps = np.diff(recent, axis=1)
    with np.errstate(invalid="ignore"):
        rising: np.ndarray = ((recent[:, -1] - recent[:, 0] >= rule.trend_rise) & (steps[:, -1] > 0)
                              & np.all(steps > -rule.trend_rise / 4, axis=1))
    return rising


def climbing(window: Window, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, slope per minute): the climb rule of a metric with a trend rule, which the screen and
    the diagnosis both apply. A climb is a finding on its own, without a z: steady over the last
    RECENT_MINUTES (at least the rule's trend a minute, r² 0.9, up by its trend_rise), or younger,
    rising over the last WATCH_MINUTES (`_rising`: trend_rise in 3 minutes, far above the trend) and
    already material (`moved`): a young climb not yet material is a watch (`watches`)."""
    rule = RULES[key]
    assert rule.trend is not None
    recent = window.values[key][:, -RECENT_MINUTES - 1:]
    slope, r2 = _slopes(window.t[-RECENT_MINUTES - 1:], np.nan_to_num(recent, nan=0.0))
    rise = recent[:, -1] - recent[:, 0]
    steady = np.nan_to_num((slope >= rule.trend) & (r2 >= 0.9) & (rise >= rule.trend_rise)).astype(bool)
    young = window.values[key][:, -WATCH_MINUTES - 1:]
    young_slope = (young[:, -1] - young[:, 0]) / WATCH_MINUTES
    rose, _ = moved(key, window.values[key][:, -1], window.usual[key][:, -1])
    return steady | (_rising(window, key) & rose), np.where(steady, slope, np.nan_to_num(young_slope))


def watches(window: Window, flagged: dict[str, np.ndarray]) -> list[Watch]:
    """Metrics with a trend rule rising toward their next threshold, not yet flagged: the early warning
    of a fill or a leak minutes old, soonest crossing first."""
    found: list[Watch] = []
    points = WATCH_MINUTES + 1
    t = window.t[-points:]
    for key, rule in RULES.items():
        if rule.trend is None:
            continue
        recent = window.values[key][:, -points:]
        z = robust_z(recent[:, -1], window.usual[key][:, -1], window.sigma[key])
        rising = _rising(window, key) & np.nan_to_num(z >= Z_WATCH).astype(bool)
        for k in np.flatnonzero(rising & ~flagged[key]):
            server = window.servers[k]
            bounds = thresholds.limits(key, server.type)
            value = float(recent[k, -1])
            if bounds is None or value >= bounds[1]:
                continue
            below_warning = value < bounds[0]
            level = Status.WARNING if below_warning else Status.CRITICAL
            threshold = bounds[0] if below_warning else bounds[1]
            eta = time_to_threshold(t, recent[k], threshold, horizon_seconds=FORECAST_HORIZON)
            if eta is None or eta <= 0:
                continue
            slope = float(linear_trend(t, recent[k])[0]) * 60.0
            found.append(Watch(server, key, value, float(window.usual[key][k, -1]), slope, threshold, level,
                               eta))
    return sorted(found, key=lambda w: w.seconds)


def current_anomalies(fleet: Fleet, server_ids: Collection[str] | None = None
                      ) -> dict[str, tuple[str, ...]]:
    """Server id -> the metrics now off their usual level, for every deployed server (or those of
    `server_ids`) that has any: the fleet's one anomaly bit, as `screen` flags it
    (`departures` at the last minute, or a steady climb), so the fleet table and `GET /api/servers`
    say what the AI, chart marks and alerts say.

    Screened once per refresh interval and store version for the whole process, however many
    sessions and requests ask: the whole fleet in one pass takes ~0.1 s at 1,000 servers, ~1.5 s at
    10,000, so a page of `server_ids` is screened alone unless the whole fleet's bits are at hand (a
    server's flags do not depend on which others are screened with it)."""
    snapshot = fleet.now()
    bucket = int(snapshot.at.timestamp() // fleet.settings.refresh_seconds)
    whole = fleet.anomaly_bits.peek((bucket, snapshot.version, None))
    if whole is not None:
        return whole
    wanted = None if server_ids is None else frozenset(server_ids)
    chosen = [server for server, _ in snapshot.deployed if wanted is None or server.id in wanted]

    def screened() -> dict[str, tuple[str, ...]]:
        if not chosen:
            return {}
        flagged = screen(fleet, chosen, snapshot.at.timestamp()).flagged
        found = {server.id: tuple(key for key in METRIC_KEYS if flagged[key][k])
                 for k, server in enumerate(chosen)}
        return {server_id: keys for server_id, keys in found.items() if keys}

    ids = None if wanted is None else tuple(server.id for server in chosen)
    return fleet.anomaly_bits.get((bucket, snapshot.version, ids), screened)


def departures(window: Window, key: str) -> np.ndarray:
    """(servers, instants) where the metric is materially off its usual level for this time, and
    was already halfway there the minute before (a single odd minute is noise) or has just risen
    past its warning threshold (then the fleet page already shows it, and so must the AI): the
    anomaly rule that the screen, the diagnosis and the chart marks all apply. The score and its
    threshold are the anomaly model's (analysis.robust_z and departs, as in anomaly_flags), with
    the same minutes of the last 7 days as the reference and their spread as sigma."""
    value, usual = window.values[key], window.usual[key]
    points = usual.shape[1]
    value = value[:, -points:]
    z = robust_z(value, usual, window.sigma[key][:, None])
    rose, fell = _material(key, value, usual, z)
    previous = np.concatenate([np.full((len(z), 1), np.nan), z[:, :-1]], axis=1)
    persistent = departs(previous, threshold=Z_FINDING / 2)
    crossed = thresholds.over_time(key, value, [server.type for server in window.servers])
    # Where the source holds no usual level for this time (a new host), past the warning line is
    # the departure: the fleet page shows it, so the AI must too.
    departed: np.ndarray = ((rose | fell) & persistent) | ((rose | np.isnan(usual)) & crossed)
    return departed


def marks(fleet: Fleet, server: Server, now: float, minutes: int) -> dict[str, list[Anomaly]]:
    """Each metric's anomalous events over the last `minutes`, by the rules the screen and the
    diagnosis apply (`departures`, against the same minutes of the last 7 days, or `climbing`):
    what the detail chart marks is what the AI would say. Consecutive minutes are one event, told
    by its furthest point; instants are naive UTC, like analysis.detect_anomalies'."""
    points = minutes + 1
    window = observe(fleet, [server], now, minutes + RECENT_MINUTES, points)  # a climb needs 15 before
    t = window.t[-points:]
    found: dict[str, list[Anomaly]] = {}
    for key in METRIC_KEYS:
        hit = departures(window, key)[0]
        if RULES[key].trend is not None:
            hit |= _climbing_each_minute(window, key, points)
        hits = np.flatnonzero(hit)
        if not hits.size:
            continue
        values = window.values[key][0, -points:]
        z = robust_z(values, window.usual[key][0], window.sigma[key][0])
        events = []
        for run in np.split(hits, np.flatnonzero(np.diff(hits) > 1) + 1):
            peak = int(run[np.argmax(np.abs(np.nan_to_num(z[run])))])
            events.append(Anomaly(
                timestamp=_naive_utc(t[peak]), value=float(values[peak]), score=float(z[peak]), index=peak,
                start=_naive_utc(t[run[0]]), end=_naive_utc(t[run[-1]]), points=len(run)))
        found[key] = events
    return found


def _climbing_each_minute(window: Window, key: str, points: int) -> np.ndarray:
    """(points,) `climbing` of the window's one server at each of its last `points` instants, as the
    screen would have judged it then: each instant is a row of the minutes up to it."""
    span = RECENT_MINUTES + 1
    rows = sliding_window_view(window.values[key][0], span)[-points:]
    then = Window(window.servers * points, window.t[-span:], {key: rows}, window.up[0, -points:, None],
                  {key: window.usual[key][0][:, None]}, {key: np.repeat(window.sigma[key], points)}, 0)
    found, _ = climbing(then, key)
    online: np.ndarray = found & window.up[0, -points:]
    return online


def _naive_utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC).replace(tzinfo=None)


def _judge_now(fleet: Fleet, window: Window) -> thresholds.Judgement:
    """The fleet's one judgement of the window's last instant: what every page shows now."""
    assert window.frame is not None
    return fleet.assess(window.frame)


def _stopped_main(server: Server, not_running: Sequence[Service]) -> str | None:
    """The server's main service, when it is among those stopped."""
    if not server.services:  # a source that reports no services
        return None
    main = main_service(server).name
    return main if any(s.name == main and s.status is ServiceState.STOPPED for s in not_running) else None


# -- diagnosis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    label: Literal["critical", "full"]
    threshold: float
    seconds: float


@dataclass
class Finding:
    """One metric of one server that is not where it usually is at this hour."""

    metric: str
    value: float
    usual: float
    sigma: float
    z: float
    direction: Literal["up", "down"]
    onset: float | None  # epoch seconds; None when it began before the window
    level: Status
    slope: float | None = None  # per minute, over the climb
    r2: float | None = None
    forecasts: list[Forecast] = field(default_factory=list)
    dated: bool = True  # False for values handed in without history: no start time to tell
    saturated: bool = False  # pinned at the top of its physical range now
    saturated_since: float | None = None  # when it got there (None: before the window, or not saturated)
    critical_since: float | None = None  # when it last went past its critical threshold, if it is past it
    # Still climbing at the end, at a pace not ruled under the metric's trend rate (by two standard
    # errors): what tells a leak minutes old, which a line fits poorly, from memory high and level.
    climbing_now: bool = False
    # False for a correlate (`movements`): it moved materially with a cause found, but is no anomaly.
    anomaly: bool = True

    @property
    def ratio(self) -> float:
        return self.value / self.usual if self.usual > 0 else float("inf")

    @property
    def steady_climb(self) -> bool:
        rule = RULES[self.metric]
        return (rule.trend is not None and self.slope is not None and self.r2 is not None
                and self.slope >= rule.trend and self.r2 >= 0.8)


@dataclass(frozen=True)
class Link:
    """How a symptom (or a driver) moved with the cause: Pearson r, and minutes it started after."""

    finding: Finding
    r: float
    lag_minutes: int


@dataclass
class Cause:
    kind: str  # cpu_spike, cpu_runaway, memory_leak, memory_pressure, disk_full, network_congestion,
    # service_down, host_down, latency, traffic_surge, traffic_drop
    primary: Finding | None
    drivers: list[Link] = field(default_factory=list)
    symptoms: list[Link] = field(default_factory=list)
    service: str | None = None
    last_seen: float | None = None  # host_down: the last minute with metrics (None: before window)

    @property
    def onset(self) -> float | None:
        return self.primary.onset if self.primary else self.last_seen


@dataclass
class Diagnosis:
    """One server analysed in depth: current values against usual, findings, causes ranked."""

    server: Server
    online: bool
    status: Status
    current: dict[str, float]
    usual: dict[str, float]
    findings: dict[str, Finding]
    causes: list[Cause]
    window_start: float
    severity: float


def diagnose(fleet: Fleet, servers: Sequence[Server], now: float) -> list[Diagnosis]:
    """Three hours of each server against the same hours of the last week, causes worst first."""
    if not servers:
        return []
    window = observe(fleet, servers, now, DEEP_MINUTES, DEEP_MINUTES + 1)
    judgement = _judge_now(fleet, window)
    found = [_row_findings(window, k) for k in range(len(servers))]
    _date_further_back(fleet, window, found, now)
    return [_diagnose_row(window, k, judgement, found[k], movements(window, k, found[k]))
            for k in range(len(servers))]


def _undated(finding: Finding) -> bool:
    """A finding the deep window cannot date: it began, got to its ceiling or went past critical
    before the window."""
    return finding.dated and (finding.onset is None or (finding.saturated and finding.saturated_since is None)
                              or (finding.level is Status.CRITICAL and finding.critical_since is None))


def _date_further_back(fleet: Fleet, window: Window, found: list[dict[str, Finding]], now: float) -> None:
    """Date the findings the deep window cannot from LONG_MINUTES of their servers (one read for all
    of them): when they began, levelled off and went past critical, and the climb before. How far off
    they are now stays as the deep window measured it."""
    rows = [k for k, findings in enumerate(found) if any(_undated(f) for f in findings.values())]
    if not rows:
        return
    longer = observe(fleet, [window.servers[k] for k in rows], now, LONG_MINUTES, LONG_MINUTES + 1)
    for row, k in enumerate(rows):
        for key, finding in found[k].items():
            if not _undated(finding):
                continue
            z = robust_z(longer.values[key][row], longer.usual[key][row], longer.sigma[key][row])
            dated = _finding(longer, row, key, window.servers[k], finding.direction, z)
            found[k][key] = replace(finding, onset=dated.onset, slope=dated.slope, r2=dated.r2,
                                    forecasts=dated.forecasts, saturated=dated.saturated,
                                    saturated_since=dated.saturated_since,
                                    critical_since=dated.critical_since)


def _onset(z: np.ndarray, sign: float) -> int | None:
    """Index where the final run of same-signed departure began; None if it spans the window.

    A minute belongs to the run while the metric is at least a fifth of the way to where it is
    now (and 1.5σ off): a tight σ must not let ordinary noise stretch a sudden change backwards.
    Two minutes back at the usual level end the run too: what came before them (an incident
    cleared and injected again) is another event.
    """
    level = max(Z_ONSET, ONSET_FRACTION * sign * float(z[-1])) if np.isfinite(z[-1]) else Z_ONSET
    back = _usual_level(z, sign)
    start: int | None = None
    gap = usual = 0
    for k in range(len(z) - 1, -1, -1):
        if np.isfinite(z[k]) and sign * z[k] >= level:
            start, gap, usual = k, 0, 0
            continue
        gap += 1
        usual = usual + 1 if np.isfinite(z[k]) and sign * z[k] < back else 0
        if gap > 2 or (usual >= USUAL_MINUTES and start is not None):
            # three quiet minutes in a row end the run; fewer are noise
            return start if start is not None else len(z) - 1
    return None if start is None or start <= 2 else start


def _usual_level(z: np.ndarray, sign: float) -> float:
    """Below this (signed) z a metric is back where it usually is, next to how far off it is now."""
    return max(Z_ONSET, USUAL_FRACTION * sign * float(z[-1])) if np.isfinite(z[-1]) else Z_ONSET


def _after_earlier_event(z: np.ndarray, lead: int, back: float) -> int:
    """Where the quiet stretch (|z| < back for USUAL_MINUTES) after an earlier, separate departure
    (|z| ≥ Z_FINDING, at or after `lead`) began; `lead` when there is none: a climb is not fitted
    across it."""
    usual = np.isfinite(z) & (np.abs(z) < back)
    # all() over axis 1 of the 2-D window view is an array; numpy types it as "a bool or an array".
    quiet = cast(np.ndarray, np.lib.stride_tricks.sliding_window_view(usual, USUAL_MINUTES).all(axis=1))
    event = np.flatnonzero(np.nan_to_num(np.abs(z[lead:]), nan=0.0) >= Z_FINDING) + lead
    if not event.size:
        return lead
    stretches = np.flatnonzero(quiet[event[-1]:]) + event[-1]
    return int(stretches[0]) if stretches.size else lead


def _hinge(t: np.ndarray, residual: np.ndarray, min_points: int = HINGE_MIN_POINTS
           ) -> tuple[int, float, float] | None:
    """Where a flat series turned into a straight climb: (index, slope per second, r² of the climb).

    Fits "level, then line" for every possible turning point at once (suffix sums) and keeps the
    best; a slow leak is dated from where it left its level, not from when it cleared some σ.
    """
    ok = np.isfinite(residual)
    t, r = (t[ok] - t[ok][0]) / 60.0, residual[ok]
    n = len(r)
    if n < min_points + 1:
        return None

    def suffix(values: np.ndarray) -> np.ndarray:
        return np.cumsum(values[::-1])[::-1]

    def prefix(values: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(values)[:-1]])

    count = np.arange(n, 0, -1, dtype=np.float64)
    st, stt, sr, srr, str_ = suffix(t), suffix(t * t), suffix(r), suffix(r * r), suffix(t * r)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_t = stt - st * st / count
        cov = str_ - st * sr / count
        var_r = srr - sr * sr / count
        slope = cov / var_t
        line_sse = var_r - slope * cov
        before = np.arange(n, dtype=np.float64)
        pr, prr = prefix(r), prefix(r * r)
        flat_sse = np.where(before > 0, prr - pr * pr / np.maximum(before, 1), 0.0)
        total = np.where(count >= min_points, line_sse + flat_sse, np.inf)
    total = np.nan_to_num(total, nan=np.inf)
    best = int(np.argmin(total))
    if not np.isfinite(total[best]) or slope[best] <= 0:
        return None
    r2 = 1.0 - line_sse[best] / var_r[best] if var_r[best] > 0 else 1.0
    index = int(np.flatnonzero(ok)[best])
    return index, float(slope[best]) / 60.0, float(max(0.0, r2))


def _finding(window: Window, k: int, key: str, server: Server, direction: Literal["up", "down"],
             z: np.ndarray) -> Finding:
    series, usual = window.values[key][k], window.usual[key][k]
    sigma = float(window.sigma[key][k])
    start = _onset(z, 1.0 if direction == "up" else -1.0)
    onset = float(window.t[start]) if start is not None else None
    slope: float | None = None
    r2: float | None = None
    forecasts: list[Forecast] = []
    climbing_now = False
    rule = RULES[key]
    pinned_from = _pinned_from(series, key)
    saturated = pinned_from is not None
    limits = thresholds.limits(key, server.type)
    critical_from = _run_start(series >= limits[1]) if limits is not None else None
    if rule.trend is not None and direction == "up" and np.isfinite(series).sum() >= 10:
        # The climb ends where it stops climbing (a full disk stays at 100%): fit only up to there.
        reached = pinned_from if pinned_from is not None else len(series) - 1
        # Search for the turn near where the departure showed: over three hours the residual
        # wanders too much for "level, then line" to fit the whole window.
        lead = max(0, (start if start is not None else 0) - HINGE_LEAD_MINUTES)
        if start is not None:
            lead = max(lead, _after_earlier_event(z[:start], lead, _usual_level(z, 1.0)))
        climb = _hinge(window.t[lead:reached + 1], (series - usual)[lead:reached + 1])
        if climb is not None:
            began, per_second, r2 = climb
            began += lead
            if start is not None and began < start and len(series) - start < HINGE_MIN_POINTS:
                # Departed fewer minutes ago than a climb needs points: a fit would put the turn
                # among the flat minutes before a sudden step. It began where it departed.
                began = start
            onset = float(window.t[began]) if began > 2 else None
            # A leak found late or a burst of logs steps up before it climbs: the climb is fitted
            # from after the step (the onset stays where the metric left its level).
            fit_from = began
            for start_at in range(began + 1, min(began + STEP_MINUTES, reached - 4) + 1):
                step_slope, _, step_r2 = linear_trend(window.t[start_at:reached + 1],
                                                      series[start_at:reached + 1])
                if step_r2 > r2 + 0.05:
                    per_second, r2, fit_from = step_slope, step_r2, start_at
            slope = per_second * 60.0
            if reached >= len(series) - 3 and not saturated:  # still climbing: say when it gets there
                noise = _minute_noise(series[lead:began], sigma)
                recent = _slowed_to(window.t[:reached + 1], series[:reached + 1], slope, noise)
                if recent is not None:  # a burst that has slowed: its line would overstate the pace
                    slope, r2 = recent
                    fit_from = reached + 1 - RATE_MINUTES
                # Within two standard errors of the trend rate or above: a young fit cannot rule out
                # a leak's pace, a long level one can.
                climbing_now = slope + 2 * _slope_error(window.t[fit_from:reached + 1], noise) >= rule.trend
                span_t, span_v = window.t[fit_from:], series[fit_from:]
                targets: list[tuple[Literal["critical", "full"], float]] = [("full", CEILINGS[key])]
                if limits and series[-1] < limits[1]:
                    targets.insert(0, ("critical", limits[1]))
                for label, threshold in targets:
                    eta = time_to_threshold(span_t, span_v, threshold, min_r2=0.8,
                                            horizon_seconds=FORECAST_HORIZON)
                    if eta is not None and eta > 0:
                        forecasts.append(Forecast(label, threshold, eta))
    return Finding(
        metric=key, value=float(series[-1]), usual=float(usual[-1]), sigma=sigma, z=float(z[-1]),
        direction=direction, onset=onset, level=thresholds.level(key, float(series[-1]), server.type),
        slope=slope, r2=r2, forecasts=forecasts, saturated=saturated, climbing_now=climbing_now,
        # A run that spans the whole window (index 0) began before it: no time to tell.
        saturated_since=float(window.t[pinned_from]) if pinned_from else None,
        critical_since=float(window.t[critical_from]) if critical_from else None)


def _minute_noise(level: np.ndarray, sigma: float) -> float:
    """How much the metric wiggles from one minute to the next, from the level before a climb (its
    successive differences); the day-to-day `sigma` when too few minutes of level are at hand."""
    steps = np.diff(level[np.isfinite(level)])
    return float(np.std(steps) / np.sqrt(2)) if len(steps) >= RATE_MINUTES * 3 else sigma


def _slowed_to(t: np.ndarray, series: np.ndarray, slope: float, noise: float) -> tuple[float, float] | None:
    """(slope per minute, r²) of the last RATE_MINUTES points when they climb at under half of
    `slope` (per minute) by more than two standard errors of a slope through points that wiggle by
    `noise` a minute, else None: the climb slowed, as a burst before a slow leak does, and a line
    through the burst would state its pace and forecast its crossing too soon."""
    t, y = t[-RATE_MINUTES:], series[-RATE_MINUTES:]
    if not np.isfinite(y).all() or len(y) < RATE_MINUTES:
        return None
    per_second, _, r2 = linear_trend(t, y)
    rate = per_second * 60.0
    return (rate, r2) if rate + 2 * _slope_error(t, noise) < slope / 2 else None


def _slope_error(t: np.ndarray, noise: float) -> float:
    """Standard error (per minute) of a line's slope through points at times `t` (epoch seconds)
    that each wiggle by `noise`."""
    minutes = (t - t.mean()) / 60.0
    spread = float(np.sum(minutes ** 2))
    return noise / np.sqrt(spread) if spread > 0 else float("inf")


def ceiling_level(key: str) -> float:
    """Where a metric can be pinned at the top of its physical range (the registry's): 97.5 % and up."""
    low, high = METRICS[key].physical
    return high - SATURATION_BAND * (high - low)


def _pinned_from(series: np.ndarray, key: str) -> int | None:
    """Where the metric levelled off at the top of its range and has stayed since (0: before the
    window); None when it is not pinned there now. The level is the one it holds now (the median of
    the later half of its final run at the top), reached where it last came within its noise of it."""
    run = _run_start(series >= ceiling_level(key))
    if run is None:
        return None
    top = series[run:]
    later = top[len(top) // 2:]
    level = float(np.median(later))
    low, high = METRICS[key].physical
    noise = MAD_TO_SIGMA * float(np.median(np.abs(later - level)))
    tolerance = max(3.0 * noise, PLATEAU_TOLERANCE * (high - low))
    away = np.flatnonzero(top < level - tolerance)
    start = run + (int(away[-1]) + 1 if away.size else 0)
    plateau = series[start:]
    if plateau.size < PLATEAU_MINUTES:
        return None
    drift = float(np.polyfit(np.arange(plateau.size, dtype=np.float64), plateau, 1)[0])  # a point a minute
    return start if drift <= FLAT_DRIFT * (high - low) else None


def _run_start(over: np.ndarray) -> int | None:
    """Where the final run of True that reaches the last instant began (0: the whole window); None
    when the last instant is False."""
    if not over.size or not over[-1]:
        return None
    breaks = np.flatnonzero(~over)
    return int(breaks[-1]) + 1 if breaks.size else 0


def _row_findings(window: Window, k: int) -> dict[str, Finding]:
    """The metrics of row k that are off (or climbing), dated over the window; none for a down host."""
    server = window.servers[k]
    findings: dict[str, Finding] = {}
    if window.up[k, -1]:
        zs: dict[str, np.ndarray] = {key: robust_z(window.values[key][k], window.usual[key][k],
                                                    window.sigma[key][k]) for key in METRIC_KEYS}
        row = Window([server], window.t, {key: window.values[key][k:k + 1] for key in METRIC_KEYS},
                     window.up[k:k + 1], {key: window.usual[key][k:k + 1] for key in METRIC_KEYS},
                     {key: window.sigma[key][k:k + 1] for key in METRIC_KEYS}, 0)
        for key in METRIC_KEYS:
            direction: Literal["up", "down"] | None = None
            if departures(row, key)[0, -1]:
                direction = "down" if zs[key][-1] < 0 else "up"  # NaN: over a threshold, unseen before
            elif RULES[key].trend is not None:
                direction = "up" if climbing(row, key)[0][0] else None
            if direction is not None:
                findings[key] = _finding(window, k, key, server, direction, zs[key])
    return findings


def movements(window: Window, k: int, findings: dict[str, Finding]) -> dict[str, Finding]:
    """How the metrics of row k that are no finding moved: those that moved materially from their
    usual level (`moved`, with no anomaly bar), dated like findings, marked `anomaly=False`. Supporting
    evidence only: `name_causes` reads them as the correlates that tell a cause found from its
    symptom (a leak's CPU pressure, a congested link's traffic, a stopped service's connections);
    they are never a finding, a cause, a chart mark or an alert on their own."""
    server = window.servers[k]
    moving: dict[str, Finding] = {}
    if not window.up[k, -1]:
        return moving
    for key in METRIC_KEYS:
        if key in findings:
            continue
        rose, fell = moved(key, window.values[key][k, -1:], window.usual[key][k, -1:])
        if rose[0] or fell[0]:
            z = robust_z(window.values[key][k], window.usual[key][k], window.sigma[key][k])
            found = _finding(window, k, key, server, "up" if rose[0] else "down", z)
            moving[key] = replace(found, anomaly=False)
    return moving


def _diagnose_row(window: Window, k: int, judgement: thresholds.Judgement, findings: dict[str, Finding],
                  correlates: dict[str, Finding]) -> Diagnosis:
    server = window.servers[k]
    online = bool(window.up[k, -1])
    current = {key: float(window.values[key][k, -1]) for key in METRIC_KEYS}
    usual = {key: float(window.usual[key][k, -1]) for key in METRIC_KEYS}
    stopped_service = _stopped_main(server, judgement.not_running(k))
    if online:
        causes = name_causes(findings, stopped_service, lambda cause, other: _link(window, k, cause, other),
                             correlates)
    else:
        seen = np.flatnonzero(window.up[k])
        causes = [Cause("host_down", None, last_seen=float(window.t[seen[-1]]) if seen.size else None)]
    status = judgement.status(k)
    severity = _severity(online, findings, causes, status)
    return Diagnosis(server, online, status, current, usual, findings, causes, float(window.t[0]), severity)


def _severity(online: bool, findings: dict[str, Finding], causes: list[Cause], status: Status) -> float:
    if not online:
        return 100.0
    base = max((min(abs(f.z), MAX_SCORE) for f in findings.values()), default=0.0)
    if any(c.kind == "service_down" for c in causes):
        base = max(base, 60.0)
    return base + {Status.CRITICAL: 3.0, Status.WARNING: 1.0}.get(status, 0.0)


def _link(window: Window, k: int, cause: Finding, other: Finding) -> Link:
    """Correlate two metrics over the stretch that matters: from shortly before the cause began."""
    start = 0
    if cause.onset is not None:
        start = max(0, int(np.searchsorted(window.t, cause.onset)) - 30)
    a = window.values[cause.metric][k, start:]
    b = window.values[other.metric][k, start:]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 5:
        return Link(other, 0.0, 0)
    # Which moved first comes from the onsets: lagged correlation of two trending series mostly
    # measures the trends, and a symptom that only starts once a threshold is crossed (swapping
    # above 90% memory) is not a shifted copy of its cause anyway.
    lag = 0
    if cause.onset is not None and other.onset is not None:
        lag = round((other.onset - cause.onset) / 60.0)
    return Link(other, correlation(a[ok], b[ok]), lag)


Linker = Callable[[Finding, Finding], Link]


def unlinked(_cause: Finding, other: Finding) -> Link:
    """For values without history: nothing to correlate."""
    return Link(other, 0.0, 0)


def name_causes(findings: dict[str, Finding], stopped_service: str | None, link: Linker,
                correlates: dict[str, Finding] | None = None) -> list[Cause]:
    """Name causes from the shape of the findings (of an online host), the rest become symptoms.

    Order matters: a stopped service explains the traffic drop; a memory leak explains the CPU
    (swapping) and latency that follow it; a full disk the failing writes; a traffic surge the
    CPU and latency; latency with connections piling up and throughput falling, but CPU normal,
    is the network. Where a finding is missing, a correlate (`movements`: how a metric moved, no
    anomaly) may stand as a cause's driver or symptom, or as a stopped service's traffic drop;
    never as a cause of its own.
    """
    left = dict(findings)
    support = dict(correlates or {})
    causes: list[Cause] = []

    def take(key: str, direction: str | None = None) -> Finding | None:
        found = left.get(key)
        if found is not None and (direction is None or found.direction == direction):
            return left.pop(key)
        return None

    def evidence(key: str) -> Finding | None:
        """The finding on `key`, or else its correlate: what a cause found can be told by."""
        return left.get(key) or support.get(key)

    def use(key: str) -> Finding:
        return left.pop(key) if key in left else support.pop(key)

    def symptoms_of(cause: Finding | None, keys: Sequence[str]) -> list[Link]:
        links = []
        for key in keys:
            if evidence(key) is not None:
                found = use(key)
                links.append(link(cause, found) if cause else Link(found, 0.0, 0))
        return links

    if stopped_service:
        drop = [found for key in TRAFFIC
                if (found := evidence(key)) is not None and found.direction == "down"]
        primary = min(drop, key=lambda f: f.z) if drop else None
        if primary is not None:
            use(primary.metric)
        causes.append(Cause("service_down", primary, service=stopped_service,
                            symptoms=symptoms_of(primary, ("active_connections", "network_in",
                                                           "network_out", "response_time", "cpu"))))
    memory = take("memory", "up")
    if memory is not None:
        # Swapping starts near 90%: only then are CPU and latency the leak's doing.
        effects = ("response_time", "cpu") if memory.value >= 85 else ()
        leaking = memory.steady_climb or memory.climbing_now
        causes.append(Cause("memory_leak" if leaking else "memory_pressure", memory,
                            symptoms=symptoms_of(memory, effects)))
    disk = take("disk", "up")
    if disk is not None:
        causes.append(Cause("disk_full", disk,
                            symptoms=symptoms_of(disk, ("response_time",) if disk.value >= 95 else ())))
    cpu = take("cpu", "up")
    if cpu is not None:
        surge = [key for key in TRAFFIC if (found := evidence(key)) is not None and found.direction == "up"]
        drivers = [link(cpu, use(key)) for key in surge]
        causes.append(Cause("cpu_spike" if drivers else "cpu_runaway", cpu, drivers=drivers,
                            symptoms=symptoms_of(cpu, ("response_time",))))
    latency = take("response_time", "up")
    if latency is not None:
        piling = [key for key in TRAFFIC if (found := evidence(key)) is not None
                  and (found.direction == "up") == (key == "active_connections")]
        if piling:
            drivers = [link(latency, use(key)) for key in piling]
            causes.append(Cause("network_congestion", latency, drivers=drivers))
        else:
            causes.append(Cause("latency", latency))
    for direction, kind in (("up", "traffic_surge"), ("down", "traffic_drop")):
        moved = [left.pop(key) for key in TRAFFIC if key in left and left[key].direction == direction]
        if moved:
            primary = moved[0]
            causes.append(Cause(kind, primary, symptoms=[link(primary, f) for f in moved[1:]]))
    for cause in causes:
        cause.symptoms.sort(key=lambda link: -abs(link.finding.z))
    # The cause that began first leads; ties (or unknown onsets) go by how far off it is.
    causes.sort(key=lambda c: (c.kind not in ("service_down",), c.onset or 0.0,
                               -(abs(c.primary.z) if c.primary else 0.0)))
    return causes


# -- fleet-wide change ranking -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    server: Server
    metric: str
    score: float  # Kolmogorov-Smirnov 0..1
    before: float
    after: float
    shift: float  # median shift in σ of the metric's day-to-day spread
    unusual: bool  # also far from its usual level at this hour (not just the daily curve)


def biggest_changes(scr: Screen, limit: int = 5) -> list[Change]:
    """The metrics that changed most in the last 15 minutes against the hour before (Netdata-style).

    A cheap median shift ranks every (server, metric) first; only the leading few get the
    Kolmogorov-Smirnov score that is reported.
    """
    window = scr.window
    candidates: list[tuple[float, int, str]] = []
    for key in METRIC_KEYS:
        values = window.values[key]
        recent, base = values[:, -RECENT_MINUTES:], values[:, :-RECENT_MINUTES]
        before, after = _nan_median(base, axis=1), _nan_median(recent, axis=1)
        shift = np.nan_to_num(np.abs(after - before) / window.sigma[key])
        for k in np.argsort(-shift)[:limit * 2]:
            if shift[k] > 0:
                candidates.append((float(shift[k]), int(k), key))
    candidates.sort(reverse=True)
    changes: list[Change] = []
    for shift, k, key in candidates[:limit * 4]:
        series = window.values[key][k]
        recent, base = series[-RECENT_MINUTES:], series[:-RECENT_MINUTES]
        score = change_ranking(recent, base)
        unusual = bool(scr.flagged[key][k])
        before, after = _nan_median(np.vstack([base]), axis=1)[0], _nan_median(np.vstack([recent]), axis=1)[0]
        changes.append(Change(window.servers[k], key, score, float(before), float(after), shift, unusual))
    # Unusual first; then by how different the distributions are (KS saturates at 1 for any clean
    # shift, so the size of the shift breaks those ties).
    changes.sort(key=lambda c: (not c.unusual, -round(c.score, 1), -c.shift, c.server.position))
    seen: set[str] = set()
    result = []
    for change in changes:
        if change.server.id in seen:
            continue
        seen.add(change.server.id)
        result.append(change)
    return result[:limit]
