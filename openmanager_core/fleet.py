"""The fleet: catalogue, store and simulator together, as pages and the API see them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import thresholds
from .catalogue import Catalogue
from .i18n import NO_VALUE, Lang, format_uptime
from .models import (
    DeploymentState,
    FleetSummary,
    Incident,
    IncidentType,
    MetricHistory,
    MetricSample,
    Server,
    ServerState,
    Severity,
)
from .settings import Settings
from .simulator import Simulator, service_states
from .store import DeploymentRun, Store

MAX_HISTORY_MINUTES = 7 * 24 * 60
MAX_HISTORY_POINTS = 1440


class UnknownServer(LookupError):
    """No server in the catalogue has that id or hostname."""


class NotDeployed(LookupError):
    """The server exists in the catalogue but has not been deployed yet."""


class InvalidCount(ValueError):
    """A currentCount past the end of the catalogue."""


@dataclass(frozen=True)
class DeployResult:
    server: Server | None
    state: DeploymentState


@dataclass(frozen=True)
class DeploymentStatus:
    """Where the deployment stands and whether it runs: the same for every viewer."""

    state: DeploymentState
    running: bool


def utcnow() -> datetime:
    return datetime.now(UTC)


def summarize(states: Iterable[ServerState]) -> FleetSummary:
    """How many servers are in each status: the dashboard's 전체 / 정상 / 경고 / 위험 / 오프라인."""
    return thresholds.count_by_status(state.status for state in states)


