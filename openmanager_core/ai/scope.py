"""What a question is about: which servers, which metrics, and what kind of answer it wants."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches
from itertools import pairwise
from typing import TypeVar
from weakref import WeakKeyDictionary

from ..catalogue import Catalogue
from ..i18n import Lang, detect_language
from ..models import Server, ServerType

K = TypeVar("K")

# Hostnames, ids and words made of ASCII letters/digits; Hangul particles ("web-prod-01의") fall away.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]")
_HOST_LIKE = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9]+(?:[-_.][a-z0-9]+)+$")
_NAME_PART = re.compile(r"[-_. ]+")
MAX_NAME_WORDS = 4  # "db master 01" typed with spaces: up to this many words form one hostname
SURE_LIKENESS = 0.85  # a misspelt name this close to one hostname (and clearly closer than any other)
CLEAR_MARGIN = 0.05  # ...is taken as that server; otherwise the close ones are offered
CLOSE_LIKENESS = 0.6
MAX_SUGGESTIONS = 3

# Each word list is matched against the lower-cased question. English words need word edges ("ram"
# must not fire inside "program"); Korean words are matched as substrings because particles attach.
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "cpu": ("cpu", "씨피유", "프로세서", "processor", "load average", "부하"),
    "memory": ("메모리", "memory", "mem", "ram", "램", "swap", "스왑", "oom"),
    "disk": ("디스크", "disk", "용량", "저장 공간", "저장공간", "filesystem", "파일시스템", "space",
             "inode"),
    "network": ("네트워크", "network", "트래픽", "traffic", "대역폭", "bandwidth", "패킷", "packet",
                "throughput", "처리량"),
    "response_time": ("응답 시간", "응답시간", "response time", "latency", "지연", "레이턴시", "느려",
                      "느린", "느림", "느리", "slow", "slowest", "sluggish", "lag"),
    "active_connections": ("연결", "connection", "connections", "접속", "세션", "session", "sessions"),
}
NETWORK_METRICS = ("network_in", "network_out")

TYPE_WORDS: dict[ServerType, tuple[str, ...]] = {
    ServerType.DATABASE: ("db", "database", "databases", "데이터베이스", "디비", "mysql", "디비 서버"),
    ServerType.WEB: ("web", "웹"),
    ServerType.API: ("api", "gateway", "게이트웨이"),
    ServerType.KUBERNETES: ("k8s", "kubernetes", "쿠버네티스", "클러스터", "cluster"),
    ServerType.CACHE: ("cache", "캐시", "redis", "레디스"),
    ServerType.PROXY: ("proxy", "프록시", "reverse proxy"),
    ServerType.ANALYTICS: ("analytics", "spark", "스파크"),
    ServerType.MONITORING: ("monitoring", "모니터링 서버", "elk", "grafana", "그라파나"),
    ServerType.CI_CD: ("ci", "cd", "ci/cd", "jenkins", "젠킨스"),
    ServerType.STORAGE: ("storage", "스토리지", "backup", "백업", "nfs", "파일 서버"),
    ServerType.MAIL: ("mail", "메일", "smtp"),
    ServerType.SECURITY: ("vault", "security", "보안", "시크릿"),
}

INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "summary": ("요약", "상태", "현황", "전체", "overview", "summary", "summarize", "summarise", "status",
                "health", "어때", "괜찮", "how is", "how are", "how's"),
    "offline": ("오프라인", "다운", "down", "offline", "unreachable", "응답 없", "응답없", "죽은", "꺼진",
                "접속 불가", "not responding", "dead"),
    "change": ("변화", "바뀐", "달라진", "변한", "change", "changed", "changes", "differ", "different"),
    "forecast": ("언제", "예측", "예상", "전망", "남았", "forecast", "predict", "when will", "how long",
                 "until", "eta", "가득 차", "run out"),
    "cause": ("왜", "원인", "이유", "why", "cause", "reason", "root", "무슨 문제", "문제", "problem",
              "issue", "wrong", "이상"),
    "alerts": ("알림", "알람", "경보", "울리", "alert", "alerts", "alarm", "alarms", "firing", "paging"),
    # The past, from the event timeline: incidents started and cleared, status changes, deployments.
    # "장애 났던" (that broke down) too, and the Korean double past (_DOUBLE_PAST).
    "history": ("무슨 일", "있었", "일어난", "이력", "타임라인", "히스토리", "happened", "history",
                "timeline", "going on earlier", "what went on", "났던", "was there", "were there",
                "has there been", "have there been", "went down", "was down", "were down"),
    # Since when a metric has been where it is ("디스크 언제부터 찼어?"): when it started, crossed, filled.
    "since": ("언제부터", "since when", "how long has", "how long have", "when did", "얼마나 됐",
              "얼마나 오래"),
    "top": ("높은", "높아", "많이", "많은", "부족", "가장", "제일", "최고", "high", "highest", "top", "most",
            "busiest", "slowest", "low on", "full", "가득", "heavy"),
    # A superlative: the answer is the server ranked first on the metric asked about.
    "rank": ("가장", "제일", "최고", "1위", "highest", "slowest", "busiest", "worst", "most", "top"),
}
# The Korean double past ("다운됐었어", "느렸었던": a syllable ending in ㅆ, then 었) says that
# something was so and is over: a question about the timeline.
_DOUBLE_PAST = re.compile("[" + "".join(chr(c) for c in range(0xAC00, 0xD7A4) if (c - 0xAC00) % 28 == 20)
                          + "]었")

# A symptom users see, asked about without naming a server ("users report 502 errors", "사이트가
# 느려요"): traced along the request path. The first kind whose words occur names it.
SYMPTOM_WORDS: dict[str, tuple[str, ...]] = {
    "http_error": ("bad gateway", "gateway timeout", "service unavailable", "internal server error"),
    "timeout": ("timeout", "timeouts", "timed out", "time out", "타임아웃", "시간 초과", "시간초과"),
    "login": ("login", "log in", "sign in", "로그인"),
    "slow": ("느려요", "느려졌", "느립니다", "느려", "slow", "slowness", "sluggish", "loading slowly"),
    "error": ("error", "errors", "에러", "오류", "안 돼", "안돼", "안 되", "안되", "안 열", "접속이 안",
              "can't reach", "cannot reach", "won't load", "not loading"),
}
HTTP_ERROR = re.compile(r"(?<![0-9])5(?:[0-9]{2}|xx)(?![0-9])")  # 502, 503s, 5xx
_GATEWAY_PHRASES = ("bad gateway", "gateway timeout")  # an HTTP status, not the API gateway type
_WHICH_SERVER = ("어떤 서버", "어느 서버", "which server", "which servers", "what server")  # asks a ranking


# A yes/no question puts forward a claim ("is redis down?", "web-prod-01 느린 거 DB 때문이야?"): it
# starts with an auxiliary verb in English, or ends as a yes/no question in Korean with no question word.
_YES_NO_EN = re.compile(r"^(?:is|are|was|were|does|do|did|has|have|can|could|should|will|would|isn't|aren't|"
                        r"doesn't|didn't)\b|\bor (?:somewhere|anywhere|something) else\b|\bor not\b")
_YES_NO_KO = re.compile(r"(?:아|야|이야|니|나|나요|까|까요|인가|인가요|가요|지|죠|냐|어|어요|맞아|맞나요|"
                        r"거야|건가|됐어|됐나|있어|없어|있나|있나요|없나|있니)\s*[?？]*$")
_WH_KO = ("왜", "언제", "어디", "무엇", "무슨", "뭐", "뭘", "어느", "어떤", "얼마", "몇", "누구", "어때",
          "어떻게", "어떠")
# "X 때문이야?" / "because of X": X is offered as the reason for the rest of the question.
_BECAUSE_KO = re.compile(r"(때문|탓)")
_BECAUSE_EN = re.compile(r"\b(?:because of|because|due to|caused by)\b")
# "Is the DB the reason the API is slow?" / "Is db-master-01 causing the 502s?": the reason first,
# between the question's verb and these words, and the effect after them.
_REASON_FIRST_EN = re.compile(r"^(?:is|are|was|were|could|can|might|would)\s+(.+?)\s+(?:be\s+)?"
                              r"(?:the (?:reason|cause|root cause)(?: (?:for|of|why|that))?|causing|"
                              r"behind(?= the)|to blame for|responsible for|slowing down|breaking)\s")
_FILLER = ("서버", "server", "servers", "the", "a", "쪽", "서버들")
# Cause words: what a claim says is wrong, as the metric it is about and the cause it names.
CAUSE_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "memory_leak": ("memory", ("memory leak", "leak", "leaking", "누수")),
    "disk_full": ("disk", ("disk full", "full disk", "디스크 가득", "디스크 꽉", "디스크가 꽉")),
    "network_congestion": ("response_time", ("congestion", "packet loss", "혼잡", "패킷 손실")),
}
DOWN_WORDS = ("down", "다운", "죽었", "죽은", "offline", "오프라인", "stopped", "중지", "멈췄", "not running",
              "꺼졌", "꺼진", "dead", "unreachable", "나갔")
HEALTHY_WORDS = ("ok", "okay", "fine", "healthy", "alive", "괜찮", "정상", "문제없", "문제 없", "살아있",
                 "살아 있")
# "Are the problems on X and Y related?", "같은 원인이야?": the claim is that the problems are one.
# "related to X" offers X as a reason (a claim about X), and "DB 관련 알림" means "about the DB".
RELATION_WORDS = re.compile(
    r"\b(?:related|unrelated|connected|linked|independent|separate)\b(?! to\b)|\bcoincidence\b|"
    r"\b(?:same|one|common) (?:root )?(?:cause|problem|issue)\b|"
    r"관련(?:이|은|이나|성)? ?(?:있|없)|관련된 (?:거|건|것)|연관|관계(?:가|는)? ?(?:있|없)|"
    r"(?:같은|동일한|하나의) (?:원인|문제)|원인이 (?:같|하나)|별개|독립적")

HISTORY_MINUTES = 60  # a history question that names no span asks about the last hour
MAX_HISTORY_MINUTES = 7 * 24 * 60
_SPAN = re.compile(r"(\d+)\s*(시간|hours?|hrs?|h\b|분|minutes?|mins?|일|days?)")
_ONE_SPAN = re.compile(r"\b(?:last|past|previous) (hour|day)\b|(한 시간|하루)")  # a span without a number


def asked_span(text: str) -> int | None:
    """The span a question names, in minutes: `지난 2시간` / `last 30 minutes` / `3 days` / `the last
    hour` / `하루`, at most a week; None when it names none."""
    found = _SPAN.search(text)
    if found is None:
        one = _ONE_SPAN.search(text)
        return None if one is None else 60 if one.group(1) == "hour" or one.group(2) == "한 시간" else 24 * 60
    amount, unit = int(found.group(1)), found.group(2)
    per = 1 if unit.startswith(("분", "min")) else 24 * 60 if unit.startswith(("일", "day")) else 60
    return max(1, min(MAX_HISTORY_MINUTES, amount * per))


def lookback_minutes(text: str) -> int:
    """The span a question looks back over (`asked_span`); an hour when it names none."""
    return asked_span(text) or HISTORY_MINUTES


@dataclass(frozen=True)
class Unmatched:
    """A hostname-like word that names no server, with the servers spelt closest to it (closest first);
    `by_id` when it reads like an id (`srv_999`), so they are offered by id too."""

    name: str
    close: tuple[Server, ...]
    by_id: bool = False


@dataclass(frozen=True)
class Hypothesis:
    """The claim a yes/no question puts forward: what is wrong (`metrics`, a `cause` it names, the
    server `down`, or just "a problem"; nothing at all when `healthy`), and where (`servers`, or
    servers of `types`); with `related`, that the problems there (anywhere, naming none) are one
    problem ("같은 원인이야?"). With `effect_*` the claim is offered as the reason for something else:
    in "web-prod-01 느린 거 DB 때문이야?" the databases are the claim, web-prod-01's response time
    the effect."""

    servers: tuple[Server, ...] = ()
    types: frozenset[ServerType] = frozenset()
    metrics: frozenset[str] = frozenset()
    cause: str | None = None
    down: bool = False
    healthy: bool = False
    effect_servers: tuple[Server, ...] = ()
    effect_metrics: frozenset[str] = frozenset()
    related: bool = False  # the claim is that the problems (of `servers`, else all) are one problem

    @property
    def explains(self) -> bool:
        return bool(self.effect_servers or self.effect_metrics)


@dataclass(frozen=True)
class Scope:
    """The parsed question. `servers` are named ones; none named means the whole fleet (or `types`)."""

    question: str
    language: Lang
    normalised: str
    servers: tuple[Server, ...] = ()
    types: frozenset[ServerType] = frozenset()
    metrics: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    unmatched: tuple[Unmatched, ...] = ()
    guessed: tuple[tuple[str, Server], ...] = ()  # (the name as typed, the server taken for it)
    lookback_minutes: int = HISTORY_MINUTES  # how far back a history question asks ("지난 2시간")
    span_named: bool = False  # the question names that span; else a history answer may look further
    symptom: str | None = None  # a SYMPTOM_WORDS kind, asked about with no server named
    hypothesis: Hypothesis | None = None  # the claim of a yes/no question, to be answered first

    @property
    def fleet_wide(self) -> bool:
        return not self.servers and not self.types

    @property
    def unknown_names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.unmatched)


def normalise(question: str) -> str:
    """NFKC, lower case, single spaces: the same question typed twice gives the same text."""
    text = unicodedata.normalize("NFKC", question).lower()
    return " ".join(text.split())


def _has_word(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text


def _match(text: str, table: Mapping[K, tuple[str, ...]]) -> set[K]:
    """The keys of `table` any of whose words occur in `text`."""
    return {key for key, words in table.items() if any(_has_word(text, word) for word in words)}


def canonical_name(name: str) -> str:
    """`web-prod-1`, `WEB_PROD_01` and `web prod 01` all read `web-prod-1`: parts joined by one dash,
    numbers without leading zeros."""
    parts = [part for part in _NAME_PART.split(name.lower()) if part]
    return "-".join(str(int(part)) if part.isdigit() else part for part in parts)


class _Names:
    """The catalogue's hostnames and ids, by canonical spelling and for closeness."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.by_canonical: dict[str, Server] = {}
        for server in catalogue.servers:
            self.by_canonical.setdefault(canonical_name(server.hostname), server)
            self.by_canonical.setdefault(canonical_name(server.id), server)

    def close(self, name: str) -> list[tuple[float, Server, str]]:
        """Servers whose hostname or id is spelt like `name`, closest first, each once, with how alike
        they are and the hostname or id that is alike."""
        servers = self.catalogue.servers
        keys = {**{s.hostname: s for s in servers}, **{s.id: s for s in servers}}
        found: list[tuple[float, Server, str]] = []
        for key in get_close_matches(name, keys, n=MAX_SUGGESTIONS * 2, cutoff=CLOSE_LIKENESS):
            if all(keys[key] is not server for _, server, _ in found):
                found.append((SequenceMatcher(None, name, key).ratio(), keys[key], key))
        return found[:MAX_SUGGESTIONS]


