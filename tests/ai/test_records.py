"""Admin stats and logs are computed from exactly the queries recorded, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from openmanager_core.ai import Agent, InvalidQuery
from openmanager_core.ai.records import QueryLog, Records
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from openmanager_core.settings import Settings
from tests.ai.conftest import NOW, Broken, inject, settings_for


def run_a_known_mix(fleet: Fleet) -> tuple[Agent, list[float]]:
    """3 engine answers (one of them from the cache), 1 pattern, 1 fallback, 2 rejected."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01")
    agent = Agent(fleet)
    answers = [agent.ask("db-master-01 메모리 왜 높아?"), agent.ask("What is wrong?", priority="high"),
               agent.ask("What is wrong?", priority="high", endpoint="optimized")]
    for query in ("", "x" * 1001):
        with pytest.raises(InvalidQuery):
            agent.ask(query, endpoint="optimized")
    agent.engine = Broken()
    answers += [agent.ask("CPU 높은 서버?"), agent.ask("hello")]
    return agent, [a.metadata.processing_time for a in answers]


def check_the_mix(agent: Agent, times: list[float]) -> None:
    stats = agent.stats()
    assert (stats.total_queries, stats.answered_queries, stats.rejected_queries) == (7, 5, 2)
    # The two refusals are their own figure; the rates are over the five queries a tier worked on.
    assert stats.rejected_rate == pytest.approx(200 / 7, abs=0.01)
    assert (stats.success_rate, stats.error_rate) == (100.0, 0.0)
    assert stats.fallback_usage == 40.0 and stats.cache_hits == 1
    assert {k: v.count for k, v in stats.tiers.items()} == {
        "optimized_ai_engine": 3, "pattern_matching": 1, "fallback_system": 1}
    assert stats.tiers["optimized_ai_engine"].share == 60.0
    assert stats.average_response_time == pytest.approx(sum(times) / len(times) / 1000, abs=1e-4)
    assert 0 < stats.p50_response_time <= stats.p95_response_time <= max(times) / 1000 + 1e-4
    assert stats.errors == 2 and stats.since == NOW  # the engine errors, logged per query

    records = agent.query_records(limit=10)
    assert [r.method for r in records] == ["optimized_ai_engine"] * 3 + [None, None, "pattern_matching",
                                                                           "fallback_system"]
    assert [r.cached for r in records] == [False, False, True, False, False, False, False]
    assert [r.endpoint for r in records][:3] == ["ui", "ui", "optimized"]
    assert records[1].priority == "high" and records[3].error == "empty_query: query must not be empty."
    assert [r.processing_time for r in records if r.method] == times

    errors = agent.logs(level="error")
    assert [e.message for e in errors] == [
        "optimized_ai_engine: RuntimeError: engine exploded; handed over"] * 2
    assert all(e.tier == "optimized_ai_engine" and e.query_id for e in errors)
    assert [e.context.query for e in errors] == ["hello", "CPU 높은 서버?"]  # each line names its question
    newest = agent.logs(limit=3)
    assert [e.id for e in newest] == sorted((e.id for e in newest), reverse=True)
    assert newest[0].message == "fallback_system: answered"
    # engine, engine, cache, 2 rejections, engine + patterns, engine + patterns + fallback
    assert len(agent.logs(limit=1000)) == 10
    assert [e.message for e in agent.logs(level="warning")][:2] == [
        "pattern_matching: no answer; handed over", "rejected query (query_too_long): query must be at most "
        "1000 characters (got 1001)."]
    with pytest.raises(ValueError):
        agent.logs(level="debug")


def test_stats_and_logs_match_the_queries_made(fleet: Fleet) -> None:
    agent, times = run_a_known_mix(fleet)
    check_the_mix(agent, times)


def test_the_same_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    fleet = Fleet(settings_for(tmp_path, database_url=postgres_url), clock=lambda: NOW)
    fleet.deploy_next(19)
    agent, times = run_a_known_mix(fleet)
    check_the_mix(agent, times)


