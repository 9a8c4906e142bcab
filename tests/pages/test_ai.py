"""AI analysis page against the real engine: presets, streamed steps, tier badge, refusals, errors."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from openmanager_core.ai.engine import Engine
from openmanager_core.ai.patterns import Patterns
from openmanager_core.fleet import Fleet
from openmanager_core.models import IncidentType, Severity
from openmanager_core.runtime import get_agent
from openmanager_core.settings import get_settings
from tests.pages.conftest import OpenPage
from tests.pages.elements import no_exceptions, texts

PAGE = "views/ai.py"
PRESETS_KO = ["현재 서버 상태 요약해줘", "CPU 사용률이 높은 서버 알려줘", "메모리 부족한 서버가 있어?",
              "디스크 용량 부족한 곳 있어?", "최근 1시간 동안 변화가 큰 서버는?"]


def ask(app: AppTest, question: str) -> AppTest:
    return app.chat_input[0].set_value(question).run()


def badges(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown if "-badge[" in m.value]


def links(app: AppTest) -> list[tuple[str, str]]:
    """The answer's links (not the sidebar's link to the alerts page)."""
    return [(link.proto.label, link.proto.query_string) for link in app.get("page_link")
            if link.proto.page != "alerts"]


@pytest.fixture
def leaking(deployed: Fleet) -> Fleet:
    deployed.inject(IncidentType.MEMORY_LEAK, "db-master-01", Severity.HIGH,
                    deployed.clock() - timedelta(minutes=40))
    return deployed


def test_presets_in_both_languages(open_page: OpenPage) -> None:
    app = open_page(PAGE)
    no_exceptions(app)
    assert [b.label for b in app.button] == PRESETS_KO
    english = open_page(PAGE, lang="en")
    assert english.button[0].label == "Summarize the current server status"


def test_a_question_gets_steps_a_tier_badge_actions_and_a_server_link(open_page: OpenPage,
                                                                      leaking: Fleet) -> None:
    app = ask(open_page(PAGE), "db-master-01 메모리가 왜 이렇게 높아?")
    no_exceptions(app)
    assert badges(app) == [":green-badge[최적화 엔진]"]
    shown = texts(app)
    assert "db-master-01: 메모리 누수" in shown
    assert "처리 시간" in shown and "권장 조치" in shown
    assert [s.label for s in app.status] == ["분석 과정 (5단계)"]
    assert app.status[0].state == "complete"
    steps = [m.value for m in app.status[0].markdown]
    assert [line.split(" · ")[0] for line in steps] == [
        "**🔍 데이터 분석**", "**🧩 패턴·이상 탐지**", "**🧠 원인 추론**", "**✍️ 답변 작성**", "**✅ 완료**"]
    # The label is Markdown: the hostname is escaped there (a caller may have named it) and shows as sent.
    assert links(app) == [(r"db\-master\-01 상세 보기", "server=db-master-01")]


def test_presets_ask_and_history_stays(open_page: OpenPage, leaking: Fleet) -> None:
    app = open_page(PAGE)
    app.button(key="ai.preset.memory").click().run()
    app.button(key="ai.preset.summary").click().run()
    no_exceptions(app)
    users = [m for m in app.chat_message if m.name == "user"]
    assert [u.text[0].value for u in users] == ["메모리 부족한 서버가 있어?", "현재 서버 상태 요약해줘"]
    assert len(badges(app)) == 2
    assert "db-master-01" in texts(app)
    assert get_agent().stats().answered_queries == 2


def test_english_question_gets_an_english_answer(open_page: OpenPage, leaking: Fleet) -> None:
    app = ask(open_page(PAGE, lang="en"), "why is db-master-01 slow?")
    no_exceptions(app)
    assert badges(app) == [":green-badge[Optimized engine]"]
    assert "memory leak" in texts(app).lower()


def test_the_answer_frame_follows_the_question_not_the_page(open_page: OpenPage, leaking: Fleet) -> None:
    app = ask(open_page(PAGE), "why is db-master-01 slow?")  # a Korean page, an English question
    no_exceptions(app)
    assert badges(app) == [":green-badge[Optimized engine]"]
    shown = texts(app)
    assert "Recommended actions" in shown and "권장 조치" not in shown
    assert [label for label, _ in links(app)] == [r"Open db\-master\-01"]


@pytest.mark.parametrize("page, question, said", [
    ("ko", "why is db-master-01 메모리 so high?", "en"),  # an English question naming one Korean word
    ("en", "db-master-01 memory usage 왜 이렇게 높아?", "ko"),  # a Korean one with English terms
])
def test_a_mixed_questions_frame_follows_its_main_language(open_page: OpenPage, leaking: Fleet, page: str,
                                                            question: str, said: str) -> None:
    """Badge, headings, steps and links follow the language the answer is in, whatever the page's."""
    app = ask(open_page(PAGE, lang=page), question)
    no_exceptions(app)
    assert badges(app) == [{"en": ":green-badge[Optimized engine]", "ko": ":green-badge[최적화 엔진]"}[said]]
    shown = texts(app)
    actions = {"en": "Recommended actions", "ko": "권장 조치"}
    assert actions[said] in shown and actions[page] not in shown
    assert [label for label, _ in links(app)] == [
        {"en": r"Open db\-master\-01", "ko": r"db\-master\-01 상세 보기"}[said]]
    steps = [m.value for m in app.status[0].markdown]
    assert steps[0].startswith({"en": "**🔍 Analysing**", "ko": "**🔍 데이터 분석**"}[said]), steps
    assert app.status[0].label == {"en": "How it was answered ", "ko": "분석 과정 "}[said] + (
        {"en": f"({len(steps)} steps)", "ko": f"({len(steps)}단계)"}[said])


