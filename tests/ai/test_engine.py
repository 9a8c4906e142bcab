"""Tier 1 names the right server, metric and cause for every incident type, and invents nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from openmanager_core.ai import Agent
from openmanager_core.ai.engine import Engine, Question, history_trend
from openmanager_core.ai.models import ProvidedMetrics
from openmanager_core.ai.scope import parse
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from openmanager_core.simulator import main_service
from tests.ai.conftest import NOW, inject

# For each incident: (cause, metric, a piece of evidence) in Korean and English, as the answer words them.
EXPECTED: dict[IncidentType, dict[str, tuple[str, str, str]]] = {
    IncidentType.CPU_SPIKE: {"ko": ("CPU 급증", "CPU ", "네트워크 수신 ×"),
                             "en": ("CPU spike", "CPU ", "network in ×")},
    IncidentType.MEMORY_LEAK: {"ko": ("메모리 누수", "메모리 ", "분당 +"),
                               "en": ("memory leak", "memory ", "a minute since")},
    IncidentType.DISK_FULL: {"ko": ("디스크 가득 참", "디스크 ", "디스크 가득 참 (100%)"),
                             "en": ("disk filling up", "disk ", "disk full (100%)")},
    IncidentType.NETWORK_CONGESTION: {"ko": ("네트워크 혼잡", "응답 시간 ", "CPU는 평소 수준"),
                                      "en": ("network congestion", "response time ", "CPU is at its usual")},
    IncidentType.SERVICE_DOWN: {"ko": ("서비스 중단", "활성 연결 ", "응답 없음"),
                                "en": ("service down", "active connections ", "not answering")},
    IncidentType.HOST_DOWN: {"ko": ("호스트 다운", "메트릭 없음", "서비스"),
                             "en": ("host down", "no metrics", "services are down")},
}
SERVERS: dict[IncidentType, tuple[str, ...]] = {
    IncidentType.CPU_SPIKE: ("web-prod-01", "api-gateway-prod", "k8s-worker-01"),
    IncidentType.MEMORY_LEAK: ("db-master-01", "cache-redis-01", "analytics-worker"),
    IncidentType.DISK_FULL: ("backup-storage-01", "monitoring-elk", "web-prod-01"),
    IncidentType.NETWORK_CONGESTION: ("api-gateway-prod", "proxy-nginx-01", "k8s-ingress-01"),
    IncidentType.SERVICE_DOWN: ("proxy-nginx-01", "mail-server-01", "db-master-01"),
    IncidentType.HOST_DOWN: ("cache-redis-01", "vault-secrets", "jenkins-ci-cd"),
}
CASES = [(kind, host) for kind, hosts in SERVERS.items() for host in hosts]
FLEET_QUESTIONS = {"ko": "지금 뭐가 문제야?", "en": "What is wrong right now?"}
SERVER_QUESTIONS = {"ko": "{host} 서버 왜 이래?", "en": "What's wrong with {host}?"}
ALL_CAUSES = {lang: [words[lang][0] for words in EXPECTED.values()] for lang in ("ko", "en")}
CLOCK = re.compile(r"(\d\d):(\d\d) KST")


def minutes_off(line: str, expected: datetime) -> int:
    """How far the first KST time in `line` is from `expected`, in minutes."""
    found = CLOCK.search(line)
    assert found, line
    local = expected + timedelta(hours=9)
    return abs(int(found[1]) * 60 + int(found[2]) - (local.hour * 60 + local.minute))


@pytest.mark.parametrize("kind, host", CASES, ids=[f"{k.value}-{h}" for k, h in CASES])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_fleet_question_names_server_metric_and_cause(fleet: Fleet, kind: IncidentType, host: str,
                                                          lang: str) -> None:
    inject(fleet, kind, host)
    answer = Agent(fleet, use_cache=False).ask(FLEET_QUESTIONS[lang])
    cause, metric, evidence = EXPECTED[kind][lang]
    headline, *lines = answer.response.split("\n")
    assert answer.metadata.method == "optimized_ai_engine" and answer.metadata.analysis_depth == "advanced"
    assert host in headline and cause in headline, answer.response
    assert metric in answer.response and evidence in answer.response, answer.response
    assert answer.metadata.servers[0] == host
    assert answer.metadata.language == lang
    # The first evidence line dates it: the incident began 30 minutes ago (13:59 is the last
    # minute a downed host still reported).
    assert minutes_off(lines[0], NOW - timedelta(minutes=30)) <= 3, lines[0]
    assert answer.actions and all(a.description and a.effect for a in answer.actions)
    assert {a.impact for a in answer.actions} <= {"high", "medium", "low"}


@pytest.mark.parametrize("kind, host", CASES, ids=[f"{k.value}-{h}" for k, h in CASES])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_server_question_names_metric_and_cause(fleet: Fleet, kind: IncidentType, host: str,
                                                    lang: str) -> None:
    inject(fleet, kind, host, severity=Severity.LOW)
    answer = Agent(fleet, use_cache=False).ask(SERVER_QUESTIONS[lang].format(host=host))
    cause, metric, evidence = EXPECTED[kind][lang]
    assert answer.response.startswith(f"**{host}: {cause}"), answer.response
    assert metric in answer.response and evidence in answer.response, answer.response
    assert answer.metadata.servers == [host]
    if kind is IncidentType.SERVICE_DOWN:
        assert main_service(fleet.resolve(host)).name in answer.response


def test_cause_is_told_from_symptoms(fleet: Fleet) -> None:
    """A developed leak drives CPU and latency up (swapping): those are symptoms, the leak the cause."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=45)
    answer = Agent(fleet, use_cache=False).ask("Why is db-master-01 slow?")
    lines = answer.response.split("\n")
    assert "memory leak" in lines[0]
    symptoms = [line for line in lines if "a symptom of the memory leak" in line]
    assert any(line.startswith("- response time") for line in symptoms), answer.response
    assert any(line.startswith("- CPU") for line in symptoms), answer.response
    # The symptoms began well after the memory did: they are its effect, not its cause.
    assert all(re.search(r"began \d+ min after the memory", line) for line in symptoms)


