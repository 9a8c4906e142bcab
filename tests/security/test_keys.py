"""API keys: sources, scopes, digests only, constant-time matching, weak keys refused; the
generated admin key when none is configured."""

from __future__ import annotations

import hashlib
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from openmanager_core.security.keys import KeyRing, generated_admin_key, load_keyring, read_secrets_file
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


def test_key_ids_are_keyed_not_a_digest_prefix() -> None:
    """An id is shown and logged: from a bare SHA-256 prefix anyone could test guesses of the key."""
    key = KeyRing([(ADMIN_KEY, "admin")]).match(ADMIN_KEY)
    assert key is not None
    assert key.key_id != hashlib.sha256(ADMIN_KEY.encode()).hexdigest()[:12]
    assert KeyRing([(ADMIN_KEY, "admin")]).match(ADMIN_KEY).key_id == key.key_id  # type: ignore[union-attr]


def test_replicas_sharing_the_jwt_secret_name_a_key_alike(tmp_path: Path) -> None:
    def ring_id(**settings: object) -> str:
        ring = load_keyring(Settings(api_keys=ADMIN_KEY, secrets_files=[tmp_path / "absent.toml"],
                                     **settings))  # type: ignore[arg-type]
        return ring.match(ADMIN_KEY).key_id  # type: ignore[union-attr]

    secret, other = "a-shared-signing-secret-of-forty-chars!!", "another-secret-that-is-forty-characters!"
    assert ring_id(jwt_secret=secret) == ring_id(jwt_secret=secret)
    assert ring_id(jwt_secret=secret) != ring_id(jwt_secret=other)
    assert ring_id(jwt_secret=secret) != ring_id(jwt_secret=None) == ring_id(jwt_secret=None)


def test_a_key_listed_as_admin_and_read_is_admin() -> None:
    ring = KeyRing([(ADMIN_KEY, "read"), (ADMIN_KEY, "admin"), (ADMIN_KEY, "read")])
    assert len(ring) == 1 and ring.match(ADMIN_KEY).scope == "admin"  # type: ignore[union-attr]


def test_short_keys_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="at least 16") as caught:
        KeyRing([("short-key", "admin")])
    assert "short-key" not in str(caught.value)


def test_missing_secrets_file_means_no_keys(tmp_path: Path) -> None:
    ring = load_keyring(Settings(api_keys=[], read_api_keys=[], data_dir=tmp_path,
                                 secrets_files=[tmp_path / "absent.toml"]))
    assert ring.trusts_loopback and ring.generated is not None and len(ring) == 1


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


# -- the generated admin key: only when the operator configured none ----------------------


def no_operator_keys(folder: Path) -> Settings:
    return Settings(api_keys=[], read_api_keys=[], secrets_files=[folder / "absent.toml"],
                    data_dir=folder)


def test_generated_key_is_private_and_reused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = generated_admin_key(folder)
    assert first.created and first.path == folder / "admin-key"
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["admin-key"]  # no temporary file left behind
    again = generated_admin_key(folder)
    assert not again.created and again.key == first.key
    ring = load_keyring(no_operator_keys(folder))
    assert ring.match(first.key.get_secret_value()).scope == "admin"  # type: ignore[union-attr]
    assert first.key.get_secret_value() not in repr(ring.generated)


def test_two_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: generated_admin_key(tmp_path), range(16)))
    assert len({key.key for key in made}) == 1 and sum(key.created for key in made) == 1


def test_operator_keys_mean_no_generated_key_and_no_trusted_loopback(tmp_path: Path) -> None:
    ring = load_keyring(Settings(api_keys=[ADMIN_KEY], read_api_keys=[], data_dir=tmp_path,
                                 secrets_files=[tmp_path / "absent.toml"]))
    assert not ring.trusts_loopback and ring.generated is None and len(ring) == 1
    assert not (tmp_path / "admin-key").exists()


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "admin-key").write_text("\n")
    with pytest.raises(ValueError, match="delete it to generate a new one"):
        load_keyring(no_operator_keys(tmp_path))


def test_the_data_folder_follows_the_sqlite_database(tmp_path: Path) -> None:
    assert Settings(database_url=f"sqlite:///{tmp_path}/db/x.db").data_folder == tmp_path / "db"
    assert Settings(database_url="postgresql+psycopg://u:p@h/d").data_folder == Path("data")
    assert Settings(database_url="sqlite://", data_dir=tmp_path).data_folder == tmp_path
