"""This machine as a metric source, through psutil: a laptop user sees their own machine with no
other set-up. A sampler thread keeps a bounded, in-process history ring from start."""

from __future__ import annotations

import math
import socket
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import psutil

from ..metrics import METRIC_KEYS
from ..models import Environment, Provider, Server, ServerType, Service, Specs
from .base import Frame, SourceHealth

HISTORY_SECONDS = 24 * 3600  # the ring holds a day; older instants read as missing
GIB = 1024**3


def _primary_ip() -> str:
    """The address this machine reaches the network from (no packet is sent); loopback without one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def this_machine() -> Server:
    hostname = socket.gethostname()
    return Server(id=hostname, position=1, hostname=hostname, name=hostname, type=ServerType.UNKNOWN,
                  environment=Environment.PRODUCTION, location="localhost", provider=Provider.ONPREMISE,
                  specs=Specs(cpu_cores=psutil.cpu_count() or 1,
                              memory_gb=round(psutil.virtual_memory().total / GIB),
                              disk_gb=round(psutil.disk_usage("/").total / GIB)),
                  ip=_primary_ip(), services=[], labels={"source": "host"})


class HostSource:
    """One server, this machine. `frame` reads the ring: an instant takes the latest sample at most
    a few sampling periods before it; instants with none are absent, as while a host is down."""

    kind = "host"
    simulated = False

    def __init__(self, sample_seconds: float, clock: Callable[[], datetime]) -> None:
        self.server = this_machine()
        self._inventory = (self.server,)
        self._booted = datetime.fromtimestamp(psutil.boot_time(), UTC)  # uptime is the machine's
        self._step = sample_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._ring: deque[tuple[float, tuple[float, ...]]] = deque(
            maxlen=max(2, math.ceil(HISTORY_SECONDS / sample_seconds)))
        self._net: tuple[float, int, int] | None = None
        self._stop = threading.Event()
        self.sample(cpu_interval=0.2)  # a first sample before anyone asks
        self._thread = threading.Thread(target=self._run, name="openmanager-host-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        psutil.cpu_percent(interval=None)  # this thread's first reading only starts its count
        while not self._stop.wait(self._step):
            self.sample()

    def close(self) -> None:
        self._stop.set()

    def sample(self, cpu_interval: float | None = None) -> None:
        """Read every metric of this machine now and add it to the ring."""
        cpu = psutil.cpu_percent(interval=cpu_interval)
        memory = psutil.virtual_memory().percent  # (total - available) / total
        disk = psutil.disk_usage("/").percent
        now = self._clock().timestamp()
        counters = psutil.net_io_counters()
        net_in = net_out = math.nan
        if self._net is not None and now > self._net[0]:
            elapsed = now - self._net[0]
            net_in = max(0, counters.bytes_recv - self._net[1]) * 8 / 1e6 / elapsed
            net_out = max(0, counters.bytes_sent - self._net[2]) * 8 / 1e6 / elapsed
        self._net = (now, counters.bytes_recv, counters.bytes_sent)
        try:
            connections = float(sum(1 for c in psutil.net_connections(kind="tcp")
                                    if c.status == psutil.CONN_ESTABLISHED))
        except (psutil.Error, OSError):
            connections = math.nan
        values = {"cpu": cpu, "memory": memory, "disk": disk, "network_in": net_in,
                  "network_out": net_out, "response_time": math.nan,  # nothing here to time
                  "active_connections": connections}
        with self._lock:
            self._ring.append((now, tuple(float(values[key]) for key in METRIC_KEYS)))

    def inventory(self) -> Sequence[Server]:
        return self._inventory

    def watched_since(self, server: Server) -> datetime:
        return self._booted

    def frame(self, servers: Sequence[Server], t: np.ndarray) -> Frame:
        t = np.asarray(t, dtype=np.float64)
        with self._lock:
            ring = list(self._ring)
        stamps = np.array([moment for moment, _ in ring], dtype=np.float64)
        table = np.array([row for _, row in ring], dtype=np.float64).reshape(len(ring), len(METRIC_KEYS))
        latest = np.searchsorted(stamps, t, side="right") - 1
        # A sample stands for the instants up to a few periods after it (the sampler may lag on a
        # busy machine); past that the instant is unobserved.
        seen = (latest >= 0) & (t - stamps[np.maximum(latest, 0)] <= 3 * self._step + 1.0)
        rows = np.where(seen, latest, 0)
        n = len(servers)
        values = {}
        for j, key in enumerate(METRIC_KEYS):
            column = np.where(seen, table[rows, j], np.nan) if len(ring) else np.full(t.shape, np.nan)
            values[key] = np.broadcast_to(column, (n, t.size)).copy()
        up = np.broadcast_to(seen if len(ring) else np.zeros(t.shape, dtype=bool), (n, t.size)).copy()
        return Frame(t=t, values=values, up=up, maintenance=np.zeros((n, t.size), dtype=bool),
                     servers=list(servers))

    def services(self, frame: Frame) -> list[list[Service]]:
        return [[] for _ in frame.servers]

    def health(self) -> SourceHealth:
        return SourceHealth(ok=True)
