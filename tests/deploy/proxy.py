"""deploy/nginx.conf run for real on loopback, in front of app processes started by the tests.

The shipped file names the replicas `app:8501` (compose's service) and listens on port 80;
`render` swaps in loopback upstreams and a free port and changes nothing else, so what the
tests exercise is the production routing, headers and timeouts.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.services import REPO_ROOT, ServiceError, _read, _stop_group, free_port, wait_for

NGINX_CONF = REPO_ROOT / "deploy" / "nginx.conf"
UPSTREAM_LINE = re.compile(r"^(\s*)server app:8501( [^;]*)?;$", re.MULTILINE)
LISTEN_LINE = re.compile(r"^(\s*)listen 80;$", re.MULTILINE)


def nginx_binary() -> str:
    """Debian's nginx (installed by .ci/run)."""
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).is_file():
        raise ServiceError("nginx not found. Install it: apt-get install nginx")
    return path


UPSTREAM_HEADER = "X-Test-Upstream"


def render(upstreams: list[str], port: int, workdir: Path, *, show_upstream: bool = False) -> Path:
    """The shipped config with `upstreams` (host:port) as the replicas, listening on 127.0.0.1:port.

    `show_upstream`: answers name the replica that served them (a header only tests add).
    """
    text = NGINX_CONF.read_text()
    if len(UPSTREAM_LINE.findall(text)) != 1 or len(LISTEN_LINE.findall(text)) != 1:
        raise ServiceError(f"{NGINX_CONF}: expected one 'server app:8501 ...;' and one 'listen 80;'")
    text = UPSTREAM_LINE.sub(
        lambda m: "\n".join(f"{m.group(1)}server {u}{m.group(2) or ''};" for u in upstreams), text)
    text = LISTEN_LINE.sub(lambda m: f"{m.group(1)}listen 127.0.0.1:{port};", text)
    if show_upstream:
        marker = "    add_header Set-Cookie"
        extra = f"    add_header {UPSTREAM_HEADER} $upstream_addr always;"
        text = text.replace(marker, f"{extra}\n    {marker}", 1)
    # Where a root-run nginx keeps its pid and temp files: the test's own directory.
    text = text.replace("events {", f"pid {workdir / 'nginx.pid'};\n\nevents {{", 1)
    path = workdir / "nginx.conf"
    path.write_text(text)
    return path


def check_config(upstreams: list[str]) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the rendered config."""
    with tempfile.TemporaryDirectory(prefix="openmanager-nginx-") as tmp:
        workdir = Path(tmp)
        conf = render(upstreams, free_port(), workdir)
        return subprocess.run([nginx_binary(), "-t", "-p", str(workdir), "-c", str(conf)],
                              capture_output=True, text=True, timeout=30, check=False)


@dataclass
class Proxy:
    """A running nginx with the shipped config."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return _read(self.workdir / "nginx.log")

    def stop(self) -> None:
        _stop_group(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_proxy(upstreams: list[str], *, show_upstream: bool = False, timeout: float = 30.0) -> Proxy:
    """Start nginx in the foreground in front of `upstreams`; wait until it accepts connections."""
    workdir = Path(tempfile.mkdtemp(prefix="openmanager-nginx-"))
    port = free_port()
    conf = render(upstreams, port, workdir, show_upstream=show_upstream)
    with open(workdir / "nginx.log", "ab") as log:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = Proxy(port, workdir, process)
    try:
        wait_for(lambda: _accepts(port), timeout=timeout, what=f"nginx on {proxy.url}",
                 alive=lambda: process.poll() is None, log=proxy.output)
    except BaseException:
        proxy.stop()
        raise
    return proxy


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
