"""schemathesis against the app's own OpenAPI document (`/api/openapi.json`), in-process over ASGI.

Every documented operation, with data that fits the schema and data that does not: no 5xx,
and every 4xx in the error shape. schemathesis's strategies are driven from our own
hypothesis test (its pytest plugin does not load under pytest 9), bounded per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, event, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema

from tests.fuzz.target import AUTH, MOUNT, assert_clean_answer, build, operations, reaches_api

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> BaseSchema:
    app, fleet = build(tmp_path_factory.mktemp("fuzz-openapi"))
    fleet.deploy_next(4)
    return schemathesis.openapi.from_asgi(f"{MOUNT}/openapi.json", app)


def test_the_schema_lists_every_route(schema: BaseSchema) -> None:
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {f"{method} {path}" for method, path in operations()}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", [f"{method} {path}" for method, path in operations()])
def test_no_server_error_and_clean_4xx(schema: BaseSchema, label: str, mode: GenerationMode) -> None:
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().label == label]

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=AUTH)
        event(f"status {response.status_code}")
        case.validate_response(response, checks=[not_a_server_error])
        if reaches_api(response.request.url or ""):
            content_type = (response.headers.get("content-type") or [""])[0]
            assert_clean_answer(response.status_code, content_type, response.content)

    try:
        check()
    except Unsatisfiable:
        # Some operations take nothing that can be invalid (no inputs, or free text only).
        if mode is GenerationMode.POSITIVE:
            raise
