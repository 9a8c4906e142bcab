"""The one store: deployment, incidents and AI records in SQLite (default) or PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import OperationalError

from . import migrations
from .alerts.models import (
    Acknowledgement,
    AlertRecord,
    AlertRule,
    AlertState,
    DeliveryFailure,
    Silence,
)
from .events import Event, EventKind
from .models import Incident, IncidentType, Severity, Status

READ_ONLY = "openmanager_read_only"
MIGRATION_LOCK = 0x4F4D5354  # any constant shared by every replica: 'OMST'
DEPLOY_LOCK = 0x4F4D4450  # serialises every change to the deployment: 'OMDP'
INCIDENT_LOCK = 0x4F4D494E  # serialises injects, so the caps hold across replicas: 'OMIN'
RUN_ROW = 1
VERSION_ROW = 1

log = logging.getLogger("openmanager.store")

# Connections: one for every thread that may hold one at once, so none waits on the pool: anyio's
# 40 threads (sync API routes, SSE generators) and the AI's tier and stream workers (3 per answer
# slot, one slot per core by default). Two replicas stay within PostgreSQL's default 100.
ANYIO_THREADS = 40
POOL_SIZE = 10
POOL_OVERFLOW = ANYIO_THREADS + 3 * (os.cpu_count() or 1) - POOL_SIZE

# What the code expects of the database. Changed only together with a revision in migrations/versions/
# (see openmanager_core.migrations); tests/test_migrations.py checks the two agree.
metadata = MetaData()

deployments = Table(
    "deployments", metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("deployed_at", DateTime(timezone=True), nullable=False),
)

# One row: whether the deployment runs, for every session, process and replica.
deployment_run = Table(
    "deployment_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("running", Boolean, nullable=False),
    Column("interval_seconds", Float, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# One row, bumped in the same transaction as every change to what the fleet shows (deployments, the
# run, incidents): one cheap read tells any process on any replica whether the fleet changed since it
# last looked (on SQLite re-read only when PRAGMA data_version says a commit happened: _SqliteChangeWatch).
store_version = Table(
    "store_version", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

incidents = Table(
    "incidents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("server_id", String(32), nullable=False, index=True),
    Column("hostname", String(200), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cleared_at", DateTime(timezone=True), nullable=True, index=True),
)

ai_queries = Table(
    "ai_queries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("query", Text, nullable=False),
    Column("language", String(4), nullable=False),
    Column("endpoint", String(64), nullable=False),
    Column("method", String(32), nullable=True),
    Column("success", Boolean, nullable=False),
    Column("fallback_used", Boolean, nullable=False),
    Column("cached", Boolean, nullable=False, default=False),
    Column("processing_ms", Float, nullable=False),
    Column("error", Text, nullable=True),
    # Added with the AI agent; nullable, as columns added to an existing table must be.
    Column("outcome", String(16), nullable=True),  # answered / rejected / failed
    Column("priority", String(8), nullable=True),
    Column("servers", Text, nullable=True),  # hostnames the answer names, comma-separated
)

ai_logs = Table(
    "ai_logs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("level", String(8), nullable=False, index=True),
    Column("query_id", Integer, nullable=True),
    Column("tier", String(32), nullable=True),
    Column("message", Text, nullable=False),
    Column("duration_ms", Float, nullable=True),
)

# The event timeline (openmanager_core/events.py): incidents, deployments and resets are written in the
# transaction that makes them; status changes by the one alert evaluator. Kept for `retention_days`.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("server_id", String(32), nullable=True, index=True),
    Column("hostname", String(200), nullable=True),
    Column("detail", Text, nullable=False),  # JSON: the language-neutral facts the summary names
)

# Where a deployment position puts which server: (server id, hostname).
Placement = Callable[[int], tuple[str, str]]


# -- alerts (openmanager_core/alerts/) -------------------------------------------------------------
# Alert writes do not bump store_version: nothing the fleet shows depends on them, and every alert
# view reads these tables directly (they are small), so no snapshot needs telling.

alert_rules = Table(
    "alert_rules", metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # metric, host_down, service_stopped, anomaly, forecast
    Column("metric", String(32), nullable=True),
    Column("level", String(8), nullable=True),  # metric rules: the threshold crossed (warning/critical)
    Column("horizon_seconds", Integer, nullable=True),  # forecast rules: how soon counts
    Column("for_seconds", Float, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("server_id", String(32), nullable=True),  # only this server (None: all)
    Column("server_type", String(32), nullable=True),  # only servers of this type (None: all)
    Column("enabled", Boolean, nullable=False),
    Column("builtin", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One row per alert episode: at most one pending or firing per (rule, server), which `active_key`
# (NULL once resolved) enforces; resolved rows are the history, kept for `retention_days`.
alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # the rule's, kept if the rule is deleted
    Column("server_id", String(32), nullable=False, index=True),
    Column("hostname", String(200), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("state", String(8), nullable=False, index=True),  # pending, firing, resolved
    Column("active_key", String(100), nullable=True, unique=True),
    Column("metric", String(32), nullable=True),
    Column("value", Float, nullable=True),
    Column("threshold", Float, nullable=True),
    Column("detail", Text, nullable=True),  # what the summary names: services, a forecast's seconds
    Column("diagnosis", Text, nullable=True),  # tier 1's one line, in the alert language
    Column("starts_at", DateTime(timezone=True), nullable=False),  # the condition first seen
    Column("fired_at", DateTime(timezone=True), nullable=True),
    Column("clear_since", DateTime(timezone=True), nullable=True),  # firing, but clear since then
    Column("ends_at", DateTime(timezone=True), nullable=True, index=True),
    Column("notified", Boolean, nullable=False),  # its firing was sent (not silenced)
)

alert_silences = Table(
    "alert_silences", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("server_id", String(32), nullable=True),
    Column("rule_id", String(64), nullable=True),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False, index=True),
    Column("comment", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
)

alert_acks = Table(
    "alert_acks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
)

alert_delivery_failures = Table(
    "alert_delivery_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("channel", Text, nullable=False),  # the URL with its secrets masked
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False),
)


@dataclass(frozen=True)
class DeploymentRun:
    """The shared deployment run and where it stands, read in one snapshot."""

    running: bool
    interval_seconds: float
    deployed: int
    last_deployed_at: datetime | None

    def is_due(self, now: datetime) -> bool:
        """Whether the run deploys its next server at `now`: one per interval since the last."""
        return self.running and (self.last_deployed_at is None
                                 or now - self.last_deployed_at >= timedelta(seconds=self.interval_seconds))


class StoreUnavailable(RuntimeError):
    """The database cannot be reached; callers answer 503 and retry later."""


class StoreFull(StoreUnavailable):
    """The database's disk is full: reads still work, writes fail until space is freed."""


