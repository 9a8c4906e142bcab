"""Who may change things, over real HTTP to `streamlit run app.py` listening on every interface.

The server listens on `::` (dual stack), so a client at 127.0.0.1 arrives as `::ffff:127.0.0.1`,
as with a default `streamlit run`; a client at this machine's own network address is a real
non-loopback peer.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.conftest import StartApp
from tests.services import LiveServer, non_loopback_address

NO_KEYS = {"OPENMANAGER_API_KEYS": "", "OPENMANAGER_READ_API_KEYS": "", "OPENMANAGER_SECRETS_FILES": "",
           "OPENMANAGER_OPEN_DEMO": "false"}
INCIDENT = {"type": "host_down", "server": "web-prod-01"}
REBINDING = {"Host": "rebind.attacker.example", "Origin": "http://rebind.attacker.example"}


def start(streamlit_app: StartApp, data_dir: Path, env: Mapping[str, str] | None = None) -> LiveServer:
    return streamlit_app({**NO_KEYS, **(env or {})}, data_dir=data_dir, address="::")


def remote_url(server: LiveServer) -> str:
    return f"http://{non_loopback_address()}:{server.port}/api"


def statuses(client: httpx.Client, headers: Mapping[str, str] | None = None) -> list[int]:
    """Status of: inject an incident, clear all, reset, read the admin logs."""
    return [client.post("/incidents", json=INCIDENT, headers=headers).status_code,
            client.delete("/incidents", headers=headers).status_code,
            client.post("/servers/next", json={"reset": True}, headers=headers).status_code,
            client.get("/ai-agent/admin/logs", headers=headers).status_code]


def access_clients(output: str) -> list[str]:
    return [line["client"] for line in map(json.loads, (x for x in output.splitlines()
                                                         if x.startswith("{")))
            if line.get("logger") == "openmanager.access"]


def test_without_keys_this_machine_is_trusted_and_others_use_the_generated_key(
        streamlit_app: StartApp, tmp_path: Path) -> None:
    server = start(streamlit_app, tmp_path)
    key_file = tmp_path / "admin-key"
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    link = f"http://localhost:{server.port}/?token={key}"
    bearer = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url + "/api", timeout=30) as local, \
            httpx.Client(base_url=remote_url(server), timeout=30) as remote:
        assert statuses(local) == [201, 200, 200, 200]
        assert statuses(remote) == [401, 401, 401, 401]
        assert statuses(remote, bearer) == [201, 200, 200, 200]
        token = remote.post("/auth/token", json={"apiKey": key}).json()["token"]
        assert statuses(remote, {"Authorization": f"Bearer {token}"}) == [201, 200, 200, 200]
        # DNS rebinding: a page at rebind.attacker.example resolved to 127.0.0.1.
        assert statuses(local, REBINDING) == [401, 401, 401, 401]
        assert statuses(local, {"X-Forwarded-For": "198.51.100.7"}) == [401, 401, 401, 401]
    server.stop()
    output = server.output()
    assert output.count(link) == 1 and "made now" in output
    assert "::ffff:127.0.0.1" in access_clients(output)  # the form a default server sees
    assert f"::ffff:{non_loopback_address()}" in access_clients(output)

    again = start(streamlit_app, tmp_path)
    assert key_file.read_text().strip() == key
    with httpx.Client(base_url=remote_url(again), timeout=30) as remote:
        assert statuses(remote, bearer) == [201, 200, 200, 200]
    again.stop()
    assert again.output().count(f"http://localhost:{again.port}/?token={key}") == 1
    assert "kept from an earlier start" in again.output()


def test_operator_keys_mean_no_generated_key_and_loopback_needs_one_too(
        streamlit_app: StartApp, tmp_path: Path) -> None:
    operator_key = "operator-admin-key-0123456789"
    server = start(streamlit_app, tmp_path, {"OPENMANAGER_API_KEYS": operator_key})
    with httpx.Client(base_url=server.url + "/api", timeout=30) as local:
        assert statuses(local) == [401, 401, 401, 401]
        assert statuses(local, {"Authorization": f"Bearer {operator_key}"}) == [201, 200, 200, 200]
    server.stop()
    assert not (tmp_path / "admin-key").exists() and "?token=" not in server.output()


def test_open_demo_lets_anyone_change_the_demo_but_not_read_admin_logs(
        streamlit_app: StartApp, tmp_path: Path) -> None:
    server = start(streamlit_app, tmp_path, {"OPENMANAGER_OPEN_DEMO": "true"})
    key = (tmp_path / "admin-key").read_text().strip()
    with httpx.Client(base_url=remote_url(server), timeout=30) as remote:
        assert statuses(remote) == [201, 200, 200, 401]
        assert remote.post("/servers/next").status_code == 200
        assert remote.get("/ai-agent/admin/stats").status_code == 401
        assert remote.get("/ai-agent/admin/stats",
                          headers={"Authorization": f"Bearer {key}"}).status_code == 200