def test_traffic_is_named_as_the_driver_of_a_cpu_spike(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "api-gateway-prod", minutes_ago=20)
    answer = Agent(fleet, use_cache=False).ask("api-gateway-prod CPU가 왜 높아?")
    driver = next(line for line in answer.response.split("\n") if "늘어난 요청" in line)
    ratio = float(re.search(r"네트워크 수신 ×([\d.]+)", driver)[1])  # type: ignore[index]
    r = float(re.search(r"r=([\d.]+)", driver)[1])  # type: ignore[index]
    assert ratio >= 2.0 and r >= 0.9


def test_disk_forecast_counts_down_to_full(fleet: Fleet) -> None:
    """Low severity fills 0.2 points a minute; the forecast must follow from that slope."""
    inject(fleet, IncidentType.DISK_FULL, "file-server-nfs", minutes_ago=20, severity=Severity.LOW)
    disk = fleet.state("file-server-nfs").metrics.disk  # type: ignore[union-attr]
    answer = Agent(fleet, use_cache=False).ask("When will the disk on file-server-nfs be full?")
    found = re.search(r"disk full \(100%\) in ~(?:(\d+)h )?(\d+)(m| min)", answer.response)
    assert found, answer.response
    minutes = int(found[1] or 0) * 60 + int(found[2])
    expected = (100.0 - disk) / 0.2  # low severity: 0.1 + 0.2 * 0.5 = 0.2 points a minute
    assert abs(minutes - expected) <= 0.1 * expected + 2, (minutes, expected)


