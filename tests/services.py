"""Throwaway real services for the test suite: PostgreSQL, Redis, the app server.

Plain helpers with no pytest dependency; ``tests/conftest.py`` wraps them in fixtures.
Every start-up is polled against a deadline, never a fixed sleep, and every failure
raises :class:`ServiceError` carrying the service's own log so CI shows why.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import URL, make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
POLL_INTERVAL = 0.05
PG_USER = "openmanager"
PG_ENV_URL = "OPENMANAGER_TEST_POSTGRES_URL"

Runner = Literal["streamlit", "uvicorn"]


class ServiceError(RuntimeError):
    """A test service could not be found, started or reached."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def non_loopback_address() -> str:
    """This machine's IPv4 address on its outgoing interface: a peer that is not loopback.

    A UDP connect picks the route and sends nothing. Fails (never skips) on a machine with
    no network interface but loopback.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: only the route matters
        except OSError as exc:
            raise ServiceError(f"no non-loopback interface to reach the app from: {exc}") from None
        address = str(probe.getsockname()[0])
    if address.startswith("127."):
        raise ServiceError("the only interface is loopback; a non-local peer cannot be made")
    return address


def wait_for(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    alive: Callable[[], bool] | None = None,
    log: Callable[[], str] | None = None,
) -> None:
    """Poll ``check`` until true; raise if ``alive`` turns false or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if alive is not None and not alive():
            raise ServiceError(f"{what}: process exited before becoming ready.\n{_tail(log)}")
        if time.monotonic() >= deadline:
            raise ServiceError(f"{what}: not ready after {timeout:.0f}s.\n{_tail(log)}")
        time.sleep(POLL_INTERVAL)


def _tail(log: Callable[[], str] | None, limit: int = 8000) -> str:
    """The last ``limit`` characters of a service's output, for error messages."""
    if log is None:
        return ""
    text = log()
    if len(text) > limit:
        text = "...\n" + text[-limit:]
    return f"--- output ---\n{text}\n--- end of output ---"


def _read(path: Path) -> str:
    """A log file's text, or '' if it does not exist yet."""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _require_binary(path: str | None, name: str, hint: str) -> str:
    """``path`` if it is an executable file, else a clear ServiceError."""
    if path and os.access(path, os.X_OK):
        return path
    raise ServiceError(f"{name} not found ({path or 'not on PATH'}). {hint}")


def _stop_group(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the process group of ``proc``, SIGKILL it if it lingers, reap ``proc``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
            break
        except subprocess.TimeoutExpired:
            continue
    # Children of a dead leader may still be in the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- PostgreSQL


def postgres_bindir() -> Path:
    """The newest PostgreSQL server bin directory (Debian layout, else ``pg_config``)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for cand in reversed(candidates):
        if os.access(Path(cand) / "initdb", os.X_OK):
            return Path(cand)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    raise ServiceError(
        "PostgreSQL server binaries (initdb, postgres, pg_ctl) not found under "
        "/usr/lib/postgresql/*/bin. Install them: apt-get install postgresql"
    )


@dataclass
class PostgresServer:
    """A PostgreSQL server with a superuser reachable over TCP with a password."""

    host: str
    port: int
    user: str
    password: str
    admin_db: str = "postgres"
    managed: bool = True
    process: subprocess.Popen[bytes] | None = None
    base_dir: Path | None = None
    _run_as: str | None = None
    _counter: int = 0

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) for database ``dbname``."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=dbname,
        ).render_as_string(hide_password=False)

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        """An autocommit psycopg connection (to the admin database by default)."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.admin_db,
            autocommit=True,
            connect_timeout=5,
        )

    def create_database(self, prefix: str = "om_test") -> str:
        """Create a fresh empty database; return its SQLAlchemy URL."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}_{secrets.token_hex(3)}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database made by :meth:`create_database`, closing its connections."""
        name = make_url(url_or_name).database if "://" in url_or_name else url_or_name
        if not name:
            raise ValueError(f"no database name in {url_or_name!r}")
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log(self) -> str:
        """The managed server's log so far."""
        return _read(self.base_dir / "postgres.log") if self.base_dir else ""

    def stop(self) -> None:
        """Stop a managed server (``pg_ctl stop -m immediate``) and delete its files."""
        if not self.managed or self.base_dir is None:
            return
        self.halt()
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None

    def halt(self) -> None:
        """Stop a managed server at once (``pg_ctl stop -m immediate``), keeping its data and port."""
        if not self.managed or self.base_dir is None:
            raise ServiceError("only a managed PostgreSQL server can be halted")
        if self.process is not None and self.process.poll() is None:
            pg_ctl = str(postgres_bindir() / "pg_ctl")
            subprocess.run(
                [pg_ctl, "stop", "-D", str(self.base_dir / "data"), "-m", "immediate", "-w"],
                user=self._run_as,
                cwd=self.base_dir,
                capture_output=True,
                timeout=60,
                check=False,
            )
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _stop_group(self.process)

    def resume(self, timeout: float = 60.0) -> None:
        """Start a halted server again on the same port with the same data (crash recovery runs)."""
        if not self.managed or self.base_dir is None:
            raise ServiceError("only a managed PostgreSQL server can be resumed")
        if self.process is not None and self.process.poll() is None:
            return
        relaunched = _launch_postgres(postgres_bindir(), self.base_dir, self._run_as, self.password,
                                      timeout, port=self.port)
        self.process = relaunched.process
        wait_for(
            lambda: _ping_postgres(self),
            timeout=timeout,
            what=f"PostgreSQL on 127.0.0.1:{self.port} (resumed)",
            alive=lambda: self.process is not None and self.process.poll() is None,
            log=self.log,
        )


