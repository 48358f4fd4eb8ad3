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

from .catalogue import TIER_IDS, Catalogue
from .queueing import mmc_wait
from .scenario import Scenario, Workload
from .topology import Hop, Topology
from .workloads import input_size_bytes, service_time_s


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


@dataclass
class _Stream:
    rate: float  # per second, per instance
    mean: float  # seconds of service (or transmission)
    scv: float  # squared coefficient of variation of that time


def _mgc_wait(streams: list[_Stream], servers: int) -> float:
    """Mean wait in an M/G/c queue fed by several Poisson streams (Lee-Longton style:
    the M/M/c wait scaled by (1 + Cs^2) / 2 of the mixed service time)."""
    total = sum(s.rate for s in streams)
    if total <= 0:
        return 0.0
    mean = sum(s.rate * s.mean for s in streams) / total
    second = sum(s.rate * s.mean**2 * (1 + s.scv) for s in streams) / total
    if mean <= 0:
        return 0.0
    scv = second / mean**2 - 1
    return (1 + scv) / 2 * mmc_wait(total, mean, servers)


class _Model:
    """The routes and loads of every workload, from which the estimate is read."""

    def __init__(self, scenario: Scenario, catalogue: Catalogue | None) -> None:
        self.scenario = scenario
        self.topo = Topology(scenario, catalogue)
        self.cat = self.topo.catalogue
        self.nodes = {n.id: n for n in scenario.nodes}
        self.node_streams: dict[str, list[_Stream]] = defaultdict(list)
        self.link_streams: dict[tuple[str, bool], list[_Stream]] = defaultdict(list)
        self.link_bytes: dict[tuple[str, bool], float] = defaultdict(float)  # per second, total
        self._segments: dict[str, list[tuple[float, list[Hop], float, str | None]]] = {}

    def instances(self, link: str) -> int:
        spec = self.topo.links[link]
        return max(self.nodes[spec.a].count, self.nodes[spec.b].count)

    def servers(self, node_id: str) -> int:
        node = self.nodes[node_id]
        return node.servers or self.cat.hardware[node.hardware].servers

    def service(self, workload: Workload, k: int, node_id: str) -> tuple[float, float]:
        stage = workload.stages[k]
        if stage.service is not None:
            scv = {"deterministic": 0.0, "exponential": 1.0}.get(
                stage.service.dist, stage.service.cv**2
            )
            return stage.service.mean_s, scv
        hardware = self.cat.hardware[self.nodes[node_id].hardware]
        return service_time_s(self.cat.models[stage.model], hardware), 0.0

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

    def load(self, workload: Workload) -> None:
        total_rate = self.nodes[workload.source.node].count * workload.source.rate
        thinning = window_thinning(self, workload)
        for k, (share, hops, size, node_id) in enumerate(self.segments(workload)):
            rate = total_rate * share * thinning[k]
            for hop in hops:
                key = (hop.link, self.topo.is_upward(hop.link, hop.src))
                per_instance = rate / self.instances(hop.link)
                self.link_streams[key].append(
                    _Stream(per_instance, 8 * size / hop.bandwidth_bps, 0)
                )
                self.link_bytes[key] += rate * size
            if node_id is not None:
                mean, scv = self.service(workload, k, node_id)
                self.node_streams[node_id].append(
                    # One inference per aggregation window (thinning[k + 1] / thinning[k]).
                    _Stream(
                        rate * thinning[k + 1] / thinning[k] / self.nodes[node_id].count, mean, scv
                    )
                )


def estimate(scenario: Scenario, catalogue: Catalogue | None = None) -> Estimate:
    """Closed-form estimate of ``scenario`` (which must validate); fast enough to run on every
    edit of a 1,000-device scenario."""
    model = _Model(scenario, catalogue)
    for workload in scenario.workloads:
        model.load(workload)
    node_wait = {n: _mgc_wait(s, model.servers(n)) for n, s in model.node_streams.items()}
    link_wait = {k: _mgc_wait(s, 1) for k, s in model.link_streams.items()}
    workloads = {}
    for workload in scenario.workloads:
        network = queueing = compute = 0.0
        for k, (share, hops, size, node_id) in enumerate(model.segments(workload)):
            for hop in hops:
                key = (hop.link, model.topo.is_upward(hop.link, hop.src))
                network += share * (hop.latency_s + 8 * size / hop.bandwidth_bps)
                queueing += share * link_wait[key]
            if node_id is not None:
                mean, _ = model.service(workload, k, node_id)
                compute += share * mean
                queueing += share * (node_wait[node_id] + window_waits(model, workload)[k])
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
        node_utilisation={
            n: sum(s.rate * s.mean for s in streams) / model.servers(n)
            for n, streams in model.node_streams.items()
        },
        link_utilisation=_link_utilisation(model),
    )


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


__all__ = ["BoundaryEstimate", "Estimate", "WorkloadEstimate", "estimate"]
