"""How well the AI answers what on-call engineers ask: every case of `tests/ai/cases/` played on a
real fleet and graded; the score by category and overall, and the answers' p95 latency.

    python -m bench.ai_quality [--category history] [--case ID] [--verbose]

Each case gets its own SQLite store in a temporary folder and the simulated 20-server fleet, its
incidents started (and cleared) at their moments on a clock moved to the question's instant, the
alert evaluator looking after each change so the event timeline holds what it would. The LLM is
off: this grades the analytic answer, which is also what an LLM is grounded on.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.ai_cases import CATEGORIES, Result, Score, load_cases, p95_seconds, run_case, scores


def report(results: Sequence[Result], verbose: bool = False) -> str:
    """The failures (with the checks that failed), then the score table and the p95 latency."""
    lines: list[str] = []
    for result in results:
        if result.passed:
            continue
        failed = "; ".join(f"{c.name}" + (f" ({c.detail})" if c.detail else "") for c in result.failed)
        lines.append(f"FAIL {result.case.category}/{result.case.id}: {failed}")
        if verbose:
            lines.extend("    " + line for line in result.answer.text.splitlines())
    table = score_table(scores(results))
    lines += ["", table, "", f"AI answer p95 latency over {len(results)} cases: "
              f"{p95_seconds(results) * 1000:,.0f} ms"]
    return "\n".join(lines).lstrip("\n")


def score_table(by_category: dict[str, Score]) -> str:
    rows = [("category", "passed", "score", "")]
    for name, score in by_category.items():
        rows.append((name, f"{score.passed} / {score.total}", f"{score.percent:.0f} %",
                     CATEGORIES.get(name, "")))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a.ljust(widths[0])}  {b.rjust(widths[1])}  {c.rjust(widths[2])}  {d}".rstrip()
                     for a, b, c, d in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", choices=list(CATEGORIES), help="only this category's cases")
    parser.add_argument("--case", help="only the case with this id")
    parser.add_argument("--verbose", action="store_true", help="print the answer of each failed case")
    args = parser.parse_args()
    cases = [c for c in load_cases() if (args.category is None or c.category == args.category)
             and (args.case is None or c.id == args.case)]
    if not cases:
        parser.error("no case matches")
    results = []
    for case in cases:
        print(f"{case.category}/{case.id} ...", flush=True, end=" ")
        result = run_case(case)
        print("pass" if result.passed else "FAIL", flush=True)
        results.append(result)
    print()
    print(report(results, args.verbose))


if __name__ == "__main__":
    main()
