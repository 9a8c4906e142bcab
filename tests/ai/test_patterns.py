"""Tier 2: intent patterns in Korean and English, answered from the current values."""

from __future__ import annotations

import pytest

from openmanager_core.ai.engine import Question
from openmanager_core.ai.patterns import Patterns, match
from openmanager_core.ai.scope import normalise, parse
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType
from tests.ai.conftest import inject


@pytest.mark.parametrize("question, intent", [
    ("CPU 사용률이 높은 서버 알려줘", "cpu_high"),
    ("which servers burn the most CPU?", "cpu_high"),
    ("메모리 부족한 서버가 있어?", "memory_high"),
    ("Is any host low on RAM?", "memory_high"),
    ("CPU랑 메모리 둘 다 높은 서버", "cpu_memory"),
    ("디스크 용량 부족한 곳 있어?", "disk_full"),
    ("running out of disk space?", "disk_full"),
    ("네트워크가 느려", "network_slow"),
    ("the network is sluggish", "network_slow"),
    ("서버가 너무 느려요", "server_slow"),
    ("why is everything slow?", "server_slow"),
    ("현재 서버 상태 요약해줘", "status_summary"),
    ("give me an overview", "status_summary"),
    ("오프라인 서버 있어?", "offline"),
    ("Which servers are down?", "offline"),
    ("Are any services stopped?", "offline"),
    ("서비스 중지된 서버 있어?", "offline"),
    ("최근 1시간 동안 변화가 큰 서버는?", "biggest_change"),
    ("what changed in the last hour?", "biggest_change"),
])
def test_intents_in_both_languages(question: str, intent: str) -> None:
    found = match(normalise(question))
    assert found is not None and found[0] == intent


def test_no_pattern_no_answer(fleet: Fleet) -> None:
    question = Question(parse("tell me a joke", fleet.catalogue))
    assert match(question.scope.normalised) is None
    assert Patterns(fleet).answer(question, lambda *_: None) is None


def answer(fleet: Fleet, text: str) -> str:
    steps: list[tuple[str, str]] = []
    draft = Patterns(fleet).answer(Question(parse(text, fleet.catalogue)), lambda *s: steps.append(s))
    assert draft is not None and steps[0][0] == "pattern_matching"
    return draft.response


def test_templates_are_filled_from_current_values(fleet: Fleet) -> None:
    inject(fleet, IncidentType.CPU_SPIKE, "web-prod-01")
    inject(fleet, IncidentType.HOST_DOWN, "mail-server-01")
    cpu = fleet.state("web-prod-01").metrics.cpu  # type: ignore[union-attr]
    assert answer(fleet, "CPU 높은 서버?").startswith(
        f"**CPU 상위 5대** (현재 값)\n- web-prod-01: {cpu:.0f}% ⚠️ 위험 임계값 85% 이상")
    assert "CPU 임계값을 넘은 서버 1대." in answer(fleet, "CPU 높은 서버?")
    assert answer(fleet, "Which servers are down?").startswith("**1 offline servers**: mail-server-01")
    summary = answer(fleet, "status summary please")
    assert summary.startswith("**Fleet**: 20 servers — 18 online · 0 warning · 1 critical · 1 offline")
    assert "- mail-server-01: no metrics" in summary and "- web-prod-01: CPU" in summary
    assert answer(fleet, "what changed?").split("\n")[1].startswith("- web-prod-01 ")
    note = "_패턴 매칭 답변입니다: 현재 값만 보고 원인은 분석하지 않았습니다._"
    assert answer(fleet, "메모리 상태").endswith(note)


@pytest.mark.parametrize("question, lang", [("is redis down?", "en"), ("레디스 다운됐어?", "ko"),
                                            ("Which servers are down?", "en"), ("오프라인 서버 있어?", "ko"),
                                            ("CPU 높은 서버?", "ko"), ("Are any services stopped?", "en"),
                                            ("which servers burn the most CPU?", "en")])
def test_a_stopped_redis_is_never_hidden(fleet: Fleet, question: str, lang: str) -> None:
    """The host is up, its main service is stopped: the fleet page shows a warning, and so does every
    pattern answer, whatever it was asked (the one judgement's service alerts)."""
    inject(fleet, IncidentType.SERVICE_DOWN, "cache-redis-01")
    alert = next(a for a in fleet.state("cache-redis-01", lang).alerts if a.service == "redis")
    heading = {"en": "**Not running**: ", "ko": "**중단된 서비스·서버**: "}[lang]
    said = f"{heading}cache-redis-01: {alert.message}"
    response = answer(fleet, question)
    assert said in response, response
    if any(word in question for word in ("down", "다운", "오프라인", "stopped")):
        assert response.startswith(said), response
    fleet.clear()
    assert "cache-redis-01" not in answer(fleet, question)
