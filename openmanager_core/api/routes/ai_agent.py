"""The AI agent over HTTP: smart queries, status, the integrated actions and the live thinking stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from ...ai import Agent, AgentBusy, InvalidQuery, StreamStalled
from ...ai.models import AgentRequest, AgentStatus
from ...fleet import UnknownServer
from ...i18n import Lang, t
from ..deps import LangDep
from ..errors import ApiError, error_body

OPTIMIZED_ACTIONS = ("smart-query", "status")
INTEGRATED_ACTIONS = ("test", "smart-query", "analyze-server", "anomaly-detection")

router = APIRouter(prefix="/ai-agent", tags=["ai-agent"])


def get_agent(request: Request) -> Agent:
    agent: Agent = request.app.state.agent_provider()  # Starlette's app.state is untyped; create_api sets it
    return agent


AgentDep = Annotated[Agent, Depends(get_agent)]
# Any JSON value is accepted here and checked by hand, so that every refusal is also recorded.
RawBody = Annotated[Any, Body()]


def _json(model: Any) -> JSONResponse:
    return JSONResponse(content=model.model_dump(mode="json"))


def _busy(exc: AgentBusy) -> JSONResponse:
    """Every answer slot of the process is taken: 503, and when a slot should be free again."""
    return JSONResponse(status_code=503, content=error_body("busy", str(exc)),
                        headers={"Retry-After": str(exc.retry_after)})


def _refuse(agent: Agent, payload: Any, endpoint: str, error: ApiError) -> ApiError:
    query = payload.get("query") if isinstance(payload, dict) else payload
    agent.reject(query, error.code, error.message, endpoint)
    return error


def _parse(agent: Agent, payload: Any, endpoint: str, actions: tuple[str, ...]) -> AgentRequest:
    if not isinstance(payload, dict):
        raise _refuse(agent, payload, endpoint, ApiError(422, "validation_error",
                                                         "The body must be a JSON object.", "body"))
    try:
        body = AgentRequest.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise _refuse(agent, payload, endpoint, ApiError(422, "validation_error", f"{field}: {first['msg']}",
                                                         field)) from None
    if body.action not in actions:
        raise _refuse(agent, payload, endpoint, ApiError(
            400, "unknown_action", f"action must be one of: {', '.join(actions)}.", "action"))
    return body


def _smart_query(agent: Agent, body: AgentRequest, endpoint: str) -> JSONResponse:
    metrics = body.server_data.metrics if body.server_data is not None else None
    try:
        answer = agent.ask(body.query, server_metrics=metrics, priority=body.priority, endpoint=endpoint)
    except InvalidQuery as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from None
    return _json(answer)


@router.post("/optimized")
def optimized(agent: AgentDep, payload: RawBody = None) -> JSONResponse:
    """`smart-query` ({query, serverData.metrics?, priority?}) or `status`."""
    body = _parse(agent, payload, "optimized", OPTIMIZED_ACTIONS)
    if body.action == "status":
        return _json(agent.status())
    try:
        return _smart_query(agent, body, "optimized")
    except AgentBusy as exc:
        return _busy(exc)


@router.get("/optimized", response_model=AgentStatus)
def optimized_status(agent: AgentDep) -> JSONResponse:
    """Engine and tier availability (what the guide's troubleshooting section checks)."""
    return _json(agent.status())


@router.post("/integrated")
def integrated(agent: AgentDep, lang: LangDep, payload: RawBody = None) -> JSONResponse:
    """`test` (each tier on a probe question), `smart-query`, `analyze-server` ({server}),
    `anomaly-detection`; texts not derived from a question follow Accept-Language."""
    body = _parse(agent, payload, "integrated", INTEGRATED_ACTIONS)
    try:
        return _integrated(agent, lang, body, payload)
    except AgentBusy as exc:
        return _busy(exc)


def _integrated(agent: Agent, lang: Lang, body: AgentRequest, payload: Any) -> JSONResponse:
    if body.action == "smart-query":
        return _smart_query(agent, body, "integrated")
    if body.action == "test":
        return _json(agent.self_test(lang))
    if body.action == "anomaly-detection":
        try:
            return _json(agent.detect_anomalies(lang))
        except RuntimeError as exc:
            raise ApiError(503, "engine_unavailable", f"The analysis engine did not answer: {exc}") from None
    if body.server is None:
        raise _refuse(agent, payload, "integrated", ApiError(
            422, "validation_error", "server: analyze-server needs a server id or hostname.", "server"))
    try:
        return _json(agent.analyze_server(body.server, lang, endpoint="integrated"))
    except UnknownServer:
        agent.reject(body.server, "unknown_server", "no such server", "integrated")
        raise


@router.get("/thinking-process")
def thinking_process(agent: AgentDep, lang: LangDep, query: str | None = None,
                     priority: str = "medium") -> Response:
    """Server-Sent Events: one `data: {step, content, progress}` per stage as it finishes, the last
    `completed` with `result` (the same shape as the optimized answer). Without `query` (as the
    guide connects) it thinks through the fleet's status, in the Accept-Language."""
    if query is None:
        query = t("agent.probe", lang)
    try:
        steps = agent.stream(query, priority=priority, endpoint="thinking-process")
    except InvalidQuery as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from None
    except AgentBusy as exc:
        return _busy(exc)

    def events() -> Iterator[str]:
        # A sync generator: Starlette pulls it from a worker thread, and each next() blocks only
        # until the agent's next step lands in the queue (or its wait runs out).
        try:
            for step in steps:
                yield f"data: {step.model_dump_json(exclude_none=True)}\n\n"
        except StreamStalled as exc:  # the 200 is already sent: say why the stream ends here
            yield f"event: error\ndata: {json.dumps(error_body('stream_stalled', str(exc)))}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
