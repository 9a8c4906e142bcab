"""Command line of the core: `python -m openmanager_core detect FILE.csv` prints anomalies as JSON."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .analysis import DEFAULT_SEASONAL_PERIOD, DEFAULT_THRESHOLD, detect_anomalies


class InputError(ValueError):
    """A file that can't be read as a `timestamp,value` series; the message names the place."""


def _parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    # Offsets ("+09:00", "Z") are honoured by converting to UTC, so one file can't mix clocks.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def read_series_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(timestamps as datetime64[us], values) of a CSV with a `timestamp,value` header (NAB format).

    Raises InputError, naming the line, for anything else: a missing file, no header, a bad
    timestamp or a value that isn't a finite number.
    """
    moments: list[datetime] = []
    values: list[float] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # -sig: Excel's BOM
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is None:
                raise InputError("the file is empty; expected a 'timestamp,value' header line")
            names = [name.strip().lower() for name in header]
            if "timestamp" not in names or "value" not in names:
                raise InputError(f"expected a 'timestamp,value' header line, got {','.join(header)!r}")
            at, column = names.index("timestamp"), names.index("value")
            for row in rows:
                if not row or not "".join(row).strip():
                    continue  # blank lines, e.g. a trailing one
                line = rows.line_num
                if len(row) <= max(at, column):
                    raise InputError(f"line {line}: expected {len(names)} columns, got {len(row)}")
                try:
                    moments.append(_parse_timestamp(row[at]))
                except ValueError:
                    raise InputError(f"line {line}: bad timestamp {row[at]!r}") from None
                try:
                    value = float(row[column])
                except ValueError:
                    raise InputError(f"line {line}: bad value {row[column]!r}") from None
                if not math.isfinite(value):
                    raise InputError(f"line {line}: value {row[column]!r} is not a finite number")
                values.append(value)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file") from None
    except csv.Error as exc:
        raise InputError(f"not a valid CSV file ({exc})") from None
    if not values:
        raise InputError("no data rows after the header")
    return np.array(moments, dtype="datetime64[us]"), np.array(values, dtype=float)


def _detect(args: argparse.Namespace) -> int:
    try:
        timestamps, values = read_series_csv(args.file)
    except InputError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    anomalies = detect_anomalies(timestamps, values, threshold=args.threshold,
                                 seasonal_period=None if args.no_seasonal else DEFAULT_SEASONAL_PERIOD,
                                 direction=args.direction)
    report = {
        "anomalies": [{"timestamp": a.timestamp.isoformat(sep=" "), "value": a.value,
                       "score": round(a.score, 3)} for a in anomalies],
        "points": len(values),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openmanager_core",
                                     description="OpenManager core tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    detect = commands.add_parser(
        "detect", help="anomalies in a timestamp,value CSV, as JSON",
        description="Print the anomalous events of a `timestamp,value` CSV (NAB format) as JSON: "
                    '{"anomalies": [{"timestamp", "value", "score"}], "points": N}.')
    detect.add_argument("file", metavar="FILE.csv", help="CSV with a timestamp,value header line")
    detect.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"robust z-score an anomaly must reach (default {DEFAULT_THRESHOLD:g})")
    detect.add_argument("--no-seasonal", action="store_true",
                        help="don't compare with the same time on previous days")
    detect.add_argument("--direction", choices=("both", "up", "down"), default="both",
                        help="report only rises, only drops, or both (default)")
    detect.set_defaults(run=_detect)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    exit_code: int = args.run(args)  # argparse's Namespace is untyped; `run` is one of the commands above
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
