"""AI evaluation cases as data: load and check `tests/ai/cases/*.toml`, play each one's setup on a
real fleet (SQLite store in a temporary folder, the simulator, a clock moved through the setup), ask
its question and grade the agent's structured answer against what an on-call engineer expects.

A case file holds one category and its cases (HolmesGPT's `test_case.yaml` fixtures are the model):

    category = "history"

    [[case]]
    id = "last-hour-cleared-leak"
    question = "지난 1시간 동안 무슨 일이 있었어?"
    note = "the leak was cleared half an hour ago: it still happened"

    [[case.incidents]]
    kind = "memory_leak"
    server = "db-master-01"
    severity = "high"
    started_min_ago = 55
    cleared_min_ago = 28

    [case.expect]
    language = "ko"
    names = ["db-master-01"]
    times_min_ago = [55, 28]

`python -m bench.ai_quality` runs them all and prints the score by category.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from openmanager_core.ai import Agent
from openmanager_core.ai.engine import Draft, Emit, Engine, Question
from openmanager_core.alerts.delivery import Notifier
from openmanager_core.alerts.evaluator import AlertEvaluator
from openmanager_core.catalogue import Catalogue
from openmanager_core.fleet import Fleet
from openmanager_core.i18n import Lang
from openmanager_core.models import IncidentType, Severity
from openmanager_core.settings import Settings
from openmanager_core.simulator import KST

CASES_DIR = Path(__file__).resolve().parent.parent / "tests" / "ai" / "cases"
# A Monday, 14:30 KST: the same instant the AI tests use, so a case's times read the same every run.
NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
CATEGORIES: dict[str, str] = {
    "symptoms": "symptoms without a hostname (the dependency path)",
    "by_metric": "asked by metric or by type (ranking)",
    "yes_no": "yes/no and hypothesis questions",
    "history": "history (the event timeline)",
    "several_problems": "several independent problems, ranked with reasons",
    "names": "server names (misspelt, spaced, by type, by id, unknown)",
    "trends_dates": "honest trends and dates",
    "early_detection": "early detection (watch)",
    "language": "answer language",
    "tier2": "tier 2 and the fallback are honest",
}
MIN_CASES_PER_CATEGORY = 5
FLEET_SIZE = 20
HOSTNAMES = frozenset(s.hostname for s in Catalogue(FLEET_SIZE).servers)
Tier = Literal["optimized_ai_engine", "pattern_matching", "fallback_system"]

# What an engineer accepts as naming each cause, in each language (any one of the words, where the
# answer first speaks of the server). Words of the trade, not the engine's labels.
CAUSE_WORDS: dict[str, dict[Lang, tuple[str, ...]]] = {
    "cpu_spike": {"ko": ("CPU 급증", "CPU 과부하", "CPU 폭증", "CPU 포화"),
                  "en": ("CPU spike", "high CPU", "CPU saturat", "CPU overload")},
    "memory_leak": {"ko": ("메모리 누수",), "en": ("memory leak",)},
    "disk_full": {"ko": ("디스크 가득", "디스크 용량", "디스크 포화", "디스크 부족"),
                  "en": ("disk full", "disk filling", "disk space", "disk is full")},
    "network_congestion": {"ko": ("네트워크 혼잡", "네트워크 포화", "패킷 손실"),
                           "en": ("network congestion", "network saturat", "packet loss")},
    "service_down": {"ko": ("서비스 중단", "중지", "멈춤", "멈췄", "다운"),
                     "en": ("service down", "stopped", "not running", "is down")},
    "host_down": {"ko": ("호스트 다운", "오프라인", "응답 없음"),
                  "en": ("host down", "offline", "unreachable")},
}
VERDICT_WORDS: dict[str, dict[Lang, tuple[str, ...]]] = {
    "yes": {"ko": ("예", "네", "맞습니다", "맞아요", "그렇습니다"), "en": ("yes",)},
    "no": {"ko": ("아니요", "아니오", "아닙니다", "아니에요"), "en": ("no",)},
}


class CaseError(ValueError):
    """A case file that cannot be used; the message names the file, the case and the field."""


# -- the table ----------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_host(name: str) -> str:
    if name not in HOSTNAMES:
        raise ValueError(f"{name!r} is not a server of the {FLEET_SIZE}-server catalogue")
    return name


Host = Annotated[str, AfterValidator(_known_host)]  # a hostname of the catalogue


class IncidentSetup(_Strict):
    """An incident of the setup: started `started_min_ago` minutes before the question, cleared
    `cleared_min_ago` minutes before it (or still going)."""

    kind: IncidentType
    server: Host
    severity: Severity = Severity.MEDIUM
    started_min_ago: int = Field(ge=0, le=7 * 24 * 60)
    cleared_min_ago: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _cleared_after_start(self) -> IncidentSetup:
        if self.cleared_min_ago is not None and self.cleared_min_ago >= self.started_min_ago:
            raise ValueError("cleared_min_ago must be less than started_min_ago (cleared after it started)")
        return self


Mention = str | list[str]  # a word, or any one of several


class Expectation(_Strict):
    """The judgement an engineer expects. Every field set is a check; all must pass."""

    language: Lang  # the answer's language: its metadata and its text
    tier: Tier | None = None  # which tier answered
    server: Host | None = None  # the server the answer leads with (first named, first in the text)
    cause: str | None = None  # the cause named where the answer speaks of `server` first (CAUSE_WORDS)
    verdict: Literal["yes", "no"] | None = None  # the answer starts with yes or no
    ranking: list[Host] = Field(default_factory=list)  # these servers first appear in this order
    names: list[Host] = Field(default_factory=list)  # servers the answer must name
    not_names: list[Host] = Field(default_factory=list)  # servers it must not name
    max_servers_named: int | None = Field(default=None, ge=0)  # no full fleet report
    times_min_ago: list[int] = Field(default_factory=list)  # clock times the text must give
    time_tolerance_min: int = Field(default=5, ge=0)
    eta_minutes: tuple[int, int] | None = None  # a duration (forecast) in this range, in minutes
    mentions: list[Mention] = Field(default_factory=list)  # words the text must hold
    absent: list[str] = Field(default_factory=list)  # words it must not hold

    @field_validator("cause")
    @classmethod
    def _cause(cls, kind: str | None) -> str | None:
        if kind is not None and kind not in CAUSE_WORDS:
            raise ValueError(f"{kind!r} is not one of {', '.join(CAUSE_WORDS)}")
        return kind

    @field_validator("eta_minutes")
    @classmethod
    def _range(cls, bounds: tuple[int, int] | None) -> tuple[int, int] | None:
        if bounds is not None and not 0 <= bounds[0] <= bounds[1]:
            raise ValueError("must be [low, high] with 0 <= low <= high")
        return bounds

    @model_validator(mode="after")
    def _something_to_check(self) -> Expectation:
        checks = self.model_dump(exclude={"language", "time_tolerance_min"}, exclude_defaults=True)
        if not checks:
            raise ValueError("expects nothing beyond the language: say which server, cause, verdict, ...")
        return self


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str
    question: str = Field(min_length=1, max_length=1000)
    note: str = ""  # what the engineer means by the question, for the reader
    incidents: list[IncidentSetup] = Field(default_factory=list)
    deployed_min_ago: int = Field(default=360, ge=0)  # when the fleet was deployed
    tiers_down: list[Literal["optimized_ai_engine", "pattern_matching"]] = Field(default_factory=list)
    ui_language: Lang | None = None  # the reader's UI switch, which must not decide the answer's
    regression: bool = False  # passes today: run by pytest so it keeps passing
    expect: Expectation

    @model_validator(mode="after")
    def _one_incident_per_server_and_kind_at_a_time(self) -> Case:
        for i, a in enumerate(self.incidents):
            for b in self.incidents[i + 1:]:
                if (a.server, a.kind) != (b.server, b.kind):
                    continue
                a_end, b_end = a.cleared_min_ago or 0, b.cleared_min_ago or 0
                if a.started_min_ago > b_end and b.started_min_ago > a_end:
                    raise ValueError(f"two {a.kind.value} incidents on {a.server} overlap: the fleet "
                                     "holds one per server and type at a time")
        return self


def _where(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_cases(text: str, source: str) -> list[Case]:
    """The cases of one TOML file's text; CaseError naming `source`, the case and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - {"category", "case"}
    if unknown:
        raise CaseError(f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))} "
                        "(a file holds `category` and `[[case]]` tables)")
    category = data.get("category")
    if category not in CATEGORIES:
        raise CaseError(f"{source}: category: {category!r} is not one of {', '.join(CATEGORIES)}")
    raw = data.get("case")
    if not isinstance(raw, list) or not raw:
        raise CaseError(f"{source}: no [[case]] tables")
    cases: list[Case] = []
    for index, item in enumerate(raw):
        label = f"case[{index}]" + (f" ({item['id']!r})" if isinstance(item, dict) and "id" in item else "")
        if not isinstance(item, dict):
            raise CaseError(f"{source}: {label}: must be a table")
        if "category" in item:
            raise CaseError(f"{source}: {label}.category: set once per file, at the top")
        try:
            cases.append(Case.model_validate({**item, "category": category}))
        except ValidationError as exc:
            problems = "; ".join(f"{_where(e['loc']) or 'case'}: {e['msg']}" for e in exc.errors())
            raise CaseError(f"{source}: {label}: {problems}") from None
    return cases


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every `*.toml` in `directory`, checked: ids unique, each category covered by at
    least MIN_CASES_PER_CATEGORY cases."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise CaseError(f"{directory}: no case files (*.toml)")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in parse_cases(path.read_text(encoding="utf-8"), path.name):
            if case.id in seen:
                raise CaseError(f"{path.name}: case id {case.id!r} is already used in {seen[case.id]}")
            seen[case.id] = path.name
            cases.append(case)
    counts = {name: sum(c.category == name for c in cases) for name in CATEGORIES}
    short = {name: n for name, n in counts.items() if n < MIN_CASES_PER_CATEGORY}
    if short:
        listed = ", ".join(f"{name} ({n})" for name, n in short.items())
        raise CaseError(f"categories with fewer than {MIN_CASES_PER_CATEGORY} cases: {listed}")
    return cases


