"""Admin views of the AI agent: its logs, its stats and its per-query records, all from the store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from ...ai.models import AdminStats, LogsResponse, QueryRecord
from ...store import utc
from ..auth import require_admin
from .ai_agent import AgentDep

router = APIRouter(prefix="/ai-agent/admin", tags=["admin"], dependencies=[Depends(require_admin)])


SINCE_HELP = "Only what was recorded at or after this instant (ISO 8601; UTC when it has no offset)"


def _since(since: Annotated[datetime | None, Query(description=SINCE_HELP)] = None) -> datetime | None:
    return utc(since) if since is not None else None


Since = Annotated[datetime | None, Depends(_since)]


@router.get("/logs", response_model=LogsResponse)
def logs(agent: AgentDep, since: Since, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
         level: Literal["info", "warning", "error"] | None = None) -> JSONResponse:
    """The latest log lines, newest first, optionally of one level, each with its question."""
    entries = agent.logs(limit, level, since)
    return JSONResponse(content=LogsResponse(logs=entries, count=len(entries)).model_dump(mode="json"))


@router.get("/stats", response_model=AdminStats)
def stats(agent: AgentDep, since: Since) -> JSONResponse:
    """Totals over the recorded queries: success rate, response times, fallback usage, per tier."""
    return JSONResponse(content=agent.stats(since).model_dump(mode="json"))


@router.get("/queries", response_model=list[QueryRecord])
def queries(agent: AgentDep, since: Since, limit: Annotated[int, Query(ge=1, le=10_000)] = 500
            ) -> JSONResponse:
    """The latest queries, oldest first: for charts of queries and latency over time."""
    return JSONResponse(content=[record.model_dump(mode="json")
                                 for record in agent.query_records(limit, since)])
