"""Request dependencies: the shared fleet and the caller's language.

Both are `async def` though they never wait: FastAPI runs a plain `def` dependency in its thread
pool, one hop to a worker thread and back per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from ..fleet import Fleet
from ..i18n import Lang, from_accept_language


async def get_fleet(request: Request) -> Fleet:
    return request.app.state.fleet_provider()


async def get_lang(accept_language: Annotated[str | None, Header()] = None) -> Lang:
    return from_accept_language(accept_language)


FleetDep = Annotated[Fleet, Depends(get_fleet)]
LangDep = Annotated[Lang, Depends(get_lang)]
