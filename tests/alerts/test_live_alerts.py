"""Alerts end to end: `streamlit run` processes with their evaluator threads, real receivers on
loopback, incidents injected over the API. One process on SQLite; two replicas on one PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.alerts.receivers import HttpReceiver
from tests.conftest import StartApp
from tests.reliability.apps import APP_ENV, start_pair
from tests.services import LiveServer, RedisServer, wait_for

INTERVAL = 0.5
FOR = 1.0
BOUND = INTERVAL + FOR + 5  # the promise: a notification within interval + for + 5 s
HOSTS = ("web-prod-01", "db-master-01", "api-gateway-prod")


@pytest.fixture
def channels() -> Iterator[tuple[HttpReceiver, HttpReceiver]]:
    webhook, alertmanager = HttpReceiver(), HttpReceiver()
    yield webhook, alertmanager
    webhook.close()
    alertmanager.close()


def _env(channels: tuple[HttpReceiver, HttpReceiver], **extra: str) -> dict[str, str]:
    webhook, alertmanager = channels
    return {**APP_ENV, "OPENMANAGER_ALERT_INTERVAL_SECONDS": str(INTERVAL),
            "OPENMANAGER_NOTIFY_URLS": webhook.url("json"),
            "OPENMANAGER_ALERTMANAGER_WEBHOOK_URLS": alertmanager.url(), **extra}


def _prepare(app: LiveServer) -> None:
    """Three servers deployed; host_down waits `FOR` seconds; only host_down alerts (what the
    tests count), so the simulator's own weather cannot add messages."""
    for _ in HOSTS:
        assert httpx.post(f"{app.url}/api/servers/next", timeout=30).status_code == 200
    rules = httpx.get(f"{app.url}/api/alert-rules", timeout=30).json()["rules"]
    for rule in rules:
        change: dict[str, Any] = {"forSeconds": FOR} if rule["id"] == "host_down" else {"enabled": False}
        answer = httpx.patch(f"{app.url}/api/alert-rules/{rule['id']}", json=change, timeout=30)
        assert answer.status_code == 200, answer.text


def _told(alertmanager: HttpReceiver, status: str, host: str) -> Callable[[list[Any]], int]:
    def count(received: list[Any]) -> int:
        return sum(1 for item in received for alert in item.body["alerts"]
                   if alert["status"] == status and alert["labels"]["instance"] == host
                   and alert["labels"]["alertname"] == "host_down")
    return count


def _inject(app: LiveServer, host: str) -> int:
    answer = httpx.post(f"{app.url}/api/incidents", json={"type": "host_down", "server": host}, timeout=30)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["incident"]["id"])


def _firing_then_resolved(app: LiveServer, clear_on: LiveServer, channels: tuple[HttpReceiver, HttpReceiver],
                          host: str) -> None:
    """Inject host_down on `host`: exactly one firing notification naming it within BOUND, then
    clear it: exactly one resolved notification."""
    webhook, alertmanager = channels
    firing, resolved = _told(alertmanager, "firing", host), _told(alertmanager, "resolved", host)
    incident = _inject(app, host)
    alertmanager.recorder.wait_until(lambda got: firing(got) >= 1, BOUND, f"{host} firing")
    webhook.recorder.wait_until(lambda got: any(host in r.body["message"] for r in got), BOUND,
                                f"a message naming {host}")
    assert httpx.delete(f"{clear_on.url}/api/incidents/{incident}", timeout=30).status_code == 200
    got = alertmanager.recorder.wait_until(lambda got: resolved(got) >= 1, BOUND, f"{host} resolved")
    assert (firing(got), resolved(got)) == (1, 1)


