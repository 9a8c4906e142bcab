"""The orchestrator: tiers in order under time budgets, thinking steps, cache and records."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Generic, Literal, TypeVar, cast

from .. import __version__
from ..fleet import Fleet
from ..i18n import Lang, detect_language, t
from ..settings import Settings
from ..store import StoreUnavailable
from . import scope as scoping
from .cache import AnswerCache, cache_key, incident_signature, make_cache
from .engine import Draft, Engine, LastTier, Question, Tier, cause_label, short_evidence
from .fallback import Fallback
from .llm import LlmClient, LlmUnreachable
from .models import (
    MAX_QUERY_CHARS,
    STAGES,
    AdminStats,
    AgentAnswer,
    AgentStatus,
    AnomalyItem,
    AnomalyReport,
    AnswerMetadata,
    CacheStatus,
    InvalidMetrics,
    LlmStatus,
    LogEntry,
    LogLevel,
    Method,
    Priority,
    ProvidedMetrics,
    QueryRecord,
    SelfTestResponse,
    Stage,
    ThinkingStep,
    TierAttempt,
    TierProbe,
    TierState,
    normalise_server_metrics,
)
from .patterns import Patterns
from .records import LogLine, QueryLog, Records

T = TypeVar("T")
StepCallback = Callable[[ThinkingStep], None]
RawMetrics = dict[str, Any] | list[Any]  # `serverData` as sent; normalise_server_metrics checks it

PROGRESS: dict[Stage, int] = {"analyzing": 20, "pattern_matching": 45, "reasoning": 70, "generating": 90,
                              "completed": 100}
ANALYSIS_DEPTH: dict[Method, Literal["advanced", "intermediate", "basic"]] = {
    "optimized_ai_engine": "advanced", "pattern_matching": "intermediate", "fallback_system": "basic"}
PRIORITIES: tuple[Priority, ...] = ("low", "medium", "high")
ANOMALY_SERVERS = 20  # diagnosed in depth by the anomaly-detection action
EXAMPLE_QUESTIONS = ("ai.preset.summary", "ai.preset.cpu", "ai.preset.disk")  # offered when not understood
# Tier threads per answer slot: one working, and room for one abandoned past its budget that has
# not reached its next step yet (where it stops).
TIER_WORKERS_PER_ANSWER = 2
# How long a stream waits for its next step beyond the answer's own budget (the last tier and the
# records run without one); past it the stream ends with an error instead of waiting for ever.
STREAM_SLACK_SECONDS = 10.0

log = logging.getLogger("openmanager.ai")


class InvalidQuery(ValueError):
    """Input the agent refuses; `status` is the HTTP status an API answers with."""

    def __init__(self, code: str, message: str, field: str = "query", status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


class AgentBusy(Exception):
    """Every answer slot of this process is taken; ask again in `retry_after` seconds."""

    def __init__(self, slots: int, retry_after: int) -> None:
        super().__init__(f"The AI agent is answering {slots} questions at once, its limit; "
                         f"retry in {retry_after} s.")
        self.slots, self.retry_after = slots, retry_after


class StreamStalled(TimeoutError):
    """A streamed answer sent no step within its wait."""


def validate_query(query: object) -> str:
    """The question, stripped; InvalidQuery unless it is a string of 1 to 1000 characters."""
    if query is None:
        raise InvalidQuery("missing_query", "query is required.", status=422)
    if not isinstance(query, str):
        raise InvalidQuery("invalid_query", "query must be a string.", status=422)
    text = query.strip()
    if not text:
        raise InvalidQuery("empty_query", "query must not be empty.")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery("query_too_long", f"query must be at most {MAX_QUERY_CHARS} characters "
                           f"(got {len(text)}).")
    return text


def has_meaning(text: str) -> bool:
    """Whether the text holds a letter or a digit of any script; emoji and punctuation alone do not."""
    return any(ch.isalnum() for ch in text)


def answer_language(text: str, reader: Lang | None = None) -> Lang:
    """The language the answer to `text` is written in: the question's main language, or the reader's
    (Korean when unknown) when the text shows none (no letter or digit at all)."""
    return detect_language(text) if has_meaning(text) else reader or "ko"


# -- running a tier under a budget ------------------------------------------------------------


class Workers:
    """At most `size` threads running submitted jobs in turn.

    Daemon threads, unlike concurrent.futures', so a tier stalled past its budget never holds
    up the process's exit.
    """

    def __init__(self, size: int, name: str) -> None:
        self.size, self.name = size, name
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = 0

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)
        with self._lock:
            if self._started < self.size:
                self._started += 1
                threading.Thread(target=self._run, name=f"{self.name}-{self._started}", daemon=True).start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except Exception:  # a job's own bug must not cost the pool a thread
                log.exception("%s: a job raised", self.name)


class TierAbandoned(Exception):
    """Raised inside a tier at its next step once its budget is spent, so that it stops there."""


@dataclass
class TierOutcome(Generic[T]):
    tier: str
    value: T | None
    duration_ms: float
    error: str | None = None
    timed_out: bool = False
    failure: Exception | None = None  # what the work raised, when it raised

    @property
    def ok(self) -> bool:
        return self.error is None

    def attempt(self) -> TierAttempt:
        answered = self.ok and self.value is not None
        error = self.error or (None if answered else "no answer")
        return TierAttempt(tier=self.tier, ok=answered, duration_ms=round(self.duration_ms, 2), error=error)


class _Steps:
    """Thinking steps in stage order, handed to the caller's callback in the caller's thread.

    A later tier may start again at an earlier stage; those steps are dropped, because the
    reader has already seen that stage (its fallback is explained by the next step it sees).
    """

    def __init__(self, callback: StepCallback | None) -> None:
        self.callback = callback
        self.last = -1
        self.seen: list[ThinkingStep] = []

    def emit_next(self, content: str) -> None:
        """A note between tiers, at the stage after the last one shown; from `generating` on, the
        generating step carries it instead."""
        following = self.last + 1
        if following < STAGES.index("generating"):
            self.emit(STAGES[following], content)

    def emit(self, stage: Stage, content: str, result: AgentAnswer | None = None) -> None:
        index = STAGES.index(stage)
        if index <= self.last:
            return
        self.last = index
        step = ThinkingStep(step=stage, content=content, progress=PROGRESS[stage], result=result)
        self.seen.append(step)
        if self.callback is not None:
            try:
                self.callback(step)
            except Exception:  # a broken display must not break the answer (BaseException still stops it)
                log.exception("thinking-step callback failed")


def run_tier(tier: str, work: Callable[[Callable[[Stage, str], None]], T], budget: float,
             steps: _Steps | None, workers: Workers) -> TierOutcome[T]:
    """Run `work(emit)` on one of `workers` for at most `budget` seconds, waiting included.

    The worker's steps travel through a queue and are emitted here, in the calling thread (a
    Streamlit callback can only draw from the script's thread), the moment they arrive. A tier
    that stalls is abandoned and the caller moves on: one still queued never starts, one running
    stops at its next step (TierAbandoned), and its late steps are ignored.
    """
    inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    abandoned = threading.Event()

    def emit(stage: Stage, content: str) -> None:
        if abandoned.is_set():
            raise TierAbandoned(tier)
        inbox.put(("step", (stage, content)))

    def worker() -> None:
        if abandoned.is_set():
            return
        try:
            inbox.put(("done", work(emit)))
        except TierAbandoned:
            pass
        except Exception as exc:
            inbox.put(("error", exc))

    started = time.perf_counter()
    deadline = started + budget
    workers.submit(worker)
    while True:
        remaining = deadline - time.perf_counter()
        try:
            kind, payload = inbox.get(timeout=max(remaining, 0.0)) if remaining > 0 else inbox.get_nowait()
        except queue.Empty:
            abandoned.set()
            elapsed = (time.perf_counter() - started) * 1000
            return TierOutcome(tier, None, elapsed, f"timed out after {round(budget, 2):g} s", timed_out=True)
        if kind == "step":
            if steps is not None:
                steps.emit(*payload)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if kind == "done":
            return TierOutcome(tier, payload, elapsed)
        return TierOutcome(tier, None, elapsed, f"{type(payload).__name__}: {payload}", failure=payload)


# -- the agent --------------------------------------------------------------------------------


class Agent:
    """Answers questions about one fleet and records every one; one per process (`runtime.get_agent`)."""

    def __init__(self, fleet: Fleet, settings: Settings | None = None, *, engine: Tier | None = None,
                 patterns: Tier | None = None, fallback: LastTier | None = None, llm: LlmClient | None = None,
                 cache: AnswerCache | None = None, use_cache: bool = True) -> None:
        """`engine`, `patterns` and `fallback` default to the real tiers (tests pass failing ones);
        `llm` and `cache` to what `settings` configures."""
        self.fleet = fleet
        self.settings = settings or fleet.settings
        self.engine = engine or Engine(fleet)
        self.patterns = patterns or Patterns(fleet)
        self.fallback = fallback or Fallback(fleet)
        self.llm = llm if llm is not None else LlmClient.from_settings(self.settings)
        self.cache = (cache if cache is not None else make_cache(self.settings)) if use_cache else None
        self.records = Records(fleet.store, fleet.clock, timedelta(days=self.settings.retention_days))
        slots = self.settings.ai_max_concurrent
        self._slots = threading.BoundedSemaphore(slots)
        self._tier_workers = Workers(slots * TIER_WORKERS_PER_ANSWER, "ai-tier")
        self._stream_workers = Workers(slots, "ai-stream")
        self._health: dict[str, TierState] = {
            "optimized_ai_engine": "up", "pattern_matching": "up", "fallback_system": "up",
            "llm": "up" if self.llm else "disabled"}
        # When the LLM was last found unreachable or stalled, and why: answers skip it for
        # `llm_retry_seconds` after that, rather than each waiting out its timeout on a dead endpoint.
        self._llm_down: tuple[float, str] | None = None

    # -- asking -------------------------------------------------------------------------

    def ask(self, query: str, *, server_metrics: RawMetrics | None = None, priority: str = "medium",
            on_step: StepCallback | None = None, endpoint: str = "ui", language: Lang | None = None
            ) -> AgentAnswer:
        """Answer a question in its own language; InvalidQuery (recorded as rejected) for bad input.

        `language` is the reader's, used only when the question's text shows none (no letter at all).
        """
        text, level, provided = self.validate(query, priority=priority, server_metrics=server_metrics,
                                              endpoint=endpoint)
        with self._slot():
            return self._answer(text, level, provided, on_step, endpoint, language)

    def stream(self, query: str, *, server_metrics: RawMetrics | None = None, priority: str = "medium",
               endpoint: str = "ui", language: Lang | None = None) -> Iterator[ThinkingStep]:
        """Thinking steps as each stage finishes, the last one `completed` with the answer.

        Validates and takes an answer slot at once (raising InvalidQuery or AgentBusy before the
        first step), then answers on a stream worker; StreamStalled if no step comes in time.
        """
        text, level, provided = self.validate(query, priority=priority, server_metrics=server_metrics,
                                              endpoint=endpoint)
        self._take_slot()
        inbox: queue.SimpleQueue[ThinkingStep | BaseException] = queue.SimpleQueue()

        def run() -> None:
            try:
                self._answer(text, level, provided, inbox.put, endpoint, language)
            except BaseException as exc:
                inbox.put(exc)
            finally:
                self._slots.release()

        self._stream_workers.submit(run)
        wait = self.settings.ai_total_budget_seconds + STREAM_SLACK_SECONDS

        def steps() -> Iterator[ThinkingStep]:
            while True:
                try:
                    item = inbox.get(timeout=wait)
                except queue.Empty:
                    raise StreamStalled(f"no thinking step for {wait:g} s") from None
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.step == "completed":
                    return

        return steps()

    def _take_slot(self) -> None:
        """One of the process's answer slots, or AgentBusy at once (never a wait in a queue)."""
        if not self._slots.acquire(blocking=False):
            raise AgentBusy(self.settings.ai_max_concurrent, math.ceil(self.settings.ai_total_budget_seconds))

    @contextmanager
    def _slot(self) -> Iterator[None]:
        self._take_slot()
        try:
            yield
        finally:
            self._slots.release()

    def validate(self, query: object, *, priority: object = "medium", server_metrics: object = None,
                 endpoint: str = "ui") -> tuple[str, Priority, list[ProvidedMetrics] | None]:
        """Check a request; a refused one is recorded as rejected and raised as InvalidQuery."""
        try:
            text = validate_query(query)
            if priority not in PRIORITIES:
                raise InvalidQuery("invalid_priority", "priority must be low, medium or high.", "priority",
                                   422)
            provided = None
            if server_metrics is not None:
                try:
                    provided = normalise_server_metrics(server_metrics)
                except InvalidMetrics as exc:
                    raise InvalidQuery("invalid_server_data", str(exc), exc.field, 422) from None
        except InvalidQuery as exc:
            self.reject(query, exc.code, exc.message, endpoint)
            raise
        return text, priority, provided

    def reject(self, query: object, code: str, message: str, endpoint: str) -> None:
        """Record input refused before any tier ran (the API calls this for bad bodies too)."""
        text = query if isinstance(query, str) else repr(query)
        self.records.write(QueryLog(
            query=text, language=detect_language(text) if isinstance(query, str) else "en", endpoint=endpoint,
            outcome="rejected", processing_ms=0.0, error=f"{code}: {message}",
            messages=[("warning", f"rejected query ({code}): {message}", None, None)]))

    def count_rate_limited(self) -> None:
        """A request the rate limit turned away (an API 429, a question on the AI page): counted
        (`rateLimited` in stats), never stored as a row."""
        self.records.count_rate_limited()

    def _cache_key(self, question: Question) -> str | None:
        """(question, language, fleet state minute, incidents, deployment, priority, values handed in)."""
        if self.cache is None:
            return None
        try:
            incidents = self.fleet.store.incidents()
            deployed = self.fleet.store.deployed_count()
        except StoreUnavailable:
            return None
        minute = int(self.fleet.clock().timestamp() // 60)
        provided = [asdict(p) for p in question.provided] if question.provided else None
        return cache_key(question.scope.normalised, question.scope.language, minute,
                         incident_signature(incidents), deployed, question.priority, provided)

    def _answer(self, text: str, priority: Priority, provided: list[ProvidedMetrics] | None,
                on_step: StepCallback | None, endpoint: str, language: Lang | None = None) -> AgentAnswer:
        started = time.perf_counter()
        steps = _Steps(on_step)
        if not has_meaning(text):
            return self._not_understood(text, answer_language(text, language), steps, started, endpoint,
                                        priority)
        scope = scoping.parse(text, self.fleet.catalogue, self.fleet.catalogue.servers)
        lang = scope.language
        question = Question(scope, priority, provided)
        key = self._cache_key(question)
        hit = self.cache.get(key) if self.cache is not None and key is not None else None
        if hit is not None:
            return self._from_cache(text, hit, steps, started, endpoint, priority)

        attempts: list[TierAttempt] = []
        errors: list[str] = []
        messages: list[LogLine] = []
        draft: Draft | None = None
        method: Method = "fallback_system"
        llm_used = False
        tier: Method
        for tier, runner, budget in (
                ("optimized_ai_engine", self.engine, self.settings.ai_engine_budget_seconds),
                ("pattern_matching", self.patterns, self.settings.ai_pattern_budget_seconds)):
            left = self.settings.ai_total_budget_seconds - (time.perf_counter() - started)
            if left <= 0:  # the answer's budget is spent: no tier starts, the fallback answers
                attempts.append(TierAttempt(tier=tier, ok=False, duration_ms=0.0,
                                            error="skipped: the answer's budget was spent"))
                errors.append(t("agent.error.skipped", lang, tier=t(f"agent.tier.{tier}", lang)))
                continue
            outcome = run_tier(tier, partial(runner.answer, question), min(budget, left),
                               steps, self._tier_workers)
            attempts.append(outcome.attempt())
            messages.append(_log_line(outcome, "handed over"))
            self._note(tier, outcome)
            if outcome.ok and outcome.value is not None:
                draft, method = outcome.value, tier
                break
            reason = self._reason(tier, outcome, lang)
            errors.append(reason)
            steps.emit_next(t("agent.step.handover", lang, tier=t(f"agent.tier.{tier}", lang), error=reason))
        if draft is None:
            draft = self._fallback(question, steps, attempts, messages)
        elif method == "optimized_ai_engine" and self.llm is not None:
            draft, llm_used = self._with_llm(text, lang, draft, steps, attempts, messages, started)
        if not llm_used:
            steps.emit("generating", self._generating_text(method, draft, lang, errors))

        elapsed = (time.perf_counter() - started) * 1000
        answer = AgentAnswer(
            success=draft.ok, response=draft.response, actions=draft.actions,
            metadata=AnswerMetadata(
                processing_time=round(elapsed, 2), method=method,
                fallback_used=method != "optimized_ai_engine", analysis_depth=ANALYSIS_DEPTH[method],
                original_error=errors[0] if errors else None, language=lang, servers=draft.servers,
                llm_used=llm_used, tier_attempts=attempts))
        if method == "optimized_ai_engine" and self.cache is not None and key is not None:
            self.cache.put(key, answer)
        self.records.write(QueryLog(
            query=text, language=lang, endpoint=endpoint, outcome="answered" if draft.ok else "failed",
            processing_ms=answer.metadata.processing_time, method=method, success=draft.ok,
            fallback_used=answer.metadata.fallback_used, priority=priority, servers=draft.servers,
            error=errors[0] if errors else None, messages=messages))
        steps.emit("completed", t("agent.step.completed", lang, tier=t(f"agent.tier.{method}", lang),
                                  seconds=f"{elapsed / 1000:.2f}"), result=answer)
        return answer

    def _not_understood(self, text: str, lang: Lang, steps: _Steps, started: float, endpoint: str,
                        priority: Priority) -> AgentAnswer:
        """No letter or digit to go on: say so and offer example questions, never a fleet report.

        The pattern tier's verdict (its one intent that needs no words), so no tier is said to have failed.
        """
        steps.emit("analyzing", t("agent.step.no_meaning", lang))
        steps.emit("pattern_matching", t("agent.step.not_understood", lang))
        examples = [f"- {t(key, lang)}" for key in EXAMPLE_QUESTIONS]
        steps.emit("generating", t("agent.step.pattern_answer", lang))
        elapsed = (time.perf_counter() - started) * 1000
        answer = AgentAnswer(
            success=True, response="\n".join([t("agent.answer.not_understood", lang), "", *examples]),
            metadata=AnswerMetadata(
                processing_time=round(elapsed, 2), method="pattern_matching", fallback_used=False,
                analysis_depth=ANALYSIS_DEPTH["pattern_matching"], language=lang,
                tier_attempts=[TierAttempt(tier="pattern_matching", ok=True, duration_ms=round(elapsed, 2))]))
        self.records.write(QueryLog(
            query=text, language=lang, endpoint=endpoint, outcome="answered", processing_ms=round(elapsed, 2),
            method="pattern_matching", success=True, priority=priority,
            messages=[("info", "pattern_matching: no letter or digit in the question; asked to rephrase",
                       "pattern_matching", round(elapsed, 2))]))
        steps.emit("completed", t("agent.step.completed", lang, tier=t("agent.tier.pattern_matching", lang),
                                  seconds=f"{elapsed / 1000:.2f}"), result=answer)
        return answer

    def _from_cache(self, text: str, hit: tuple[AgentAnswer, float], steps: _Steps, started: float,
                    endpoint: str, priority: Priority) -> AgentAnswer:
        cached, age = hit
        lang = cached.metadata.language
        steps.emit("analyzing", t("agent.step.cache", lang, age=round(age)))
        elapsed = (time.perf_counter() - started) * 1000
        answer = cached.model_copy(update={"metadata": cached.metadata.model_copy(update={
            "processing_time": round(elapsed, 2), "cached": True, "tier_attempts": []})})
        meta = answer.metadata
        self.records.write(QueryLog(
            query=text, language=lang, endpoint=endpoint, outcome="answered",
            processing_ms=meta.processing_time, method=meta.method, success=answer.success,
            fallback_used=meta.fallback_used, cached=True, priority=priority, servers=meta.servers,
            messages=[("info", f"answered from the cache ({round(age)} s old)", None, None)]))
        steps.emit("completed", t("agent.step.completed", lang, tier=t(f"agent.tier.{meta.method}", lang),
                                  seconds=f"{elapsed / 1000:.2f}"), result=answer)
        return answer

    def _fallback(self, question: Question, steps: _Steps, attempts: list[TierAttempt],
                  messages: list[LogLine]) -> Draft:
        """The last tier runs inline: it has no one to hand over to, so a budget would only lose it."""
        lang = question.scope.language
        started = time.perf_counter()
        try:
            draft = self.fallback.answer(question, steps.emit)
            error = None if draft.ok else "the fleet status could not be read"
        except Exception as exc:
            log.exception("fallback tier failed")
            draft = Draft(t("agent.fallback.unavailable", lang), [], [], ok=False)
            error = f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - started) * 1000
        attempts.append(TierAttempt(tier="fallback_system", ok=error is None, duration_ms=round(duration, 2),
                                    error=error))
        self._health["fallback_system"] = "up" if error is None else "down"
        messages.append(("error", f"fallback_system: {error}", "fallback_system", duration) if error
                        else ("info", "fallback_system: answered", "fallback_system", duration))
        return draft

    def _with_llm(self, text: str, lang: Lang, draft: Draft, steps: _Steps, attempts: list[TierAttempt],
                  messages: list[LogLine], started: float) -> tuple[Draft, bool]:
        assert self.llm is not None
        llm = self.llm
        down = self._llm_down
        if down is not None and (ago := time.monotonic() - down[0]) < self.settings.llm_retry_seconds:
            skipped: TierOutcome[str] = TierOutcome("llm", None, 0.0, f"skipped: unavailable {ago:.0f} s ago "
                                                    f"({down[1]})")
            attempts.append(skipped.attempt())
            messages.append(_log_line(skipped, "the analytic answer stands", failure="warning"))
            steps.emit("generating", t("agent.step.llm_resting", lang, ago=f"{ago:.0f}", error=down[1],
                                       retry=f"{self.settings.llm_retry_seconds - ago:.0f}"))
            return draft, False
        # The LLM only gets what is left of the whole answer's budget: a slow LLM must not
        # make the operator wait longer than the analytic answer already in hand justifies.
        left = self.settings.ai_total_budget_seconds - (time.perf_counter() - started)
        timeout = max(0.1, min(self.settings.llm_timeout_seconds, left))
        outcome = run_tier("llm", lambda _emit: llm.write_answer(text, lang, draft), timeout, None,
                           self._tier_workers)
        attempts.append(outcome.attempt())
        messages.append(_log_line(outcome, "the analytic answer stands", failure="warning"))
        self._note("llm", outcome)
        if outcome.ok and outcome.value:
            steps.emit("generating", t("agent.step.llm", lang, model=llm.model))
            return replace(draft, response=outcome.value), True
        steps.emit("generating", t("agent.step.llm_failed", lang, error=outcome.error))
        return draft, False

    def _note(self, tier: str, outcome: TierOutcome[Any]) -> None:
        self._health[tier] = "up" if outcome.ok else "down"
        if tier == "llm":
            if outcome.timed_out or isinstance(outcome.failure, LlmUnreachable):
                self._llm_down = (time.monotonic(), outcome.error or "")
            elif outcome.ok:
                self._llm_down = None

    def _reason(self, tier: str, outcome: TierOutcome[Any], lang: Lang) -> str:
        label = t(f"agent.tier.{tier}", lang)
        if outcome.timed_out:
            budget = {"optimized_ai_engine": self.settings.ai_engine_budget_seconds,
                      "pattern_matching": self.settings.ai_pattern_budget_seconds}.get(tier, 0.0)
            return t("agent.error.timeout", lang, tier=label, seconds=f"{budget:g}")
        if outcome.error:
            return t("agent.error.failed", lang, tier=label, error=outcome.error)
        return t("agent.error.no_match", lang, tier=label)

    def _generating_text(self, method: Method, draft: Draft, lang: Lang, errors: list[str]) -> str:
        if method == "optimized_ai_engine":
            return t("agent.step.generating", lang, servers=len(draft.servers), actions=len(draft.actions))
        key = "agent.step.pattern_answer" if method == "pattern_matching" else "agent.step.fallback_answer"
        done = t(key, lang)
        return f"{done} ({'; '.join(errors)})" if errors else done

    # -- other actions ----------------------------------------------------------------------

    def analyze_server(self, key: str, lang: Lang = "ko", *, on_step: StepCallback | None = None,
                       endpoint: str = "integrated") -> AgentAnswer:
        """The in-depth answer about one server (UnknownServer if there is none by that id/hostname)."""
        server = self.fleet.resolve(key)
        return self.ask(t("agent.analyze_server", lang, host=server.hostname), on_step=on_step,
                        endpoint=endpoint)

    def detect_anomalies(self, lang: Lang = "ko") -> AnomalyReport:
        """Every anomalous metric in the fleet (up to 20 servers in depth), as data and as text."""
        with self._slot():
            return self._detect_anomalies(lang)

    def _detect_anomalies(self, lang: Lang) -> AnomalyReport:
        started = time.perf_counter()
        # Always the analytic engine: this action is its scan, whatever answers questions.
        engine = self.engine if isinstance(self.engine, Engine) else Engine(self.fleet)
        outcome = run_tier("optimized_ai_engine", lambda _emit: engine.anomalies(ANOMALY_SERVERS),
                           self.settings.ai_engine_budget_seconds, None, self._tier_workers)
        self._note("optimized_ai_engine", outcome)
        if not outcome.ok or outcome.value is None:
            self.records.log("error", f"anomaly detection failed: {outcome.error}",
                             tier="optimized_ai_engine", duration_ms=outcome.duration_ms)
            raise RuntimeError(outcome.error or "anomaly detection failed")
        scanned, diagnoses = outcome.value
        items: list[AnomalyItem] = []
        lines: list[str] = []
        for diagnosis in diagnoses:
            host = diagnosis.server.hostname
            for cause in diagnosis.causes:
                label = cause_label(cause, lang)
                lines.append(f"- {host}: {label} — {short_evidence(cause, diagnosis, lang)}")
                if cause.kind == "host_down":
                    items.append(AnomalyItem(hostname=host, server_id=diagnosis.server.id, metric="metrics",
                                             value=None, expected=None, z_score=None, direction="missing",
                                             since=_moment(cause.last_seen), cause=label))
                    continue
                findings = [cause.primary] if cause.primary else []
                findings += [link.finding for link in (*cause.drivers, *cause.symptoms)]
                # A correlate (findings.movements) supports a cause but is no anomaly: not listed.
                for finding in [f for f in findings if f.anomaly]:
                    items.append(AnomalyItem(
                        hostname=host, server_id=diagnosis.server.id, metric=finding.metric,
                        value=round(finding.value, 2), expected=round(finding.usual, 2),
                        z_score=round(finding.z, 2), direction=finding.direction,
                        since=_moment(finding.onset), cause=label))
        elapsed = (time.perf_counter() - started) * 1000
        summary = t("agent.anomaly.report", lang, n=len(items), scanned=scanned)
        self.records.log("info", f"anomaly detection: {len(items)} anomalous metrics on {scanned} servers",
                         tier="optimized_ai_engine", duration_ms=round(elapsed, 2))
        return AnomalyReport(servers_scanned=scanned, anomalies=items, processing_time=round(elapsed, 2),
                             response="\n".join([f"**{summary}**", *lines]))

    def self_test(self, lang: Lang = "ko") -> SelfTestResponse:
        """Each tier alone on a probe question: did it answer, how long did it take (integrated `test`)."""
        with self._slot():
            return self._self_test(lang)

    def _self_test(self, lang: Lang) -> SelfTestResponse:
        probe = t("agent.probe", lang)
        question = Question(scoping.parse(probe, self.fleet.catalogue, self.fleet.catalogue.servers))
        results: list[TierProbe] = []
        engine_draft: Draft | None = None
        for tier, runner, budget in (
                ("optimized_ai_engine", self.engine, self.settings.ai_engine_budget_seconds),
                ("pattern_matching", self.patterns, self.settings.ai_pattern_budget_seconds),
                ("fallback_system", self.fallback, self.settings.ai_pattern_budget_seconds)):
            outcome = run_tier(tier, partial(runner.answer, question), budget, None,
                               self._tier_workers)
            self._note(tier, outcome)
            draft = outcome.value
            if tier == "optimized_ai_engine":
                engine_draft = draft
            results.append(self._probe(tier, outcome, draft.response if draft else None))
        if self.llm is not None:
            llm = self.llm
            if engine_draft is None:
                results.append(TierProbe(tier="llm", ok=False, duration_ms=0.0, answered=False,
                                         error="skipped: the engine gave no findings to write from"))
            else:
                draft = engine_draft
                llm_outcome = run_tier("llm", lambda _emit: llm.write_answer(probe, lang, draft),
                                       self.settings.llm_timeout_seconds, None, self._tier_workers)
                self._note("llm", llm_outcome)
                results.append(self._probe("llm", llm_outcome, llm_outcome.value))
        for result in results:
            self.records.log("info" if result.ok else "warning",
                             f"self-test {result.tier}: " + ("answered" if result.ok else str(result.error)),
                             tier=result.tier, duration_ms=result.duration_ms)
        tiers_ok = all(r.ok for r in results if r.tier != "llm")  # the LLM is optional
        return SelfTestResponse(success=tiers_ok, query=probe, tiers=results)

    def _probe(self, tier: str, outcome: TierOutcome[Any], text: str | None) -> TierProbe:
        return TierProbe(tier=tier, ok=outcome.ok and text is not None,
                         duration_ms=round(outcome.duration_ms, 2), answered=text is not None,
                         error=outcome.error or (None if text else "no answer"),
                         preview=text[:160] if text else None)

    # -- status, stats and logs ---------------------------------------------------------------

    def status(self) -> AgentStatus:
        tiers = dict(self._health)
        working = [state for state in tiers.values() if state != "disabled"]
        overall: Literal["ready", "degraded", "down"] = ("down" if all(s == "down" for s in working)
                                                         else "degraded" if "down" in working else "ready")
        try:
            deployed = self.fleet.store.deployed_count()
        except StoreUnavailable:
            deployed = 0
        cache = (CacheStatus(backend=self.cache.backend, status="up" if self.cache.available() else "down")
                 if self.cache is not None else CacheStatus(backend="off", status="up"))
        return AgentStatus(
            status=overall, engine=Engine.name, version=__version__, tiers=tiers,
            llm=LlmStatus(configured=self.llm is not None, model=self.llm.model if self.llm else None,
                          state=tiers["llm"]),
            cache=cache, deployed_servers=deployed, timestamp=self.fleet.clock(),
            budgets={"optimizedAiEngine": self.settings.ai_engine_budget_seconds,
                     "patternMatching": self.settings.ai_pattern_budget_seconds,
                     "llm": self.settings.llm_timeout_seconds})

    def stats(self, since: datetime | None = None) -> AdminStats:
        return self.records.stats(since)

    def logs(self, limit: int = 50, level: str | None = None,
             since: datetime | None = None) -> list[LogEntry]:
        if level is not None and level not in ("info", "warning", "error"):
            raise ValueError("level must be info, warning or error")
        # Checked against the three levels just above; mypy does not narrow a str through `not in`.
        return self.records.logs(limit, cast("LogLevel | None", level), since)

    def query_records(self, limit: int = 500, since: datetime | None = None) -> list[QueryRecord]:
        return self.records.queries(limit, since)


def _log_line(outcome: TierOutcome[Any], then: str, failure: LogLevel = "error") -> LogLine:
    """Answered: info. Nothing to say: warning. Timed out or raised: `failure` (error for a tier, as
    the guide logs "AI engine timeout"; warning for the LLM, whose failure leaves the analytic answer)."""
    duration = round(outcome.duration_ms, 2)
    if outcome.ok and outcome.value is not None:
        return "info", f"{outcome.tier}: answered", outcome.tier, duration
    if outcome.ok:
        return "warning", f"{outcome.tier}: no answer; {then}", outcome.tier, duration
    return failure, f"{outcome.tier}: {outcome.error}; {then}", outcome.tier, duration


def _moment(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
