"""The compose scale-out path without Docker: deploy/nginx.conf in front of two app processes.

nginx runs the shipped config (only the upstream addresses and port swapped, plus a header
naming the replica) over two `streamlit run app.py` sharing PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.deploy.proxy import UPSTREAM_HEADER, Proxy, start_proxy
from tests.reliability.apps import start_pair
from tests.services import LiveServer

BROWSER_PATHS = ["/", "/_stcore/health", "/_stcore/host-config", "/api/servers/next", "/api/servers"]


@pytest.fixture
def replicas(streamlit_app, postgres_url: str, redis_url: str) -> tuple[LiveServer, LiveServer]:
    return start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url})


@pytest.fixture
def proxy(replicas: tuple[LiveServer, LiveServer]) -> Iterator[Proxy]:
    running = start_proxy([f"127.0.0.1:{app.port}" for app in replicas], show_upstream=True)
    yield running
    running.stop()


def _replica(response: httpx.Response) -> str:
    return response.headers[UPSTREAM_HEADER].split(",")[-1].strip()


def test_a_browser_stays_on_one_replica_and_browsers_spread_over_both(proxy: Proxy) -> None:
    served_by = Counter[str]()
    for _ in range(24):
        with httpx.Client(base_url=proxy.url, timeout=30) as browser:  # its own cookie jar
            first = browser.get("/")
            assert first.status_code == 200 and "om_route" in browser.cookies
            replica = _replica(first)
            for path in BROWSER_PATHS * 2:
                response = browser.get(path)
                assert response.status_code == 200, (path, response.status_code)
                assert _replica(response) == replica, f"{path} left the browser's replica"
                assert "om_route" not in response.headers.get("set-cookie", ""), "cookie handed out again"
            served_by[replica] += 1
    assert len(served_by) == 2, f"every browser landed on one replica: {served_by}"


async def _render_over_websocket(base_url: str, cookie: str) -> str:
    """Open the session websocket through the proxy; return which replica it was pinned to."""
    async with websockets.connect(base_url.replace("http://", "ws://") + "/_stcore/stream",
                                  subprotocols=[websockets.Subprotocol("streamlit")],
                                  origin=websockets.Origin(base_url), additional_headers={"Cookie": cookie},
                                  max_size=None, open_timeout=30) as ws:
        message = BackMsg()
        message.rerun_script.query_string = ""
        await ws.send(message.SerializeToString())
        async with asyncio.timeout(60):
            while ForwardMsg.FromString(await ws.recv()).WhichOneof("type") != "script_finished":  # type: ignore[arg-type]
                pass
        assert ws.response is not None
        return ws.response.headers[UPSTREAM_HEADER].split(",")[-1].strip()


def test_the_session_websocket_is_upgraded_and_pinned_with_the_page(proxy: Proxy) -> None:
    with httpx.Client(base_url=proxy.url, timeout=30) as browser:
        page = browser.get("/")
        cookie = f"om_route={browser.cookies['om_route']}"
        # In a thread of its own: a session-wide sync Playwright keeps an event loop running here.
        with ThreadPoolExecutor(1) as pool:
            pinned = pool.submit(asyncio.run, _render_over_websocket(proxy.url, cookie)).result()
        assert pinned == _replica(page)


def test_when_a_replica_dies_its_browsers_move_to_the_other(
        proxy: Proxy, replicas: tuple[LiveServer, LiveServer]) -> None:
    with httpx.Client(base_url=proxy.url, timeout=30) as browser:
        pinned = _replica(browser.get("/"))
        victim = next(app for app in replicas if pinned.endswith(f":{app.port}"))
        deployed = browser.post("/api/servers/next", json={"currentCount": 2})
        assert deployed.status_code == 200
        victim.kill()
        for path in BROWSER_PATHS:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code, proxy.output()[-2000:])
            assert _replica(response) != pinned
        assert browser.get("/api/servers/next").json()["currentCount"] == 3, "the data is shared"


def test_behind_the_proxy_without_keys_changes_are_refused(proxy: Proxy) -> None:
    """With no API key configured, only the server's own machine may change things without the
    generated key; through the proxy (X-Forwarded-For) nobody is local, so changes get 401 and
    reads still work."""
    with httpx.Client(base_url=proxy.url, timeout=30) as client:
        refused = client.post("/api/incidents", json={"type": "cpu_spike", "server": "web-prod-01"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "missing_credential"
        assert client.get("/api/incidents").status_code == 200


RATE_BUDGET = 10


@pytest.fixture
def limited_proxy(streamlit_app, postgres_url: str, redis_url: str) -> Iterator[Proxy]:
    """The proxy over two replicas that share one rate-limit budget per client in Redis.

    The replicas trust X-Forwarded-For from 127.0.0.1 (uvicorn's default), where nginx runs, as
    compose has them trust the proxy's fixed address.
    """
    pair = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                                      "OPENMANAGER_RATE_LIMIT_DEFAULT": f"{RATE_BUDGET}/minute",
                                      "FORWARDED_ALLOW_IPS": "127.0.0.1"}, warm=False)
    running = start_proxy([f"127.0.0.1:{app.port}" for app in pair])
    yield running
    running.stop()


def test_a_client_rotating_x_forwarded_for_still_runs_out_of_budget(limited_proxy: Proxy) -> None:
    """A client that claims a new address on every request is still one client to the limiter."""
    codes = []
    with httpx.Client(base_url=limited_proxy.url, timeout=30) as client:
        for n in range(3 * RATE_BUDGET):
            response = client.get("/api/servers", headers={"X-Forwarded-For": f"203.0.113.{n + 1}"})
            codes.append(response.status_code)
    counts = Counter(codes)
    assert counts[200] <= RATE_BUDGET and counts[429] >= 2 * RATE_BUDGET, counts
