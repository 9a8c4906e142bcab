"""The agent under concurrent work: answer slots, a bounded tier pool, budgets that stop work, waits
that end."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from openmanager_core.ai import Agent, AgentBusy, StreamStalled
from openmanager_core.ai import agent as agent_module
from openmanager_core.ai.agent import Workers, run_tier
from openmanager_core.ai.engine import Emit
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.ai.conftest import Broken, Stall


def agent_with(fleet: Fleet, **parts: object) -> Agent:
    settings = {k: v for k, v in parts.items() if k.startswith("ai_")}
    tiers = {k: v for k, v in parts.items() if not k.startswith("ai_")}
    return Agent(fleet, fleet.settings.model_copy(update=settings), use_cache=False, **tiers)  # type: ignore[arg-type]


class Stepping:
    """A tier that reports a step, blocks until released, then tries its next step."""

    def __init__(self) -> None:
        self.release, self.finished = threading.Event(), threading.Event()
        self.reached_second_step = False

    def answer(self, _question: object, emit: Emit) -> None:
        try:
            emit("analyzing", "first")
            self.release.wait(30)
            emit("pattern_matching", "second")
            self.reached_second_step = True
        finally:
            self.finished.set()


class Counting:
    """A tier that only counts the times it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def answer(self, _question: object, _emit: object) -> None:
        self.calls += 1


@pytest.fixture
def stepping() -> Iterator[Stepping]:
    tier = Stepping()
    yield tier
    tier.release.set()


def test_past_its_answer_slots_the_agent_is_busy_at_once(fleet: Fleet, stall: Stall) -> None:
    agent = agent_with(fleet, engine=stall, ai_max_concurrent=1, ai_engine_budget_seconds=30,
                       ai_total_budget_seconds=60)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(agent.ask, "CPU 높은 서버?")
        assert stall.started.wait(10)
        for attempt in (lambda: agent.ask("디스크는?"), lambda: agent.stream("메모리는?"),
                        agent.detect_anomalies, agent.self_test):
            with pytest.raises(AgentBusy) as busy:
                attempt()
            assert (busy.value.slots, busy.value.retry_after) == (1, 60)
        stall.release.set()
        assert first.result(timeout=30).metadata.method == "pattern_matching"
    assert agent.ask("디스크는?").success  # the slot is free again
    assert agent.stats().total_queries == 2  # a busy refusal writes nothing


def test_the_default_is_one_answer_slot_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENMANAGER_AI_MAX_CONCURRENT", raising=False)
    assert Settings().ai_max_concurrent == (os.cpu_count() or 1)
    monkeypatch.setenv("OPENMANAGER_AI_MAX_CONCURRENT", "7")
    assert Settings().ai_max_concurrent == 7


def test_a_tier_past_its_budget_stops_at_its_next_step(fleet: Fleet, stepping: Stepping) -> None:
    answer = agent_with(fleet, engine=stepping, ai_engine_budget_seconds=0.2).ask("CPU 높은 서버?")
    assert answer.metadata.tier_attempts[0].error == "timed out after 0.2 s"
    stepping.release.set()
    assert stepping.finished.wait(10)
    assert not stepping.reached_second_step


def test_no_tier_starts_once_the_answers_budget_is_spent(fleet: Fleet, stall: Stall) -> None:
    patterns = Counting()
    answer = agent_with(fleet, engine=stall, patterns=patterns, ai_engine_budget_seconds=0.2,
                        ai_total_budget_seconds=0.2).ask("CPU 높은 서버?")
    assert patterns.calls == 0
    engine, *rest = answer.metadata.tier_attempts
    # Timed out after what was left of the 0.2 s (less when the machine is slow to start the tier).
    assert engine.tier == "optimized_ai_engine" and (engine.error or "").startswith("timed out after 0.")
    assert [(a.tier, a.error) for a in rest] == [
        ("pattern_matching", "skipped: the answer's budget was spent"), ("fallback_system", None)]
    assert answer.metadata.method == "fallback_system" and answer.success


def test_a_queued_tier_whose_budget_ran_out_never_starts(stall: Stall) -> None:
    workers = Workers(1, "test")
    late = Counting()
    first = threading.Thread(target=run_tier, args=("first", lambda _emit: stall.answer(None, None), 30, None,
                                                   workers))
    first.start()
    assert stall.started.wait(10)
    outcome = run_tier("queued", lambda _emit: late.answer(None, None), 0.1, None, workers)
    assert outcome.timed_out
    stall.release.set()
    first.join(10)
    after = threading.Event()
    workers.submit(after.set)  # runs after the queued one was taken off the queue
    assert after.wait(10)
    assert late.calls == 0


def test_a_stream_that_gets_no_step_in_time_ends(fleet: Fleet, stall: Stall,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agent_module, "STREAM_SLACK_SECONDS", 0.2)
    # The last tier has no budget of its own: stalled there, the answer sends no more steps.
    agent = agent_with(fleet, engine=Broken(), patterns=Broken(), fallback=stall, ai_total_budget_seconds=0.2)
    steps = agent.stream("CPU 높은 서버?")
    seen = []
    with pytest.raises(StreamStalled):
        for step in steps:
            seen.append(step.step)
    assert "completed" not in seen


def test_a_job_that_raises_does_not_cost_the_pool_its_thread() -> None:
    workers = Workers(1, "test")

    def broken() -> None:
        raise RuntimeError("bug in a job")

    done = threading.Event()
    workers.submit(broken)
    workers.submit(done.set)
    assert done.wait(10)
