"""API keys from settings and `secrets.toml` (project, then user), held only as SHA-256 digests.

Two scopes: keys in `api_keys` grant `admin` (change the fleet, run admin endpoints),
keys in `read_api_keys` grant `read` (reading is open anyway; a read key gives its holder
their own rate-limit budget and is refused with 403 where admin is needed).
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..settings import Settings

Scope = Literal["admin", "read"]
GRANTS: dict[Scope, frozenset[Scope]] = {"admin": frozenset({"admin", "read"}),
                                         "read": frozenset({"read"})}
MIN_KEY_LENGTH = 16
SECRETS_SECTION = "openmanager"


@dataclass(frozen=True)
class ApiKey:
    """A configured key: its digest (never the key) and a short id that is safe to log."""

    key_id: str
    scope: Scope
    digest: bytes = field(repr=False)


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class KeyRing:
    """The configured keys; `match` compares a presented key against every digest in constant time."""

    def __init__(self, keys: Iterable[tuple[str, Scope]]) -> None:
        by_digest: dict[bytes, ApiKey] = {}
        for plain, scope in keys:
            if len(plain) < MIN_KEY_LENGTH:
                raise ValueError(f"every API key must be at least {MIN_KEY_LENGTH} characters "
                                 f"long; a {scope} key is shorter")
            digest = key_digest(plain)
            if digest not in by_digest or scope == "admin":  # listed as both: admin wins
                by_digest[digest] = ApiKey(digest.hex()[:12], scope, digest)
        self._keys = tuple(by_digest.values())
        self._by_id = {key.key_id: key for key in self._keys}

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def match(self, presented: str) -> ApiKey | None:
        """The key `presented` is, or None; looks at every digest whatever it finds."""
        digest = key_digest(presented)
        found = None
        for key in self._keys:
            if hmac.compare_digest(key.digest, digest):
                found = key
        return found

    def get(self, key_id: str) -> ApiKey | None:
        """The key with this id (ids are not secret: a token names its key by id)."""
        return self._by_id.get(key_id)


def read_secrets_file(path: Path) -> dict[Scope, list[str]]:
    """`[openmanager] api_keys = [...]` and `read_api_keys = [...]`; nothing if the file is absent."""
    if not path.is_file():
        return {"admin": [], "read": []}
    try:
        with path.open("rb") as handle:
            section: Any = tomllib.load(handle).get(SECRETS_SECTION, {})
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc})") from None
    found: dict[Scope, list[str]] = {}
    for scope, name in (("admin", "api_keys"), ("read", "read_api_keys")):
        value = section.get(name, []) if isinstance(section, dict) else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{path}: [{SECRETS_SECTION}] {name} must be a list of strings")
        found[scope] = value
    return found


def load_keyring(settings: Settings) -> KeyRing:
    """Keys from the environment (`OPENMANAGER_API_KEYS`, `_READ_API_KEYS`) plus the secrets files."""
    keys: list[tuple[str, Scope]] = [(k.get_secret_value(), "admin") for k in settings.api_keys]
    keys += [(k.get_secret_value(), "read") for k in settings.read_api_keys]
    for path in settings.secrets_files:
        from_file = read_secrets_file(path.expanduser())
        keys += [(k, "admin") for k in from_file["admin"]] + [(k, "read") for k in from_file["read"]]
    return KeyRing(keys)
