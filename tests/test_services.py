"""The test-service fixtures give real, working services."""

from __future__ import annotations

import socket
from urllib.parse import quote

import pytest
import redis
from playwright.sync_api import Page
from sqlalchemy import create_engine, text

from tests.services import PostgresServer, RedisServer, free_port


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_postgres_round_trip(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "web-01"}, {"n": "서버"}])
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM t ORDER BY id")).scalars().all()
            version = conn.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert rows == ["web-01", "서버"]
    assert version


def test_postgres_databases_are_fresh_per_test(postgres_server: PostgresServer, postgres_url: str) -> None:
    other = postgres_server.create_database()
    try:
        assert other != postgres_url
        engine = create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                tables = conn.execute(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                ).scalar_one()
        finally:
            engine.dispose()
        assert tables == 0  # the table of the previous test is not here
    finally:
        postgres_server.drop_database(other)


def test_redis_set_get(redis_url: str) -> None:
    assert redis_url.startswith("redis://127.0.0.1:")
    with redis.Redis.from_url(redis_url) as client:
        assert client.dbsize() == 0
        client.set("openmanager:test", "ok")
        assert client.get("openmanager:test") == b"ok"


def test_redis_down_and_back(redis_server: RedisServer, redis_url: str) -> None:
    redis_server.stop()
    with (
        redis.Redis.from_url(redis_url, socket_connect_timeout=1) as client,
        pytest.raises(redis.ConnectionError),
    ):
        client.ping()
    redis_server.restart()
    with redis.Redis.from_url(redis_url) as client:
        assert client.ping()


def test_redis_is_flushed_between_tests(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        assert client.get("openmanager:test") is None


def test_chromium_renders_data_url(page: Page) -> None:
    html = "<html><body><h1 id='t'>OpenManager 서버 모니터링</h1></body></html>"
    page.goto("data:text/html;charset=utf-8," + quote(html))
    assert page.inner_text("#t") == "OpenManager 서버 모니터링"
    assert page.viewport_size == {"width": 1400, "height": 900}
    assert page.evaluate("() => 6 * 7") == 42
