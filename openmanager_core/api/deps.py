"""Request dependencies: the shared fleet and the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ..fleet import Fleet
from ..i18n import Lang, from_accept_language


def get_fleet(request: Request) -> Fleet:
    """In the thread pool (a plain `def`): the first call builds the fleet, which opens the store."""
    fleet: Fleet = request.app.state.fleet_provider()  # Starlette's app.state is untyped; create_api sets it
    return fleet


def fleet_at_hand(request: Request) -> Fleet | None:
    """The fleet if getting it cannot wait, for a route answering in the event loop: the process's
    shared one once built (its provider's `peek`), or what a provider without `peek` returns (the
    tests' own fleets); None while the shared one is still to be built."""
    provider = request.app.state.fleet_provider
    peek = getattr(provider, "peek", None)
    fleet: Fleet | None = peek() if peek is not None else provider()  # app.state is untyped
    return fleet


# `async def` since it never waits: FastAPI runs a plain `def` dependency in its thread pool, a hop
# to a worker thread and back on every request.
async def get_lang(accept_language: Annotated[str | None, Header()] = None) -> Lang:
    return from_accept_language(accept_language)


FleetDep = Annotated[Fleet, Depends(get_fleet)]
LangDep = Annotated[Lang, Depends(get_lang)]
