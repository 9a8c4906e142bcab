"""The process-wide shared objects, built once on first use."""

from __future__ import annotations

from functools import lru_cache

from .fleet import Fleet
from .settings import get_settings


@lru_cache(maxsize=1)
def get_fleet() -> Fleet:
    """The one Fleet of this process, shared by every page session and API request."""
    return Fleet(get_settings())
