"""Browser-like Streamlit sessions without a browser: the page's websocket and its protocol.

A browser tab opens `/_stcore/stream` and sends a `rerun_script` BackMsg; the server then
creates a session, runs the page script and streams its deltas until `script_finished`. We
do exactly that (and keep the socket open, as an idle tab does), so the server holds and
runs real sessions while no Chromium shares the machine's two cores with it.

A tab watching a page also reruns its live fragments: the server sends `auto_rerun` (fragment
id and interval) and the browser asks for a rerun of that fragment at that pace until
`stop_auto_rerun`. `watch_sessions` does that too, and reads the server's CPU time meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.httpload import cpu_seconds


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


async def _all_rendered(rendered: list[asyncio.Event], tasks: list[asyncio.Task[None]],
                        timeout: float) -> None:
    """Wait until every session has rendered its page; raise if one failed or time ran out."""
    waiting = asyncio.gather(*(event.wait() for event in rendered))
    done, _ = await asyncio.wait([waiting, *tasks], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    failed = [task for task in tasks if task in done and task.exception() is not None]
    if failed:
        raise RuntimeError(f"a session failed: {failed[0].exception()!r}")
    if waiting not in done:
        raise TimeoutError(f"{sum(e.is_set() for e in rendered)} of {len(rendered)} sessions rendered "
                           f"within {timeout:.0f} s")


async def _hold(base_url: str, pid: int, count: int, page: str, timeout: float) -> SessionsResult:
    before = rss_mb(pid)
    started = time.perf_counter()
    release = asyncio.Event()
    rendered = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(_session(base_url, page, event, release, timeout)) for event in rendered]
    try:
        await _all_rendered(rendered, tasks, timeout)
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


@dataclass(frozen=True)
class WatchResult:
    sessions: int
    seconds: float
    server_cpu_percent: float  # of one core, over `seconds` with every session watching
    fragment_reruns: int  # fragment reruns the sessions asked for in that time


async def _until(event: asyncio.Event, reader: asyncio.Task[None], timeout: float | None) -> None:
    """Wait for `event`; raise what ended `reader` (the socket) first, or TimeoutError."""
    waiter = asyncio.ensure_future(event.wait())
    done, _ = await asyncio.wait([waiter, reader], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if reader in done:
        reader.result()
        raise RuntimeError("the server closed the session")
    if waiter not in done:
        raise TimeoutError("the page did not render in time")


async def _watch(base_url: str, page: str, rendered: asyncio.Event, release: asyncio.Event,
                 reruns: list[int], timeout: float) -> None:
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("streamlit")],
                                  origin=websockets.Origin(base_url), max_size=None,
                                  open_timeout=timeout) as ws:
        page_hash = ""
        timers: dict[str, asyncio.Task[None]] = {}

        async def every(fragment_id: str, interval: float) -> None:
            while True:
                await asyncio.sleep(interval)  # the browser's timer, at the pace the server asked for
                message = BackMsg()
                state = message.rerun_script
                state.page_name, state.page_script_hash = page, page_hash
                state.fragment_id, state.is_auto_rerun = fragment_id, True
                await ws.send(message.SerializeToString())
                reruns[0] += 1

        async def receive() -> None:
            nonlocal page_hash
            async for raw in ws:
                forward = ForwardMsg.FromString(raw)  # type: ignore[arg-type]
                kind = forward.WhichOneof("type")
                if kind == "new_session":
                    page_hash = forward.new_session.page_script_hash
                elif kind == "auto_rerun":
                    fragment = forward.auto_rerun.fragment_id
                    if fragment in timers:
                        timers.pop(fragment).cancel()
                    timers[fragment] = asyncio.create_task(every(fragment, forward.auto_rerun.interval))
                elif kind == "stop_auto_rerun":
                    for fragment in forward.stop_auto_rerun.fragment_ids:
                        if fragment in timers:
                            timers.pop(fragment).cancel()
                elif kind == "script_finished":
                    rendered.set()

        first = BackMsg()
        first.rerun_script.page_name = page
        await ws.send(first.SerializeToString())
        reader = asyncio.create_task(receive())
        try:
            await _until(rendered, reader, timeout)
            await _until(release, reader, None)
        finally:
            for task in (reader, *timers.values()):
                task.cancel()
            await asyncio.gather(reader, *timers.values(), return_exceptions=True)


async def _watch_all(base_url: str, pid: int, count: int, page: str, seconds: float,
                     timeout: float) -> WatchResult:
    release = asyncio.Event()
    rendered = [asyncio.Event() for _ in range(count)]
    reruns = [0]
    tasks = [asyncio.create_task(_watch(base_url, page, event, release, reruns, timeout))
             for event in rendered]
    try:
        await _all_rendered(rendered, tasks, timeout)
        await asyncio.sleep(2.0)  # let the first renders' work settle before measuring
        cpu_before, started, reruns_before = cpu_seconds(pid), time.perf_counter(), reruns[0]
        await asyncio.sleep(seconds)  # the measured window: every session watching its page
        cpu = cpu_seconds(pid) - cpu_before
        elapsed = time.perf_counter() - started
        asked = reruns[0] - reruns_before
        failed = [task for task in tasks if task.done() and task.exception() is not None]
        if failed:
            raise RuntimeError(f"a session failed while watching: {failed[0].exception()!r}")
    finally:
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return WatchResult(count, elapsed, 100.0 * cpu / elapsed, asked)


def watch_sessions(base_url: str, pid: int, count: int = 50, *, page: str = "", seconds: float = 30.0,
                   timeout: float = 300.0) -> WatchResult:
    """Open `count` sessions on `page`, let each rerun its live fragments as a browser tab does, and
    measure the server's CPU over `seconds` once every one has rendered."""
    return asyncio.run(_watch_all(base_url, pid, count, page, seconds, timeout))
