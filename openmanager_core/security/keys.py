"""API keys from settings and `secrets.toml` (project, then user), held only as SHA-256 digests and
named by a keyed id (HMAC), never by anything a guess of the key could be checked against.

Two scopes: keys in `api_keys` grant `admin` (change the fleet, run admin endpoints),
keys in `read_api_keys` grant `read` (reading is open anyway; a read key gives its holder
their own rate-limit budget and is refused with 403 where admin is needed).

With no key configured by the operator, this machine (loopback) is trusted and everyone else
uses a generated admin key: made on first start, kept in the data folder (mode 0600), reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

if TYPE_CHECKING:
    from ..settings import Settings

Scope = Literal["admin", "read"]
GRANTS: dict[Scope, frozenset[Scope]] = {"admin": frozenset({"admin", "read"}),
                                         "read": frozenset({"read"})}
MIN_KEY_LENGTH = 16
SECRETS_SECTION = "openmanager"
GENERATED_KEY_FILE = "admin-key"
SIGN_IN_PARAMETER = "token"  # `/?token=<key>` signs a browser in (as Jupyter's link does)
KEY_ID_LENGTH = 12
# Without a shared JWT secret ids need only be stable within this process (so are its tokens).
_PROCESS_ID_SECRET = secrets.token_bytes(32)

log = logging.getLogger("openmanager.security")


@dataclass(frozen=True)
class ApiKey:
    """A configured key: its digest (never the key) and a short id that is safe to log."""

    key_id: str
    scope: Scope
    digest: bytes = field(repr=False)


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def id_secret(settings: Settings) -> bytes:
    """The secret key ids are made with: derived from the JWT secret, so every replica sharing it
    names a key alike (tokens name their key by id); else this process's own."""
    if settings.jwt_secret is None:
        return _PROCESS_ID_SECRET
    return hmac.new(settings.jwt_secret.get_secret_value().encode(), b"openmanager key id",
                    hashlib.sha256).digest()


def key_id(key: str, secret: bytes) -> str:
    """A short name for a key that is safe to log and show: HMAC-SHA256, so an id seen in a log or
    on a page cannot be used to test guesses of the key without the secret."""
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]


class KeyRing:
    """The accepted keys; `match` compares a presented key against every digest in constant time.

    `trusts_loopback`: the operator configured no key, so a local peer (security/loopback.py)
    may change things without one; `generated` is then the generated admin key, if it could be
    stored. `ids_with`: the secret of the key ids (see `id_secret`), by default this process's.
    """

    def __init__(self, keys: Iterable[tuple[str, Scope]], *, trusts_loopback: bool = False,
                 generated: GeneratedKey | None = None, ids_with: bytes = _PROCESS_ID_SECRET) -> None:
        by_digest: dict[bytes, ApiKey] = {}
        for plain, scope in keys:
            if len(plain) < MIN_KEY_LENGTH:
                raise ValueError(f"every API key must be at least {MIN_KEY_LENGTH} characters "
                                 f"long; a {scope} key is shorter")
            digest = key_digest(plain)
            if digest not in by_digest or scope == "admin":  # listed as both: admin wins
                by_digest[digest] = ApiKey(key_id(plain, ids_with), scope, digest)
        self._keys = tuple(by_digest.values())
        self._by_id = {key.key_id: key for key in self._keys}
        self.trusts_loopback, self.generated = trusts_loopback, generated

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
    scope: Scope
    for scope, name in (("admin", "api_keys"), ("read", "read_api_keys")):
        value = section.get(name, []) if isinstance(section, dict) else []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{path}: [{SECRETS_SECTION}] {name} must be a list of strings")
        found[scope] = value
    return found


@dataclass(frozen=True)
class GeneratedKey:
    """The admin key generated for an installation with no configured key, and where it is kept."""

    key: SecretStr
    path: Path
    created: bool  # by this call (first start), rather than read back


def generated_admin_key(folder: Path) -> GeneratedKey:
    """The key in `folder/admin-key`, made (mode 0600) if absent; OSError if it cannot be stored.

    Written to a private temporary file and linked into place, so two processes starting at
    once agree on one key and neither reads a half-written file.
    """
    path = folder / GENERATED_KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".admin-key-")  # mode 0600
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another process linked its key first
                os.link(temporary, path)
                return GeneratedKey(SecretStr(path.read_text().strip()), path, created=True)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"{path} does not hold an admin key; delete it to generate a new one")
    return GeneratedKey(SecretStr(key), path, created=False)


def load_keyring(settings: Settings) -> KeyRing:
    """Keys from the environment (`OPENMANAGER_API_KEYS`, `_READ_API_KEYS`) plus the secrets files;
    with none, the generated admin key from the data folder, and loopback trusted."""
    keys: list[tuple[str, Scope]] = [(k.get_secret_value(), "admin") for k in settings.api_keys]
    keys += [(k.get_secret_value(), "read") for k in settings.read_api_keys]
    for path in settings.secrets_files:
        from_file = read_secrets_file(path.expanduser())
        keys += [(k, "admin") for k in from_file["admin"]] + [(k, "read") for k in from_file["read"]]
    if keys:
        return KeyRing(keys, ids_with=id_secret(settings))
    try:
        generated = generated_admin_key(settings.data_folder)
    except OSError as exc:
        log.warning("No API key is configured and none could be generated in %s (%s): only this "
                    "machine may change things. Set OPENMANAGER_API_KEYS, or OPENMANAGER_DATA_DIR "
                    "to a writable folder.", settings.data_folder, exc)
        return KeyRing([], trusts_loopback=True)
    return KeyRing([(generated.key.get_secret_value(), "admin")], trusts_loopback=True,
                   generated=generated, ids_with=id_secret(settings))


def log_sign_in(ring: KeyRing, browser_url: str) -> None:
    """At start-up: who may change things, and the generated key's sign-in link (`/?token=`)."""
    if not ring.trusts_loopback:
        log.info("API credentials: %d key(s) configured; changes need a key or token", len(ring))
        return
    if ring.generated is None:
        return  # load_keyring said why
    link = f"{browser_url.rstrip('/')}/?{SIGN_IN_PARAMETER}={ring.generated.key.get_secret_value()}"
    log.warning("No API key is configured: a browser on this machine may change things; from "
                "anywhere else sign in with the generated admin key (%s in %s), also a Bearer key "
                "for the API. Sign in by opening %s (from another machine, through a proxy or "
                "under another server, open /?%s=<key> at the address you use instead of %s).",
                "made now" if ring.generated.created else "kept from an earlier start",
                ring.generated.path, link, SIGN_IN_PARAMETER, browser_url)
