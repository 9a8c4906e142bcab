"""The metric registry is the one list: every other list of metrics is derived from it."""

from __future__ import annotations

import numpy as np

from openmanager_core import thresholds
from openmanager_core.catalogue import Catalogue
from openmanager_core.i18n import TEXT
from openmanager_core.metrics import METRIC_KEYS, METRICS, panels
from openmanager_core.models import ServerType
from openmanager_core.simulator import Simulator


def test_every_metric_has_a_korean_and_an_english_label() -> None:
    for key, metric in METRICS.items():
        assert set(TEXT[f"metric.{key}"]) == {"ko", "en"}
        assert metric.label("ko") == TEXT[f"metric.{key}"]["ko"]
        assert metric.label("en") == TEXT[f"metric.{key}"]["en"]


def test_the_chart_panels_draw_every_metric_once_in_registry_order() -> None:
    drawn = [key for panel in panels() for key in panel]
    assert drawn == list(METRIC_KEYS)


def test_default_thresholds_are_the_registry_s() -> None:
    for key, metric in METRICS.items():
        expected = None if metric.warning is None else (metric.warning, metric.critical)
        assert thresholds.limits(key, ServerType.WEB) == expected


def test_the_simulator_computes_every_registered_metric_inside_its_physical_range() -> None:
    servers = Catalogue(20).servers
    frame = Simulator(servers).frame([s.id for s in servers], np.arange(0.0, 86400.0, 600.0))
    assert set(METRIC_KEYS) <= set(frame.values)
    for key, metric in METRICS.items():
        low, high = metric.physical
        assert ((frame.values[key] >= low) & (frame.values[key] <= high)).all(), key
