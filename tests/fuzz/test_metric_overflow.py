"""Piled-up incidents and huge or infinite metric values (hypothesis): every metric the simulator makes
stays finite and inside its physical range, and no API answer over such a fleet is a 5xx (issue 9,
hole 6: 562 stacked CPU spikes once overflowed to infinity and broke every page)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmanager_core.catalogue import Catalogue
from openmanager_core.metrics import METRICS
from openmanager_core.models import Incident, IncidentType, Severity
from openmanager_core.simulator import Simulator, frames_to_samples
from tests.fuzz.strategies import BIG_INTS
from tests.fuzz.target import AUTH, MOUNT, assert_clean_answer, build

FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NOW = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
SERVERS = Catalogue(20).servers
DEPLOYED = [server.hostname for server in SERVERS[:5]]
# Each metric's physical range (the registry's), by its Python and its wire name.
RANGES: dict[str, tuple[float, float]] = {key: metric.physical for key, metric in METRICS.items()}
WIRE_NAMES = {"networkIn": "network_in", "networkOut": "network_out", "responseTime": "response_time",
              "activeConnections": "active_connections"}
YEAR = 365 * 24 * 3600

# Seconds from NOW: this minute, the last week, decades back, the far past and a little ahead.
OFFSETS = st.integers(-7 * 24 * 3600, 600) | st.integers(-60 * YEAR, 0) | st.sampled_from(
    [0, -1, -45, -300, -3600, -10 * YEAR, -2000 * YEAR, 3600])
# A pile: up to six groups of the same incident repeated up to 700 times, some of them cleared.
PILES = st.lists(st.tuples(st.sampled_from(list(IncidentType)), st.sampled_from(list(Severity)),
                           OFFSETS, st.none() | st.integers(1, 30 * 24 * 3600), st.integers(1, 700)),
                 min_size=1, max_size=6)


def assert_in_range(name: str, value: float) -> None:
    low, high = RANGES[name]
    assert math.isfinite(value) and low <= value <= high, f"{name} = {value}, outside [{low}, {high}]"


def pile_of(groups: list[tuple[IncidentType, Severity, int, int | None, int]],
            server_id: str, hostname: str) -> list[Incident]:
    piled: list[Incident] = []
    for kind, severity, offset, lasted, copies in groups:
        started = NOW + timedelta(seconds=offset)
        cleared = started + timedelta(seconds=lasted) if lasted is not None else None
        piled += [Incident(id=len(piled) + n + 1, type=kind, server_id=server_id, hostname=hostname,
                           severity=severity, started_at=started, created_at=started, cleared_at=cleared)
                  for n in range(copies)]
    return piled


@FUZZ
@given(server=st.sampled_from(SERVERS), groups=PILES,
       instants=st.lists(OFFSETS | st.sampled_from(BIG_INTS[4:9]), min_size=1, max_size=6))
def test_any_pile_of_incidents_keeps_every_metric_finite_and_in_range(
        server: Any, groups: list[tuple[IncidentType, Severity, int, int | None, int]],
        instants: list[int]) -> None:
    simulator = Simulator(SERVERS)
    t = np.array([NOW.timestamp() + offset for offset in instants], dtype=np.float64)
    frame = simulator.frame([server.id], t, pile_of(groups, server.id, server.hostname))
    for sample in frames_to_samples(frame, 0):  # what every page and endpoint is built from
        for name in RANGES:
            assert_in_range(name, float(getattr(sample, name)))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app, fleet = build(tmp_path_factory.mktemp("fuzz-overflow"))
    fleet.deploy_next(len(DEPLOYED) - 1)
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.9", 4000),
                    headers=AUTH) as test_client:
        yield test_client


def metrics_in(document: Any) -> Iterator[tuple[str, float]]:
    """Every (metric, value) anywhere in an answer: the `metrics` of servers and every history sample."""
    if isinstance(document, dict):
        for key, value in document.items():
            name = WIRE_NAMES.get(key, key)
            if name in RANGES and isinstance(value, int | float) and not isinstance(value, bool):
                yield name, float(value)
            else:
                yield from metrics_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from metrics_in(item)


HUGE = st.sampled_from([1e308, -1e308, 2.0**1023, 10**400, -(10**400), 2**63, float("inf")])
INJECTS = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from([kind.value for kind in IncidentType]),
    "server": st.sampled_from(DEPLOYED),
    "severity": st.sampled_from([severity.value for severity in Severity]),
}, optional={"startedAt": st.integers(-7 * 24 * 3600 - 60, 0).map(
    lambda offset: (datetime.now(UTC) + timedelta(seconds=offset)).isoformat())}), min_size=1, max_size=40)


@FUZZ
@given(injects=INJECTS, host=st.sampled_from(DEPLOYED), handed=HUGE,
       minutes=st.sampled_from([1, 60, 1440]))
def test_piling_up_incidents_through_the_api_never_gets_a_5xx_or_a_metric_out_of_range(
        client: TestClient, injects: list[dict[str, str]], host: str, handed: float, minutes: int) -> None:
    client.delete(f"{MOUNT}/incidents")  # cleared ones stay in the store, piling up as well
    for body in injects:
        response = client.post(f"{MOUNT}/incidents", json=body)
        assert_clean_answer(response.status_code, response.headers.get("content-type", ""), response.content)
    reads = [client.get(f"{MOUNT}/servers"), client.get(f"{MOUNT}/servers/{host}"),
             client.get(f"{MOUNT}/servers/{host}/metrics", params={"minutes": minutes}),
             client.get(f"{MOUNT}/servers/next"),
             client.post(f"{MOUNT}/ai-agent/integrated", json={"action": "analyze-server", "server": host}),
             client.post(f"{MOUNT}/ai-agent/optimized", content=json.dumps({  # Infinity and 10**400 as is
                 "action": "smart-query", "query": "CPU?", "serverData": {"metrics": {host: {
                     "cpu": handed, "memory": {"current": handed, "history": [handed, 1, 2]}}}},
             }).encode(), headers={"content-type": "application/json"})]
    for response in reads:
        assert_clean_answer(response.status_code, response.headers.get("content-type", ""), response.content,
                            str(response.request.url))
        if response.status_code == 200:
            for name, value in metrics_in(response.json()):
                assert_in_range(name, value)
