"""The process-wide shared objects, built once on first use."""

from __future__ import annotations

from functools import lru_cache

from .ai import Agent
from .fleet import Fleet
from .settings import get_settings


@lru_cache(maxsize=1)
def get_fleet() -> Fleet:
    """The one Fleet of this process, shared by every page session and API request."""
    return Fleet(get_settings())


@lru_cache(maxsize=1)
def get_agent() -> Agent:
    """The one AI agent of this process, over `get_fleet()`; the API and every page share it."""
    return Agent(get_fleet(), get_settings())
