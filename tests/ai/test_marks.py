"""The detail chart's anomaly marks are the AI's judgement: none on a healthy day, the AI's metrics
during an incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openmanager_core.ai.engine import Engine
from openmanager_core.ai.findings import diagnose
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import NOW, inject

DAY = 24 * 60


def test_a_healthy_day_has_no_marks_not_even_at_the_three_oclock_backup(fleet: Fleet) -> None:
    """Backups lift backup-storage-01's CPU by 30 points at 03:00 KST: usual for that hour."""
    engine = Engine(fleet)
    assert {s.hostname: engine.marks(s.hostname, DAY) for s in fleet.catalogue.servers
            if engine.marks(s.hostname, DAY)} == {}


MARKED = [(IncidentType.CPU_SPIKE, "web-prod-01"), (IncidentType.MEMORY_LEAK, "db-master-01"),
          (IncidentType.DISK_FULL, "backup-storage-01"),
          (IncidentType.NETWORK_CONGESTION, "api-gateway-prod"),
          (IncidentType.SERVICE_DOWN, "proxy-nginx-01")]


@pytest.mark.parametrize("kind, host", MARKED, ids=[k.value for k, _ in MARKED])
def test_marks_are_on_the_metrics_the_ai_names(fleet: Fleet, kind: IncidentType, host: str) -> None:
    inject(fleet, kind, host, minutes_ago=30, severity=Severity.HIGH)
    marked = Engine(fleet).marks(host, DAY)
    (diagnosis,) = diagnose(fleet, [fleet.resolve(host)], NOW.timestamp())
    primary = diagnosis.causes[0].primary
    assert primary is not None and primary.metric in marked
    assert set(marked) <= set(diagnosis.findings)
    for events in marked.values():
        assert all(e.start >= (NOW - timedelta(minutes=31)).replace(tzinfo=None) for e in events)