# Built once per catalogue (a fleet keeps one), not for every question.
_NAMES: WeakKeyDictionary[Catalogue, _Names] = WeakKeyDictionary()


def _names(catalogue: Catalogue) -> _Names:
    names = _NAMES.get(catalogue)
    if names is None:
        names = _NAMES[catalogue] = _Names(catalogue)
    return names


def _spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _spaced_name(text: str, spans: list[tuple[str, int, int]], i: int, names: _Names
                 ) -> tuple[Server, int] | None:
    """A hostname typed as words ("db master 01"): the server and how many words it took."""
    for length in range(min(MAX_NAME_WORDS, len(spans) - i), 1, -1):
        words = spans[i:i + length]
        if any(text[a[2]:b[1]].strip() for a, b in pairwise(words)):
            continue  # only words separated by spaces
        server = names.by_canonical.get(canonical_name(" ".join(w[0] for w in words)))
        if server is not None:
            return server, length
    return None


def parse(question: str, catalogue: Catalogue, known: Iterable[Server] = ()) -> Scope:
    """Find hostnames/ids, server types, metric words and intents in a Korean or English question.

    `known` (deployed servers) is searched by hostname prefix too, so "k8s-worker" names both workers.
    A name spelt another way ("web-prod-1", "db master 01") is the server it spells; a misspelt one is
    the server it is clearly closest to (said in the answer), else unmatched with the close names.
    """
    text = normalise(question)
    servers: list[Server] = []
    unmatched: list[Unmatched] = []
    guessed: list[tuple[str, Server]] = []
    names = _names(catalogue)
    remaining = text

    def take(server: Server, typed: str) -> None:
        nonlocal remaining
        if server not in servers:
            servers.append(server)
        # "web-prod-01" must not also count as the word "web" (the web type).
        remaining = remaining.replace(typed, " ")

    spans = _spans(text)
    i = 0
    while i < len(spans):
        token = spans[i][0]
        spaced = _spaced_name(text, spans, i, names)
        if spaced is not None:
            length = spaced[1]
            take(spaced[0], text[spans[i][1]:spans[i + length - 1][2]])
            i += length
            continue
        i += 1
        server = catalogue.find(token)
        if server is not None:
            take(server, token)
            continue
        if not _HOST_LIKE.match(token):
            continue
        server = names.by_canonical.get(canonical_name(token))
        if server is not None:
            take(server, token)
            continue
        prefixed = [s for s in known if s.hostname.startswith(token + "-") or s.hostname == token]
        if prefixed:
            for match in prefixed:
                take(match, token)
            continue
        close = names.close(token)
        if close and close[0][0] >= SURE_LIKENESS and (
                len(close) == 1 or close[1][0] <= close[0][0] - CLEAR_MARGIN):
            guessed.append((token, close[0][1]))
            take(close[0][1], token)
            continue
        if all(u.name != token for u in unmatched):
            unmatched.append(Unmatched(token, tuple(server for _, server, _ in close),
                                       by_id=bool(close) and close[0][2] == close[0][1].id))
        remaining = remaining.replace(token, " ")
    symptom = _symptom(remaining)
    if symptom is not None:
        for phrase in _GATEWAY_PHRASES:
            remaining = remaining.replace(phrase, " ")
    metric_groups = _match(remaining, METRIC_WORDS)
    types = _match(remaining, TYPE_WORDS)
    intents = _match(remaining, INTENT_WORDS)
    if _DOUBLE_PAST.search(remaining):
        intents.add("history")
    # "Which server is slowest?" ranks servers; "the site is slow" is a symptom of the whole path.
    if (symptom is not None and not servers and not unmatched and not types
            and not {"rank", "top"} & intents and not any(_has_word(remaining, w) for w in _WHICH_SERVER)):
        intents.add("symptom")
    else:
        symptom = None
    metrics = _metrics(metric_groups)
    if "since" in intents:
        intents.discard("forecast")  # "언제부터" asks when it began, not when it will get there
    hypothesis = _hypothesis(text, remaining, tuple(servers), frozenset(types), frozenset(metrics),
                             catalogue, known)
    if hypothesis is not None:
        intents.add("hypothesis")
    return Scope(
        question=question, language=detect_language(question), normalised=text,
        servers=tuple(servers), types=frozenset(types), metrics=frozenset(metrics),
        intents=frozenset(intents), unmatched=tuple(unmatched), guessed=tuple(guessed),
        lookback_minutes=lookback_minutes(remaining), span_named=asked_span(remaining) is not None,
        symptom=symptom, hypothesis=hypothesis,
    )


