"""The HTTP API (FastAPI), mounted at /api inside the Streamlit server."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI

from .. import __version__
from ..fleet import Fleet
from ..logs import configure_logging
from ..security.keys import load_keyring
from ..security.ratelimit import RateLimiter
from ..settings import Settings, get_settings
from .auth import Security, install_auth_error_handler
from .errors import install_error_handlers
from .middleware import install_middleware
from .routes import auth, health, incidents, servers


def create_api(fleet_provider: Callable[[], Fleet], settings: Settings | None = None) -> FastAPI:
    """Build the API; `fleet_provider` is called per request and must return one shared Fleet.

    `settings` (default: the process settings) supplies keys, limits, CORS and the body cap.
    """
    settings = settings or get_settings()
    configure_logging()
    api = FastAPI(title="OpenManager API", version=__version__,
                  description="OpenManager Vibe V5 API: deployment, fleet, incidents, AI agent.")
    api.state.fleet_provider = fleet_provider
    api.state.started_monotonic = time.monotonic()
    api.state.settings = settings
    api.state.security = Security.from_settings(settings, load_keyring(settings))
    api.state.limiter = RateLimiter(settings.redis_url)
    api.state.ai_status = None  # the AI engine attaches its tier status here (see routes/health.py)
    install_error_handlers(api)
    install_auth_error_handler(api)
    for module in (servers, incidents, health, auth):
        api.include_router(module.router)
    install_middleware(api, settings, api.state.security, api.state.limiter)
    return api
