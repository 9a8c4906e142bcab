"""Servers named loosely are found (or said not to exist, with close names), and a question asked by
metric or by type is answered by that metric, within that type."""

from __future__ import annotations

import pytest

from openmanager_core.ai import Agent
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from tests.ai.conftest import inject

FLEET_REPORT = {"ko": ("전체 현황", "가장 가능성 높은 원인"), "en": ("**Fleet**", "Most likely cause")}


@pytest.mark.parametrize("question, host", [
    ("web-prod-1 상태 어때?", "web-prod-01"),
    ("what's wrong with db master 01?", "db-master-01"),
    ("srv_002 왜 이래?", "db-master-01"),
    ("디비 서버 어때?", "db-master-01"),  # the one database deployed
    ("How is the cache server?", "cache-redis-01"),
])
def test_a_name_spelt_another_way_is_answered_about_that_server(fleet: Fleet, question: str,
                                                                host: str) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, host)
    inject(fleet, IncidentType.CPU_SPIKE, "api-gateway-prod", severity=Severity.HIGH)
    answer = Agent(fleet, use_cache=False).ask(question)
    assert answer.response.startswith(f"**{host}: "), answer.response
    assert "api-gateway-prod" not in answer.response  # the worse problem elsewhere is not the answer


@pytest.mark.parametrize("question, lang", [("db-mster-01 메모리 어때?", "ko"),
                                            ("How is db-mster-01?", "en")])
def test_a_misspelt_name_is_taken_as_the_closest_server_and_said_so(fleet: Fleet, question: str,
                                                                    lang: str) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01")
    response = Agent(fleet, use_cache=False).ask(question).response
    said = {"ko": "'db-mster-01'을(를) db-master-01(으)로 보고 답합니다.",
            "en": "Taking 'db-mster-01' to mean db-master-01."}[lang]
    first, second = response.split("\n\n")[:2]
    assert first.startswith(said), response
    assert second.startswith("**db-master-01: "), response


@pytest.mark.parametrize("question, lang, missing, close", [
    ("web-prod-99 상태 어때?", "ko", "web-prod-99", "web-prod-01"),
    ("How is srv_999?", "en", "srv_999", "srv_019 (vault-secrets)"),
    ("What's wrong with k8s-wrker-09?", "en", "k8s-wrker-09", "k8s-worker-01"),
])
def test_a_name_that_matches_nothing_offers_close_names_not_a_fleet_report(
        fleet: Fleet, question: str, lang: str, missing: str, close: str) -> None:
    inject(fleet, IncidentType.HOST_DOWN, "mail-server-01")
    answer = Agent(fleet, use_cache=False).ask(question)
    not_found = {"ko": f"'{missing}' 서버를 찾을 수 없습니다.", "en": f"No server called '{missing}'."}[lang]
    did_you_mean = {"ko": "혹시 이 서버를 찾으셨나요? ", "en": "Did you mean: "}[lang]
    first, second = answer.response.split("\n\n")
    assert first == not_found
    assert second.startswith(did_you_mean) and close in second, answer.response
    assert "mail-server-01" not in answer.response  # no fleet report follows
    assert not any(word in answer.response for word in FLEET_REPORT[lang])


def _slowest(fleet: Fleet, hosts: set[str] | None = None) -> tuple[str, float]:
    states = [s for s in fleet.states("en") if hosts is None or s.hostname in hosts]
    top = max(states, key=lambda s: s.metrics.response_time)
    return top.hostname, top.metrics.response_time


@pytest.mark.parametrize("question, headline", [
    ("응답이 제일 느린 서버는?", "**응답 시간 1위: {host} "),
    ("Which server has the slowest response time?", "**Highest response time: {host} "),
])
def test_a_superlative_question_leads_with_the_first_by_that_metric(fleet: Fleet, question: str,
                                                                    headline: str) -> None:
    # The CPU spikes are the more severe findings; the congestion has the slowest responses.
    inject(fleet, IncidentType.CPU_SPIKE, "k8s-worker-01", severity=Severity.HIGH)
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", severity=Severity.LOW)
    inject(fleet, IncidentType.NETWORK_CONGESTION, "proxy-nginx-01", severity=Severity.HIGH)
    host, value = _slowest(fleet)
    answer = Agent(fleet, use_cache=False).ask(question)
    assert answer.response.startswith(headline.format(host=host)), (host, value, answer.response)
    assert answer.response.split("\n\n")[1].startswith(f"**{host}: "), answer.response


@pytest.mark.parametrize("question, headline", [
    ("which k8s node has a network problem?", "**network in, network out problem in Kubernetes"),
    ("네트워크 문제 있는 쿠버네티스 노드는?", "**쿠버네티스"),
])
def test_a_question_by_type_and_metric_leads_with_that_metric_within_that_type(
        fleet: Fleet, question: str, headline: str) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "k8s-worker-01", severity=Severity.HIGH)  # traffic drives it
    inject(fleet, IncidentType.NETWORK_CONGESTION, "api-gateway-prod", severity=Severity.HIGH)  # not k8s
    inject(fleet, IncidentType.NETWORK_CONGESTION, "k8s-ingress-01", severity=Severity.LOW)
    response = Agent(fleet, use_cache=False).ask(question).response
    first = response.split("\n")[0]
    assert first.startswith(headline), response
    assert "k8s-ingress-01" in first and ("network congestion" in first or "네트워크 혼잡" in first), response
    assert "api-gateway-prod" not in response
