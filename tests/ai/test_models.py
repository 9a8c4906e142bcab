"""Wire models of the agent: the public surface, and the shapes `serverData.metrics` may take."""

from __future__ import annotations

import pytest

import openmanager_core.ai as ai
from openmanager_core.ai.models import AgentRequest, InvalidMetrics, ThinkingStep, normalise_server_metrics


def test_the_public_surface_changes_on_purpose() -> None:
    assert sorted(ai.__all__) == [
        "Action", "AdminStats", "Agent", "AgentAnswer", "AgentBusy", "AgentStatus", "AnswerMetadata",
        "InvalidQuery", "LogEntry", "QueryRecord", "StreamStalled", "ThinkingStep", "TierAttempt",
        "TierStats", "validate_query"]


@pytest.mark.parametrize("raw", [
    {"hostname": "web-prod-01", "cpu": 91, "responseTime": 420},
    [{"hostname": "web-prod-01", "cpu": 91, "response_time": 420}],
    {"web-prod-01": {"cpu": 91, "responseTime": 420}},
    [{"serverId": "web-prod-01", "metrics": {"cpu": 91, "responseTime": 420}}],
    {"hostname": "web-prod-01", "cpu": {"current": 91}, "responseTime": {"current": 420, "history": []}},
])
def test_server_metric_shapes(raw: object) -> None:
    (item,) = normalise_server_metrics(raw)
    assert item.hostname == "web-prod-01" and item.values() == {"cpu": 91.0, "response_time": 420.0}
    assert item.history == {}


def test_current_and_history_for_every_metric_as_the_guide_sends_them() -> None:
    # The guide's body: keys are metric names (not hostnames), each {current, history}.
    raw = {"cpu": {"current": 85.5, "history": [75, 80, 82, 85, 85.5]},
           "memory": {"current": 72.3, "history": [68, 70, 71, 72, 72.3]},
           "disk": {"current": 40, "history": [40]}, "networkIn": {"current": 120, "history": [100, 110]},
           "networkOut": {"current": 30}, "responseTime": {"current": 250, "history": [200, 250]},
           "activeConnections": {"current": 900, "history": [800, 850, 900]}}
    (item,) = normalise_server_metrics(raw)
    assert item.hostname is None
    assert item.values() == {"cpu": 85.5, "memory": 72.3, "disk": 40.0, "network_in": 120.0,
                             "network_out": 30.0, "response_time": 250.0, "active_connections": 900.0}
    assert item.series("cpu") == (75, 80, 82, 85, 85.5)  # already ends at the current value
    assert item.series("network_in") == (100, 110, 120)  # the current value closes the history
    assert item.series("network_out") == ()
    assert set(item.history) == {"cpu", "memory", "disk", "network_in", "response_time", "active_connections"}


def test_servers_by_hostname_may_send_history_too() -> None:
    first, second = normalise_server_metrics({
        "web-prod-01": {"cpu": {"current": 91, "history": [60, 91]}},
        "db-master-01": {"metrics": {"responseTime": {"current": 30, "history": [20, 25]}}}})
    assert (first.hostname, first.series("cpu")) == ("web-prod-01", (60, 91))
    assert (second.hostname, second.series("response_time")) == ("db-master-01", (20, 25, 30))


@pytest.mark.parametrize("raw, message", [
    ({"cpu": 101}, "serverData.metrics.cpu: must be between 0 and 100"),
    ({"cpu": True}, "serverData.metrics.cpu: must be a number"),
    ({"memory": float("nan")}, "serverData.metrics.memory: must be a finite number"),
    ({"memory": float("inf")}, "serverData.metrics.memory: must be a finite number"),
    ({"disk": "90"}, "serverData.metrics.disk: must be a number"),
    ({"cpu": 10**400}, "serverData.metrics.cpu: must be between 0 and 100"),
    ({"networkIn": 10**400}, "serverData.metrics.networkIn: must be between 0 and 10,000,000"),
    ({"cpu": {"current": "high"}}, "serverData.metrics.cpu.current: must be a number"),
    ({"cpu": {"history": [1, 2]}}, "serverData.metrics.cpu.current: is required"),
    ({"cpu": {"current": 5, "history": [1, 2, "x"]}}, "serverData.metrics.cpu.history[2]: must be a number"),
    ({"cpu": {"current": 5, "history": [1, float("inf")]}},
     "serverData.metrics.cpu.history[1]: must be a finite number"),
    ({"cpu": {"current": 5, "history": 7}}, "serverData.metrics.cpu.history: must be a list of numbers"),
    ({"cpu": {"current": 5, "history": [1] * 1441}},
     "serverData.metrics.cpu.history: must hold at most 1440 values"),
    ([{"cpu": 1}, {"memory": -1}], "serverData.metrics[1].memory: must be between 0 and 100"),
    ({"web-prod-01": {"metrics": {"disk": "full"}}},
     "serverData.metrics.web-prod-01.metrics.disk: must be a number"),
    ({"hostname": 7, "cpu": 1}, "serverData.metrics.hostname: must be a string"),
    ("cpu=90", "serverData.metrics: must be an object of metric values"),
    ([], "serverData.metrics: must hold 1 to 1000 servers"),
    ([{"cpu": 1}] * 1001, "serverData.metrics: must hold 1 to 1000 servers"),
    ({"hostname": "web-prod-01"}, "serverData.metrics: holds no metric value"),
])
def test_bad_server_metrics_name_the_field(raw: object, message: str) -> None:
    with pytest.raises(InvalidMetrics) as refused:
        normalise_server_metrics(raw)
    assert str(refused.value) == message
    assert refused.value.field == message.split(": ")[0]


def test_request_and_step_wire_names() -> None:
    request = AgentRequest.model_validate({"action": "analyze-server", "serverId": "srv_001",
                                           "serverData": {"metrics": {"cpu": 1}}})
    assert request.server == "srv_001" and request.server_data is not None
    step = ThinkingStep(step="analyzing", content="…", progress=20)
    assert step.model_dump(exclude_none=True) == {"step": "analyzing", "content": "…", "progress": 20}