def test_one_process_notifies_once_each_way_and_not_while_silenced(
        streamlit_app: StartApp, channels: tuple[HttpReceiver, HttpReceiver]) -> None:
    app = streamlit_app(_env(channels))
    _prepare(app)
    _firing_then_resolved(app, app, channels, HOSTS[0])

    # Silenced: the alert fires in the store, nobody is told.
    webhook, alertmanager = channels
    silenced = HOSTS[1]
    made = httpx.post(f"{app.url}/api/silences", timeout=30, json={
        "server": silenced, "durationSeconds": 600, "comment": "maintenance", "createdBy": "kim"})
    assert made.status_code == 201, made.text
    incident = _inject(app, silenced)
    wait_for(lambda: _alerts(app, "firing", silenced), timeout=BOUND, what="the silenced alert firing")
    httpx.delete(f"{app.url}/api/incidents/{incident}", timeout=30)
    wait_for(lambda: _alerts(app, "resolved", silenced), timeout=BOUND, what="the silenced alert resolved")
    # A later alert's messages come through the same channel queues after any about the silenced host.
    _firing_then_resolved(app, app, channels, HOSTS[2])
    assert not any(silenced in r.body["message"] for r in webhook.received)
    assert not any(alert["labels"]["instance"] == silenced for item in alertmanager.received
                   for alert in item.body["alerts"])


def _alerts(app: LiveServer, state: str, host: str) -> bool:
    answer = httpx.get(f"{app.url}/api/alerts", params={"state": state, "server": host}, timeout=30)
    return bool(answer.json()["alerts"])


def _leads_now(app: LiveServer) -> bool:
    """Whether the replica's last word on the lead is that it took it (not that it stood by)."""
    output = app.output()
    return output.rfind("leading on this replica") > output.rfind("standing by on this replica")


def _leader(apps: tuple[LiveServer, LiveServer]) -> LiveServer:
    # One at a time; that two never lead at once is tests/alerts/test_leadership.py's, on the locks.
    wait_for(lambda: sum(map(_leads_now, apps)) == 1, timeout=30, what="one replica to take the lead")
    return next(app for app in apps if _leads_now(app))


@pytest.mark.parametrize("lock", ["advisory lock", "redis lease"])
def test_two_replicas_on_one_postgresql_notify_once_and_take_over(
        streamlit_app: StartApp, postgres_url: str, request: pytest.FixtureRequest, lock: str,
        channels: tuple[HttpReceiver, HttpReceiver]) -> None:
    extra = {"REDIS_URL": request.getfixturevalue("redis_url")} if lock == "redis lease" else {}
    apps = start_pair(streamlit_app, _env(channels, DATABASE_URL=postgres_url, **extra))
    _prepare(apps[0])
    leader = _leader(apps)
    assert lock in leader.output()  # "leading on this replica (postgresql advisory lock|redis lease)"
    other = apps[1] if leader is apps[0] else apps[0]
    # Injected on one replica, cleared on the other: still one message each way.
    _firing_then_resolved(other, leader, channels, HOSTS[0])

    leader.kill()  # SIGKILL: its PostgreSQL session (and lock) die with it; its Redis lease lapses
    killed_at = time.monotonic()
    wait_for(lambda: _leads_now(other), timeout=2 * INTERVAL + 10,
             what="the surviving replica taking over")
    assert time.monotonic() - killed_at <= 2 * INTERVAL + 10
    _firing_then_resolved(other, other, channels, HOSTS[1])


def test_two_replicas_with_redis_down_mid_run_still_notify_once_through_the_advisory_lock(
        streamlit_app: StartApp, postgres_url: str, redis_server: RedisServer, redis_url: str,
        channels: tuple[HttpReceiver, HttpReceiver]) -> None:
    apps = start_pair(streamlit_app, _env(channels, DATABASE_URL=postgres_url, REDIS_URL=redis_url))
    _prepare(apps[0])
    # Who leads may pass between them on a busy machine; only that Redis elects one matters here.
    wait_for(lambda: any("leading on this replica (redis lease)" in app.output() for app in apps),
             timeout=30, what="a replica leading on the Redis lease")
    redis_server.stop()
    wait_for(lambda: all("Redis unreachable" in app.output() for app in apps), timeout=2 * INTERVAL + 10,
             what="both replicas noticing Redis is down")
    assert all(app.output().count("Redis unreachable") == 1 for app in apps)  # said once, not per look
    _firing_then_resolved(apps[0], apps[1], channels, HOSTS[0])
