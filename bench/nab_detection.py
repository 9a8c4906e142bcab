"""Labelled NAB anomaly windows found, and false alarms raised, by our detector and by global 3-sigma.

Runs `detect_anomalies` (defaults) and the plain mean +/- 3 std baseline on every `*.csv`
series of a Numenta Anomaly Benchmark directory (`timestamp,value` CSVs plus `windows.json`).
Both methods' hits are collapsed into events the same way (hits under an hour apart are one
event), and an event counts when it starts, i.e. when an alarm would have gone off: inside a
labelled window it finds that window; outside every window it is a false alarm. Runtimes are
medians of several runs. Prints a table per file, the total, and the ratios ours / baseline.

    python -m bench.nab_detection [DATASET_DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openmanager_core.__main__ import read_series_csv
from openmanager_core.analysis import MERGE_GAP, detect_anomalies, global_three_sigma

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "nab"

Window = tuple[np.datetime64, np.datetime64]


@dataclass(frozen=True)
class Outcome:
    found: int  # labelled windows with at least one event starting inside them
    false_alarms: int  # events starting outside every window
    seconds: float  # median runtime of the method on the series


@dataclass(frozen=True)
class Row:
    series: str
    points: int
    windows: int
    ours: Outcome
    baseline: Outcome


def load_windows(directory: Path) -> dict[str, list[Window]]:
    labels = json.loads((directory / "windows.json").read_text())
    return {name: [(np.datetime64(start, "us"), np.datetime64(end, "us")) for start, end in spans]
            for name, spans in labels.items()}


def event_starts(timestamps: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """First timestamp of each run of hits, a run ending where the next hit is over MERGE_GAP later:
    the same collapsing detect_anomalies does, so that the baseline isn't charged per point."""
    moments = np.sort(timestamps[hits])
    if moments.size == 0:
        return moments
    gaps = np.diff(moments) > np.timedelta64(int(MERGE_GAP.total_seconds() * 1e6), "us")
    return moments[np.concatenate([[True], gaps])]


def score(starts: np.ndarray, windows: list[Window]) -> tuple[int, int]:
    """(windows found, false alarms) for these event start times."""
    found: set[int] = set()
    false_alarms = 0
    for start in starts:
        inside = [i for i, (low, high) in enumerate(windows) if low <= start <= high]
        found.update(inside)
        false_alarms += not inside
    return len(found), false_alarms


def _timed(run: Callable[[], np.ndarray], repeat: int) -> tuple[np.ndarray, float]:
    times, result = [], np.empty(0)
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return result, statistics.median(times)


def evaluate(directory: Path = DEFAULT_DIR, repeat: int = 5) -> list[Row]:
    """One Row per labelled series in `directory`, in name order."""
    windows = load_windows(directory)
    rows = []
    for name in sorted(windows):
        timestamps, values = read_series_csv(directory / name)

        def ours(timestamps: np.ndarray = timestamps, values: np.ndarray = values) -> np.ndarray:
            return np.array([np.datetime64(a.start, "us") for a in detect_anomalies(timestamps, values)],
                            dtype="datetime64[us]")

        def baseline(timestamps: np.ndarray = timestamps, values: np.ndarray = values) -> np.ndarray:
            return event_starts(timestamps, global_three_sigma(values))

        our_starts, our_seconds = _timed(ours, repeat)
        base_starts, base_seconds = _timed(baseline, repeat)
        rows.append(Row(name, len(values), len(windows[name]),
                        Outcome(*score(our_starts, windows[name]), our_seconds),
                        Outcome(*score(base_starts, windows[name]), base_seconds)))
    return rows


def total(rows: list[Row]) -> Row:
    def summed(pick: Callable[[Row], Outcome]) -> Outcome:
        return Outcome(sum(pick(r).found for r in rows), sum(pick(r).false_alarms for r in rows),
                       sum(pick(r).seconds for r in rows))

    return Row("total", sum(r.points for r in rows), sum(r.windows for r in rows),
               summed(lambda r: r.ours), summed(lambda r: r.baseline))


def _ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}" if baseline else ("1.00" if ours == baseline else "inf")


def format_table(rows: list[Row]) -> str:
    lines = ["| series | points | windows | found: ours | found: 3σ | false alarms: ours "
             "| false alarms: 3σ | ms: ours | ms: 3σ |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in [*rows, total(rows)]:
        name = f"**{row.series}**" if row.series == "total" else f"`{row.series.removesuffix('.csv')}`"
        lines.append(f"| {name} | {row.points} | {row.windows} | {row.ours.found} | {row.baseline.found} "
                     f"| {row.ours.false_alarms} | {row.baseline.false_alarms} "
                     f"| {row.ours.seconds * 1e3:.1f} | {row.baseline.seconds * 1e3:.2f} |")
    summary = total(rows)
    lines.append("")
    lines.append(f"ours / 3σ: windows found {_ratio(summary.ours.found, summary.baseline.found)}, "
                 f"false alarms {_ratio(summary.ours.false_alarms, summary.baseline.false_alarms)}, "
                 f"runtime {_ratio(summary.ours.seconds, summary.baseline.seconds)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR,
                        help="NAB directory: timestamp,value CSVs and windows.json (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per method and series; the median time is shown")
    args = parser.parse_args()
    if not (args.directory / "windows.json").is_file():
        parser.error(f"{args.directory} holds no windows.json: not a NAB dataset directory")
    print(format_table(evaluate(args.directory, max(1, args.repeat))))


if __name__ == "__main__":
    main()