def test_a_failed_answer_is_an_error_and_a_refusal_is_not(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    agent.ask("현재 서버 상태 요약해줘")
    for query in ("", "x" * 1001, "   "):
        with pytest.raises(InvalidQuery):
            agent.ask(query)
    agent.engine, agent.patterns, agent.fallback = Broken(), Broken(), Broken()
    assert not agent.ask("CPU?").success
    stats = agent.stats()
    assert (stats.total_queries, stats.rejected_queries, stats.rejected_rate) == (5, 3, 60.0)
    assert (stats.answered_queries, stats.failed_queries) == (1, 1)
    assert (stats.success_rate, stats.error_rate) == (50.0, 50.0)  # 1 of the 2 attempted failed


def check_since(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    agent.records.clock = lambda: NOW - timedelta(hours=3)
    agent.ask("현재 서버 상태 요약해줘")
    with pytest.raises(InvalidQuery):
        agent.ask("")
    agent.records.clock = lambda: NOW - timedelta(minutes=5)
    agent.ask("CPU 높은 서버?")
    recent = agent.stats(since=NOW - timedelta(hours=1))
    assert (recent.total_queries, recent.answered_queries, recent.rejected_queries) == (1, 1, 0)
    assert recent.since == NOW - timedelta(minutes=5)
    assert recent.tiers["optimized_ai_engine"].count == 1
    assert agent.stats().total_queries == 3
    assert [r.query for r in agent.query_records(since=NOW - timedelta(hours=1))] == ["CPU 높은 서버?"]
    recent = agent.logs(limit=100, since=NOW - timedelta(hours=1))
    assert {e.context.query for e in recent} == {"CPU 높은 서버?"}
    assert len(agent.logs(limit=100)) == 3
    assert agent.stats(since=NOW).total_queries == 0


def test_since_keeps_only_what_was_recorded_from_then_on(fleet: Fleet) -> None:
    check_since(fleet)


def test_since_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    fleet = Fleet(settings_for(tmp_path, database_url=postgres_url), clock=lambda: NOW)
    fleet.deploy_next(19)
    check_since(fleet)


def test_an_empty_store_gives_zeros(fleet: Fleet) -> None:
    agent = Agent(fleet)
    stats = agent.stats()
    assert (stats.total_queries, stats.success_rate, stats.average_response_time, stats.p95_response_time,
            stats.fallback_usage, stats.errors, stats.since) == (0, 0.0, 0.0, 0.0, 0.0, 0, None)
    assert all(tier.count == 0 for tier in stats.tiers.values())
    assert agent.logs() == [] and agent.query_records() == []


def test_a_store_outage_does_not_cost_the_answer(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    agent.ask("warm up")  # the tables exist; now take them away
    with fleet.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE ai_logs")
    answer = agent.ask("현재 서버 상태 요약해줘")
    assert answer.success and answer.metadata.method == "optimized_ai_engine"


def test_records_past_retention_are_deleted_at_most_once_an_hour(fleet: Fleet) -> None:
    clock = [NOW]
    records = Records(fleet.store, lambda: clock[0], retention=timedelta(days=30))

    def record_at(after: timedelta, query: str) -> list[str]:
        """Record `query` at NOW + `after`; the queries then kept, and the queries of the log lines."""
        clock[0] = NOW + after
        records.write(QueryLog(query=query, language="en", endpoint="ui", outcome="answered",
                               processing_ms=5.0, messages=[("info", "answered", None, 5.0)]))
        kept = [r.query for r in records.queries()]
        assert [e.context.query for e in records.logs(limit=100)] == kept[::-1]
        return kept

    assert record_at(timedelta(0), "old") == ["old"]
    assert record_at(timedelta(days=20), "recent") == ["old", "recent"]
    thirty_days = timedelta(days=30)
    assert record_at(thirty_days - timedelta(minutes=10), "a") == ["old", "recent", "a"]  # not yet
    # 30 minutes after the last trim: "old" is past retention but waits for the hour.
    assert record_at(thirty_days + timedelta(minutes=20), "b") == ["old", "recent", "a", "b"]
    assert record_at(thirty_days + timedelta(minutes=51), "c") == ["recent", "a", "b", "c"]
    records.log("info", "detection ran")  # a line of its own, not due to trim either
    assert len(records.logs(limit=100)) == 5


def test_retention_is_thirty_days_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENMANAGER_RETENTION_DAYS", raising=False)
    assert Settings().retention_days == 30
    monkeypatch.setenv("OPENMANAGER_RETENTION_DAYS", "7")
    assert Settings().retention_days == 7
    with pytest.raises(ValueError):
        Settings(retention_days=0)


def test_rate_limited_questions_are_counted_by_minute_never_stored(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    agent.records.clock = lambda: NOW - timedelta(hours=2)
    for _ in range(2):
        agent.count_rate_limited()
    agent.records.clock = lambda: NOW - timedelta(minutes=5)
    agent.count_rate_limited()
    assert agent.stats().rate_limited == 3
    assert agent.stats(since=NOW - timedelta(hours=1)).rate_limited == 1
    assert agent.stats().total_queries == 0 and agent.query_records() == []
