"""The catalogue: deployment order, identities, addresses and services."""

from __future__ import annotations

from openmanager_core.catalogue import Catalogue
from openmanager_core.models import Environment, Provider, ServerType

GUIDE_ORDER = [
    ("web-prod-01", ServerType.WEB), ("db-master-01", ServerType.DATABASE),
    ("api-gateway-prod", ServerType.API), ("k8s-master-01", ServerType.KUBERNETES),
    ("k8s-worker-01", ServerType.KUBERNETES), ("k8s-worker-02", ServerType.KUBERNETES),
    ("cache-redis-01", ServerType.CACHE), ("k8s-ingress-01", ServerType.KUBERNETES),
    ("proxy-nginx-01", ServerType.PROXY), ("analytics-worker", ServerType.ANALYTICS),
    ("monitoring-elk", ServerType.MONITORING), ("k8s-logging-01", ServerType.KUBERNETES),
    ("k8s-monitoring-01", ServerType.KUBERNETES), ("grafana-metrics", ServerType.MONITORING),
    ("jenkins-ci-cd", ServerType.CI_CD), ("backup-storage-01", ServerType.STORAGE),
    ("mail-server-01", ServerType.MAIL), ("file-server-nfs", ServerType.STORAGE),
    ("vault-secrets", ServerType.SECURITY), ("staging-web-01", ServerType.WEB),
]


def ports(server) -> dict[str, int]:
    return {s.name: s.port for s in server.services}


def test_twenty_servers_in_the_guides_importance_order() -> None:
    catalogue = Catalogue(20)
    assert [(s.hostname, s.type) for s in catalogue.servers] == GUIDE_ORDER
    assert [s.id for s in catalogue.servers][:3] == ["srv_001", "srv_002", "srv_003"]
    assert [s.position for s in catalogue.servers] == list(range(1, 21))
    assert catalogue.at(20).environment is Environment.STAGING
    assert all(s.environment is Environment.PRODUCTION for s in catalogue.servers[:19])


def test_services_fit_the_type_and_every_server_runs_sshd() -> None:
    catalogue = Catalogue(20)
    assert ports(catalogue.find("web-prod-01")) == {"nginx": 80, "php-fpm": 9000, "sshd": 22}
    assert ports(catalogue.find("db-master-01"))["mysql"] == 3306
    assert ports(catalogue.find("cache-redis-01")) == {"redis": 6379, "redis-sentinel": 26379,
                                                        "sshd": 22}
    worker = ports(catalogue.find("k8s-worker-01"))
    assert worker["kubelet"] == 10250 and worker["kube-proxy"] == 10256
    assert all(ports(s)["sshd"] == 22 for s in catalogue.servers)


def test_addresses_follow_the_provider() -> None:
    for server in Catalogue(20).servers:
        if server.provider is Provider.ONPREMISE:
            assert server.ip.startswith("192.168.1."), server
            assert server.location == "Seoul IDC"
        else:
            assert server.ip.startswith("10.0.1."), server
        assert server.specs.cpu_cores > 0 and server.specs.memory_gb > 0


def test_large_fleets_extend_by_type_with_unique_identities() -> None:
    catalogue = Catalogue(10_000)
    assert len(catalogue) == 10_000
    for attr in ("id", "hostname", "ip"):
        assert len({getattr(s, attr) for s in catalogue.servers}) == 10_000, attr
    assert catalogue.at(21).type is ServerType.WEB
    assert catalogue.at(22).type is ServerType.DATABASE
    assert catalogue.at(21).hostname != "web-prod-01"
    assert all(int(part) <= 255 for s in catalogue.servers for part in s.ip.split("."))


def test_find_by_id_or_hostname_case_insensitive() -> None:
    catalogue = Catalogue(20)
    assert catalogue.find("SRV_002").hostname == "db-master-01"
    assert catalogue.find(" Web-Prod-01 ").id == "srv_001"
    assert catalogue.find("nope") is None
