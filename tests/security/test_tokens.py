"""Tokens: round trip, and every way a token is refused carries its own reason."""

from __future__ import annotations

import base64
import json
import logging
import time

import jwt
import pytest

from openmanager_core.security.keys import KeyRing
from openmanager_core.security.tokens import TokenError, TokenService
from openmanager_core.settings import Settings

SECRET = "a-test-signing-secret-of-forty-characters!"
KEY = KeyRing([("admin-key-0123456789abcdef", "admin")]).match("admin-key-0123456789abcdef")
assert KEY is not None


def refusal(service: TokenService, token: str) -> str:
    with pytest.raises(TokenError) as caught:
        service.verify(token)
    return caught.value.code


def test_round_trip_carries_key_id_scope_and_expiry() -> None:
    service = TokenService(SECRET, 600)
    before = int(time.time())
    claims = service.verify(service.issue(KEY))
    assert (claims.key_id, claims.scope) == (KEY.key_id, "admin")
    assert before + 600 <= claims.expires_at <= int(time.time()) + 600


def test_expired_token() -> None:
    issued_an_hour_ago = TokenService(SECRET, 600, clock=lambda: time.time() - 3600)
    assert refusal(TokenService(SECRET, 600), issued_an_hour_ago.issue(KEY)) == "token_expired"


def test_token_from_the_future() -> None:
    from_tomorrow = TokenService(SECRET, 600, clock=lambda: time.time() + 86_400)
    assert refusal(TokenService(SECRET, 600), from_tomorrow.issue(KEY)) == "token_not_yet_valid"


def test_wrong_issuer() -> None:
    other = TokenService(SECRET, 600, issuer="someone-else")
    assert refusal(TokenService(SECRET, 600), other.issue(KEY)) == "token_wrong_issuer"


def test_other_secret() -> None:
    other = TokenService("another-secret-that-is-forty-characters!!", 600)
    assert refusal(TokenService(SECRET, 600), other.issue(KEY)) == "token_bad_signature"


def test_tampered_payload() -> None:
    service = TokenService(SECRET, 600)
    read_only = KeyRing([("read-key-0123456789abcdef", "read")]).match("read-key-0123456789abcdef")
    assert read_only is not None
    header, payload, signature = service.issue(read_only).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refusal(service, f"{header}.{forged}.{signature}") == "token_bad_signature"


def test_unsigned_and_other_algorithms() -> None:
    service = TokenService(SECRET, 600)
    now = int(time.time())
    claims = {"iss": "openmanager", "sub": KEY.key_id, "scope": "admin", "iat": now,
              "exp": now + 600}
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert refusal(service, unsigned) == "token_bad_algorithm"
    hs512 = jwt.encode(claims, SECRET * 2, algorithm="HS512")
    assert refusal(service, hs512) == "token_bad_algorithm"


def test_missing_claims_and_bad_scope() -> None:
    service = TokenService(SECRET, 600)
    now = int(time.time())
    no_scope = jwt.encode({"iss": "openmanager", "sub": KEY.key_id, "iat": now, "exp": now + 60},
                          SECRET, algorithm="HS256")
    assert refusal(service, no_scope) == "token_invalid_claims"
    root = jwt.encode({"iss": "openmanager", "sub": KEY.key_id, "scope": "root", "iat": now,
                       "exp": now + 60}, SECRET, algorithm="HS256")
    assert refusal(service, root) == "token_invalid_claims"
    for scope in (["admin"], {"admin": 1}):
        listed = jwt.encode({"iss": "openmanager", "sub": KEY.key_id, "scope": scope, "iat": now,
                             "exp": now + 60}, SECRET, algorithm="HS256")
        assert refusal(service, listed) == "token_invalid_claims"


def test_garbage() -> None:
    assert refusal(TokenService(SECRET, 600), "not.a.jwt") == "token_malformed"


def test_secret_from_settings_survives_a_new_service() -> None:
    settings = Settings(jwt_secret=SECRET, jwt_ttl_seconds=120)
    token = TokenService.from_settings(settings, keys_configured=True).issue(KEY)
    assert TokenService.from_settings(settings, keys_configured=True).verify(token).key_id == KEY.key_id


def test_without_a_secret_each_process_has_its_own_and_says_so(
        caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(jwt_secret=None)
    with caplog.at_level(logging.WARNING, logger="openmanager.security"):
        first = TokenService.from_settings(settings, keys_configured=True)
        second = TokenService.from_settings(settings, keys_configured=True)
    assert refusal(second, first.issue(KEY)) == "token_bad_signature"
    assert "random per-process secret" in caplog.text
