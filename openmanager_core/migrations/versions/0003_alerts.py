"""Alerts: rules, one row per alert episode (history kept for the retention), silences,
acknowledgements and the channels' delivery failures."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_alerts"
down_revision: str | None = "0002_drop_schema_info"
branch_labels: str | None = None
depends_on: str | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(32), nullable=True),
        sa.Column("level", sa.String(8), nullable=True),
        sa.Column("horizon_seconds", sa.Integer, nullable=True),
        sa.Column("for_seconds", sa.Float, nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("server_id", sa.String(32), nullable=True),
        sa.Column("server_type", sa.String(32), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("server_id", sa.String(32), nullable=False, index=True),
        sa.Column("hostname", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, index=True),
        sa.Column("active_key", sa.String(100), nullable=True, unique=True),
        sa.Column("metric", sa.String(32), nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("diagnosis", sa.Text, nullable=True),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("fired_at", WHEN, nullable=True),
        sa.Column("clear_since", WHEN, nullable=True),
        sa.Column("ends_at", WHEN, nullable=True, index=True),
        sa.Column("notified", sa.Boolean, nullable=False),
    )
    op.create_table(
        "alert_silences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("server_id", sa.String(32), nullable=True),
        sa.Column("rule_id", sa.String(64), nullable=True),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False, index=True),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "alert_acks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, nullable=False, index=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_table(
        "alert_delivery_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", WHEN, nullable=False, index=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("alert_delivery_failures", "alert_acks", "alert_silences", "alerts", "alert_rules"):
        op.drop_table(table)
