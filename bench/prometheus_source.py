"""The AI over 20 real hosts read from a local Prometheus, against the same answers over the
simulated fleet of 20 in the same run.

    python -m bench.prometheus_source [--runs 5]

Starts node_exporter and Prometheus on loopback (tests/services.py), scraped once per second under
20 instance names, waits until Prometheus holds all 20, then times the AI engine's answers in
process. "cold" is the first answer (every range query asked), "warm" the ones after it in the
same minute (finished windows come from the source's cache; the present is always asked).
Prints figures, the HTTP queries per answer and the ratio to the target of 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.services import start_metrics_stack, wait_for

HOSTS = tuple(f"node-{k:02d}" for k in range(1, 21))
QUESTIONS = ("지금 문제 있는 서버는?", "why is node-07 slow?", "Is any disk filling up?")
TARGET_S = 1.0


def _timed(agent: Agent, question: str) -> float:
    started = time.perf_counter()
    answer = agent.ask(question)
    elapsed = time.perf_counter() - started
    assert answer.metadata.method == "optimized_ai_engine", answer.metadata
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    stack = start_metrics_stack(*HOSTS)
    try:
        folder = Path(tempfile.mkdtemp(prefix="openmanager-bench-"))
        real = Fleet(Settings(database_url=f"sqlite:///{folder}/real.db", source="prometheus",
                              prometheus_url=stack.url, redis_url=None, llm_base_url=None))
        wait_for(lambda: len(real.states()) == len(HOSTS), timeout=60, what="20 hosts in Prometheus")
        simulated = Fleet(Settings(database_url=f"sqlite:///{folder}/simulated.db", redis_url=None,
                                   llm_base_url=None))
        simulated.deploy_next(simulated.total - 1)
        queries = 0
        source_get = real.source._http.get  # type: ignore[attr-defined]

        def counted(*args: object, **kwargs: object) -> object:
            nonlocal queries
            queries += 1
            return source_get(*args, **kwargs)

        real.source._http.get = counted  # type: ignore[attr-defined]
        rows = []
        for name, fleet in (("simulated (baseline)", simulated), ("prometheus, 20 hosts", real)):
            agent = Agent(fleet, use_cache=False)
            queries = 0
            cold = _timed(agent, QUESTIONS[0])
            cold_queries = queries
            queries = 0
            warm = [_timed(agent, q) for _ in range(runs) for q in QUESTIONS]
            rows.append((name, cold, cold_queries, statistics.median(warm), max(warm),
                         queries / len(warm)))
        print(f"{'source':24} {'cold s':>8} {'queries':>8} {'warm p50 s':>11} {'warm max s':>11} "
              f"{'queries':>8} {'ratio':>6}")
        for name, cold, cold_queries, p50, worst, per in rows:
            print(f"{name:24} {cold:8.3f} {cold_queries:8d} {p50:11.3f} {worst:11.3f} {per:8.1f} "
                  f"{TARGET_S / max(cold, worst):6.2f}")
        print(f"ratio = target {TARGET_S:g} s / slowest answer (>= 1 meets it); "
              f"prometheus / simulated (warm p50): {rows[1][3] / rows[0][3]:.2f}x")
    finally:
        stack.cleanup()


if __name__ == "__main__":
    main()
