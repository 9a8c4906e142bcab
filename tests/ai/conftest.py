"""Fixtures of the AI agent tests: a deployed fleet on a fixed clock, and a stand-in LLM server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from openmanager_core.settings import Settings

NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)  # a Monday, 14:30 KST
KST_START = "14:00 KST"  # what NOW - 30 minutes reads as in an answer


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    """Settings on a fresh SQLite file, with nothing taken from the environment that matters here."""
    base: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path}/ai.db", "redis_url": None,
                            "llm_base_url": None, "llm_api_key": None}
    return Settings(**{**base, **values})


@pytest.fixture
def make_fleet(tmp_path: Path) -> Callable[..., Fleet]:
    """Factory: a fleet with every catalogue server deployed, on a fixed clock (default NOW)."""

    def make(clock: datetime = NOW, **values: Any) -> Fleet:
        settings = settings_for(tmp_path, **values)
        fleet = Fleet(settings, clock=lambda: clock)
        fleet.deploy_next(fleet.total - 1)
        return fleet

    return make


@pytest.fixture
def fleet(make_fleet: Callable[..., Fleet]) -> Fleet:
    return make_fleet()


def inject(fleet: Fleet, kind: IncidentType, host: str, minutes_ago: int = 30,
           severity: Severity = Severity.MEDIUM) -> None:
    """An incident that started `minutes_ago`, so its history has developed."""
    fleet.inject(kind, host, severity, fleet.clock() - timedelta(minutes=minutes_ago))


class LlmStub:
    """A tiny OpenAI-compatible `/chat/completions` server on a loopback port.

    No hosted LLM is reachable from the test environment, so this plays one: `mode` "ok" answers
    with a text naming the diagnosed servers it was given, "error" answers 500, "slow" holds the
    request until the test ends, "off-topic" answers without naming any server, "timeline" retells
    the timeline evidence it was given as a faithful LLM would, "invented" names the diagnosed
    servers and adds a time and a server the evidence does not hold. Every request body is kept in
    `requests`.
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                if stub.mode == "slow":
                    stub.release.wait(30)
                if stub.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                facts = json.loads(body["messages"][1]["content"])["facts"]
                hosts = [d["hostname"] for d in facts.get("diagnoses", [])]
                text = f"LLM answer about {', '.join(hosts)}."
                if stub.mode == "off-topic":
                    text = "Nothing to say."
                elif stub.mode == "timeline":
                    text = "\n".join(f"- {e['time']} {e['event']}" for e in facts.get("timeline", []))
                elif stub.mode == "invented":
                    text += " It began at 03:17, right after a deploy on db-replica-02."
                choice = {"message": {"role": "assistant", "content": text}}
                payload = json.dumps({"choices": [choice]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                """Quiet: pytest shows what matters."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm_stub() -> Iterator[LlmStub]:
    stub = LlmStub()
    yield stub
    stub.close()


class Stall:
    """A tier that blocks until released (at teardown): a stalled engine, without sleeping."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def answer(self, _question: object, _emit: object) -> None:
        self.started.set()
        self.release.wait(30)


@pytest.fixture
def stall() -> Iterator[Stall]:
    stalled = Stall()
    yield stalled
    stalled.release.set()


class Broken:
    """A tier that raises."""

    def __init__(self, message: str = "engine exploded") -> None:
        self.message = message

    def answer(self, _question: object, _emit: object) -> None:
        raise RuntimeError(self.message)
