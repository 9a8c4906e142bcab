"""Wire bodies of the AI agent: answers, thinking steps, status, admin stats and logs (camelCase)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

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


Impact = Literal["high", "medium", "low"]


class Action(WireModel):
    """Something the operator can do about a finding: `impact` in the guide's words (how much
    doing it changes), `effect` what it changes."""

    type: str
    description: str
    impact: Impact
    effect: str


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
    rate_limited: int = 0  # this process's API 429s and AI-page refusals, counted not stored
    since: datetime | None = None


class LogContext(WireModel):
    """The query a log line belongs to; both None for a line of no query."""

    query: str | None = None
    processing_time: float | None = None  # milliseconds, the whole query


class LogEntry(WireModel):
    id: int
    timestamp: datetime
    level: LogLevel
    message: str
    tier: str | None = None
    query_id: int | None = None
    duration_ms: float | None = None
    context: LogContext = Field(default_factory=LogContext)


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

# Largest value each metric may take (all are >= 0); names as they may arrive, snake or camel case.
METRIC_BOUNDS: dict[str, float] = {"cpu": 100, "memory": 100, "disk": 100, "network_in": 1e7,
                                   "network_out": 1e7, "response_time": 1e7, "active_connections": 1e9}
METRIC_NAMES: dict[str, str] = {**{key: key for key in METRIC_BOUNDS},
                                **{to_camel(key): key for key in METRIC_BOUNDS}}
HOST_KEYS = ("hostname", "name", "serverId", "server_id", "id", "server")
MAX_SERVERS = 1000
MAX_HISTORY = 1440  # a day of one-minute samples
METRICS_FIELD = "serverData.metrics"


class InvalidMetrics(ValueError):
    """`serverData.metrics` refused; `field` is the exact path of the bad value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class ProvidedMetrics:
    """Metric values a caller hands in (`serverData.metrics`) for one server: the current value of
    each metric sent, and the history sent with it (oldest first, ending at the current value)."""

    hostname: str | None = None
    cpu: float | None = None
    memory: float | None = None
    disk: float | None = None
    network_in: float | None = None
    network_out: float | None = None
    response_time: float | None = None
    active_connections: float | None = None
    history: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        """The current value of every metric sent, in the metric table's order."""
        return {key: value for key in METRIC_BOUNDS if (value := getattr(self, key)) is not None}

    def series(self, key: str) -> tuple[float, ...]:
        """The history of one metric ending at its current value; empty without a history."""
        past, current = self.history.get(key, ()), getattr(self, key)
        if not past or current is None:
            return past
        return past if past[-1] == current else (*past, current)


def _number(value: Any, path: str, key: str) -> float:
    # Strings and booleans are refused rather than coerced: "90%" is not a measurement. Ints are
    # compared before any float conversion, so 10**400 is out of range rather than an overflow.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidMetrics(path, "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidMetrics(path, "must be a finite number")
    bound = METRIC_BOUNDS[key]
    if not 0 <= value <= bound:
        raise InvalidMetrics(path, f"must be between 0 and {bound:,.0f}")
    return float(value)


def _reading(value: Any, path: str, key: str) -> tuple[float, tuple[float, ...]]:
    """A metric sent as a number, or as `{"current": n, "history": [n, ...]}`."""
    if not isinstance(value, dict):
        return _number(value, path, key), ()
    if value.get("current") is None:
        raise InvalidMetrics(f"{path}.current", "is required")
    current = _number(value["current"], f"{path}.current", key)
    history = value.get("history")
    if history is None:
        return current, ()
    if not isinstance(history, list):
        raise InvalidMetrics(f"{path}.history", "must be a list of numbers")
    if len(history) > MAX_HISTORY:
        raise InvalidMetrics(f"{path}.history", f"must hold at most {MAX_HISTORY} values")
    return current, tuple(_number(item, f"{path}.history[{i}]", key) for i, item in enumerate(history))


def _holds_metrics(item: dict[str, Any]) -> bool:
    return any(key in METRIC_NAMES or key in HOST_KEYS or key == "metrics" for key in item)


def _server(item: Any, path: str, hostname: str | None = None) -> ProvidedMetrics:
    """One server's entry: metrics at the top or nested under `metrics`, named by any host key."""
    if not isinstance(item, dict):
        raise InvalidMetrics(path, "must be an object of metric values")
    if "hostname" in item and not isinstance(item["hostname"], str):
        raise InvalidMetrics(f"{path}.hostname", "must be a string")
    name = next((item[key] for key in HOST_KEYS if isinstance(item.get(key), str)), hostname)
    if name is not None and len(name) > 200:
        raise InvalidMetrics(f"{path}.hostname", "must be at most 200 characters")
    values: dict[str, float] = {}
    history: dict[str, tuple[float, ...]] = {}
    nested = item.get("metrics")
    sources = [(path, item)] + ([(f"{path}.metrics", nested)] if isinstance(nested, dict) else [])
    for base, source in sources:
        for wire, value in source.items():
            key = METRIC_NAMES.get(wire)
            if key is None or value is None:
                continue
            values[key], past = _reading(value, f"{base}.{wire}", key)
            if past:
                history[key] = past
    return ProvidedMetrics(hostname=name, history=history, **values)


def normalise_server_metrics(raw: Any) -> list[ProvidedMetrics]:
    """`serverData.metrics` as one server's values, a list of them, or {hostname: values}; each
    metric a number or `{current, history}`. InvalidMetrics names the first bad value's path."""
    if isinstance(raw, list):
        items = [_server(item, f"{METRICS_FIELD}[{i}]") for i, item in enumerate(raw[:MAX_SERVERS + 1])]
    elif isinstance(raw, dict) and raw and not _holds_metrics(raw) and all(
            isinstance(v, dict) for v in raw.values()):
        items = [_server(values, f"{METRICS_FIELD}.{name}", name)
                 for name, values in list(raw.items())[:MAX_SERVERS + 1]]
    else:
        items = [_server(raw, METRICS_FIELD)]
    if not items or len(items) > MAX_SERVERS:
        raise InvalidMetrics(METRICS_FIELD, f"must hold 1 to {MAX_SERVERS} servers")
    if not any(item.values() for item in items):
        raise InvalidMetrics(METRICS_FIELD, "holds no metric value")
    return items


class ServerData(WireModel):
    """`metrics`: one server's values, a list of servers, or {hostname: values}; each metric a number
    or `{"current": n, "history": [n, ...]}` (see normalise_server_metrics)."""

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
