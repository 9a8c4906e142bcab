"""Labelled NAB anomaly windows found, and false events raised, by our model and two baselines.

Runs `anomaly_flags` (defaults), global mean +/- 3 std and a trailing rolling MAD (one day,
3 sigma) on every labelled series of a Numenta Anomaly Benchmark directory (`timestamp,value`
CSVs plus `windows.json`; a `more/` folder beside them with its own `windows.json` holds series
in category folders). Scoring, the same for every method: a window is found when any flagged
point falls in it; flagged points outside every window, split into runs at 1-hour gaps, are false
events; window F1 is 2PR/(P+R) with P = found / (found + false events), R = found / windows.
Prints the table per category and in total, a leave-one-category-out validation (threshold and
margin picked on the other categories, scored on the held-out one) and a runtime figure:
1,000 series of 3 hours at 1-minute steps, against global 3-sigma on the same series.

    python -m bench.nab_detection [DATASET_DIR] [--no-loco]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from openmanager_core.__main__ import read_series_csv
from openmanager_core.analysis import (
    DEFAULT_THRESHOLD,
    MERGE_GAP,
    RECORD_MARGIN,
    anomaly_flags,
    global_three_sigma,
    rolling_mad,
)

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "nab"
TOP_CATEGORY = "realAWSCloudwatch"  # NAB's folder for the five series at the top of the directory
ROLLING_WINDOW = timedelta(days=1)
# The leave-one-category-out grid: the model's two judgement parameters, around their defaults.
THRESHOLDS = (4.0, 5.0, DEFAULT_THRESHOLD, 8.0)
MARGINS = (0.1, RECORD_MARGIN, 0.5)

Window = tuple[np.datetime64, np.datetime64]
Method = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (timestamps, values) -> flag per point


@dataclass(frozen=True)
class Series:
    category: str
    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: list[Window]


@dataclass(frozen=True)
class Tally:
    windows: int
    found: int
    false_events: int

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.windows + other.windows, self.found + other.found,
                     self.false_events + other.false_events)

    @property
    def f1(self) -> float:
        if self.found == 0:
            return 0.0
        precision = self.found / (self.found + self.false_events)
        recall = self.found / self.windows
        return 2 * precision * recall / (precision + recall)


def _windows(spans: list[list[str]]) -> list[Window]:
    return [(np.datetime64(start, "us"), np.datetime64(end, "us")) for start, end in spans]


def load_series(directory: Path = DEFAULT_DIR) -> list[Series]:
    """Every labelled series under `directory`, its own and those of `more/`, in name order."""
    found = []
    for folder in (directory, directory / "more"):
        if not (folder / "windows.json").is_file():
            continue
        labels = json.loads((folder / "windows.json").read_text())
        for name in sorted(labels):
            category = name.split("/")[0] if "/" in name else TOP_CATEGORY
            timestamps, values = read_series_csv(folder / name)
            found.append(Series(category, name, timestamps, values, _windows(labels[name])))
    return found


def score(timestamps: np.ndarray, flags: np.ndarray, windows: list[Window]) -> Tally:
    """Windows found (any flagged point inside) and false events (flagged points outside every
    window, a new event wherever two of them are more than MERGE_GAP apart)."""
    flagged = timestamps[flags]
    inside = np.zeros(flagged.size, dtype=bool)
    found = 0
    for low, high in windows:
        within = (flagged >= low) & (flagged <= high)
        found += bool(within.any())
        inside |= within
    outside = np.sort(flagged[~inside])
    gap = np.timedelta64(int(MERGE_GAP.total_seconds() * 1e6), "us")
    false_events = 0 if outside.size == 0 else 1 + int(np.count_nonzero(np.diff(outside) > gap))
    return Tally(len(windows), found, false_events)


def _step(timestamps: np.ndarray) -> float:
    return float(np.median(np.diff(timestamps).astype(float))) / 1e6


def _indices_to_flags(size: int, indices: np.ndarray) -> np.ndarray:
    flags = np.zeros(size, dtype=bool)
    flags[indices] = True
    return flags


def three_sigma_method(timestamps: np.ndarray, values: np.ndarray) -> np.ndarray:
    return _indices_to_flags(len(values), global_three_sigma(values))


def rolling_mad_method(timestamps: np.ndarray, values: np.ndarray) -> np.ndarray:
    window = max(10, round(ROLLING_WINDOW.total_seconds() / _step(timestamps)))
    return _indices_to_flags(len(values), rolling_mad(values, window))


METHODS: dict[str, Method] = {"ours": anomaly_flags, "3σ": three_sigma_method,
                              "rolling MAD": rolling_mad_method}


def by_category(series: Iterable[Series], tallies: Iterable[Tally]) -> dict[str, Tally]:
    result: dict[str, Tally] = {}
    for one, tally in zip(series, tallies, strict=True):
        result[one.category] = result.get(one.category, Tally(0, 0, 0)) + tally
    return dict(sorted(result.items()))


def evaluate(series: list[Series]) -> dict[str, dict[str, Tally]]:
    """method -> category -> tally, every method on every series."""
    return {name: by_category(series, [score(s.timestamps, method(s.timestamps, s.values), s.windows)
                                       for s in series])
            for name, method in METHODS.items()}


def total(tallies: dict[str, Tally]) -> Tally:
    return sum(tallies.values(), Tally(0, 0, 0))


def leave_one_category_out(series: list[Series]) -> dict[str, tuple[tuple[float, float], Tally]]:
    """held-out category -> ((threshold, margin) that did best on the other categories, its tally
    on the held-out one)."""
    grid = list(itertools.product(THRESHOLDS, MARGINS))
    per_setting = {setting: by_category(series, [
        score(s.timestamps, anomaly_flags(s.timestamps, s.values, threshold=setting[0], margin=setting[1]),
              s.windows) for s in series]) for setting in grid}
    categories = sorted({s.category for s in series})
    result = {}
    for held_out in categories:
        def rest_f1(setting: tuple[float, float], held_out: str = held_out) -> float:
            return sum((t for c, t in per_setting[setting].items() if c != held_out), Tally(0, 0, 0)).f1

        best = max(grid, key=rest_f1)
        result[held_out] = (best, per_setting[best][held_out])
    return result


def _f1(tally: Tally) -> str:
    return f"{tally.f1:.2f}" if tally.windows else "–"


def format_table(results: dict[str, dict[str, Tally]]) -> str:
    names = list(results)
    header = "| category | windows | " + " | ".join(f"found / false: {n} | F1: {n}" for n in names) + " |"
    lines = [header, "|---|--:|" + "--:|--:|" * len(names)]
    categories = list(next(iter(results.values())))
    for category in [*categories, "total"]:
        cells = []
        for name in names:
            tally = total(results[name]) if category == "total" else results[name][category]
            cells.append(f"{tally.found} / {tally.false_events} | {_f1(tally)}")
        windows = (total(results[names[0]]) if category == "total" else results[names[0]][category]).windows
        label = "**total**" if category == "total" else category
        lines.append(f"| {label} | {windows} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_loco(loco: dict[str, tuple[tuple[float, float], Tally]]) -> str:
    lines = ["| held-out category | threshold, margin chosen on the rest | found / false | F1 |",
             "|---|--:|--:|--:|"]
    for category, ((threshold, margin), tally) in loco.items():
        lines.append(f"| {category} | {threshold:g}, {margin:g} | {tally.found} / {tally.false_events} "
                     f"| {_f1(tally)} |")
    pooled = sum((tally for _, tally in loco.values()), Tally(0, 0, 0))
    lines.append(f"| **pooled** | | {pooled.found} / {pooled.false_events} | {_f1(pooled)} |")
    return "\n".join(lines)


def fleet_runtime(servers: int = 1000, minutes: int = 180, repeat: int = 5) -> tuple[float, float]:
    """(seconds for our model, for global 3-sigma): one metric of `servers` servers over `minutes`
    one-minute points, ours in one call on the whole matrix; medians of `repeat` runs."""
    rng = np.random.default_rng(0)
    timestamps = np.datetime64("2026-01-01T00:00", "us") + np.arange(minutes) * np.timedelta64(60, "s")
    fleet = rng.normal(40, 5, (servers, minutes))

    def timed(run: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            run()
            times.append(time.perf_counter() - began)
        return statistics.median(times)

    return (timed(lambda: anomaly_flags(timestamps, fleet)),
            timed(lambda: [global_three_sigma(values) for values in fleet]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR,
                        help="NAB directory: timestamp,value CSVs and windows.json (default: %(default)s)")
    parser.add_argument("--no-loco", action="store_true", help="skip the leave-one-category-out validation")
    args = parser.parse_args()
    if not (args.directory / "windows.json").is_file():
        parser.error(f"{args.directory} holds no windows.json: not a NAB dataset directory")
    series = load_series(args.directory)
    print(f"{len(series)} series, {sum(len(s.windows) for s in series)} windows; found / false events:\n")
    print(format_table(evaluate(series)))
    if not args.no_loco:
        print("\nLeave one category out:\n")
        print(format_loco(leave_one_category_out(series)))
    ours, baseline = fleet_runtime()
    print(f"\n1,000 series x 3 h at 1-minute steps: ours {ours * 1e3:.0f} ms (one call on the matrix), "
          f"global 3σ {baseline * 1e3:.0f} ms (a call per series); ours / 3σ {ours / baseline:.2f}")


if __name__ == "__main__":
    main()
