"""Every request example of the guide, sent as written to a real `streamlit run app.py`.

The guide (`tests/data/guide/`, a copy of the contract the app was built from) is parsed at test
time: its `METHOD /api/...` blocks, its `curl` lines and its load-balancer health check. Only
`http://localhost:3000` is rewritten, to the live server's address. Each answer must carry every
key of the guide's response example (recursively; a list by its first item), with enum-like values
from the guide's vocabulary.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from openmanager_core.ai import Agent
from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.ai.conftest import Broken
from tests.conftest import shared_app
from tests.services import LiveServer

GUIDE = Path(__file__).parent / "data" / "guide" / "openmanager-vibe-v5-api-guide.ko.md"
GUIDE_ORIGIN = "http://localhost:3000"
# What the guide holds: 7 `METHOD /api/...` blocks, 5 curl commands and 1 ALB health check.
REQUEST_EXAMPLES = 13
STAGES = ("analyzing", "pattern_matching", "reasoning", "generating", "completed")
# Enum-like values by key path (list positions left out). Tiers and stages are the guide's names
# (2.1-2.3); statuses, types and levels the words its examples use, and their siblings.
VOCABULARY: dict[str, frozenset[str]] = {
    "server.status": frozenset({"online", "warning", "critical", "offline"}),
    "server.services.status": frozenset({"running", "degraded", "stopped"}),
    "server.type": frozenset({"web", "database", "api", "kubernetes", "cache", "proxy", "analytics",
                              "monitoring", "ci_cd", "storage", "mail", "security"}),
    "server.environment": frozenset({"production", "staging"}),
    "server.provider": frozenset({"onpremise", "aws", "kubernetes"}),
    "metadata.method": frozenset({"optimized_ai_engine", "pattern_matching", "fallback_system"}),
    "metadata.analysisDepth": frozenset({"advanced", "intermediate", "basic"}),
    "step": frozenset(STAGES),
    "logs.level": frozenset({"info", "warning", "error"}),
    "actions.impact": frozenset({"high", "medium", "low"}),
}
# The guide's first deployment answer is for web-prod-01 on an empty fleet; these values are facts
# of the catalogue and the deployment, not illustrations, so they must match exactly.
EXACT = ("currentCount", "isComplete", "progress", "nextServerType", "message", "server.id",
         "server.hostname", "server.type", "server.environment", "server.provider")


@dataclass
class Example:
    """One request of the guide and the response it shows (None: the guide shows none)."""

    title: str
    method: str
    target: str  # path and query, as written
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    response: Any = None
    events: list[dict[str, Any]] | None = None  # a text/event-stream response, one dict per event
    status: int | None = None  # the status code the guide requires, where it names one

    @property
    def name(self) -> str:
        return f"{self.title}: {self.method} {self.target}"


# -- reading the guide ---------------------------------------------------------------------------


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(title, content) of every fenced block; the title is the nearest bold line or heading above."""
    blocks: list[tuple[str, str]] = []
    title, inside, lines = "", False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append((title, "\n".join(lines)))
            inside, lines = not inside, []
        elif inside:
            lines.append(line)
        elif (heading := re.fullmatch(r"#+ \**(?:[\d.]+ )?(.+?)\**", line.strip())) or (
                heading := re.fullmatch(r"\*\*(.+?)\*\*", line.strip())):
            title = heading.group(1).strip("*").strip()
    return blocks


def _json(text: str) -> Any:
    return json.loads(text.replace("{...}", "{}"))  # `{...}` stands for "an object"


def _response(text: str) -> tuple[Any, list[dict[str, Any]] | None]:
    text = text.strip()
    if text.startswith("data:"):
        return None, [_json(line[len("data:"):]) for line in text.splitlines() if line.startswith("data:")]
    return (_json(text) if text else None), None


