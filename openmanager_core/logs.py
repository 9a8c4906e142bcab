"""Structured logs: every `openmanager.*` record as one JSON line on stdout."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

ROOT_LOGGER = "openmanager"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; `extra={"fields": {...}}` adds top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


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