# -- grading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the agent answered, as the grader reads it."""

    tier: str
    language: str
    servers: list[str]  # the hostnames the answer names, in its order
    text: str  # the Markdown response
    facts: Mapping[str, Any] = field(default_factory=dict)  # tier 1's grounding, when it answered
    seconds: float = 0.0


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")
_DURATION = re.compile(
    r"(?:(\d+)\s*(?:d\b|일|days?))?\s*(?:(\d+)\s*(?:h\b|시간|hours?|hrs?))?\s*(?:(\d+)\s*(?:m\b|분|min\b|mins?|minutes?))?")


def plain(text: str) -> str:
    """The answer without Markdown escapes and emphasis: what a reader sees."""
    return _ESCAPE.sub(r"\1", text).replace("**", "")


def hostnames_in(text: str) -> list[str]:
    """Catalogue hostnames in `text`, by first appearance (a Korean particle may follow one)."""
    found: list[tuple[int, str]] = []
    for host in HOSTNAMES:
        match = re.search(rf"(?<![A-Za-z0-9_-]){re.escape(host)}(?![A-Za-z0-9_-])", text)
        if match:
            found.append((match.start(), host))
    return [host for _, host in sorted(found)]


def _contains(text: str, word: str) -> bool:
    return word.lower() in text.lower()


