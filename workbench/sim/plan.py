"""Compile a scenario into what the engine runs: stations, and a route per device.

A node or link with ``count`` N stands for N instances. Device ``i`` of a group of N reaches
instance ``i * M // N`` of a group of M (devices spread evenly over gateways), over the link
instance on the larger side. A route is a tuple of steps ``(kind, station, value, where)``:
``(SEGMENT, channel, bytes, where)`` for the first link of a message's way to the next stage
(or sink), ``(CHANNEL, ...)`` for the links after it, ``(SERVER, server, stage_index, where)``
for a stage (``FALLBACK`` for a stage served by its fallback model, on routes made during a
failure); ``where`` is the (node, instance) the request is at before the step. The engine walks
it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..catalogue import Catalogue
from ..errors import Problem, ScenarioError
from ..policy import Tenancy, leg_limits, tenant_path
from ..scenario import Flow, Scenario, Stage, Workload
from ..topology import Topology
from ..validation import validate_scenario
from ..workloads import input_size_bytes, node_servers, service_time_s, shards_by_node
from .slices import BurstChannel, BurstServer, SliceChannel, SliceServer
from .stations import Channel, Element, Server, Store, new_bins

CHANNEL, SERVER, SEGMENT, FALLBACK = 0, 1, 2, 3
ANY_TENANT: Any = object()  # control-plane traffic: shared transit, no tenant's rule
Where = tuple[str, int]
Step = tuple[int, Any, Any, Where]  # see the module docstring


def instance_on(index: int, count_from: int, count_to: int) -> int:
    """The instance of a group of ``count_to`` that instance ``index`` of ``count_from`` uses."""
    if count_to == count_from:
        return index
    return index * count_to // count_from


@dataclass
class ServiceSpec:
    """How long one request takes at a stage: a fixed time or a distribution."""

    dist: str  # deterministic, exponential, lognormal
    mean_s: float
    cv: float = 0.0

    @property
    def lognormal_params(self) -> tuple[float, float]:
        sigma2 = math.log(1 + self.cv**2)
        return math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2)


@dataclass
class StagePlan:
    stage: Stage
    node: str
    service: ServiceSpec
    forward: float


@dataclass
class WorkloadPlan:
    """A workload ready to run: its arrival process, stages and one route per device."""

    index: int
    workload: Workload
    devices: int
    rate: float  # requests per second per device
    input_bytes: float
    source_level: int
    stages: list[StagePlan]
    routes: list[tuple[Step, ...]]
    trace: list[float] | None = None
    prefixes: list[int] = field(default_factory=list)  # per device: steps it may take at once
    # Highest tier level the data may reach on the way into stage k (index k), and to the sink
    # (last index): every path the engine takes for this workload stays within these.
    limits: list[int] = field(default_factory=list)

    # bytes_table[device, k + 1]: bytes a request puts on links up to and into stage k;
    # column 0 is 0 (nothing reached yet); the last column is the whole route with the sink.
    bytes_table: Any = None


@dataclass
class FlowPlan:
    """Bulk transfers to each target instance, each over a route of channels."""

    index: int
    flow: Flow
    routes: list[tuple[str, int, tuple[Step, ...]]]  # (target node, instance, route)


@dataclass
class LinkInfo:
    id: str
    ends: tuple[str, str]
    levels: tuple[int, int]
    instances: int
    bins: tuple[Any, Any]  # bytes per bin, up and down


@dataclass
class NodeInfo:
    id: str
    tier: str
    level: int
    instances: int
    servers: int
    bins: Any


@dataclass
class SliceInfo:
    """A tenant's slice: of a node (``capacity`` servers per instance) or of a link
    (``capacity`` bits per second, each direction, per instance), with its own time bins
    (busy seconds, or bytes per direction)."""

    tenant: str
    kind: str  # "node" or "link"
    target: str
    capacity: float
    instances: int
    burst: bool
    bins: list[Any]


@dataclass
class Plan:
    scenario: Scenario
    topology: Topology
    until_s: float
    bin_s: float
    links: list[LinkInfo]
    nodes: list[NodeInfo]
    # (link, instance, direction), and (..., tenant) for a slice's view of a sliced link
    channels: dict[tuple[Any, ...], Channel] = field(default_factory=dict)
    servers: dict[tuple[int, int], Server] = field(default_factory=dict)
    slice_servers: dict[tuple[int, int, str], Server] = field(default_factory=dict)
    stores: dict[Where, Store] = field(default_factory=dict)
    link_elements: dict[str, Element] = field(default_factory=dict)
    node_elements: dict[str, Element] = field(default_factory=dict)
    builder: Any = None  # the _Builder, for routes found during a run (reroutes, fallbacks)
    tenancy: Tenancy | None = None  # slices and isolation, when the scenario has tenants
    slices: dict[tuple[str, str], SliceInfo] = field(default_factory=dict)  # (tenant, target)
    workloads: list[WorkloadPlan] = field(default_factory=list)
    flows: list[FlowPlan] = field(default_factory=list)


class _Builder:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, until_s: float, bin_s: float):
        self.scenario = scenario
        self.cat = catalogue
        self.topo = Topology(scenario, catalogue)
        self.node_index = {n.id: i for i, n in enumerate(scenario.nodes)}
        self.link_index = {spec_id: i for i, spec_id in enumerate(self.topo.links)}
        self.nodes = scenario.nodes
        links = []
        for spec in self.topo.links.values():
            a, b = self.scenario.node(spec.a), self.scenario.node(spec.b)
            links.append(
                LinkInfo(
                    id=spec.id,
                    ends=(spec.a, spec.b),
                    levels=(self.topo.level(spec.a), self.topo.level(spec.b)),
                    instances=max(a.count, b.count),
                    bins=(new_bins(until_s, bin_s), new_bins(until_s, bin_s)),
                )
            )
        nodes = []
        shards = shards_by_node(scenario)
        for node in scenario.nodes:
            nodes.append(
                NodeInfo(
                    id=node.id,
                    tier=node.tier,
                    level=self.topo.level(node.id),
                    instances=node.count,
                    servers=node_servers(node, catalogue, shards),
                    bins=new_bins(until_s, bin_s),
                )
            )
        self.plan = Plan(scenario, self.topo, until_s, bin_s, links, nodes)
        self.plan.builder = self
        self.plan.link_elements = {info.id: Element("link", info.id) for info in links}
        self.plan.node_elements = {n.id: Element("node", n.id) for n in scenario.nodes}
        self.tenancy = self.plan.tenancy = Tenancy.of(scenario)
        self._paths: dict[tuple[str, str, int, frozenset[str]], Any] = {}
        self._remainders: dict[tuple[Any, ...], tuple[Step, ...] | None] = {}

    def channel(self, link_id: str, instance: int, upward: bool, tenant: Any = None) -> Channel:
        """The channel of a link direction instance; on a sliced link, ``tenant``'s view of it
        (its slice, its slice-or-pool with burst, or the pool without a slice)."""
        if self.tenancy is not None and link_id in self.tenancy.link_slices:
            piece = self.tenancy.link_slices[link_id].get(tenant)
            if piece is not None:
                return self._link_slice(link_id, instance, upward, tenant, piece)
        li = self.link_index[link_id]
        key = (li, instance, 0 if upward else 1)
        channel = self.plan.channels.get(key)
        if channel is None:
            spec = self.topo.links[link_id]
            info = self.plan.links[li]
            channel = Channel(
                li,
                key[2],
                spec.bandwidth_bps if upward else spec.downlink_bandwidth_bps,
                spec.latency_s,
                info.bins[key[2]],
                self.plan.bin_s,
            )
            if self.tenancy is not None and link_id in self.tenancy.link_slices:
                channel.degrade(1.0 - self.tenancy.reserved_share(link_id), 0.0)
                channel.nominal = (channel.bandwidth_bps, channel.latency_s)  # the pool's
            self.plan.link_elements[link_id].attach(channel)
            self.plan.channels[key] = channel
        return channel

    def _link_slice(
        self, link_id: str, instance: int, upward: bool, tenant: str, piece: Any
    ) -> Channel:
        li = self.link_index[link_id]
        direction = 0 if upward else 1
        key = (li, instance, direction, tenant)
        channel = self.plan.channels.get(key)
        if channel is not None:
            return channel
        spec = self.topo.links[link_id]
        info = self.plan.links[li]
        bandwidth = spec.bandwidth_bps if upward else spec.downlink_bandwidth_bps
        record = self._slice_record(tenant, "link", link_id, bandwidth * piece.share, piece)
        own = SliceChannel(
            li,
            direction,
            bandwidth * piece.share,
            spec.latency_s,
            info.bins[direction],
            self.plan.bin_s,
            slice_bins=record.bins[direction],
            tenant=tenant,
        )
        self.plan.link_elements[link_id].attach(own)
        channel = own
        if piece.burst:
            channel = BurstChannel(own, self.channel(link_id, instance, upward))
            self.plan.link_elements[link_id].attach(channel)
            self.plan.channels[(*key, "own")] = own
        self.plan.channels[key] = channel
        return channel

    def _slice_record(
        self, tenant: str, kind: str, target: str, capacity: float, piece: Any
    ) -> SliceInfo:
        record = self.plan.slices.get((tenant, target))
        if record is None:
            if kind == "node":
                instances = self.nodes[self.node_index[target]].count
                bins = [new_bins(self.plan.until_s, self.plan.bin_s)]
            else:
                instances = self.plan.links[self.link_index[target]].instances
                bins = [new_bins(self.plan.until_s, self.plan.bin_s) for _ in range(2)]
            record = SliceInfo(tenant, kind, target, capacity, instances, piece.burst, bins)
            self.plan.slices[(tenant, target)] = record
        return record

    def server(self, node_id: str, instance: int, tenant: Any = None) -> Server:
        """The servers of a node instance; on a sliced node, ``tenant``'s view of them (its
        slice, its slice-or-pool with burst, or the unreserved pool without a slice)."""
        if self.tenancy is not None and node_id in self.tenancy.node_slices:
            return self._node_slice(node_id, instance, tenant)
        ni = self.node_index[node_id]
        key = (ni, instance)
        server = self.plan.servers.get(key)
        if server is None:
            info = self.plan.nodes[ni]
            server = Server(ni, info.servers, info.bins, self.plan.bin_s)
            self.plan.node_elements[node_id].attach(server)
            self.plan.servers[key] = server
        return server

    def _node_slice(self, node_id: str, instance: int, tenant: Any) -> Server:
        assert self.tenancy is not None
        ni = self.node_index[node_id]
        info = self.plan.nodes[ni]
        piece = self.tenancy.node_slices[node_id].get(tenant)
        pool_servers = info.servers - self.tenancy.reserved_servers(node_id)
        if piece is None:  # the unreserved pool
            key = (ni, instance)
            server = self.plan.servers.get(key)
            if server is None:
                if pool_servers <= 0:  # validation rules this out; a clear error, not a crash
                    raise ScenarioError(
                        [Problem("tenants", f"every server of {node_id!r} is reserved by slices")]
                    )
                server = Server(ni, pool_servers, info.bins, self.plan.bin_s)
                self.plan.node_elements[node_id].attach(server)
                self.plan.servers[key] = server
            return server
        slot = (ni, instance, tenant)
        view = self.plan.slice_servers.get(slot)
        if view is None:
            servers = int(piece.servers or 1)
            record = self._slice_record(tenant, "node", node_id, servers, piece)
            own = SliceServer(ni, servers, info.bins, self.plan.bin_s, record.bins[0], tenant)
            self.plan.node_elements[node_id].attach(own)
            view = own
            if piece.burst and pool_servers > 0:
                view = BurstServer(own, self._node_slice(node_id, instance, None))
                self.plan.node_elements[node_id].attach(view)
            self.plan.slice_servers[slot] = view
        return view

    def _path(self, src: str, dst: str, limit: int, avoid: frozenset[str], tenant: Any) -> Any:
        """The path a message takes: within the data class's tier ``limit``, around ``avoid``
        and, for a tenant's traffic, around other tenants' nodes."""
        if self.tenancy is None or tenant is ANY_TENANT:
            return self.topo.path(src, dst, max_level=limit, avoid=avoid)
        foreign = self.tenancy.foreign_to(tenant)
        if avoid:
            return tenant_path(self.topo, src, dst, limit=limit, foreign=foreign, avoid=avoid)
        key = (src, dst, limit, foreign)
        if key not in self._paths:
            self._paths[key] = tenant_path(self.topo, src, dst, limit=limit, foreign=foreign)
        return self._paths[key]

    def store(self, where: Where) -> Store:
        store = self.plan.stores.get(where)
        if store is None:
            capacity = self.nodes[self.node_index[where[0]]].storage_bytes
            store = self.plan.stores[where] = Store(where[0], capacity)
        return store

    def hops(
        self,
        src: str,
        instance: int,
        dst: str,
        size: float,
        steps: list[Step],
        avoid: frozenset[str] = frozenset(),
        limit: int = 5,
        visited: Mapping[str, int] | None = None,
        tenant: Any = ANY_TENANT,
    ) -> int | None:
        """Append the channel steps from (src, instance) to dst, around ``avoid`` and through
        nodes no higher than tier level ``limit`` (the data class's policy); return the
        instance reached, or None when there is no such path. A node in ``visited`` (node:
        instance a request already passed through) is reached at that instance: a request
        that turns back down goes to its own device, not to the group's first. ``tenant``: whose
        traffic it is (the isolation rule and slices apply); by default shared transit."""
        path = self._path(src, dst, limit, avoid, tenant)
        if path is None:
            return None
        here, idx = src, instance
        for number, hop in enumerate(path):
            count_here = self.nodes[self.node_index[here]].count
            count_next = self.nodes[self.node_index[hop.dst]].count
            if visited is not None and hop.dst in visited:
                nxt = visited[hop.dst]
            else:
                nxt = instance_on(idx, count_here, count_next)
            link_instance = idx if count_here >= count_next else nxt
            channel = self.channel(
                hop.link, link_instance, self.topo.is_upward(hop.link, here), tenant
            )
            steps.append((SEGMENT if number == 0 else CHANNEL, channel, size, (here, idx)))
            here, idx = hop.dst, nxt
        return idx

    def _hops_or_fail(
        self,
        src: str,
        instance: int,
        dst: str,
        size: float,
        steps: list[Step],
        limit: int,
        tenant: Any = ANY_TENANT,
    ) -> int:
        reached = self.hops(src, instance, dst, size, steps, limit=limit, tenant=tenant)
        if reached is None:  # validation rules this out; kept as a clear error, not a crash
            raise ScenarioError([Problem("links", f"no path from {src!r} to {dst!r}")])
        return reached

    def remainder(
        self,
        workload: WorkloadPlan,
        stage: int,
        where: Where,
        size: float,
        *,
        avoid: frozenset[str] = frozenset(),
        fallback_node: str | None = None,
        policy: bool = True,
        visited: Mapping[str, int] | None = None,
    ) -> list[Step] | None:
        """The steps from ``where`` through stages ``stage``... and the sink, for a request
        carrying ``size`` bytes, around ``avoid`` and within each leg's data-class limit;
        with ``fallback_node``, stage ``stage`` is served there by its fallback model. None when
        some part has no such path. ``policy=False`` ignores the data classes: only to tell
        "no path at all" from "no path policy allows". ``visited``: as for :meth:`hops`.

        The answer depends on its arguments only (the builder's stations are made once), so it
        is kept: an outage asks the same question for every request it blocks."""
        key = (
            workload.index, stage, where, size, avoid, fallback_node, policy,
            None if visited is None else tuple(sorted(visited.items())),
        )  # fmt: skip
        if key in self._remainders:
            kept = self._remainders[key]
            return None if kept is None else list(kept)
        found = self._remainder(workload, stage, where, size, avoid, fallback_node, policy, visited)
        self._remainders[key] = None if found is None else tuple(found)
        return found

    def _remainder(
        self,
        workload: WorkloadPlan,
        stage: int,
        where: Where,
        size: float,
        avoid: frozenset[str],
        fallback_node: str | None,
        policy: bool,
        visited: Mapping[str, int] | None,
    ) -> list[Step] | None:
        steps: list[Step] = []
        here, idx = where
        stages = workload.stages
        limits = workload.limits if policy else [5] * (len(stages) + 1)
        tenant = workload.workload.tenant
        rule = tenant if policy else ANY_TENANT  # without policy: no tenant rule either
        for k in range(stage, len(stages)):
            node = fallback_node if (k == stage and fallback_node is not None) else stages[k].node
            reached = self.hops(here, idx, node, size, steps, avoid, limits[k], visited, rule)
            if reached is None:
                return None
            kind = FALLBACK if node == fallback_node and k == stage else SERVER
            steps.append((kind, self.server(node, reached, tenant), k, (node, reached)))
            here, idx, size = node, reached, stages[k].stage.output_size_bytes
            avoid = frozenset()  # later legs wait for repairs rather than detour early
        sink = workload.workload.sink
        if (
            sink is not None
            and self.hops(here, idx, sink, size, steps, avoid, limits[-1], visited, rule) is None
        ):
            return None
        return steps

    def workload(self, index: int, workload: Workload) -> WorkloadPlan:
        cat = self.cat
        source = self.scenario.node(workload.source.node)
        stages = []
        for stage in workload.stages:
            node_id = self.scenario.placement[f"{workload.id}.{stage.id}"]
            if stage.service is not None:
                service = ServiceSpec(stage.service.dist, stage.service.mean_s, stage.service.cv)
            else:
                hardware = cat.hardware[self.scenario.node(node_id).hardware]
                service = ServiceSpec(
                    "deterministic", service_time_s(cat.models[stage.model], hardware, stage)
                )
            stages.append(StagePlan(stage, node_id, service, stage.forward))
        input_bytes = input_size_bytes(workload, cat)
        limits = leg_limits(workload, cat)
        tenant = workload.tenant
        routes = []
        sent = np.zeros((source.count, len(stages) + 2))
        for device in range(source.count):
            steps: list[Step] = []
            here, idx, size = source.id, device, input_bytes
            for k, plan in enumerate(stages):
                idx = self._hops_or_fail(here, idx, plan.node, size, steps, limits[k], tenant)
                sent[device, k + 1] = sum(v for kind, _, v, _ in steps if kind != SERVER)
                steps.append((SERVER, self.server(plan.node, idx, tenant), k, (plan.node, idx)))
                here, size = plan.node, plan.stage.output_size_bytes
            if workload.sink is not None:
                self._hops_or_fail(here, idx, workload.sink, size, steps, limits[-1], tenant)
            sent[device, -1] = sum(v for kind, _, v, _ in steps if kind != SERVER)
            routes.append(tuple(steps))
        return WorkloadPlan(
            index=index,
            workload=workload,
            devices=source.count,
            rate=workload.source.rate,
            input_bytes=input_bytes,
            source_level=self.topo.level(source.id),
            stages=stages,
            routes=routes,
            trace=list(workload.source.trace) if workload.source.trace else None,
            bytes_table=sent,
            limits=limits,
        )

    def flow(self, index: int, flow: Flow) -> FlowPlan:
        routes = []
        for target in flow.targets:
            for instance in range(self.scenario.node(target).count):
                steps: list[Step] = []
                # Walk from the target's instance up to the origin, then reverse: each target
                # instance receives its own copy over its own links.
                self._flow_hops(flow.origin, target, instance, flow.size_bytes, steps)
                routes.append((target, instance, tuple(steps)))
        return FlowPlan(index, flow, routes)

    def down_route(self, origin: str, target: str, instance: int) -> tuple[Step, ...]:
        """The channel steps from ``origin`` down to instance ``instance`` of ``target`` (a
        checkpoint's way; each target instance gets its own copy over its own links)."""
        steps: list[Step] = []
        self._flow_hops(origin, target, instance, 0.0, steps)
        return tuple(steps)

    def _flow_hops(
        self,
        origin: str,
        target: str,
        instance: int,
        size: float,
        steps: list[Step],
    ) -> None:
        path = self.topo.path(target, origin)
        if path is None:
            raise ScenarioError([Problem("flows", f"no path from {origin!r} to {target!r}")])
        here, idx = target, instance
        chain = []
        for hop in path:  # upward from the target, to find each link instance
            count_here = self.nodes[self.node_index[here]].count
            count_next = self.nodes[self.node_index[hop.dst]].count
            nxt = instance_on(idx, count_here, count_next)
            link_instance = idx if count_here >= count_next else nxt
            # The flow travels the other way: from hop.dst to here.
            channel = self.channel(hop.link, link_instance, self.topo.is_upward(hop.link, hop.dst))
            chain.append((channel, (hop.dst, nxt)))
            here, idx = hop.dst, nxt
        steps.extend((CHANNEL, channel, size, where) for channel, where in reversed(chain))


def build_plan(
    scenario: Scenario,
    *,
    until_s: float | None = None,
    bin_s: float = 1.0,
    catalogue: Catalogue | None = None,
) -> Plan:
    """Validate ``scenario`` and compile it; raises ScenarioError listing every problem."""
    problems = validate_scenario(scenario, catalogue, capacity=False)  # overload may be studied
    if problems:
        raise ScenarioError(problems)
    cat = scenario.catalogue(catalogue)
    until = until_s if until_s is not None else scenario.simulation.until_s
    builder = _Builder(scenario, cat, until, bin_s)
    plan = builder.plan
    plan.workloads = [builder.workload(i, w) for i, w in enumerate(scenario.workloads)]
    plan.flows = [builder.flow(i, f) for i, f in enumerate(scenario.flows)]
    _mark_private_prefixes(plan)
    return plan


def _mark_private_prefixes(plan: Plan) -> None:
    """For each route, how many leading steps no other route (or flow) uses.

    Such a station sees only this device's requests, which are created in time order, so the
    engine may take those steps as soon as a request is created. A private server with several
    parallel servers may reorder requests, so the prefix stops after it. A server that may
    serve a fallback model (on a stage's fallback node, or anywhere on the route of a stage
    whose fallback runs where the request is held) is not private: fallbacks reach it at run
    time and must not queue behind requests taken ahead of their time. Nor is a link that
    ground-truth labels travel on (they are sent at run time too).
    """
    uses: dict[int, int] = {}
    fallback_nodes = _fallback_nodes(plan)
    for workload in plan.workloads:
        labelled = workload.workload.labels is not None  # labels go up the device's links
        for route in workload.routes:
            for kind, station, _, where in route:
                shared = (kind != SERVER and labelled) or (
                    kind == SERVER and where is not None and where[0] in fallback_nodes
                )
                uses[id(station)] = uses.get(id(station), 0) + (2 if shared else 1)
    for flow in plan.flows:
        for _, _, route in flow.routes:
            for _, station, _, _ in route:
                uses[id(station)] = uses.get(id(station), 0) + 2
    for workload in plan.workloads:
        prefixes = []
        for route in workload.routes:
            length = 0
            for kind, station, _, _ in route:
                if uses[id(station)] != 1 or isinstance(station, BurstChannel | BurstServer):
                    break  # a burst view shares the pool with other routes
                length += 1
                if kind == SERVER and station.servers > 1:
                    break
            prefixes.append(length)
        workload.prefixes = prefixes


def _fallback_nodes(plan: Plan) -> set[str]:
    """The nodes where a fallback model may be served: each stage's fallback node, or, for a
    fallback served where the request is held, every node on its workload's routes."""
    nodes: set[str] = set()
    for workload in plan.workloads:
        for stage in workload.stages:
            fallback = stage.stage.fallback
            if fallback is None:
                continue
            if fallback.node is not None:
                nodes.add(fallback.node)
            else:
                for route in workload.routes:
                    nodes.update(where[0] for *_, where in route if where is not None)
    return nodes
