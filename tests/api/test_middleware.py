"""API middleware: body cap, security headers, CORS, streaming untouched, one JSON log line per request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi.responses import StreamingResponse
from starlette.types import Message

from openmanager_core.api.middleware import relative_location
from tests.api.conftest import LOOPBACK, MakeClient

ADMIN_KEY = "admin-key-0123456789abcdef"
WRONG_KEY = "wrong-key-0123456789abcdef"
SECRET = "a-test-signing-secret-of-forty-characters!"
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                    "content-security-policy": "frame-ancestors 'none'", "referrer-policy": "no-referrer"}


def access_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "openmanager.access"]


# -- body size ---------------------------------------------------------------------------


def incident_body(size: int) -> bytes:
    """A valid incident request padded with JSON whitespace to exactly `size` bytes."""
    body = b'{"type": "cpu_spike", "server": "web-prod-01"}'
    return body[:-1] + b" " * (size - len(body)) + b"}"


def test_body_over_the_cap_is_413_before_the_app_reads_it(make_client: MakeClient) -> None:
    client = make_client(client=LOOPBACK, max_body_bytes=1024)
    headers = {"content-type": "application/json"}
    assert client.post("/incidents", content=incident_body(1024), headers=headers).status_code == 201
    response = client.post("/incidents", content=incident_body(1025), headers=headers)
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "payload_too_large",
                                        "message": "The request body exceeds 1024 bytes.",
                                        "field": "body"}
    assert len(client.get("/incidents").json()["incidents"]) == 1


def test_streamed_body_over_the_cap_is_413(make_client: MakeClient) -> None:
    client = make_client(client=LOOPBACK, max_body_bytes=1024)

    def chunks(body: bytes) -> Iterator[bytes]:
        yield from (body[i:i + 100] for i in range(0, len(body), 100))

    headers = {"content-type": "application/json"}
    small = client.post("/incidents", content=chunks(incident_body(1000)), headers=headers)
    assert small.status_code == 201 and "content-length" not in small.request.headers
    big = client.post("/incidents", content=chunks(incident_body(5000)), headers=headers)
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
    assert len(client.get("/incidents").json()["incidents"]) == 1


# -- headers -----------------------------------------------------------------------------


def test_security_headers_on_every_api_answer(make_client: MakeClient) -> None:
    client = make_client(api_keys=ADMIN_KEY, rate_limit_next="1/minute", max_body_bytes=1024)
    client.get("/servers/next")
    answers = {
        200: client.get("/servers"), 404: client.get("/servers/no-such-host"),
        401: client.post("/incidents", json={}), 413: client.post("/incidents", content=b"x" * 2000),
        429: client.get("/servers/next"),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert {k: response.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS, status
        assert response.headers["cache-control"] == "no-store", status
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["x-frame-options"] == "DENY"
    assert "no-store" not in docs.headers.get("cache-control", "")


@pytest.mark.parametrize("path, relative", [("/servers/", "/servers"),
                                            ("/servers/next/?x=1", "/servers/next?x=1")])
def test_trailing_slash_redirects_never_name_the_host_sent(make_client: MakeClient, path: str,
                                                           relative: str) -> None:
    client = make_client()
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == relative
    assert client.get(path, follow_redirects=True).status_code == 200


def test_only_redirects_to_the_host_sent_become_relative_and_never_protocol_relative() -> None:
    assert relative_location(b"http://evil.example//other.example/x", b"evil.example") == b"/other.example/x"
    assert relative_location(b"https://idp.example/authorize", b"evil.example") == (
        b"https://idp.example/authorize")
    assert relative_location(b"/fleet", b"evil.example") == b"/fleet"


def test_cors_is_same_origin_unless_configured(make_client: MakeClient) -> None:
    origin = {"Origin": "https://ops.example.com"}
    closed = make_client()
    assert "access-control-allow-origin" not in closed.get("/servers", headers=origin).headers
    open_ = make_client(cors_origins="https://ops.example.com, https://other.example.com")
    simple = open_.get("/servers", headers=origin)
    assert simple.headers["access-control-allow-origin"] == "https://ops.example.com"
    assert "x-ratelimit-remaining" in simple.headers["access-control-expose-headers"].lower()
    preflight = open_.options("/incidents", headers={
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    stranger = open_.get("/servers", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in stranger.headers


# -- streaming ---------------------------------------------------------------------------


def test_streamed_responses_pass_through_unbuffered(make_client: MakeClient) -> None:
    """Every middleware layer forwards each chunk as it comes (SSE depends on it)."""
    app = make_client().app
    release = asyncio.Event()

    async def events() -> AsyncIterator[bytes]:
        yield b"data: first\n\n"
        await release.wait()
        yield b"data: second\n\n"

    app.add_api_route("/ai-agent/stream-test",  # type: ignore[attr-defined]
                      lambda: StreamingResponse(events(), media_type="text/event-stream"))
    sent: list[Message] = []
    first_chunk = asyncio.Event()

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body") == b"data: first\n\n":
            first_chunk.set()

    async def receive() -> Message:
        await asyncio.Event().wait()  # the client never sends a body or disconnects
        raise AssertionError("unreachable")

    async def scenario() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": "/ai-agent/stream-test",
                 "raw_path": b"/ai-agent/stream-test", "root_path": "", "query_string": b"",
                 "headers": [(b"host", b"testserver")], "client": ("203.0.113.5", 1),
                 "server": ("testserver", 80)}
        request = asyncio.create_task(app(scope, receive, send))
        await asyncio.wait_for(first_chunk.wait(), timeout=5)
        assert not request.done()  # the first event reached the client while the stream is open
        release.set()
        await asyncio.wait_for(request, timeout=5)

    asyncio.run(scenario())
    start = sent[0]
    assert start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"x-ratelimit-limit"] == b"30" and headers[b"x-frame-options"] == b"DENY"
    assert b"cache-control" not in headers
    assert [m.get("body") for m in sent[1:3]] == [b"data: first\n\n", b"data: second\n\n"]


# -- logs --------------------------------------------------------------------------------


def test_one_json_line_per_request(make_client: MakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    client = make_client(api_keys=ADMIN_KEY)
    capsys.readouterr()
    client.get("/servers/next")
    client.get("/servers/web-prod-01", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    client.post("/incidents", json={"type": "cpu_spike", "server": "web-prod-01"})
    lines = access_lines(capsys.readouterr().out)
    assert [(line["method"], line["route"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/servers/next", "/servers/next", 200),
        ("GET", "/servers/{server_id}", "/servers/web-prod-01", 404),
        ("POST", "/incidents", "/incidents", 401),
    ]
    assert all(line["client"] == "203.0.113.5" and line["latency_ms"] >= 0 for line in lines)
    assert "key" not in lines[0] and len(lines[1]["key"]) == 12 and lines[1]["auth"] == "api_key"


def test_secrets_never_reach_the_logs(make_client: MakeClient, capsys: pytest.CaptureFixture[str],
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    client = make_client(api_keys=ADMIN_KEY, jwt_secret=SECRET)
    token = client.post("/auth/token", json={"apiKey": ADMIN_KEY}).json()["token"]
    for credential in (ADMIN_KEY, token, WRONG_KEY, token[:-4] + "AAAA"):
        client.post("/servers/next", json={"reset": True},
                    headers={"Authorization": f"Bearer {credential}"})
    client.post("/auth/token", json={"apiKey": WRONG_KEY})
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert len(access_lines(captured.out)) == 6
    for secret in (ADMIN_KEY, WRONG_KEY, token, token.split(".")[2], SECRET):
        assert secret not in logs


# -- a real server -----------------------------------------------------------------------


def test_live_server_logs_json_lines_without_secrets(streamlit_app) -> None:
    server = streamlit_app(env={"OPENMANAGER_API_KEYS": ADMIN_KEY, "OPENMANAGER_JWT_SECRET": SECRET})
    with httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        token = client.post("/auth/token", json={"apiKey": ADMIN_KEY}).json()["token"]
        reset = client.post("/servers/next", json={"reset": True},
                            headers={"Authorization": f"Bearer {token}"})
        denied = client.post("/incidents", json={"type": "cpu_spike", "server": "web-prod-01"})
        assert (reset.status_code, denied.status_code) == (200, 401)
        assert reset.headers["X-RateLimit-Limit"] == "120"  # classed by the path below /api
    server.stop()
    output = server.output()
    lines = access_lines(output)
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/auth/token", 200), ("/servers/next", 200), ("/incidents", 401)]
    assert [len(line.get("key", "")) for line in lines] == [0, 12, 0]
    assert lines[1]["auth"] == "token" and lines[1]["path"] == "/servers/next"
    assert {line["client"] for line in lines} == {"127.0.0.1"}
    for secret in (ADMIN_KEY, token, SECRET):
        assert secret not in output


def test_live_server_without_keys_says_so_once(streamlit_app) -> None:
    server = streamlit_app()
    assert httpx.get(server.url + "/api/health", timeout=10).status_code == 200
    server.stop()
    assert server.output().count("No API key is configured") == 1
