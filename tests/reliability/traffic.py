"""Concurrent HTTP traffic for the fault tests: every call's outcome is recorded, none retried."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from openmanager_core.models import IncidentType

CLIENT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


@dataclass(frozen=True)
class Call:
    """One request to send: to which app (by index), method, path, JSON body."""

    app: int
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Reply:
    """What came back: a status and JSON body, or `error` when no HTTP answer came at all."""

    call: Call
    status: int | None
    body: Any
    error: str | None
    started: float  # time.monotonic() when sent
    seconds: float


def send(clients: list[httpx.Client], call: Call) -> Reply:
    started = time.monotonic()
    try:
        response = clients[call.app].request(call.method, call.path, json=call.body)
    except httpx.HTTPError as exc:
        return Reply(call, None, None, type(exc).__name__, started, time.monotonic() - started)
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = response.text
    return Reply(call, response.status_code, body, None, started, time.monotonic() - started)


def clients_for(urls: Iterable[str]) -> list[httpx.Client]:
    return [httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT) for url in urls]


def run_all(urls: list[str], calls: list[Call], workers: int = 8,
            on_reply: Callable[[Reply], None] | None = None) -> list[Reply]:
    """Send every call from `workers` threads at once; replies in the order of `calls`."""
    clients = clients_for(urls)
    try:
        def one(call: Call) -> Reply:
            reply = send(clients, call)
            if on_reply is not None:
                on_reply(reply)
            return reply

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, calls))
    finally:
        for client in clients:
            client.close()


class Loop:
    """Threads that repeat a call pattern until stopped (or a count/time bound), recording replies."""

    def __init__(self, urls: list[str], make_call: Callable[[int, int], Call], *, threads: int = 4,
                 max_calls: int = 20_000, max_seconds: float = 120.0) -> None:
        self._clients = clients_for(urls)
        self._make_call, self._max_calls, self._max_seconds = make_call, max_calls, max_seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.replies: list[Reply] = []
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                         for i in range(threads)]

    def __enter__(self) -> Loop:
        self._deadline = time.monotonic() + self._max_seconds
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        for client in self._clients:
            client.close()

    def _run(self, worker: int) -> None:
        n = 0
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                if len(self.replies) >= self._max_calls:
                    return
            reply = send(self._clients, self._make_call(worker, n))
            n += 1
            with self._lock:
                self.replies.append(reply)

    def snapshot(self) -> list[Reply]:
        with self._lock:
            return list(self.replies)

    def wait_until(self, check: Callable[[list[Reply]], bool], timeout: float, what: str) -> None:
        """Poll the replies so far until `check` holds; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not check(self.snapshot()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.05)


INCIDENT_TYPES = list(IncidentType)
MARKER_BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def marker(n: int) -> datetime:
    """A distinct `startedAt` per request (ms apart, a day back): finds its row in the store."""
    return MARKER_BASE + timedelta(milliseconds=n)


def incident_call(app: int, n: int, hostnames: list[str]) -> Call:
    return Call(app, "POST", "/api/incidents", {
        "type": INCIDENT_TYPES[n % len(INCIDENT_TYPES)].value,
        # Every type on one server, then the next: a server has one active incident per type.
        "server": hostnames[(n // len(INCIDENT_TYPES)) % len(hostnames)],
        "severity": "medium",
        "startedAt": marker(n).isoformat(),
    })


def assert_error_shape(reply: Reply) -> None:
    """A 4xx/5xx carries `{"success": false, "error": {"code", "message"}}`."""
    assert isinstance(reply.body, dict) and reply.body.get("success") is False, reply
    assert {"code", "message"} <= set(reply.body["error"]), reply
