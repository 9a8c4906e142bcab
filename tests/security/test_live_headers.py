"""Framing and redirects of the real `streamlit run app.py`: pages and API alike refuse to be framed,
and no redirect names the Host a client sent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import shared_app
from tests.services import LiveServer

NO_FRAMING = {"x-frame-options": "DENY", "content-security-policy": "frame-ancestors 'none'"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One default `streamlit run app.py` for the module: both tests only read pages and headers."""
    with shared_app(tmp_path_factory.mktemp("live-headers")) as server:
        yield server


def test_pages_and_api_refuse_to_be_framed(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for path in ("/", "/fleet", "/incidents", "/api/servers"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert {k: response.headers.get(k) for k in NO_FRAMING} == NO_FRAMING, path


def test_trailing_slash_redirects_never_name_the_host_sent(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for path, relative in [("/api/servers/", "/api/servers"),
                               ("/api/health/?probe=1", "/api/health?probe=1"), ("/fleet/", "/fleet")]:
            response = client.get(path, headers={"Host": "evil.example"})
            assert 300 <= response.status_code < 400, path
            assert response.headers["location"] == relative, path
            assert "evil.example" not in response.text, path
