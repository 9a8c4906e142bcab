"""Sequential deployment (`/servers/next`) and the live fleet (`/servers`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ...ai.findings import current_anomalies
from ...fleet import Fleet
from ...i18n import Lang, t
from ...models import (
    DeploymentState,
    FleetSummaryResponse,
    ListedServer,
    MetricHistoryResponse,
    NextServerRequest,
    NextServerResponse,
    ServerListResponse,
    ServerResponse,
    ServerState,
    Status,
    WireModel,
)
from ..auth import require_demo_change
from ..deps import FleetDep, LangDep, fleet_at_hand, get_fleet
from ..errors import ApiError

router = APIRouter(prefix="/servers", tags=["servers"])

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def json_answer(model: WireModel) -> Response:
    """The model as JSON, serialised once: returned as is, FastAPI skips its own dump, re-validation
    against `response_model` and second encoding (the hot `/servers/next` answers)."""
    return Response(model.model_dump_json(), media_type="application/json")


def _fleet(request: Request) -> Fleet:
    return get_fleet(request)


# The `/servers/next` routes are async: what needs no wait (the store unchanged since the last read,
# a replayed deploy) is answered in the event loop, which saves a hop to a worker thread and back
# (about half of such a request's cost); anything else runs in the thread pool in one hop, where
# store reads may wait and the first call opens the store.
@router.get("/next", response_model=NextServerResponse)
async def deployment_status(request: Request, lang: LangDep) -> Response:
    """Where the sequential deployment stands; deploys nothing."""
    fleet = fleet_at_hand(request)
    state = None if fleet is None else fleet.deployment_at_hand()
    if state is None:
        state = await run_in_threadpool(lambda: _fleet(request).deployment())
    message = (t("complete", lang) if state.is_complete else
               t("status", lang, current=state.current_count, total=state.total_servers))
    return json_answer(NextServerResponse(success=True, server=None, message=message, **state.model_dump()))


def _cross_site(request: Request) -> bool:
    """A browser sending for another site: it says so in Sec-Fetch-Site, older ones by their Origin."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}"


async def deploy_next(lang: LangDep, http_request: Request,
                      body: Annotated[NextServerRequest | None, Body()] = None) -> Response:
    """Deploy the next server (or position currentCount+1, idempotently); `reset` empties.

    Deploying is open; `reset` needs an admin credential or `open_demo` (see api/auth.py). The
    guide's reset example sends its JSON without a Content-Type, so a body without one is read as
    JSON, except from a browser on another site: that one could not have sent JSON without a CORS
    preflight.
    """
    if body is not None and "content-type" not in http_request.headers and _cross_site(http_request):
        raise ApiError(415, "unsupported_media_type",
                       "Content-Type: application/json is required for a cross-site request.",
                       "Content-Type")
    request = body or NextServerRequest()
    if request.reset:
        require_demo_change(http_request)
    elif request.current_count is not None and (fleet := fleet_at_hand(http_request)) is not None:
        replay = fleet.replay_at_hand(request.current_count, lang)
        if replay is not None:
            state, server = replay
            return _deployed(state, server, lang)
    return await run_in_threadpool(_deploy_next, http_request, request, lang)


def _deployed(state: DeploymentState, server: ServerState, lang: Lang) -> Response:
    return json_answer(NextServerResponse(success=True, server=server, message=t("deployed", lang,
                                          hostname=server.hostname), **state.model_dump()))


def _deploy_next(http_request: Request, request: NextServerRequest, lang: Lang) -> Response:
    fleet = _fleet(http_request)
    if request.reset:
        state = fleet.reset()
        return json_answer(NextServerResponse(success=True, server=None, message=t("reset", lang),
                                              **state.model_dump()))
    result = fleet.deploy_next(request.current_count)
    if result.server is None:
        return json_answer(NextServerResponse(success=True, server=None, message=t("complete", lang),
                                              **result.state.model_dump()))
    return _deployed(result.state, fleet.state(result.server.id, lang), lang)


# Declared here rather than by decorator: only add_api_route takes strict_content_type.
router.add_api_route("/next", deploy_next, methods=["POST"], response_model=NextServerResponse,
                     strict_content_type=False)


@router.get("", response_model=ServerListResponse | FleetSummaryResponse)
def list_servers(fleet: FleetDep, lang: LangDep,
                 status: Annotated[Status | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
                 offset: Annotated[int, Query(ge=0)] = 0,
                 summary: Annotated[bool, Query()] = False) -> ServerListResponse | FleetSummaryResponse:
    """Deployed servers in deployment order (those in `status` only, if given), `limit` of them from
    `offset`, each with the metrics now off their usual level, and the counts of the whole fleet;
    `summary=true` answers the counts alone."""
    if summary:
        now = fleet.now()
        return FleetSummaryResponse(summary=now.summary, timestamp=now.at)
    page = fleet.page(lang, offset, limit, status)
    anomalies = current_anomalies(fleet, [state.id for state in page.states])
    servers = [ListedServer(**dict(state), anomalies=list(anomalies.get(state.id, ())))
               for state in page.states]
    return ServerListResponse(servers=servers, summary=page.summary, timestamp=page.at,
                              matching=page.matching, limit=limit, offset=offset)


@router.get("/{server_id}", response_model=ServerResponse)
def get_server(server_id: str, fleet: FleetDep, lang: LangDep) -> ServerResponse:
    return ServerResponse(server=fleet.state(server_id, lang))


@router.get("/{server_id}/metrics", response_model=MetricHistoryResponse)
def server_metrics(server_id: str, fleet: FleetDep,
                   minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60)] = 60
                   ) -> MetricHistoryResponse:
    history = fleet.history(server_id, minutes)
    return MetricHistoryResponse(**history.model_dump())
