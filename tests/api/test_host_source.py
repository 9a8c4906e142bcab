"""OPENMANAGER_SOURCE=host: this machine through psutil, with deployment and incidents refused."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from fastapi.testclient import TestClient

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.api.conftest import LOOPBACK, LOOPBACK_URL


@pytest.fixture
def host_fleet(tmp_path: Path) -> Fleet:
    return Fleet(Settings(database_url=f"sqlite:///{tmp_path}/host.db", source="host",
                          host_sample_seconds=0.5, redis_url=None))


@pytest.fixture
def host_client(host_fleet: Fleet, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=host_fleet.settings.database_url, data_dir=tmp_path, redis_url=None)
    with TestClient(create_api(lambda: host_fleet, settings), raise_server_exceptions=False,
                    base_url=LOOPBACK_URL, client=LOOPBACK) as client:
        yield client


def test_the_servers_are_this_machine_with_its_real_cpu_memory_and_disk(host_client: TestClient) -> None:
    body = host_client.get("/servers").json()
    (server,) = body["servers"]
    assert server["hostname"] == socket.gethostname() and server["type"] == "unknown"
    metrics = server["metrics"]
    # Read within a second of each other from the same kernel counters: memory and disk barely move.
    assert metrics["memory"] == pytest.approx(psutil.virtual_memory().percent, abs=5.0)
    assert metrics["disk"] == pytest.approx(psutil.disk_usage("/").percent, abs=1.0)
    assert 0.0 <= metrics["cpu"] <= 100.0
    assert metrics["responseTime"] is None  # nothing on a bare host to time: missing, never invented
    assert server["specs"]["cpuCores"] == psutil.cpu_count()
    assert body["summary"]["total"] == 1


def test_its_history_grows_from_start(host_client: TestClient, host_fleet: Fleet) -> None:
    hostname = socket.gethostname()

    def samples() -> list[dict]:
        return host_client.get(f"/servers/{hostname}/metrics", params={"minutes": 5}).json()["samples"]

    first = len(samples())
    deadline = time.monotonic() + 30
    while len(samples()) <= first and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for the sampler's next reading, not faking one
    assert len(samples()) > first


def test_deployment_and_incidents_are_refused_with_the_reason(host_client: TestClient) -> None:
    for method, path, body in (("POST", "/servers/next", {}),
                               ("POST", "/servers/next", {"reset": True}),
                               ("POST", "/incidents", {"type": "cpu_spike",
                                                           "server": socket.gethostname()})):
        response = host_client.request(method, path, json=body)
        assert response.status_code == 409, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "not_simulated" and "'host'" in error["message"]
    status = host_client.get("/servers/next").json()
    assert status["isComplete"] and status["totalServers"] == 1
