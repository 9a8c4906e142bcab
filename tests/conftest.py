"""Shared fixtures: real PostgreSQL, Redis, app server and headless Chromium.

A missing binary or a service that won't start FAILS the test (never skips): CI
installs everything, so absence is a real problem. See ``tests/services.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.services import (
    CHROMIUM_ARGS,
    PG_ENV_URL,
    LiveServer,
    MetricsStack,
    PostgresServer,
    RedisServer,
    Runner,
    ServiceError,
    chromium_executable,
    external_postgres,
    start_app,
    start_metrics_stack,
    start_postgres,
    start_redis,
)

PAGE_TIMEOUT_MS = 15_000
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}


def _fail(what: str, exc: BaseException) -> pytest.fail.Exception:
    """Turn a service error into a clear test failure (not a skip)."""
    return pytest.fail.Exception(f"{what}: {exc}", pytrace=False)


# ---------------------------------------------------------------------------- prometheus


@pytest.fixture
def metrics_stack() -> Iterator[MetricsStack]:
    """node_exporter and Prometheus on loopback ports, this host scraped as `node-under-test`."""
    try:
        stack = start_metrics_stack()
    except ServiceError as exc:
        raise _fail("metrics_stack", exc) from None
    try:
        yield stack
    finally:
        stack.cleanup()


# ---------------------------------------------------------------------------- postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session: a throwaway cluster, or $OPENMANAGER_TEST_POSTGRES_URL.

    ``.create_database() -> str`` makes a fresh empty database and returns its URL.
    """
    external = os.environ.get(PG_ENV_URL)
    try:
        server = external_postgres(external) if external else start_postgres()
    except ServiceError as exc:
        raise _fail("postgres_server", exc) from None
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database: ``postgresql+psycopg://user:pw@127.0.0.1:PORT/dbname``."""
    url = postgres_server.create_database()
    yield url
    try:
        postgres_server.drop_database(url)
    except Exception as exc:  # best effort: the server may be gone
        print(f"postgres_url teardown: could not drop database: {exc}")


# ------------------------------------------------------------------------------- redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server for the session; ``.stop()``/``.kill()``/``.start()``/``.restart()``."""
    try:
        server = start_redis()
    except ServiceError as exc:
        raise _fail("redis_server", exc) from None
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` on a running, freshly flushed server."""
    try:
        redis_server.start()  # a previous test may have left it stopped
    except ServiceError as exc:
        raise _fail("redis_url", exc) from None
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url(0)


# -------------------------------------------------------------------------- app server


class StartApp(Protocol):
    """Signature of the ``streamlit_app`` factory."""

    def __call__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        runner: Runner = "streamlit",
        data_dir: Path | None = None,
        target: str | None = None,
        health_path: str = "/_stcore/health",
        timeout: float = 60.0,
        address: str = "127.0.0.1",
    ) -> LiveServer: ...


@pytest.fixture
def streamlit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartApp]:
    """Factory: ``start(env=None, *, runner="streamlit"|"uvicorn", data_dir=None) -> LiveServer``.

    Runs ``streamlit run app.py`` (or ``uvicorn app:app``) from the repo root on a free
    port on 127.0.0.1 (or ``address``), env merged over os.environ, DATABASE_URL defaulting to
    SQLite in ``data_dir`` (a fresh tmp dir); waits for /_stcore/health == 200. All servers stop
    at teardown.
    """
    started: list[LiveServer] = []
    # start_pair starts two at once: pytest's temp-dir factory is not thread-safe (two threads
    # making its base folder race to FileExistsError), so folders are made one at a time.
    making = threading.Lock()

    def start(
        env: Mapping[str, str] | None = None,
        *,
        runner: Runner = "streamlit",
        data_dir: Path | None = None,
        target: str | None = None,
        health_path: str = "/_stcore/health",
        timeout: float = 60.0,
        address: str = "127.0.0.1",
    ) -> LiveServer:
        if data_dir is None:
            with making:
                data_dir = tmp_path_factory.mktemp(f"{runner}-data")
        directory = data_dir
        try:
            server = start_app(
                directory,
                env,
                runner=runner,
                target=target,
                health_path=health_path,
                timeout=timeout,
                address=address,
            )
        except ServiceError as exc:
            raise _fail("streamlit_app", exc) from None
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@contextmanager
def shared_app(data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """One `streamlit run app.py` on `data_dir` for a module's tests that share it (a module-scoped
    fixture), stopped after them; a failed start fails them plainly."""
    try:
        server = start_app(data_dir, env)
    except ServiceError as exc:
        raise _fail("streamlit run", exc) from None
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright."""
    try:
        executable = chromium_executable()
    except ServiceError as exc:
        raise _fail("browser", exc) from None
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as exc:
            raise _fail("browser", ServiceError(f"{executable} failed to launch: {exc}")) from None
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context: viewport 1400x900, default timeout 15 s."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
