"""The metric seam: the fleet is the one door to a source, and judges every frame the one way."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from openmanager_core.fleet import Fleet
from openmanager_core.metrics import METRIC_KEYS
from openmanager_core.models import IncidentType, Severity, Status
from openmanager_core.settings import Settings
from openmanager_core.sources.prometheus import hostname_of, metric_queries

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"simulator.Simulator", "sources.simulated", "sources.host", "sources.prometheus"}


def _imports(path: Path) -> set[str]:
    """Modules of openmanager_core that a file imports, relative to the package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1]) + (node.module or "").split(".")
                name = ".".join(part for part in base if part)
            else:
                name = node.module or ""
            found.add(name.removeprefix("openmanager_core."))
            found.update(f"{name.removeprefix('openmanager_core.')}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("openmanager_core.") for a in node.names)
    return found


def test_nothing_but_the_fleet_and_the_sources_themselves_opens_a_source() -> None:
    """Pages, API, AI tiers and alerts read metrics through the fleet: no other module opens a
    source (the simulator's pure helpers, such as its clock, are not a source)."""
    offenders = []
    for path in [*(ROOT / "openmanager_core").rglob("*.py"), *(ROOT / "views").rglob("*.py"),
                 *(ROOT / "ui").rglob("*.py"), ROOT / "app.py", ROOT / "navigation.py"]:
        if path.name == "fleet.py" or "sources" in path.relative_to(ROOT).parts:
            continue
        if _imports(path) & SOURCES:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_assess_judges_a_frame_as_the_fleet_page_does(tmp_path: Path) -> None:
    fleet = Fleet(Settings(database_url=f"sqlite:///{tmp_path}/seam.db", redis_url=None))
    fleet.deploy_next(fleet.total - 1)
    fleet.inject(IncidentType.HOST_DOWN, "db-master-01", Severity.HIGH)
    fleet.inject(IncidentType.SERVICE_DOWN, "web-prod-01", Severity.HIGH)
    at = fleet.clock()
    states = fleet.states("en", at=at)
    servers = [fleet.resolve(s.hostname) for s in states]
    judgement = fleet.assess(fleet.frame(servers, np.array([at.timestamp()])))
    assert judgement.statuses == [s.status for s in states]
    assert judgement.status(servers.index(fleet.resolve("db-master-01"))) is Status.OFFLINE
    assert judgement.status(servers.index(fleet.resolve("web-prod-01"))) is Status.WARNING  # nginx stopped


def test_a_prometheus_instance_label_without_its_port_is_the_hostname() -> None:
    assert hostname_of("web-1:9100") == "web-1"
    assert hostname_of("10.0.0.7:9100") == "10.0.0.7"
    assert hostname_of("[::1]:9100") == "::1"
    assert hostname_of("db-master-01") == "db-master-01"


def test_every_registry_metric_has_a_prometheus_query_under_the_selector() -> None:
    queries = metric_queries('{job="node", env="prod"}', "2m")
    assert set(queries) == set(METRIC_KEYS)
    assert 'node_cpu_seconds_total{job="node", env="prod", mode="idle"}[2m]' in queries["cpu"]
    assert 'mountpoint="/"' in queries["disk"]
