"""Pure ASGI middlewares of the API: access log, security headers, rate limits, body cap, admin gate.

Pure ASGI (not BaseHTTPMiddleware) so streamed and SSE responses pass through unbuffered;
each layer only looks at the response start message and otherwise forwards untouched.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..security.ratelimit import RateLimiter, RatePolicy
from ..settings import Settings
from .auth import CREDENTIAL_SCOPE_KEY, AuthError, Principal, Security, authorize, credential
from .errors import error_body

ADMIN_PREFIXES = ("/ai-agent/admin",)
RATE_LIMIT_HEADERS = ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
MAX_LOGGED_PATH = 200

access_log = logging.getLogger("openmanager.access")


def route_path(scope: Scope) -> str:
    """The request path below the mount point (`/servers/next`, not `/api/servers/next`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def client_host(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _with_headers(message: Message, extra: Iterable[tuple[bytes, bytes]]) -> None:
    message["headers"] = [*message.get("headers", ()), *extra]


class RequestLog:
    """One JSON line per request: method, route, path, status, latency, client (and key, if any)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            fields = {"method": scope["method"], "route": getattr(route, "path", None),
                      "path": route_path(scope)[:MAX_LOGGED_PATH], "status": status,
                      "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                      "client": client_host(scope)}
            principal = scope.get(CREDENTIAL_SCOPE_KEY)
            if isinstance(principal, Principal):
                fields["key"], fields["auth"] = principal.key_id, principal.via
            # handle(makeRecord(...)) rather than .info(): skips findCaller's walk up a deep stack.
            access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __name__, 0,
                                                    "request", (), None, extra={"fields": fields}))


def relative_location(location: bytes, host: bytes | None) -> bytes:
    """A redirect to this same host as a path (`/api/servers`), so the Host header a client sent
    is never echoed back; a redirect elsewhere unchanged."""
    target = urlsplit(location)
    if not target.netloc or target.netloc != host:
        return location
    # One leading slash: `//evil.example/x` would be a redirect to another host.
    return urlunsplit((b"", b"", b"/" + target.path.lstrip(b"/"), target.query, target.fragment))


class SecurityHeaders:
    """nosniff, no framing (`X-Frame-Options` and CSP `frame-ancestors`), no referrer;
    `Cache-Control: no-store` on JSON unless the app set one; same-host redirects made relative.

    Wraps the API and, in app.py, the pages too (Streamlit sets none of these).
    """

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"frame-ancestors 'none'"), (b"referrer-policy", b"no-referrer"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", ()))
                extra = [h for h in self.HEADERS if h[0] not in headers]
                if (headers.get(b"content-type", b"").startswith(b"application/json")
                        and b"cache-control" not in headers):
                    extra.append((b"cache-control", b"no-store"))
                if 300 <= message["status"] < 400 and b"location" in headers:
                    host = next((value for key, value in scope["headers"] if key == b"host"), None)
                    message["headers"] = [
                        (key, relative_location(value, host) if key == b"location" else value)
                        for key, value in message.get("headers", ())]
                _with_headers(message, extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    """Raised into the app when a streamed (chunked) body passes the cap."""


class BodySizeLimit:
    """413 for a body over `max_bytes`: at once from Content-Length, or while a chunked body streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self) -> JSONResponse:
        return JSONResponse(status_code=413, content=error_body(
            "payload_too_large", f"The request body exceeds {self.max_bytes} bytes.", "body"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((value for key, value in scope["headers"] if key == b"content-length"), None)
        if length is not None:
            # The server never hands the app more than Content-Length bytes.
            if length.isdigit() and int(length) > self.max_bytes:
                await self._too_large()(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        await self._limit_stream(scope, receive, send)

    async def _limit_stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        received, exceeded, started = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def send_unless_exceeded(message: Message) -> None:
            # Once the cap is passed, whatever the app answers (it may turn our exception
            # into a 400 "cannot parse body") is replaced by the 413.
            nonlocal started
            if exceeded:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, send_unless_exceeded)
        if exceeded and not started:
            await self._too_large()(scope, receive, send)


class RateLimit:
    """Per-client budgets by path class; 429 with Retry-After, X-RateLimit-* on every answer.
    Every 429 is reported to `on_refused` (the agent's `rateLimited` count)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, policy: RatePolicy,
                 security: Security, on_refused: Callable[[], None]) -> None:
        self.app, self.limiter, self.policy, self.security = app, limiter, policy, security
        self.on_refused = on_refused

    def _client(self, scope: Scope) -> str:
        """The API key (by id) when a valid credential is presented, else the peer address."""
        found = credential(scope, self.security)
        return f"key:{found.key_id}" if isinstance(found, Principal) else f"ip:{client_host(scope)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name, item = self.policy.limit_for(route_path(scope))
        if item is None:
            await self.app(scope, receive, send)
            return
        verdict = await self.limiter.hit(item, name, self._client(scope))
        headers = [(b"x-ratelimit-limit", b"%d" % verdict.limit),
                   (b"x-ratelimit-remaining", b"%d" % max(verdict.remaining, 0)),
                   (b"x-ratelimit-reset", b"%d" % math.ceil(verdict.reset_at))]
        if not verdict.allowed:
            self.on_refused()
            retry_after = verdict.retry_after(time.time())
            response = JSONResponse(status_code=429, content=error_body(
                "rate_limited", f"Too many requests: {item} per client for this endpoint; "
                f"retry in {retry_after} s."), headers={"Retry-After": str(retry_after)})
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _with_headers(message, headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AdminGate:
    """Requests under ADMIN_PREFIXES need an admin credential, whichever router serves them."""

    def __init__(self, app: ASGIApp, security: Security,
                 prefixes: tuple[str, ...] = ADMIN_PREFIXES) -> None:
        self.app, self.security, self.prefixes = app, security, prefixes

    def _gated(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._gated(route_path(scope)):
            try:
                authorize(scope, self.security, "admin")
            except AuthError as exc:
                await exc.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_middleware(api: FastAPI, settings: Settings, security: Security,
                       limiter: RateLimiter, on_refused: Callable[[], None]) -> None:
    """Outermost first: CORS (if origins are set), log, headers, rate limit (each 429 reported to
    `on_refused`), body cap, admin gate."""
    api.add_middleware(AdminGate, security=security)
    api.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    api.add_middleware(RateLimit, limiter=limiter, policy=RatePolicy.from_settings(settings),
                       security=security, on_refused=on_refused)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(RequestLog)
    if settings.cors_origins:
        api.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Accept-Language"],
                           expose_headers=list(RATE_LIMIT_HEADERS), max_age=600)
