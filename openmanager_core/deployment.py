"""The deployment driver: a process-wide thread that advances a running deployment.

The run lives in the store, so it goes on when the browser that started it closes; every
process runs a driver, and the store's lock makes them deploy once per interval between them.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from .fleet import Fleet
from .models import Server
from .store import StoreUnavailable

POLL_SECONDS = 0.1  # how late a step may be; each poll is one cheap read

log = logging.getLogger(__name__)


class DeploymentDriver:
    """Polls the shared run and deploys the next server when it is due."""

    def __init__(self, fleet: Fleet, poll_seconds: float = POLL_SECONDS) -> None:
        self.fleet = fleet
        self.poll_seconds = poll_seconds
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None) -> Server | None:
        """One poll: the server deployed at `now`, or None when nothing was due."""
        return self.fleet.advance_deployment(now)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="deployment-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stopped.wait(self.poll_seconds):
            try:
                self.tick()
            except StoreUnavailable as exc:
                log.warning("deployment driver: store unavailable, retrying: %s", exc)
            except Exception:
                # The thread must outlive any one bad poll, or every deployment stalls.
                log.exception("deployment driver: poll failed")
