"""Which servers, metrics and intents a Korean or English question is about."""

from __future__ import annotations

import pytest

from openmanager_core.ai.scope import canonical_name, normalise, parse
from openmanager_core.catalogue import Catalogue
from openmanager_core.models import ServerType

CATALOGUE = Catalogue(40)


def hosts(question: str) -> list[str]:
    return [s.hostname for s in parse(question, CATALOGUE, CATALOGUE.servers).servers]


def test_hostnames_and_ids_with_korean_particles() -> None:
    assert hosts("web-prod-01의 CPU가 왜 높아?") == ["web-prod-01"]
    assert hosts("srv_002랑 CACHE-REDIS-01 비교해줘") == ["db-master-01", "cache-redis-01"]
    assert hosts("k8s-worker 노드들 상태") == ["k8s-worker-01", "k8s-worker-02", "k8s-worker-01-g0002",
                                             "k8s-worker-02-g0002"]


def test_a_hostname_is_not_also_a_type_word() -> None:
    scope = parse("web-prod-01 상태", CATALOGUE)
    assert scope.types == frozenset() and not scope.fleet_wide


@pytest.mark.parametrize("question, types", [
    ("DB 서버 상태는?", {ServerType.DATABASE}),
    ("데이터베이스 메모리", {ServerType.DATABASE}),
    ("are the web servers ok?", {ServerType.WEB}),
    ("캐시랑 프록시", {ServerType.CACHE, ServerType.PROXY}),
    ("jenkins builds slow", {ServerType.CI_CD}),
])
def test_server_types(question: str, types: set[ServerType]) -> None:
    assert parse(question, CATALOGUE).types == types


@pytest.mark.parametrize("question, metrics", [
    ("CPU 사용률이 높은 서버 알려줘", {"cpu"}),
    ("씨피유 부하", {"cpu"}),
    ("메모리 부족한 서버가 있어?", {"memory"}),
    ("is RAM running out?", {"memory"}),
    ("program crashed", set()),  # "ram" inside a word is not RAM
    ("디스크 용량 부족한 곳 있어?", {"disk"}),
    ("네트워크 트래픽", {"network_in", "network_out"}),
    ("서버가 느려요", {"response_time"}),
    ("why is the site slow?", {"response_time"}),
    ("응답 시간이 길어", {"response_time"}),
])
def test_metric_words(question: str, metrics: set[str]) -> None:
    assert parse(question, CATALOGUE).metrics == metrics


@pytest.mark.parametrize("question, intent", [
    ("현재 서버 상태 요약해줘", "summary"),
    ("Give me an overview", "summary"),
    ("오프라인 서버 있어?", "offline"),
    ("which hosts are down?", "offline"),
    ("최근 1시간 동안 변화가 큰 서버는?", "change"),
    ("what changed?", "change"),
    ("디스크 언제 가득 차?", "forecast"),
    ("왜 느려?", "cause"),
    ("CPU가 가장 높은 서버", "top"),
])
def test_intents(question: str, intent: str) -> None:
    assert intent in parse(question, CATALOGUE).intents


def test_language_unknown_names_and_normalisation() -> None:
    scope = parse("  How is   WEB-PROD-99 ?", CATALOGUE)
    assert scope.language == "en" and scope.unknown_names == ("web-prod-99",) and scope.fleet_wide
    assert parse("ｗｅｂ 서버", CATALOGUE).language == "ko"
    assert normalise("ＣＰＵ  높음\n") == "cpu 높음"


@pytest.mark.parametrize("question, host", [
    ("web-prod-1 상태", "web-prod-01"),
    ("WEB_PROD_01 cpu", "web-prod-01"),
    ("db master 01 메모리", "db-master-01"),
    ("srv_2 어때?", "db-master-01"),
    ("k8s worker 02의 디스크", "k8s-worker-02"),
])
def test_a_name_spelt_another_way_is_that_server(question: str, host: str) -> None:
    scope = parse(question, CATALOGUE, CATALOGUE.servers)
    assert [s.hostname for s in scope.servers] == [host]
    assert scope.types == frozenset() and not scope.guessed and not scope.unmatched  # "db" is the name


def test_a_misspelt_name_is_guessed_only_when_one_server_is_clearly_closest() -> None:
    scope = parse("db-mster-01 status", CATALOGUE, CATALOGUE.servers)
    assert [s.hostname for s in scope.servers] == ["db-master-01"]
    assert [(typed, s.hostname) for typed, s in scope.guessed] == [("db-mster-01", "db-master-01")]
    # srv_019, srv_039 (and more) are as close to srv_999 as each other: offered, not chosen.
    unsure = parse("srv_999 상태", CATALOGUE, CATALOGUE.servers)
    assert not unsure.servers and not unsure.guessed and unsure.unknown_names == ("srv_999",)
    assert unsure.unmatched[0].by_id
    assert {"srv_019", "srv_039"} <= {s.id for s in unsure.unmatched[0].close}


def test_canonical_names() -> None:
    assert canonical_name("WEB_PROD_01") == canonical_name("web prod 1") == "web-prod-1"
    assert canonical_name("srv_002") == "srv-2"


@pytest.mark.parametrize("question", ["응답이 제일 느린 서버는?", "which server is the slowest?"])
def test_a_superlative_asks_for_the_first_by_a_metric(question: str) -> None:
    scope = parse(question, CATALOGUE)
    assert "rank" in scope.intents and scope.metrics == {"response_time"}
