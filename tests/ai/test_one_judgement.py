"""Status, crossed thresholds and counts are each decided by one function that the fleet page, the
API and every AI tier call: change the rule there and every one of them follows; a second copy
would not. The anomaly bit likewise: the fleet table's flag, the chart marks and anomaly alerts agree."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from openmanager_core import thresholds
from openmanager_core.ai import Agent
from openmanager_core.ai.engine import Engine
from openmanager_core.ai.findings import current_anomalies, diagnose, marks
from openmanager_core.alerts import conditions
from openmanager_core.alerts.models import AlertRule, AlertSeverity, RuleKind
from openmanager_core.analysis import DEFAULT_THRESHOLD
from openmanager_core.fleet import Fleet, summarize
from openmanager_core.metrics import METRIC_KEYS
from openmanager_core.models import FleetSummary, IncidentType, ServerType, Severity, Status
from tests.ai.conftest import NOW, Broken, inject

SUMMARY = "Summarise the current server status"  # tier 1 and tier 2 both answer this
JOKE = "tell me a joke"  # no pattern matches: the fallback answers


def counts_said(text: str) -> tuple[int, int, int, int, int]:
    found = re.search(r"(\d+) servers — (\d+) online · (\d+) warning · (\d+) critical · (\d+) offline", text)
    assert found, text
    return tuple(int(n) for n in found.groups())  # type: ignore[return-value]


def every_count(fleet: Fleet) -> dict[str, tuple[int, ...]]:
    """The fleet's counts as the fleet page, tier 1, tier 2 and the fallback give them."""
    page = summarize(fleet.states("en"))
    return {
        "fleet page": (page.total, page.online, page.warning, page.critical, page.offline),
        "tier 1": counts_said(Agent(fleet, use_cache=False).ask(SUMMARY).response),
        "tier 2": counts_said(Agent(fleet, engine=Broken(), use_cache=False).ask(SUMMARY).response),
        "fallback": counts_said(Agent(fleet, engine=Broken(), use_cache=False).ask(JOKE).response),
    }


def test_every_tier_counts_a_stopped_service_and_a_down_host_as_the_fleet_page_does(fleet: Fleet) -> None:
    """Tier 2 used to ignore stopped services: "0 warning" while the fleet page showed 1."""
    inject(fleet, IncidentType.SERVICE_DOWN, "proxy-nginx-01", severity=Severity.LOW)
    inject(fleet, IncidentType.HOST_DOWN, "cache-redis-01")
    counts = every_count(fleet)
    assert counts["fleet page"] == (20, 18, 1, 0, 1)
    assert len(set(counts.values())) == 1, counts
    tier2 = Agent(fleet, engine=Broken(), use_cache=False).ask(SUMMARY).response
    assert "proxy-nginx-01: nginx stopped, port 80" in tier2 and "cache-redis-01" in tier2


