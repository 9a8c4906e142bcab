"""Domain models and API bodies (pydantic v2), camelCase on the wire as the guide shows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer
from pydantic.alias_generators import to_camel

from .i18n import t


class WireModel(BaseModel):
    """Base for everything that crosses the API: camelCase out, either case in."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )


class ServerType(StrEnum):
    WEB = "web"
    DATABASE = "database"
    API = "api"
    KUBERNETES = "kubernetes"
    CACHE = "cache"
    PROXY = "proxy"
    ANALYTICS = "analytics"
    MONITORING = "monitoring"
    CI_CD = "ci_cd"
    STORAGE = "storage"
    MAIL = "mail"
    SECURITY = "security"
    UNKNOWN = "unknown"  # a real server whose source names no type


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"


class Provider(StrEnum):
    ONPREMISE = "onpremise"  # the guide's spelling
    AWS = "aws"
    KUBERNETES = "kubernetes"


class Status(StrEnum):
    """Ordered from best to worst; `rank` sorts critical first."""

    ONLINE = "online"
    WARNING = "warning"
    CRITICAL = "critical"
    OFFLINE = "offline"

    @property
    def rank(self) -> int:
        return {"critical": 0, "offline": 1, "warning": 2, "online": 3}[self.value]


class ServiceState(StrEnum):
    RUNNING = "running"
    DEGRADED = "degraded"
    STOPPED = "stopped"


class IncidentType(StrEnum):
    CPU_SPIKE = "cpu_spike"
    MEMORY_LEAK = "memory_leak"
    DISK_FULL = "disk_full"
    NETWORK_CONGESTION = "network_congestion"
    SERVICE_DOWN = "service_down"
    HOST_DOWN = "host_down"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Specs(WireModel):
    cpu_cores: int
    memory_gb: int
    disk_gb: int


class Service(WireModel):
    name: str
    port: int
    status: ServiceState = ServiceState.RUNNING


class Server(WireModel):
    """A catalogue entry: what the server is, independent of time."""

    id: str
    position: int
    hostname: str
    name: str
    type: ServerType
    environment: Environment
    location: str
    provider: Provider
    specs: Specs
    ip: str
    services: list[Service]
    labels: dict[str, str] = Field(default_factory=dict)  # as the source labels it (Prometheus labels)


class MetricSample(WireModel):
    """Every metric at one instant; None where the source has no value for it (never invented)."""

    timestamp: datetime
    cpu: float | None
    memory: float | None
    disk: float | None
    network_in: float | None
    network_out: float | None
    response_time: float | None
    active_connections: int | None
    maintenance: bool = False


class AlertKind(StrEnum):
    METRIC = "metric"  # a metric over its warning or critical threshold
    SERVICE = "service"  # a service on a running host is stopped or degraded
    HOST = "host"  # the host reports no metrics at all


class Alert(WireModel):
    """`metric`, `value` and `threshold` describe a metric alert; `service`/`port` a service one."""

    kind: AlertKind = AlertKind.METRIC
    metric: str | None = None
    level: Status
    value: float | None = None
    threshold: float | None = None
    message: str
    service: str | None = None
    port: int | None = None


class ServerState(Server):
    """A deployed server at one instant: catalogue facts plus live metrics and status."""

    status: Status
    metrics: MetricSample | None
    alerts: list[Alert]
    deployed_at: datetime
    uptime: str
    uptime_seconds: int

    # The guide's server object carries these three at the top level; they are `metrics`' values
    # (None while the host reports nothing).
    @computed_field  # type: ignore[prop-decorator]  # mypy rejects a decorator over @property; pydantic documents this ignore
    @property
    def cpu(self) -> float | None:
        return self.metrics.cpu if self.metrics else None

    @computed_field  # type: ignore[prop-decorator]  # mypy rejects a decorator over @property; pydantic documents this ignore
    @property
    def memory(self) -> float | None:
        return self.metrics.memory if self.metrics else None

    @computed_field  # type: ignore[prop-decorator]  # mypy rejects a decorator over @property; pydantic documents this ignore
    @property
    def disk(self) -> float | None:
        return self.metrics.disk if self.metrics else None


class Incident(WireModel):
    id: int
    type: IncidentType
    server_id: str
    hostname: str
    severity: Severity
    started_at: datetime
    created_at: datetime
    cleared_at: datetime | None = None


class DeploymentState(WireModel):
    current_count: int
    total_servers: int
    is_complete: bool
    progress: int
    next_server_type: ServerType | None


class NextServerRequest(WireModel):
    model_config = ConfigDict(extra="forbid")

    current_count: int | None = Field(None, ge=0, le=50_000, strict=True)
    reset: bool = Field(False, strict=True)


class NextServerResponse(DeploymentState):
    success: bool
    server: ServerState | None
    message: str

    @field_serializer("next_server_type")
    def _type_name(self, value: ServerType | None) -> str | None:
        """The guide names the next type as a word ("Database"), in English whatever the language."""
        return None if value is None else t(f"type.{value.value}", "en")


class IncidentRequest(WireModel):
    model_config = ConfigDict(extra="forbid")

    type: IncidentType
    server: str = Field(min_length=1, max_length=200)
    severity: Severity = Severity.MEDIUM
    started_at: datetime | None = None


class MetricHistory(WireModel):
    server_id: str
    hostname: str
    minutes: int
    step_seconds: int
    samples: list[MetricSample]


class FleetSummary(WireModel):
    total: int
    online: int
    warning: int
    critical: int
    offline: int


class FleetSummaryResponse(WireModel):
    """`GET /servers?summary=true`: the counts over the whole fleet only."""

    success: bool = True
    summary: FleetSummary
    timestamp: datetime


class ListedServer(ServerState):
    """A server as `GET /servers` lists it: its state, and the metrics now off their usual level
    (the one anomaly bit the fleet table, the AI, chart marks and anomaly alerts read)."""

    anomalies: list[str]


class ServerListResponse(FleetSummaryResponse):
    """One page of `GET /servers`; `summary` still counts the whole fleet."""

    servers: list[ListedServer]
    matching: int  # servers in the status asked for (every deployed one without `status`)
    limit: int
    offset: int


class ServerResponse(WireModel):
    success: bool = True
    server: ServerState


class MetricHistoryResponse(MetricHistory):
    success: bool = True


class IncidentListResponse(WireModel):
    success: bool = True
    incidents: list[Incident]


class IncidentResponse(WireModel):
    success: bool = True
    incident: Incident


class ClearResponse(WireModel):
    success: bool = True
    cleared: int


class ComponentHealth(WireModel):
    status: str
    latency_ms: float | None = None
    detail: str | None = None
    backend: str | None = None


class AiHealth(ComponentHealth):
    tiers: dict[str, str] = Field(default_factory=dict)


class HealthResponse(WireModel):
    status: str
    version: str
    uptime_seconds: float
    timestamp: datetime
    database: ComponentHealth
    cache: ComponentHealth
    ai: AiHealth
    source: ComponentHealth  # where metrics come from (backend: simulated, host, prometheus)


class TokenRequest(WireModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=512)


class TokenResponse(WireModel):
    token: str
    expires_in: int