def _language_of_text(text: str) -> Lang | None:
    """ko or en by the share of Hangul among the letters once hostnames are left out; None when
    there are too few letters to tell."""
    for host in HOSTNAMES:
        text = text.replace(host, " ")
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    if hangul + latin < 10:
        return None
    share = hangul / (hangul + latin)
    return "ko" if share >= 0.3 else "en" if share <= 0.02 else None


def _section_of(text: str, host: str) -> str:
    """The part of `text` about `host` first: from its first mention to the first mention of any
    other server after it."""
    start = text.find(host)
    if start < 0:
        return ""
    rest = text[start + len(host):]
    others = [rest.find(other) for other in hostnames_in(rest) if other != host]
    return text[start:start + len(host) + min(others, default=len(rest))]


def _first_words(text: str) -> str:
    stripped = re.sub(r"^[\s#>*\-•]+", "", text)
    return stripped[:40]


def _starts_with(text: str, words: Iterable[str]) -> bool:
    head = _first_words(text).lower()
    return any(re.match(rf"{re.escape(word.lower())}(?![a-z가-힣])", head) for word in words)


def durations_in(text: str) -> list[float]:
    """Every duration written in `text`, in minutes (`~28 min`, `약 3시간 10분`, `~1h 5m`, `2 days`)."""
    found: list[float] = []
    for match in _DURATION.finditer(text):
        days, hours, minutes = match.groups()
        if days is None and hours is None and minutes is None:
            continue
        found.append(int(days or 0) * 1440 + int(hours or 0) * 60 + int(minutes or 0))
    return found


