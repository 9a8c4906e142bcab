"""Language choice and the guide's uptime form."""

from __future__ import annotations

import pytest

from openmanager_core.i18n import detect_language, format_uptime, from_accept_language


def test_uptime_in_the_guides_form() -> None:
    assert format_uptime(15 * 86400 + 8 * 3600 + 59, "ko") == "15일 8시간"
    assert format_uptime(15 * 86400 + 8 * 3600, "en") == "15d 8h"
    assert format_uptime(3 * 3600 + 5 * 60, "ko") == "3시간 5분"
    assert format_uptime(65, "ko") == "1분 5초"
    assert format_uptime(-5, "ko") == "0분 0초"


def test_accept_language_defaults_to_korean() -> None:
    assert from_accept_language(None) == "ko"
    assert from_accept_language("en-US,en;q=0.9") == "en"
    assert from_accept_language("fr-FR, en;q=0.5, ko;q=0.8") == "ko"
    assert from_accept_language("fr") == "ko"
    assert from_accept_language("en;q=bad, ko;q=0.1") == "ko"


def test_language_of_a_question() -> None:
    assert detect_language("web-prod-01 CPU가 왜 높아?") == "ko"
    assert detect_language("why is web-prod-01 slow?") == "en"
    assert detect_language("전체 서버 상태 요약해줘") == "ko"


@pytest.mark.parametrize("question, lang", [
    ("why is db-master-01 메모리 so high?", "en"),  # one Korean word in an English sentence
    ("Please check the 캐시 server status and tell me what is wrong", "en"),
    ("Disk usage 제일 높은 서버 알려줘", "ko"),  # English terms in a Korean sentence
    ("web-prod-01 CPU 왜 높아?", "ko"),  # a hostname and an acronym tell neither language
    ("srv_002 network_in latency 어때?", "ko"),  # nor do ids, metric keys and metric names
    ("memory usage 보여줘", "ko"),  # as many of each: the predicate's language
    ("show me 디스크", "en"),
    ("web-prod-01 CPU", "en"),  # nothing telling, no Hangul
])
def test_mixed_text_follows_its_main_language(question: str, lang: str) -> None:
    assert detect_language(question) == lang
