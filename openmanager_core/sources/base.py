"""The contract every metric source meets, and the frame of metric arrays it hands back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from ..models import Server, Service


@dataclass
class Frame:
    """Metric arrays (servers x instants) for `servers` at instants `t`: `values[metric]` holds every
    registry metric, NaN where the source has no value; `up` is False while a host is down."""

    t: np.ndarray
    values: dict[str, np.ndarray]
    up: np.ndarray
    maintenance: np.ndarray
    servers: Sequence[Server] = field(default_factory=tuple)


@dataclass(frozen=True)
class SourceHealth:
    """Whether the source answers; `message` says why not ("Prometheus unreachable: ...")."""

    ok: bool
    message: str | None = None


class SourceUnavailable(RuntimeError):
    """The source could not be read; the message is what pages and the AI say."""


class MetricSource(Protocol):
    """Where the fleet's metrics come from. Only `Fleet` holds one."""

    kind: str  # what OPENMANAGER_SOURCE names it
    simulated: bool  # deployment and incident injection exist only for a simulated fleet

    def inventory(self) -> Sequence[Server]:
        """The servers the source knows, with type, location and labels."""
        ...

    def watched_since(self, server: Server) -> datetime:
        """Since when the server has been up and watched: where its uptime counts from."""
        ...

    def frame(self, servers: Sequence[Server], t: np.ndarray) -> Frame:
        """Every metric of `servers` at epoch seconds `t`; SourceUnavailable when it can't be read."""
        ...

    def services(self, frame: Frame) -> list[list[Service]]:
        """Each server's services with their state at the frame's last instant."""
        ...

    def health(self) -> SourceHealth:
        ...
