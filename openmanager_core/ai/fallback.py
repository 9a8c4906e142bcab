"""Tier 3, the fallback: the current status against thresholds, saying that analysis is limited."""

from __future__ import annotations

import logging

from ..fleet import Fleet, summarize
from ..i18n import t
from ..models import Status
from ..sources import SourceUnavailable
from ..store import StoreUnavailable
from .engine import Draft, Emit, Question, make_action
from .models import Action

SHOWN = 10

log = logging.getLogger("openmanager.ai")


class Fallback:
    """Reads what the fleet page reads (`Fleet.states`) and lists its alerts."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def answer(self, question: Question, emit: Emit) -> Draft:
        lang = question.scope.language
        try:
            states = self.fleet.states(lang)
        except StoreUnavailable as exc:
            log.warning("fallback could not read the fleet: %s", exc)
            return Draft(t("agent.fallback.unavailable", lang), [make_action("retry", lang)], [], ok=False)
        except SourceUnavailable as exc:
            log.warning("fallback could not read the metrics: %s", exc)
            return Draft(exc.text(lang), [make_action("retry", lang)], [], ok=False)
        emit("reasoning", t("agent.step.fallback", lang, n=len(states)))
        if not states:
            return Draft(t("agent.answer.no_servers", lang), [make_action("retry", lang)], [])
        summary = summarize(states)
        lines = [t("agent.fallback.limited", lang),
                 t("agent.answer.fleet", lang, **summary.model_dump(by_alias=False))]
        problems = sorted((s for s in states if s.status is not Status.ONLINE), key=lambda s: s.status.rank)
        items: list[str] = []
        actions: list[Action] = []
        for state in problems[:SHOWN]:
            # Every server that is not online has an alert saying why (thresholds.judge).
            detail = ", ".join(alert.message for alert in state.alerts[:2])
            items.append("- " + t("agent.fallback.problem", lang, host=state.hostname,
                                  state=t(f"status.{state.status.value}", lang), alerts=detail))
            if len(actions) < 3:
                actions.append(make_action("check_alerts", lang, host=state.hostname, alert=detail))
        lines.append("\n".join(items) if items else t("agent.fallback.all_ok", lang))
        actions.append(make_action("retry", lang))
        return Draft("\n\n".join(lines), actions, [s.hostname for s in problems[:SHOWN]])