class IncidentExists(ValueError):
    """The server already has an active incident of that type; clear it before injecting again."""

    def __init__(self, existing: Incident) -> None:
        super().__init__(f"{existing.hostname} already has an active {existing.type.value} "
                         f"incident (id {existing.id})")
        self.existing = existing


class TooManyIncidents(ValueError):
    """As many incidents are active as the fleet allows at once; clear some first."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} incidents are already active, the most allowed at once")
        self.limit = limit


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


VERSION_QUERY = select(store_version.c.version).where(store_version.c.id == VERSION_ROW)


class _SqliteChangeWatch:
    """The store version of a SQLite file, read again only after someone committed.

    One connection of its own that never writes: its `PRAGMA data_version` changes when any
    other connection commits (this process's pooled ones, other processes'), and costs no
    transaction while nobody did. The row is read after the pragma, so the version kept is
    never older than the data_version it is kept with.
    """

    def __init__(self, engine: Engine) -> None:
        # Detached from the pool: held for the store's life, built with the engine's own settings.
        connection = engine.raw_connection()
        connection.detach()
        self._connection = connection
        self._lock = threading.Lock()
        self._seen: int | None = None  # data_version when _version was read
        self._version = 0

    def version(self) -> int:
        with self._lock:
            return self._read()

    def version_at_hand(self) -> int | None:
        """The version, or None rather than waiting while another thread asks."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._read()
        finally:
            self._lock.release()

    def _read(self) -> int:
        try:
            cursor = self._connection.cursor()
            try:
                data_version = cursor.execute("PRAGMA data_version").fetchone()[0]
                if data_version != self._seen:
                    row = cursor.execute("SELECT version FROM store_version WHERE id = ?",
                                         (VERSION_ROW,)).fetchone()
                    if row is None:
                        raise StoreUnavailable("the store_version row is missing")
                    self._version, self._seen = int(row[0]), data_version
            finally:
                cursor.close()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return self._version


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front (IMMEDIATE), so two processes never both read the
        # same "next position" and then fight over upgrading to a writer; readers don't,
        # so in WAL mode they never queue behind a writer.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Store:
    """All persistence. Every method is one short transaction; user text is always bound."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url)
            self._insert: Callable[[Table], sqlite.Insert | postgresql.Insert] = sqlite.insert
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                                        max_overflow=POOL_OVERFLOW)
            self._insert = postgresql.insert
        self.migrated = self.migrate()
        self._watch = _SqliteChangeWatch(self.engine) if url.startswith("sqlite") else None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            if "disk is full" in str(exc.orig):
                raise StoreFull(str(exc.orig)) from exc
            raise StoreUnavailable(str(exc.orig)) from exc

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction: one consistent snapshot, no write lock."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{READ_ONLY: True})
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig)) from exc

    def migrate(self) -> list[str]:
        """Upgrade the schema to the head revision and seed the one-row tables; safe on every start.
        Returns the revisions this start applied (empty when the schema was already at head).

        All of it runs in one transaction that first takes a lock (SQLite's BEGIN IMMEDIATE,
        a PostgreSQL advisory lock), so of replicas starting together one migrates and the
        others wait for it, then find nothing to do.
        """
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            applied = migrations.upgrade(conn)
            stmt = self._insert(deployment_run).values(id=RUN_ROW, running=False, interval_seconds=1.0,
                                                       changed_at=datetime.now(UTC))
            conn.execute(stmt.on_conflict_do_nothing())
            stmt = self._insert(store_version).values(id=VERSION_ROW, version=0)
            conn.execute(stmt.on_conflict_do_nothing())
        if applied:
            log.info("database schema upgraded: %s", ", ".join(applied))
        return applied

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    # -- store version ----------------------------------------------------------------

    def version(self) -> int:
        """A number that grows with every change to deployments, the run or incidents, on any replica.

        Asked before every read of the fleet, so it costs no transaction: on a SQLite file, one
        `PRAGMA data_version` while nobody committed (see _SqliteChangeWatch); on PostgreSQL, one
        autocommit read of the version row.
        """
        if self._watch is not None:
            return self._watch.version()
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return int(conn.execute(VERSION_QUERY).scalar_one())
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig)) from exc

    def version_at_hand(self) -> int | None:
        """`version()` if telling it needs no network and no wait for another thread (SQLite, its
        watch free), else None: for callers in an event loop."""
        return None if self._watch is None else self._watch.version_at_hand()

    @staticmethod
    def _changed(conn: Connection) -> None:
        """Bump the store version, inside the transaction that changes the fleet."""
        conn.execute(update(store_version).where(store_version.c.id == VERSION_ROW)
                     .values(version=store_version.c.version + 1))

    # -- deployment -------------------------------------------------------------------

    def deployed(self) -> list[tuple[int, datetime]]:
        with self.reading() as conn:
            rows = conn.execute(select(deployments).order_by(deployments.c.position)).all()
        return [(row.position, utc(row.deployed_at)) for row in rows]

    def deployed_at(self, position: int) -> datetime | None:
        """When one position was deployed, or None while it is not."""
        with self.reading() as conn:
            value = conn.execute(select(deployments.c.deployed_at)
                                 .where(deployments.c.position == position)).scalar_one_or_none()
        return utc(value) if value is not None else None

    def deployed_count(self) -> int:
        with self.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(deployments)).scalar_one())

    @contextmanager
    def _deploying(self) -> Iterator[Connection]:
        """A write transaction that holds the deployment lock, so deploying, stepping the run and
        resetting never interleave (read committed alone would let a reset land between a
        deployer's read of the next position and its insert, leaving gaps). SQLite's BEGIN
        IMMEDIATE already serialises writers."""
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEPLOY_LOCK})
            yield conn

    def deploy_next(self, total: int, now: datetime, placement: Placement | None = None) -> int | None:
        """Deploy the next position atomically; None when all `total` are deployed. `placement`
        names the server each position holds, for the event timeline."""
        with self._deploying() as conn:
            position = self._next_position(conn)
            if position > total:
                return None
            self._deploy(conn, [position], now, placement)
            return position

    def deploy_through(self, position: int, now: datetime, placement: Placement | None = None) -> int:
        """Make positions 1..position deployed (ones already there keep their time); returns
        how many are deployed now."""
        with self._deploying() as conn:
            have = set(conn.execute(
                select(deployments.c.position).where(deployments.c.position <= position)
            ).scalars())
            missing = [p for p in range(1, position + 1) if p not in have]
            if missing:
                self._deploy(conn, missing, now, placement)
            return int(conn.execute(select(func.count()).select_from(deployments)).scalar_one())

    def _deploy(self, conn: Connection, positions: Sequence[int], now: datetime,
                placement: Placement | None) -> None:
        conn.execute(insert(deployments), [{"position": p, "deployed_at": now} for p in positions])
        for position in positions:
            server_id, hostname = placement(position) if placement is not None else (None, None)
            self._add_event(conn, Event(now, EventKind.DEPLOYED, server_id, hostname, {"position": position}))
        self._changed(conn)

    def reset(self, now: datetime) -> None:
        """Empty the fleet and stop its run; its incidents end with it."""
        with self._deploying() as conn:
            removed = conn.execute(delete(deployments)).rowcount
            self._set_running(conn, False, now)
            cleared = self._clear(conn, incidents.c.cleared_at.is_(None), now)
            self._add_event(conn, Event(now, EventKind.RESET,
                                        detail={"servers": removed, "incidents": cleared}))

    @staticmethod
    def _next_position(conn: Connection) -> int:
        current = conn.execute(select(func.coalesce(func.max(deployments.c.position), 0))).scalar_one()
        return int(current) + 1

    @staticmethod
    def _run(conn: Connection) -> DeploymentRun:
        row = conn.execute(
            select(deployment_run.c.running, deployment_run.c.interval_seconds)
            .where(deployment_run.c.id == RUN_ROW)
        ).one()
        deployed, last = conn.execute(
            select(func.count(), func.max(deployments.c.deployed_at)).select_from(deployments)
        ).one()
        return DeploymentRun(running=bool(row.running), interval_seconds=float(row.interval_seconds),
                             deployed=int(deployed), last_deployed_at=utc(last) if last else None)

    @staticmethod
    def _set_running(conn: Connection, running: bool, now: datetime,
                     interval_seconds: float | None = None) -> None:
        values: dict[str, Any] = {"running": running, "changed_at": now}
        if interval_seconds is not None:
            values["interval_seconds"] = interval_seconds
        conn.execute(update(deployment_run).where(deployment_run.c.id == RUN_ROW).values(**values))
        Store._changed(conn)

    def deployment_run(self) -> DeploymentRun:
        """The run and its progress: one cheap read, made by every viewer and driver."""
        with self.reading() as conn:
            return self._run(conn)

    def start_run(self, total: int, interval_seconds: float, now: datetime) -> DeploymentRun:
        """Set the deployment running at one server per `interval_seconds`, unless it is complete."""
        with self._deploying() as conn:
            if self._run(conn).deployed < total:
                self._set_running(conn, True, now, interval_seconds)
            return self._run(conn)

    def stop_run(self, now: datetime) -> DeploymentRun:
        with self._deploying() as conn:
            self._set_running(conn, False, now)
            return self._run(conn)

    def step_run(self, total: int, now: datetime, placement: Placement | None = None) -> int | None:
        """Deploy the run's next position if it is running and due; the position, or None.

        Checked and done under the deployment lock, so any number of drivers on any number
        of replicas step it once per interval; the last position (or a full fleet) stops it.
        """
        with self._deploying() as conn:
            run = self._run(conn)
            if run.deployed >= total:
                if run.running:
                    self._set_running(conn, False, now)
                return None
            if not run.is_due(now):
                return None
            position = self._next_position(conn)
            self._deploy(conn, [position], now, placement)
            if position >= total:
                self._set_running(conn, False, now)
            return position

    # -- incidents --------------------------------------------------------------------

    def add_incident(self, type_: IncidentType, server_id: str, hostname: str, severity: Severity,
                     started_at: datetime, now: datetime, max_active: int) -> Incident:
        """Record a new active incident, unless the server has one of that type active
        (IncidentExists) or `max_active` are active in all (TooManyIncidents).

        The check and the insert share one transaction that holds the incident lock (SQLite's
        BEGIN IMMEDIATE, a PostgreSQL advisory lock), so concurrent injects never pass a cap.
        """
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INCIDENT_LOCK})
            active = incidents.c.cleared_at.is_(None)
            same = conn.execute(select(incidents).where(
                active & (incidents.c.server_id == server_id) & (incidents.c.type == type_.value)
            ).limit(1)).first()
            if same is not None:
                raise IncidentExists(_incident(same))
            count = conn.execute(select(func.count()).select_from(incidents).where(active)).scalar_one()
            if count >= max_active:
                raise TooManyIncidents(max_active)
            new_id = conn.execute(insert(incidents).values(
                type=type_.value, server_id=server_id, hostname=hostname,
                severity=severity.value, started_at=started_at, created_at=now,
            ).returning(incidents.c.id)).scalar_one()
            self._add_event(conn, Event(now, EventKind.INCIDENT_STARTED, server_id, hostname, {
                "incident": new_id, "type": type_.value, "severity": severity.value,
                "started_at": started_at.isoformat()}))
            self._changed(conn)
        return Incident(id=new_id, type=type_, server_id=server_id, hostname=hostname,
                        severity=severity, started_at=started_at, created_at=now)

    def incidents(self, in_effect_during: Sequence[tuple[datetime, datetime]] = ()) -> list[Incident]:
        """Active incidents, plus cleared ones that were in effect in one of the (start, end) spans
        of `in_effect_during`: those that ended before a span or began after it cannot shape it,
        so however many pile up they are not even read."""
        condition: ColumnElement[bool] = incidents.c.cleared_at.is_(None)
        for start, end in in_effect_during:
            condition = condition | ((incidents.c.cleared_at > start) & (incidents.c.started_at <= end))
        with self.reading() as conn:
            rows = conn.execute(select(incidents).where(condition).order_by(incidents.c.id)).all()
        return [_incident(row) for row in rows]

    def clear_incident(self, incident_id: int, now: datetime) -> bool:
        with self._tx() as conn:
            which = (incidents.c.id == incident_id) & incidents.c.cleared_at.is_(None)
            cleared = self._clear(conn, which, now)
        return cleared > 0

    def clear_incidents(self, now: datetime) -> int:
        with self._tx() as conn:
            return self._clear(conn, incidents.c.cleared_at.is_(None), now)

    def _clear(self, conn: Connection, which: ColumnElement[bool], now: datetime) -> int:
        """Clear the incidents `which` selects, each with its event; how many."""
        rows = conn.execute(update(incidents).where(which).values(cleared_at=now).returning(
            incidents.c.id, incidents.c.type, incidents.c.server_id, incidents.c.hostname,
            incidents.c.severity, incidents.c.started_at)).all()
        for row in sorted(rows, key=lambda r: r.id):
            self._add_event(conn, Event(now, EventKind.INCIDENT_CLEARED, row.server_id, row.hostname, {
                "incident": row.id, "type": row.type, "severity": row.severity,
                "started_at": utc(row.started_at).isoformat()}))
        if rows:
            self._changed(conn)
        return len(rows)

    # -- the event timeline -------------------------------------------------------------

    @staticmethod
    def _add_event(conn: Connection, event: Event) -> None:
        conn.execute(insert(events).values(at=event.at, kind=event.kind.value, server_id=event.server_id,
                                           hostname=event.hostname, detail=json.dumps(dict(event.detail))))

    def add_events(self, new: Sequence[Event]) -> None:
        """Record events no other write makes (status changes). Like alert writes, they leave the store
        version alone: nothing the fleet shows depends on them."""
        if not new:
            return
        with self._tx() as conn:
            for event in new:
                self._add_event(conn, event)

    def events(self, since: datetime | None = None, server_id: str | None = None,
               limit: int = 500) -> list[Event]:
        """The latest `limit` events since `since` (of one server, or all), oldest first."""
        query = select(events).order_by(events.c.at.desc(), events.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(events.c.at >= since)
        if server_id is not None:
            query = query.where(events.c.server_id == server_id)
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [Event(at=utc(row.at), kind=EventKind(row.kind), server_id=row.server_id,
                      hostname=row.hostname, detail=json.loads(row.detail), id=row.id)
                for row in reversed(rows)]

    def last_statuses(self) -> dict[str, Status]:
        """Each server's status as the timeline last recorded it, since the last reset."""
        with self.reading() as conn:
            reset_id = conn.execute(select(func.coalesce(func.max(events.c.id), 0))
                                    .where(events.c.kind == EventKind.RESET.value)).scalar_one()
            latest = (select(func.max(events.c.id))
                      .where((events.c.kind == EventKind.STATUS_CHANGED.value) & (events.c.id > reset_id))
                      .group_by(events.c.server_id))
            rows = conn.execute(select(events.c.server_id, events.c.detail)
                                .where(events.c.id.in_(latest))).all()
        return {row.server_id: Status(json.loads(row.detail)["after"]) for row in rows}

    def trim_events(self, cutoff: datetime) -> int:
        """Delete events older than `cutoff`, as the AI records are; how many went."""
        with self._tx() as conn:
            return int(conn.execute(delete(events).where(events.c.at < cutoff)).rowcount)


    # -- alerts -----------------------------------------------------------------------
    # None of these bump the store version: see the alert tables.

    def alert_rules(self) -> list[AlertRule]:
        with self.reading() as conn:
            rows = conn.execute(select(alert_rules).order_by(alert_rules.c.builtin.desc(),
                                                             alert_rules.c.id)).all()
        return [_alert_rule(row) for row in rows]

    def alert_rule(self, rule_id: str) -> AlertRule | None:
        with self.reading() as conn:
            row = conn.execute(select(alert_rules).where(alert_rules.c.id == rule_id)).first()
        return _alert_rule(row) if row is not None else None

    def seed_alert_rules(self, rules: Sequence[AlertRule], now: datetime) -> None:
        """Add the built-in rules that are missing; ones already stored keep their changes."""
        with self._tx() as conn:
            for rule in rules:
                conn.execute(self._insert(alert_rules).values(**_rule_values(rule, now))
                             .on_conflict_do_nothing())

    def add_alert_rule(self, rule: AlertRule, now: datetime) -> AlertRule:
        """Store a new rule; AlertRuleExists when its id is taken."""
        with self._tx() as conn:
            done = conn.execute(self._insert(alert_rules).values(**_rule_values(rule, now))
                                .on_conflict_do_nothing()).rowcount
            if not done:
                raise AlertRuleExists(rule.id)
        return rule.model_copy(update={"updated_at": now})

    def replace_alert_rule(self, rule: AlertRule, now: datetime) -> bool:
        """Overwrite a stored rule with `rule` (same id) in one statement; False if it is gone."""
        values = _rule_values(rule, now)
        del values["id"], values["builtin"]
        with self._tx() as conn:
            return bool(conn.execute(update(alert_rules).where(alert_rules.c.id == rule.id)
                                     .values(**values)).rowcount)

    def delete_alert_rule(self, rule_id: str) -> bool:
        """Delete a rule; its pending and firing alerts resolve at the next evaluation."""
        with self._tx() as conn:
            return bool(conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id)).rowcount)

    def alerts(self, states: Sequence[AlertState] = (), server_id: str | None = None,
               limit: int = 500) -> list[AlertRecord]:
        """Alerts in `states` (all for none), of one server or all, newest first."""
        query = select(alerts).order_by(alerts.c.starts_at.desc(), alerts.c.id.desc()).limit(limit)
        if states:
            query = query.where(alerts.c.state.in_([state.value for state in states]))
        if server_id is not None:
            query = query.where(alerts.c.server_id == server_id)
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [_alert(row) for row in rows]

    def alert_counts(self) -> dict[AlertState, int]:
        """How many alerts are pending and firing: one cheap read for the sidebar."""
        with self.reading() as conn:
            rows = conn.execute(select(alerts.c.state, func.count()).where(alerts.c.active_key.is_not(None))
                                .group_by(alerts.c.state)).all()
        counts = dict.fromkeys((AlertState.PENDING, AlertState.FIRING), 0)
        counts.update({AlertState(state): int(n) for state, n in rows})
        return counts

    def active_alerts_by_server(self) -> dict[str, int]:
        """How many alerts are pending or firing on each server that has any: one grouped read,
        cheap enough for every table refresh."""
        with self.reading() as conn:
            rows = conn.execute(select(alerts.c.server_id, func.count())
                                .where(alerts.c.active_key.is_not(None))
                                .group_by(alerts.c.server_id)).all()
        return {str(server_id): int(n) for server_id, n in rows}

    def alert(self, alert_id: int) -> AlertRecord | None:
        with self.reading() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        return _alert(row) if row is not None else None

    def open_alert(self, record: AlertRecord) -> AlertRecord | None:
        """Start an episode (pending, or firing when its rule waits 0 s); None when that rule
        already has one on that server (another evaluator got there first)."""
        values = record.model_dump(exclude={"id"})
        values["active_key"] = _active_key(record.rule_id, record.server_id)
        with self._tx() as conn:
            new_id = conn.execute(self._insert(alerts).values(**values).on_conflict_do_nothing()
                                  .returning(alerts.c.id)).scalar_one_or_none()
        return None if new_id is None else record.model_copy(update={"id": new_id})

    def update_alert(self, alert_id: int, expected: AlertState, **values: Any) -> bool:
        """Change an episode only if it is still in `expected` (compare and set): of two
        evaluators acting on one alert, one wins, and only the winner notifies."""
        if values.get("state") == AlertState.RESOLVED:
            values["active_key"] = None
        with self._tx() as conn:
            return bool(conn.execute(update(alerts).where(
                (alerts.c.id == alert_id) & (alerts.c.state == expected.value)).values(**values)).rowcount)

    def drop_pending_alert(self, alert_id: int) -> bool:
        """A pending alert whose condition cleared before it fired leaves no trace (as in Prometheus)."""
        with self._tx() as conn:
            return bool(conn.execute(delete(alerts).where(
                (alerts.c.id == alert_id) & (alerts.c.state == AlertState.PENDING.value))).rowcount)

    def silences(self, active_at: datetime | None = None) -> list[Silence]:
        """Every silence kept, or those in effect at `active_at`; newest first."""
        query = select(alert_silences).order_by(alert_silences.c.id.desc())
        if active_at is not None:
            query = query.where((alert_silences.c.starts_at <= active_at)
                                & (alert_silences.c.ends_at > active_at))
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [Silence(id=row.id, server=row.server_id, rule=row.rule_id, starts_at=utc(row.starts_at),
                        ends_at=utc(row.ends_at), comment=row.comment, created_by=row.created_by)
                for row in rows]

    def add_silence(self, server_id: str | None, rule_id: str | None, starts_at: datetime,
                    ends_at: datetime, comment: str, created_by: str) -> Silence:
        with self._tx() as conn:
            new_id = conn.execute(insert(alert_silences).values(
                server_id=server_id, rule_id=rule_id, starts_at=starts_at, ends_at=ends_at,
                comment=comment, created_by=created_by).returning(alert_silences.c.id)).scalar_one()
        return Silence(id=new_id, server=server_id, rule=rule_id, starts_at=starts_at, ends_at=ends_at,
                       comment=comment, created_by=created_by)

    def end_silence(self, silence_id: int, now: datetime) -> bool:
        """End a silence now (it stays in the history); False if none is in effect with that id."""
        with self._tx() as conn:
            return bool(conn.execute(update(alert_silences).where(
                (alert_silences.c.id == silence_id) & (alert_silences.c.ends_at > now)
            ).values(ends_at=now)).rowcount)

    def acknowledge_alert(self, alert_id: int, created_by: str, comment: str,
                          now: datetime) -> Acknowledgement | None:
        """Record that someone is on a firing or pending alert; None if it is not active."""
        with self._tx() as conn:
            active = conn.execute(select(alerts.c.id).where(
                (alerts.c.id == alert_id) & alerts.c.active_key.is_not(None))).first()
            if active is None:
                return None
            new_id = conn.execute(insert(alert_acks).values(
                alert_id=alert_id, created_at=now, created_by=created_by, comment=comment
            ).returning(alert_acks.c.id)).scalar_one()
        return Acknowledgement(id=new_id, alert_id=alert_id, created_at=now, created_by=created_by,
                               comment=comment)

    def acknowledgements(self, alert_ids: Sequence[int]) -> list[Acknowledgement]:
        if not alert_ids:
            return []
        with self.reading() as conn:
            rows = conn.execute(select(alert_acks).where(alert_acks.c.alert_id.in_(list(alert_ids)))
                                .order_by(alert_acks.c.id)).all()
        return [Acknowledgement(id=row.id, alert_id=row.alert_id, created_at=utc(row.created_at),
                                created_by=row.created_by, comment=row.comment) for row in rows]

    def record_delivery_failure(self, channel: str, attempts: int, error: str, now: datetime) -> None:
        with self._tx() as conn:
            conn.execute(insert(alert_delivery_failures).values(
                created_at=now, channel=channel, attempts=attempts, error=error))

    def delivery_failures(self, limit: int = 50) -> list[DeliveryFailure]:
        with self.reading() as conn:
            rows = conn.execute(select(alert_delivery_failures)
                                .order_by(alert_delivery_failures.c.id.desc()).limit(limit)).all()
        return [DeliveryFailure(id=row.id, created_at=utc(row.created_at), channel=row.channel,
                                attempts=row.attempts, error=row.error) for row in rows]

    def trim_alerts(self, cutoff: datetime) -> int:
        """Delete alert history older than `cutoff` (resolved episodes, their acknowledgements,
        ended silences, delivery failures), as the AI records are; how many rows went."""
        with self._tx() as conn:
            old = select(alerts.c.id).where((alerts.c.state == AlertState.RESOLVED.value)
                                            & (alerts.c.ends_at < cutoff))
            removed = conn.execute(delete(alert_acks).where(alert_acks.c.alert_id.in_(old))).rowcount
            removed += conn.execute(delete(alerts).where(alerts.c.id.in_(old))).rowcount
            removed += conn.execute(delete(alert_silences).where(alert_silences.c.ends_at < cutoff)).rowcount
            removed += conn.execute(delete(alert_delivery_failures)
                                    .where(alert_delivery_failures.c.created_at < cutoff)).rowcount
        return removed


