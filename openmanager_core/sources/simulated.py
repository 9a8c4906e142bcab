"""The simulated fleet as a metric source: the simulator's metrics with the store's incidents laid
over them as chaos, read here, so no reader of metrics ever handles an incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from ..catalogue import Catalogue
from ..models import Incident, Server, Service
from ..simulator import Simulator, services_at
from ..store import Store
from .base import Frame, SourceHealth

SPAN_GAP_SECONDS = 3600.0  # instants further apart than this are read as separate spans


def spans_of(t: np.ndarray) -> list[tuple[datetime, datetime]]:
    """The stretches of time that the instants `t` cover (a window now, and the same minutes of
    earlier days): only incidents in effect in one of them can shape the frame."""
    ordered = np.sort(np.asarray(t, dtype=np.float64))
    if not ordered.size:
        return []
    breaks = np.flatnonzero(np.diff(ordered) > SPAN_GAP_SECONDS)
    starts = ordered[np.concatenate([[0], breaks + 1])]
    ends = ordered[np.concatenate([breaks, [ordered.size - 1]])]
    return [(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC))
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


class SimulatedSource:
    """The demo fleet: the catalogue's servers, deployed one by one, with incidents injected."""

    kind = "simulated"
    simulated = True

    def __init__(self, fleet_size: int, store: Store) -> None:
        self.catalogue = Catalogue(fleet_size)
        self.simulator = Simulator(self.catalogue.servers)
        self._store = store

    def inventory(self) -> Sequence[Server]:
        return self.catalogue.servers

    def watched_since(self, server: Server) -> datetime:
        deployed_at = self._store.deployed_at(server.position)
        return deployed_at if deployed_at is not None else datetime.now(UTC)

    def _overlay(self, servers: Sequence[Server], t: np.ndarray) -> list[Incident]:
        ids = {server.id for server in servers}
        return [i for i in self._store.incidents(in_effect_during=spans_of(t)) if i.server_id in ids]

    def frame(self, servers: Sequence[Server], t: np.ndarray) -> Frame:
        t = np.asarray(t, dtype=np.float64)
        frame = self.simulator.frame([s.id for s in servers], t, self._overlay(servers, t))
        frame.servers = list(servers)
        return frame

    def services(self, frame: Frame) -> list[list[Service]]:
        moment = float(frame.t[-1])
        incidents = self._overlay(frame.servers, frame.t[-1:])
        at = datetime.fromtimestamp(moment, UTC)
        up, disk = frame.up[:, -1].tolist(), frame.values["disk"][:, -1].tolist()
        return [services_at(server, up[k], disk[k], incidents, at) for k, server in enumerate(frame.servers)]

    def health(self) -> SourceHealth:
        return SourceHealth(ok=True)
