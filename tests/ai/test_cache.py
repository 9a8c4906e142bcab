"""The answer cache: memory by default, Redis when configured; a cache that is down is no cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from openmanager_core.ai import Agent
from openmanager_core.ai.cache import MemoryCache, RedisCache, cache_key, make_cache
from openmanager_core.ai.models import AgentAnswer, AnswerMetadata
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from tests.ai.conftest import NOW, Broken, inject
from tests.services import RedisServer


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_memory_cache_expires_and_stays_bounded() -> None:
    ticks = [0.0]
    cache = MemoryCache(300, entries=2, clock=lambda: ticks[0])
    answer = AgentAnswer(success=True, response="r", metadata=AnswerMetadata(
        processing_time=1.0, method="optimized_ai_engine", fallback_used=False, analysis_depth="advanced",
        language="en"))
    cache.put("a", answer)
    ticks[0] = 299.0
    assert cache.get("a") == (answer, 299.0)
    ticks[0] = 300.0
    assert cache.get("a") is None
    for key in ("x", "y", "z"):
        cache.put(key, answer)
    assert cache.get("x") is None and cache.get("z") is not None


def test_a_second_identical_question_is_answered_from_memory(make_fleet: Callable[..., Fleet]) -> None:
    clock = Clock(NOW)
    fleet = make_fleet()
    fleet.clock = clock
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01")
    agent = Agent(fleet)
    first = agent.ask("Why is web-prod-01 slow?")
    again = agent.ask("  why is WEB-PROD-01 slow?")  # the same question, typed differently
    assert not first.metadata.cached and again.metadata.cached
    assert again.response == first.response and again.metadata.tier_attempts == []
    clock.now = NOW + timedelta(minutes=1)  # the fleet moved on: a new answer
    assert not agent.ask("Why is web-prod-01 slow?").metadata.cached
    inject(fleet, IncidentType.HOST_DOWN, "vault-secrets")  # so did the incident set
    assert not agent.ask("Why is web-prod-01 slow?").metadata.cached
    assert not agent.ask("web-prod-01 왜 느려?").metadata.cached  # another language, another answer
    stats = agent.stats()
    assert (stats.total_queries, stats.cache_hits) == (5, 1)


def test_fallback_answers_are_not_cached(fleet: Fleet) -> None:
    agent = Agent(fleet, engine=Broken())
    agent.ask("CPU 상태")
    assert not agent.ask("CPU 상태").metadata.cached


def test_redis_cache_hit_then_redis_down_still_answers(fleet: Fleet, redis_url: str,
                                                       redis_server: RedisServer) -> None:
    agent = Agent(fleet, fleet.settings.model_copy(update={"redis_url": redis_url}))
    assert isinstance(agent.cache, RedisCache)
    first = agent.ask("현재 서버 상태 요약해줘")
    with redis_server.client() as client:
        assert len(client.keys("openmanager:ai:answer:*")) == 1
        assert client.ttl(client.keys("openmanager:ai:answer:*")[0]) > 290
    # A second agent (another replica) shares the answer through Redis.
    other = Agent(fleet, fleet.settings.model_copy(update={"redis_url": redis_url}))
    hit = other.ask("현재 서버 상태 요약해줘")
    assert hit.metadata.cached and hit.response == first.response

    redis_server.stop()
    try:
        down = agent.ask("현재 서버 상태 요약해줘")
        assert down.success and not down.metadata.cached and down.response == first.response
        assert agent.status().cache.status == "down"
        assert agent.ask("What is wrong?").success  # while down, no further timeouts or errors
    finally:
        redis_server.start()


def test_cache_choice_follows_settings(fleet: Fleet) -> None:
    settings = fleet.settings
    assert isinstance(make_cache(settings), MemoryCache)
    assert make_cache(settings.model_copy(update={"ai_cache_seconds": 0})) is None
    redis_settings = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    assert isinstance(make_cache(redis_settings), RedisCache)
    assert cache_key("a", 1, ["x"]) == cache_key("a", 1, ["x"]) != cache_key("a", 2, ["x"])
