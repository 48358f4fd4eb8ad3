"""Fast closed-form estimates: mean latency per workload and bandwidth per tier boundary.

For instant feedback while someone drags a workload: no simulation, only queueing formulas.
Every node instance is an M/G/c queue fed by the Poisson streams placed on it (devices spread
evenly over instances); every link direction instance is an M/G/1 queue of messages. A
request's mean latency is the sum, over the segments it reaches, of propagation +
transmission + queueing + service, weighted by the share of requests that reach them
(``forward`` shares). The engine agrees on stable loads; see ``tests/workbench/test_analytic.py``
for the tolerance.

Examples
--------
>>> from workbench.scenario import load_scenario
>>> from workbench.loading import data_dir
>>> est = estimate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"))
>>> 0.005 < est.workloads["bearing-wear"].latency_s < 0.010
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from .catalogue import TIER_IDS, Catalogue
from .queueing import (
    departure_scv,
    ggc_wait,
    split_scv,
    superposed_scv,
    tandem_class_waits,
    tandem_wait,
)
from .scenario import Scenario, Workload
from .topology import Hop, Topology
from .workloads import input_size_bytes, node_servers, service_time_s, shards_by_node


@dataclass
class WorkloadEstimate:
    """Mean end-to-end latency of one workload, and its parts."""

    latency_s: float
    network_s: float
    queueing_s: float
    compute_s: float
    slo_s: float

    @property
    def meets_slo(self) -> bool:
        """Whether the *mean* is within the SLO (tails need the simulation)."""
        return self.latency_s <= self.slo_s


@dataclass
class BoundaryEstimate:
    up_bytes_per_s: float
    down_bytes_per_s: float
    raw_to_cloud_bytes_per_s: float

    @property
    def saving_percent(self) -> float | None:
        if self.raw_to_cloud_bytes_per_s <= 0:
            return None
        return 100 * (1 - self.up_bytes_per_s / self.raw_to_cloud_bytes_per_s)


@dataclass
class Estimate:
    workloads: dict[str, WorkloadEstimate]
    boundaries: dict[str, BoundaryEstimate]
    node_utilisation: dict[str, float]
    link_utilisation: dict[str, float] = field(default_factory=dict)  # busiest direction


Station = tuple[str, Any]  # ("node", node id) or ("link", (link id, upward))


@dataclass
class _Stream:
    rate: float  # per second, per instance
    mean: float  # seconds of service (or transmission)
    scv: float  # squared coefficient of variation of that time
    prev: Station | None = None  # the station the stream comes from; None: its source
    source_scv: float = 1.0  # SCV of the source's requests (Poisson 1, periodic 0)
    flow: str = ""  # the workload the stream belongs to


class _Model:
    """The routes and loads of every workload, from which the estimate is read."""

    def __init__(
        self, scenario: Scenario, catalogue: Catalogue | None, topology: Topology | None = None
    ) -> None:
        self.scenario = scenario
        self.topo = topology or Topology(scenario, catalogue)
        self.cat = self.topo.catalogue
        self.nodes = {n.id: n for n in scenario.nodes}
        self.node_streams: dict[str, list[_Stream]] = defaultdict(list)
        self.link_streams: dict[tuple[str, bool], list[_Stream]] = defaultdict(list)
        self.link_bytes: dict[tuple[str, bool], float] = defaultdict(float)  # per second, total
        self._segments: dict[str, list[tuple[float, list[Hop], float, str | None]]] = {}
        self._shards = shards_by_node(scenario)
        self._servers: dict[str, int] = {}
        self._real: dict[str, str] = {}  # a slice's station node -> the node it is a slice of
        self._tenancy: Any = None
        if scenario.tenants:
            from .policy.tenants import Tenancy  # only for scenarios with tenants

            self._tenancy = Tenancy.of(scenario)

    def station_node(self, node_id: str, tenant: str | None) -> str:
        """Where a stage of ``tenant`` queues on ``node_id``: the node itself or, on a node
        with slices, its slice (``node[tenant]``) or the unreserved servers (``node[pool]``),
        each a station of its own. A bursting slice counts the unreserved servers as its own
        too (an approximation: in the engine it shares them with the pool's users)."""
        tenancy = self._tenancy
        if tenancy is None or node_id not in tenancy.node_slices:
            return node_id
        piece = tenancy.node_slices[node_id].get(tenant)
        key = f"{node_id}[{tenant if piece is not None else 'pool'}]"
        if key not in self.nodes:
            pool = self.servers(node_id) - tenancy.reserved_servers(node_id)
            servers = pool if piece is None else int(piece.servers) + (pool if piece.burst else 0)
            self.nodes[key] = self.nodes[node_id].model_copy(update={"id": key})
            self._servers[key] = max(servers, 1)
            self._real[key] = node_id
        return key

    def real_node(self, station_node: str) -> str:
        """The node a station node stands for (itself, or the node a slice is of)."""
        return self._real.get(station_node, station_node)

    def instances(self, link: str) -> int:
        spec = self.topo.links[link]
        return max(self.nodes[spec.a].count, self.nodes[spec.b].count)

    def servers(self, node_id: str) -> int:
        servers = self._servers.get(node_id)
        if servers is None:
            servers = self._servers[node_id] = node_servers(
                self.nodes[node_id], self.cat, self._shards
            )
        return servers

    def service(self, workload: Workload, k: int, node_id: str) -> tuple[float, float]:
        stage = workload.stages[k]
        if stage.service is not None:
            scv = {"deterministic": 0.0, "exponential": 1.0}.get(
                stage.service.dist, stage.service.cv**2
            )
            return stage.service.mean_s, scv
        hardware = self.cat.hardware[self.nodes[node_id].hardware]
        return service_time_s(self.cat.models[stage.model], hardware, stage), 0.0

    def segments(self, workload: Workload) -> list[tuple[float, list[Hop], float, str | None]]:
        """(share reaching it, hops, bytes per message, stage node or None for the sink)."""
        cached = self._segments.get(workload.id)
        if cached is not None:
            return cached
        segments: list[tuple[float, list[Hop], float, str | None]] = []
        here = workload.source.node
        size = input_size_bytes(workload, self.cat)
        share = 1.0
        for stage in workload.stages:
            node_id = self.scenario.placement[f"{workload.id}.{stage.id}"]
            segments.append((share, self.topo.path(here, node_id) or [], size, node_id))
            here, size = node_id, stage.output_size_bytes
            share *= stage.forward
        if workload.sink is not None:
            segments.append((share, self.topo.path(here, workload.sink) or [], size, None))
        self._segments[workload.id] = segments
        return segments

    def station_instances(self, station: Station) -> int:
        kind, key = station
        return self.nodes[key].count if kind == "node" else self.instances(key[0])

    def load(self, workload: Workload) -> None:
        total_rate = self.nodes[workload.source.node].count * workload.source.rate
        source_scv = 0.0 if workload.source.arrival == "periodic" else 1.0
        prev: Station | None = None
        thinning = window_thinning(self, workload)
        for k, (share, hops, size, node_id) in enumerate(self.segments(workload)):
            rate = total_rate * share * thinning[k]
            for hop in hops:
                key = (hop.link, self.topo.is_upward(hop.link, hop.src))
                per_instance = rate / self.instances(hop.link)
                self.link_streams[key].append(
                    _Stream(
                        per_instance, 8 * size / hop.bandwidth_bps, 0, prev, source_scv, workload.id
                    )
                )
                self.link_bytes[key] += rate * size
                prev = ("link", key)
            if node_id is not None:
                mean, scv = self.service(workload, k, node_id)
                node_id = self.station_node(node_id, workload.tenant)
                self.node_streams[node_id].append(
                    # One inference per aggregation window (thinning[k + 1] / thinning[k]).
                    _Stream(
                        rate * thinning[k + 1] / thinning[k] / self.nodes[node_id].count,
                        mean,
                        scv,
                        prev,
                        source_scv,
                        workload.id,
                    )
                )
                prev = ("node", node_id)


def estimate(
    scenario: Scenario, catalogue: Catalogue | None = None, topology: Topology | None = None
) -> Estimate:
    """Closed-form estimate of ``scenario`` (which must validate); fast enough to run on every
    edit of a 1,000-device scenario. ``topology``: the scenario's, when already built (its
    paths are reused, e.g. over many placements of one topology)."""
    return estimate_of(loaded_model(scenario, catalogue, topology))


def loaded_model(
    scenario: Scenario, catalogue: Catalogue | None = None, topology: Topology | None = None
) -> _Model:
    """The routes and offered loads of every placed workload of ``scenario``."""
    model = _Model(scenario, catalogue, topology)
    for workload in scenario.workloads:
        model.load(workload)
    return model


def estimate_of(model: _Model) -> Estimate:
    """The estimate read from a loaded model (:func:`loaded_model`)."""
    scenario = model.scenario
    waits = _two_moment_waits(model)
    workloads = {}
    for workload in scenario.workloads:
        network = queueing = compute = 0.0
        for k, (share, hops, size, node_id) in enumerate(model.segments(workload)):
            for hop in hops:
                key = (hop.link, model.topo.is_upward(hop.link, hop.src))
                network += share * (hop.latency_s + 8 * size / hop.bandwidth_bps)
                link = ("link", key)
                queueing += share * waits.get((link, workload.id), waits[link])
            if node_id is not None:
                mean, _ = model.service(workload, k, node_id)
                compute += share * mean
                node = ("node", model.station_node(node_id, workload.tenant))
                wait = waits.get((node, workload.id), waits[node])
                queueing += share * (wait + window_waits(model, workload)[k])
        workloads[workload.id] = WorkloadEstimate(
            latency_s=network + queueing + compute,
            network_s=network,
            queueing_s=queueing,
            compute_s=compute,
            slo_s=workload.slo_s,
        )
    return Estimate(
        workloads=workloads,
        boundaries=_boundaries(model),
        node_utilisation=_node_load(model),
        link_utilisation=_link_utilisation(model),
    )


def _two_moment_waits(model: _Model, passes: int = 50) -> dict[Any, float]:
    """Mean wait at every station (and, keyed ``(station, workload id)``, of one workload's
    requests there where it differs), with the variability of each flow carried from station to
    station (Whitt's QNA: departures, merges, splits; Kingman / Allen-Cunneen waits with the
    Kraemer & Langenbach-Belz factor).

    A single-server station fed only by one single-server deterministic station (an uplink
    behind its gateway) is a tandem, where QNA overstates the wait: see
    :func:`_deterministic_tandem_wait`.
    """
    stations: dict[Station, tuple[list[_Stream], int]] = {}
    for node_id, streams in model.node_streams.items():
        stations[("node", node_id)] = (streams, model.servers(node_id))
    for key, streams in model.link_streams.items():
        stations[("link", key)] = (streams, 1)
    rate = {st: sum(s.rate for s in streams) for st, (streams, _) in stations.items()}
    mean = {st: _mean_service(streams) for st, (streams, _) in stations.items()}
    service_scv = {st: _service_scv(streams) for st, (streams, _) in stations.items()}
    rho = {st: rate[st] * mean[st] / servers for st, (_, servers) in stations.items()}
    inputs = {st: _inputs(model, st, streams, rate) for st, (streams, _) in stations.items()}
    order = _upstream_first(inputs)
    arrival_scv = dict.fromkeys(stations, 1.0)
    depart = dict.fromkeys(stations, 1.0)
    for _ in range(passes):  # one pass when flows never loop back (order is topological)
        changed = False
        for st in order:
            servers = stations[st][1]
            arrival_scv[st] = _arrival_scv(inputs[st], depart, rho[st])
            new = departure_scv(arrival_scv[st], service_scv[st], rho[st], servers)
            changed = changed or abs(new - depart[st]) > 1e-12
            depart[st] = new
        if not changed:
            break
    waits: dict[Any, float] = {}
    for st, (_, servers) in stations.items():
        tandem = _deterministic_tandem_wait(model, st, stations, rate, arrival_scv)
        if tandem is None:
            waits[st] = ggc_wait(rate[st], mean[st], arrival_scv[st], service_scv[st], servers)
            continue
        waits[st] = tandem[0]
        waits.update({(st, flow): wait for flow, wait in tandem[1].items()})
    return waits


def _upstream_first(inputs: dict[Station, list[_Input]]) -> list[Station]:
    """Stations with every upstream station before them where the flows allow it."""
    graph = {st: {i.prev for i in items if i.prev is not None} for st, items in inputs.items()}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:  # a flow comes back to a station: the passes iterate to the fixed point
        return list(inputs)


def _mean_service(streams: list[_Stream]) -> float:
    total = sum(s.rate for s in streams)
    return sum(s.rate * s.mean for s in streams) / total if total > 0 else 0.0


def _service_scv(streams: list[_Stream]) -> float:
    """SCV of the mixed service time of several streams at one station."""
    total = sum(s.rate for s in streams)
    mean = _mean_service(streams)
    if total <= 0 or mean <= 0:
        return 0.0
    second = sum(s.rate * s.mean**2 * (1 + s.scv) for s in streams) / total
    return max(second / mean**2 - 1, 0.0)


@dataclass
class _Input:
    """What reaches one instance of a station from one upstream station (or one source)."""

    prev: Station | None
    rate: float  # per second, into one instance here
    share: float  # of one upstream instance's departures that comes here
    fan_in: int  # upstream instances feeding one instance here
    source_scv: float = 1.0


def _inputs(
    model: _Model, station: Station, streams: list[_Stream], rate: dict[Station, float]
) -> list[_Input]:
    """The station's arrivals grouped by the station they come from: flows that left one
    station together are one share of its departures, not independent streams."""
    here = model.station_instances(station)
    grouped: dict[Station, float] = {}
    out = []
    for stream in streams:
        if stream.prev is None:
            out.append(_Input(None, stream.rate, 1.0, 1, stream.source_scv))
        else:
            grouped[stream.prev] = grouped.get(stream.prev, 0.0) + stream.rate
    for prev, group_rate in grouped.items():
        there = model.station_instances(prev)
        leaving = group_rate * here / there  # out of one upstream instance, to all of these
        share = min(leaving / rate[prev], 1.0) if rate[prev] > 0 else 1.0
        if there < here:  # one upstream instance feeds several of these
            share *= there / here
        out.append(_Input(prev, group_rate, share, max(1, round(there / here))))
    return out


def _arrival_scv(inputs: list[_Input], depart: dict[Station, float], rho: float) -> float:
    """SCV of the arrivals at one instance of a station (QNA superposition of its inputs)."""
    total = sum(i.rate for i in inputs)
    if total <= 0:
        return 1.0
    mean = squares = 0.0
    for item in inputs:
        scv = item.source_scv if item.prev is None else split_scv(depart[item.prev], item.share)
        weight = item.rate / total
        mean += weight * scv
        squares += weight * weight / item.fan_in  # fan_in equal parts of this weight
    return superposed_scv(mean, 1 / squares, rho)


def _deterministic_tandem_wait(
    model: _Model,
    station: Station,
    stations: dict[Station, tuple[list[_Stream], int]],
    rate: dict[Station, float],
    arrival_scv: dict[Station, float],
) -> tuple[float, dict[str, float]] | None:
    """The wait (mean, and per flow) at a single-server deterministic station fed by exactly
    one single-server deterministic station; None when that is not the case. Exact when no
    request waits, and for one flow behind a faster upstream; :func:`tandem_wait` otherwise."""
    streams, servers = stations[station]
    feeders = {s.prev for s in streams}
    if servers != 1 or len(feeders) != 1 or None in feeders:
        return None
    (feeder,) = feeders
    assert feeder is not None
    up_streams, up_servers = stations[feeder]
    if up_servers != 1 or any(s.scv > 0 for s in up_streams + streams):
        return None
    if model.station_instances(feeder) > model.station_instances(station):
        return None  # several feeders merge here
    slowest_here = max(s.mean for s in streams)
    if slowest_here <= min(s.mean for s in up_streams):
        return 0.0, {}  # arrivals are spaced at least one (longer) upstream service apart
    one_to_one = model.station_instances(feeder) == model.station_instances(station)
    if not one_to_one or abs(rate[station] - rate[feeder]) > 1e-9 * rate[feeder]:
        return None  # a share of the feeder's requests: QNA
    pairs = _paired_classes(up_streams, streams)
    if pairs is None or len(pairs) > 3:
        return None
    total = rate[feeder]
    classes = [(r / total, s_up, s_here) for r, s_up, s_here in pairs]
    flows = [stream.flow for stream in streams]
    behind = tandem_wait(classes, total)
    # Bottleneck bound: the pair waits at least what the slower station alone would make its
    # requests wait (exact for one class: Friedman's reversibility of deterministic tandems).
    mean_up = sum(c[0] * c[1] for c in classes)
    mean_here = sum(c[0] * c[2] for c in classes)
    scv_here = sum(c[0] * c[2] ** 2 for c in classes) / mean_here**2 - 1
    scv_up = sum(c[0] * c[1] ** 2 for c in classes) / mean_up**2 - 1
    alone = ggc_wait(total, mean_here, arrival_scv[feeder], scv_here, 1)
    upstream = ggc_wait(total, mean_up, arrival_scv[feeder], scv_up, 1)
    wait = behind if mean_here <= mean_up else max(behind, alone - upstream, 0.0)
    class_waits = tandem_class_waits(classes, total, wait, total * mean_here)
    return wait, {flow: w for flow, w in zip(flows, class_waits, strict=True)}


def _paired_classes(
    up_streams: list[_Stream], streams: list[_Stream]
) -> list[tuple[float, float, float]] | None:
    """(rate, upstream time, time here) per flow, pairing each stream with the same flow's
    stream upstream; None when a flow cannot be paired one to one."""
    upstream = {s.flow: s for s in up_streams}
    if len(upstream) != len(up_streams) or len(streams) != len(up_streams):
        return None
    pairs = []
    for stream in streams:
        before = upstream.get(stream.flow)
        if before is None or abs(before.rate - stream.rate) > 1e-9 * stream.rate:
            return None
        pairs.append((stream.rate, before.mean, stream.mean))
    return pairs


@dataclass
class OfferedLoad:
    """Offered load (utilisation) of one instance of every node and link direction."""

    nodes: dict[str, float]  # over the node's servers
    links: dict[tuple[str, bool], float]  # (link id, upward): of its bandwidth
    top_node_stage: dict[str, str] = field(default_factory=dict)  # workload with most load
    top_link_workload: dict[tuple[str, bool], str] = field(default_factory=dict)


def offered_load(
    scenario: Scenario, catalogue: Catalogue | None = None, topology: Topology | None = None
) -> OfferedLoad:
    """What the placed workloads ask of every node and link direction, per instance, as a
    share of its capacity (1.0 = saturated); the scenario's references must be valid.
    ``topology``: the scenario's, when already built (its paths are reused)."""
    model = _Model(scenario, catalogue, topology)
    for workload in scenario.workloads:
        model.load(workload)
    nodes = _node_load(model)
    top_stage: dict[str, str] = {}
    tops: dict[str, _Stream] = {}
    for key, streams in model.node_streams.items():
        top = max(streams, key=lambda s: s.rate * s.mean)
        node_id = model.real_node(key)
        if node_id not in tops or top.rate * top.mean > tops[node_id].rate * tops[node_id].mean:
            tops[node_id] = top
            top_stage[node_id] = top.flow
    links: dict[tuple[str, bool], float] = {}
    top_workload: dict[tuple[str, bool], str] = {}
    for link, streams in model.link_streams.items():
        links[link] = sum(s.rate * s.mean for s in streams)
        top_workload[link] = max(streams, key=lambda s: s.rate * s.mean).flow
    return OfferedLoad(nodes, links, top_stage, top_workload)


def _node_load(model: _Model) -> dict[str, float]:
    """Offered load of each node (its slices' and pool's together) per server."""
    busy: dict[str, float] = defaultdict(float)
    for key, streams in model.node_streams.items():
        busy[model.real_node(key)] += sum(s.rate * s.mean for s in streams)
    return {node_id: total / model.servers(node_id) for node_id, total in busy.items()}


def _link_utilisation(model: _Model) -> dict[str, float]:
    out: dict[str, float] = {}
    for (link, _), streams in model.link_streams.items():
        rho = sum(s.rate * s.mean for s in streams)
        out[link] = max(out.get(link, 0.0), rho)
    return out


def _boundaries(model: _Model) -> dict[str, BoundaryEstimate]:
    levels = len(TIER_IDS) - 1
    up, down, raw = [0.0] * levels, [0.0] * levels, [0.0] * levels
    for (link, upward), rate in model.link_bytes.items():
        spec = model.topo.links[link]
        low, high = sorted((model.topo.level(spec.a), model.topo.level(spec.b)))
        for i in range(low - 1, high - 1):
            (up if upward else down)[i] += rate
    for workload in model.scenario.workloads:
        source = model.nodes[workload.source.node]
        raw_rate = source.count * workload.source.rate * input_size_bytes(workload, model.cat)
        for i in range(model.topo.level(source.id) - 1, levels):
            raw[i] += raw_rate
    return {
        f"{TIER_IDS[i]}|{TIER_IDS[i + 1]}": BoundaryEstimate(up[i], down[i], raw[i])
        for i in range(levels)
    }


# ------------------------------------------------------------ aggregation windows
def window_wait(window_s: float | None, count: int | None, rate: float) -> tuple[float, float]:
    """(mean wait of an input for its window to close, outputs per input) for Poisson inputs
    at ``rate`` per second into one window (see :mod:`workbench.sim.windows`).

    A window opens at an input and closes ``window_s`` later or at the ``count``-th input.
    Per window (renewal-reward): the inputs wait in all E[integral over the open time of the
    inputs arrived] and number E[1 + min(count - 1, Poisson(rate * window_s))].

    >>> window_wait(None, 5, 10.0)  # count only: (count - 1) / (2 rate)
    (0.2, 0.2)
    >>> round(window_wait(1.0, None, 10.0)[0], 4)  # time only: (W + rate W^2 / 2) / (1 + rate W)
    0.5455
    """
    if rate <= 0:
        return 0.0, 1.0
    if window_s is None:
        assert count is not None
        return (count - 1) / (2 * rate), 1 / count
    mean_members = 1 + rate * window_s
    spread = 12 * math.sqrt(rate * window_s) + 12
    if count is None or count - 1 > rate * window_s + spread:  # the count is never reached
        return (window_s + rate * window_s**2 / 2) / mean_members, 1 / mean_members
    if count - 1 < rate * window_s - spread:  # the time is never reached
        return (count - 1) / (2 * rate), 1 / count
    steps = 64  # midpoint rule over the window's open time
    waited = 0.0
    for i in range(steps):
        mu = rate * window_s * (i + 0.5) / steps
        # Still open at s when fewer than count - 1 inputs have come since it opened.
        waited += sum((1 + k) * p for k, p in _poisson_terms(mu, count - 1)) * window_s / steps
    mu = rate * window_s
    below = list(_poisson_terms(mu, count - 1))
    reached = max(0.0, 1 - sum(p for _, p in below))  # P[the count closes the window]
    members = 1 + sum(k * p for k, p in below) + (count - 1) * reached
    return waited / members, 1 / members


def _poisson_terms(mu: float, limit: int) -> list[tuple[int, float]]:
    """(k, P[Poisson(mu) = k]) for k < limit, leaving out the negligible far tails."""
    spread = 12 * math.sqrt(mu) + 12
    low, high = max(0, int(mu - spread)), min(limit, int(mu + spread) + 1)
    if mu <= 0:
        return [(0, 1.0)] if limit > 0 else []
    return [(k, math.exp(k * math.log(mu) - mu - math.lgamma(k + 1))) for k in range(low, high)]


def _window_rates(model: _Model, workload: Workload) -> list[tuple[float, float]]:
    """Per stage: (wait for the window, outputs per input); (0, 1) without a window."""
    total = model.nodes[workload.source.node].count * workload.source.rate
    out, thinning = [], 1.0
    for (share, _, _, node_id), stage in zip(
        model.segments(workload), workload.stages, strict=False
    ):
        window = stage.window
        if window is None or node_id is None:
            out.append((0.0, 1.0))
            continue
        rate = total * share * thinning / model.nodes[node_id].count
        wait, ratio = window_wait(window.window_s, window.count, rate)
        out.append((wait, ratio))
        thinning *= ratio
    return out


def window_waits(model: _Model, workload: Workload) -> list[float]:
    """Mean wait of an input for its aggregation window at each stage (0 without one)."""
    return [wait for wait, _ in _window_rates(model, workload)]


def window_thinning(model: _Model, workload: Workload) -> list[float]:
    """Messages per request on each segment (into stage 0, 1, ..., then the sink), and one
    more entry for the last stage's output: windows before a segment thin its traffic."""
    factors, thinning = [1.0], 1.0
    for _, ratio in _window_rates(model, workload):
        thinning *= ratio
        factors.append(thinning)
    factors.append(thinning)
    return factors


__all__ = [
    "BoundaryEstimate",
    "Estimate",
    "OfferedLoad",
    "WorkloadEstimate",
    "estimate",
    "estimate_of",
    "loaded_model",
    "offered_load",
    "window_wait",
]
