"""The scenario's topology as a networkx graph, with each link's figures resolved.

Links are undirected multigraph edges keyed by link id, so meshes, rings and redundant
uplinks are all ordinary topologies. Paths follow the lowest one-way latency.

Examples
--------
>>> from workbench.builders import hierarchy
>>> topo = Topology(hierarchy(devices=20, devices_per_gateway=10))
>>> [hop.link for hop in topo.path("dev1", "cloud")][:2]
['dev1--gw1', 'gw1--site1-dc']
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .catalogue import Catalogue
from .scenario import Link, Scenario


@dataclass(frozen=True)
class LinkSpec:
    """A link's figures after its profile's defaults are applied (SI units)."""

    id: str
    a: str
    b: str
    bandwidth_bps: float
    downlink_bandwidth_bps: float
    latency_s: float
    availability: float
    in_service: bool


@dataclass(frozen=True)
class Hop:
    """One link crossed on a path, in the direction of travel."""

    link: str
    src: str
    dst: str
    bandwidth_bps: float
    latency_s: float


def resolve_link(link: Link, catalogue: Catalogue) -> LinkSpec | None:
    """The link's figures, or None when neither the link nor its profile gives them."""
    profile = catalogue.links.get(link.profile) if link.profile else None
    bandwidth = link.bandwidth_bps or (profile.bandwidth_bps if profile else None)
    latency = link.latency_s
    if latency is None and profile is not None:
        latency = profile.latency_s
    if bandwidth is None or latency is None:
        return None
    downlink = link.downlink_bandwidth_bps or (
        profile.downlink_bandwidth_bps if profile and profile.downlink_bandwidth_bps else None
    )
    availability = link.availability
    if availability is None:
        availability = profile.availability if profile else 1.0
    return LinkSpec(
        id=link.key,
        a=link.ends[0],
        b=link.ends[1],
        bandwidth_bps=bandwidth,
        downlink_bandwidth_bps=downlink or bandwidth,
        latency_s=latency,
        availability=availability,
        in_service=link.in_service,
    )


class Topology:
    """Nodes and resolved links of a scenario on a :class:`networkx.MultiGraph`."""

    def __init__(self, scenario: Scenario, catalogue: Catalogue | None = None) -> None:
        self.scenario = scenario
        self.catalogue = catalogue or scenario.catalogue()
        self.graph: nx.MultiGraph = nx.MultiGraph()
        for node in scenario.nodes:
            tier = self.catalogue.tiers.get(node.tier)
            self.graph.add_node(
                node.id,
                tier=node.tier,
                level=tier.level if tier else 0,
                hardware=node.hardware,
                count=node.count,
            )
        self.links: dict[str, LinkSpec] = {}
        for link in scenario.links:
            spec = resolve_link(link, self.catalogue)
            if spec is None or spec.a not in self.graph or spec.b not in self.graph:
                continue
            self.links[spec.id] = spec
            self.graph.add_edge(spec.a, spec.b, key=spec.id, latency_s=spec.latency_s)
        self._levels: dict[str, int] = dict(self.graph.nodes(data="level"))
        # For path finding: one edge per pair of nodes, the lowest-latency link between them
        # (+1 ns per hop, so that among equal latencies the fewest hops win).
        self._routing = nx.Graph()
        self._routing.add_nodes_from(self.graph)
        for u, v, key, latency in self.graph.edges(keys=True, data="latency_s"):
            best = self._routing.get_edge_data(u, v)
            if best is None or latency + 1e-9 < best["w"]:
                self._routing.add_edge(u, v, w=latency + 1e-9, link=key)
        self._paths: dict[tuple[str, str, int], list[Hop] | None] = {}

    def level(self, node_id: str) -> int:
        """Tier level (1 far edge ... 5 cloud) of a node."""
        return self._levels[node_id]

    def _weight(self, max_level: int) -> str | Callable[[str, str, dict[str, Any]], float | None]:
        if max_level >= len(self.catalogue.tiers):
            return "w"
        levels = self._levels

        def weight(u: str, v: str, edge: dict[str, Any]) -> float | None:
            if levels[v] > max_level or levels[u] > max_level:
                return None
            return float(edge["w"])

        return weight

    def path(
        self, src: str, dst: str, *, max_level: int = 5, avoid: frozenset[str] = frozenset()
    ) -> list[Hop] | None:
        """Hops of the lowest-latency path from ``src`` to ``dst`` through nodes no higher than
        ``max_level`` and around the links and nodes in ``avoid``; ``[]`` when ``src == dst``;
        None when there is no such path."""
        if avoid:
            return self._path_avoiding(src, dst, max_level, avoid)
        key = (src, dst, max_level)
        if key not in self._paths:
            self._paths[key] = self._find_path(src, dst, max_level)
        return self._paths[key]

    def _path_avoiding(
        self, src: str, dst: str, max_level: int, avoid: frozenset[str]
    ) -> list[Hop] | None:
        if src in avoid or dst in avoid:
            return None
        if src == dst:
            return []
        levels = self._levels

        def usable(u: str, v: str) -> list[str]:
            return [k for k in self.graph[u][v] if k not in avoid]

        def weight(u: str, v: str, edges: dict[str, Any]) -> float | None:
            if u in avoid or v in avoid or levels[u] > max_level or levels[v] > max_level:
                return None
            latencies = [attrs["latency_s"] for k, attrs in edges.items() if k not in avoid]
            return min(latencies) + 1e-9 if latencies else None

        try:
            nodes = nx.shortest_path(self.graph, src, dst, weight=weight)
        except nx.NetworkXNoPath:
            return None
        hops = []
        for u, v in itertools.pairwise(nodes):
            link_id = min(usable(u, v), key=lambda k: self.graph[u][v][k]["latency_s"])
            hops.append(self._hop(link_id, u, v))
        return hops

    def is_upward(self, link_id: str, src: str) -> bool:
        """Whether leaving ``src`` over the link climbs the tiers. ``bandwidth`` is the rate
        toward the higher tier, whichever way the link's ``ends`` are written; between two
        nodes of one tier, upward is from ``ends[0]`` to ``ends[1]``."""
        spec = self.links[link_id]
        other = spec.b if src == spec.a else spec.a
        if self._levels[src] != self._levels[other]:
            return self._levels[src] < self._levels[other]
        return src == spec.a

    def _hop(self, link_id: str, u: str, v: str) -> Hop:
        spec = self.links[link_id]
        upward = self.is_upward(link_id, u)
        return Hop(
            link=link_id,
            src=u,
            dst=v,
            bandwidth_bps=spec.bandwidth_bps if upward else spec.downlink_bandwidth_bps,
            latency_s=spec.latency_s,
        )

    def _find_path(self, src: str, dst: str, max_level: int) -> list[Hop] | None:
        if src == dst:
            return []
        if src not in self.graph or dst not in self.graph:
            return None
        try:
            nodes = nx.shortest_path(self._routing, src, dst, weight=self._weight(max_level))
        except nx.NetworkXNoPath:
            return None
        return [self._hop(self._routing[u][v]["link"], u, v) for u, v in itertools.pairwise(nodes)]

    def nodes_of_tier(self, tier: str) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True) if d["tier"] == tier]


def transfer_time(hops: list[Hop], size_bytes: float) -> float:
    """Propagation plus transmission of ``size_bytes`` along ``hops`` (no queueing)."""
    return sum(h.latency_s + 8 * size_bytes / h.bandwidth_bps for h in hops)
