"""One JSON error shape for every failure: what is wrong, and with which field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..fleet import InvalidCount, NotDeployed, NotSimulated, UnknownServer
from ..sources import SourceUnavailable
from ..store import StoreFull, StoreUnavailable


class ApiError(Exception):
    """Raised by routes for a clean 4xx with a named field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None,
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if details:
        error["details"] = details
    return {"success": False, "error": error}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(status_code=400, content=error_body(
                "invalid_json", "Request body is not valid JSON.", "body"))
        details = [{"field": _field_name(tuple(e.get("loc", ()))), "problem": e.get("msg", "")}
                   for e in errors]
        first = details[0] if details else {"field": "body", "problem": "invalid"}
        return JSONResponse(status_code=422, content=error_body(
            "validation_error", f"{first['field']}: {first['problem']}", first["field"],
            details))

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status,
                            content=error_body(exc.code, exc.message, exc.field))

    @app.exception_handler(UnknownServer)
    async def _unknown(_request: Request, exc: UnknownServer) -> JSONResponse:
        return JSONResponse(status_code=404, content=error_body(
            "unknown_server", f"No server with id or hostname {str(exc.args[0])[:200]!r}.",
            "server"))

    @app.exception_handler(NotDeployed)
    async def _not_deployed(_request: Request, exc: NotDeployed) -> JSONResponse:
        return JSONResponse(status_code=404, content=error_body(
            "not_deployed", f"Server {exc.args[0]} has not been deployed yet.", "server"))

    @app.exception_handler(InvalidCount)
    async def _invalid_count(_request: Request, exc: InvalidCount) -> JSONResponse:
        return JSONResponse(status_code=400, content=error_body(
            "invalid_count", str(exc), "currentCount"))

    @app.exception_handler(NotSimulated)
    async def _not_simulated(_request: Request, exc: NotSimulated) -> JSONResponse:
        return JSONResponse(status_code=409, content=error_body("not_simulated", str(exc), "source"))

    @app.exception_handler(SourceUnavailable)
    async def _source_down(_request: Request, exc: SourceUnavailable) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": "5"}, content=error_body(
            "source_unavailable", str(exc)))

    @app.exception_handler(StoreFull)
    async def _store_full(_request: Request, _exc: StoreFull) -> JSONResponse:
        return JSONResponse(status_code=507, content=error_body(
            "storage_full", "The database's disk is full; nothing was written. Free space and retry."))

    @app.exception_handler(StoreUnavailable)
    async def _store_down(_request: Request, _exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": "5"}, content=error_body(
            "database_unavailable", "The database is unreachable; try again shortly."))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(status_code=exc.status_code, headers=exc.headers,
                            content=error_body(code, str(exc.detail)))
