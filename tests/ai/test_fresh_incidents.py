"""An incident injected "now" is named by tier 1, server and metric, within its deadline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity, Status
from openmanager_core.simulator import main_service
from tests.ai.conftest import NOW, settings_for

NAMED_WITHIN = {Severity.HIGH: timedelta(minutes=2), Severity.MEDIUM: timedelta(minutes=3),
                Severity.LOW: timedelta(minutes=10)}
# What the answer calls the metric (or the failure) of each incident, in Korean and English.
METRIC_WORDS: dict[IncidentType, dict[str, str]] = {
    IncidentType.CPU_SPIKE: {"ko": "CPU", "en": "CPU"},
    IncidentType.MEMORY_LEAK: {"ko": "메모리", "en": "memory"},
    IncidentType.DISK_FULL: {"ko": "디스크", "en": "disk"},
    IncidentType.NETWORK_CONGESTION: {"ko": "응답 시간", "en": "response time"},
    IncidentType.SERVICE_DOWN: {"ko": "{service}", "en": "{service}"},
    IncidentType.HOST_DOWN: {"ko": "호스트 다운", "en": "host down"},
}
QUESTIONS = {"ko": "지금 문제 있는 서버는?", "en": "Which servers have a problem right now?"}
# One server type after another, so every type (and its own thresholds) is covered.
HOSTS = ("web-prod-01", "db-master-01", "cache-redis-01", "backup-storage-01", "analytics-worker",
         "api-gateway-prod", "monitoring-elk", "vault-secrets", "mail-server-01", "jenkins-ci-cd",
         "proxy-nginx-01", "k8s-worker-01")
CASES = [(kind, severity, HOSTS[(i * 3 + j) % len(HOSTS)])
         for i, kind in enumerate(IncidentType) for j, severity in enumerate(Severity)]


@pytest.mark.parametrize("kind, severity, host", CASES, ids=[f"{k.value}-{s.value}-{h}" for k, s, h in CASES])
def test_a_fresh_incident_is_named_with_its_metric_within_its_deadline(
        tmp_path: Path, kind: IncidentType, severity: Severity, host: str) -> None:
    clock = [NOW]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(kind, host, severity)
    clock[0] = NOW + NAMED_WITHIN[severity]
    assert fleet.state(host).status is not Status.ONLINE
    agent = Agent(fleet, use_cache=False)
    service = main_service(fleet.resolve(host)).name
    for lang, question in QUESTIONS.items():
        answer = agent.ask(question)
        assert answer.metadata.method == "optimized_ai_engine"
        headline = answer.response.split("\n")[0]
        assert host in headline, answer.response
        assert METRIC_WORDS[kind][lang].format(service=service) in answer.response, answer.response
        assert "No anomaly" not in answer.response and "이상 징후 없음" not in answer.response


REINJECTED = [kind for kind in IncidentType if kind is not IncidentType.HOST_DOWN]


@pytest.mark.parametrize("kind", REINJECTED, ids=[k.value for k in REINJECTED])
def test_a_cleared_and_reinjected_incident_is_dated_from_the_new_one(tmp_path: Path,
                                                                     kind: IncidentType) -> None:
    """Cleared at 14:26 after 16 minutes, injected again at 14:27: "since 14:27", not 14:10."""
    clock = [NOW - timedelta(minutes=20)]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(kind, "web-prod-01", Severity.HIGH)
    clock[0] = NOW - timedelta(minutes=4)
    fleet.clear()
    clock[0] = NOW - timedelta(minutes=3)
    fleet.inject(kind, "web-prod-01", Severity.HIGH)
    clock[0] = NOW
    answer = Agent(fleet, use_cache=False).ask("What's wrong with web-prod-01?")
    since = re.search(r"since (\d\d):(\d\d) KST", answer.response)
    assert since, answer.response
    assert 14 * 60 + 26 <= int(since[1]) * 60 + int(since[2]) <= 14 * 60 + 29, answer.response


@pytest.mark.parametrize("minutes", [1, 2, 3, 4])
def test_a_fresh_step_is_never_dated_before_it_was_injected(tmp_path: Path, minutes: int) -> None:
    """A high memory leak steps up at once: minutes later the answer says it began then, not a few
    minutes before (a climb fitted to so few points put its turn among the flat minutes)."""
    clock = [NOW]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH)
    clock[0] = NOW + timedelta(minutes=minutes)
    answer = Agent(fleet, use_cache=False).ask("db-master-01 memory?")
    since = re.search(r"since (\d\d):(\d\d) KST", answer.response)
    assert since, answer.response
    injected = (NOW + timedelta(hours=9)).hour * 60 + NOW.minute  # NOW in KST, to the minute
    assert injected <= int(since[1]) * 60 + int(since[2]) <= injected + 1, answer.response


JUMPING = (IncidentType.MEMORY_LEAK, IncidentType.DISK_FULL, IncidentType.CPU_SPIKE)
JUMPS = [(kind, severity) for kind in JUMPING for severity in (Severity.HIGH, Severity.MEDIUM)]


@pytest.mark.parametrize("kind, severity", JUMPS, ids=[f"{k.value}-{s.value}" for k, s in JUMPS])
def test_once_the_fleet_page_shows_a_breach_the_ai_does_not_call_it_usual(
        tmp_path: Path, kind: IncidentType, severity: Severity) -> None:
    """Between the fleet page turning a server warning and the AI's deadline, every answer agrees
    with the page: a value that just rose past its threshold is the finding, not "its usual level"."""
    clock = [NOW]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(kind, "db-master-01", severity)
    agent = Agent(fleet, use_cache=False)
    checked = 0
    for seconds in range(15, int(NAMED_WITHIN[severity].total_seconds()) + 1, 15):
        clock[0] = NOW + timedelta(seconds=seconds)
        if not any(a.metric for a in fleet.state("db-master-01", "en").alerts):
            continue
        checked += 1
        answer = agent.ask(QUESTIONS["en"]).response
        assert "db-master-01" in answer.split("\n")[0], (seconds, answer)
        assert "No anomaly" not in answer and "usual level for this hour" not in answer, (seconds, answer)
    assert checked


def low_disk_fill(tmp_path: Path, age: timedelta) -> tuple[list[datetime], Fleet]:
    """The whole fleet, a low-severity disk fill on backup-storage-01 `age` old, the server still
    online; the clock is the list's one item, to move on."""
    clock = [NOW]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(IncidentType.DISK_FULL, "backup-storage-01", Severity.LOW)
    clock[0] = NOW + age
    assert fleet.state("backup-storage-01").status is Status.ONLINE
    return clock, fleet


