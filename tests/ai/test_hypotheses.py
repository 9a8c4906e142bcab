"""Yes/no questions put forward a claim: the answer says yes or no first, with the evidence, and where
the thing actually is when the claim is wrong; then the rest of the answer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from openmanager_core.ai import Agent
from openmanager_core.ai.scope import parse
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, ServerType, Severity
from tests.ai.conftest import NOW, LlmStub, inject, settings_for

YES = {"ko": "**예** — ", "en": "**Yes** — "}
NO = {"ko": "**아니요** — ", "en": "**No** — "}


def ask(fleet: Fleet, question: str) -> str:
    answer = Agent(fleet, use_cache=False).ask(question)
    assert answer.metadata.method == "optimized_ai_engine"
    return answer.response


@pytest.mark.parametrize("question, where, metrics, cause, down, effect", [
    ("web-prod-01 느린 거 DB 때문이야?", ((), {ServerType.DATABASE}), set(), None, False,
     ("web-prod-01", {"response_time"})),
    ("Is web-prod-01 slow because of the database?", ((), {ServerType.DATABASE}), set(), None, False,
     ("web-prod-01", {"response_time"})),
    # The reason first, then the effect.
    ("Is the database the reason web-prod-01 is slow?", ((), {ServerType.DATABASE}), set(), None, False,
     ("web-prod-01", {"response_time"})),
    ("Could the database be causing the slow responses on web-prod-01?", ((), {ServerType.DATABASE}),
     set(), None, False, ("web-prod-01", {"response_time"})),
    ("Is the memory leak on web-prod-01 or somewhere else?", (("web-prod-01",), set()), {"memory"},
     "memory_leak", False, None),
    ("db-master-01 CPU 문제 있어?", (("db-master-01",), set()), {"cpu"}, None, False, None),
    ("is redis down?", ((), {ServerType.CACHE}), set(), None, True, None),
    ("레디스 죽었어?", ((), {ServerType.CACHE}), set(), None, True, None),
])
def test_the_claim_of_a_yes_no_question_is_read(fleet: Fleet, question: str,
                                                where: tuple[tuple[str, ...], set[ServerType]],
                                                metrics: set[str], cause: str | None, down: bool,
                                                effect: tuple[str, set[str]] | None) -> None:
    scope = parse(question, fleet.catalogue)
    claim = scope.hypothesis
    assert claim is not None and "hypothesis" in scope.intents
    assert (tuple(s.hostname for s in claim.servers), set(claim.types)) == where
    assert (set(claim.metrics), claim.cause, claim.down) == (metrics, cause, down)
    if effect is not None:
        assert ([s.hostname for s in claim.effect_servers], set(claim.effect_metrics)) == \
            ([effect[0]], effect[1])
    else:
        assert not claim.explains


@pytest.mark.parametrize("question, lang", [("레디스 살아있어?", "ko"), ("is redis alive?", "en")])
def test_asked_whether_it_is_alive_a_stopped_redis_is_a_no(fleet: Fleet, question: str, lang: str) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "cache-redis-01", minutes_ago=10)
    first = ask(fleet, question).split("\n")[0]
    assert first.startswith(NO[lang] + "cache-redis-01: "), first
    fleet.clear()
    assert ask(fleet, question).startswith(YES[lang])


@pytest.mark.parametrize("question", ["지금 문제 있는 서버는?", "Why is db-master-01 slow?",
                                      "Is any host low on RAM?", "web-prod-1 상태 어때?",
                                      "메모리 부족한 서버가 있어?", "web-prod-01 무슨 문제야?"])
def test_a_question_that_puts_forward_no_claim_has_none(fleet: Fleet, question: str) -> None:
    assert parse(question, fleet.catalogue).hypothesis is None


@pytest.mark.parametrize("question, lang", [("web-prod-01에 메모리 누수 있어?", "ko"),
                                            ("Is the memory leak on web-prod-01 or somewhere else?", "en")])
def test_a_leak_claimed_on_the_wrong_server_is_said_to_be_elsewhere(fleet: Fleet, question: str,
                                                                   lang: str) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=25)
    response = ask(fleet, question)
    first = response.split("\n")[0]
    where = {"ko": "메모리 누수: db-master-01에서 발생 중 — 메모리 ",
             "en": "the memory leak is on db-master-01: memory "}
    assert first.startswith(NO[lang] + where[lang]), response
    memory = fleet.state("db-master-01").metrics.memory  # type: ignore[union-attr]
    assert f"{memory:.0f}%" in first
    climb = {"ko": "분당 +0.3%p씩", "en": "+0.3%p a minute"}[lang]
    assert climb in first, response
    assert ("web-prod-01: 메모리 54%" if lang == "ko" else "web-prod-01: memory 54%") in response


@pytest.mark.parametrize("question, lang", [("db-master-01 CPU 문제 있어?", "ko"),
                                            ("Does db-master-01 have a CPU problem?", "en")])
def test_a_metric_claim_is_yes_as_a_symptom_and_no_where_the_server_is_fine(
        fleet: Fleet, question: str, lang: str) -> None:
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=25)
    first = ask(fleet, question).split("\n")[0]
    symptom = {"ko": "db-master-01: 메모리 누수의 증상 — CPU ",
               "en": "db-master-01: a symptom of its memory leak — CPU "}
    assert first.startswith(YES[lang] + symptom[lang]), first
    fleet.clear()
    response = ask(fleet, question)
    nowhere = {"ko": "다른 서버 19대에서도 CPU 문제 없음",
               "en": "no CPU problem on the other 19 servers either"}
    assert response.startswith(NO[lang]) and nowhere[lang] in response.split("\n\n")[0], response


@pytest.mark.parametrize("question, lang", [("레디스 죽었어?", "ko"), ("is redis down?", "en")])
def test_a_stopped_redis_is_a_yes_and_a_running_one_a_no(fleet: Fleet, question: str, lang: str) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "cache-redis-01", minutes_ago=10)
    stopped = {"ko": "redis 서비스 중지 (포트 6379 응답 없음), 14:20 KST부터",
               "en": "redis is stopped (port 6379 not answering), since 14:20 KST"}
    first = ask(fleet, question).split("\n")[0]
    assert first.startswith(YES[lang] + "cache-redis-01: ") and stopped[lang] in first, first
    fleet.clear()
    running = {"ko": "cache-redis-01: 호스트가 응답하고 서비스가 모두 실행 중입니다",
               "en": "cache-redis-01: the host answers and every service is running"}
    response = ask(fleet, question)
    assert response.startswith(NO[lang]) and running[lang] in response, response


@pytest.mark.parametrize("question, lang", [("web-prod-01 느린 거 DB 때문이야?", "ko"),
                                            ("Is web-prod-01 slow because of the database?", "en"),
                                            ("Is the database the reason web-prod-01 is slow?", "en")])
def test_a_reason_offered_for_a_slowness_is_tested_on_both_sides(fleet: Fleet, question: str,
                                                                 lang: str) -> None:
    """The DB leaks but web-prod-01 is not slow: no. Then web-prod-01 is slow from its own CPU spike:
    still no, and the answer says which cause it is."""
    inject(fleet, IncidentType.MEMORY_LEAK, "db-master-01", minutes_ago=25)
    response = ask(fleet, question)
    not_slow = {"ko": "web-prod-01: 응답 시간 ", "en": "it is not: web-prod-01: response time "}
    leak = {"ko": "다만 별개로 db-master-01: 메모리 누수", "en": "Separately, db-master-01: memory leak"}
    assert response.startswith(NO[lang] + not_slow[lang]), response
    assert leak[lang] in response.split("\n")[1], response
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01", severity=Severity.HIGH, minutes_ago=10)
    response = ask(fleet, question)
    own = {"ko": "web-prod-01에 자체 원인이 있습니다: CPU 급증",
           "en": "web-prod-01 has a cause of its own: CPU spike"}
    assert response.startswith(NO[lang] + own[lang]), response


@pytest.mark.parametrize("question, lang", [("web-prod-01 괜찮아?", "ko"), ("Is web-prod-01 ok?", "en")])
def test_a_claim_that_a_server_is_fine_is_checked(fleet: Fleet, question: str, lang: str) -> None:
    assert ask(fleet, question).startswith(YES[lang] + "web-prod-01: ")
    inject(fleet, IncidentType.MEMORY_LEAK, "web-prod-01", minutes_ago=25)
    leak = {"ko": "web-prod-01: 메모리 누수 — 메모리 ", "en": "web-prod-01: memory leak — memory "}
    assert ask(fleet, question).startswith(NO[lang] + leak[lang])


@pytest.mark.parametrize("question, lang", [("Is everything healthy?", "en"), ("다 괜찮아?", "ko")])
def test_a_claim_that_the_whole_fleet_is_fine_is_checked_without_naming_healthy_servers(
        fleet: Fleet, question: str, lang: str) -> None:
    claim = parse(question, fleet.catalogue).hypothesis
    assert claim is not None and claim.healthy and not claim.servers and not claim.types
    whole = {"en": "the whole fleet (20 servers): ", "ko": "전체 서버 20대: "}[lang]
    answer = Agent(fleet, use_cache=False).ask(question)
    assert answer.response.startswith(YES[lang] + whole), answer.response
    assert answer.metadata.servers == []
    inject(fleet, IncidentType.MEMORY_LEAK, "cache-redis-01", minutes_ago=25)
    leak = {"ko": "cache-redis-01: 메모리 누수 — ", "en": "cache-redis-01: memory leak — "}[lang]
    assert ask(fleet, question).startswith(NO[lang] + leak)


def test_the_llm_is_given_the_verdict_as_evidence(fleet: Fleet, llm_stub: LlmStub) -> None:
    inject(fleet, IncidentType.SERVICE_DOWN, "cache-redis-01", minutes_ago=10)
    settings = fleet.settings.model_copy(update={"llm_base_url": llm_stub.url, "llm_api_key": "sk-test"})
    Agent(fleet, settings, use_cache=False).ask("is redis down?")
    (request,) = llm_stub.requests
    facts = json.loads(request["messages"][1]["content"])["facts"]
    assert facts["verdict"].startswith("**Yes** — cache-redis-01: service down (redis)")


@pytest.mark.parametrize("question, lang", [("backup-storage-01 괜찮아?", "ko"),
                                            ("Is backup-storage-01 ok?", "en")])
def test_a_yes_to_a_healthy_claim_is_qualified_by_a_watch(tmp_path: Path, question: str,
                                                          lang: str) -> None:
    clock = [NOW]
    fleet = Fleet(settings_for(tmp_path), clock=lambda: clock[0])
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(IncidentType.DISK_FULL, "backup-storage-01", Severity.LOW)
    clock[0] = NOW + timedelta(seconds=90)
    response = ask(fleet, question)
    verdict = {"ko": "**지금은 예** — backup-storage-01: ",
               "en": "**Yes, for now** — backup-storage-01: "}[lang]
    watch = {"ko": "**주의 관찰**", "en": "**Watch**"}[lang]
    assert response.startswith(verdict) and watch in response, response