def _incident(row: Row[Any]) -> Incident:
    return Incident(id=row.id, type=IncidentType(row.type), server_id=row.server_id,
                    hostname=row.hostname, severity=Severity(row.severity),
                    started_at=utc(row.started_at), created_at=utc(row.created_at),
                    cleared_at=utc(row.cleared_at) if row.cleared_at else None)


class AlertRuleExists(ValueError):
    """A rule with that id is already stored."""

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"an alert rule with id {rule_id!r} already exists")
        self.rule_id = rule_id


def _active_key(rule_id: str, server_id: str) -> str:
    return f"{rule_id}|{server_id}"


def _rule_values(rule: AlertRule, now: datetime) -> dict[str, Any]:
    return {"id": rule.id, "kind": rule.kind.value, "metric": rule.metric, "level": rule.level,
            "horizon_seconds": rule.horizon_seconds, "for_seconds": rule.for_seconds,
            "severity": rule.severity.value, "server_id": rule.server,
            "server_type": rule.server_type.value if rule.server_type else None,
            "enabled": rule.enabled, "builtin": rule.builtin, "updated_at": now}


def _alert_rule(row: Row[Any]) -> AlertRule:
    return AlertRule(id=row.id, kind=row.kind, metric=row.metric, level=row.level,
                     horizon_seconds=row.horizon_seconds, for_seconds=row.for_seconds, severity=row.severity,
                     server=row.server_id, server_type=row.server_type, enabled=row.enabled,
                     builtin=row.builtin, updated_at=utc(row.updated_at))


def _alert(row: Row[Any]) -> AlertRecord:
    values = dict(row._mapping)
    del values["active_key"]
    for key in ("starts_at", "fired_at", "clear_since", "ends_at"):
        if values[key] is not None:
            values[key] = utc(values[key])
    return AlertRecord(**values)
