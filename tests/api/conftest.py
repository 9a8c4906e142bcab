"""An in-process API client over a fleet on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings

NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(Settings(database_url=f"sqlite:///{tmp_path}/api.db"), clock=lambda: NOW)


@pytest.fixture
def client(fleet: Fleet) -> Iterator[TestClient]:
    with TestClient(create_api(lambda: fleet), raise_server_exceptions=False) as test_client:
        yield test_client