def _symptom(text: str) -> str | None:
    if HTTP_ERROR.search(text):
        return "http_error"
    return next((kind for kind, words in SYMPTOM_WORDS.items() if any(_has_word(text, w) for w in words)),
                None)


def _metrics(groups: Iterable[str]) -> set[str]:
    metrics: set[str] = set()
    for group in groups:
        metrics.update(NETWORK_METRICS if group == "network" else (group,))
    return metrics


def is_yes_no(text: str) -> bool:
    """A question answered by yes or no: "is redis down?", "db-master-01 CPU 문제 있어?"."""
    if _YES_NO_EN.search(text):
        return True
    return bool(_YES_NO_KO.search(text)) and not any(word in text for word in _WH_KO)


def _reason_segment(text: str) -> str | None:
    """The words a "because" puts forward as the reason: the names just before "때문"/"탓", what
    follows "because of"/"due to", or what comes before "the reason"/"causing"; None when the
    question gives no reason."""
    korean = _BECAUSE_KO.search(text)
    if korean is not None:
        words = text[:korean.start()].split()
        taken: list[str] = []
        for word in reversed(words):
            names = bool(_TOKEN.fullmatch(word)) or bool(_match(word, TYPE_WORDS)) or bool(
                _match(word, METRIC_WORDS))
            if word not in _FILLER and not names:
                break
            taken.insert(0, word)
        return " ".join(taken) or None
    english = _BECAUSE_EN.search(text)
    if english is not None:
        return text[english.end():].strip(" ?？.") or None
    first = _REASON_FIRST_EN.search(text)
    return None if first is None else first.group(1)


