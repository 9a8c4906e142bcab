"""Make the databases of the release before alembic (commit 5696855, schema_info version 3).

Run once with THAT release's code on the path, never with the current tree:

    git archive 5696855 | tar -x -C /tmp/om-5696855
    PYTHONPATH=/tmp/om-5696855 python tests/data/release_5696855/make_databases.py

It fills an SQLite file (`openmanager.db`) and a throwaway PostgreSQL database through that
release's own Store and Records (so the schema is exactly what its start-up made), then dumps the
PostgreSQL one as plain SQL (`postgresql.sql`, pg_dump --inserts, no owners or grants).
tests/test_migrations.py upgrades both with the current start-up and checks every row below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openmanager_core import store as release_store
from openmanager_core.ai.records import QueryLog, Records
from openmanager_core.models import IncidentType, Severity
from openmanager_core.store import Store
from sqlalchemy.engine import make_url

from tests.services import postgres_bindir, start_postgres

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)


def fill(url: str) -> None:
    """Rows in every table of the release: 3 deployed, a run, 2 incidents (one cleared), 2 AI queries
    with their log lines and one log line on its own."""
    store = Store(url)
    store.deploy_through(3, NOW - timedelta(minutes=10))
    store.start_run(20, 2.5, NOW - timedelta(minutes=5))
    store.add_incident(IncidentType.CPU_SPIKE, "srv_001", "web-prod-01", Severity.HIGH,
                       NOW - timedelta(minutes=4), NOW - timedelta(minutes=4), 100)
    cleared = store.add_incident(IncidentType.DISK_FULL, "srv_002", "db-master-01", Severity.LOW,
                                 NOW - timedelta(minutes=3), NOW - timedelta(minutes=3), 100)
    store.clear_incident(cleared.id, NOW - timedelta(minutes=2))
    records = Records(store, clock=lambda: NOW)
    records.write(QueryLog(query="CPU 높은 서버?", language="ko", endpoint="/api/ai-agent/query",
                           outcome="answered", processing_ms=42.5, method="engine", success=True,
                           priority="high", servers=["web-prod-01"],
                           messages=[("info", "engine answered", "engine", 40.0)]))
    records.write(QueryLog(query="", language="en", endpoint="/api/ai-agent/query", outcome="rejected",
                           processing_ms=0.1, error="empty query",
                           messages=[("warning", "rejected: empty query", None, None)]))
    records.log("error", "pattern tier timed out", tier="pattern", duration_ms=1500.0)
    store.engine.dispose()  # the last connection checkpoints the WAL into the file


def main() -> None:
    if release_store.SCHEMA_VERSION != 3 or Path(release_store.__file__).is_relative_to(HERE.parents[2]):
        sys.exit("run with the code of commit 5696855 first on PYTHONPATH (see the docstring)")
    sqlite_file = HERE / "openmanager.db"
    sqlite_file.unlink(missing_ok=True)
    fill(f"sqlite:///{sqlite_file}")

    server = start_postgres()
    try:
        url = server.create_database("om_release")
        fill(url)
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run([str(postgres_bindir() / "pg_dump"), "--inserts", "--no-owner",
                               "--no-privileges", "--no-comments", "-d", plain],
                              check=True, capture_output=True, text=True, env={**os.environ})
        (HERE / "postgresql.sql").write_text(dump.stdout)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