@pytest.mark.parametrize("clock", [
    NOW,  # Monday 14:30 KST, business hours
    datetime(2026, 11, 29, 18, 10, tzinfo=UTC),  # Monday 03:10 KST: backups in the maintenance window
    datetime(2026, 11, 30, 0, 0, tzinfo=UTC),  # Monday 09:00 KST: the morning ramp
    datetime(2026, 11, 28, 14, 50, tzinfo=UTC),  # Saturday 23:50 KST: weekend night
], ids=["business-hours", "maintenance", "morning-ramp", "weekend-night"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_healthy_fleet_gets_no_invented_problem(make_fleet: Callable[..., Fleet], clock: datetime,
                                                  lang: str) -> None:
    fleet = make_fleet(clock)
    agent = Agent(fleet, use_cache=False)
    answer = agent.ask(FLEET_QUESTIONS[lang])
    expected = "**이상 징후 없음**" if lang == "ko" else "**No anomaly**"
    assert answer.response.startswith(expected), answer.response
    for host in ("web-prod-01", "db-master-01", "backup-storage-01", "k8s-monitoring-01"):
        reply = agent.ask(SERVER_QUESTIONS[lang].format(host=host)).response
        assert reply.startswith(f"**{host}: " + ("이상 없음" if lang == "ko" else "no anomaly")), reply
        assert not any(cause in reply for cause in ALL_CAUSES[lang]), reply


def test_a_healthy_server_next_to_a_broken_one_stays_healthy(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", severity=Severity.HIGH)
    reply = Agent(fleet, use_cache=False).ask("db-master-01 괜찮아?").response
    verdict, block = reply.split("\n\n")[:2]  # a yes/no question: the verdict first, then the server
    assert verdict.startswith("**예** — db-master-01: ")
    assert block.startswith("**db-master-01: 이상 없음**")
    assert "web-prod-01" not in reply


def test_metric_questions_lead_with_that_metric(fleet: Fleet) -> None:
    inject(fleet, IncidentType.HOST_DOWN, "cache-redis-01")
    inject(fleet, IncidentType.DISK_FULL, "monitoring-elk")
    answer = Agent(fleet, use_cache=False).ask("디스크 용량 부족한 곳 있어?")
    headline = "**가장 가능성 높은 원인: monitoring-elk — 디스크 가득 참"
    assert answer.response.startswith(headline), answer.response
    assert "**디스크 상위 서버**\n- monitoring-elk" in answer.response
    assert "cache-redis-01: 호스트 다운" in answer.response  # still mentioned, after what was asked


def test_unknown_and_undeployed_servers_are_said_so(make_fleet: Callable[..., Fleet]) -> None:
    fleet = make_fleet()
    fleet.reset()
    fleet.deploy_next(2)
    answer = Agent(fleet, use_cache=False).ask("How are web-prod-99 and vault-secrets?")
    assert "No server called 'web-prod-99'." in answer.response
    assert "vault-secrets is not deployed yet." in answer.response


def test_offline_and_change_questions_answer_what_was_asked(fleet: Fleet) -> None:
    inject(fleet, IncidentType.HOST_DOWN, "vault-secrets", minutes_ago=12)
    inject(fleet, IncidentType.MEMORY_LEAK, "analytics-worker", minutes_ago=40)
    agent = Agent(fleet, use_cache=False)
    offline = agent.ask("오프라인 서버 있어?").response
    assert offline.startswith("**오프라인 서버 1대**: vault-secrets (14:17 KST 이후)"), offline
    changed = agent.ask("What changed the most in the last hour?").response
    assert changed.split("\n")[1].startswith("- analytics-worker memory:"), changed
    assert "unusual for this hour" in changed.split("\n")[1]


def test_values_handed_in_are_judged_against_the_usual_level(fleet: Fleet) -> None:
    question = Question(parse("is this ok?", fleet.catalogue), provided=[
        ProvidedMetrics(hostname="web-prod-01", cpu=96, memory=55, network_in=400, active_connections=1300),
        ProvidedMetrics(hostname="db-master-01", cpu=40, memory=70),
        ProvidedMetrics(hostname="elsewhere-01", disk=93)])
    draft = Engine(fleet).answer(question, lambda *_: None)
    blocks = draft.response.split("\n\n")
    assert blocks[0].startswith("**web-prod-01: CPU spike (traffic surge)**")
    assert blocks[1].startswith("**db-master-01: no anomaly**")
    assert "- memory 70% — usual for this hour (" in blocks[1]
    assert blocks[2].startswith(r"**elsewhere\-01: disk filling up")  # caller text, escaped
    assert "- disk 93% — above the critical threshold of 90%" in blocks[2]
    assert draft.servers == ["web-prod-01", "db-master-01", "elsewhere-01"]


@pytest.mark.parametrize("hostname, shown", [
    ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
    ("**bold**", r"\*\*bold\*\*"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert\(1\)\>"),
])
def test_a_hostname_sent_comes_back_literally_in_the_markdown(fleet: Fleet, hostname: str,
                                                               shown: str) -> None:
    answer = Agent(fleet, use_cache=False).ask(
        "is this ok?", server_metrics={"hostname": hostname, "cpu": 96})
    headline = answer.response.split("\n")[0]
    assert headline.startswith(f"**{shown}: "), headline
    assert hostname not in answer.response
    assert answer.metadata.servers == [hostname]  # data fields carry the name as sent


def test_a_known_server_is_named_as_the_catalogue_spells_it(fleet: Fleet) -> None:
    question = Question(parse("is this ok?", fleet.catalogue),
                        provided=[ProvidedMetrics(hostname="WEB-PROD-01", cpu=40)])
    assert Engine(fleet).answer(question, lambda *_: None).response.startswith("**web-prod-01: ")


GUIDE_METRICS = {"cpu": {"current": 85.5, "history": [75, 80, 82, 85, 85.5]},
                 "memory": {"current": 72.3, "history": [68, 70, 71, 72, 72.3]}}


@pytest.mark.parametrize("lang, question, expected", [
    ("en", "Why is the server CPU high?", [
        "**server #1: high CPU**",
        "- CPU 85.5% — above the critical threshold of 85%; trend 75% → 85.5% (+10.5%p over 5 samples, "
        "rising)",
        "- memory 72.3% — below the warning threshold of 75%; trend 68% → 72.3% (+4.3%p over 5 samples, "
        "rising)"]),
    ("ko", "서버 CPU 사용률이 높은 이유를 분석해주세요", [
        "**서버 #1: CPU 과부하**",
        "- CPU 85.5% — 위험 임계값 85% 이상; 추이 75% → 85.5% (+10.5%p, 샘플 5개, 상승)",
        "- 메모리 72.3% — 경고 임계값 75% 미만; 추이 68% → 72.3% (+4.3%p, 샘플 5개, 상승)"]),
])
def test_the_guides_current_and_history_give_the_trend_and_only_what_was_sent(
        fleet: Fleet, lang: str, question: str, expected: list[str]) -> None:
    answer = Agent(fleet, use_cache=False).ask(question, server_metrics=GUIDE_METRICS, priority="high")
    assert answer.metadata.method == "optimized_ai_engine" and answer.metadata.language == lang
    assert answer.response.split("\n\n")[0].split("\n") == expected
    # Nothing about metrics that were not sent, and no comparison with history we do not have.
    for unsent in ("network", "connection", "disk", "response", "7 days", "usual", "네트워크", "연결",
                   "디스크", "응답", "7일", "평소"):
        assert unsent not in answer.response, unsent
    assert [a.type for a in answer.actions] == ["investigate_process"]
    assert answer.metadata.servers == []  # no hostname was sent


def test_a_cause_from_values_given_claims_only_what_was_sent(fleet: Fleet) -> None:
    agent = Agent(fleet, use_cache=False)
    quiet_traffic = agent.ask("why is cpu high?", server_metrics={"cpu": 95, "networkIn": 20}).response
    assert quiet_traffic.startswith("**server #1: CPU spike (no extra traffic — a runaway process?)**")
    assert "- network in 20 Mbps" in quiet_traffic
    slow = agent.ask("why so slow?", server_metrics={"responseTime": 3500, "cpu": 20}).response
    assert slow.startswith("**server #1: slow responses**"), slow
    assert "- CPU 20% — below the warning threshold of 70%" in slow and "memory" not in slow


@pytest.mark.parametrize("series, direction, first, last", [
    ([75, 80, 82, 85, 85.5], "up", 75, 85.5),
    ([60, 60.4, 59.8, 60.2], "flat", 60, 60.2),
    ([90, 70, 50], "down", 90, 50),
    ([0, 0, 0], "flat", 0, 0),
])
def test_history_trend(series: list[float], direction: str, first: float, last: float) -> None:
    trend = history_trend("cpu", series)
    assert trend is not None
    assert (trend.direction, trend.first, trend.last, trend.points) == (direction, first, last, len(series))


def test_a_rate_is_flat_within_five_percent_of_its_level() -> None:
    assert history_trend("network_in", [1000, 1020, 1040]).direction == "flat"  # type: ignore[union-attr]
    assert history_trend("network_in", [1000, 1100, 1200]).direction == "up"  # type: ignore[union-attr]
    assert history_trend("cpu", [50]) is None


def test_a_value_handed_in_for_an_undeployed_server_names_its_type_s_threshold(
        make_fleet: Callable[..., Fleet]) -> None:
    """db-master-01 alarms on memory at 85/95 (not the default 75/85), deployed or not."""
    fleet = make_fleet()
    fleet.reset()
    question = Question(parse("is this ok?", fleet.catalogue),
                        provided=[ProvidedMetrics(hostname="db-master-01", memory=90)])
    draft = Engine(fleet).answer(question, lambda *_: None)
    assert "memory 90% — above the warning threshold of 85%" in draft.response, draft.response


def test_a_thousand_servers_are_answered_by_tier_one_and_the_leak_found(
        make_fleet: Callable[..., Fleet]) -> None:
    """At 1,000 servers tier 1 still answers inside its budget and finds the one leak among them;
    how fast is bench/'s figure (no timing here)."""
    fleet = make_fleet(fleet_size=1000)
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01-g0031")
    answer = Agent(fleet, use_cache=False).ask("현재 서버 상태 요약해줘")
    assert answer.metadata.method == "optimized_ai_engine"
    assert "db-master-01-g0031 — 메모리 누수" in answer.response