def _hypothesis(text: str, remaining: str, servers: tuple[Server, ...], types: frozenset[ServerType],
                metrics: frozenset[str], catalogue: Catalogue, known: Iterable[Server]) -> Hypothesis | None:
    """The claim of a yes/no question that names where (a server or a server type; the whole fleet for
    "is everything healthy?") or asks whether problems are related, else None."""
    if not is_yes_no(text):
        return None
    causes = [kind for kind, (_, words) in CAUSE_WORDS.items() if any(_has_word(remaining, w) for w in words)]
    down = any(_has_word(remaining, word) for word in DOWN_WORDS)
    healthy = any(_has_word(remaining, word) for word in HEALTHY_WORDS)
    segment = _reason_segment(text)
    if segment is not None:
        reason = parse(segment, catalogue, known)
        if not reason.servers and not reason.types:
            return None
        reason_causes = [kind for kind, (_, words) in CAUSE_WORDS.items()
                         if any(_has_word(segment, w) for w in words)]
        claimed = set(reason.metrics) | {CAUSE_WORDS[kind][0] for kind in reason_causes}
        return Hypothesis(
            servers=reason.servers, types=reason.types, metrics=frozenset(claimed),
            cause=reason_causes[0] if reason_causes else None,
            effect_servers=tuple(s for s in servers if s not in reason.servers),
            effect_metrics=frozenset(metrics - reason.metrics))
    if RELATION_WORDS.search(remaining) and len(servers) != 1:  # a relation is between several
        return Hypothesis(servers=servers, types=types, related=True)
    if not servers and not types:
        # "Is everything healthy?": a claim about the whole fleet; any other claim needs a where.
        return Hypothesis(metrics=metrics, healthy=True) if healthy and not down and not causes else None
    return Hypothesis(servers=servers, types=types,
                      metrics=frozenset(metrics | {CAUSE_WORDS[kind][0] for kind in causes}),
                      cause=causes[0] if causes else None, down=down, healthy=healthy and not down)
