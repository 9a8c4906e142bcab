"""The fleet: catalogue, store and metric source together, as pages and the API see them.

The fleet is the one door to metrics: pages, API routes, AI tiers and alerts read through it."""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Generic, TypeVar

import numpy as np

from . import thresholds
from .catalogue import Catalogue, catalogue_edges
from .dependencies import DependencyGraph, label_edges, load_dependency_file
from .i18n import NO_VALUE, Lang, format_uptime
from .metrics import METRICS
from .models import (
    DeploymentState,
    FleetSummary,
    Incident,
    IncidentType,
    MetricHistory,
    Server,
    ServerState,
    Service,
    Severity,
    Status,
)
from .settings import Settings
from .sources import Frame, MetricSource, SourceHealth, open_source
from .sources.base import frames_to_samples
from .store import DeploymentRun, Store

log = logging.getLogger(__name__)

MAX_HISTORY_MINUTES = 7 * 24 * 60
MAX_HISTORY_POINTS = 1440
SERVER_STATES_KEPT = 256
# Up to this many deployed, one server's state now is read from the whole fleet's snapshot: the
# snapshot of 20 costs 8 ms and one server alone 5 ms (both mostly fixed cost), ~20 ms at 100.
SNAPSHOT_FOR_ONE = 100
ANOMALY_BITS_KEPT = 16  # the whole fleet's, and pages of the API's, for the current interval


class UnknownServer(LookupError):
    """No server in the catalogue has that id or hostname."""


class NotDeployed(LookupError):
    """The server exists in the catalogue but has not been deployed yet."""


class InvalidCount(ValueError):
    """A currentCount past the end of the catalogue."""


class NotSimulated(RuntimeError):
    """Deployment and incident injection exist only for the simulated fleet, not for real servers."""

    def __init__(self, source: str) -> None:
        super().__init__(f"Deployment and incident injection exist only for the simulated source; "
                         f"this fleet's metrics come from the {source!r} source.")
        self.source = source


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


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class OncePerKey(Generic[K, V]):
    """Values computed once per key however many threads ask at once (the rest wait for the
    first one's result); the `keep` newest keys are kept. A failure is handed to everyone who
    waited and not kept, so the next call tries again."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, Future[V]] = OrderedDict()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        entry, mine = self._claim(key)
        if mine:
            self._compute(key, entry, compute)
        return entry.result()

    def get_at_hand(self, key: K, compute: Callable[[], V]) -> V | None:
        """As `get`, but None rather than waiting while another thread computes the value."""
        entry, mine = self._claim(key)
        if mine:
            self._compute(key, entry, compute)
        elif not entry.done():
            return None
        return entry.result()

    def peek(self, key: K) -> V | None:
        """The value if it is computed already; None otherwise (never computes nor waits)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or not entry.done() or entry.exception() is not None:
            return None
        return entry.result()

    def _claim(self, key: K) -> tuple[Future[V], bool]:
        """The key's entry, and whether this caller made it (and so computes it)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                return entry, False
            entry = self._entries[key] = Future()
            while len(self._entries) > self._keep:
                self._entries.popitem(last=False)
            return entry, True

    def _compute(self, key: K, entry: Future[V], compute: Callable[[], V]) -> None:
        try:
            entry.set_result(compute())
        except BaseException as exc:
            entry.set_exception(exc)
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]


@dataclass(frozen=True)
class StoreView:
    """What the store holds about the fleet at one store version (None: read without one)."""

    version: int | None
    deployed: Sequence[tuple[Server, datetime]]

    @cached_property
    def _deployed_at(self) -> dict[int, datetime]:
        return {server.position: at for server, at in self.deployed}

    def deployed_at(self, position: int) -> datetime | None:
        """When `position` was deployed, or None while it is not."""
        return self._deployed_at.get(position)

    def deployed_through(self, position: int) -> bool:
        """Whether positions 1..position are all deployed (`deployed` is in position order)."""
        return position <= len(self.deployed) and self.deployed[position - 1][0].position == position


@dataclass(frozen=True)
class FleetNow:
    """Every deployed server's metrics and judgement at one instant, in deployment order: what
    statuses, counts and states are all read from."""

    at: datetime
    version: int | None
    deployed: Sequence[tuple[Server, datetime]]
    frame: Frame  # one instant: values[metric] is (servers, 1)
    services: Sequence[list[Service]]
    judgement: thresholds.Judgement

    @property
    def summary(self) -> FleetSummary:
        return thresholds.count_by_status(self.judgement.statuses)

    @cached_property
    def _row_of(self) -> dict[str, int]:
        return {server.id: k for k, (server, _) in enumerate(self.deployed)}

    def row_of(self, server_id: str) -> int | None:
        """The server's row, or None when it is not deployed in this snapshot."""
        return self._row_of.get(server_id)

    def rows(self, status: Status | None = None) -> list[int]:
        """Rows of the servers in `status` (all of them for None), in deployment order."""
        if status is None:
            return list(range(len(self.deployed)))
        return np.flatnonzero(self.judgement.status_ranks == status.rank).tolist()


