"""Language choice and the guide's uptime form."""

from __future__ import annotations

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
