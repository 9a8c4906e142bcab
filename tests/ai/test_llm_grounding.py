"""With an LLM configured, it is handed the timeline of what happened (the servers in scope, the span
asked or the last hour) as quoted evidence, and an answer that adds a time or a server the evidence
does not hold is refused: the analytic answer stands.

The LLM is `LlmStub` (tests/ai/conftest.py), a fake OpenAI-compatible server on loopback: no hosted
LLM is reachable from the tests, and what is tested here is what we send and what we accept."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openmanager_core.ai import Agent
from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import NOW, LlmStub, settings_for


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def fleet_with_a_past(tmp_path: Path, llm_url: str) -> Fleet:
    """20 servers deployed three hours before NOW (14:30 KST); a database leak from 14:00 to 14:20 KST,
    a CPU spike on web-prod-01 since 14:10 KST, and the status changes the evaluator saw."""
    clock = Clock()
    fleet = Fleet(settings_for(tmp_path, llm_base_url=llm_url), clock=clock)
    evaluator = AlertEvaluator(fleet, Notifier(fleet.settings, fleet.store, fleet.clock, channels=[]))

    def at(minutes_ago: int) -> None:
        clock.now = NOW - timedelta(minutes=minutes_ago)

    at(180)
    fleet.deploy_next(fleet.total - 1)
    at(30)
    leak = fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    at(27)
    evaluator.evaluate()
    at(20)
    fleet.clear(leak.id)
    spike = fleet.inject(IncidentType.CPU_SPIKE, "web-prod-01", Severity.HIGH)
    at(18)
    evaluator.evaluate()
    at(0)
    assert spike.server_id == "srv_001"
    return fleet


def sent_facts(stub: LlmStub) -> dict[str, Any]:
    return json.loads(stub.requests[-1]["messages"][1]["content"])["facts"]  # type: ignore[no-any-return]


def test_the_llm_gets_the_last_hour_of_the_servers_in_scope_as_quoted_evidence(
        tmp_path: Path, llm_stub: LlmStub) -> None:
    fleet = fleet_with_a_past(tmp_path, llm_stub.url)
    agent = Agent(fleet, use_cache=False)

    answer = agent.ask("What is wrong with web-prod-01?")
    assert answer.metadata.llm_used and answer.response == "LLM answer about web-prod-01."
    timeline = sent_facts(llm_stub)["timeline"]
    assert timeline[0] == {"time": "14:10 KST",
                           "event": "web-prod-01: CPU spike incident started (high severity)"}
    assert {"time": "14:12 KST", "event": "web-prod-01: status Online → Critical"} in timeline
    assert all(e["event"].startswith("web-prod-01") for e in timeline)  # its own, the hour's only
    assert "deployed" not in json.dumps(timeline)  # three hours ago: before the hour

    agent.ask("What is wrong?")  # the whole fleet: the database's cleared leak too, oldest first
    events = [e["event"] for e in sent_facts(llm_stub)["timeline"]]
    assert events[:2] == ["db-master-01: memory leak incident started (high severity)",
                          "db-master-01: status Online → Warning"]
    assert "db-master-01: memory leak incident cleared" in events

    agent.ask("무슨 일이 있었어? 지난 4시간")  # a history question: the span it asks for, in its language
    korean = [e["event"] for e in sent_facts(llm_stub)["timeline"]]
    assert "staging-web-01 배포 (20번째)" in korean  # three hours ago, inside the four asked
    assert len(korean) == 20 and "web-prod-01: 상태 정상 → 위험" in korean  # the latest 20


def test_an_llm_retelling_the_timeline_is_used_and_one_adding_facts_is_refused(
        tmp_path: Path, llm_stub: LlmStub) -> None:
    fleet = fleet_with_a_past(tmp_path, llm_stub.url)
    agent = Agent(fleet, use_cache=False)

    llm_stub.mode = "timeline"  # a faithful LLM: every time and server it writes is in the evidence
    answer = agent.ask("what happened in the last hour?")
    assert answer.metadata.llm_used
    assert answer.response.splitlines()[0] == (
        "- 14:00 KST db-master-01: memory leak incident started (high severity)")
    assert "- 14:10 KST db-master-01: memory leak incident cleared" in answer.response

    llm_stub.mode = "invented"  # names the server asked about, then adds 03:17 and db-replica-02
    answer = agent.ask("Why is web-prod-01 slow?")
    assert not answer.metadata.llm_used
    assert answer.response.startswith("**web-prod-01: CPU spike")  # the analytic answer stands
    attempt = answer.metadata.tier_attempts[-1]
    assert attempt.tier == "llm" and attempt.error == (
        "LlmError: the completion adds 03:17, which the evidence does not hold")