def test_refused_questions_are_messages_and_recorded(open_page: OpenPage, deployed: Fleet) -> None:
    app = open_page(PAGE)
    ask(app, "   ")
    assert [w.value for w in app.warning] == ["질문을 입력해 주세요."]
    ask(app, "x" * 1001)
    no_exceptions(app)
    assert [w.value for w in app.warning] == ["질문이 너무 깁니다 (1001자). 1000자 이내로 줄여 주세요."]
    box = app.chat_input[0].proto
    assert (box.set_value, box.value) == (True, "x" * 1001)  # back in the box, to be shortened
    assert not app.chat_message
    assert get_agent().stats().rejected_queries == 2


def test_html_in_a_question_is_shown_as_text(open_page: OpenPage, deployed: Fleet) -> None:
    question = "<script>alert(1)</script> <b>web-prod-01</b> 상태?"
    app = ask(open_page(PAGE), question)
    no_exceptions(app)
    user = next(m for m in app.chat_message if m.name == "user")
    assert user.text[0].value == question  # st.text: never interpreted
    assert not any("<script>" in m.value for m in app.markdown)


def test_an_engine_failure_hands_over_and_says_why(open_page: OpenPage, leaking: Fleet,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Engine, *_args: object) -> None:
        raise RuntimeError("analysis blew up")

    monkeypatch.setattr(Engine, "answer", broken)
    app = ask(open_page(PAGE), "db-master-01 메모리 상태 어때?")
    no_exceptions(app)
    assert badges(app) == [":orange-badge[패턴 매칭]"]
    assert "analysis blew up" in texts(app)  # the fallback reason is visible

    monkeypatch.setattr(Patterns, "answer", broken)
    app = ask(app, "디스크는?")
    no_exceptions(app)
    assert badges(app)[-1] == ":gray-badge[기본 응답]"


def test_an_agent_that_raises_is_an_error_message(open_page: OpenPage, deployed: Fleet,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("store went away")

    app = open_page(PAGE)
    monkeypatch.setattr(type(get_agent()), "ask", crash)
    ask(app, "현재 서버 상태 요약해줘")
    no_exceptions(app)
    assert [e.value for e in app.error] == ["AI 엔진 오류: store went away"]
    assert app.status[0].state == "error"


def test_an_emoji_question_is_answered_in_the_pages_language(open_page: OpenPage, deployed: Fleet) -> None:
    for language, expected, example in (
            ("ko", "질문을 이해하지 못했습니다", "- 현재 서버 상태 요약해줘"),
            ("en", "I didn't understand", "- Summarize the current server status")):
        app = ask(open_page(PAGE, lang=language), "🤖🔥 ???")
        no_exceptions(app)
        assert expected in texts(app) and example in texts(app)
        assert "db-master-01" not in texts(app)  # not a fleet report


def test_over_the_ai_budget_a_question_waits_in_the_box_and_is_counted_not_stored(
        open_page: OpenPage, deployed: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_RATE_LIMIT_AI", "2/minute")
    get_settings.cache_clear()
    app = open_page(PAGE)
    app.button(key="ai.preset.summary").click().run()
    ask(app, "CPU 사용률 높은 서버?")
    ask(app, "디스크는 괜찮아?")
    no_exceptions(app)
    [warning] = [w.value for w in app.warning]
    assert warning.startswith("질문이 너무 잦습니다 (한도: 2/minute).")
    assert warning.endswith("초 뒤에 다시 보내 주세요.")
    box = app.chat_input[0].proto
    assert (box.set_value, box.value) == (True, "디스크는 괜찮아?")  # kept, to send again later
    assert len([m for m in app.chat_message if m.name == "user"]) == 2
    app.button(key="ai.preset.cpu").click().run()  # a preset draws on the same budget
    stats = get_agent().stats()
    assert (stats.total_queries, stats.rate_limited) == (2, 2)

    english = open_page(PAGE, lang="en")  # another sign-in link, the same key: the same budget
    ask(english, "disk?")
    assert next(w.value for w in english.warning).startswith("Too many questions (limit: 2/minute).")
    assert get_agent().stats().rate_limited == 3


def test_when_every_answer_slot_is_taken_the_page_says_busy(open_page: OpenPage, deployed: Fleet,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENMANAGER_AI_MAX_CONCURRENT", "1")
    monkeypatch.setenv("OPENMANAGER_AI_TOTAL_BUDGET_SECONDS", "4.5")
    get_settings.cache_clear()
    get_agent.cache_clear()
    app = open_page(PAGE)
    release = threading.Event()

    def held(self: Engine, *_args: object) -> None:
        release.wait(30)

    monkeypatch.setattr(Engine, "answer", held)
    steps = get_agent().stream("CPU?")  # another client's answer holds the one slot
    try:
        ask(app, "디스크 상태 어때?")
    finally:
        release.set()
    no_exceptions(app)
    assert [w.value for w in app.warning] == [
        "AI가 동시에 답할 수 있는 만큼(1개) 답하는 중입니다. 5초 뒤에 다시 물어 주세요."]
    assert app.status[0].state == "error" and not badges(app)
    list(steps)
    assert get_agent().stats().total_queries == 1  # the other client's; the busy question wrote nothing
