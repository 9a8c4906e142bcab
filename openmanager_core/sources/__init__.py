"""Where metrics come from: the `MetricSource` contract and the source `OPENMANAGER_SOURCE` picks.

Only `Fleet` opens a source; pages, API, AI tiers and alerts read metrics through the fleet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..settings import Settings
from ..store import Store
from .base import Frame, MetricSource, SourceHealth, SourceUnavailable

__all__ = ["Frame", "MetricSource", "SourceHealth", "SourceUnavailable", "open_source"]


def open_source(settings: Settings, store: Store, clock: Callable[[], datetime]) -> MetricSource:
    """The source the settings name. Imported here, on demand: each source brings its own
    dependencies (psutil, an HTTP client) that the others don't need."""
    if settings.source == "prometheus":
        from .prometheus import PrometheusSource

        return PrometheusSource(settings, clock)
    if settings.source == "host":
        from .host import HostSource

        return HostSource(settings.host_sample_seconds, clock)
    from .simulated import SimulatedSource

    return SimulatedSource(settings.fleet_size, store)
