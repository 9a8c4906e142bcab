"""The service dependency graph: which server calls which on the request path, where requests enter,
and how many servers depend on each one. Edges come from the catalogue (the simulated fleet), a
`depends_on` label (Prometheus), or a TOML/JSON file named by `OPENMANAGER_DEPENDENCIES`."""

from __future__ import annotations

import json
import re
import tomllib
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .models import Server

DEPENDS_ON_LABEL = "depends_on"  # a Prometheus label: the hostnames this one calls, comma-separated
FILE_TABLE = "depends_on"  # the file's table: hostname -> the hostnames it calls
_NAMES = re.compile(r"[,\s]+")

Edge = tuple[str, str]  # (caller, callee): the caller depends on the callee


class DependencyConfigError(ValueError):
    """The dependency file can't be used; the message names the file and what is wrong in it."""


@dataclass(frozen=True)
class DependencyGraph:
    """Who calls whom among `hostnames` (in fleet order). Walks keep a visited set, so a cycle a
    label may have made never loops."""

    hostnames: tuple[str, ...]
    calls: Mapping[str, tuple[str, ...]]  # caller -> callees, in fleet order

    @classmethod
    def of(cls, hostnames: Iterable[str], edges: Iterable[Edge]) -> DependencyGraph:
        """The graph of `edges` between `hostnames`; an edge to a host not among them is left out (a
        server not deployed yet, or not scraped)."""
        names = tuple(dict.fromkeys(hostnames))
        order = {name: k for k, name in enumerate(names)}
        calls: dict[str, set[str]] = {}
        for caller, callee in edges:
            if caller in order and callee in order and caller != callee:
                calls.setdefault(caller, set()).add(callee)
        return cls(names, {caller: tuple(sorted(callees, key=order.__getitem__))
                           for caller, callees in sorted(calls.items(), key=lambda item: order[item[0]])})

    def among(self, hostnames: Iterable[str]) -> DependencyGraph:
        """The part of the graph between `hostnames` (the servers deployed, say)."""
        return DependencyGraph.of(hostnames, self.edges)

    @cached_property
    def edges(self) -> list[Edge]:
        return [(caller, callee) for caller, callees in self.calls.items() for callee in callees]

    @cached_property
    def callers(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for caller, callee in self.edges:
            found.setdefault(callee, []).append(caller)
        return {callee: tuple(callers) for callee, callers in found.items()}

    @cached_property
    def entry_points(self) -> tuple[str, ...]:
        """Where requests come in: servers that call others and that nothing calls."""
        return tuple(h for h in self.hostnames if h in self.calls and h not in self.callers)

    @cached_property
    def apart(self) -> tuple[str, ...]:
        """Servers on no request path (CI, backup, mail...)."""
        return tuple(h for h in self.hostnames if h not in self.calls and h not in self.callers)

    def _reach(self, start: str, step: Mapping[str, tuple[str, ...]]) -> list[str]:
        seen = {start}
        queue = deque([start])
        while queue:
            for nxt in step.get(queue.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        seen.discard(start)
        return [h for h in self.hostnames if h in seen]

    def dependants(self, hostname: str) -> list[str]:
        """Every server that depends on `hostname`, directly or through others."""
        return self._reach(hostname, self.callers)

    def dependencies(self, hostname: str) -> list[str]:
        """Every server `hostname` depends on, directly or through others."""
        return self._reach(hostname, self.calls)

    def on_one_path(self, a: str, b: str) -> bool:
        """Whether one of the two depends on the other: a request through one can reach the other."""
        return b in self.dependencies(a) or a in self.dependencies(b)

    def paths(self) -> list[tuple[str, ...]]:
        """Every request path from an entry point down to a server that calls nothing further."""
        found: list[tuple[str, ...]] = []

        def walk(path: tuple[str, ...]) -> None:
            onward = [h for h in self.calls.get(path[-1], ()) if h not in path]
            if not onward:
                found.append(path)
            for callee in onward:
                walk((*path, callee))

        for entry in self.entry_points:
            walk((entry,))
        return found

    @cached_property
    def depth(self) -> dict[str, int]:
        """Hops from the nearest entry point, for every server on a request path."""
        depth = {entry: 0 for entry in self.entry_points}
        queue = deque(self.entry_points)
        while queue:
            host = queue.popleft()
            for callee in self.calls.get(host, ()):
                if callee not in depth:
                    depth[callee] = depth[host] + 1
                    queue.append(callee)
        return depth


def label_edges(servers: Sequence[Server]) -> list[Edge]:
    """Edges from each server's `depends_on` label (`depends_on="db-1,cache-1"`)."""
    return [(server.hostname, callee) for server in servers
            for callee in _NAMES.split(server.labels.get(DEPENDS_ON_LABEL, "")) if callee]


def load_dependency_file(path: Path) -> list[Edge]:
    """The edges of a TOML or JSON file holding a `depends_on` table (hostname -> the hostnames it
    calls); DependencyConfigError naming the file and the fault when it can't be used."""
    where = f"OPENMANAGER_DEPENDENCIES={path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DependencyConfigError(f"{where}: cannot read the file ({exc.strerror or exc})") from exc
    data = _parse(text, path.suffix.lower(), where)
    table = data.get(FILE_TABLE) if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise DependencyConfigError(f'{where}: needs a "{FILE_TABLE}" table mapping each hostname to '
                                    "the list of hostnames it calls")
    edges: list[Edge] = []
    for caller, callees in table.items():
        if not isinstance(callees, list) or not all(isinstance(c, str) and c.strip() for c in callees):
            raise DependencyConfigError(f'{where}: {FILE_TABLE}."{caller}" must be a list of hostnames, '
                                        f"not {json.dumps(callees)}")
        if caller in callees:
            raise DependencyConfigError(f'{where}: {FILE_TABLE}."{caller}" depends on itself')
        edges.extend((caller, callee.strip()) for callee in callees)
    cycle = _cycle(edges)
    if cycle:
        raise DependencyConfigError(f"{where}: the dependencies go round in a circle: {' → '.join(cycle)}")
    return edges


def _parse(text: str, suffix: str, where: str) -> Any:
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DependencyConfigError(f"{where}: not valid TOML: {exc}") from exc
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DependencyConfigError(f"{where}: not valid JSON: {exc}") from exc
    raise DependencyConfigError(f"{where}: the file must end in .toml or .json")


def _cycle(edges: Sequence[Edge]) -> list[str]:
    """One cycle among the edges (its hosts, the first repeated at the end), or [] when there is none."""
    calls: dict[str, list[str]] = {}
    for caller, callee in edges:
        calls.setdefault(caller, []).append(callee)
    done: set[str] = set()

    def visit(path: list[str]) -> list[str]:
        for callee in calls.get(path[-1], ()):
            if callee in path:
                return [*path[path.index(callee):], callee]
            if callee not in done:
                found = visit([*path, callee])
                if found:
                    return found
        done.add(path[-1])
        return []

    for start in calls:
        if start not in done and (found := visit([start])):
            return found
    return []
