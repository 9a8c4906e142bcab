"""The event timeline: what happened to the fleet, oldest first, worded in the caller's language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ...events import Event, EventKind, summary
from ...i18n import Lang
from ...models import WireModel
from ..deps import FleetDep, LangDep

router = APIRouter(tags=["events"])


class EventOut(WireModel):
    at: str
    kind: EventKind
    server: str | None  # the server's id; None for fleet-wide events (a reset)
    hostname: str | None
    summary: str

    @classmethod
    def of(cls, event: Event, lang: Lang) -> EventOut:
        return cls(at=event.at.isoformat(), kind=event.kind, server=event.server_id, hostname=event.hostname,
                   summary=summary(event, lang))


class EventListResponse(WireModel):
    events: list[EventOut]


@router.get("/events", response_model=EventListResponse)
def list_events(fleet: FleetDep, lang: LangDep,
                since: Annotated[datetime | None, Query(description="ISO 8601; without a zone, UTC")] = None,
                server: Annotated[str | None, Query(max_length=200, description="Hostname or id")] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> EventListResponse:
    """The latest `limit` events since `since` (of one server, or all), oldest first. An unknown
    server is a 404, as on the other routes."""
    server_id = fleet.resolve(server).id if server is not None else None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    found = fleet.store.events(since, server_id, limit)
    return EventListResponse(events=[EventOut.of(event, lang) for event in found])
