"""Symptoms asked without a hostname are traced down the request path, and several problems are told
related or independent and put in the order to fix them, with the reason — on real simulated incidents."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from openmanager_core.ai import Agent
from openmanager_core.ai.models import ThinkingStep
from openmanager_core.ai.scope import parse
from openmanager_core.catalogue import Catalogue
from openmanager_core.fleet import Fleet
from openmanager_core.metrics import METRICS
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import LlmStub, inject


def ask(fleet: Fleet, question: str) -> tuple[str, dict[str, str]]:
    steps: list[ThinkingStep] = []
    answer = Agent(fleet, use_cache=False).ask(question, on_step=steps.append)
    return answer.response, {step.step: step.content for step in steps}


def percent_of(fleet: Fleet, host: str, lang: str, metric: str = "memory") -> str:
    """`메모리 97%` as the fleet holds it now."""
    state = fleet.state(host)
    assert state.metrics is not None
    return f"{METRICS[metric].label(lang)} {getattr(state.metrics, metric):.0f}%"


@pytest.mark.parametrize("question, symptom", [
    ("users report 502 errors", "http_error"), ("사이트가 느려요", "slow"), ("the site is slow", "slow"),
    ("로그인이 안 돼요", "login"), ("timeouts", "timeout"), ("we get 502 bad gateway", "http_error"),
])
def test_a_user_symptom_without_a_hostname_is_a_symptom_of_the_whole_fleet(question: str,
                                                                          symptom: str) -> None:
    scope = parse(question, Catalogue())
    assert scope.symptom == symptom and "symptom" in scope.intents
    assert scope.fleet_wide  # "bad gateway" is an HTTP status, not the API gateway


@pytest.mark.parametrize("question", ["응답이 제일 느린 서버는?", "why is web-prod-01 slow?",
                                      "어떤 서버가 느려?", "API 서버가 느려요"])
def test_a_ranking_a_named_server_or_a_type_is_no_symptom_of_the_request_path(question: str) -> None:
    scope = parse(question, Catalogue())
    assert scope.symptom is None and "symptom" not in scope.intents


def test_502_errors_come_from_the_ingress_not_from_an_unrelated_host_down(fleet: Fleet) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01", minutes_ago=20, severity=Severity.HIGH)
    inject(fleet, IncidentType.HOST_DOWN, "file-server-nfs", minutes_ago=25, severity=Severity.HIGH)
    response, steps = ask(fleet, "users report 502 errors")
    block, path = response.split("\n\n")[:2]
    headline, evidence = block.split("\n", 1)
    assert headline.startswith("**502 errors come from k8s-ingress-01, the entry point of the request path — "
                               "service down (ingress-nginx)**"), response
    assert "ingress-nginx is stopped (port 443 not answering)" in evidence
    assert path.startswith("Request path: k8s-ingress-01 (ingress-nginx stopped). ")
    assert "requests stop there" in path
    assert "- file-server-nfs (independent of k8s-ingress-01): host down" in response
    # The ingress comes first although the NFS host went down earlier: everything behind it is cut off.
    assert "1. k8s-ingress-01 first: warning for ~20 min, it is down and 7 servers on its request path " \
           "are affected" in response
    second = next(line for line in response.split("\n") if line.startswith("2. "))
    # The host went down 25 minutes ago; its last minute with metrics was the one before.
    assert second == "2. file-server-nfs: offline for ~26 min, nothing depends on it"
    assert "Most likely cause" not in response
    # The thinking steps say what was found when they are shown.
    assert "request path traced: k8s-ingress-01 (ingress-nginx stopped)" in steps["pattern_matching"]
    assert steps["reasoning"] == ("502 errors: the deepest server with a problem on the request path is "
                                  "k8s-ingress-01 — service down (ingress-nginx)")


def test_502_in_korean_is_answered_in_korean_from_the_same_path(fleet: Fleet) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01", minutes_ago=20, severity=Severity.HIGH)
    response, _ = ask(fleet, "사용자들이 502 에러가 난다고 해요")
    assert response.startswith("**502 오류: 요청 경로의 k8s-ingress-01(진입점)에서 비롯됩니다 — 서비스 중단 "
                               "(ingress-nginx)**"), response
    assert "요청 경로: k8s-ingress-01 (ingress-nginx 중단). " in response


def test_a_slow_site_is_traced_down_to_the_database(fleet: Fleet) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=40, severity=Severity.HIGH)
    # A worse-looking problem off the request path must not lead.
    inject(fleet, IncidentType.HOST_DOWN, "mail-server-01", minutes_ago=50, severity=Severity.HIGH)
    response, steps = ask(fleet, "사이트가 느려요")
    assert response.startswith("**사이트 느려짐: 요청 경로의 db-master-01(진입점에서 4단계 아래)에서 "
                               "비롯됩니다 — 메모리 누수**"), response
    path = next(p for p in response.split("\n\n") if p.startswith("요청 경로: "))
    assert path.startswith("요청 경로: k8s-ingress-01 → proxy-nginx-01 → ")
    assert f"→ db-master-01 ({percent_of(fleet, 'db-master-01', 'ko')}). " in path
    assert "이 경로에서 문제가 있는 가장 깊은 서버는 db-master-01입니다." in path
    assert "- mail-server-01 (db-master-01와(과) 관계없음): 호스트 다운" in response
    assert f"db-master-01 ({percent_of(fleet, 'db-master-01', 'ko')})" in steps["pattern_matching"]


def test_the_deepest_problem_on_the_path_leads_over_one_above_it(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "proxy-nginx-01", minutes_ago=30, severity=Severity.HIGH)
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=30)
    response, _ = ask(fleet, "the site is slow")
    assert response.startswith("**Slow responses come from db-master-01, 4 hops down the request path — "
                               "memory leak**"), response
    path = response.split("\n\n")[1]
    proxy_cpu = percent_of(fleet, "proxy-nginx-01", "en", "cpu")
    db_memory = percent_of(fleet, "db-master-01", "en")
    assert path.startswith(f"Request path: k8s-ingress-01 → proxy-nginx-01 ({proxy_cpu}) → ")
    assert path.endswith(f"→ db-master-01 ({db_memory}). db-master-01 is the deepest server with a problem "
                         "on it.")
    assert ("- proxy-nginx-01 (related to db-master-01: one request path, onsets 0 min apart): CPU spike"
            in response)


def test_a_symptom_with_a_healthy_request_path_says_so_and_what_is_wrong_elsewhere(fleet: Fleet) -> None:
    inject(fleet, IncidentType.HOST_DOWN, "mail-server-01")
    response, steps = ask(fleet, "site is slow")
    assert response.startswith("**Slow responses: all 8 servers on the request path (from k8s-ingress-01) "
                               "are healthy**"), response
    assert "mail-server-01 — host down" in response
    assert "all 8 servers on the request path are healthy" in steps["pattern_matching"]


def test_problems_on_one_path_minutes_apart_are_related_and_others_independent(fleet: Fleet) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=30, severity=Severity.HIGH)
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=25)
    inject(fleet, IncidentType.DISK_FULL, "backup-storage-01", minutes_ago=40)
    response, steps = ask(fleet, "What's wrong?")
    assert response.startswith("**2 independent problems — first: db-master-01 — memory leak**"), response
    assert ("- web-prod-01 (related to db-master-01: one request path, onsets 5 min apart): CPU spike"
            in response)
    assert "- backup-storage-01 (independent of db-master-01): disk filling up" in response
    assert "2. web-prod-01: follows from db-master-01 — fixing db-master-01 may clear it" in response
    assert steps["reasoning"].startswith("2 independent problems — db-master-01 first: critical for ~")
    assert steps["reasoning"].endswith(", 6 servers depend on it")


def test_related_problems_alone_keep_one_most_likely_cause(fleet: Fleet) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=30, severity=Severity.HIGH)
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=25)
    response, _ = ask(fleet, "무슨 문제 있어?")
    assert response.startswith("**가장 가능성 높은 원인: db-master-01 — 메모리 누수**"), response
    assert "web-prod-01 (관련: db-master-01와(과) 같은 요청 경로, 시작 5분 차이)" in response
    assert "관계없음" not in response


def test_a_long_critical_database_leak_is_fixed_before_a_medium_web_spike_and_says_why(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=30)
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=120, severity=Severity.HIGH)
    response, _ = ask(fleet, "what is wrong with the fleet?")
    assert response.startswith("**2 independent problems — first: db-master-01 — memory leak**"), response
    order = response.split("**Fix order** (impact = severity × servers affected × √duration)\n")[1]
    first, second = order.split("\n")[:2]
    assert first.startswith("1. db-master-01 first: critical for ~1h 5"), order  # onset read from the metrics
    assert first.endswith(", 6 servers depend on it")
    assert second.startswith("2. web-prod-01: ") and second.endswith(", 2 servers depend on it")


def test_an_outage_minutes_old_is_fixed_before_an_hour_old_disk_fill_nothing_depends_on(fleet: Fleet) -> None:
    inject(fleet, IncidentType.DISK_FULL, "backup-storage-01", minutes_ago=60, severity=Severity.HIGH)
    inject(fleet, IncidentType.SERVICE_DOWN, "api-gateway-prod", minutes_ago=10, severity=Severity.HIGH)
    response, _ = ask(fleet, "What's wrong right now?")
    assert response.startswith("**2 independent problems — first: api-gateway-prod — service down"), response
    order = response.split("**Fix order** (impact = severity × servers affected × √duration)\n")[1]
    first, second = order.split("\n")[:2]
    assert first.startswith("1. api-gateway-prod first: ") and first.endswith(
        "it is down and 6 servers on its request path are affected"), order
    assert second.startswith("2. backup-storage-01: critical for ~")
    assert second.endswith("nothing depends on it")


@pytest.mark.parametrize("question, hosts", [
    ("Are the problems on web-prod-01 and mail-server-01 related?", ["web-prod-01", "mail-server-01"]),
    ("여러 서버에서 알람이 울리는데 같은 원인이야?", []),
    ("web-prod-01이랑 db-master-01 문제 서로 관련 있어?", ["web-prod-01", "db-master-01"]),
    ("are these separate issues?", []), ("Is it all one problem?", []),
])
def test_asking_whether_problems_are_related_is_a_relation_claim(question: str, hosts: list[str]) -> None:
    scope = parse(question, Catalogue())
    assert scope.hypothesis is not None and scope.hypothesis.related, scope.hypothesis
    assert [s.hostname for s in scope.hypothesis.servers] == hosts


@pytest.mark.parametrize("question", ["DB 관련 알림 있어?", "is web-prod-01 slow because of the database?",
                                      "is web-prod-01 slowness related to the database?",
                                      "is web-prod-01 connected?"])
def test_about_a_server_or_a_reason_is_no_relation_claim(question: str) -> None:
    scope = parse(question, Catalogue())
    assert scope.hypothesis is not None and not scope.hypothesis.related


def test_problems_on_one_path_minutes_apart_are_said_to_be_related_first(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "db-master-01", minutes_ago=25, severity=Severity.HIGH)
    inject(fleet, IncidentType.CPU_SPIKE, "api-gateway-prod", minutes_ago=22)
    response, _ = ask(fleet, "여러 서버에서 알람이 울리는데 같은 원인이야?")
    assert response.startswith("**예** — 서로 관련된 하나의 문제입니다: api-gateway-prod은(는) "
                               "db-master-01에서 비롯된 것으로 보임 "
                               "(같은 요청 경로, 시작 3분 차이)"), response
    assert response.split("\n\n")[1].startswith("지금 울리는 알림")  # the alerts asked about follow it


def test_problems_on_other_paths_an_hour_apart_are_not_related(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=30, severity=Severity.HIGH)
    inject(fleet, IncidentType.DISK_FULL, "mail-server-01", minutes_ago=90, severity=Severity.HIGH)
    response, _ = ask(fleet, "Are the problems on web-prod-01 and mail-server-01 related?")
    assert response.startswith("**No** — 2 independent problems: web-prod-01 and mail-server-01 — not on one "
                               "request path, onsets 60 min apart\n"), response
    assert "**web-prod-01: CPU spike" in response and "**mail-server-01: disk filling up" in response


def test_a_relation_question_says_which_are_related_and_which_stand_apart(fleet: Fleet) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=30, severity=Severity.HIGH)
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=25)
    inject(fleet, IncidentType.DISK_FULL, "backup-storage-01", minutes_ago=40)
    response, _ = ask(fleet, "are these problems related?")
    verdict = response.split("\n\n")[0].split("\n")
    assert verdict == ["**No** — 2 independent problems: db-master-01 and backup-storage-01 — not on one "
                       "request path, onsets 10 min apart",
                       "- web-prod-01 follows from db-master-01 (one request path, onsets 5 min apart)"
                       ], response


def test_a_relation_question_with_one_problem_says_there_is_only_one(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", minutes_ago=30)
    response, _ = ask(fleet, "Are the problems on web-prod-01 and mail-server-01 related?")
    assert response.startswith("**No** — only web-prod-01 has a problem (CPU spike (traffic surge)); "
                               "mail-server-01: no anomaly"), response


def test_the_llm_is_handed_the_traced_path_and_the_fix_order(make_fleet: Callable[..., Fleet],
                                                             llm_stub: LlmStub) -> None:
    fleet = make_fleet(llm_base_url=llm_stub.url)
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01", minutes_ago=20, severity=Severity.HIGH)
    inject(fleet, IncidentType.HOST_DOWN, "file-server-nfs", minutes_ago=25, severity=Severity.HIGH)
    Agent(fleet, use_cache=False).ask("users report 502 errors")
    facts = json.loads(llm_stub.requests[0]["messages"][1]["content"])["facts"]
    assert facts["dependencyPath"] == {
        "symptom": "502 errors", "entryPoints": ["k8s-ingress-01"],
        "path": "k8s-ingress-01 (ingress-nginx stopped)",
        "deepestWithAProblem": "k8s-ingress-01", "requestsStopThere": True, "serversOnRequestPath": 8}
    assert [item["hostname"] for item in facts["fixOrder"]] == ["k8s-ingress-01", "file-server-nfs"]
    assert facts["fixOrder"][0]["reason"].startswith("k8s-ingress-01 first: ")


def test_a_server_down_at_the_entry_hides_the_problems_below_it_from_users(fleet: Fleet) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01", minutes_ago=10, severity=Severity.HIGH)
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=60, severity=Severity.HIGH)
    response, _ = ask(fleet, "users report 502 errors")
    assert response.startswith("**502 errors come from k8s-ingress-01, the entry point"), response
    assert "- db-master-01 (independent of k8s-ingress-01): memory leak" in response


def test_errors_are_traced_to_the_path_with_a_down_server_and_slowness_to_the_deepest_problem(
        make_fleet: Callable[..., Fleet]) -> None:
    fleet = make_fleet(fleet_size=40)  # two request paths, one per generation of the catalogue
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=40, severity=Severity.HIGH)
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01-g0002", minutes_ago=20, severity=Severity.HIGH)
    errors, _ = ask(fleet, "users report 502 errors")
    assert errors.startswith("**502 errors come from k8s-ingress-01-g0002, the entry point"), errors
    slow, _ = ask(fleet, "the site is slow")
    assert slow.startswith("**Slow responses come from db-master-01, 4 hops down the request path"), slow


def test_a_symptom_in_a_fleet_without_dependencies_says_it_cannot_be_traced(
        make_fleet: Callable[..., Fleet], tmp_path: Path) -> None:
    path = tmp_path / "deps.json"
    path.write_text('{"depends_on": {"elsewhere-01": ["elsewhere-02"]}}', encoding="utf-8")
    fleet = make_fleet(dependencies=path)
    inject(fleet, IncidentType.SERVICE_DOWN, "k8s-ingress-01", severity=Severity.HIGH)
    response, _ = ask(fleet, "users report 502 errors")
    assert response.startswith("No service dependencies are known for this fleet, so 502 errors can't be "
                               "traced along the request path"), response
    assert "**Most likely cause: k8s-ingress-01 — service down (ingress-nginx)**" in response
