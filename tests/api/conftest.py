"""An in-process API client over a fleet on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings

NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
REMOTE = ("203.0.113.5", 5000)
LOOPBACK = ("127.0.0.1", 5000)
LOOPBACK_URL = "http://127.0.0.1"  # the Host a browser on this machine sends (rebinding check)


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(Settings(database_url=f"sqlite:///{tmp_path}/api.db"), clock=lambda: NOW)


@pytest.fixture
def client(fleet: Fleet, tmp_path: Path) -> Iterator[TestClient]:
    """A client on loopback: with no API key configured, changes are allowed from here without one."""
    settings = Settings(database_url=fleet.settings.database_url, data_dir=tmp_path)
    with TestClient(create_api(lambda: fleet, settings), raise_server_exceptions=False,
                    base_url=LOOPBACK_URL, client=LOOPBACK) as test_client:
        yield test_client


class MakeClient(Protocol):
    def __call__(self, *, client: tuple[str, int] = REMOTE, **settings: Any) -> TestClient: ...


@pytest.fixture
def make_client(fleet: Fleet, tmp_path: Path) -> Iterator[MakeClient]:
    """Factory: a started client of an API over `fleet` built with these settings.

    Defaults: a non-loopback peer (203.0.113.5), no API keys (so a generated admin key in
    tmp_path), no secrets file, no Redis;
    every other setting from `Settings` (so from the environment unless given here).
    """
    opened: list[TestClient] = []

    def make(*, client: tuple[str, int] = REMOTE, **settings: Any) -> TestClient:
        config = Settings(**{"secrets_files": [tmp_path / "no-secrets.toml"], "redis_url": None,
                             "api_keys": [], "read_api_keys": [], "data_dir": tmp_path, **settings})
        test_client = TestClient(create_api(lambda: fleet, config), raise_server_exceptions=False,
                                 base_url=LOOPBACK_URL, client=client)
        opened.append(test_client.__enter__())
        return test_client

    yield make
    for test_client in reversed(opened):
        test_client.__exit__(None, None, None)
