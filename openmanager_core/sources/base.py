"""The contract every metric source meets, and the frame of metric arrays it hands back."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np

from ..i18n import Lang, t
from ..metrics import METRIC_KEYS
from ..models import MetricSample, Server, Service


@dataclass
class Frame:
    """Metric arrays (servers x instants) for `servers` at instants `t`: `values[metric]` holds every
    registry metric, NaN where the source has no value; `up` is False while a host is down."""

    t: np.ndarray
    values: dict[str, np.ndarray]
    up: np.ndarray
    maintenance: np.ndarray
    servers: Sequence[Server] = field(default_factory=tuple)


def _rounded(value: float, digits: int) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def frames_to_samples(frame: Frame, k: int) -> list[MetricSample]:
    """Row k of the frame as samples; instants while the host is down are absent, and a metric the
    source has no value for is None."""
    columns = {key: frame.values[key][k].tolist() for key in METRIC_KEYS}
    up = frame.up[k].tolist()
    maintenance = frame.maintenance[k].tolist()
    samples = []
    for j, moment in enumerate(frame.t.tolist()):
        if not up[j]:
            continue
        connections = columns["active_connections"][j]
        samples.append(MetricSample(
            timestamp=datetime.fromtimestamp(moment, UTC),
            cpu=_rounded(columns["cpu"][j], 2),
            memory=_rounded(columns["memory"][j], 2),
            disk=_rounded(columns["disk"][j], 2),
            network_in=_rounded(columns["network_in"][j], 2),
            network_out=_rounded(columns["network_out"][j], 2),
            response_time=_rounded(columns["response_time"][j], 1),
            active_connections=None if math.isnan(connections) else int(connections),
            maintenance=bool(maintenance[j]),
        ))
    return samples


@dataclass(frozen=True)
class SourceHealth:
    """Whether the source answers; `message` says why not ("Prometheus unreachable: ...")."""

    ok: bool
    message: str | None = None


class SourceUnavailable(RuntimeError):
    """The source could not be read: "Prometheus unreachable: <why>", as pages and the AI say it."""

    def __init__(self, source: str, error: str) -> None:
        super().__init__(f"{source} unreachable: {error}")
        self.source, self.error = source, error

    def text(self, lang: Lang) -> str:
        return t("source.unreachable", lang, source=self.source, error=self.error)


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
