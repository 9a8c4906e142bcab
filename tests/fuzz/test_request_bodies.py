"""Property tests (hypothesis) over every request model and every API body: no 5xx, ever.

Each model is fed arbitrary JSON and near-valid bodies directly (it validates or raises
ValidationError, nothing else), and every documented operation that takes a body gets the
same bodies over HTTP, in-process, with an admin credential so changes are really attempted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from openmanager_core import models
from openmanager_core.ai.models import MAX_QUERY_CHARS, AgentRequest
from openmanager_core.api.routes.ai_agent import INTEGRATED_ACTIONS, OPTIMIZED_ACTIONS
from openmanager_core.catalogue import Catalogue
from tests.fuzz.strategies import BIG_INTS, NASTY_TEXT, json_values, raw_bodies
from tests.fuzz.target import (
    AUTH,
    MOUNT,
    assert_clean_answer,
    body_models,
    build,
    openapi_document,
    reaches_api,
)

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DOCUMENT = openapi_document()
COMPONENTS: dict[str, Any] = DOCUMENT["components"]["schemas"]
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    (method.upper(), path): operation["requestBody"]["content"]["application/json"]["schema"]
    for path, item in DOCUMENT["paths"].items() for method, operation in item.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
}
# The AI routes take any JSON and validate it by hand (so refusals are recorded too); their
# documented body says nothing, so the fuzzer is told what they parse.
AGENT_SCHEMA = AgentRequest.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
COMPONENTS.update(AGENT_SCHEMA.pop("$defs", {}))
AGENT_SCHEMA["properties"]["query"] = {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS}
for path, actions in (("/ai-agent/optimized", OPTIMIZED_ACTIONS),
                      ("/ai-agent/integrated", INTEGRATED_ACTIONS)):
    documented = BODIES.get(("POST", path), {})
    if "properties" not in documented and "$ref" not in documented:
        BODIES[("POST", path)] = {**AGENT_SCHEMA, "properties": {
            **AGENT_SCHEMA["properties"], "action": {"type": "string", "enum": list(actions)}}}
# The request models of openmanager_core/models.py, and every model a route takes as its body.
REQUEST_MODELS: list[type[BaseModel]] = [
    cls for name, cls in vars(models).items()
    if isinstance(cls, type) and issubclass(cls, BaseModel) and name.endswith("Request")
]
BODY_MODELS = body_models()
PATH_VALUES = st.sampled_from([s.hostname for s in Catalogue(20).servers] + ["srv_001", "srv_020", "1"]) | \
    st.sampled_from(NASTY_TEXT) | st.text(min_size=1, max_size=30)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A non-loopback client of the API (mounted at /api) that sends the admin key."""
    app, fleet = build(tmp_path_factory.mktemp("fuzz-bodies"))
    fleet.deploy_next(4)
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.7", 4000),
                    headers=AUTH) as test_client:
        yield test_client


def test_the_api_takes_bodies_and_every_request_model_is_one_of_them() -> None:
    assert BODIES, "no operation takes a JSON body"
    referenced = set(re.findall(r"#/components/schemas/(\w+)", json.dumps(list(BODIES.values()))))
    assert REQUEST_MODELS
    assert {model.__name__ for model in REQUEST_MODELS} <= referenced
    assert set(REQUEST_MODELS) <= set(BODY_MODELS)


@cache
def model_bodies(model: type[BaseModel]) -> st.SearchStrategy[bytes]:
    """What a model is fed, built once for its test: a strategy built afresh for every example makes
    hypothesis check the whole tree again each time (most of the test's time), for the same draws."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    return raw_bodies(schema, {**COMPONENTS, **schema.get("$defs", {})}) | json_values().map(
        lambda value: json.dumps(value).encode())


@cache
def operation_bodies(method: str, path: str) -> st.SearchStrategy[bytes]:
    """An operation's bodies, built once for its test (as `model_bodies`)."""
    return raw_bodies(BODIES[(method, path)], COMPONENTS)


@pytest.mark.parametrize("model", BODY_MODELS, ids=lambda model: model.__name__)
@FUZZ
@given(data=st.data())
def test_request_models_validate_or_reject_cleanly(model: type[BaseModel], data: st.DataObject) -> None:
    raw = data.draw(model_bodies(model))
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError:
        return
    # What validates survives its own wire form unchanged.
    assert model.model_validate_json(parsed.model_dump_json()) == parsed


def _concrete(path: str, data: st.DataObject) -> str:
    return re.sub(r"\{(\w+)\}", lambda _: quote(data.draw(PATH_VALUES), safe=""), path)


@pytest.mark.parametrize(("method", "path"), sorted(BODIES), ids=lambda part: part)
@FUZZ
@given(data=st.data())
def test_api_bodies_never_get_a_5xx_and_4xx_has_the_error_shape(
        client: TestClient, method: str, path: str, data: st.DataObject) -> None:
    raw = data.draw(operation_bodies(method, path))
    language = data.draw(st.sampled_from(["ko", "en", "en-US,en;q=0.9", "*", "xx", ""]))
    url = MOUNT + _concrete(path, data)
    response = client.request(method, url, content=raw,
                              headers={"content-type": "application/json", "accept-language": language})
    event(f"status {response.status_code}")  # --hypothesis-show-statistics shows the spread
    if reaches_api(url):
        assert_clean_answer(response.status_code, response.headers.get("content-type", ""), response.content)
    else:  # a newline in a path value: the mount doesn't take it, so the page server answers
        assert response.status_code < 500, f"{method} {url} -> {response.status_code}"


PATH_OPERATIONS = sorted((method.upper(), path) for path, item in DOCUMENT["paths"].items()
                         for method in item if "{" in path)
EDGE_SEGMENTS = [str(n) for n in BIG_INTS] + [quote(text, safe="") for text in NASTY_TEXT if text]


@pytest.mark.parametrize(("method", "path"), PATH_OPERATIONS, ids=lambda part: part)
def test_path_parameters_at_every_edge_get_no_5xx(client: TestClient, method: str, path: str) -> None:
    """Deterministic edges for every path parameter: ints past 64 bits, negatives, hostile text."""
    for segment in EDGE_SEGMENTS:
        url = MOUNT + re.sub(r"\{\w+\}", segment, path)
        response = client.request(method, url)
        if reaches_api(url):
            assert_clean_answer(response.status_code, response.headers.get("content-type", ""),
                                response.content, f"{method} {url}")