def _clock_minutes(moment: datetime) -> int:
    local = moment + KST
    return local.hour * 60 + local.minute


def clock_times_in(text: str) -> list[int]:
    """Clock times (`14:05`) in `text`, as minutes of the day."""
    return [int(h) * 60 + int(m) for h, m in _CLOCK.findall(text)]


def grade(case: Case, answer: Answer, now: datetime = NOW) -> list[Check]:
    """One check per expectation the case sets, each passed or failed with what was seen."""
    expect = case.expect
    text = plain(answer.text)
    named = hostnames_in(text)
    checks: list[Check] = []
    add = checks.append

    shown = _language_of_text(text)
    add(Check("language", answer.language == expect.language and shown in (expect.language, None),
              f"metadata {answer.language}, text reads {shown or 'unclear'}"))
    if expect.tier is not None:
        add(Check("tier", answer.tier == expect.tier, f"answered by {answer.tier}"))
    if expect.server is not None:
        first = answer.servers[0] if answer.servers else None
        lead = named[0] if named else None
        add(Check("server", first == expect.server and lead == expect.server,
                  f"first in servers: {first}, first in text: {lead}"))
    if expect.cause is not None:
        host = expect.server or (named[0] if named else "")
        section = _section_of(text, host) if host else text
        words = CAUSE_WORDS[expect.cause][expect.language]
        add(Check("cause", any(_contains(section, w) for w in words),
                  f"looked for {' / '.join(words)} with {host or 'the answer'}"))
    if expect.verdict is not None:
        words = VERDICT_WORDS[expect.verdict][expect.language]
        add(Check("verdict", _starts_with(text, words), f"starts {_first_words(text)!r}"))
    if expect.ranking:
        order = [host for host in named if host in expect.ranking]
        add(Check("ranking", order == expect.ranking, f"in the text: {order}"))
    for host in expect.names:
        add(Check(f"names {host}", host in named or host in answer.servers, f"named: {named}"))
    for host in expect.not_names:
        add(Check(f"not {host}", host not in named, f"named: {named}"))
    if expect.max_servers_named is not None:
        diagnosed = len(answer.facts.get("diagnoses", []))
        add(Check("no fleet report", len(named) <= expect.max_servers_named and
                  diagnosed <= expect.max_servers_named,
                  f"{len(named)} servers named, {diagnosed} diagnosed; at most {expect.max_servers_named}"))
    times = clock_times_in(text)
    for minutes_ago in expect.times_min_ago:
        want = _clock_minutes(now - timedelta(minutes=minutes_ago))
        near = [x for x in times if min(abs(x - want), 1440 - abs(x - want)) <= expect.time_tolerance_min]
        add(Check(f"time {minutes_ago} min ago", bool(near),
                  f"want {want // 60:02d}:{want % 60:02d} ±{expect.time_tolerance_min} min, "
                  f"text has {', '.join(f'{x // 60:02d}:{x % 60:02d}' for x in times) or 'no time'}"))
    if expect.eta_minutes is not None:
        low, high = expect.eta_minutes
        etas = durations_in(text)
        add(Check("time estimate", any(low <= eta <= high for eta in etas),
                  f"want {low}-{high} min, text has {etas or 'none'}"))
    for mention in expect.mentions:
        options = [mention] if isinstance(mention, str) else mention
        add(Check(f"mentions {' / '.join(options)}", any(_contains(text, w) for w in options)))
    for word in expect.absent:
        add(Check(f"without {word}", not _contains(text, word)))
    return checks


# -- playing a case -----------------------------------------------------------------------------


class MovingClock:
    """The fleet's clock, moved through a case's setup to the moment the question is asked."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class RecordingEngine:
    """Tier 1 as it is, keeping the facts of its last answer for the grader."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.facts: dict[str, Any] = {}

    def answer(self, question: Question, emit: Emit) -> Draft:
        draft = self.engine.answer(question, emit)
        self.facts = draft.facts
        return draft


class TierDown:
    """A tier that cannot answer, for the cases about what the next tier says."""

    def __init__(self, tier: str) -> None:
        self.tier = tier

    def answer(self, _question: Question, _emit: Emit) -> Draft:
        raise RuntimeError(f"{self.tier} is down for this case")


