"""The one language table: every user-facing sentence in Korean and English."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["ko", "en"]
LANGUAGES: tuple[Lang, ...] = ("ko", "en")

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")

TEXT: dict[str, dict[Lang, str]] = {
    "deployed": {"ko": "⚡ {hostname} 서버 배포됨", "en": "⚡ {hostname} server deployed"},
    "complete": {"ko": "🎉 모든 서버 배포 완료!", "en": "🎉 All servers deployed!"},
    "reset": {"ko": "🔄 배포가 초기화되었습니다", "en": "🔄 Deployment reset"},
    "status": {"ko": "{current} / {total} 서버 배포됨", "en": "{current} / {total} servers deployed"},
    "uptime_days": {"ko": "{d}일 {h}시간", "en": "{d}d {h}h"},
    "uptime_hours": {"ko": "{h}시간 {m}분", "en": "{h}h {m}m"},
    "uptime_minutes": {"ko": "{m}분 {s}초", "en": "{m}m {s}s"},
    "status.online": {"ko": "정상", "en": "Online"},
    "status.warning": {"ko": "경고", "en": "Warning"},
    "status.critical": {"ko": "위험", "en": "Critical"},
    "status.offline": {"ko": "오프라인", "en": "Offline"},
}


def t(key: str, lang: Lang = "ko", **values: object) -> str:
    return TEXT[key][lang].format(**values)


def detect_language(text: str) -> Lang:
    """Korean when the text holds any Hangul, else English."""
    return "ko" if _HANGUL.search(text) else "en"


def from_accept_language(header: str | None) -> Lang:
    """Pick ko or en from an Accept-Language header; Korean is the default."""
    if not header:
        return "ko"
    best: tuple[float, Lang] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, primary)  # type: ignore[assignment]
    return best[1] if best else "ko"


def format_uptime(seconds: float, lang: Lang = "ko") -> str:
    """The guide's "15일 8시간" form, finer when the server is young."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return t("uptime_days", lang, d=days, h=hours)
    if hours:
        return t("uptime_hours", lang, h=hours, m=minutes)
    return t("uptime_minutes", lang, m=minutes, s=secs)
