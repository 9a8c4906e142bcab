"""Real servers through Prometheus's HTTP API (or any store that speaks it: Thanos, Mimir,
VictoriaMetrics): node_exporter metrics, read with instant and range queries.

History is read as one range query per metric and span of instants, on a grid aligned to the step,
and kept per (query, aligned window): the AI's 3 hours plus the same minutes of the last 7 days are
a handful of queries, and the next answer in the same minute reads none.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import numpy as np

from ..metrics import METRIC_KEYS
from ..models import Environment, Provider, Server, ServerType, Service, ServiceState, Specs
from ..settings import Settings
from .base import Frame, SourceHealth, SourceUnavailable

INVENTORY_SECONDS = 10.0  # how long the list of servers is kept before it is asked again
HEALTH_SECONDS = 2.0
SPAN_GAP_SECONDS = 3600.0  # instants further apart than this are read by separate range queries
MIN_STEP_SECONDS = 1.0
CACHED_WINDOWS = 256
TYPE_LABELS = ("type", "role")
LOCATION_LABELS = ("location", "datacenter", "region", "zone")


def hostname_of(instance: str) -> str:
    """`web-1:9100` -> `web-1`; `[::1]:9100` -> `::1`; a bare name stays as it is."""
    if instance.startswith("["):
        return instance[1:].split("]", 1)[0]
    host, sep, port = instance.rpartition(":")
    return host if sep and port.isdigit() and ":" not in host else instance


def _with(selector: str, *matchers: str) -> str:
    """`{job="node"}` plus matchers, as one selector."""
    inner = selector.strip()
    inner = inner[1:-1].strip() if inner.startswith("{") and inner.endswith("}") else inner
    return "{" + ", ".join(part for part in (inner, *matchers) if part) + "}"


def metric_queries(selector: str, rate_window: str) -> dict[str, str]:
    """The PromQL behind each registry metric, one value per `instance`."""
    node, idle = _with(selector), _with(selector, 'mode="idle"')
    root, nic = _with(selector, 'mountpoint="/"'), _with(selector, 'device!="lo"')
    return {
        "cpu": f"100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{idle}[{rate_window}])))",
        "memory": f"100 * (1 - max by (instance) (node_memory_MemAvailable_bytes{node})"
                  f" / max by (instance) (node_memory_MemTotal_bytes{node}))",
        "disk": f"100 * (1 - max by (instance) (node_filesystem_avail_bytes{root})"
                f" / max by (instance) (node_filesystem_size_bytes{root}))",
        "network_in": f"sum by (instance) (rate(node_network_receive_bytes_total{nic}[{rate_window}]))"
                      " * 8 / 1e6",  # bytes/s as Mbps
        "network_out": f"sum by (instance) (rate(node_network_transmit_bytes_total{nic}[{rate_window}]))"
                       " * 8 / 1e6",
        # blackbox_exporter probes a target under its own job: matched to the server by hostname.
        "response_time": "1000 * max by (instance) (probe_duration_seconds)",
        "active_connections": f"max by (instance) (node_netstat_Tcp_CurrEstab{node})",
    }


def _server(position: int, hostname: str, labels: Mapping[str, str]) -> Server:
    kind = next((labels[key] for key in TYPE_LABELS if key in labels), "unknown")
    return Server(
        id=hostname, position=position, hostname=hostname, name=labels.get("name", hostname),
        type=ServerType(kind) if kind in ServerType._value2member_map_ else ServerType.UNKNOWN,
        environment=Environment.STAGING if labels.get("env") == "staging" else Environment.PRODUCTION,
        location=next((labels[key] for key in LOCATION_LABELS if key in labels), ""),
        provider=Provider.ONPREMISE, specs=Specs(cpu_cores=0, memory_gb=0, disk_gb=0),
        ip=labels.get("instance", hostname), services=[], labels=dict(labels))


class PrometheusSource:
    """The servers Prometheus scrapes under the selector, named by their `instance` label."""

    kind = "prometheus"
    simulated = False
    label = "Prometheus"

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        assert settings.prometheus_url is not None  # Settings refuses the prometheus source without one
        headers = {}
        auth: httpx.BasicAuth | None = None
        if settings.prometheus_bearer_token is not None:
            headers["Authorization"] = f"Bearer {settings.prometheus_bearer_token.get_secret_value()}"
        elif settings.prometheus_username is not None:
            password = settings.prometheus_password.get_secret_value() if settings.prometheus_password else ""
            auth = httpx.BasicAuth(settings.prometheus_username, password)
        self._http = httpx.Client(base_url=settings.prometheus_url.rstrip("/"), headers=headers, auth=auth,
                                  timeout=settings.prometheus_timeout_seconds)
        self._selector = settings.prometheus_selector
        self._queries = metric_queries(settings.prometheus_selector, settings.prometheus_rate_window)
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="openmanager-prometheus")
        self._inventory: tuple[Server, ...] = ()
        self._inventory_at = -math.inf
        self._first_seen: dict[str, datetime] = {}
        self._health: tuple[float, SourceHealth] | None = None
        self._windows: OrderedDict[tuple[str, float, float, float], dict[str, np.ndarray]] = OrderedDict()

    # -- HTTP ----------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any]) -> Any:
        """One API call; every answer (or failure) is also the source's latest health."""
        try:
            response = self._http.get(path, params=params)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise self._down(str(exc) or type(exc).__name__) from exc
        if body.get("status") != "success":
            raise self._down(str(body.get("error", "query failed")))
        self._health = (self._clock().timestamp(), SourceHealth(ok=True))
        return body["data"]

    def _down(self, error: str) -> SourceUnavailable:
        failure = SourceUnavailable(self.label, error)
        self._health = (self._clock().timestamp(), SourceHealth(ok=False, message=str(failure)))
        return failure

    def _instant(self, query: str, at: float) -> dict[str, float]:
        """hostname -> value of `query` at epoch second `at`."""
        data = self._get("/api/v1/query", {"query": query, "time": f"{at:.3f}"})
        return {hostname_of(item["metric"].get("instance", "")): float(item["value"][1])
                for item in data.get("result", [])}

    def _range(self, query: str, start: float, end: float, step: float) -> dict[str, np.ndarray]:
        """hostname -> values of `query` on the grid start, start+step, ..., end (NaN where absent);
        kept per (query, window), as a finished window never changes."""
        key = (query, start, end, step)
        with self._lock:
            if key in self._windows:
                self._windows.move_to_end(key)
                return self._windows[key]
        data = self._get("/api/v1/query_range", {"query": query, "start": f"{start:.3f}",
                                                 "end": f"{end:.3f}", "step": f"{step:g}"})
        size = round((end - start) / step) + 1
        found: dict[str, np.ndarray] = {}
        for item in data.get("result", []):
            row = np.full(size, np.nan)
            for moment, value in item["values"]:
                index = round((float(moment) - start) / step)
                if 0 <= index < size:
                    row[index] = float(value)
            found[hostname_of(item["metric"].get("instance", ""))] = row
        if end <= self._clock().timestamp() - step:  # the window is over: it will read the same
            with self._lock:
                self._windows[key] = found
                while len(self._windows) > CACHED_WINDOWS:
                    self._windows.popitem(last=False)
        return found

    # -- the contract --------------------------------------------------------------------

    def inventory(self) -> Sequence[Server]:
        """Every `instance` under the selector, in the order first seen; asked again every
        INVENTORY_SECONDS. While Prometheus is unreachable the last list stands."""
        now = self._clock().timestamp()
        if now - self._inventory_at < INVENTORY_SECONDS:
            return self._inventory
        try:
            series = self._get("/api/v1/series", {"match[]": f"up{_with(self._selector)}",
                                                  "start": f"{now - 300:.3f}", "end": f"{now:.3f}"})
        except SourceUnavailable:
            with self._lock:
                self._inventory_at = now
            return self._inventory
        labels_of: dict[str, dict[str, str]] = {}
        for labels in series:
            hostname = hostname_of(labels.get("instance", ""))
            if hostname:
                labels_of.setdefault(hostname, {k: v for k, v in labels.items() if k != "__name__"})
        with self._lock:
            known = [s.hostname for s in self._inventory]
            order = [h for h in known if h in labels_of] + sorted(h for h in labels_of if h not in known)
            servers = tuple(_server(k + 1, h, labels_of[h]) for k, h in enumerate(order))
            if servers != self._inventory:
                self._inventory = servers
            for hostname in order:
                self._first_seen.setdefault(hostname, self._clock())
            self._inventory_at = now
        return self._inventory

    def watched_since(self, server: Server) -> datetime:
        return self._first_seen.get(server.hostname, self._started)

    def frame(self, servers: Sequence[Server], t: np.ndarray) -> Frame:
        t = np.asarray(t, dtype=np.float64)
        names = [s.hostname for s in servers]
        queries = {**self._queries, "up": f"up{_with(self._selector)}"}
        if t.size == 1:
            at = float(t[0])
            read = dict(zip(queries, self._pool.map(lambda q: self._instant(q, at), queries.values()),
                            strict=True))
            columns = {key: np.array([[found.get(name, np.nan)] for name in names]).reshape(len(names), 1)
                       for key, found in read.items()}
        else:
            columns = self._history(queries, names, t)
        up = np.nan_to_num(columns.pop("up"), nan=0.0) > 0.5
        values = {key: np.where(up, columns[key], np.nan) for key in METRIC_KEYS}
        return Frame(t=t, values=values, up=up, maintenance=np.zeros(up.shape, dtype=bool),
                     servers=list(servers))

    def _history(self, queries: Mapping[str, str], names: Sequence[str], t: np.ndarray
                 ) -> dict[str, np.ndarray]:
        """Each query over the instants `t`: one range query per query and span of `t`, on a grid of
        the instants' step aligned to it; an instant reads the grid point at or before it."""
        order = np.argsort(t, kind="stable")
        ordered = t[order]
        gaps = np.diff(ordered)
        step = max(MIN_STEP_SECONDS, float(np.min(gaps[gaps > 0])) if (gaps > 0).any() else MIN_STEP_SECONDS)
        breaks = np.flatnonzero(gaps > SPAN_GAP_SECONDS)
        bounds = list(zip(np.concatenate([[0], breaks + 1]).tolist(),
                          np.concatenate([breaks, [ordered.size - 1]]).tolist(), strict=True))
        jobs: list[tuple[str, str, int, int, float, float]] = []
        for first, last in bounds:
            start = math.floor(ordered[first] / step) * step
            end = math.floor(ordered[last] / step) * step
            jobs.extend((key, query, first, last, start, end) for key, query in queries.items())
        results = list(self._pool.map(lambda job: self._range(job[1], job[4], job[5], step), jobs))
        columns = {key: np.full((len(names), t.size), np.nan) for key in queries}
        for (key, _, first, last, start, _end), found in zip(jobs, results, strict=True):
            span = ordered[first:last + 1]
            index = np.floor((span - start) / step + 1e-9).astype(np.int64)
            for row, name in enumerate(names):
                series = found.get(name)
                if series is not None:
                    columns[key][row, order[first:last + 1]] = series[np.clip(index, 0, series.size - 1)]
        # The present is read as it is, not as of the last grid point: the AI sees what the pages see.
        present = np.flatnonzero(t > self._clock().timestamp() - step)
        if present.size:
            at = float(t[present[-1]])
            now = self._pool.map(lambda q: self._instant(q, at), queries.values())
            for key, values in zip(queries, now, strict=True):
                columns[key][:, present] = np.array([values.get(name, np.nan) for name in names])[:, None]
        return columns

    def services(self, frame: Frame) -> list[list[Service]]:
        """systemd units that failed, where node_exporter's systemd collector is on; none otherwise."""
        at = float(frame.t[-1])
        failed_units = _with(self._selector, 'state="failed"')
        query = f"node_systemd_unit_state{failed_units} == 1"
        data = self._get("/api/v1/query", {"query": query, "time": f"{at:.3f}"})
        failed: dict[str, list[Service]] = {}
        for item in data.get("result", []):
            labels = item["metric"]
            failed.setdefault(hostname_of(labels.get("instance", "")), []).append(
                Service(name=labels.get("name", "unit"), port=0, status=ServiceState.STOPPED))
        return [failed.get(server.hostname, []) for server in frame.servers]

    def health(self) -> SourceHealth:
        now = self._clock().timestamp()
        if self._health is not None and now - self._health[0] < HEALTH_SECONDS:
            return self._health[1]
        with contextlib.suppress(SourceUnavailable):
            self._get("/api/v1/query", {"query": "1"})
        assert self._health is not None
        return self._health[1]