def http_block(title: str, content: str) -> Example | None:
    """`POST /api/...`, header lines, a body, then an optional `# 응답` comment and the response."""
    lines = content.strip().splitlines()
    request = re.fullmatch(r"(GET|POST|PUT|PATCH|DELETE) (/api/\S*)", lines[0].strip()) if lines else None
    if request is None:
        return None
    example = Example(title, request.group(1), request.group(2))
    rest = lines[1:]
    while rest and (header := re.fullmatch(r"([A-Za-z-]+): (.+)", rest[0].strip())):
        example.headers[header.group(1)] = header.group(2)
        rest = rest[1:]
    cut = next((k for k, line in enumerate(rest) if line.startswith("#")), len(rest))
    example.body = "\n".join(rest[:cut]).strip() or None
    example.response, example.events = _response("\n".join(rest[cut + 1:]))
    return example


def curl_examples(title: str, content: str) -> list[Example]:
    """Every `curl` command of a block, its continuation lines joined."""
    found = []
    for command in content.replace("\\\n", " ").splitlines():
        if not command.strip().startswith("curl "):
            continue
        args = shlex.split(command)
        method, headers, body, url = "GET", {}, None, ""
        for flag, value in zip(args, [*args[1:], ""], strict=True):
            if flag == "-X":
                method = value
            elif flag == "-H":
                name, _, text = value.partition(":")
                headers[name.strip()] = text.strip()
            elif flag == "-d":
                body = value
        url = next(arg for arg in args if arg.startswith(GUIDE_ORIGIN))
        if body is not None:
            method = method if "-X" in args else "POST"
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")  # what curl -d sends
        found.append(Example(title, method, url[len(GUIDE_ORIGIN):], headers, body))
    return found


def health_check(title: str, content: str) -> Example | None:
    target = re.search(r"^Target: (/\S+)$", content, re.MULTILINE)
    codes = re.search(r"^Success codes: (\d+)$", content, re.MULTILINE)
    if target is None or codes is None:
        return None
    return Example(title, "GET", target.group(1), status=int(codes.group(1)))


def guide_examples(text: str) -> tuple[list[Example], list[Example]]:
    """(request examples in the guide's order, response examples shown without a request)."""
    requests: list[Example] = []
    responses: list[Example] = []
    last: Example | None = None
    for title, content in code_blocks(text):
        example = http_block(title, content) or health_check(title, content)
        if example is not None:
            requests.append(example)
            last = example
            continue
        if content.lstrip().startswith("{") and "응답" in title:
            response = _json(content)
            if last is not None and last.response is None and last.events is None and "Fallback" not in title:
                last.response = response  # "응답 예시" right after its request
            else:
                responses.append(Example(title, "", "", response=response))
            last = None
            continue
        curls = curl_examples(title, content)
        requests.extend(curls)
        last = curls[-1] if curls else None
    return requests, responses


GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")
REQUESTS, RESPONSES = guide_examples(GUIDE_TEXT)


def test_the_parser_finds_every_request_example_of_the_guide() -> None:
    written = (len(re.findall(r"^(?:GET|POST|PUT|PATCH|DELETE) /api/", GUIDE_TEXT, re.MULTILINE))
               + len(re.findall(r"^\s*curl ", GUIDE_TEXT, re.MULTILINE))
               + len(re.findall(r"^Target: /api/", GUIDE_TEXT, re.MULTILINE)))
    assert len(REQUESTS) == written == REQUEST_EXAMPLES, [e.name for e in REQUESTS]
    shown = [e for e in REQUESTS if e.response is not None or e.events is not None]
    assert [e.target for e in shown] == [
        "/api/servers/next", "/api/servers/next", "/api/ai-agent/optimized", "/api/ai-agent/thinking-process",
        "/api/ai-agent/admin/logs?limit=50&level=error", "/api/ai-agent/admin/stats"]
    assert [e.title for e in RESPONSES] == ["Fallback 응답 예시"]
    assert [event["step"] for event in REQUESTS[4].events or []] == list(STAGES)


# -- comparing ------------------------------------------------------------------------------------


