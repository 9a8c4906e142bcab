"""Short-lived HS256 JWTs traded for an API key: issuer, expiry and the key's scope."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jwt

from .keys import GRANTS, ApiKey, Scope

if TYPE_CHECKING:
    from ..settings import Settings

ISSUER = "openmanager"
ALGORITHM = "HS256"
LEEWAY_SECONDS = 5  # clock skew tolerated between replicas
REQUIRED_CLAIMS = ["iss", "sub", "iat", "exp", "scope"]

log = logging.getLogger("openmanager.security")


class TokenError(Exception):
    """A token that must be refused, with a machine-readable code and a reason for the caller."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class TokenClaims:
    key_id: str
    scope: Scope
    expires_at: int


class TokenService:
    """Issues and verifies tokens; `clock` (epoch seconds) stamps `iat`/`exp` on issue."""

    def __init__(self, secret: str, ttl_seconds: int, *, issuer: str = ISSUER,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret, self.ttl_seconds, self.issuer, self._clock = secret, ttl_seconds, issuer, clock

    @classmethod
    def from_settings(cls, settings: Settings, *, keys_configured: bool) -> TokenService:
        """Use `jwt_secret`, or a random per-process secret (and say what that costs)."""
        if settings.jwt_secret is not None:
            return cls(settings.jwt_secret.get_secret_value(), settings.jwt_ttl_seconds)
        if keys_configured:
            log.warning("OPENMANAGER_JWT_SECRET is not set: tokens are signed with a random "
                        "per-process secret, so they stop working when this process restarts "
                        "and other replicas refuse them (API keys keep working everywhere).")
        return cls(secrets.token_urlsafe(32), settings.jwt_ttl_seconds)

    def issue(self, key: ApiKey) -> str:
        now = int(self._clock())
        claims = {"iss": self.issuer, "sub": key.key_id, "scope": key.scope,
                  "iat": now, "exp": now + self.ttl_seconds}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """The token's claims, or TokenError saying why it is refused."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=self.issuer,
                                leeway=LEEWAY_SECONDS, options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise TokenError("token_expired",
                             "The token has expired; trade the API key for a new one.") from None
        except jwt.InvalidIssuerError:
            raise TokenError("token_wrong_issuer",
                             "The token was not issued by this OpenManager.") from None
        except jwt.InvalidSignatureError:
            raise TokenError("token_bad_signature", "The token's signature does not match "
                             "(altered, or signed with another secret).") from None
        except jwt.ImmatureSignatureError:
            raise TokenError("token_not_yet_valid", "The token is not valid yet.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError("token_invalid_claims",
                             f"The token lacks the {exc.claim!r} claim.") from None
        except jwt.InvalidAlgorithmError:
            raise TokenError("token_bad_algorithm", f"Only {ALGORITHM} tokens are accepted.") from None
        except jwt.InvalidTokenError:
            raise TokenError("token_malformed", "The token is not a well-formed JWT.") from None
        scope, key_id = claims["scope"], claims["sub"]
        # isinstance first: a list or object scope is unhashable, and must be a 401, not a 500.
        if not isinstance(scope, str) or scope not in GRANTS or not isinstance(key_id, str):
            raise TokenError("token_invalid_claims", "The token's scope or subject is not valid.")
        return TokenClaims(key_id=key_id, scope=scope, expires_at=int(claims["exp"]))
