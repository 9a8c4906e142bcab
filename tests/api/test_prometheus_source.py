"""OPENMANAGER_SOURCE=prometheus end to end: a real node_exporter scraped every second by a real
Prometheus on loopback, and the app (`streamlit run`) reading it over Prometheus's HTTP API."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import StartApp
from tests.services import MetricsStack, wait_for

HOST = "node-under-test"  # the instance label, relabelled from 127.0.0.1:<port>
STRESS_SEEN_WITHIN = 60.0
# CPU is a rate over OPENMANAGER_PROMETHEUS_RATE_WINDOW (1 min): a minute after the stress stopped
# it is out of the window, and the host shows as it is at the next scrape.
RECOVERED_WITHIN = 90.0
QUIET_WITHIN = 60.0  # how long the host may take to show online before the stress starts



def _exported(metrics_stack: MetricsStack) -> dict[str, float]:
    """node_exporter's own readings, from its /metrics page: what the app must show."""
    text = httpx.get(f"http://127.0.0.1:{metrics_stack.exporter_port}/metrics", timeout=10).text
    value: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name, number = line.rsplit(" ", 1)
        value[name] = float(number)
    root = next(k for k in value if k.startswith("node_filesystem_size_bytes{") and 'mountpoint="/"' in k)
    memory = value["node_memory_MemAvailable_bytes"] / value["node_memory_MemTotal_bytes"]
    return {"memory": 100 * (1 - memory),
            "disk": 100 * (1 - value[root.replace("size_bytes", "avail_bytes")] / value[root])}


def _host(client: httpx.Client) -> dict | None:
    response = client.get("/servers")
    if response.status_code != 200:
        return None
    return next((s for s in response.json()["servers"] if s["hostname"] == HOST), None)


def _ask(client: httpx.Client, query: str) -> str:
    body = client.post("/ai-agent/optimized", json={"action": "smart-query", "query": query}).json()
    return str(body["response"])


def _status_is(client: httpx.Client, *statuses: str) -> bool:
    host = _host(client)
    return host is not None and host["status"] in statuses


@pytest.fixture
def client(metrics_stack: MetricsStack, streamlit_app: StartApp) -> Iterator[httpx.Client]:
    """The app on OPENMANAGER_SOURCE=prometheus, once Prometheus has scraped the host with metrics."""
    server = streamlit_app({"OPENMANAGER_SOURCE": "prometheus",
                            "OPENMANAGER_PROMETHEUS_URL": metrics_stack.url,
                            "OPENMANAGER_RATE_LIMIT_AI": "0", "OPENMANAGER_LLM_BASE_URL": "",
                            # polled for minutes, faster than a client's fair share of /api/servers
                            "OPENMANAGER_RATE_LIMIT_DEFAULT": "0"})
    with httpx.Client(base_url=f"{server.url}/api", timeout=30) as client:
        wait_for(lambda: (h := _host(client)) is not None and h["metrics"] is not None
                 and h["metrics"]["memory"] is not None, timeout=60, what="the host in /api/servers")
        yield client


def test_the_app_reads_real_metrics_from_prometheus_and_says_when_it_is_unreachable(
        metrics_stack: MetricsStack, client: httpx.Client) -> None:
    host = _host(client)
    assert host is not None and host["type"] == "web" and host["location"] == "test rack"
    metrics, exported = host["metrics"], _exported(metrics_stack)
    assert metrics["disk"] == pytest.approx(exported["disk"], abs=1.0)
    assert metrics["memory"] == pytest.approx(exported["memory"], abs=3.0)
    assert metrics["cpu"] is not None and 0.0 <= metrics["cpu"] <= 100.0
    assert metrics["responseTime"] is None  # no blackbox_exporter: missing, never invented
    source = client.get("/health").json()["source"]
    assert source["status"] == "up" and source["backend"] == "prometheus"
    assert client.post("/servers/next", json={}).status_code == 409

    metrics_stack.stop_prometheus()
    wait_for(lambda: client.get("/health").json()["status"] == "degraded", timeout=30,
             what="health degraded while Prometheus is down")
    detail = client.get("/health").json()["source"]["detail"]
    assert detail.startswith("Prometheus unreachable: ")
    down = client.get("/servers")
    assert down.status_code == 503 and "Prometheus unreachable" in down.json()["error"]["message"]
    assert "Prometheus unreachable" in _ask(client, "지금 문제 있는 서버는?")

    metrics_stack.start_prometheus()  # the same port and data: recovery without restarting the app
    wait_for(lambda: client.get("/servers").status_code == 200, timeout=60, what="recovery")
    assert client.get("/health").json()["source"]["status"] == "up"
    assert _host(client) is not None


@pytest.mark.whole_machine
def test_a_stressed_host_turns_warning_the_ai_names_it_and_it_returns_online(client: httpx.Client) -> None:
    # The CPU figure is the whole machine's: other work on it (a parallel test run, other users)
    # would hide the stress, and keep the host from ever returning online. So this test runs on its
    # own after the parallel run (the `whole_machine` mark; see the README's test command).
    wait_for(lambda: _status_is(client, "online"), timeout=QUIET_WITHIN,
             what="the host online before the stress (is something else busy on this machine?)",
             log=lambda: json.dumps(_host(client)))
    # `--cpu 0`: a worker per CPU (2 here, as the issue's `--cpu 2`), so that a bigger machine is as busy.
    stress = subprocess.Popen([shutil.which("stress-ng") or "/usr/bin/stress-ng", "--cpu", "0",
                               "--timeout", "120s", "--quiet"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_for(lambda: _status_is(client, "warning", "critical"), timeout=STRESS_SEEN_WITHIN,
                 what="the stressed host at warning or critical")
        korean = _ask(client, "왜 CPU가 높아?")
        english = _ask(client, f"why is {HOST} slow?")
    finally:
        stress.terminate()
        stress.wait(timeout=30)
    for answer in (korean, english):
        assert HOST in answer and "CPU" in answer, answer
    wait_for(lambda: _status_is(client, "online"), timeout=RECOVERED_WITHIN,
             what="the host back online after the stress stopped", log=lambda: json.dumps(_host(client)))
