"""The fleet catalogue: 20 servers in deployment (importance) order, extendable for scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .models import Environment, Provider, Server, ServerType, Service, Specs

SSH = ("sshd", 22)

SERVICES_BY_TYPE: dict[ServerType, tuple[tuple[str, int], ...]] = {
    ServerType.WEB: (("nginx", 80), ("php-fpm", 9000)),
    ServerType.DATABASE: (("mysql", 3306),),
    ServerType.API: (("api-gateway", 8080), ("nginx", 443)),
    ServerType.KUBERNETES: (("kubelet", 10250), ("kube-proxy", 10256)),
    ServerType.CACHE: (("redis", 6379), ("redis-sentinel", 26379)),
    ServerType.PROXY: (("nginx", 80), ("nginx-ssl", 443)),
    ServerType.ANALYTICS: (("spark-worker", 7078), ("jupyter", 8888)),
    ServerType.MONITORING: (("elasticsearch", 9200), ("kibana", 5601)),
    ServerType.CI_CD: (("jenkins", 8080), ("docker", 2376)),
    ServerType.STORAGE: (("nfs", 2049), ("rsync", 873)),
    ServerType.MAIL: (("postfix", 25), ("dovecot", 993)),
    ServerType.SECURITY: (("vault", 8200),),
}

LOCATIONS: dict[Provider, str] = {
    Provider.ONPREMISE: "Seoul IDC",
    Provider.AWS: "AWS Seoul (ap-northeast-2)",
    Provider.KUBERNETES: "Kubernetes (Seoul)",
}


@dataclass(frozen=True)
class _Entry:
    hostname: str
    name: str
    type: ServerType
    provider: Provider
    specs: tuple[int, int, int]
    environment: Environment = Environment.PRODUCTION
    services: tuple[tuple[str, int], ...] | None = None


_BASE: tuple[_Entry, ...] = (
    _Entry("web-prod-01", "Production Web Server", ServerType.WEB, Provider.ONPREMISE,
           (8, 16, 500)),
    _Entry("db-master-01", "Primary Database Server", ServerType.DATABASE, Provider.ONPREMISE,
           (16, 64, 2000)),
    _Entry("api-gateway-prod", "API Gateway", ServerType.API, Provider.AWS, (8, 16, 200)),
    _Entry("k8s-master-01", "Kubernetes Control Plane", ServerType.KUBERNETES,
           Provider.KUBERNETES, (4, 16, 200),
           services=(("kube-apiserver", 6443), ("etcd", 2379), ("kubelet", 10250))),
    _Entry("k8s-worker-01", "Kubernetes Worker Node 1", ServerType.KUBERNETES,
           Provider.KUBERNETES, (16, 64, 500)),
    _Entry("k8s-worker-02", "Kubernetes Worker Node 2", ServerType.KUBERNETES,
           Provider.KUBERNETES, (16, 64, 500)),
    _Entry("cache-redis-01", "Redis Cache Server", ServerType.CACHE, Provider.AWS,
           (4, 32, 100)),
    _Entry("k8s-ingress-01", "Kubernetes Ingress Controller", ServerType.KUBERNETES,
           Provider.KUBERNETES, (4, 8, 100),
           services=(("ingress-nginx", 443), ("kubelet", 10250), ("kube-proxy", 10256))),
    _Entry("proxy-nginx-01", "Reverse Proxy", ServerType.PROXY, Provider.ONPREMISE,
           (4, 8, 100)),
    _Entry("analytics-worker", "Analytics Worker", ServerType.ANALYTICS, Provider.AWS,
           (16, 64, 1000)),
    _Entry("monitoring-elk", "ELK Monitoring Stack", ServerType.MONITORING, Provider.AWS,
           (8, 32, 2000)),
    _Entry("k8s-logging-01", "Kubernetes Logging Node", ServerType.KUBERNETES,
           Provider.KUBERNETES, (8, 32, 1000),
           services=(("fluentd", 24224), ("kubelet", 10250), ("kube-proxy", 10256))),
    _Entry("k8s-monitoring-01", "Kubernetes Monitoring Node", ServerType.KUBERNETES,
           Provider.KUBERNETES, (8, 32, 500),
           services=(("prometheus", 9090), ("kubelet", 10250), ("kube-proxy", 10256))),
    _Entry("grafana-metrics", "Grafana Metrics Server", ServerType.MONITORING, Provider.AWS,
           (4, 8, 200), services=(("grafana", 3000), ("prometheus", 9090))),
    _Entry("jenkins-ci-cd", "Jenkins CI/CD Server", ServerType.CI_CD, Provider.ONPREMISE,
           (8, 16, 1000)),
    _Entry("backup-storage-01", "Backup Storage Server", ServerType.STORAGE,
           Provider.ONPREMISE, (4, 16, 8000)),
    _Entry("mail-server-01", "Mail Server", ServerType.MAIL, Provider.ONPREMISE,
           (4, 8, 500)),
    _Entry("file-server-nfs", "NFS File Server", ServerType.STORAGE, Provider.ONPREMISE,
           (8, 16, 4000)),
    _Entry("vault-secrets", "Vault Secrets Manager", ServerType.SECURITY, Provider.AWS,
           (2, 4, 50)),
    _Entry("staging-web-01", "Staging Web Server", ServerType.WEB, Provider.AWS, (4, 8, 200),
           environment=Environment.STAGING),
)


# The request path, caller -> what it calls: ingress -> reverse proxy -> web / API gateway -> the API
# on the k8s workers -> database and cache. CI, backup, mail, monitoring and the rest stand apart.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "k8s-ingress-01": ("proxy-nginx-01",),
    "proxy-nginx-01": ("web-prod-01", "api-gateway-prod"),
    "web-prod-01": ("k8s-worker-01", "k8s-worker-02"),
    "api-gateway-prod": ("k8s-worker-01", "k8s-worker-02"),
    "k8s-worker-01": ("db-master-01", "cache-redis-01"),
    "k8s-worker-02": ("db-master-01", "cache-redis-01"),
}
_SLOT = {entry.hostname: slot for slot, entry in enumerate(_BASE)}


def catalogue_edges(servers: Sequence[Server]) -> list[tuple[str, str]]:
    """(caller, callee) hostnames of the catalogue's request path among `servers`: each generation past
    the first 20 has a request path of its own (`web-prod-01-g0002` calls `k8s-worker-01-g0002`)."""
    by_position = {server.position: server for server in servers}
    edges: list[tuple[str, str]] = []
    for server in servers:
        generation, slot = divmod(server.position - 1, len(_BASE))
        for callee in DEPENDS_ON.get(_BASE[slot].hostname, ()):
            target = by_position.get(generation * len(_BASE) + _SLOT[callee] + 1)
            if target is not None:
                edges.append((server.hostname, target.hostname))
    return edges


def _ip(provider: Provider, index: int) -> str:
    """On-premises hosts live in 192.168.1.x, cloud and cluster hosts in 10.0.1.x (then .2.x...)."""
    subnet, host = divmod(index - 1, 254)
    prefix = "192.168" if provider is Provider.ONPREMISE else "10.0"
    return f"{prefix}.{subnet + 1}.{host + 1}"


def _server(position: int, entry: _Entry, hostname: str, name: str) -> Server:
    pairs = entry.services or SERVICES_BY_TYPE[entry.type]
    cores, memory, disk = entry.specs
    return Server(
        id=f"srv_{position:03d}",
        position=position,
        hostname=hostname,
        name=name,
        type=entry.type,
        environment=entry.environment,
        location=LOCATIONS[entry.provider],
        provider=entry.provider,
        specs=Specs(cpu_cores=cores, memory_gb=memory, disk_gb=disk),
        ip=_ip(entry.provider, position),
        services=[Service(name=n, port=p) for n, p in (*pairs, SSH)],
    )


def _extended_hostname(entry: _Entry, generation: int) -> str:
    """`web-prod-01` in generation 2 becomes `web-prod-01-g0002`: same type, unique name."""
    return f"{entry.hostname}-g{generation:04d}"


@lru_cache(maxsize=4)
def build_catalogue(size: int = 20) -> tuple[Server, ...]:
    """The first `size` servers in deployment order; past 20 the base list repeats by type."""
    servers: list[Server] = []
    for position in range(1, size + 1):
        generation, slot = divmod(position - 1, len(_BASE))
        entry = _BASE[slot]
        if generation == 0:
            servers.append(_server(position, entry, entry.hostname, entry.name))
        else:
            servers.append(_server(position, entry, _extended_hostname(entry, generation + 1),
                                   f"{entry.name} #{generation + 1}"))
    return tuple(servers)


class Catalogue:
    """Lookup by position, id or hostname over one built catalogue."""

    def __init__(self, size: int = 20) -> None:
        self._index(build_catalogue(size))

    @classmethod
    def holding(cls, servers: Sequence[Server]) -> Catalogue:
        """A catalogue of servers a metric source knows, in their order."""
        catalogue = cls.__new__(cls)
        catalogue._index(tuple(servers))
        return catalogue

    def _index(self, servers: tuple[Server, ...]) -> None:
        self.servers = servers
        self._by_key: dict[str, Server] = {}
        for server in self.servers:
            self._by_key[server.id.lower()] = server
            self._by_key[server.hostname.lower()] = server

    def __len__(self) -> int:
        return len(self.servers)

    def at(self, position: int) -> Server:
        return self.servers[position - 1]

    def find(self, key: str) -> Server | None:
        """A server by id (`srv_001`) or hostname, case-insensitively."""
        return self._by_key.get(key.strip().lower())
