"""Credentials on the API: who may reset, inject, clear and use admin endpoints."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from openmanager_core.security.keys import KeyRing
from openmanager_core.security.tokens import TokenService
from tests.api.conftest import LOOPBACK, MakeClient

ADMIN_KEY = "admin-key-0123456789abcdef"
READ_KEY = "read-key-0123456789abcdef"
OTHER_KEY = "other-admin-key-0123456789"
SECRET = "a-test-signing-secret-of-forty-characters!"
INCIDENT = {"type": "cpu_spike", "server": "web-prod-01"}


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def changes(client: TestClient, headers: dict[str, str] | None = None) -> list[int]:
    """Status of: reset, inject an incident, clear one, clear all."""
    client.post("/servers/next")
    reset = client.post("/servers/next", json={"reset": True}, headers=headers)
    injected = client.post("/incidents", json=INCIDENT, headers=headers)
    incident_id = injected.json()["incident"]["id"] if injected.status_code == 201 else 1
    return [reset.status_code, injected.status_code,
            client.delete(f"/incidents/{incident_id}", headers=headers).status_code,
            client.delete("/incidents", headers=headers).status_code]


def error_of(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["success"] is False and body["error"]["message"]
    return response.status_code, body["error"]["code"]


@pytest.fixture
def keyed(make_client: MakeClient) -> TestClient:
    return make_client(api_keys=f"{ADMIN_KEY},{OTHER_KEY}", read_api_keys=READ_KEY,
                       jwt_secret=SECRET, jwt_ttl_seconds=600)


def token_for(client: TestClient, key: str) -> str:
    response = client.post("/auth/token", json={"apiKey": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expiresIn"] == 600
    return body["token"]


# -- no key configured: this machine, or the generated admin key ----------------------


def generated_key(client: TestClient) -> str:
    generated = client.app.state.security.keyring.generated  # type: ignore[attr-defined]
    assert generated is not None
    return str(generated.key.get_secret_value())


def test_no_key_remote_clients_may_read_and_deploy_but_not_change(make_client: MakeClient) -> None:
    client = make_client()
    assert client.post("/servers/next").status_code == 200
    assert client.get("/servers").status_code == 200
    assert client.get("/incidents").status_code == 200
    assert client.get("/servers/next").status_code == 200
    response = client.post("/servers/next", json={"reset": True}, headers=bearer(ADMIN_KEY))
    assert error_of(response) == (401, "invalid_api_key")
    assert changes(client) == [401, 401, 401, 401]
    assert client.get("/servers/next").json()["currentCount"] == 2


def test_no_key_the_generated_key_works_from_anywhere(make_client: MakeClient) -> None:
    client = make_client(jwt_ttl_seconds=600)
    key = generated_key(client)
    assert changes(client, bearer(key)) == [200, 201, 200, 200]
    assert changes(client, bearer(token_for(client, key))) == [200, 201, 200, 200]


@pytest.mark.parametrize("peer", [LOOPBACK, ("127.8.9.10", 1), ("::1", 1), ("::ffff:127.0.0.1", 1)])
def test_no_key_loopback_may_change(make_client: MakeClient, peer: tuple[str, int]) -> None:
    client = make_client(client=peer)
    assert changes(client) == [200, 201, 200, 200]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_no_key_loopback_relaying_for_a_proxy_is_not_local(make_client: MakeClient,
                                                           header: str) -> None:
    client = make_client(client=LOOPBACK)
    response = client.post("/incidents", json=INCIDENT, headers={header: "198.51.100.7"})
    assert error_of(response) == (401, "missing_credential")


@pytest.mark.parametrize("headers", [
    {"Host": "rebind.attacker.example:8501", "Origin": "http://rebind.attacker.example:8501"},
    {"Host": "rebind.attacker.example"},
    {"Host": "127.0.0.1:8501", "Origin": "http://rebind.attacker.example:8501"},
    {"Host": "127.0.0.1:8501", "Origin": "null"},
])
def test_no_key_dns_rebinding_is_not_local(make_client: MakeClient, headers: dict[str, str]) -> None:
    client = with_admin_route(make_client(client=LOOPBACK))
    assert changes(client, headers) == [401, 401, 401, 401]
    assert error_of(client.get("/ai-agent/admin/probe", headers=headers)) == (401, "missing_credential")
    for host in ("localhost:8501", "127.0.0.1", "[::1]:8501"):
        assert client.get("/ai-agent/admin/probe", headers={"Host": host}).status_code == 200


def test_no_key_and_no_writable_data_folder_leaves_loopback_only(make_client: MakeClient,
                                                                 tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    remote = make_client(data_dir=blocked)
    assert remote.app.state.security.keyring.generated is None  # type: ignore[attr-defined]
    assert error_of(remote.post("/incidents", json=INCIDENT)) == (403, "loopback_only")
    assert changes(make_client(client=LOOPBACK, data_dir=blocked)) == [200, 201, 200, 200]


def test_no_key_no_token(make_client: MakeClient) -> None:
    response = make_client(client=LOOPBACK).post("/auth/token", json={"apiKey": ADMIN_KEY})
    assert error_of(response) == (401, "invalid_api_key")


# -- open demo: anyone changes the demo fleet, nobody new reads the admin endpoints -------


def test_open_demo_lets_anyone_change_the_demo_but_not_use_admin_endpoints(
        make_client: MakeClient) -> None:
    client = with_admin_route(make_client(open_demo=True))
    assert changes(client) == [200, 201, 200, 200]
    assert error_of(client.get("/ai-agent/admin/probe")) == (401, "missing_credential")
    assert client.get("/ai-agent/admin/probe", headers=bearer(generated_key(client))).status_code == 200
    keyed = with_admin_route(make_client(open_demo=True, api_keys=ADMIN_KEY))
    assert changes(keyed) == [200, 201, 200, 200]
    assert error_of(keyed.get("/ai-agent/admin/probe")) == (401, "missing_credential")


# -- keys configured ---------------------------------------------------------------------


def test_key_then_token_then_admin_call(keyed: TestClient) -> None:
    token = token_for(keyed, ADMIN_KEY)
    assert changes(keyed, bearer(token)) == [200, 201, 200, 200]
    assert changes(keyed, bearer(ADMIN_KEY)) == [200, 201, 200, 200]
    assert keyed.get("/incidents").json()["incidents"] == []


def test_keys_bind_loopback_too(make_client: MakeClient) -> None:
    client = make_client(client=LOOPBACK, api_keys=ADMIN_KEY)
    response = client.post("/incidents", json=INCIDENT)
    assert error_of(response) == (401, "missing_credential")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="openmanager"'
    assert changes(client) == [401, 401, 401, 401]


@pytest.mark.parametrize("authorization, code", [
    (f"Basic {ADMIN_KEY}", "invalid_authorization"),
    ("Bearer", "invalid_authorization"),
    (f"Bearer {ADMIN_KEY}x", "invalid_api_key"),
    ("Bearer not.a.jwt", "token_malformed"),
])
def test_bad_authorization(keyed: TestClient, authorization: str, code: str) -> None:
    response = keyed.post("/incidents", json=INCIDENT, headers={"Authorization": authorization})
    assert error_of(response) == (401, code)
    assert f'error_description="{code}"' in response.headers["WWW-Authenticate"]


def test_wrong_key_gets_no_token(keyed: TestClient) -> None:
    assert error_of(keyed.post("/auth/token", json={"apiKey": "wrong-key-0123456789abc"})) == (
        401, "invalid_api_key")


@pytest.mark.parametrize("body", [{}, {"apiKey": ""}, {"apiKey": "k" * 513},
                                  {"apiKey": ADMIN_KEY, "scope": "admin"}])
def test_token_request_is_validated(keyed: TestClient, body: dict[str, str]) -> None:
    assert error_of(keyed.post("/auth/token", json=body))[0] == 422


def test_expired_tampered_and_foreign_tokens(keyed: TestClient) -> None:
    key = KeyRing([(ADMIN_KEY, "admin")]).match(ADMIN_KEY)
    assert key is not None
    expired = TokenService(SECRET, 600, clock=lambda: time.time() - 3600).issue(key)
    foreign_issuer = TokenService(SECRET, 600, issuer="elsewhere").issue(key)
    foreign_secret = TokenService("another-secret-that-is-forty-characters!!", 600).issue(key)
    header, payload, signature = token_for(keyed, READ_KEY).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{forged}.{signature}"
    for token, code in [(expired, "token_expired"), (foreign_issuer, "token_wrong_issuer"),
                        (foreign_secret, "token_bad_signature"), (tampered, "token_bad_signature")]:
        response = keyed.post("/servers/next", json={"reset": True}, headers=bearer(token))
        assert error_of(response) == (401, code), code
    assert keyed.get("/servers/next").json()["currentCount"] == 0


def test_read_key_reads_but_may_not_change(keyed: TestClient) -> None:
    for credential in (READ_KEY, token_for(keyed, READ_KEY)):
        assert keyed.get("/incidents", headers=bearer(credential)).status_code == 200
        response = keyed.post("/incidents", json=INCIDENT, headers=bearer(credential))
        assert error_of(response) == (403, "insufficient_scope")
        assert changes(keyed, bearer(credential)) == [403, 403, 403, 403]


def test_tokens_work_on_a_replica_sharing_the_secret_until_their_key_is_removed(
        keyed: TestClient, make_client: MakeClient) -> None:
    replica = make_client(api_keys=ADMIN_KEY, jwt_secret=SECRET)
    assert changes(replica, bearer(token_for(keyed, ADMIN_KEY))) == [200, 201, 200, 200]
    response = replica.post("/incidents", json=INCIDENT, headers=bearer(token_for(keyed, OTHER_KEY)))
    assert error_of(response) == (401, "token_key_revoked")


def test_a_token_follows_its_key_demoted_to_read_only(keyed: TestClient,
                                                      make_client: MakeClient) -> None:
    token = token_for(keyed, ADMIN_KEY)
    demoted = with_admin_route(make_client(read_api_keys=ADMIN_KEY, jwt_secret=SECRET))
    assert demoted.get("/incidents", headers=bearer(token)).status_code == 200
    assert changes(demoted, bearer(token)) == [403, 403, 403, 403]
    assert error_of(demoted.get("/ai-agent/admin/probe", headers=bearer(token))) == (
        403, "insufficient_scope")


def test_a_token_never_grants_more_than_it_was_issued_with(keyed: TestClient,
                                                           make_client: MakeClient) -> None:
    promoted = make_client(api_keys=READ_KEY, jwt_secret=SECRET)
    assert changes(promoted, bearer(token_for(keyed, READ_KEY))) == [403, 403, 403, 403]


@pytest.mark.parametrize("scope", [["admin"], {"admin": True}, 1, None])
def test_a_token_whose_scope_is_not_a_name_is_refused(keyed: TestClient, scope: object) -> None:
    key = keyed.app.state.security.keyring.match(ADMIN_KEY)  # type: ignore[attr-defined]
    now = int(time.time())
    token = jwt.encode({"iss": "openmanager", "sub": key.key_id, "scope": scope, "iat": now,
                        "exp": now + 60}, SECRET, algorithm="HS256")
    response = keyed.post("/incidents", json=INCIDENT, headers=bearer(token))
    assert error_of(response) == (401, "token_invalid_claims")


# -- the admin endpoints, gated by path whichever router serves them ---------------------


def with_admin_route(client: TestClient) -> TestClient:
    router = APIRouter(prefix="/ai-agent/admin")
    router.add_api_route("/probe", lambda: {"ok": True})
    client.app.include_router(router)  # type: ignore[attr-defined]
    return client


def test_admin_paths_need_an_admin_credential(keyed: TestClient) -> None:
    client = with_admin_route(keyed)
    assert error_of(client.get("/ai-agent/admin/probe")) == (401, "missing_credential")
    assert error_of(client.get("/ai-agent/admin/nothing-here")) == (401, "missing_credential")
    assert error_of(client.get("/ai-agent/admin/probe", headers=bearer(READ_KEY))) == (
        403, "insufficient_scope")
    assert client.get("/ai-agent/admin/probe", headers=bearer(ADMIN_KEY)).json() == {"ok": True}
    token = token_for(client, ADMIN_KEY)
    assert client.get("/ai-agent/admin/probe", headers=bearer(token)).status_code == 200
    assert client.get("/ai-agent/administrator").status_code == 404


def test_admin_paths_without_keys_need_loopback_or_the_generated_key(make_client: MakeClient) -> None:
    remote = with_admin_route(make_client())
    assert error_of(remote.get("/ai-agent/admin/probe")) == (401, "missing_credential")
    assert remote.get("/ai-agent/admin/probe", headers=bearer(generated_key(remote))).json() == {
        "ok": True}
    local = with_admin_route(make_client(client=LOOPBACK))
    assert local.get("/ai-agent/admin/probe").json() == {"ok": True}
