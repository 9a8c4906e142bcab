"""The store's schema, changed only by the alembic revisions in versions/, run at every start.

`Store.migrate` calls `upgrade` inside one transaction that holds the migration lock (SQLite's
BEGIN IMMEDIATE, a PostgreSQL advisory lock), so of replicas starting at once exactly one migrates
and the others wait, then find the schema at head. A database made before alembic (release 5696855,
schema_info 1-3) is first completed to that release's schema and stamped with its revision.

To add a table (or a column, an index):

1. Add the Table to `openmanager_core.store.metadata`.
2. Write one revision for it, by hand or drafted and then reviewed:
       alembic -c openmanager_core/migrations/alembic.ini revision --rev-id 0003_alerts -m "alerts table"
   (`--autogenerate` drafts the operations from DATABASE_URL's database; a rev id has at most 32
   characters, alembic_version's width). Its `down_revision` is the current head. Use
   `op.create_table(...)` / `op.add_column(...)` (nullable, or with a server default, so existing
   rows stay valid); `op.batch_alter_table` for changes SQLite cannot ALTER.
3. tests/test_migrations.py fails until the revisions and `metadata` agree, on SQLite and PostgreSQL,
   and while there is more than one head (two branches that each added a revision on the same head:
   re-point one's `down_revision` at the other when merging).

Never edit a released revision: databases already carry it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from . import release_5696855

HERE = Path(__file__).resolve().parent
RELEASE_5696855 = "0001_release_5696855"


def alembic_config(conn: Connection) -> Config:
    """The package's alembic configuration, with no ini file, migrating on `conn` (see env.py)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = conn
    config.attributes["applied"] = []  # env.py appends each revision it runs
    return config


def upgrade(conn: Connection) -> list[str]:
    """Bring the database on `conn` to the head revision, in the caller's transaction (which holds the
    migration lock); the revisions applied, empty when it was already there."""
    config = alembic_config(conn)
    if release_5696855.made_before_alembic(conn):
        release_5696855.complete(conn)
        command.stamp(config, RELEASE_5696855)
        config.attributes["applied"].append(RELEASE_5696855)
    command.upgrade(config, "head")
    return list(config.attributes["applied"])