def test_status_comes_from_thresholds_judge_everywhere(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule change in `judge` (here: the first server judged is critical) reaches every reader."""
    real = thresholds.judge

    def first_is_critical(*args: object, **kwargs: object) -> thresholds.Judgement:
        judgement = real(*args, **kwargs)  # type: ignore[arg-type]
        ranks = judgement.status_ranks.copy()
        ranks[:1] = Status.CRITICAL.rank
        return dataclasses.replace(judgement, status_ranks=ranks)

    monkeypatch.setattr(thresholds, "judge", first_is_critical)
    counts = every_count(fleet)
    assert counts["fleet page"] == (20, 19, 0, 1, 0)
    assert len(set(counts.values())) == 1, counts


def test_counts_come_from_count_by_status_everywhere(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    real = thresholds.count_by_status

    def seven_more_offline(statuses: object) -> FleetSummary:
        summary = real(statuses)  # type: ignore[arg-type]
        return summary.model_copy(update={"total": summary.total + 7, "offline": summary.offline + 7})

    monkeypatch.setattr(thresholds, "count_by_status", seven_more_offline)
    counts = every_count(fleet)
    assert counts["fleet page"] == (27, 20, 0, 0, 7)
    assert len(set(counts.values())) == 1, counts


def test_crossed_thresholds_come_from_the_one_table_everywhere(fleet: Fleet,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower the database memory thresholds in the table: every reader sees db-master-01 over them."""
    monkeypatch.setitem(thresholds.TYPE_OVERRIDES[ServerType.DATABASE], "memory", (10, 20))
    state = fleet.state("db-master-01", "en")
    assert [(a.metric, a.level, a.threshold) for a in state.alerts] == [("memory", Status.CRITICAL, 20)]
    judged = thresholds.judge({"memory": np.array([15.0])}, [state.type])
    assert judged.level("memory", 0) is Status.WARNING
    tier2 = Agent(fleet, engine=Broken(), use_cache=False).ask("메모리 부족한 서버가 있어?").response
    assert re.search(r"db-master-01: [\d.]+%.*위험.*20%", tier2), tier2
    assert "메모리 임계값을 넘은 서버 1대" in tier2
    fallback = Agent(fleet, engine=Broken(), use_cache=False).ask(JOKE).response
    assert "db-master-01 (Critical): memory" in fallback and "≥ 20%" in fallback
    tier1 = Agent(fleet, use_cache=False).ask("Summarise the current server status").response
    assert counts_said(tier1)[3] == 1


STRUCK = [(IncidentType.CPU_SPIKE, "web-prod-01", "cpu"),
          (IncidentType.MEMORY_LEAK, "db-master-01", "memory"),
          (IncidentType.DISK_FULL, "backup-storage-01", "disk"),
          (IncidentType.NETWORK_CONGESTION, "api-gateway-prod", "response_time")]


@pytest.mark.parametrize("kind, host, metric", STRUCK, ids=[k.value for k, _, _ in STRUCK])
def test_the_fleet_tables_flag_the_chart_marks_and_anomaly_alerts_agree(fleet: Fleet, kind: IncidentType,
                                                                         host: str, metric: str) -> None:
    """One incident: the (server, metric) pairs the fleet table flags now, those the detail chart
    marks up to now, and those an anomaly rule per metric holds on, are the same."""
    inject(fleet, kind, host, minutes_ago=30, severity=Severity.HIGH)
    flagged = {(server_id, key) for server_id, keys in current_anomalies(fleet).items() for key in keys}
    marked = {(server.id, key) for server, _ in fleet.deployed_servers()
              for key, events in marks(fleet, server, NOW.timestamp(), 60).items()
              if events[-1].end == NOW.replace(tzinfo=None)}  # an event still going on
    rules = [AlertRule(id=f"anomaly_{key}", kind=RuleKind.ANOMALY, metric=key, severity=AlertSeverity.WARNING)
             for key in METRIC_KEYS]
    alerted = {(seen.server.id, seen.metric)
               for seen in conditions.observe(rules, conditions.look(fleet, Engine(fleet), True))}
    assert (fleet.resolve(host).id, metric) in flagged
    assert {server_id for server_id, _ in flagged} == {fleet.resolve(host).id}  # the rest are healthy
    assert flagged == marked == alerted, (flagged, marked, alerted)


def anomaly_readers(fleet: Fleet) -> dict[str, set[tuple[str, str]]]:
    """The (server, metric) pairs each reader of the anomaly bit holds on now: the fleet table's
    flag, the chart marks still going on, anomaly alert rules and the AI's anomaly scan."""
    now = NOW.replace(tzinfo=None)
    rules = [AlertRule(id=f"anomaly_{key}", kind=RuleKind.ANOMALY, metric=key, severity=AlertSeverity.WARNING)
             for key in METRIC_KEYS]
    return {
        "fleet table": {(server_id, key) for server_id, keys in current_anomalies(fleet).items()
                        for key in keys},
        "marks": {(server.id, key) for server, _ in fleet.deployed_servers()
                  for key, events in marks(fleet, server, NOW.timestamp(), 60).items()
                  if events[-1].end == now},
        "alerts": {(seen.server.id, seen.metric)
                   for seen in conditions.observe(rules, conditions.look(fleet, Engine(fleet), True))},
        "anomaly scan": {(item.server_id, item.metric)
                         for item in Agent(fleet, use_cache=False).detect_anomalies("en").anomalies},
    }


def test_a_young_leak_under_the_bar_is_found_by_its_climb_by_every_reader(fleet: Fleet) -> None:
    """Three minutes of a low leak: memory 10 points over its usual, z under the one anomaly bar
    (DEFAULT_THRESHOLD), but climbing (`climbing`): every reader of the anomaly bit holds it."""
    inject(fleet, IncidentType.MEMORY_LEAK, "cache-redis-01", minutes_ago=3, severity=Severity.LOW)
    (diagnosis,) = diagnose(fleet, [fleet.resolve("cache-redis-01")], NOW.timestamp())
    assert 0 < diagnosis.findings["memory"].z < DEFAULT_THRESHOLD
    readers = anomaly_readers(fleet)
    leak = {(fleet.resolve("cache-redis-01").id, "memory")}
    assert all(found == leak for found in readers.values()), readers


def test_a_correlate_below_the_bar_supports_a_cause_and_is_no_anomaly(fleet: Fleet) -> None:
    """25 minutes into a leak, db-master-01's CPU is up +15 points or more but under the bar: the
    diagnosis names it a symptom of the leak (findings.movements), yet no reader calls it an anomaly,
    and the answer does not either."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=25)
    server = fleet.resolve("db-master-01")
    (diagnosis,) = diagnose(fleet, [server], NOW.timestamp())
    (cpu,) = [link.finding for cause in diagnosis.causes for link in cause.symptoms
              if link.finding.metric == "cpu"]
    assert not cpu.anomaly and abs(cpu.z) < DEFAULT_THRESHOLD and "cpu" not in diagnosis.findings
    assert diagnosis.causes[0].kind == "memory_leak"
    readers = anomaly_readers(fleet)
    assert all((server.id, "memory") in found and (server.id, "cpu") not in found
               for found in readers.values()), readers
    answer = Agent(fleet, use_cache=False).ask("Why is db-master-01 slow?").response
    (line,) = [line for line in answer.split("\n") if line.startswith("- CPU")]
    assert "a symptom of the memory leak" in line and "anomal" not in line.lower(), answer
