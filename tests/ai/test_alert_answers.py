"""The AI answers "what is firing now?" from the alert store, as the alerts page lists it."""

from __future__ import annotations

from openmanager_core.ai import Agent
from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.alerts.rules import builtin_rules
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType


def _evaluate_with_host_down(fleet: Fleet, host: str) -> None:
    """The evaluator's own pass, with host_down firing at once (`for` 0) and nothing else."""
    fleet.store.seed_alert_rules(builtin_rules(), fleet.clock())
    for rule in fleet.store.alert_rules():
        change = {"for_seconds": 0.0} if rule.id == "host_down" else {"enabled": False}
        fleet.store.replace_alert_rule(rule.model_copy(update=change), fleet.clock())
    fleet.inject(IncidentType.HOST_DOWN, host)
    AlertEvaluator(fleet, Notifier(fleet.settings, fleet.store, fleet.clock, channels=[])).evaluate()


def test_the_firing_alerts_are_the_answer(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    quiet = agent.ask("지금 울리는 알림 뭐야?")
    assert "지금 울리는 알림은 없습니다 (대기 0건)." in quiet.response

    _evaluate_with_host_down(fleet, "db-master-01")
    answer = agent.ask("지금 울리는 알림 뭐야?")
    assert answer.metadata.method == "optimized_ai_engine"
    assert "**지금 울리는 알림 1건** (대기 0건, 알림 저장소 기준)" in answer.response
    assert "db\\-master\\-01 · 호스트 다운" in answer.response
    assert answer.response.index("지금 울리는 알림") < answer.response.index("db\\-master\\-01")
    assert "db-master-01" in answer.metadata.servers
    english = agent.ask("Which alerts are firing right now?")
    assert "**Alerts firing now: 1**" in english.response and "Host down" in english.response
