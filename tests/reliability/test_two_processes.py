"""Two app processes sharing one PostgreSQL and one Redis, driven together.

Writes are counted from both sides: what the API acknowledged must be in the store exactly
once, and what the store holds must have been asked for. Each incident carries a distinct
`startedAt`, so its row can be matched to the request that made it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, create_engine, text

from openmanager_core.catalogue import Catalogue
from tests.reliability.apps import last_traceback, start_pair
from tests.reliability.traffic import (
    Call,
    Loop,
    Reply,
    assert_error_shape,
    incident_call,
    run_all,
)

FLEET_SIZE = 200
HOSTNAMES = [server.hostname for server in Catalogue(FLEET_SIZE).servers]


@pytest.fixture
def store(postgres_url: str) -> Iterator[Engine]:
    """A direct connection to the shared database, to check what the apps wrote."""
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def _positions(store: Engine) -> list[int]:
    with store.connect() as conn:
        return list(conn.execute(text("SELECT position FROM deployments ORDER BY position")).scalars())


def _incident_markers(store: Engine) -> Counter[datetime]:
    with store.connect() as conn:
        return Counter(conn.execute(text("SELECT started_at FROM incidents")).scalars())


def _marker_of(reply: Reply) -> datetime:
    assert reply.call.body is not None
    return datetime.fromisoformat(reply.call.body["startedAt"])


def test_concurrent_traffic_on_two_processes_loses_and_doubles_nothing(
        streamlit_app, postgres_url: str, redis_url: str, store: Engine) -> None:
    apps = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                                      "OPENMANAGER_FLEET_SIZE": str(FLEET_SIZE)})
    urls = [app.url for app in apps]
    deploys = [Call(i % 2, "POST", "/api/servers/next") for i in range(FLEET_SIZE + 20)]
    incidents = [incident_call(i % 2, i, HOSTNAMES) for i in range(80)]
    reads = [Call(i % 2, "GET", path) for i in range(40)
             for path in ("/api/servers/next", "/api/incidents")][:40]
    calls = deploys + incidents + reads
    random.Random(5).shuffle(calls)

    replies = run_all(urls, calls, workers=16)

    failed = [r for r in replies if r.status not in (200, 201)]
    assert not failed, failed[:5]
    deployed = [r.body["server"]["position"] for r in replies
                if r.call.path == "/api/servers/next" and r.call.method == "POST" and r.body["server"]]
    assert sorted(deployed) == list(range(1, FLEET_SIZE + 1)), "every position deployed exactly once"
    assert _positions(store) == list(range(1, FLEET_SIZE + 1))
    complete = [r for r in replies if r.call.method == "POST" and r.call.path == "/api/servers/next"
                and r.body["server"] is None]
    assert len(complete) == 20 and all(r.body["isComplete"] for r in complete)

    created = [r for r in replies if r.call.path == "/api/incidents" and r.call.method == "POST"]
    assert len({r.body["incident"]["id"] for r in created}) == len(incidents)
    assert _incident_markers(store) == Counter(_marker_of(r) for r in created)

    # Both processes see the same store.
    for url in urls:
        [listed] = run_all([url], [Call(0, "GET", "/api/incidents")])
        assert len(listed.body["incidents"]) == len(incidents)

    # Clearing each incident from both processes at once clears it once: one 200, one 404.
    ids = [r.body["incident"]["id"] for r in created]
    clears = run_all(urls, [Call(side, "DELETE", f"/api/incidents/{i}") for i in ids for side in (0, 1)],
                     workers=16)
    outcome = Counter((r.call.path, r.status) for r in clears)
    for incident_id in ids:
        assert outcome[(f"/api/incidents/{incident_id}", 200)] == 1
        assert outcome[(f"/api/incidents/{incident_id}", 404)] == 1
    for reply in clears:
        if reply.status == 404:
            assert_error_shape(reply)
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incidents WHERE cleared_at IS NULL")).scalar() == 0


def test_the_same_deployment_step_from_both_processes_deploys_once(
        streamlit_app, postgres_url: str, redis_url: str, store: Engine) -> None:
    apps = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url})
    calls = [Call(i % 2, "POST", "/api/servers/next", {"currentCount": count})
             for count in range(20) for i in range(4)]
    random.Random(7).shuffle(calls)
    replies = run_all([app.url for app in apps], calls, workers=16)
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200][:3]
    for reply in replies:
        assert reply.body["server"]["position"] == reply.call.body["currentCount"] + 1  # type: ignore[index]
    assert _positions(store) == list(range(1, 21))


def test_killing_one_process_mid_load_leaves_the_other_serving_and_the_data_whole(
        streamlit_app, postgres_url: str, redis_url: str, store: Engine) -> None:
    victim, survivor = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                                                  "OPENMANAGER_FLEET_SIZE": "2000"})
    killed = threading.Event()
    hostnames = [server.hostname for server in Catalogue(2000).servers]  # one incident of a type each

    def make_call(worker: int, n: int) -> Call:
        sequence = n * 8 + worker  # distinct across workers
        # Once the victim is gone its clients move to the survivor, as behind a proxy; one
        # call in ten still probes the dead one.
        side = 1 if killed.is_set() and sequence % 10 else sequence % 2
        if sequence % 3 == 0:
            return Call(side, "POST", "/api/servers/next", {"currentCount": min(sequence // 3, 1999)})
        if sequence % 3 == 1:
            return incident_call(side, sequence, hostnames)
        return Call(side, "GET", "/api/servers/next")

    with Loop([victim.url, survivor.url], make_call, threads=8, max_calls=3000, max_seconds=90) as load:
        load.wait_until(lambda rs: sum(r.status == 201 for r in rs) >= 40, 60, "incidents on both sides")
        victim.kill()
        killed_at = time.monotonic()
        killed.set()
        load.wait_until(lambda rs: sum(r.call.app == 1 and r.started > killed_at for r in rs) >= 150,
                        60, "the survivor to answer 150 more requests")
    replies = load.snapshot()

    assert victim.process.poll() is not None
    to_survivor = [r for r in replies if r.call.app == 1]
    assert all(r.status in (200, 201) for r in to_survivor), [
        r for r in to_survivor if r.status not in (200, 201)][:5]
    sent_to_the_dead = [r for r in replies if r.call.app == 0 and r.started > killed_at]
    assert sent_to_the_dead and all(r.status is None for r in sent_to_the_dead)

    # Every acknowledged incident is stored once; nothing is stored twice or unasked for.
    stored = _incident_markers(store)
    acknowledged = [_marker_of(r) for r in replies if r.status == 201]
    assert all(stored[m] == 1 for m in acknowledged)
    assert all(count == 1 for count in stored.values())
    asked = {_marker_of(r) for r in replies if r.call.path == "/api/incidents"}
    assert set(stored) <= asked
    # Deployment has no gaps and covers every acknowledged step.
    positions = _positions(store)
    assert positions == list(range(1, len(positions) + 1))
    acknowledged_positions = [r.body["server"]["position"] for r in replies
                              if r.status == 200 and r.call.method == "POST"]
    assert max(acknowledged_positions) <= len(positions)

    [after] = run_all([survivor.url], [Call(0, "GET", "/api/incidents")])
    assert after.status == 200 and len(after.body["incidents"]) == len(stored)


def test_two_cold_processes_serve_their_first_requests_at_once(
        streamlit_app, postgres_url: str, redis_url: str, store: Engine) -> None:
    """Replicas start together on an empty database and get traffic at once: the schema is
    created once, and no first request fails while both race to create it."""
    apps = start_pair(streamlit_app, {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url}, warm=False)
    calls = [Call(i % 2, "POST", "/api/servers/next", {"currentCount": i % 5}) for i in range(32)]
    replies = run_all([app.url for app in apps], calls, workers=16)
    failed = [(r.status, r.error) for r in replies if r.status != 200]
    assert not failed, (failed, *(last_traceback(app) for app in apps))
    assert _positions(store) == [1, 2, 3, 4, 5]
