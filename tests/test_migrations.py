"""Schema migrations on real SQLite and PostgreSQL: a database of the release before alembic is upgraded
with its rows, the revisions build exactly `store.metadata`, and of replicas starting at once one migrates."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, select
from sqlalchemy.engine import make_url

from openmanager_core.ai.records import Records
from openmanager_core.migrations import HERE, RELEASE_5696855, release_5696855
from openmanager_core.models import IncidentType, Severity
from openmanager_core.store import Store, metadata
from tests.services import postgres_bindir

RELEASE = Path(__file__).parent / "data" / "release_5696855"
SCRIPTS = ScriptDirectory(str(HERE))
ALL_REVISIONS = [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]  # oldest first
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
RELEASE_TABLES = set(release_5696855.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/openmanager.db"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def release_url(empty_url: str, tmp_path: Path) -> str:
    """A database as release 5696855 left it (see tests/data/release_5696855/make_databases.py)."""
    if empty_url.startswith("sqlite"):
        shutil.copy(RELEASE / "openmanager.db", tmp_path / "openmanager.db")
    else:
        plain = make_url(empty_url).set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run([str(postgres_bindir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", plain,
                        "-f", str(RELEASE / "postgresql.sql")], check=True, capture_output=True)
    return empty_url


DISAGREE = "store.metadata and the revisions disagree: add a revision (openmanager_core/migrations)"


def schema_differences(url: str, expected: MetaData = metadata) -> list[Any]:
    """What alembic's autogenerate would change to make the database match `expected`: empty when equal."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                         expected))
    finally:
        engine.dispose()


def every_row(url: str, release_tables: set[str] = RELEASE_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table of `metadata` the release had (tables added since start empty)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(row) for row in
                                 conn.execute(select(table).order_by(*table.primary_key))]
                    for table in metadata.sorted_tables if table.name in release_tables}
    finally:
        engine.dispose()


def test_a_database_of_the_release_before_alembic_is_upgraded_with_every_row(release_url: str) -> None:
    before = every_row(release_url)
    assert len(before) == len(RELEASE_TABLES) - 1 and all(before.values()), before  # all but schema_info
    assert "alembic_version" not in inspect(create_engine(release_url)).get_table_names()

    store = Store(release_url)
    assert store.migrated == ALL_REVISIONS
    assert every_row(release_url) == before
    assert schema_differences(release_url) == [], DISAGREE
    assert "schema_info" not in inspect(store.engine).get_table_names()

    # The rows still mean what they meant, and the id sequences carry on past them.
    run = store.deployment_run()
    assert (run.running, run.interval_seconds, run.deployed) == (True, 2.5, 3)
    assert [(i.id, i.hostname) for i in store.incidents()] == [(1, "web-prod-01")]
    stats = Records(store, clock=lambda: NOW).stats()
    assert (stats.total_queries, stats.rejected_queries) == (2, 1)
    added = store.add_incident(IncidentType.HOST_DOWN, "srv_003", "api-gateway-prod", Severity.HIGH,
                               NOW, NOW, 100)
    assert added.id == 3
    store.engine.dispose()

    again = Store(release_url)
    assert again.migrated == [] and again.deployed_count() == 3


def test_the_revisions_build_exactly_the_metadata(empty_url: str) -> None:
    assert Store(empty_url).migrated == ALL_REVISIONS
    assert schema_differences(empty_url) == [], DISAGREE
    # The same comparison catches a table added to `metadata` without its revision.
    ahead = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(ahead)
    Table("not_in_any_revision", ahead, Column("id", Integer, primary_key=True))
    assert [(kind, table.name) for kind, table in schema_differences(empty_url, ahead)] == [
        ("add_table", "not_in_any_revision")]


def test_the_revisions_form_one_line() -> None:
    """Two branches that each added a revision on the same head leave two heads, and start would fail."""
    heads = SCRIPTS.get_heads()
    assert len(heads) == 1, f"one head expected, found {heads}: re-point a down_revision"
    assert ALL_REVISIONS[:2] == [RELEASE_5696855, "0002_drop_schema_info"]


def test_an_older_database_is_upgraded_in_place(empty_url: str) -> None:
    """Release 1's incidents table (no cleared_at, no other table) gains what came since."""
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE incidents (id INTEGER PRIMARY KEY, type VARCHAR(32) NOT NULL,"
                             " server_id VARCHAR(32) NOT NULL, hostname VARCHAR(200) NOT NULL,"
                             " severity VARCHAR(8) NOT NULL, started_at TIMESTAMP NOT NULL,"
                             " created_at TIMESTAMP NOT NULL)")
        conn.exec_driver_sql("INSERT INTO incidents VALUES (7, 'cpu_spike', 'srv_001', 'web-prod-01',"
                             " 'high', '2026-11-30 05:00:00', '2026-11-30 05:00:00')")
    engine.dispose()
    store = Store(empty_url)
    assert store.migrated == ALL_REVISIONS
    assert "cleared_at" in {c["name"] for c in inspect(store.engine).get_columns("incidents")}
    assert [(i.id, i.cleared_at) for i in store.incidents()] == [(7, None)]
    assert not store.deployment_run().running  # the run table came with the upgrade
    indexes = {index["name"] for index in inspect(store.engine).get_indexes("incidents")}
    assert {"ix_incidents_server_id", "ix_incidents_cleared_at"} <= indexes


def _start_replica(url: str, go: Any, results: Any) -> None:
    go.wait()
    results.put(Store(url).migrated)


def test_of_replicas_starting_at_once_exactly_one_migrates(release_url: str) -> None:
    replicas = 4
    context = multiprocessing.get_context("spawn")
    go = context.Barrier(replicas)
    results: multiprocessing.Queue[list[str]] = context.Queue()
    workers = [context.Process(target=_start_replica, args=(release_url, go, results))
               for _ in range(replicas)]
    for worker in workers:
        worker.start()
    migrated = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sorted(migrated) == [[]] * (replicas - 1) + [ALL_REVISIONS]
    assert schema_differences(release_url) == []
    assert Store(release_url).deployed_count() == 3
