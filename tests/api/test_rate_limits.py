"""Rate limits on the API: 429 with Retry-After, X-RateLimit-* always, per client, shared via Redis."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.api.conftest import MakeClient

ADMIN_KEY = "admin-key-0123456789abcdef"


def budget(response) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(X-RateLimit-Limit, X-RateLimit-Remaining), checking X-RateLimit-Reset on the way."""
    reset = int(response.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    return int(response.headers["X-RateLimit-Limit"]), int(response.headers["X-RateLimit-Remaining"])


def assert_limited(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert budget(response)[1] == 0


def test_over_the_limit_gets_429_and_every_answer_carries_the_budget(
        make_client: MakeClient) -> None:
    client = make_client(rate_limit_default="3/minute")
    answers = [client.get("/servers") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [budget(a) for a in answers] == [(3, 2), (3, 1), (3, 0)]
    assert_limited(client.get("/servers"))
    assert_limited(client.get("/incidents"))  # the same "default" budget
    assert client.get("/servers/next").status_code == 200  # another class, its own budget


def test_classes_ai_next_and_default(make_client: MakeClient) -> None:
    client = make_client(rate_limit_ai="1/minute", rate_limit_next="2/minute",
                         rate_limit_default="5/minute")
    assert budget(client.get("/servers/next")) == (2, 1)
    assert budget(client.post("/servers/next")) == (2, 0)
    assert_limited(client.get("/servers/next"))
    assert budget(client.get("/ai-agent/anything")) == (1, 0)
    assert_limited(client.post("/ai-agent/anything"))
    assert budget(client.get("/health")) == (5, 4)


def test_zero_turns_a_limit_off(make_client: MakeClient) -> None:
    client = make_client(rate_limit_default="0", rate_limit_next="1/minute")
    answers = [client.get("/servers") for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert "X-RateLimit-Limit" not in answers[-1].headers
    assert client.get("/servers/next").status_code == 200
    assert_limited(client.get("/servers/next"))


def test_budgets_are_per_key_else_per_address(make_client: MakeClient) -> None:
    settings = {"rate_limit_default": "2/minute", "api_keys": ADMIN_KEY}
    here = make_client(client=("203.0.113.5", 1), **settings)
    for _ in range(2):
        assert here.get("/servers").status_code == 200
    assert_limited(here.get("/servers"))
    # Same address with a valid key: the key's own budget.
    with_key = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert budget(here.get("/servers", headers=with_key)) == (2, 1)
    # Made-up credentials do not buy a fresh budget: they count against the address.
    assert_limited(here.get("/servers", headers={"Authorization": "Bearer made-up-key-0000000000"}))
    # Another address has its own budget (the same app, so the same limiter).
    there = TestClient(here.app, client=("198.51.100.9", 1))
    assert budget(there.get("/servers")) == (2, 1)


def test_two_app_instances_share_one_redis_budget(make_client: MakeClient, redis_url: str) -> None:
    first = make_client(rate_limit_default="3/minute", redis_url=redis_url)
    second = make_client(rate_limit_default="3/minute", redis_url=redis_url)
    assert [budget(c.get("/servers")) for c in (first, second, first)] == [(3, 2), (3, 1), (3, 0)]
    assert_limited(second.get("/servers"))
    # Without Redis the same two instances would each count alone.
    alone = [make_client(rate_limit_default="3/minute") for _ in range(2)]
    assert [budget(c.get("/servers")) for c in (*alone, *alone)] == [(3, 2), (3, 2), (3, 1), (3, 1)]


def test_redis_stopped_mid_test_still_serving(make_client: MakeClient, redis_server,
                                              redis_url: str) -> None:
    client = make_client(rate_limit_default="50/minute", redis_url=redis_url)
    assert [budget(client.get("/servers")) for _ in range(2)] == [(50, 49), (50, 48)]
    redis_server.stop()
    answers = [client.get("/servers") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [budget(a) for a in answers] == [(50, 49), (50, 48), (50, 47)]  # counted in memory
    assert client.post("/servers/next").status_code == 200


def test_every_429_counts_in_the_admin_stats_rate_limited(make_client: MakeClient) -> None:
    client = make_client(rate_limit_next="2/minute", rate_limit_default="1/minute", api_keys=ADMIN_KEY)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}

    def rate_limited() -> int:
        answer = client.get("/ai-agent/admin/stats", headers=admin)  # the key's own "ai" budget
        assert answer.status_code == 200
        return int(answer.json()["rateLimited"])

    assert rate_limited() == 0
    assert [client.get("/servers/next").status_code for _ in range(2)] == [200, 200]
    assert client.get("/servers").status_code == 200
    assert rate_limited() == 0
    for path in ("/servers/next", "/servers/next", "/servers", "/incidents"):
        assert_limited(client.get(path))
    assert rate_limited() == 4
    since = client.get("/ai-agent/admin/stats", headers=admin, params={"since": "2000-01-01T00:00:00Z"})
    assert since.json()["rateLimited"] == 4
