"""Request dependencies: the shared fleet and the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ..fleet import Fleet
from ..i18n import Lang, from_accept_language


def get_fleet(request: Request) -> Fleet:
    fleet: Fleet = request.app.state.fleet_provider()  # Starlette's app.state is untyped; create_api sets it
    return fleet


def get_lang(accept_language: Annotated[str | None, Header()] = None) -> Lang:
    return from_accept_language(accept_language)


FleetDep = Annotated[Fleet, Depends(get_fleet)]
LangDep = Annotated[Lang, Depends(get_lang)]
