"""alembic's environment: migrates on the connection Store.migrate hands over (holding the migration
lock), or, from the alembic command line, on DATABASE_URL's database."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from openmanager_core.settings import get_settings
from openmanager_core.store import MIGRATION_LOCK, metadata

config = context.config


def _record(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
            run_args: Mapping[str, Any]) -> None:
    """alembic's on_version_apply (called by keyword): note each revision run, not stamps."""
    if step.is_upgrade and not step.is_stamp:
        config.attributes["applied"].append(step.up_revision_id)


def _migrate(conn: Connection) -> None:
    context.configure(connection=conn, target_metadata=metadata, compare_type=True,
                      render_as_batch=True, on_version_apply=_record)
    with context.begin_transaction():
        context.run_migrations()


if config.attributes.get("connection") is not None:
    _migrate(config.attributes["connection"])
else:
    config.attributes.setdefault("applied", [])
    engine = create_engine(get_settings().database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        _migrate(connection)
    engine.dispose()
