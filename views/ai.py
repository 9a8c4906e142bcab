"""AI analysis page: ask about the fleet in Korean or English, watch the engine think, read the answer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import streamlit as st

from openmanager_core.ai import AgentAnswer, AgentBusy, InvalidQuery, ThinkingStep
from openmanager_core.ai.agent import answer_language
from openmanager_core.ai.models import MAX_QUERY_CHARS, Method
from openmanager_core.i18n import Lang, t
from openmanager_core.markdown import escape_markdown as plain
from openmanager_core.runtime import get_limiter
from openmanager_core.security.ratelimit import RatePolicy
from openmanager_core.settings import get_settings
from ui.access import rate_limit_client
from ui.state import agent_or_stop, lang, tr

HISTORY = "ai_history"
PENDING = "ai_pending"
QUESTION = "ai_question"
REFUSED = "ai_refused"
PRESETS = ("ai.preset.summary", "ai.preset.cpu", "ai.preset.memory", "ai.preset.disk", "ai.preset.change")
TIER_COLOURS: dict[Method, Literal["green", "orange", "gray"]] = {
    "optimized_ai_engine": "green", "pattern_matching": "orange", "fallback_system": "gray",
}

agent = agent_or_stop()


@dataclass
class Turn:
    """One question and what came back: the answer, the steps that led to it, an error, or that
    the AI was too busy to take it. `language` is the answer's, which its frame and steps follow."""

    question: str
    language: Lang
    answer: AgentAnswer | None = None
    steps: list[ThinkingStep] = field(default_factory=list)
    error: str | None = None
    busy: str | None = None


def turned_away(question: str) -> bool:
    """Whether this session's AI budget (the API's `rate_limit_ai`, per key, user or address) is
    spent: then the question goes back into the box with when to send it again, and is counted,
    not stored."""
    item = RatePolicy.from_settings(get_settings()).ai
    if item is None:
        return False
    verdict = get_limiter().hit_blocking(item, "ai", rate_limit_client())
    if verdict.allowed:
        return False
    agent.count_rate_limited()
    st.session_state[REFUSED] = tr("ai.rate_limited", limit=get_settings().rate_limit_ai,
                                   seconds=verdict.retry_after(time.time()))
    st.session_state[QUESTION] = question
    return True


def ask_preset(key: str) -> None:
    if not turned_away(tr(key)):
        st.session_state[PENDING] = tr(key)


def step_line(step: ThinkingStep, language: Lang) -> str:
    return f"**{t(f'ai.step.{step.step}', language)}** · {plain(step.content)}"


def show_answer(turn: Turn) -> None:
    """The answer with its tier, time, fallback reason, actions and links to the servers it names."""
    if turn.busy is not None:
        st.warning(turn.busy)
    if turn.error is not None:
        st.error(tr("ai.engine_error", error=plain(turn.error)))
    answer = turn.answer
    if answer is None:
        return
    meta = answer.metadata

    def said(key: str, **values: object) -> str:
        """The answer's frame (tier, headings, links) in the answer's language, not the UI's."""
        return t(key, meta.language, **values)

    with st.container(horizontal=True, vertical_alignment="center"):
        st.badge(said(f"ai.tier.{meta.method}"), color=TIER_COLOURS[meta.method])
        st.caption(said("ai.time", seconds=f"{meta.processing_time / 1000:.2f}"))
        if meta.llm_used:
            st.caption(said("ai.llm_used"))
        if meta.cached:
            st.caption(said("ai.cached"))
    st.markdown(answer.response)
    if meta.fallback_used:
        st.caption(":orange[:material/warning:] "
                   + said("ai.fallback_reason", reason=plain(meta.original_error or said("ai.no_reason"))))
    if answer.actions:
        st.markdown(f"**{said('ai.actions')}**\n\n" + "\n".join(
            f"- {plain(action.description)} · _{plain(action.effect)}_ · "
            f"{said('ai.impact', level=said(f'ai.impact.{action.impact}'))}" for action in answer.actions))
    for hostname in meta.servers:
        st.page_link("views/fleet.py", label=said("ai.open_server", hostname=plain(hostname)),
                     icon=":material/dns:", query_params={"server": hostname})


def refusal(refused: InvalidQuery, question: str) -> str:
    """Why a question was not asked, in the session's language."""
    if refused.code == "empty_query":
        return tr("ai.empty")
    if refused.code == "query_too_long":
        return tr("ai.too_long", max=MAX_QUERY_CHARS, n=len(question.strip()))
    return tr("ai.invalid", reason=plain(refused.message))


def submitted() -> None:
    """A typed question was sent: one over the rate limit, or refused (recorded as such), goes back
    into the box with the reason, so that it can be sent later or shortened rather than typed again."""
    question = st.session_state.get(QUESTION)
    if not isinstance(question, str) or turned_away(question):
        return
    try:
        agent.validate(question)
    except InvalidQuery as refused:
        st.session_state[REFUSED] = refusal(refused, question)
        if question.strip():
            st.session_state[QUESTION] = question
    else:
        st.session_state[PENDING] = question


def replay(turn: Turn) -> None:
    with st.chat_message("user"):
        st.text(turn.question)
    with st.chat_message("assistant"):
        show_answer(turn)
        if turn.steps:
            with st.expander(t("ai.steps", turn.language, n=len(turn.steps))):
                for step in turn.steps:
                    st.markdown(step_line(step, turn.language))


def ask(question: str) -> Turn:
    """Ask the engine, showing each thinking step as it finishes, then the answer above them; the
    steps are in the answer's language, as their text is."""
    turn = Turn(question, answer_language(question, lang()))
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        answer_box = st.container()
        status = st.status(t("ai.thinking", turn.language), expanded=True)

        def on_step(step: ThinkingStep) -> None:
            turn.steps.append(step)
            status.markdown(step_line(step, turn.language))
            status.update(label=f"{t(f'ai.step.{step.step}', turn.language)} ({step.progress}%)")

        try:
            turn.answer = agent.ask(question, on_step=on_step, language=lang())
        except AgentBusy as busy:
            turn.busy = tr("ai.busy", slots=busy.slots, seconds=busy.retry_after)
        except Exception as exc:  # the page must stay up whatever the engine does
            turn.error = str(exc) or type(exc).__name__
        status.update(label=t("ai.steps", turn.language, n=len(turn.steps)), expanded=False,
                      state="error" if turn.answer is None else "complete")
        with answer_box:
            show_answer(turn)
    return turn


st.title(tr("nav.ai"))
st.caption(tr("ai.caption"))
with st.container(horizontal=True):
    for key in PRESETS:
        st.button(tr(key), key=key, on_click=ask_preset, args=(key,))

history: list[Turn] = st.session_state.setdefault(HISTORY, [])
for past in history:
    replay(past)

# No max_chars: Streamlit would silently cut a longer question; the engine's refusal says why instead.
st.chat_input(tr("ai.placeholder", max=MAX_QUERY_CHARS), key=QUESTION, on_submit=submitted)
refused_reason = st.session_state.pop(REFUSED, None)
if refused_reason is not None:
    st.warning(refused_reason)
question = st.session_state.pop(PENDING, None)  # a preset, or a typed question the engine accepted
if question is not None:
    history.append(ask(question.strip()))
