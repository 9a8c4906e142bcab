"""The one store: deployment, incidents and AI records in SQLite (default) or PostgreSQL."""

from __future__ import annotations

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
from .models import Incident, IncidentType, Severity

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
# last looked. SQLite's PRAGMA data_version would not see this connection's own writes.
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

    def deploy_next(self, total: int, now: datetime) -> int | None:
        """Deploy the next position atomically; None when all `total` are deployed."""
        with self._deploying() as conn:
            position = self._next_position(conn)
            if position > total:
                return None
            conn.execute(insert(deployments).values(position=position, deployed_at=now))
            self._changed(conn)
            return position

    def deploy_through(self, position: int, now: datetime) -> int:
        """Make positions 1..position deployed (ones already there keep their time); returns
        how many are deployed now."""
        with self._deploying() as conn:
            have = set(conn.execute(
                select(deployments.c.position).where(deployments.c.position <= position)
            ).scalars())
            missing = [p for p in range(1, position + 1) if p not in have]
            if missing:
                conn.execute(insert(deployments), [{"position": p, "deployed_at": now} for p in missing])
                self._changed(conn)
            return int(conn.execute(select(func.count()).select_from(deployments)).scalar_one())

    def reset(self, now: datetime) -> None:
        """Empty the fleet and stop its run; its incidents end with it."""
        with self._deploying() as conn:
            conn.execute(delete(deployments))
            self._set_running(conn, False, now)
            conn.execute(update(incidents).where(incidents.c.cleared_at.is_(None))
                         .values(cleared_at=now))

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

    def step_run(self, total: int, now: datetime) -> int | None:
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
            conn.execute(insert(deployments).values(position=position, deployed_at=now))
            self._changed(conn)
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
            result = conn.execute(update(incidents).where(
                (incidents.c.id == incident_id) & incidents.c.cleared_at.is_(None)
            ).values(cleared_at=now))
            if result.rowcount:
                self._changed(conn)
        return result.rowcount > 0

    def clear_incidents(self, now: datetime) -> int:
        with self._tx() as conn:
            result = conn.execute(update(incidents).where(incidents.c.cleared_at.is_(None))
                                  .values(cleared_at=now))
            if result.rowcount:
                self._changed(conn)
        return result.rowcount


def _incident(row: Row[Any]) -> Incident:
    return Incident(id=row.id, type=IncidentType(row.type), server_id=row.server_id,
                    hostname=row.hostname, severity=Severity(row.severity),
                    started_at=utc(row.started_at), created_at=utc(row.created_at),
                    cleared_at=utc(row.cleared_at) if row.cleared_at else None)
