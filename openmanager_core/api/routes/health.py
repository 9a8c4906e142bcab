"""Liveness and readiness: is the database reachable, which version, how long up."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ... import __version__
from ...models import ComponentHealth, HealthResponse
from ..deps import FleetDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse,
            responses={503: {"model": HealthResponse}})
def health(request: Request, fleet: FleetDep) -> JSONResponse:
    started = time.perf_counter()
    reachable = fleet.store.ping()
    latency = round((time.perf_counter() - started) * 1000, 2)
    body = HealthResponse(
        status="healthy" if reachable else "unhealthy",
        version=__version__,
        uptime_seconds=round(time.monotonic() - request.app.state.started_monotonic, 1),
        timestamp=fleet.clock(),
        database=ComponentHealth(status="up" if reachable else "down",
                                 latency_ms=latency if reachable else None),
    )
    return JSONResponse(status_code=200 if reachable else 503,
                        content=body.model_dump(mode="json"))
