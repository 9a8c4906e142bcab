"""The HTTP API (FastAPI), mounted at /api inside the Streamlit server."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI

from .. import __version__
from ..fleet import Fleet
from .errors import install_error_handlers
from .routes import health, incidents, servers


def create_api(fleet_provider: Callable[[], Fleet]) -> FastAPI:
    """Build the API; `fleet_provider` is called per request and must return one shared Fleet."""
    api = FastAPI(title="OpenManager API", version=__version__,
                  description="OpenManager Vibe V5 API: deployment, fleet, incidents, AI agent.")
    api.state.fleet_provider = fleet_provider
    api.state.started_monotonic = time.monotonic()
    install_error_handlers(api)
    for module in (servers, incidents, health):
        api.include_router(module.router)
    return api
