"""The schema of release 5696855, the last before alembic: every table its start-up created.

A database that release made is stamped with this revision instead of running it (see
openmanager_core.migrations.release_5696855).
"""

from __future__ import annotations

from alembic import op

from openmanager_core.migrations import release_5696855

revision = "0001_release_5696855"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    release_5696855.metadata.create_all(op.get_bind())


def downgrade() -> None:
    release_5696855.metadata.drop_all(op.get_bind())
