"""The schema of the last release before alembic (commit 5696855), frozen, and how a database that
release (or an earlier one) made is brought to it before alembic takes over.

Never edit these tables: they are history. A change to the schema is a new revision in versions/.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

metadata = MetaData()

Table("schema_info", metadata, Column("version", Integer, primary_key=True))
Table(
    "deployments", metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("deployed_at", DateTime(timezone=True), nullable=False),
)
Table(
    "deployment_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("running", Boolean, nullable=False),
    Column("interval_seconds", Float, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
Table(
    "store_version", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
Table(
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
Table(
    "ai_queries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("query", Text, nullable=False),
    Column("language", String(4), nullable=False),
    Column("endpoint", String(64), nullable=False),
    Column("method", String(32), nullable=True),
    Column("success", Boolean, nullable=False),
    Column("fallback_used", Boolean, nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("processing_ms", Float, nullable=False),
    Column("error", Text, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("priority", String(8), nullable=True),
    Column("servers", Text, nullable=True),
)
Table(
    "ai_logs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("level", String(8), nullable=False, index=True),
    Column("query_id", Integer, nullable=True),
    Column("tier", String(32), nullable=True),
    Column("message", Text, nullable=False),
    Column("duration_ms", Float, nullable=True),
)


def made_before_alembic(conn: Connection) -> bool:
    """Whether the database holds tables of a release before alembic and no alembic_version."""
    names = set(inspect(conn).get_table_names())
    return "alembic_version" not in names and bool(names & set(metadata.tables))


def complete(conn: Connection) -> None:
    """Bring a database of release 5696855 or earlier to that release's schema, as its own start-up
    did: create the tables it lacks and add the columns it lacks (nullable, as every column added
    after release 1 was), and create the indexes it lacks (that start-up never added those)."""
    metadata.create_all(conn, checkfirst=True)
    found = inspect(conn)
    for table in metadata.sorted_tables:
        have = {column["name"] for column in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
        indexed = {index["name"] for index in found.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexed:
                conn.execute(CreateIndex(index))
