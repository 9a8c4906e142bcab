"""Trade an API key for a short-lived token (`POST /auth/token`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...models import TokenRequest, TokenResponse
from ..auth import AuthError, Security

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenResponse,
             responses={401: {"description": "The API key is not valid."}})
async def issue_token(body: TokenRequest, request: Request) -> TokenResponse:
    """A JWT carrying the key's scope, valid for `expiresIn` seconds."""
    security: Security = request.app.state.security
    key = security.keyring.match(body.api_key)
    if key is None:
        raise AuthError(401, "invalid_api_key", "The API key is not valid.")
    return TokenResponse(token=security.tokens.issue(key), expires_in=security.tokens.ttl_seconds)
