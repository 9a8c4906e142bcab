"""Faults under load: the database restarting, Redis gone, the disk filling under SQLite."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openmanager_core.catalogue import Catalogue
from tests.reliability.apps import APP_ENV, last_traceback, warm_up
from tests.reliability.traffic import Call, Loop, Reply, assert_error_shape, incident_call, run_all
from tests.services import PostgresServer, RedisServer

HOSTNAMES = [server.hostname for server in Catalogue(20).servers]


def _database_down(reply: Reply) -> bool:
    """A clean 503: the error shape from the API, the component report from /api/health."""
    if reply.status != 503:
        return False
    if reply.call.path == "/api/health":
        return reply.body["status"] == "unhealthy" and reply.body["database"]["status"] == "down"
    assert_error_shape(reply)
    return bool(reply.body["error"]["code"] == "database_unavailable")


def test_database_restart_under_load_answers_503_then_recovers_without_an_app_restart(
        streamlit_app, postgres_server: PostgresServer, postgres_url: str) -> None:
    app = streamlit_app({**APP_ENV, "DATABASE_URL": postgres_url})
    warm_up(app)
    pid = app.process.pid

    def make_call(worker: int, n: int) -> Call:
        sequence = n * 4 + worker
        return [Call(0, "GET", "/api/servers/next"),
                Call(0, "POST", "/api/servers/next", {"currentCount": sequence % 20}),
                incident_call(0, sequence, HOSTNAMES),
                Call(0, "GET", "/api/health")][sequence % 4]

    try:
        with Loop([app.url], make_call, threads=4, max_calls=20_000, max_seconds=120) as load:
            load.wait_until(lambda rs: len(rs) >= 40, 30, "traffic before the restart")
            postgres_server.halt()
            halted_at = len(load.snapshot())
            load.wait_until(lambda rs: sum(_database_down(r) for r in rs[halted_at:]) >= 20, 30,
                            "503s while the database is down")
            postgres_server.resume()
            resumed_at = len(load.snapshot())
            load.wait_until(lambda rs: sum(r.status in (200, 201) for r in rs[resumed_at:]) >= 40, 60,
                            "the app to serve again after the database came back")
    finally:
        postgres_server.resume()  # the server is shared by the whole session
    replies = load.snapshot()

    # 20 servers hold 120 incidents (one per type each): past that an inject is a clean 409.
    unclean = [r for r in replies if r.status not in (200, 201) and not _database_down(r)
               and not (r.status == 409 and r.body["error"]["code"] == "incident_exists")]
    assert not unclean, (Counter((r.call.path, r.status, r.error) for r in unclean), last_traceback(app))
    slow = [r for r in replies if r.seconds > 10]
    assert not slow, "a request hung while the database was down"
    assert app.process.poll() is None and app.process.pid == pid
    # Writes work again and land in the store.
    assert run_all([app.url], [Call(0, "DELETE", "/api/incidents")])[0].status == 200
    [write] = run_all([app.url], [incident_call(0, 10_000, HOSTNAMES)])
    assert write.status == 201
    assert httpx.get(f"{app.url}/api/health").json()["database"]["status"] == "up"


def test_redis_down_means_no_cache_and_no_error(
        streamlit_app, redis_server: RedisServer, redis_url: str) -> None:
    # Limits on (but high) so every request also goes through the Redis-backed limiter.
    high = "100000/minute"
    app = streamlit_app({**APP_ENV, "REDIS_URL": redis_url, "OPENMANAGER_RATE_LIMIT_NEXT": high,
                         "OPENMANAGER_RATE_LIMIT_DEFAULT": high, "OPENMANAGER_RATE_LIMIT_AI": high})
    cache = httpx.get(f"{app.url}/api/health").json()["cache"]
    assert (cache["status"], cache["backend"]) == ("up", "redis")
    calls = [call for n in range(10) for call in (
        Call(0, "POST", "/api/servers/next"), Call(0, "GET", "/api/servers"),
        incident_call(0, n, HOSTNAMES), Call(0, "GET", "/api/incidents"))]
    try:
        redis_server.stop()
        replies = run_all([app.url], calls, workers=4)
        failed = [r for r in replies if r.status not in (200, 201)]
        assert not failed, failed[:3]
        assert max(r.seconds for r in replies) < 5
        health = httpx.get(f"{app.url}/api/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["cache"]["status"] == "down"
    finally:
        redis_server.start()
    assert httpx.get(f"{app.url}/api/health").json()["cache"]["status"] == "up"


# ------------------------------------------------------------------------ disk full


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (we run as root, as CI does)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                   check=True, capture_output=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False, capture_output=True)


def _fill(directory: Path) -> Path:
    """Write a file until the filesystem is full; return it (delete it to free the space)."""
    filler = directory / "filler"
    with contextlib.suppress(OSError), open(filler, "wb") as handle:
        while True:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
    return filler


def test_a_full_disk_under_sqlite_gives_a_clear_error_and_no_corrupt_file(
        streamlit_app, tiny_disk: Path, tmp_path: Path) -> None:
    database = tiny_disk / "openmanager.db"
    app = streamlit_app({**APP_ENV, "DATABASE_URL": f"sqlite:///{database}"}, data_dir=tmp_path / "app")
    assert run_all([app.url], [Call(0, "POST", "/api/servers/next", {"currentCount": 4})])[0].status == 200
    filler = _fill(tiny_disk)

    replies = []
    for n in range(2000):  # until a write finds no room (the WAL may hold some first)
        [reply] = run_all([app.url], [incident_call(0, n, HOSTNAMES)])
        replies.append(reply)
        if reply.status != 201:
            break
    refused = replies[-1]
    assert refused.status == 507, refused
    assert_error_shape(refused)
    error = refused.body["error"]
    assert "full" in f"{error['code']} {error['message']}".lower(), f"not a clear disk-full error: {error}"
    # Reads still work on a full disk.
    assert run_all([app.url], [Call(0, "GET", "/api/incidents")])[0].status == 200

    filler.unlink()
    assert run_all([app.url], [Call(0, "DELETE", "/api/incidents")])[0].status == 200
    [after] = run_all([app.url], [incident_call(0, 5000, HOSTNAMES)])
    assert after.status == 201, "writes resume once there is room again"
    app.stop()

    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        positions = [row[0] for row in conn.execute("SELECT position FROM deployments ORDER BY 1")]
    assert stored == sum(r.status == 201 for r in replies) + 1
    assert positions == [1, 2, 3, 4, 5]
