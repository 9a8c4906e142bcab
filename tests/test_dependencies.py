"""The service dependency graph: the catalogue's request path, labels, a configuration file, and a
clear error for a file that can't be used."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from openmanager_core.catalogue import build_catalogue, catalogue_edges
from openmanager_core.dependencies import DependencyConfigError, DependencyGraph, label_edges
from openmanager_core.fleet import Fleet
from openmanager_core.settings import Settings
from tests.services import start_metrics_stack, wait_for

REQUEST_PATH = {"k8s-ingress-01", "proxy-nginx-01", "web-prod-01", "api-gateway-prod", "k8s-worker-01",
                "k8s-worker-02", "db-master-01", "cache-redis-01"}


def fleet_with(tmp_path: Path, **values: object) -> Fleet:
    return Fleet(Settings(database_url=f"sqlite:///{tmp_path}/deps.db", redis_url=None, **values))


def test_the_catalogue_request_path_runs_from_the_ingress_down_to_the_database_and_cache(
        tmp_path: Path) -> None:
    graph = fleet_with(tmp_path).dependencies()
    assert graph.entry_points == ("k8s-ingress-01",)
    assert graph.calls["k8s-ingress-01"] == ("proxy-nginx-01",)
    assert graph.calls["proxy-nginx-01"] == ("web-prod-01", "api-gateway-prod")
    assert graph.calls["api-gateway-prod"] == ("k8s-worker-01", "k8s-worker-02")
    assert graph.calls["k8s-worker-01"] == ("db-master-01", "cache-redis-01")
    # CI, backup and mail are on no request path.
    assert {"jenkins-ci-cd", "backup-storage-01", "mail-server-01"} <= set(graph.apart)
    assert set(graph.hostnames) - set(graph.apart) == REQUEST_PATH
    assert graph.dependants("db-master-01") == ["web-prod-01", "api-gateway-prod", "k8s-worker-01",
                                                "k8s-worker-02", "k8s-ingress-01", "proxy-nginx-01"]
    assert graph.dependants("k8s-ingress-01") == []
    assert graph.dependencies("proxy-nginx-01") == ["web-prod-01", "db-master-01", "api-gateway-prod",
                                                    "k8s-worker-01", "k8s-worker-02", "cache-redis-01"]


def test_paths_go_from_the_entry_point_to_a_server_that_calls_nothing(tmp_path: Path) -> None:
    graph = fleet_with(tmp_path).dependencies()
    paths = graph.paths()
    assert ("k8s-ingress-01", "proxy-nginx-01", "api-gateway-prod", "k8s-worker-02", "db-master-01") in paths
    assert len(paths) == 8  # 2 front ends x 2 workers x 2 stores
    assert all(p[0] == "k8s-ingress-01" and p[-1] in {"db-master-01", "cache-redis-01"} for p in paths)
    assert graph.depth["db-master-01"] == 4 and graph.depth["proxy-nginx-01"] == 1
    assert graph.on_one_path("web-prod-01", "db-master-01")
    assert graph.on_one_path("db-master-01", "k8s-ingress-01")
    assert not graph.on_one_path("web-prod-01", "api-gateway-prod")  # side by side, not one path
    assert not graph.on_one_path("db-master-01", "mail-server-01")


def test_past_20_servers_each_generation_has_its_own_request_path() -> None:
    servers = build_catalogue(45)
    graph = DependencyGraph.of([s.hostname for s in servers], catalogue_edges(servers))
    assert graph.calls["web-prod-01-g0002"] == ("k8s-worker-01-g0002", "k8s-worker-02-g0002")
    # Generation 3 holds only the first five servers: one worker, no proxy, no cache.
    assert graph.calls["web-prod-01-g0003"] == ("k8s-worker-01-g0003",)
    assert graph.calls["k8s-worker-01-g0003"] == ("db-master-01-g0003",)
    assert set(graph.entry_points) == {"k8s-ingress-01", "k8s-ingress-01-g0002", "web-prod-01-g0003",
                                       "api-gateway-prod-g0003"}


def test_among_keeps_only_the_edges_between_the_servers_deployed(tmp_path: Path) -> None:
    graph = fleet_with(tmp_path).dependencies().among(["web-prod-01", "db-master-01", "k8s-worker-01"])
    assert graph.edges == [("web-prod-01", "k8s-worker-01"), ("k8s-worker-01", "db-master-01")]
    assert graph.entry_points == ("web-prod-01",)


def test_prometheus_style_depends_on_labels_give_the_edges() -> None:
    servers = [s.model_copy(update={"labels": labels}) for s, labels in zip(build_catalogue(3), [
        {"depends_on": "db-master-01, api-gateway-prod"}, {}, {"depends_on": "db-master-01"}], strict=True)]
    edges = label_edges(servers)
    assert edges == [("web-prod-01", "db-master-01"), ("web-prod-01", "api-gateway-prod"),
                     ("api-gateway-prod", "db-master-01")]
    graph = DependencyGraph.of([s.hostname for s in servers], [*edges, ("web-prod-01", "unknown-host")])
    assert graph.entry_points == ("web-prod-01",)
    assert graph.dependants("db-master-01") == ["web-prod-01", "api-gateway-prod"]


def test_a_prometheus_fleet_takes_its_edges_from_the_targets_depends_on_labels(tmp_path: Path) -> None:
    stack = start_metrics_stack("web-1", "db-1", "cache-1", "mail-1",
                                labels={"web-1": {"depends_on": "db-1,cache-1"}})
    try:
        fleet = fleet_with(tmp_path, source="prometheus", prometheus_url=stack.url)
        wait_for(lambda: len(fleet.deployed_servers()) == 4, timeout=60, what="four scraped targets",
                 log=stack.log)
        graph = fleet.dependencies()
        assert set(graph.edges) == {("web-1", "db-1"), ("web-1", "cache-1")}
        assert graph.entry_points == ("web-1",)
        assert graph.apart == ("mail-1",)  # no label, and no catalogue edges for a real fleet
    finally:
        stack.cleanup()


@pytest.mark.parametrize("name, text", [
    ("deps.toml", '[depends_on]\n"web-prod-01" = ["db-master-01"]\n"mail-server-01" = ["web-prod-01"]\n'),
    ("deps.json", '{"depends_on": {"web-prod-01": ["db-master-01"], "mail-server-01": ["web-prod-01"]}}'),
])
def test_a_configuration_file_replaces_the_catalogue_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("OPENMANAGER_DEPENDENCIES", str(path))
    graph = fleet_with(tmp_path).dependencies()
    assert graph.edges == [("web-prod-01", "db-master-01"), ("mail-server-01", "web-prod-01")]
    assert graph.entry_points == ("mail-server-01",)
    assert "proxy-nginx-01" in graph.apart  # the catalogue's edges are not added


@pytest.mark.parametrize("name, text, fault", [
    ("deps.toml", '[depends_on]\n"web-prod-01" = ["db-master-01"\n', "not valid TOML"),
    ("deps.json", '{"depends_on": {"web-prod-01": }}', "not valid JSON: Expecting value: line 1"),
    ("deps.yaml", "depends_on: {}", "must end in .toml or .json"),
    ("deps.json", '{"web-prod-01": ["db-master-01"]}', 'needs a "depends_on" table'),
    ("deps.json", '{"depends_on": {"web-prod-01": "db-master-01"}}',
     'depends_on."web-prod-01" must be a list of hostnames, not "db-master-01"'),
    ("deps.toml", '[depends_on]\n"web-prod-01" = ["web-prod-01"]\n', '"web-prod-01" depends on itself'),
    ("deps.toml", '[depends_on]\na = ["b"]\nb = ["c"]\nc = ["a"]\n',
     "go round in a circle: a → b → c → a"),
])
def test_a_bad_configuration_file_stops_the_fleet_with_its_fault_named(
        tmp_path: Path, name: str, text: str, fault: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DependencyConfigError) as raised:
        fleet_with(tmp_path, dependencies=path)
    assert f"OPENMANAGER_DEPENDENCIES={path}" in str(raised.value)
    assert fault in str(raised.value)


def test_a_missing_configuration_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DependencyConfigError, match=r"deps\.toml: cannot read the file \(No such file"):
        fleet_with(tmp_path, dependencies=tmp_path / "deps.toml")


def test_a_file_naming_a_host_the_fleet_lacks_is_logged(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "deps.toml"
    path.write_text('[depends_on]\n"web-prod-01" = ["db-mastr-01", "db-master-01"]\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="openmanager_core.fleet"):
        graph = fleet_with(tmp_path, dependencies=path).dependencies()
    assert graph.edges == [("web-prod-01", "db-master-01")]
    assert "the fleet does not have: db-mastr-01" in caplog.text
