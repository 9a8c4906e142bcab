"""Health of each component: database, cache (Redis or memory), the metric source and the AI
engine's tiers.

`healthy`: everything up. `degraded` (200): the cache, the metric source (Prometheus unreachable)
or an AI tier is down, but the API still serves. `unhealthy` (503): the database is down.

The AI engine reports through `app.state.ai_status`: a callable returning each tier's
state, `"up"`, `"down"` or `"disabled"` (not configured, e.g. no LLM endpoint), such as
`lambda: get_agent().status()`. Until it is attached the AI component reads `unknown`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import lru_cache

import redis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from redis.backoff import NoBackoff
from redis.retry import Retry

from ... import __version__
from ...models import AiHealth, ComponentHealth, HealthResponse
from ..deps import FleetDep

PROBE_TIMEOUT_SECONDS = 0.5

AiStatus = Callable[[], Mapping[str, str]]

router = APIRouter(tags=["health"])


def _timed(probe: Callable[[], bool]) -> tuple[bool, float]:
    started = time.perf_counter()
    ok = probe()
    return ok, round((time.perf_counter() - started) * 1000, 2)


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                socket_timeout=PROBE_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))


def _ping_redis(url: str) -> bool:
    try:
        return bool(_redis(url).ping())
    except (redis.RedisError, OSError):
        return False


def cache_health(redis_url: str | None) -> ComponentHealth:
    if not redis_url:
        return ComponentHealth(status="up", backend="memory")
    up, latency = _timed(lambda: _ping_redis(redis_url))
    return ComponentHealth(status="up" if up else "down", backend="redis",
                           latency_ms=latency if up else None)


def ai_health(ai_status: AiStatus | None) -> AiHealth:
    if ai_status is None:
        return AiHealth(status="unknown", detail="AI engine not attached")
    tiers = dict(ai_status())
    working = [state for state in tiers.values() if state != "disabled"]
    if working and all(state == "down" for state in working):
        status = "down"
    elif "down" in working:
        status = "degraded"
    else:
        status = "up"
    return AiHealth(status=status, tiers=tiers)


@router.get("/health", response_model=HealthResponse,
            responses={503: {"model": HealthResponse}})
def health(request: Request, fleet: FleetDep) -> JSONResponse:
    reachable, latency = _timed(fleet.store.ping)
    database = ComponentHealth(status="up" if reachable else "down",
                               latency_ms=latency if reachable else None,
                               backend="sqlite" if fleet.settings.is_sqlite else "postgresql")
    cache = cache_health(request.app.state.settings.redis_url)
    ai = ai_health(request.app.state.ai_status)
    started = time.perf_counter()
    probe = fleet.source_health()
    latency = round((time.perf_counter() - started) * 1000, 2)
    source = ComponentHealth(status="up" if probe.ok else "down", latency_ms=latency if probe.ok else None,
                             backend=fleet.source.kind, detail=probe.message)
    if not reachable:
        status = "unhealthy"
    elif cache.status == "down" or ai.status in ("down", "degraded") or source.status == "down":
        status = "degraded"
    else:
        status = "healthy"
    body = HealthResponse(
        status=status,
        version=__version__,
        uptime_seconds=round(time.monotonic() - request.app.state.started_monotonic, 1),
        timestamp=fleet.clock(),
        database=database, cache=cache, ai=ai, source=source,
    )
    return JSONResponse(status_code=200 if reachable else 503,
                        content=body.model_dump(mode="json"))