def missing_keys(guide: Any, actual: Any, path: str = "", *, empty_lists_allowed: bool = False) -> list[str]:
    """Keys of the guide's example absent from the answer, as dotted paths."""
    if isinstance(guide, dict):
        if not isinstance(actual, dict):
            return [path or "(body)"]
        missing = []
        for key, value in guide.items():
            where = f"{path}.{key}" if path else key
            missing += [where] if key not in actual else missing_keys(
                value, actual[key], where, empty_lists_allowed=empty_lists_allowed)
        return missing
    if isinstance(guide, list) and guide:
        if not isinstance(actual, list):
            return [path]
        if not actual:
            return [] if empty_lists_allowed else [f"{path}[0]"]
        return missing_keys(guide[0], actual[0], f"{path}[0]", empty_lists_allowed=empty_lists_allowed)
    return []


def values_at(document: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path, through every list item."""
    if isinstance(document, list):
        for item in document:
            yield from values_at(item, path)
        return
    head, _, rest = path.partition(".")
    if isinstance(document, dict) and head in document:
        if rest:
            yield from values_at(document[head], rest)
        else:
            yield document[head]


def off_vocabulary(document: Any) -> list[str]:
    return [f"{path}={value!r}" for path, words in VOCABULARY.items() for value in values_at(document, path)
            if value is not None and value not in words]


def test_the_vocabulary_holds_the_guides_own_examples() -> None:
    shown = [e.response for e in REQUESTS + RESPONSES if e.response is not None]
    shown += [event for e in REQUESTS for event in e.events or []]
    assert off_vocabulary(shown) == []
    assert all(word in GUIDE_TEXT for word in VOCABULARY["metadata.method"] | VOCABULARY["step"])


# -- replaying ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One `streamlit run app.py` for every example (no API key: loopback may reset)."""
    limits_off = {f"OPENMANAGER_RATE_LIMIT_{name}": "0" for name in ("AI", "NEXT", "DEFAULT")}
    with shared_app(tmp_path_factory.mktemp("guide"), limits_off) as server:
        yield server


def send(server: LiveServer, example: Example) -> httpx.Response:
    """The request exactly as written: method, path and query, headers, body bytes."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.request(example.method, example.target, headers=example.headers,
                              content=example.body.encode() if example.body is not None else None)


def prepare(server: LiveServer, example: Example) -> None:
    """The fleet as the example finds it: empty before the first deployment (the guide's answer is
    position 1), deployed with a few minutes of history before everything else."""
    with httpx.Client(base_url=f"{server.url}/api", timeout=30) as client:
        assert client.post("/servers/next", json={"reset": True}).status_code == 200
        if not (example.method == "POST" and example.target == "/api/servers/next"):
            assert client.post("/servers/next", json={"currentCount": 19}).json()["currentCount"] == 20


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    chunks = response.text.strip("\n").split("\n\n")
    assert all(chunk.startswith("data: ") for chunk in chunks), response.text[:500]
    return [json.loads(chunk[len("data: "):]) for chunk in chunks]


# Ids in ASCII (pytest escapes Korean titles); the number is the example's place in the guide.
@pytest.mark.parametrize("example", REQUESTS, ids=[f"{n:02d} {e.method} {e.target}"
                                                   for n, e in enumerate(REQUESTS, 1)])
def test_guide_request_example(app: LiveServer, example: Example) -> None:
    prepare(app, example)
    response = send(app, example)
    assert response.status_code == (example.status or 200), f"{example.name}: {response.text[:1000]}"
    if example.events is not None:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = events_of(response)
        assert [e["step"] for e in events] == [e["step"] for e in example.events]
        for shown, sent in zip(example.events, events, strict=True):
            assert missing_keys(shown, sent) == [], sent
        assert off_vocabulary(events) == []
        progress = [e["progress"] for e in events]
        assert progress == sorted(progress) and progress[-1] == 100
        assert off_vocabulary(events[-1]["result"]) == []
        return
    body = response.json()
    if isinstance(body, dict) and "success" in body:
        assert body["success"] is True, body
    if example.response is None:
        return
    filtered = "level=" in example.target  # a filter may match nothing on a healthy server
    assert missing_keys(example.response, body, empty_lists_allowed=filtered) == [], body
    assert off_vocabulary(body) == []
    if example.method == "POST" and "currentCount" in (example.body or ""):
        for path in EXACT:
            assert list(values_at(body, path)) == list(values_at(example.response, path)), path
    if "level=" in example.target:
        level = re.search(r"level=(\w+)", example.target).group(1)  # type: ignore[union-attr]
        assert all(entry["level"] == level for entry in body["logs"])


def test_the_deployment_order_is_the_guides(app: LiveServer) -> None:
    """Section 1.2 lists the first nine servers in the order they come online."""
    listed = re.findall(r"^\d+\. (\S+)\s+\(", GUIDE_TEXT, re.MULTILINE)
    assert len(listed) == 9
    with httpx.Client(base_url=f"{app.url}/api", timeout=30) as client:
        client.post("/servers/next", json={"reset": True})
        deployed = [client.post("/servers/next").json()["server"]["hostname"] for _ in listed]
    assert deployed == listed


def test_the_logs_example_shape_on_recorded_lines(app: LiveServer) -> None:
    """The logs example filters on errors, which a healthy server may have none of: the shape of its
    entry is checked on the lines a query leaves."""
    logs_example = next(e for e in REQUESTS if "/admin/logs" in e.target)
    smart_query = next(e for e in REQUESTS if e.target == "/api/ai-agent/optimized" and e.response)
    prepare(app, smart_query)
    assert send(app, smart_query).status_code == 200
    body = httpx.get(f"{app.url}/api/ai-agent/admin/logs", params={"limit": 50}, timeout=30).json()
    assert body["logs"], body
    assert missing_keys(logs_example.response, body) == [] and off_vocabulary(body) == []
    assert body["logs"][0]["context"]["query"] == json.loads(smart_query.body or "{}")["query"]


def test_the_fallback_and_error_log_examples_when_the_first_tiers_fail(tmp_path: Path) -> None:
    """The guide's fallback answer and its error log line: what the API says when the first two
    tiers raise. A running server cannot be made to fail on purpose, so this one API runs in-process
    over a real SQLite fleet with both tiers replaced by ones that raise; the requests are the
    guide's, verbatim."""
    (fallback,) = RESPONSES
    smart_query = next(e for e in REQUESTS if e.target == "/api/ai-agent/optimized" and e.response)
    logs_example = next(e for e in REQUESTS if "/admin/logs" in e.target)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/fallback.db", redis_url=None, api_keys=[],
                        read_api_keys=[], secrets_files=[tmp_path / "no-secrets.toml"], rate_limit_ai="0")
    fleet = Fleet(settings)
    fleet.deploy_next(fleet.total - 1)
    agent = Agent(fleet, settings, engine=Broken("AI engine timeout"), patterns=Broken("no pattern"),
                  use_cache=False)
    with TestClient(create_api(lambda: fleet, settings, lambda: agent), client=("127.0.0.1", 5000),
                    base_url="http://127.0.0.1") as api:  # this machine, by address and Host
        def replay(example: Example) -> Any:
            response = api.request(example.method, example.target.removeprefix("/api"),
                                   headers=example.headers, content=example.body)
            assert response.status_code == 200, response.text
            return response.json()

        answer = replay(smart_query)
        assert missing_keys(fallback.response, answer) == [] and off_vocabulary(answer) == []
        meta = answer["metadata"]
        assert (meta["method"], meta["fallbackUsed"]) == ("fallback_system", True)
        assert "AI engine timeout" in meta["originalError"]
        logs = replay(logs_example)
    assert missing_keys(logs_example.response, logs) == [] and off_vocabulary(logs) == []
    assert {entry["level"] for entry in logs["logs"]} == {"error"}
    context = logs["logs"][-1]["context"]
    assert context["query"] == json.loads(smart_query.body or "{}")["query"]
    assert context["processingTime"] == answer["metadata"]["processingTime"]
