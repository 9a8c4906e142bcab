"""Structured logs: every `openmanager.*` record as one JSON line on stdout."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

ROOT_LOGGER = "openmanager"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; `extra={"fields": {...}}` adds top-level keys.

    Formats every API request's access line, so it keeps its encoder and the text of the current
    second rather than building them per record (each cost as much as encoding the line).
    """

    _encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[int, str] = (0, "")  # one tuple, replaced whole: safe across threads

    def _timestamp(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond, as `isoformat(timespec="milliseconds")` writes it."""
        second, text = self._second
        if int(created) != second:
            second = int(created)
            text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, text)
        return f"{text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self._encode(entry)


class StdoutHandler(logging.StreamHandler[Any]):
    """Writes to whatever `sys.stdout` is at emit time, so later redirections are honoured."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        """StreamHandler assigns a stream in __init__; we always use the current stdout."""


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """Send `openmanager.*` logs to stdout as JSON lines; safe to call more than once."""
    logger = logging.getLogger(ROOT_LOGGER)
    if not any(isinstance(handler, StdoutHandler) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(level)
    return logger
