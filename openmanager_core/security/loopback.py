"""Whether a request comes from this machine: the one rule the API and the pages both apply.

A peer is local when its address is loopback (any form: 127.0.0.0/8, `::1`, `::ffff:127.0.0.1`),
it relays nobody (no forwarding header) and the browser named this machine: Host, and Origin
when present, are `localhost` or a loopback address. The last part defeats DNS rebinding, where
a page at `rebind.attacker.example` resolves to 127.0.0.1 and so reaches us from loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

FORWARDING_HEADERS = frozenset({"forwarded", "x-forwarded-for", "x-real-ip"})
LOOPBACK_HOSTNAME = "localhost"


def is_loopback_address(address: str) -> bool:
    """`127.0.0.0/8`, `::1`, or an IPv4-mapped loopback (`::ffff:127.0.0.1`); not a name."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_loopback


def _names_this_machine(url: str) -> bool:
    """Whether the host of `url` (`//host:port` or `scheme://host:port`) is a loopback name."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return False
    if "@" in parts.netloc or parts.path or parts.query or parts.fragment:
        return False  # no browser sends these in Host or Origin
    return hostname is not None and (hostname == LOOPBACK_HOSTNAME or is_loopback_address(hostname))


def is_local_peer(address: str | None, headers: Iterable[tuple[str, str]]) -> bool:
    """Whether a request from TCP peer `address` with these headers comes from this machine."""
    if address is None or not is_loopback_address(address):
        return False
    hosts: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name in FORWARDING_HEADERS:
            return False
        if name == "host":
            hosts.append(value.strip())
        elif name == "origin" and not _names_this_machine(value.strip()):
            return False
    return bool(hosts) and all(_names_this_machine(f"//{host}") for host in hosts)