@dataclass(frozen=True)
class FleetPage:
    """Some servers of the fleet at one instant, and the counts over all of it."""

    at: datetime
    summary: FleetSummary
    matching: int  # servers in the status asked for (all of them when none was)
    states: list[ServerState]


class Fleet:
    """One shared view of the fleet; safe to use from many threads at once."""

    def __init__(self, settings: Settings, store: Store | None = None,
                 clock: Callable[[], datetime] = utcnow, source: MetricSource | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.database_url)
        self.clock = clock
        self.source = source or open_source(settings, self.store, clock)
        self._inventory = self.source.inventory()
        self.catalogue = Catalogue.holding(self._inventory)
        # Process-wide: every session and request of this process shares these (the Fleet is one
        # per process). Metrics are a pure function of time and store state, so a snapshot keyed
        # by the whole second and the store version is right for everyone who asks in that second.
        self._views: OncePerKey[int, StoreView] = OncePerKey(keep=1)
        self._snapshots: OncePerKey[tuple[datetime, int | None], FleetNow] = OncePerKey(keep=2)
        self._states: OncePerKey[tuple[datetime, int | None, Lang], list[ServerState]] = OncePerKey(keep=4)
        # One server's state (the answer to a deploy), per second, store version and language.
        self._server_states: OncePerKey[tuple[datetime, int | None, str, Lang], ServerState] = \
            OncePerKey(keep=SERVER_STATES_KEPT)
        # Read at start-up, so a broken file stops the app with its fault named (DependencyConfigError).
        self._dependency_file = (load_dependency_file(settings.dependencies)
                                 if settings.dependencies is not None else None)
        self._graph: tuple[Catalogue, DependencyGraph] | None = None
        # Servers' metrics off their usual level now, per refresh interval, store version and the
        # servers screened (None: all deployed): filled by `ai.findings.current_anomalies` (the rule
        # lives there, and it reads through this fleet), kept here so that it is one per process.
        self.anomaly_bits: OncePerKey[tuple[int, int | None, tuple[str, ...] | None],
                                      dict[str, tuple[str, ...]]] = OncePerKey(keep=ANOMALY_BITS_KEPT)

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

    def _simulated_only(self) -> None:
        if not self.source.simulated:
            raise NotSimulated(self.source.kind)

    def deployment(self) -> DeploymentState:
        """Where the deployment stands: no transaction while the store is unchanged (see _view). A
        real source's servers are all there from the start."""
        return self._state(len(self._view().deployed))

    def deployment_at_hand(self) -> DeploymentState | None:
        """`deployment()` if it needs no wait (see _view_at_hand), else None."""
        view = self._view_at_hand()
        return None if view is None else self._state(len(view.deployed))

    def replay_at_hand(self, current_count: int, lang: Lang) -> tuple[DeploymentState, ServerState] | None:
        """A replayed `deploy_next(current_count)` (position currentCount+1 already deployed) answered
        without any wait: the deployment state and that server's state. None when answering needs
        the store or another thread's result; `deploy_next` and `state` then do."""
        view = self._view_at_hand()
        position = current_count + 1
        if (not self.source.simulated or view is None or not 0 <= current_count < self.total
                or not view.deployed_through(position)):
            return None
        state = self._server_states.get_at_hand(*self._server_state(self.catalogue.at(position), view, lang))
        return None if state is None else (self._state(len(view.deployed)), state)

    def deploy_next(self, current_count: int | None = None) -> DeployResult:
        """Deploy position currentCount+1 (idempotently), or the next one atomically.

        A replay (position currentCount+1 already deployed, as the current store version shows)
        writes nothing and takes no lock: the guide's client repeats its last count."""
        self._simulated_only()
        now = self.clock()
        if current_count is not None:
            if current_count > self.total:
                raise InvalidCount(
                    f"currentCount {current_count} exceeds totalServers {self.total}")
            if current_count == self.total:
                return DeployResult(None, self.deployment())
            position = current_count + 1
            view = self._view()
            if view.deployed_through(position):
                return DeployResult(self.catalogue.at(position), self._state(len(view.deployed)))
            count = self.store.deploy_through(position, now, self._placement)
        else:
            claimed = self.store.deploy_next(self.total, now, self._placement)
            if claimed is None:
                return DeployResult(None, self.deployment())
            # Positions are claimed contiguously, so the one just claimed is the count.
            position = count = claimed
        return DeployResult(self.catalogue.at(position), self._state(count))

    def _placement(self, position: int) -> tuple[str, str]:
        server = self.catalogue.at(position)
        return server.id, server.hostname

    def reset(self) -> DeploymentState:
        """Empty the fleet and stop its run, for every session and replica."""
        self._simulated_only()
        self.store.reset(self.clock())
        return self.deployment()

    def _status(self, run: DeploymentRun) -> DeploymentStatus:
        return DeploymentStatus(state=self._state(run.deployed), running=run.running)

    def deployment_status(self) -> DeploymentStatus:
        """One cheap read: what every viewer polls while a deployment may run."""
        if not self.source.simulated:
            return DeploymentStatus(state=self.deployment(), running=False)
        return self._status(self.store.deployment_run())

    def start_deployment(self) -> DeploymentStatus:
        """Run the deployment in the core (the driver advances it), one server per
        `deploy_interval_seconds`; the first one that is due goes out at once."""
        self._simulated_only()
        now = self.clock()
        self.store.start_run(self.total, self.settings.deploy_interval_seconds, now)
        self.store.step_run(self.total, now, self._placement)
        return self.deployment_status()

    def pause_deployment(self) -> DeploymentStatus:
        self._simulated_only()
        return self._status(self.store.stop_run(self.clock()))

    def advance_deployment(self, now: datetime | None = None) -> Server | None:
        """Deploy the running deployment's next server if one interval has passed since the
        last; the server deployed, or None. Safe to call from any number of drivers."""
        now = now or self.clock()
        # The usual case, and only a read (a real source has no deployment to run).
        if not self.source.simulated or not self.store.deployment_run().is_due(now):
            return None
        position = self.store.step_run(self.total, now, self._placement)
        return None if position is None else self.catalogue.at(position)

    # -- live state -------------------------------------------------------------------

    def resolve(self, key: str) -> Server:
        server = self.catalogue.find(key)
        if server is None:
            raise UnknownServer(key)
        return server

    def _view_at_hand(self) -> StoreView | None:
        """The store view of the current version if telling the version needs no wait (a SQLite
        file) and the view is read already; None otherwise. For callers in an event loop."""
        version = self.store.version_at_hand()
        return None if version is None else self._views.peek(version)

    def _view(self) -> StoreView:
        """Deployments and active incidents, read once per store version. The version is read
        first, so what is kept under it is never older than it."""
        version = self.store.version()
        if not self.source.simulated:  # a real source's servers are there as long as it knows them
            servers = self.source.inventory()
            if servers is not self._inventory:
                self._inventory, self.catalogue = servers, Catalogue.holding(servers)
            return StoreView(version, [(s, self.source.watched_since(s)) for s in servers])

        def read() -> StoreView:
            deployed = [(self.catalogue.at(p), at) for p, at in self.store.deployed() if p <= self.total]
            return StoreView(version, deployed)

        return self._views.get(version, read)

    def deployed_servers(self) -> list[tuple[Server, datetime]]:
        return list(self._view().deployed)

    def now(self) -> FleetNow:
        """The fleet now: computed once per whole second and store version for the whole process,
        however many sessions and requests ask, at the instant the first of them asked (so an
        incident injected just before is already in effect)."""
        at = self.clock()
        view = self._view()
        return self._snapshots.get((at.replace(microsecond=0), view.version), lambda: self._judge(at, view))

    def states(self, lang: Lang = "ko", at: datetime | None = None) -> list[ServerState]:
        """Every deployed server with current metrics, status and alerts, in deployment order.

        Without `at`: the shared snapshot of this second (`now`). An explicit `at` is computed for
        that instant."""
        if at is not None:
            snapshot = self._judge(at, self._view())
            return self._compose(snapshot, snapshot.rows(), lang)
        snapshot = self.now()
        return list(self._states.get((snapshot.at.replace(microsecond=0), snapshot.version, lang),
                                     lambda: self._compose(snapshot, snapshot.rows(), lang)))

    def page(self, lang: Lang, offset: int, limit: int, status: Status | None = None) -> FleetPage:
        """The servers in `status` (all for None) from `offset`, at most `limit` of them, with the
        counts of the whole fleet: only the page's servers are composed."""
        snapshot = self.now()
        rows = snapshot.rows(status)
        return FleetPage(at=snapshot.at, summary=snapshot.summary, matching=len(rows),
                         states=self._compose(snapshot, rows[offset:offset + limit], lang))

    def state(self, key: str, lang: Lang = "ko", at: datetime | None = None) -> ServerState:
        """One deployed server's state at `at`; without it, computed once per whole second and
        store version for the whole process (as `now` is), from the store view of that version."""
        server = self.resolve(key)
        view = self._view()
        if at is not None:
            return self._state_at(server, view, lang, at)
        return self._server_states.get(*self._server_state(server, view, lang))

    def _server_state(self, server: Server, view: StoreView, lang: Lang
                      ) -> tuple[tuple[datetime, int | None, str, Lang], Callable[[], ServerState]]:
        """The key of `server`'s shared state now, and how to compute it."""
        now = self.clock()
        return ((now.replace(microsecond=0), view.version, server.id, lang),
                lambda: self._state_now(server, view, lang, now))

    def _state_now(self, server: Server, view: StoreView, lang: Lang, now: datetime) -> ServerState:
        """`server`'s state now, from the fleet's snapshot of this second when that is computed
        already or costs little more than the one server (a fleet of at most SNAPSHOT_FOR_ONE): so
        the deploy replays of a whole fleet in one second make one vectorised pass, not one each."""
        key = (now.replace(microsecond=0), view.version)
        snapshot = self._snapshots.peek(key)
        if snapshot is None and len(view.deployed) <= SNAPSHOT_FOR_ONE:
            # Never waits on another thread's snapshot (a replay answers in the event loop).
            snapshot = self._snapshots.get_at_hand(key, lambda: self._judge(now, view))
        row = None if snapshot is None else snapshot.row_of(server.id)
        if snapshot is None or row is None:
            return self._state_at(server, view, lang, now)
        return self._compose(snapshot, [row], lang)[0]

    def _state_at(self, server: Server, view: StoreView, lang: Lang, at: datetime) -> ServerState:
        deployed_at = (view.deployed_at(server.position) if self.source.simulated
                       else self.source.watched_since(server))
        if deployed_at is None:
            raise NotDeployed(server.hostname)
        snapshot = self._judge(at, StoreView(None, [(server, deployed_at)]))
        return self._compose(snapshot, [0], lang)[0]

    def dependencies(self) -> DependencyGraph:
        """The service dependency graph over the catalogue: the file's edges when one is configured,
        else each server's `depends_on` label and, for the simulated fleet, the catalogue's request
        path. Built once per catalogue (a real source's changes with its inventory)."""
        catalogue = self.catalogue
        graph = self._graph
        if graph is None or graph[0] is not catalogue:
            servers = catalogue.servers
            if self._dependency_file is not None:
                edges = self._dependency_file
                known = {s.hostname for s in servers}
                unknown = sorted({name for edge in edges for name in edge} - known)
                if unknown:  # a typo, or a host the source does not show (yet): its edges are left out
                    log.warning("dependency file %s names hosts the fleet does not have: %s",
                                self.settings.dependencies, ", ".join(unknown))
            else:
                edges = label_edges(servers) + (catalogue_edges(servers) if self.source.simulated else [])
            graph = self._graph = (catalogue, DependencyGraph.of((s.hostname for s in servers), edges))
        return graph[1]

    # -- metrics: the one door --------------------------------------------------------

    def source_health(self) -> SourceHealth:
        """Whether the metric source answers, and why not ("Prometheus unreachable: ...")."""
        return self.source.health()

    def frame(self, servers: Sequence[Server], t: np.ndarray) -> Frame:
        """Every metric of `servers` at epoch seconds `t`, from the fleet's source."""
        return self.source.frame(servers, t)

    def services(self, frame: Frame) -> list[list[Service]]:
        """Each server's services at the frame's last instant."""
        return self.source.services(frame)

    def assess(self, frame: Frame,
               services: Sequence[Sequence[Service]] | None = None) -> thresholds.Judgement:
        """The one judgement of the frame's last instant: each metric's level, each server's status and
        its alerts, for all the frame's servers at once (`services` when already read)."""
        values = {key: frame.values[key][:, -1] for key in METRICS}
        if services is None:
            services = self.services(frame)
        return thresholds.judge(values, [s.type for s in frame.servers], frame.up[:, -1], services)

    def _judge(self, at: datetime, view: StoreView) -> FleetNow:
        """Metrics of every server in `view` at `at` in one vectorised pass, judged together."""
        servers = [server for server, _ in view.deployed]
        frame = self.frame(servers, np.array([at.timestamp()]))
        services = self.services(frame)
        return FleetNow(at=at, version=view.version, deployed=view.deployed, frame=frame, services=services,
                        judgement=self.assess(frame, services))

    def _compose(self, snapshot: FleetNow, rows: Sequence[int], lang: Lang) -> list[ServerState]:
        """Rows of the snapshot as pages and the API show them."""
        states = []
        for k in rows:
            server, deployed_at = snapshot.deployed[k]
            sample = next(iter(frames_to_samples(snapshot.frame, k)), None)
            # A host that is down has no uptime: it stops counting and shows as "—".
            uptime = max(0.0, (snapshot.at - deployed_at).total_seconds()) if sample is not None else 0.0
            states.append(ServerState(
                **server.model_dump(exclude={"services"}),
                services=snapshot.services[k],
                status=snapshot.judgement.status(k),
                metrics=sample,
                alerts=snapshot.judgement.alerts(k, lang),
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
        t = np.arange(start.timestamp(), at.timestamp() + 0.5, step, dtype=np.float64)
        samples = frames_to_samples(self.frame([server], t), 0)
        return MetricHistory(server_id=server.id, hostname=server.hostname, minutes=minutes,
                             step_seconds=step, samples=samples)

    # -- incidents --------------------------------------------------------------------

    def inject(self, type_: IncidentType, key: str, severity: Severity = Severity.MEDIUM,
               started_at: datetime | None = None) -> Incident:
        """Start an incident on a server; IncidentExists when one of that type is active on it,
        TooManyIncidents when `max_active_incidents` are active in all."""
        self._simulated_only()
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
        self._simulated_only()
        now = self.clock()
        if incident_id is None:
            return self.store.clear_incidents(now)
        return int(self.store.clear_incident(incident_id, now))
