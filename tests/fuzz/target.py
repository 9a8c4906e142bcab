"""The API under fuzzing: in-process, mounted at /api as app.py mounts it, over a SQLite fleet.

An admin key is configured and sent with every request, so the changing endpoints (reset,
incidents, admin) are fuzzed past the credential check. Rate limits are off; the JWT secret is
known, so tokens of any claims can be signed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args
from urllib.parse import unquote, urlsplit

from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from openmanager_core.api import create_api
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings

ADMIN_KEY = "fuzz-admin-key-0123456789abcdef"
JWT_SECRET = "fuzz-jwt-secret-0123456789abcdef0123"  # known, so tests can sign tokens of any claims
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
MOUNT = "/api"


def fuzz_settings(directory: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{directory / 'fuzz.db'}", fleet_size=20, redis_url=None,
                    api_keys=[ADMIN_KEY], read_api_keys=[], secrets_files=[directory / "no-secrets.toml"],
                    rate_limit_ai="0", rate_limit_next="0", rate_limit_default="0",
                    llm_base_url=None, jwt_secret=JWT_SECRET)


def build(directory: Path) -> tuple[Starlette, Fleet]:
    """The API mounted at /api over a fresh fleet in `directory`."""
    settings = fuzz_settings(directory)
    fleet = Fleet(settings)
    api = create_api(lambda: fleet, settings)
    return Starlette(routes=[Mount(MOUNT, app=api)]), fleet


def _no_fleet() -> Fleet:
    raise RuntimeError("the OpenAPI document needs no store")


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built without a store (routes ask for the fleet per request)."""
    api = create_api(_no_fleet, Settings(redis_url=None, api_keys=[], read_api_keys=[]))
    return json.loads(json.dumps(api.openapi()))


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's include_router wrapper
        if included is not None:
            yield from _api_routes(included.routes)


def body_models() -> list[type[BaseModel]]:
    """Every pydantic model some API route takes as its body, whichever module defines it."""
    api = create_api(_no_fleet, Settings(redis_url=None, api_keys=[], read_api_keys=[]))
    found: list[type[BaseModel]] = []
    for route in _api_routes(api.routes):
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            for candidate in (annotation, *get_args(annotation)):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel) \
                        and candidate not in found:
                    found.append(candidate)
    return found


def operations() -> list[tuple[str, str]]:
    """Every (METHOD, path) the API documents, path relative to the mount."""
    return [(method.upper(), path) for path, item in openapi_document()["paths"].items()
            for method in item]


def reaches_api(url: str) -> bool:
    """Whether Starlette's Mount("/api") takes this URL: its pattern is `^/api/(.*)$` over the
    decoded path, and `.` stops at a newline, so `/api/servers/a%0Ab` goes past the API to
    whatever else the server mounts (Streamlit's pages, in app.py)."""
    return re.match(r"^/api/(.*)$", unquote(urlsplit(url).path)) is not None


def assert_clean_answer(status: int, content_type: str, content: bytes, what: str = "") -> None:
    """No 5xx; a 4xx carries `{"success": false, "error": {"code", "message"}}`; JSON where JSON is due."""
    assert status < 500, f"{what} -> {status}: {content[:500]!r}"
    if content_type.startswith("text/event-stream"):
        return
    assert content_type.startswith("application/json"), f"{status} {content_type}: {content[:200]!r}"
    body = json.loads(content)
    if status >= 400:
        assert isinstance(body, dict) and body.get("success") is False, body
        error = body.get("error")
        assert isinstance(error, dict), body
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), body
