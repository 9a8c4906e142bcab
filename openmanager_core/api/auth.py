"""Credentials on the API: `Authorization: Bearer <API key or token>`, and the admin gate.

With no key configured by the operator, a local peer (security/loopback.py) may change
things and everyone else needs the generated admin key. With keys configured everyone,
loopback included, needs one: missing, wrong, expired or altered credentials get 401, a
read-only one gets 403. `open_demo` lets anyone change the demo fleet (deploy, reset,
incidents), never the admin endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Scope as AsgiScope

from ..security.keys import GRANTS, KeyRing, Scope
from ..security.loopback import is_local_peer
from ..security.tokens import TokenError, TokenService
from ..settings import Settings
from .errors import ApiError, error_body

CREDENTIAL_SCOPE_KEY = "openmanager.credential"


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
    """Who is calling: a key (by id), a token minted from one, this machine, or anyone (open demo)."""

    key_id: str
    scope: Scope
    via: Literal["api_key", "token", "loopback", "open_demo"]


class Security:
    """The key ring, token service and open-demo choice of one API instance."""

    def __init__(self, keyring: KeyRing, tokens: TokenService, *, open_demo: bool = False) -> None:
        self.keyring, self.tokens, self.open_demo = keyring, tokens, open_demo

    @classmethod
    def from_settings(cls, settings: Settings, keyring: KeyRing) -> Security:
        tokens = TokenService.from_settings(settings, keys_configured=not keyring.trusts_loopback)
        return cls(keyring, tokens, open_demo=settings.open_demo)

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
        key = self.keyring.get(claims.key_id)
        if key is None:
            raise AuthError(401, "token_key_revoked",
                            "The key this token was issued for is no longer configured.")
        # The key's scope now, not the one stamped at issue: a key demoted to read-only stops
        # administering through its old tokens. Never wider than the token's either.
        scope = claims.scope if claims.scope in GRANTS[key.scope] else key.scope
        return Principal(claims.key_id, scope, "token")


def _header(scope: AsgiScope, name: bytes) -> str | None:
    value: bytes  # an ASGI scope is untyped; its headers are (name, value) byte pairs
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
    checked: Principal | AuthError | None = scope[CREDENTIAL_SCOPE_KEY]  # stored above or by an earlier call
    return checked


def is_local(scope: AsgiScope) -> bool:
    """Whether the request comes from this machine (the rule of security/loopback.py)."""
    client = scope.get("client")
    headers = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in scope["headers"]]
    return is_local_peer(client[0] if client else None, headers)


def authorize(scope: AsgiScope, security: Security, needed: Scope = "admin", *,
              demo_change: bool = False) -> Principal:
    """The principal allowed to do what needs `needed`, or AuthError (401/403).

    `demo_change`: the request changes the demo fleet (reset, incidents), which `open_demo`
    opens to anyone.
    """
    found = credential(scope, security)
    if isinstance(found, Principal) and needed in GRANTS[found.scope]:
        return found
    if security.keyring.trusts_loopback and is_local(scope):
        return Principal("loopback", "admin", "loopback")
    if demo_change and security.open_demo:
        return Principal("open_demo", "admin", "open_demo")
    if isinstance(found, AuthError):
        raise found
    if isinstance(found, Principal):
        raise AuthError(403, "insufficient_scope", f"This endpoint needs a key with the "
                        f"{needed!r} scope; this credential has {found.scope!r}.")
    if not len(security.keyring):
        raise AuthError(403, "loopback_only", "No API key is configured on this server and none "
                        "could be generated, so this endpoint only answers the server's own machine.")
    raise AuthError(401, "missing_credential",
                    "This endpoint needs 'Authorization: Bearer <API key or token>'.")


def require_admin(request: Request) -> Principal:
    """Dependency: the caller may use the admin endpoints."""
    return authorize(request.scope, request.app.state.security, "admin")


def require_demo_change(request: Request) -> Principal:
    """Dependency: the caller may change the demo fleet (reset, inject or clear incidents)."""
    return authorize(request.scope, request.app.state.security, "admin", demo_change=True)



def install_auth_error_handler(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def _auth_error(_request: Request, exc: AuthError) -> JSONResponse:
        return exc.response()