class Fleet:
    """One shared view of the fleet; safe to use from many threads at once."""

    def __init__(self, settings: Settings, store: Store | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.catalogue = Catalogue(settings.fleet_size)
        self.store = store or Store(settings.database_url)
        self.simulator = Simulator(self.catalogue.servers)
        self.clock = clock

    @property
    def total(self) -> int:
        return len(self.catalogue)

    # -- deployment -------------------------------------------------------------------

    def _state(self, count: int) -> DeploymentState:
        count = min(count, self.total)
        complete = count >= self.total
        return DeploymentState(
            current_count=count,
            total_servers=self.total,
            is_complete=complete,
            progress=round(100 * count / self.total),
            next_server_type=None if complete else self.catalogue.at(count + 1).type,
        )

    def deployment(self) -> DeploymentState:
        return self._state(self.store.deployed_count())

    def deploy_next(self, current_count: int | None = None) -> DeployResult:
        """Deploy position currentCount+1 (idempotently), or the next one atomically."""
        now = self.clock()
        if current_count is not None:
            if current_count > self.total:
                raise InvalidCount(
                    f"currentCount {current_count} exceeds totalServers {self.total}")
            if current_count == self.total:
                return DeployResult(None, self.deployment())
            position = current_count + 1
            count = self.store.deploy_through(position, now)
        else:
            claimed = self.store.deploy_next(self.total, now)
            if claimed is None:
                return DeployResult(None, self.deployment())
            # Positions are claimed contiguously, so the one just claimed is the count.
            position = count = claimed
        return DeployResult(self.catalogue.at(position), self._state(count))

    def reset(self) -> DeploymentState:
        """Empty the fleet and stop its run, for every session and replica."""
        self.store.reset(self.clock())
        return self.deployment()

    def _status(self, run: DeploymentRun) -> DeploymentStatus:
        return DeploymentStatus(state=self._state(run.deployed), running=run.running)

    def deployment_status(self) -> DeploymentStatus:
        """One cheap read: what every viewer polls while a deployment may run."""
        return self._status(self.store.deployment_run())

    def start_deployment(self) -> DeploymentStatus:
        """Run the deployment in the core (the driver advances it), one server per
        `deploy_interval_seconds`; the first one that is due goes out at once."""
        now = self.clock()
        self.store.start_run(self.total, self.settings.deploy_interval_seconds, now)
        self.store.step_run(self.total, now)
        return self.deployment_status()

    def pause_deployment(self) -> DeploymentStatus:
        return self._status(self.store.stop_run(self.clock()))

    def advance_deployment(self, now: datetime | None = None) -> Server | None:
        """Deploy the running deployment's next server if one interval has passed since the
        last; the server deployed, or None. Safe to call from any number of drivers."""
        now = now or self.clock()
        if not self.store.deployment_run().is_due(now):  # the usual case, and only a read
            return None
        position = self.store.step_run(self.total, now)
        return None if position is None else self.catalogue.at(position)

    # -- live state -------------------------------------------------------------------

    def resolve(self, key: str) -> Server:
        server = self.catalogue.find(key)
        if server is None:
            raise UnknownServer(key)
        return server

    def deployed_servers(self) -> list[tuple[Server, datetime]]:
        return [(self.catalogue.at(p), at) for p, at in self.store.deployed()
                if p <= self.total]

    def states(self, lang: Lang = "ko", at: datetime | None = None) -> list[ServerState]:
        """Every deployed server with current metrics, status and alerts, in deployment order."""
        at = at or self.clock()
        deployed = self.deployed_servers()
        incidents = self.store.incidents()
        samples = self.simulator.snapshot([s for s, _ in deployed], at, incidents)
        return self._compose(deployed, samples, incidents, at, lang)

    def state(self, key: str, lang: Lang = "ko", at: datetime | None = None) -> ServerState:
        server = self.resolve(key)
        at = at or self.clock()
        deployed_at = self.store.deployed_at(server.position)
        if deployed_at is None:
            raise NotDeployed(server.hostname)
        incidents = [i for i in self.store.incidents() if i.server_id == server.id]
        sample = self.simulator.sample(server, at, incidents)
        return self._compose([(server, deployed_at)], [sample], incidents, at, lang)[0]

    def _compose(self, deployed: Sequence[tuple[Server, datetime]], samples: Sequence[MetricSample | None],
                 incidents: Sequence[Incident], at: datetime, lang: Lang) -> list[ServerState]:
        """Servers as pages and the API show them, judged together by `thresholds.judge`."""
        services = [service_states(server, sample, incidents, at) for (server, _), sample
                    in zip(deployed, samples, strict=True)]
        judgement = thresholds.judge_samples(samples, [server.type for server, _ in deployed], services)
        states = []
        for k, ((server, deployed_at), sample) in enumerate(zip(deployed, samples, strict=True)):
            # A host that is down has no uptime: it stops counting and shows as "—".
            uptime = max(0.0, (at - deployed_at).total_seconds()) if sample is not None else 0.0
            states.append(ServerState(
                **server.model_dump(exclude={"services"}),
                services=services[k],
                status=judgement.status(k),
                metrics=sample,
                alerts=judgement.alerts(k, lang),
                deployed_at=deployed_at,
                uptime=format_uptime(uptime, lang) if sample is not None else NO_VALUE,
                uptime_seconds=int(uptime),
            ))
        return states

    def history(self, key: str, minutes: int = 60, at: datetime | None = None) -> MetricHistory:
        """Samples over the last `minutes`, at most MAX_HISTORY_POINTS of them, at whole multiples of
        the step since the epoch (as a Prometheus range query aligns them): every replica, and every
        refresh within one step, returns the same instants."""
        server = self.resolve(key)
        step = max(10, (minutes * 60) // MAX_HISTORY_POINTS)
        end_seconds = math.floor((at or self.clock()).timestamp() / step) * step
        at = datetime.fromtimestamp(end_seconds, UTC)
        start = at - timedelta(seconds=(minutes * 60 // step) * step)
        incidents = [i for i in self.store.incidents(in_effect_during=[(start, at)])
                     if i.server_id == server.id]
        samples = self.simulator.history(server, start, at, step, incidents)
        return MetricHistory(server_id=server.id, hostname=server.hostname, minutes=minutes,
                             step_seconds=step, samples=samples)

    # -- incidents --------------------------------------------------------------------

    def inject(self, type_: IncidentType, key: str, severity: Severity = Severity.MEDIUM,
               started_at: datetime | None = None) -> Incident:
        """Start an incident on a server; IncidentExists when one of that type is active on it,
        TooManyIncidents when `max_active_incidents` are active in all."""
        server = self.resolve(key)
        now = self.clock()
        start = started_at or now
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        return self.store.add_incident(type_, server.id, server.hostname, severity, start, now,
                                       self.settings.max_active_incidents)

    def incidents(self) -> list[Incident]:
        return self.store.incidents()

    def clear(self, incident_id: int | None = None) -> int:
        now = self.clock()
        if incident_id is None:
            return self.store.clear_incidents(now)
        return int(self.store.clear_incident(incident_id, now))