def _moments(case: Case) -> list[tuple[datetime, Callable[[Fleet, dict[int, int]], None]]]:
    """The setup's actions (deploy, start, clear) at their moments, oldest first."""
    actions: list[tuple[datetime, int, Callable[[Fleet, dict[int, int]], None]]] = []

    def deploy(fleet: Fleet, _ids: dict[int, int]) -> None:
        fleet.deploy_next(fleet.total - 1)

    actions.append((NOW - timedelta(minutes=case.deployed_min_ago), 0, deploy))
    for n, incident in enumerate(case.incidents):
        def start(fleet: Fleet, ids: dict[int, int], n: int = n, incident: IncidentSetup = incident) -> None:
            ids[n] = fleet.inject(incident.kind, incident.server, incident.severity).id

        actions.append((NOW - timedelta(minutes=incident.started_min_ago), 1, start))
        if incident.cleared_min_ago is not None:
            def clear(fleet: Fleet, ids: dict[int, int], n: int = n) -> None:
                fleet.clear(ids[n])

            actions.append((NOW - timedelta(minutes=incident.cleared_min_ago), 2, clear))
    return [(at, action) for at, _, action in sorted(actions, key=lambda a: (a[0], a[1]))]


# After each change the alert evaluator looks again at these delays (as its loop would every 15 s),
# so the timeline holds the status changes and anomalies the change caused.
LOOKS_AFTER_MINUTES = (0, 2, 10)


def build_fleet(case: Case, directory: Path) -> Fleet:
    """A fleet on a fresh SQLite file in `directory`, with the case's setup played on a moving clock."""
    settings = Settings(database_url=f"sqlite:///{directory}/ai-case.db", redis_url=None, llm_base_url=None,
                        llm_api_key=None, fleet_size=FLEET_SIZE, secrets_files=[])
    moments = _moments(case)
    clock = MovingClock(min(moments[0][0], NOW))
    fleet = Fleet(settings, clock=clock)
    evaluator = AlertEvaluator(fleet, Notifier(settings, fleet.store, clock, channels=[]))
    looks = sorted({at + timedelta(minutes=m) for at, _ in moments for m in LOOKS_AFTER_MINUTES} | {NOW})
    ids: dict[int, int] = {}
    pending = list(moments)
    for look in (at for at in looks if at <= NOW):
        while pending and pending[0][0] <= look:
            at, action = pending.pop(0)
            clock.at = at
            action(fleet, ids)
        clock.at = look
        if fleet.store.deployed_count():
            evaluator.evaluate()
    clock.at = NOW
    return fleet


def ask(case: Case, fleet: Fleet) -> Answer:
    """The case's question put to the agent over `fleet`, as the grader reads the answer."""
    engine = RecordingEngine(Engine(fleet))
    tiers: dict[str, Any] = {"engine": engine}
    if "optimized_ai_engine" in case.tiers_down:
        tiers["engine"] = TierDown("optimized_ai_engine")
    if "pattern_matching" in case.tiers_down:
        tiers["patterns"] = TierDown("pattern_matching")
    agent = Agent(fleet, use_cache=False, **tiers)
    started = time.perf_counter()
    answer = agent.ask(case.question, language=case.ui_language)
    seconds = time.perf_counter() - started
    meta = answer.metadata
    return Answer(tier=meta.method, language=meta.language, servers=list(meta.servers), text=answer.response,
                  facts=engine.facts if meta.method == "optimized_ai_engine" else {}, seconds=seconds)


@dataclass(frozen=True)
class Result:
    case: Case
    answer: Answer
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def run_case(case: Case) -> Result:
    with tempfile.TemporaryDirectory(prefix="openmanager-ai-case-") as tmp:
        fleet = build_fleet(case, Path(tmp))
        try:
            answer = ask(case, fleet)
        finally:
            fleet.store.engine.dispose()
    return Result(case, answer, grade(case, answer))


@dataclass(frozen=True)
class Score:
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


def scores(results: Sequence[Result]) -> dict[str, Score]:
    """Passed / total per category (in CATEGORIES order, those present), and "overall"."""
    out: dict[str, Score] = {}
    for name in CATEGORIES:
        mine = [r for r in results if r.case.category == name]
        if mine:
            out[name] = Score(sum(r.passed for r in mine), len(mine))
    out["overall"] = Score(sum(r.passed for r in results), len(results))
    return out


def p95_seconds(results: Sequence[Result]) -> float:
    values = sorted(r.answer.seconds for r in results)
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]