def _postgres_os_user() -> str | None:
    """The OS user to run PostgreSQL as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceError(
            "Running as root but there is no 'postgres' OS user to run initdb as "
            "(initdb refuses root). Install the postgresql package."
        ) from None
    return "postgres"


def _ping_postgres(server: PostgresServer) -> bool:
    """True once the server accepts an authenticated connection."""
    try:
        with server.connect() as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def start_postgres(timeout: float = 60.0, attempts: int = 3) -> PostgresServer:
    """initdb + start a throwaway cluster on 127.0.0.1 (fsync off) in a fresh temp dir."""
    bindir = postgres_bindir()
    run_as = _postgres_os_user()
    base = Path(tempfile.mkdtemp(prefix="openmanager-pg-"))
    try:
        password = secrets.token_hex(16)
        (base / "sock").mkdir()
        (base / "pwfile").write_text(password + "\n")
        if run_as is not None:
            pw = pwd.getpwnam(run_as)
            for path in (base, base / "sock", base / "pwfile"):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        base.chmod(0o700)
        initdb = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D", str(base / "data"),
                "-U", PG_USER,
                f"--pwfile={base / 'pwfile'}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            user=run_as,
            cwd=base,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise ServiceError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        last_error: ServiceError | None = None
        for _ in range(attempts):
            server = _launch_postgres(bindir, base, run_as, password, timeout)
            try:
                wait_for(
                    lambda s=server: _ping_postgres(s),
                    timeout=timeout,
                    what=f"PostgreSQL on 127.0.0.1:{server.port}",
                    alive=lambda s=server: s.process is not None and s.process.poll() is None,
                    log=server.log,
                )
                return server
            except ServiceError as exc:
                last_error = exc
                if server.process is not None:
                    _stop_group(server.process)
                if "already in use" not in server.log():
                    break  # a real failure, not a port race: don't retry
        assert last_error is not None
        raise last_error
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def _launch_postgres(
    bindir: Path, base: Path, run_as: str | None, password: str, timeout: float,
    port: int | None = None,
) -> PostgresServer:
    """Start ``postgres`` on ``port`` (default: a free one) with its log in ``base/postgres.log``."""
    port = port or free_port()
    with open(base / "postgres.log", "ab") as logfile:
        proc = subprocess.Popen(
            [
                str(bindir / "postgres"),
                "-D", str(base / "data"),
                "-p", str(port),
                "-k", str(base / "sock"),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ],
            user=run_as,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return PostgresServer(
        host="127.0.0.1",
        port=port,
        user=PG_USER,
        password=password,
        process=proc,
        base_dir=base,
        _run_as=run_as,
    )


def external_postgres(url: str) -> PostgresServer:
    """Wrap an existing server given as a URL to an admin database (not stopped at the end)."""
    parsed = make_url(url)
    if not parsed.username or parsed.password is None:
        raise ServiceError(f"{PG_ENV_URL} must include a user and password: {parsed!r}")
    server = PostgresServer(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=str(parsed.password),
        admin_db=parsed.database or "postgres",
        managed=False,
    )
    try:
        with server.connect() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise ServiceError(f"cannot reach {PG_ENV_URL}={parsed!r}: {exc}") from exc
    return server


# ------------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """A redis-server on 127.0.0.1 with no persistence; can be stopped and restarted."""

    binary: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """``redis://127.0.0.1:PORT/db``."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        """A client for database ``db`` (short timeouts)."""
        return redis.Redis.from_url(self.url(db), socket_timeout=2, socket_connect_timeout=2)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def ping(self) -> bool:
        """True if the server answers PING."""
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def log(self) -> str:
        """The server's output so far (all runs)."""
        return _read(self.workdir / "redis.log")

    def start(self, timeout: float = 30.0) -> None:
        """Start (again) on the same port and wait until it answers PING. Data is empty."""
        if self.running:
            return
        with open(self.workdir / "redis.log", "ab") as logfile:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self.workdir),
                    "--logfile", "",
                    "--daemonize", "no",
                ],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(
            self.ping,
            timeout=timeout,
            what=f"redis-server on 127.0.0.1:{self.port}",
            alive=lambda: self.running,
            log=self.log,
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) — simulates "Redis down"."""
        if self.process is not None:
            _stop_group(self.process)
        self.process = None

    def kill(self) -> None:
        """SIGKILL the server at once (an abrupt crash)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, timeout: float = 30.0) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        self.start(timeout=timeout)

    def cleanup(self) -> None:
        """Stop and delete the working directory."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis(timeout: float = 30.0, attempts: int = 3) -> RedisServer:
    """Start a throwaway redis-server on a free port."""
    binary = _require_binary(
        shutil.which("redis-server"), "redis-server", "Install it: apt-get install redis-server"
    )
    workdir = Path(tempfile.mkdtemp(prefix="openmanager-redis-"))
    server = RedisServer(binary=binary, port=free_port(), workdir=workdir)
    for attempt in range(attempts):
        try:
            server.start(timeout=timeout)
            return server
        except ServiceError:
            server.stop()
            if attempt + 1 == attempts or "in use" not in server.log():
                server.cleanup()
                raise
            server.port = free_port()
    raise AssertionError("unreachable")


# ------------------------------------------------------------- node_exporter + Prometheus

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROMETHEUS = "/usr/bin/prometheus"
METRICS_HINT = "Install them: apt-get install prometheus prometheus-node-exporter"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class MetricsStack:
    """node_exporter and Prometheus on loopback ports with a throwaway config: scraped every
    second, once per name in `instances`, each scrape's `instance` relabelled to that readable
    name (so one exporter can stand for a fleet). Prometheus can be stopped and started again on
    the same port and data, as an outage would. `labels` adds target labels per instance name."""

    instances: tuple[str, ...]
    exporter_port: int
    prometheus_port: int
    workdir: Path
    exporter: subprocess.Popen[bytes] | None = None
    prometheus: subprocess.Popen[bytes] | None = None
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.prometheus_port}"

    def log(self) -> str:
        return _read(self.workdir / "node_exporter.log") + _read(self.workdir / "prometheus.log")

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with open(self.workdir / log_name, "ab") as logfile:
            return subprocess.Popen(command, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=logfile,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def start_exporter(self, timeout: float = 30.0) -> None:
        binary = _require_binary(NODE_EXPORTER, "prometheus-node-exporter", METRICS_HINT)
        self.exporter = self._spawn([binary, f"--web.listen-address=127.0.0.1:{self.exporter_port}",
                                     "--collector.disable-defaults", "--collector.cpu",
                                     "--collector.meminfo", "--collector.filesystem",
                                     "--collector.netdev", "--collector.netstat", "--collector.loadavg"],
                                    "node_exporter.log")
        wait_for(lambda: _answers(f"http://127.0.0.1:{self.exporter_port}/metrics"), timeout=timeout,
                 what="node_exporter", log=self.log,
                 alive=lambda: self.exporter is not None and self.exporter.poll() is None)

    def start_prometheus(self, timeout: float = 60.0) -> None:
        binary = _require_binary(PROMETHEUS, "prometheus", METRICS_HINT)
        config = self.workdir / "prometheus.yml"
        targets = "".join(f"      - targets: ['127.0.0.1:{self.exporter_port}']\n"
                          f"        labels: {{host: '{name}', role: web, location: 'test rack'"
                          + "".join(f", {key}: '{value}'" for key, value in self.labels.get(name, {}).items())
                          + "}\n"
                          for name in self.instances)
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: node\n    static_configs:\n" + targets +
            "    relabel_configs:\n      - source_labels: [host]\n        target_label: instance\n"
            "        replacement: '$1:9100'\n")
        self.prometheus = self._spawn([binary, f"--config.file={config}",
                                       f"--storage.tsdb.path={self.workdir / 'data'}",
                                       f"--web.listen-address=127.0.0.1:{self.prometheus_port}"],
                                      "prometheus.log")
        wait_for(lambda: _answers(f"{self.url}/-/ready"), timeout=timeout, what="prometheus",
                 alive=lambda: self.prometheus is not None and self.prometheus.poll() is None, log=self.log)

    def stop_prometheus(self) -> None:
        if self.prometheus is not None:
            _stop_group(self.prometheus)
        self.prometheus = None

    def cleanup(self) -> None:
        self.stop_prometheus()
        if self.exporter is not None:
            _stop_group(self.exporter)
        self.exporter = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_metrics_stack(*instances: str, labels: Mapping[str, Mapping[str, str]] | None = None
                        ) -> MetricsStack:
    """node_exporter and Prometheus scraping it once per instance name, both ready."""
    stack = MetricsStack(instances=instances or ("node-under-test",), exporter_port=free_port(),
                         prometheus_port=free_port(), labels=labels or {},
                         workdir=Path(tempfile.mkdtemp(prefix="openmanager-prometheus-")))
    try:
        stack.start_exporter()
        stack.start_prometheus()
    except BaseException:
        stack.cleanup()
        raise
    return stack


# -------------------------------------------------------------------------- app server


@dataclass
class LiveServer:
    """A running app server process (Streamlit or uvicorn) with captured output."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path
    runner: Runner
    env: dict[str, str] = field(repr=False)
    health_path: str = "/_stcore/health"

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8501``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def health_url(self) -> str:
        """The URL polled for readiness."""
        return self.url + self.health_path

    def output(self) -> str:
        """Everything the server printed (stdout and stderr) so far."""
        return _read(self.log_path)

    def healthy(self) -> bool:
        """True if the health URL answers 200 right now."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Poll the health URL until 200; raise with the server output if it dies."""
        wait_for(
            self.healthy,
            timeout=timeout,
            what=f"{self.runner} app on {self.url}",
            alive=lambda: self.process.poll() is None,
            log=self.output,
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL after ``timeout``."""
        _stop_group(self.process, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the process group at once."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def app_command(runner: Runner, port: int, target: str | None = None,
                address: str = "127.0.0.1") -> list[str]:
    """The command line that serves the app on ``address``:``port`` (``::``: every interface)."""
    if runner == "streamlit":
        return [
            sys.executable, "-m", "streamlit", "run", target or "app.py",
            "--server.port", str(port),
            "--server.address", address,
            "--server.headless", "true",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
    if runner == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", target or "app:app",
            "--host", address,
            "--port", str(port),
        ]  # fmt: skip
    raise ValueError(f"unknown runner {runner!r}")


def start_app(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    runner: Runner = "streamlit",
    target: str | None = None,
    health_path: str = "/_stcore/health",
    timeout: float = 60.0,
    cwd: Path = REPO_ROOT,
    address: str = "127.0.0.1",
) -> LiveServer:
    """Start the app from the repo root and wait until its health URL answers 200.

    ``env`` is merged over ``os.environ``; ``DATABASE_URL`` defaults to a SQLite file in
    ``data_dir`` and ``OPENMANAGER_DATA_DIR`` to ``data_dir``. On failure the process is killed
    and the error carries its output.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    merged = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{data_dir / 'openmanager.db'}",
        "OPENMANAGER_DATA_DIR": str(data_dir),  # the generated admin key, when no key is set
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(env or {}),
    }
    log_path = data_dir / f"{runner}-{port}.log"
    with open(log_path, "ab") as logfile:
        proc = subprocess.Popen(
            app_command(runner, port, target, address),
            cwd=cwd,
            env=merged,
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(
        port=port,
        process=proc,
        log_path=log_path,
        data_dir=data_dir,
        runner=runner,
        env=merged,
        health_path=health_path,
    )
    try:
        server.wait_healthy(timeout=timeout)
    except BaseException:
        server.stop(timeout=5)
        raise
    return server


# ---------------------------------------------------------------------------- chromium

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str:
    """Debian's chromium (``OPENMANAGER_TEST_CHROMIUM`` overrides the path)."""
    path = os.environ.get("OPENMANAGER_TEST_CHROMIUM") or CHROMIUM_PATH
    return _require_binary(path, "chromium", "Install it: apt-get install chromium")
