"""Wire models of the agent: the public surface, and the shapes `serverData.metrics` may take."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import openmanager_core.ai as ai
from openmanager_core.ai.models import AgentRequest, ThinkingStep, normalise_server_metrics


def test_the_public_surface_changes_on_purpose() -> None:
    assert sorted(ai.__all__) == [
        "Action", "AdminStats", "Agent", "AgentAnswer", "AgentStatus", "AnswerMetadata", "InvalidQuery",
        "LogEntry", "QueryRecord", "ThinkingStep", "TierAttempt", "TierStats", "validate_query"]


@pytest.mark.parametrize("raw", [
    {"hostname": "web-prod-01", "cpu": 91, "responseTime": 420},
    [{"hostname": "web-prod-01", "cpu": 91, "response_time": 420}],
    {"web-prod-01": {"cpu": 91, "responseTime": 420}},
    [{"serverId": "web-prod-01", "metrics": {"cpu": 91, "responseTime": 420}}],
])
def test_server_metric_shapes(raw: object) -> None:
    (item,) = normalise_server_metrics(raw)
    assert item.hostname == "web-prod-01" and item.values() == {"cpu": 91.0, "response_time": 420.0}


@pytest.mark.parametrize("raw, problem", [
    ({"cpu": 101}, "less than or equal to 100"),
    ({"cpu": True}, "finite number"),
    ({"memory": float("nan")}, "finite number"),
    ({"disk": "90"}, "finite number"),
    ([], "1 to 1000 servers"),
    ({"hostname": "web-prod-01"}, "no metric value"),
])
def test_bad_server_metrics(raw: object, problem: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=problem):
        normalise_server_metrics(raw)


def test_request_and_step_wire_names() -> None:
    request = AgentRequest.model_validate({"action": "analyze-server", "serverId": "srv_001",
                                           "serverData": {"metrics": {"cpu": 1}}})
    assert request.server == "srv_001" and request.server_data is not None
    step = ThinkingStep(step="analyzing", content="…", progress=20)
    assert step.model_dump(exclude_none=True) == {"step": "analyzing", "content": "…", "progress": 20}
