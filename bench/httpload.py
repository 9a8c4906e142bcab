"""A small keep-alive HTTP/1.1 load generator on asyncio streams.

Each client holds one connection and sends its next request when the previous answer is
complete, as an API client or a browser tab does. Plain asyncio keeps the client's own CPU
cost low (the server under test shares this machine's cores), and every latency is measured
from the first byte written to the last byte of the body read.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int  # answers other than 2xx, and broken connections
    seconds: float
    latencies: list[float]  # seconds, successful requests only
    server_cpu_seconds: float | None = None  # the server process's CPU over the measured seconds

    @property
    def cpu_per_request(self) -> float | None:
        """Server CPU seconds per request: what the shared machine's noise disturbs least."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


def build_request(url: str, method: str = "GET", body: bytes | None = None,
                  headers: dict[str, str] | None = None) -> bytes:
    """The raw bytes of one keep-alive request."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive",
             "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response's status and body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {name.strip().lower(): value.strip()
               for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, bytes(body)
            body += chunk[:-2]
    raise ValueError(f"response without a length: {lines[0]}")


async def _open(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port, limit=64 * 1024 * 1024)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def _client(host: str, port: int, requests: list[bytes], start: float, stop: float,
                  max_requests: int, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await _open(host, port)
    try:
        n = 0
        while time.perf_counter() < stop and n < max_requests:
            request = requests[n % len(requests)]
            sent = time.perf_counter()
            writer.write(request)
            try:
                status, _ = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                if sent >= start:
                    errors.append(0)
                writer.close()
                reader, writer = await _open(host, port)
                continue
            done = time.perf_counter()
            n += 1
            if sent < start:
                continue  # warm-up
            if 200 <= status < 300:
                latencies.append(done - sent)
            else:
                errors.append(status)
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _cpu_between(pid: int, start: float, stop: float) -> float:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = cpu_seconds(pid)
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    return cpu_seconds(pid) - before


async def _run(url: str, requests: list[bytes], clients: int, seconds: float, warmup: float,
               max_requests: int, server_pid: int | None) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter() + warmup
    stop = start + seconds
    cpu = None if server_pid is None else asyncio.ensure_future(_cpu_between(server_pid, start, stop))
    await asyncio.gather(*(_client(host, port, requests, start, stop, max_requests, latencies, errors)
                           for _ in range(clients)))
    elapsed = min(time.perf_counter(), stop) - start
    return LoadResult(clients, len(latencies) + len(errors), len(errors), elapsed, latencies,
                      None if cpu is None else await cpu)


def run_load(url: str, requests: list[bytes], clients: int, *, seconds: float = 3.0,
             warmup: float = 0.5, max_requests_per_client: int = 20_000,
             server_pid: int | None = None) -> LoadResult:
    """`clients` keep-alive connections sending `requests` in turn for `seconds` after a warm-up;
    with `server_pid`, that process's CPU time over the measured seconds too."""
    return asyncio.run(_run(url, requests, clients, seconds, warmup, max_requests_per_client, server_pid))
