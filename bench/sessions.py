"""Browser-like Streamlit sessions without a browser: the page's websocket and its protocol.

A browser tab opens `/_stcore/stream` and sends a `rerun_script` BackMsg; the server then
creates a session, runs the page script and streams its deltas until `script_finished`. We
do exactly that (and keep the socket open, as an idle tab does), so the server holds and
runs real sessions while no Chromium shares the machine's two cores with it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass(frozen=True)
class SessionsResult:
    sessions: int
    rss_before_mb: float
    rss_after_mb: float
    seconds_to_all_rendered: float


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def _session(base_url: str, page: str, rendered: asyncio.Event, release: asyncio.Event,
                   timeout: float) -> None:
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("streamlit")],
                                  origin=websockets.Origin(base_url), max_size=None,
                                  open_timeout=timeout) as ws:
        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = ""
        await ws.send(message.SerializeToString())
        async with asyncio.timeout(timeout):
            while True:
                forward = ForwardMsg.FromString(await ws.recv())  # type: ignore[arg-type]
                if forward.WhichOneof("type") == "script_finished":
                    break
        rendered.set()
        await release.wait()


async def _hold(base_url: str, pid: int, count: int, page: str, timeout: float) -> SessionsResult:
    before = rss_mb(pid)
    started = time.perf_counter()
    release = asyncio.Event()
    rendered = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(_session(base_url, page, event, release, timeout)) for event in rendered]
    try:
        waiting = asyncio.gather(*(event.wait() for event in rendered))
        done, _ = await asyncio.wait([waiting, *tasks], timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in tasks if task in done and task.exception() is not None]
        if failed:
            raise RuntimeError(f"a session failed: {failed[0].exception()!r}")
        if waiting not in done:
            raise TimeoutError(f"{sum(e.is_set() for e in rendered)} of {count} sessions rendered "
                               f"within {timeout:.0f} s")
        seconds = time.perf_counter() - started
        after = rss_mb(pid)  # every session connected, rendered and held open
    finally:
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return SessionsResult(count, before, after, seconds)


def hold_sessions(base_url: str, pid: int, count: int = 50, *, page: str = "",
                  timeout: float = 300.0) -> SessionsResult:
    """Open `count` sessions at once, wait until each page script finished, read the server's RSS."""
    return asyncio.run(_hold(base_url, pid, count, page, timeout))
