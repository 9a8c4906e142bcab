"""App processes for the reliability tests: rate limits off, no API keys (loopback may change things)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import StartApp
from tests.services import LiveServer

# The load here comes from one address; the limits themselves are tested in tests/api.
APP_ENV = {
    "OPENMANAGER_RATE_LIMIT_AI": "0",
    "OPENMANAGER_RATE_LIMIT_NEXT": "0",
    "OPENMANAGER_RATE_LIMIT_DEFAULT": "0",
    "OPENMANAGER_MAX_ACTIVE_INCIDENTS": "10000",  # traffic piles up incidents; the cap is tested elsewhere
    "OPENMANAGER_API_KEYS": "",
    "OPENMANAGER_READ_API_KEYS": "",
    "OPENMANAGER_SECRETS_FILES": "/nonexistent/secrets.toml",
}


def start_pair(streamlit_app: StartApp, env: Mapping[str, str], *,
               warm: bool = True) -> tuple[LiveServer, LiveServer]:
    """Two `streamlit run app.py` processes with the same environment, started side by side.

    `warm`: one `/api/health` each, in turn, so both have opened the store before the test's
    traffic (the race of two cold processes is a test of its own).
    """
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: streamlit_app({**APP_ENV, **env}), range(2))
    if warm:
        for app in (first, second):
            warm_up(app)
    return first, second


def warm_up(app: LiveServer) -> None:
    """One request, so the process has opened its store before a test's concurrent traffic."""
    assert httpx.get(f"{app.url}/api/health", timeout=30).status_code == 200


def last_traceback(server: LiveServer, limit: int = 3000) -> str:
    """The end of the server's last logged traceback, where the error is (for failure messages)."""
    output = server.output()
    start = output.rfind("Traceback (most recent call last)")
    if start < 0:
        return ""
    lines = [line for line in output[start:].splitlines() if not line.startswith('{"ts"')]
    return "\n".join(lines)[-limit:]
