"""What a run used, in the measured window: busy seconds per node, bytes per link, requests.

:class:`Usage` is the small, plain record that energy and cost are computed from. It is read
from a finished :class:`~workbench.sim.Results` after the run (never in the engine's loop), so a
scenario that does not look at energy or cost pays nothing, and a sweep can price thousands of
runs from their usages cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_CLOUD = "h100_node"


@dataclass(frozen=True)
class NodeUsage:
    """One node (all ``instances`` of a group): servers per instance and busy server-seconds."""

    id: str
    tier: str
    hardware: str
    instances: int
    servers: int  # parallel servers per instance (cards grouped by shards)
    cards: int  # cards (GPUs, chips) per instance
    busy_s: float  # server-seconds busy, all instances together


@dataclass(frozen=True)
class LinkUsage:
    """One link (all instances): bytes sent up and down, and its bit rates."""

    id: str
    lower: str  # the end at the lower tier (the device end, which pays radio and data)
    upper: str
    lower_tier: str
    upper_tier: str
    profile: str | None
    up_bytes: float
    down_bytes: float
    up_bps: float
    down_bps: float


@dataclass(frozen=True)
class WorkloadUsage:
    """Requests of one workload created in the window, and the raw bytes they carried."""

    id: str
    source: str
    generated: int
    completed: int
    input_bytes: float
    # The raw-to-cloud counterfactual: links from the source to the cloud node (None when the
    # scenario has no path to one) and card-seconds of cloud GPU one request would take there.
    path_to_cloud: tuple[str, ...] | None
    cloud_card_s: float


@dataclass(frozen=True)
class Usage:
    """Everything energy and cost need from a run, for the window ``window_s`` long."""

    window_s: float
    nodes: tuple[NodeUsage, ...]
    links: tuple[LinkUsage, ...]
    workloads: tuple[WorkloadUsage, ...]
    cloud_hardware: str  # the counterfactual's cloud hardware (the scenario's, else h100_node)

    @property
    def completed(self) -> int:
        return sum(w.completed for w in self.workloads)


def usage_of(results: Any) -> Usage:
    """The :class:`Usage` of ``results`` after its warm-up (the same window as ``summary()``)."""
    sim = results.sim
    plan = sim.plan
    start, end = results.warmup_s, results.now_s
    first, last = int(start / plan.bin_s), int(np.ceil(end / plan.bin_s))
    scenario = results.scenario
    catalogue = sim.catalogue
    nodes = []
    by_id = {n.id: n for n in scenario.nodes}  # Scenario.node scans: quadratic on fleets
    for info in plan.nodes:
        node = by_id[info.id]
        cards = node.servers or catalogue.hardware[node.hardware].servers
        busy = float(np.frombuffer(info.bins, dtype=float)[first:last].sum())
        nodes.append(
            NodeUsage(info.id, info.tier, node.hardware, info.instances, info.servers, cards, busy)
        )
    tiers = {n.id: n.tier for n in scenario.nodes}
    links = []
    for info in plan.links:
        spec = plan.topology.links[info.id]
        a, b = info.ends
        low_first = info.levels[0] <= info.levels[1]
        lower, upper = (a, b) if low_first else (b, a)
        links.append(
            LinkUsage(
                id=info.id,
                lower=lower,
                upper=upper,
                lower_tier=tiers[lower],
                upper_tier=tiers[upper],
                profile=scenario.link(info.id).profile,
                up_bytes=float(np.frombuffer(info.bins[0], dtype=float)[first:last].sum()),
                down_bytes=float(np.frombuffer(info.bins[1], dtype=float)[first:last].sum()),
                up_bps=spec.bandwidth_bps,  # the engine sends up at bandwidth, down at downlink
                down_bps=spec.downlink_bandwidth_bps,
            )
        )
    cloud_node = next((n for n in scenario.nodes if n.tier == "cloud"), None)
    cloud_hw = catalogue.hardware[cloud_node.hardware if cloud_node else DEFAULT_CLOUD]
    requests = results.requests
    window = requests[requests["created_s"] >= start]
    generated = window.groupby("workload", observed=True).size()
    completed = window[window["state"] == "done"].groupby("workload", observed=True).size()
    workloads = []
    for run in sim.workloads:
        workload = run.plan.workload
        workloads.append(
            WorkloadUsage(
                id=workload.id,
                source=workload.source.node,
                generated=int(generated.get(workload.id, 0)),
                completed=int(completed.get(workload.id, 0)),
                input_bytes=float(run.plan.input_bytes),
                path_to_cloud=_path(plan.topology, workload.source.node, cloud_node),
                cloud_card_s=_cloud_card_s(workload, catalogue, cloud_hw),
            )
        )
    return Usage(max(end - start, 0.0), tuple(nodes), tuple(links), tuple(workloads), cloud_hw.id)


def _path(topology: Any, source: str, cloud: Any) -> tuple[str, ...] | None:
    if cloud is None:
        return None
    hops = topology.path(source, cloud.id)
    return None if hops is None else tuple(hop.link for hop in hops)


def _cloud_card_s(workload: Any, catalogue: Any, hardware: Any) -> float:
    """Card-seconds of cloud GPU one request takes when every stage runs in the cloud (each
    stage on the share of requests the earlier stages forward)."""
    from ..workloads import service_time_s  # here: workloads imports the scenario module

    total, share = 0.0, 1.0
    for stage in workload.stages:
        if stage.service is not None:
            seconds = stage.service.mean_s
        else:
            seconds = service_time_s(catalogue.models[stage.model], hardware, stage)
        total += share * seconds * stage.shards
        share *= stage.forward
    return total
