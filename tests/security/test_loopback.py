"""The one rule for "this machine": loopback peer, no proxy, Host/Origin naming this machine."""

from __future__ import annotations

import pytest

from openmanager_core.security.loopback import is_local_peer

SAME_ORIGIN = [("host", "127.0.0.1:8501"), ("origin", "http://127.0.0.1:8501")]


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_every_loopback_form_is_local(address: str) -> None:
    assert is_local_peer(address, SAME_ORIGIN)


@pytest.mark.parametrize("address", [None, "", "192.0.2.2", "::ffff:192.0.2.2", "fd00::2", "0.0.0.0",
                                     "localhost", "not-an-address"])
def test_other_peers_are_not(address: str | None) -> None:
    assert not is_local_peer(address, SAME_ORIGIN)


@pytest.mark.parametrize("headers", [
    [("Host", "localhost")], [("Host", "localhost:8501")], [("Host", "LOCALHOST:8501")],
    [("Host", "[::1]:8501")], [("Host", "127.0.0.2")],
    [("Host", "localhost:8501"), ("Origin", "http://localhost:8501")],
    [("Host", "127.0.0.1:8501"), ("Origin", "https://[::1]")],
])
def test_hosts_and_origins_naming_this_machine(headers: list[tuple[str, str]]) -> None:
    assert is_local_peer("127.0.0.1", headers)


@pytest.mark.parametrize("headers", [
    [],  # no Host: no browser asked for this machine
    [("Host", "rebind.attacker.example:8501"), ("Origin", "http://rebind.attacker.example:8501")],
    [("Host", "rebind.attacker.example")],
    [("Host", "127.0.0.1:8501"), ("Origin", "http://rebind.attacker.example:8501")],
    [("Host", "127.0.0.1:8501"), ("Origin", "null")],
    [("Host", "localhost.attacker.example")], [("Host", "evil@127.0.0.1")], [("Host", "127.0.0.1/x")],
    [("Host", "[::1")], [("Host", "192.0.2.2:8501")],
    [("Host", "localhost"), ("Host", "rebind.attacker.example")],
    [*SAME_ORIGIN, ("X-Forwarded-For", "198.51.100.7")], [*SAME_ORIGIN, ("forwarded", "for=1.2.3.4")],
    [*SAME_ORIGIN, ("X-Real-IP", "198.51.100.7")],
])
def test_rebinding_and_relayed_requests_are_not_local(headers: list[tuple[str, str]]) -> None:
    assert not is_local_peer("127.0.0.1", headers)
