"""Credentials on the API: `Authorization: Bearer <API key or token>`, and the admin gate.

With no key configured the gated endpoints answer loopback clients only (403 otherwise:
no credential could help). With keys configured everyone, loopback included, needs one:
missing, wrong, expired or altered credentials get 401, a read-only one gets 403.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Scope as AsgiScope

from ..security.keys import GRANTS, KeyRing, Scope
from ..security.tokens import TokenError, TokenService
from ..settings import Settings
from .errors import ApiError, error_body

CREDENTIAL_SCOPE_KEY = "openmanager.credential"
FORWARDING_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-real-ip")

log = logging.getLogger("openmanager.security")


class AuthError(ApiError):
    """401 (who are you?) or 403 (not allowed), with the WWW-Authenticate challenge for 401."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        challenge = 'Bearer realm="openmanager"'
        if code != "missing_credential":
            challenge += f', error="invalid_token", error_description="{code}"'
        self.headers = {"WWW-Authenticate": challenge} if status == 401 else {}

    def response(self) -> JSONResponse:
        return JSONResponse(status_code=self.status, headers=self.headers,
                            content=error_body(self.code, self.message))


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key (by id), a token minted from one, or this machine."""

    key_id: str
    scope: Scope
    via: Literal["api_key", "token", "loopback"]


class Security:
    """The key ring and token service of one API instance."""

    def __init__(self, keyring: KeyRing, tokens: TokenService) -> None:
        self.keyring, self.tokens = keyring, tokens

    @classmethod
    def from_settings(cls, settings: Settings, keyring: KeyRing) -> Security:
        if keyring.configured:
            log.info("API credentials: %d key(s) configured; changes need a key or token",
                     len(keyring))
        else:
            log.warning("API credentials: no API key configured (OPENMANAGER_API_KEYS or "
                        "[openmanager] api_keys in secrets.toml): resetting the deployment, "
                        "incidents and admin endpoints answer loopback clients only")
        return cls(keyring, TokenService.from_settings(settings, keys_configured=keyring.configured))

    def authenticate(self, authorization: str) -> Principal:
        """The principal behind an Authorization header value, or AuthError (401)."""
        scheme, _, presented = authorization.partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            raise AuthError(401, "invalid_authorization",
                            "Authorization must be 'Bearer <API key or token>'.")
        key = self.keyring.match(presented)
        if key is not None:
            return Principal(key.key_id, key.scope, "api_key")
        if presented.count(".") != 2:
            raise AuthError(401, "invalid_api_key", "The API key is not valid.")
        try:
            claims = self.tokens.verify(presented)
        except TokenError as exc:
            raise AuthError(401, exc.code, exc.message) from None
        if self.keyring.get(claims.key_id) is None:
            raise AuthError(401, "token_key_revoked",
                            "The key this token was issued for is no longer configured.")
        return Principal(claims.key_id, claims.scope, "token")


def _header(scope: AsgiScope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def credential(scope: AsgiScope, security: Security) -> Principal | AuthError | None:
    """The request's credential, checked once per request: None when it presents none."""
    if CREDENTIAL_SCOPE_KEY not in scope:
        authorization = _header(scope, b"authorization")
        result: Principal | AuthError | None = None
        if authorization is not None:
            try:
                result = security.authenticate(authorization)
            except AuthError as exc:
                result = exc
        scope[CREDENTIAL_SCOPE_KEY] = result
    return scope[CREDENTIAL_SCOPE_KEY]


def is_local(scope: AsgiScope) -> bool:
    """A loopback peer that is not relaying someone else's request through a proxy."""
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_loopback:
        return False
    return not any(key in FORWARDING_HEADERS for key, _ in scope["headers"])


def authorize(scope: AsgiScope, security: Security, needed: Scope = "admin") -> Principal:
    """The principal allowed to do what needs `needed`, or AuthError (401/403)."""
    if not security.keyring.configured:
        if is_local(scope):
            return Principal("loopback", "admin", "loopback")
        raise AuthError(403, "loopback_only", "No API key is configured on this server, so this "
                        "endpoint only answers requests from the server's own machine.")
    found = credential(scope, security)
    if found is None:
        raise AuthError(401, "missing_credential",
                        "This endpoint needs 'Authorization: Bearer <API key or token>'.")
    if isinstance(found, AuthError):
        raise found
    if needed not in GRANTS[found.scope]:
        raise AuthError(403, "insufficient_scope", f"This endpoint needs a key with the "
                        f"{needed!r} scope; this credential has {found.scope!r}.")
    return found


def require_admin(request: Request) -> Principal:
    """Dependency: the caller may change the fleet (reset, incidents, admin endpoints)."""
    return authorize(request.scope, request.app.state.security, "admin")



def install_auth_error_handler(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def _auth_error(_request: Request, exc: AuthError) -> JSONResponse:
        return exc.response()
