"""What a question is about: which servers, which metrics, and what kind of answer it wants."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..catalogue import Catalogue
from ..i18n import Lang, detect_language
from ..models import Server, ServerType

K = TypeVar("K")

# Hostnames, ids and words made of ASCII letters/digits; Hangul particles ("web-prod-01의") fall away.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]")
_HOST_LIKE = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9]+(?:[-_.][a-z0-9]+)+$")

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
                      "느린", "느림", "느리", "slow", "sluggish", "lag"),
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
    "top": ("높은", "높아", "많이", "많은", "부족", "가장", "최고", "high", "highest", "top", "most",
            "busiest", "low on", "full", "가득", "heavy"),
}


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
    unknown_names: tuple[str, ...] = ()

    @property
    def fleet_wide(self) -> bool:
        return not self.servers and not self.types


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


def parse(question: str, catalogue: Catalogue, known: Iterable[Server] = ()) -> Scope:
    """Find hostnames/ids, server types, metric words and intents in a Korean or English question.

    `known` (deployed servers) is searched by hostname prefix too, so "k8s-worker" names both workers.
    """
    text = normalise(question)
    servers: list[Server] = []
    unknown: list[str] = []
    remaining = text
    for token in _TOKEN.findall(text):
        server = catalogue.find(token)
        if server is None and _HOST_LIKE.match(token):
            prefixed = [s for s in known if s.hostname.startswith(token + "-") or s.hostname == token]
            if prefixed:
                servers.extend(s for s in prefixed if s not in servers)
                remaining = remaining.replace(token, " ")
                continue
            unknown.append(token)
            remaining = remaining.replace(token, " ")
            continue
        if server is not None:
            if server not in servers:
                servers.append(server)
            # "web-prod-01" must not also count as the word "web" (the web type).
            remaining = remaining.replace(token, " ")
    metric_groups = _match(remaining, METRIC_WORDS)
    types = _match(remaining, TYPE_WORDS)
    intents = _match(remaining, INTENT_WORDS)
    metrics: set[str] = set()
    for group in metric_groups:
        metrics.update(NETWORK_METRICS if group == "network" else (group,))
    return Scope(
        question=question, language=detect_language(question), normalised=text,
        servers=tuple(servers), types=frozenset(types), metrics=frozenset(metrics),
        intents=frozenset(intents), unknown_names=tuple(dict.fromkeys(unknown)),
    )
