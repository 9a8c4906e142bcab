"""OPENMANAGER_SOURCE=prometheus end to end: a real node_exporter scraped every second by a real
Prometheus on loopback, and the app (`streamlit run`) reading it over Prometheus's HTTP API."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest

from tests.conftest import StartApp
from tests.services import MetricsStack, wait_for

HOST = "node-under-test"  # the instance label, relabelled from 127.0.0.1:<port>
STRESS_SEEN_WITHIN = 60.0



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


def test_the_app_reads_real_metrics_from_prometheus_and_says_when_it_is_unreachable(
        metrics_stack: MetricsStack, streamlit_app: StartApp) -> None:
    server = streamlit_app({"OPENMANAGER_SOURCE": "prometheus",
                            "OPENMANAGER_PROMETHEUS_URL": metrics_stack.url,
                            "OPENMANAGER_RATE_LIMIT_AI": "0", "OPENMANAGER_LLM_BASE_URL": ""})
    with httpx.Client(base_url=f"{server.url}/api", timeout=30) as client:
        # Prometheus has scraped the exporter at least once: the host is listed with its metrics.
        wait_for(lambda: (h := _host(client)) is not None and h["metrics"] is not None
                 and h["metrics"]["memory"] is not None, timeout=60, what="the host in /api/servers")
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

        stress = subprocess.Popen([shutil.which("stress-ng") or "/usr/bin/stress-ng", "--cpu", "2",
                                   "--timeout", "120s", "--quiet"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            wait_for(lambda: (h := _host(client)) is not None and h["status"] in ("warning", "critical"),
                     timeout=STRESS_SEEN_WITHIN, what="the stressed host at warning or critical")
            korean = _ask(client, "왜 CPU가 높아?")
            english = _ask(client, f"why is {HOST} slow?")
        finally:
            stress.terminate()
            stress.wait(timeout=30)
        for answer in (korean, english):
            assert HOST in answer and "CPU" in answer, answer

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
