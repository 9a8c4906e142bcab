"""A live dashboard for end-to-end tests: `streamlit run app.py` over a pre-seeded store."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.conftest import StartApp
from tests.services import LiveServer

READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
WAIT_MS = 20_000  # for the server's work (a first page run imports the engine); expect's default is 5 s

Dashboard = Callable[..., tuple[LiveServer, Fleet]]


@pytest.fixture
def dashboard(streamlit_app: StartApp, tmp_path: Path) -> Dashboard:
    """``dashboard(deployed=20, env={...})``: a running app and a Fleet on the same store."""

    def start(deployed: int = 0, env: Mapping[str, str] | None = None) -> tuple[LiveServer, Fleet]:
        data_dir = tmp_path / "app-data"
        data_dir.mkdir(exist_ok=True)
        fleet = Fleet(Settings(database_url=f"sqlite:///{data_dir / 'openmanager.db'}"))
        if deployed:
            fleet.deploy_next(deployed - 1)
        return streamlit_app(env, data_dir=data_dir), fleet

    return start


def host_down_alerting(dashboard: Dashboard, deployed: int) -> tuple[LiveServer, Fleet]:
    """A dashboard evaluating alerts every 0.5 s with one rule on, `host_down`, firing at once."""
    server, fleet = dashboard(deployed=deployed, env={
        "OPENMANAGER_ALERT_INTERVAL_SECONDS": "0.5", "OPENMANAGER_REFRESH_SECONDS": "1",
        "OPENMANAGER_API_KEYS": "", "OPENMANAGER_SECRETS_FILES": ""})
    fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
    for rule in fleet.store.alert_rules():
        change = {"for_seconds": 0.0} if rule.id == "host_down" else {"enabled": False}
        fleet.store.replace_alert_rule(rule.model_copy(update=change), fleet.clock())
    return server, fleet


def open_page(page: Page, url: str) -> None:
    """Load a page and wait until its script has finished its first run."""
    page.goto(url)
    expect(page.get_by_role("main").locator("h1")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(READY)).to_be_attached(timeout=WAIT_MS)


class HeldLlm:
    """An OpenAI-compatible `/chat/completions` on loopback that answers only when released.

    With it configured, the real engine analyses, streams its first steps, then waits on the
    "LLM": the test sees the steps on screen before any answer, without timing anything. When
    released it answers with the engine's own analytic answer, as a faithful LLM would.
    """

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests = 0
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                held.requests += 1
                held.released.wait(60)
                answer = json.loads(body["messages"][1]["content"])["analyticAnswer"]
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]})
                data = payload.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_llm() -> Iterator[HeldLlm]:
    llm = HeldLlm()
    yield llm
    llm.close()