@pytest.mark.parametrize("question, lang", [("Which servers have a problem right now?", "en"),
                                            ("지금 문제 있는 서버는?", "ko")])
def test_a_fill_too_young_to_be_a_finding_is_a_watch_not_healthy(tmp_path: Path, question: str,
                                                                 lang: str) -> None:
    """90 s into a low-severity disk fill: 71 % against a usual 67 %, rising. Not yet an anomaly, but
    its trend reaches the warning line within minutes: a watch. Once it is a finding, it is that."""
    clock, fleet = low_disk_fill(tmp_path, timedelta(seconds=90))
    t = clock[0].timestamp() - np.arange(3, -1, -1, dtype=np.float64) * 60.0
    disk = fleet.frame([fleet.resolve("backup-storage-01")], t).values["disk"][0]
    slope = np.polyfit((t - t[0]) / 60.0, disk, 1)[0]
    response = Agent(fleet, use_cache=False).ask(question).response
    heading = {"en": "**Watch** — rising toward a threshold (not an anomaly yet)",
               "ko": "**주의 관찰** — 임계값을 향해 오르는 중 (아직 이상으로 보지는 않음)"}[lang]
    item = {"en": f"- disk on backup-storage-01 {disk[-1]:.0f}% (usual 67%), rising +{slope:.1f}%p a minute"
                  " — warning (80%) in ~",
            "ko": f"- backup-storage-01 디스크 {disk[-1]:.0f}% (평소 67%), 분당 +{slope:.1f}%p씩 상승 중"
                  " — 이 추세면 약 "}[lang]
    watch = f"{heading}\n{item}"
    assert response.startswith(watch), response
    clock[0] = NOW + timedelta(minutes=3)
    response = Agent(fleet, use_cache=False).ask(question).response
    assert "backup-storage-01" in response.split("\n")[0], response
    assert heading not in response


@pytest.mark.parametrize("question, lang", [("Which servers have a problem right now?", "en"),
                                            ("지금 문제 있는 서버는?", "ko")])
def test_a_finding_under_every_threshold_is_still_one_to_watch(tmp_path: Path, question: str,
                                                               lang: str) -> None:
    """Three minutes into a low disk fill it is a finding, but the server still counts as healthy: the
    answer says it is under its warning line and when it gets there; past that line it says no more."""
    clock, fleet = low_disk_fill(tmp_path, timedelta(minutes=3))
    watch = {"en": "- watch: still under its warning threshold (80%)",
             "ko": "- 주의 관찰 단계 — 아직 경고 임계값 80% 아래"}[lang]
    response = Agent(fleet, use_cache=False).ask(question).response
    assert "backup-storage-01" in response.split("\n")[0] and watch in response, response
    clock[0] = NOW + timedelta(minutes=15)
    assert fleet.state("backup-storage-01").status is not Status.ONLINE
    response = Agent(fleet, use_cache=False).ask(question).response
    assert "backup-storage-01" in response.split("\n")[0] and watch not in response, response
