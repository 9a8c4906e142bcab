"""API keys: sources, scopes, digests only, constant-time matching, weak keys refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from openmanager_core.security.keys import KeyRing, load_keyring, read_secrets_file
from openmanager_core.settings import Settings

ADMIN_KEY = "admin-key-0123456789abcdef"
READ_KEY = "read-key-0123456789abcdef"


def test_keys_from_environment_and_secrets_files(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project, user = tmp_path / "project.toml", tmp_path / "home" / "secrets.toml"
    project.write_text('[openmanager]\napi_keys = ["file-admin-key-0123456789"]\n')
    user.parent.mkdir()
    user.write_text('[openmanager]\nread_api_keys = ["file-read-key-0123456789"]\n')
    monkeypatch.setenv("OPENMANAGER_API_KEYS", f" {ADMIN_KEY} ,, ")
    monkeypatch.setenv("OPENMANAGER_READ_API_KEYS", READ_KEY)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPENMANAGER_SECRETS_FILES", f"{project},~/secrets.toml,{tmp_path}/absent.toml")
    ring = load_keyring(Settings())
    assert len(ring) == 4
    scopes = {key: ring.match(key).scope for key in  # type: ignore[union-attr]
              (ADMIN_KEY, READ_KEY, "file-admin-key-0123456789", "file-read-key-0123456789")}
    assert scopes == {ADMIN_KEY: "admin", READ_KEY: "read",
                      "file-admin-key-0123456789": "admin", "file-read-key-0123456789": "read"}
    assert ring.match("not-a-configured-key-xyz") is None
    assert ring.match(ADMIN_KEY + " ") is None


def test_only_digests_are_held() -> None:
    ring = KeyRing([(ADMIN_KEY, "admin")])
    key = ring.match(ADMIN_KEY)
    assert key is not None
    assert key.digest == hashlib.sha256(ADMIN_KEY.encode()).digest()
    held = repr(vars(ring)) + repr(key)
    assert ADMIN_KEY not in held and key.digest.hex() not in repr(key)
    assert ring.get(key.key_id) is key and len(key.key_id) == 12


def test_a_key_listed_as_admin_and_read_is_admin() -> None:
    ring = KeyRing([(ADMIN_KEY, "read"), (ADMIN_KEY, "admin"), (ADMIN_KEY, "read")])
    assert len(ring) == 1 and ring.match(ADMIN_KEY).scope == "admin"  # type: ignore[union-attr]


def test_short_keys_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="at least 16") as caught:
        KeyRing([("short-key", "admin")])
    assert "short-key" not in str(caught.value)


def test_missing_secrets_file_means_no_keys(tmp_path: Path) -> None:
    ring = load_keyring(Settings(api_keys=[], read_api_keys=[],
                                 secrets_files=[tmp_path / "absent.toml"]))
    assert not ring.configured


@pytest.mark.parametrize("content, problem", [
    ("[openmanager\napi_keys = 1", "not valid TOML"),
    ('[openmanager]\napi_keys = "one-key-only-as-a-string"', "must be a list of strings"),
    ("[openmanager]\nread_api_keys = [1, 2]", "must be a list of strings"),
])
def test_malformed_secrets_file_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem) as caught:
        read_secrets_file(path)
    assert "one-key-only-as-a-string" not in str(caught.value)


def test_settings_never_show_keys_or_secrets() -> None:
    settings = Settings(api_keys=ADMIN_KEY, jwt_secret="s" * 40)
    assert ADMIN_KEY not in repr(settings) and "s" * 40 not in repr(settings)
    with pytest.raises(ValueError) as caught:
        Settings(jwt_secret="too-short-secret-value")
    assert "too-short-secret-value" not in str(caught.value)
