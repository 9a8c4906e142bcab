"""Incidents a presenter injects and clears (reading is open; changes need an admin credential
or `open_demo`)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from ...models import ClearResponse, IncidentListResponse, IncidentRequest, IncidentResponse
from ...store import IncidentExists, TooManyIncidents
from ..auth import require_demo_change
from ..deps import FleetDep
from ..errors import ApiError

router = APIRouter(prefix="/incidents", tags=["incidents"])

MAX_BACKDATE = timedelta(days=7)


@router.get("", response_model=IncidentListResponse)
def list_incidents(fleet: FleetDep) -> IncidentListResponse:
    return IncidentListResponse(incidents=fleet.incidents())


@router.post("", response_model=IncidentResponse, status_code=status.HTTP_201_CREATED,
             dependencies=[Depends(require_demo_change)],
             responses={409: {"description": "The server already has an active incident of that "
                                             "type, or the fleet has as many active as it allows."}})
def inject_incident(body: IncidentRequest, fleet: FleetDep) -> IncidentResponse:
    now = fleet.clock()
    started = body.started_at
    if started is not None:
        started = started if started.tzinfo else started.replace(tzinfo=UTC)
        if started > now + timedelta(seconds=5):
            raise ApiError(422, "invalid_started_at", "startedAt lies in the future.",
                           "startedAt")
        if now - started > MAX_BACKDATE:
            raise ApiError(422, "invalid_started_at",
                           "startedAt may lie at most 7 days in the past.", "startedAt")
    try:
        incident = fleet.inject(body.type, body.server, body.severity, started)
    except IncidentExists as exc:
        # Refused rather than merged: a second inject silently changing the first one's
        # severity or start would rewrite what every chart already showed.
        raise ApiError(409, "incident_exists", f"{exc} - clear it before injecting another.",
                       "type") from exc
    except TooManyIncidents as exc:  # no field of this request is at fault, the fleet's state is
        raise ApiError(409, "too_many_incidents", f"{exc} - clear some before injecting another.") from exc
    return IncidentResponse(incident=incident)


@router.delete("/{incident_id}", response_model=ClearResponse, dependencies=[Depends(require_demo_change)])
def clear_incident(incident_id: Annotated[int, Path(ge=1, le=2**31 - 1)], fleet: FleetDep) -> ClearResponse:
    if not fleet.clear(incident_id):
        raise ApiError(404, "unknown_incident", f"No active incident with id {incident_id}.",
                       "id")
    return ClearResponse(cleared=1)


@router.delete("", response_model=ClearResponse, dependencies=[Depends(require_demo_change)])
def clear_all(fleet: FleetDep) -> ClearResponse:
    return ClearResponse(cleared=fleet.clear())
