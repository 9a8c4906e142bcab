"""What one alert evaluation costs, beside what it reads, in the same run.

    python -m bench.alert_evaluation [--runs 5] [--sizes 20 1000]

For each fleet size, an in-process Fleet over a fresh SQLite store, wholly deployed, with the
demo's incidents running (run_all.INCIDENTS) plus a host down, so rules fire and alerts are
written. Times, per evaluation (median of `runs` after a first one that seeds rules and opens
the alerts):

- the baseline: `Fleet.now()` from a cold snapshot (the one judgement every page reads) plus
  tier 1's `Engine.anomalies` (the diagnoses the anomaly and forecast rules need): the reads;
- the evaluation: `AlertEvaluator.evaluate()`, which takes those reads and applies every rule's
  lifecycle, the status timeline and the store writes (no channels: delivery is off the loop).

Prints both, the evaluation's overhead over its reads, and its share of one core at the default
interval (OPENMANAGER_ALERT_INTERVAL_SECONDS, 15 s): the target is at most 10 % of a core at 1,000.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.run_all import INCIDENTS
from openmanager_core.ai.engine import Engine
from openmanager_core.alerts.conditions import MAX_DIAGNOSED
from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.alerts.models import AlertState
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from openmanager_core.settings import Settings

CORE_SHARE_TARGET = 10.0  # % of one core at 1,000 servers, default interval


def _median_ms(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


class SteppedClock:
    """Real time, plus a second more at each `step`: every timed look is a new second, so it reads a
    cold snapshot, as an evaluation `interval` seconds after the last one does."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def step(self) -> None:
        self.ahead += timedelta(seconds=1)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def measure(folder: Path, size: int, runs: int) -> tuple[float, float, int, float]:
    """(reads ms, evaluation ms, alerts pending or firing, interval s) for a fleet of `size`."""
    clock = SteppedClock()
    fleet = Fleet(Settings(database_url=f"sqlite:///{folder}/alerts-{size}.db", fleet_size=size,
                           redis_url=None, llm_base_url=None), clock=clock)
    fleet.deploy_next(size - 1)
    now = datetime.now(UTC)
    for kind, host, minutes in INCIDENTS:
        fleet.inject(IncidentType(kind), host, Severity.HIGH, now - timedelta(minutes=minutes))
    fleet.inject(IncidentType.HOST_DOWN, "file-server-nfs", Severity.HIGH, now - timedelta(minutes=5))
    engine = Engine(fleet)

    def reads() -> None:
        clock.step()
        fleet.now()
        engine.anomalies(MAX_DIAGNOSED)

    evaluator = AlertEvaluator(fleet, Notifier(fleet.settings, fleet.store, fleet.clock, channels=[]))

    def evaluation() -> None:
        clock.step()
        evaluator.evaluate()

    evaluation()  # seeds the rules, opens the alerts: the steady state is what repeats
    read_ms = _median_ms(reads, runs)
    evaluation_ms = _median_ms(evaluation, runs)
    active = len(fleet.store.alerts((AlertState.PENDING, AlertState.FIRING), limit=1_000_000))
    return read_ms, evaluation_ms, active, fleet.settings.alert_interval_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 1_000])
    args = parser.parse_args()
    print(f"{'servers':>8} {'reads ms':>9} {'evaluate ms':>12} {'overhead':>9} {'open':>7} "
          f"{'core %':>7} {'ratio':>6}")
    with tempfile.TemporaryDirectory(prefix="openmanager-bench-") as tmp:
        for size in args.sizes:
            read_ms, evaluation_ms, active, interval = measure(Path(tmp), size, args.runs)
            share = evaluation_ms / 1000 / interval * 100
            print(f"{size:8,} {read_ms:9.1f} {evaluation_ms:12.1f} {evaluation_ms / read_ms:8.2f}x "
                  f"{active:7d} {share:6.2f}% {CORE_SHARE_TARGET / share:6.1f}")
    print(f"core % = one evaluation per interval; ratio = target {CORE_SHARE_TARGET:g} % / core % "
          "(>= 1 meets it); overhead = evaluation / its reads; open = alerts pending or firing")


if __name__ == "__main__":
    main()
