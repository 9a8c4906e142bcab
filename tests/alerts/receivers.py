"""Real receivers on loopback for notifications: an HTTP server (Apprise `json://`, Alertmanager
webhooks) and an SMTP server (aiosmtpd). Each records what it got; tests wait on them, never sleep."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.services import free_port


@dataclass
class Received:
    path: str
    body: Any


@dataclass
class Recorder:
    """What arrived, with a condition to wait on."""

    items: list[Any] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, item: Any) -> None:
        with self.changed:
            self.items.append(item)
            self.changed.notify_all()

    def wait_until(self, ready: Callable[[list[Any]], bool], timeout: float, what: str) -> list[Any]:
        """Block until `ready(items)`; AssertionError naming `what` (and what came) after `timeout`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not ready(self.items):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                         f"got {self.items!r}")
                self.changed.wait(left)
            return list(self.items)

    def snapshot(self) -> list[Any]:
        with self.changed:
            return list(self.items)


class HttpReceiver:
    """An HTTP server on 127.0.0.1 that records every POSTed JSON body and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.port = free_port()
        self.recorder = Recorder()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                receiver.recorder.add(Received(self.path, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, scheme: str = "http", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    @property
    def received(self) -> list[Received]:
        return self.recorder.snapshot()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1, recording each message."""

    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        recorder = self.recorder

        class Handler:
            async def handle_DATA(self, server: SMTP, session: Session,
                                  envelope: Envelope) -> str:
                content = envelope.content if isinstance(envelope.content, bytes) else b""
                recorder.add(message_from_bytes(content))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def url(self) -> str:
        """An Apprise mailto URL that sends through this server without TLS or login."""
        return f"mailto://127.0.0.1:{self.port}?from=alerts@example.com&to=ops@example.com"

    @property
    def received(self) -> list[Message]:
        return self.recorder.snapshot()

    def close(self) -> None:
        self._controller.stop()
