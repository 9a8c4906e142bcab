"""The API mounted in a real `streamlit run app.py` (and `uvicorn app:app`) on loopback."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("runner", ["streamlit", "uvicorn"])
def test_ui_and_api_served_by_one_process(streamlit_app, runner: str) -> None:
    server = streamlit_app(runner=runner)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/").status_code == 200
        deployed = client.post("/api/servers/next").json()
        assert deployed["server"]["hostname"] == "web-prod-01"
        assert client.get("/api/servers").json()["summary"]["total"] == 1
        assert client.get("/api/health").json()["database"]["status"] == "up"
        bad = client.post("/api/servers/next", content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"


def test_deployment_survives_an_app_restart(streamlit_app, tmp_path) -> None:
    first = streamlit_app(data_dir=tmp_path)
    httpx.post(f"{first.url}/api/servers/next", json={"currentCount": 2})
    first.stop()
    second = streamlit_app(data_dir=tmp_path)
    assert httpx.get(f"{second.url}/api/servers/next").json()["currentCount"] == 3
