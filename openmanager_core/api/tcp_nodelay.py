"""Turn Nagle's algorithm off for every TCP connection asyncio accepts.

`streamlit run` (1.67) creates its listening socket as `socket.socket(family=...)`, so the
socket's protocol number is 0, not IPPROTO_TCP. asyncio only sets TCP_NODELAY on
transports whose socket reports `proto == IPPROTO_TCP` (base_events._set_nodelay), so
every accepted connection keeps Nagle on: a response written in two sends (headers,
then body) waits ~40 ms for the client's delayed ACK before the body leaves. `uvicorn
app:app` binds through getaddrinfo (proto 6) and is unaffected.

The listening socket exists before app.py is imported, so we cannot recreate it; instead
we widen asyncio's check to any stream socket of an internet family. It runs once per
accepted connection, when the transport is built, which is exactly where asyncio meant
to apply it.
"""

from __future__ import annotations

import asyncio.base_events
import socket

_INET = {socket.AF_INET, socket.AF_INET6}


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in _INET and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def enable_tcp_nodelay() -> None:
    """Idempotent; call before the server accepts its first connection."""
    asyncio.base_events._set_nodelay = _set_nodelay  # type: ignore[attr-defined]  # private; typeshed omits it
