"""Drop schema_info: alembic_version now records which schema a database has.

It held the release's own version number (1-3); databases made before alembic are recognised by
their tables instead (openmanager_core.migrations.release_5696855.made_before_alembic).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_drop_schema_info"
down_revision: str | None = "0001_release_5696855"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_table("schema_info")


def downgrade() -> None:
    op.create_table("schema_info", sa.Column("version", sa.Integer, primary_key=True))
    op.execute("INSERT INTO schema_info (version) VALUES (3)")
