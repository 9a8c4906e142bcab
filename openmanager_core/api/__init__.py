"""The HTTP API (FastAPI), mounted at /api inside the Streamlit server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI

from .. import __version__
from ..ai import Agent
from ..fleet import Fleet
from ..logs import configure_logging
from ..runtime import get_agent, get_fleet, get_keyring, get_limiter
from ..security.keys import load_keyring
from ..security.ratelimit import RateLimiter
from ..settings import Settings, get_settings
from ..store import StoreUnavailable
from .auth import Security, install_auth_error_handler
from .errors import install_error_handlers
from .middleware import install_middleware
from .routes import admin, ai_agent, alerts, auth, events, health, incidents, servers

log = logging.getLogger("openmanager.security")


def _agent_provider(fleet_provider: Callable[[], Fleet], settings: Settings) -> Callable[[], Agent]:
    """The process's own agent for the process's own fleet (shared with the pages); otherwise one
    agent for this API, built on first use."""
    if fleet_provider is get_fleet and settings is get_settings():
        return get_agent
    lock = threading.Lock()
    built: list[Agent] = []

    def provide() -> Agent:
        with lock:
            if not built:
                built.append(Agent(fleet_provider(), settings))
            return built[0]

    return provide


def _tier_status(agent_provider: Callable[[], Agent]) -> Callable[[], dict[str, str]]:
    def status() -> dict[str, str]:
        try:
            return dict(agent_provider().status().tiers)
        except Exception:  # the fleet itself could not be built: no tier can answer
            return {"optimized_ai_engine": "down", "pattern_matching": "down", "fallback_system": "down"}

    return status


def _count_refusal(agent_provider: Callable[[], Agent]) -> Callable[[], None]:
    """What the rate limit calls on each 429: one count in the agent's `rateLimited`, the same counter
    the AI page's refusals go to."""
    def count() -> None:
        try:
            agent = agent_provider()
        except StoreUnavailable:  # no fleet to build the agent over: the 429 still goes out
            log.warning("rate limits: a 429 went uncounted, the store is unavailable")
            return
        agent.count_rate_limited()

    return count


def create_api(fleet_provider: Callable[[], Fleet], settings: Settings | None = None,
               agent_provider: Callable[[], Agent] | None = None) -> FastAPI:
    """Build the API; `fleet_provider` is called per request and must return one shared Fleet.

    `settings` (default: the process settings) supplies keys, limits, CORS, the body cap and the
    AI agent's budgets and LLM; `agent_provider` (default: see _agent_provider) the AI agent.
    """
    settings = settings or get_settings()
    configure_logging()
    api = FastAPI(title="OpenManager API", version=__version__,
                  description="OpenManager Vibe V5 API: deployment, fleet, incidents, AI agent.")
    api.state.fleet_provider = fleet_provider
    api.state.started_monotonic = time.monotonic()
    api.state.settings = settings
    keyring = get_keyring() if settings is get_settings() else load_keyring(settings)
    api.state.security = Security.from_settings(settings, keyring)
    api.state.limiter = get_limiter() if settings is get_settings() else RateLimiter(settings.redis_url)
    api.state.agent_provider = agent_provider or _agent_provider(fleet_provider, settings)
    api.state.ai_status = _tier_status(api.state.agent_provider)  # read by routes/health.py
    install_error_handlers(api)
    install_auth_error_handler(api)
    for module in (servers, incidents, health, auth, ai_agent, admin, alerts, events):
        api.include_router(module.router)
    install_middleware(api, settings, api.state.security, api.state.limiter,
                       _count_refusal(api.state.agent_provider))
    return api
