"""Tokens signed with the right secret but claims of any JSON shape (hypothesis): a `scope` that is a
list, an object, a number or an unknown name, or a subject that is not a key id, is a 401 in the error
shape, never a 500 (issue 9, hole 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import json_values
from tests.fuzz.target import ADMIN_KEY, JWT_SECRET, MOUNT, assert_clean_answer, build

FUZZ = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
GRANTED = ("admin", "read")
# A scope as a caller could forge it: lists (of granted names too), objects, anything else.
SCOPES = st.one_of(
    st.lists(st.sampled_from(GRANTED) | json_values(2), max_size=3),
    st.dictionaries(st.sampled_from(GRANTED) | st.text(max_size=6), json_values(2), max_size=2),
    json_values(),
).filter(lambda scope: scope not in GRANTED)
GATED = [("GET", "/ai-agent/admin/stats"), ("DELETE", "/incidents")]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A non-loopback client of an API with an admin key configured (so no one is trusted unasked)."""
    app, _ = build(tmp_path_factory.mktemp("fuzz-tokens"))
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.8", 4000)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def issued(client: TestClient) -> dict[str, Any]:
    """The claims of a real token traded for the admin key: the base every forged one starts from."""
    answer = client.post(f"{MOUNT}/auth/token", json={"apiKey": ADMIN_KEY})
    assert answer.status_code == 200, answer.text
    token = answer.json()["token"]
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], options={"verify_iss": False})
    admitted = client.get(f"{MOUNT}/ai-agent/admin/stats", headers={"Authorization": f"Bearer {token}"})
    assert admitted.status_code == 200  # the untouched token is good: only the forged claims differ
    return claims


@pytest.mark.parametrize(("method", "path"), GATED, ids=lambda part: part)
@FUZZ
@given(scope=SCOPES, subject=st.none() | json_values(3))
@example(scope=["admin"], subject=None)
@example(scope=["read", "admin"], subject=None)
@example(scope={"admin": True}, subject=None)
@example(scope="admin", subject=["key"])
def test_a_token_with_a_scope_or_subject_we_never_issue_is_a_401(
        client: TestClient, issued: dict[str, Any], method: str, path: str, scope: Any, subject: Any) -> None:
    claims = {**issued, "scope": scope}
    if subject is not None:
        claims["sub"] = subject
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = client.request(method, MOUNT + path, headers={"Authorization": f"Bearer {token}"})
    assert_clean_answer(response.status_code, response.headers.get("content-type", ""), response.content)
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="openmanager", error="invalid_token"'), challenge
