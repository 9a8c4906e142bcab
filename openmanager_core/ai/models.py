"""Wire bodies of the AI agent: answers, thinking steps, status, admin stats and logs (camelCase)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..i18n import Lang
from ..models import WireModel

Stage = Literal["analyzing", "pattern_matching", "reasoning", "generating", "completed"]
Method = Literal["optimized_ai_engine", "pattern_matching", "fallback_system"]
Priority = Literal["low", "medium", "high"]
TierState = Literal["up", "down", "disabled"]
LogLevel = Literal["info", "warning", "error"]

METHODS: tuple[Method, ...] = ("optimized_ai_engine", "pattern_matching", "fallback_system")
STAGES: tuple[Stage, ...] = ("analyzing", "pattern_matching", "reasoning", "generating", "completed")
MAX_QUERY_CHARS = 1000


class TierAttempt(WireModel):
    """One tier (or the LLM) tried for a query: whether it answered, how long it took, why not."""

    tier: str
    ok: bool
    duration_ms: float
    error: str | None = None


class Action(WireModel):
    """Something the operator can do about a finding."""

    type: str
    description: str
    impact: str


class AnswerMetadata(WireModel):
    processing_time: float  # milliseconds
    method: Method
    fallback_used: bool
    analysis_depth: Literal["advanced", "intermediate", "basic"]
    original_error: str | None = None
    language: Lang
    servers: list[str] = Field(default_factory=list)
    cached: bool = False
    llm_used: bool = False
    tier_attempts: list[TierAttempt] = Field(default_factory=list)


class AgentAnswer(WireModel):
    success: bool
    response: str
    metadata: AnswerMetadata
    actions: list[Action] = Field(default_factory=list)


class ThinkingStep(WireModel):
    step: Stage
    content: str
    progress: int = Field(ge=0, le=100)
    result: AgentAnswer | None = None


class CacheStatus(WireModel):
    backend: Literal["memory", "redis", "off"]
    status: Literal["up", "down"]


class LlmStatus(WireModel):
    configured: bool
    model: str | None = None
    state: TierState


class AgentStatus(WireModel):
    success: bool = True
    status: Literal["ready", "degraded", "down"]
    engine: str
    version: str
    tiers: dict[str, TierState]
    llm: LlmStatus
    cache: CacheStatus
    budgets: dict[str, float]
    deployed_servers: int
    timestamp: datetime


class TierStats(WireModel):
    count: int
    share: float  # percent of answered queries
    average_response_time: float  # seconds
    p50_response_time: float
    p95_response_time: float


class AdminStats(WireModel):
    success: bool = True
    total_queries: int
    answered_queries: int
    failed_queries: int  # a tier worked on them and no answer came back
    rejected_queries: int  # empty or too long: refused before any tier ran
    rejected_rate: float  # percent of all queries
    success_rate: float  # percent of the queries a tier worked on (rejected ones left out)
    error_rate: float  # percent of the queries a tier worked on that failed
    average_response_time: float  # seconds, over answered queries
    p50_response_time: float
    p95_response_time: float
    fallback_usage: float  # percent of answered queries
    cache_hits: int
    tiers: dict[str, TierStats]
    errors: int  # error-level log entries
    since: datetime | None = None


class LogEntry(WireModel):
    id: int
    timestamp: datetime
    level: LogLevel
    message: str
    tier: str | None = None
    query_id: int | None = None
    query: str | None = None  # the question the line belongs to
    duration_ms: float | None = None


class LogsResponse(WireModel):
    success: bool = True
    logs: list[LogEntry]
    count: int


class QueryRecord(WireModel):
    id: int
    timestamp: datetime
    query: str
    language: str
    endpoint: str
    method: Method | None
    processing_time: float  # milliseconds
    success: bool
    fallback_used: bool
    cached: bool
    priority: str | None = None
    error: str | None = None


class TierProbe(WireModel):
    """The integrated `test` action: one tier run alone on a probe question."""

    tier: str
    ok: bool
    duration_ms: float
    answered: bool
    error: str | None = None
    preview: str | None = None


class SelfTestResponse(WireModel):
    success: bool
    query: str
    tiers: list[TierProbe]


class AnomalyItem(WireModel):
    hostname: str
    server_id: str
    metric: str
    value: float | None
    expected: float | None
    z_score: float | None
    direction: Literal["up", "down", "missing"]
    since: datetime | None
    cause: str | None = None


class AnomalyReport(WireModel):
    success: bool = True
    servers_scanned: int
    anomalies: list[AnomalyItem]
    processing_time: float  # milliseconds
    response: str


# -- requests -----------------------------------------------------------------------------

class ProvidedMetrics(WireModel):
    """Metric values a caller hands in (`serverData.metrics`), for one server."""

    model_config = ConfigDict(extra="ignore")

    hostname: str | None = Field(None, max_length=200)
    cpu: float | None = Field(None, ge=0, le=100)
    memory: float | None = Field(None, ge=0, le=100)
    disk: float | None = Field(None, ge=0, le=100)
    network_in: float | None = Field(None, ge=0, le=1e7)
    network_out: float | None = Field(None, ge=0, le=1e7)
    response_time: float | None = Field(None, ge=0, le=1e7)
    active_connections: float | None = Field(None, ge=0, le=1e9)

    @field_validator("cpu", "memory", "disk", "network_in", "network_out", "response_time",
                     "active_connections", mode="before")
    @classmethod
    def _finite_number(cls, value: Any) -> Any:
        # Strings and booleans are rejected rather than coerced: "90%" is not a measurement.
        if value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def values(self) -> dict[str, float]:
        return {key: float(value) for key, value in self.model_dump(exclude={"hostname"}, by_alias=False)
                .items() if value is not None}


HOST_KEYS = ("hostname", "name", "serverId", "server_id", "id", "server")


def _flatten(item: Any) -> Any:
    """A server entry with its values nested (`{"hostname", "metrics": {...}}`) or named by id."""
    if not isinstance(item, dict):
        return item
    nested = item.get("metrics")
    flat = {**(nested if isinstance(nested, dict) else {}),
            **{key: value for key, value in item.items() if key != "metrics"}}
    if "hostname" not in flat:
        name = next((flat[key] for key in HOST_KEYS if isinstance(flat.get(key), str)), None)
        if name is not None:
            flat["hostname"] = name
    return flat


def normalise_server_metrics(raw: Any) -> list[ProvidedMetrics]:
    """`serverData.metrics` as one server's values, a list of them, or {hostname: values}."""
    if isinstance(raw, list):
        items = [_flatten(item) for item in raw]
    elif isinstance(raw, dict) and raw and all(isinstance(v, dict) for v in raw.values()):
        items = [{"hostname": name, **_flatten(values)} for name, values in raw.items()]
    else:
        items = [_flatten(raw)]
    if not items or len(items) > 1000:
        raise ValueError("serverData.metrics must hold 1 to 1000 servers")
    parsed = [ProvidedMetrics.model_validate(item) for item in items]
    if not any(p.values() for p in parsed):
        raise ValueError("serverData.metrics holds no metric value")
    return parsed


class ServerData(WireModel):
    model_config = ConfigDict(extra="ignore")

    metrics: Any


class AgentRequest(WireModel):
    """Body of POST /ai-agent/optimized and /ai-agent/integrated."""

    model_config = ConfigDict(extra="ignore")

    action: str = Field(min_length=1, max_length=64)
    query: Any = None
    server_data: ServerData | None = None
    server: str | None = Field(None, min_length=1, max_length=200)
    priority: Priority = "medium"

    @model_validator(mode="before")
    @classmethod
    def _server_id_alias(cls, data: Any) -> Any:
        # The guide's clients send `serverId`; `server` (id or hostname) is the same thing.
        if isinstance(data, dict) and "server" not in data and "serverId" in data:
            data = {**data, "server": data["serverId"]}
        return data
