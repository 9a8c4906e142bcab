"""Rate limiter: path classes, moving window in memory and in a real Redis, Redis failing over."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from limits import parse

from openmanager_core.security.ratelimit import RateLimiter, RatePolicy, limit_class
from openmanager_core.settings import Settings

T = TypeVar("T")


def run_isolated(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on a fresh event loop in its own thread: Playwright's sync API keeps a loop
    running on the main thread for the whole session once the browser fixture starts."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize("path, name", [
    ("/ai-agent/optimized", "ai"), ("/ai-agent/admin/logs", "ai"), ("/servers/next", "next"),
    ("/servers", "default"), ("/servers/next-gen", "default"), ("/health", "default"),
    ("/auth/token", "default"),
])
def test_limit_classes(path: str, name: str) -> None:
    assert limit_class(path) == name


def test_policy_from_settings_and_zero_turns_a_class_off() -> None:
    policy = RatePolicy.from_settings(Settings(rate_limit_ai="0", rate_limit_next="5/second"))
    assert policy.limit_for("/ai-agent/query") == ("ai", None)
    name, item = policy.limit_for("/servers/next")
    assert name == "next" and item is not None and (item.amount, item.get_expiry()) == (5, 1)
    default = policy.limit_for("/servers")[1]
    assert default is not None and (default.amount, default.get_expiry()) == (300, 60)


def test_bad_limit_string_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="rate_limit_default"):
        Settings(rate_limit_default="lots")


def test_memory_moving_window_per_client_and_class() -> None:
    async def scenario() -> None:
        limiter = RateLimiter()
        item = parse("3/minute")
        verdicts = [await limiter.hit(item, "default", "ip:a") for _ in range(4)]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
        now = time.time()
        assert now < verdicts[-1].reset_at <= now + 60
        assert 1 <= verdicts[-1].retry_after(now) <= 60
        assert limiter.backend == "memory"
        # Another client, or the same client on another class with the same limit, starts afresh.
        assert (await limiter.hit(item, "default", "ip:b")).allowed
        assert (await limiter.hit(item, "next", "ip:a")).allowed

    run_isolated(scenario())


def test_replicas_share_one_redis_budget(redis_url: str) -> None:
    async def scenario() -> None:
        first, second = RateLimiter(redis_url), RateLimiter(redis_url)
        item = parse("4/minute")
        allowed = [(await limiter.hit(item, "default", "ip:a")).allowed
                   for limiter in (first, second, first, second, first)]
        assert allowed == [True, True, True, True, False]
        assert first.backend == second.backend == "redis"

    run_isolated(scenario())


@pytest.mark.parametrize("shared", ["memory", "redis"])
def test_a_page_and_the_api_draw_on_one_budget(shared: str, request: pytest.FixtureRequest) -> None:
    """`hit_blocking` (the AI page, no event loop) counts with `hit` (the API middleware)."""
    url = request.getfixturevalue("redis_url") if shared == "redis" else None
    api = RateLimiter(url)
    page = api if url is None else RateLimiter(url)  # in Redis: even another replica's page
    item = parse("3/minute")
    allowed = [page.hit_blocking(item, "ai", "key:k1").allowed,
               run_isolated(api.hit(item, "ai", "key:k1")).allowed,
               *(page.hit_blocking(item, "ai", "key:k1").allowed for _ in range(2))]
    assert allowed == [True, True, True, False]
    assert page.backend == shared


def test_memory_limiters_do_not_share() -> None:
    """The contrast to the Redis test above: without Redis each process counts alone."""
    async def scenario() -> None:
        first, second = RateLimiter(), RateLimiter()
        item = parse("2/minute")
        allowed = [(await limiter.hit(item, "default", "ip:a")).allowed
                   for limiter in (first, second, first, second)]
        assert allowed == [True, True, True, True]

    run_isolated(scenario())


def test_redis_down_counts_in_memory_then_returns(redis_server, redis_url: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    limiter = RateLimiter(redis_url, retry_seconds=5, clock=lambda: now[0])
    item = parse("100/minute")

    async def hits(count: int) -> list[int]:
        return [(await limiter.hit(item, "default", "ip:a")).remaining for _ in range(count)]

    async def scenario() -> None:
        assert await hits(2) == [99, 98]
        assert limiter.backend == "redis"
        redis_server.stop()
        with caplog.at_level(logging.INFO, logger="openmanager.security"):
            started = time.perf_counter()
            assert await hits(3) == [99, 98, 97]  # a fresh budget in memory, no error
            assert time.perf_counter() - started < 2
            assert limiter.backend == "memory"
            redis_server.start()  # starts empty
            assert await hits(1) == [96]  # still in memory until the retry interval passes
            now[0] += 5
            assert await hits(1) == [99]  # counted in the (fresh) Redis again
            assert limiter.backend == "redis"
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "Redis failed" in warnings[0].getMessage()
        assert "reachable again" in caplog.text

    run_isolated(scenario())
    with redis_server.client() as client:
        assert client.keys("openmanager:ratelimit*")
