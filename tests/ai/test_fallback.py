"""Tier 3: the status against thresholds, saying analysis is limited; never a crash."""

from __future__ import annotations

from openmanager_core.ai.engine import Question
from openmanager_core.ai.fallback import Fallback
from openmanager_core.ai.scope import parse
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from openmanager_core.store import StoreUnavailable
from tests.ai.conftest import inject


def test_lists_what_is_over_a_threshold(fleet: Fleet) -> None:
    inject(fleet, IncidentType.DISK_FULL, "backup-storage-01", minutes_ago=60)
    inject(fleet, IncidentType.SERVICE_DOWN, "vault-secrets")
    disk = fleet.state("backup-storage-01").metrics.disk  # type: ignore[union-attr]
    draft = Fallback(fleet).answer(Question(parse("상태?", fleet.catalogue)), lambda *_: None)
    lines = draft.response.split("\n")
    assert lines[0].startswith("⚠️ 지금은 분석 기능이 제한되어")
    assert f"- backup-storage-01 (위험): 디스크 {disk:.1f}% ≥ 90% (위험)" in draft.response
    assert "- vault-secrets (경고): vault 중지" in draft.response
    assert draft.servers == ["backup-storage-01", "vault-secrets"] and draft.ok
    assert [a.type for a in draft.actions] == ["check_alerts", "check_alerts", "retry"]


def test_a_store_outage_is_answered_not_raised(fleet: Fleet, monkeypatch) -> None:
    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(fleet, "states", unreachable)
    draft = Fallback(fleet).answer(Question(parse("status?", fleet.catalogue)), lambda *_: None)
    assert not draft.ok and draft.response.startswith("⚠️ The server status can't be read right now")
