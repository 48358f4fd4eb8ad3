"""How much work a run is, estimated from the scenario before anything is built.

A scenario can be valid and still ask for more than a workstation can do: a million devices at
1 kHz, a flow every millisecond for a week. :func:`estimate_run` counts the events and memory a
run needs from the scenario's figures alone (no plan, no allocation); :func:`check_run_size`
refuses a run past :data:`MAX_EVENTS` or :data:`MAX_MEMORY_BYTES` unless forced.

The per-item costs are measured on the pure-Python engine (about 30,000 requests and 300,000
events a second on one core; about 1 kB of memory per request once the result tables are
built), rounded up.

Examples
--------
>>> from workbench.scenario import load_scenario
>>> from workbench.loading import data_dir
>>> s = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
>>> estimate = estimate_run(s, until_s=600)
>>> 50_000 < estimate.requests < 200_000 and estimate.within_limits
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalogue import Catalogue
from .errors import Problem, ScenarioError
from .scenario import Scenario
from .topology import Topology

MAX_EVENTS = 50_000_000  # about 3 minutes of the engine on one core
MAX_MEMORY_BYTES = 2e9

_BYTES_PER_REQUEST = 120  # records while running, plus the result tables (per stage below)
_BYTES_PER_REQUEST_STAGE = 200
_BYTES_PER_ROUTE_STEP = 200  # a device's route: one tuple per link or stage on its way
_BYTES_PER_SERVER = 100
_BYTES_PER_TRANSFER = 400
_BYTES_PER_OUTAGE = 600
_BYTES_PER_BIN = 8


@dataclass(frozen=True)
class RunEstimate:
    """Events and peak memory a run is expected to need (order of magnitude, not a promise)."""

    requests: float
    transfers: float
    outages: float
    events: float
    memory_bytes: float

    @property
    def within_limits(self) -> bool:
        return self.events <= MAX_EVENTS and self.memory_bytes <= MAX_MEMORY_BYTES

    def describe(self) -> str:
        """'about 1.2 million events and 150 MB of memory'."""
        return f"about {_count(self.events)} events and {_bytes(self.memory_bytes)} of memory"


def _count(value: float) -> str:
    """'3.6 trillion', '50 million', '530 thousand', '12'."""
    for factor, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if value >= factor:
            return f"{value / factor:.3g} {word}"
    return f"{value:.3g}"


def _bytes(value: float) -> str:
    for factor, unit in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if value >= factor:
            return f"{value / factor:.3g} {unit}"
    return f"{value:.3g} B"


def _hops(topo: Topology, src: str | None, dst: str | None) -> int:
    if src is None or dst is None or src not in topo.graph or dst not in topo.graph:
        return 0
    path = topo.path(src, dst)
    return len(path) if path else 0


def estimate_run(
    scenario: Scenario,
    *,
    until_s: float | None = None,
    bin_s: float = 1.0,
    catalogue: Catalogue | None = None,
) -> RunEstimate:
    """Events and memory a run of ``scenario`` for ``until_s`` seconds is expected to need.

    Works on any scenario that passed the schema (broken references count as zero hops), so it
    can run before the plan is built.
    """
    until = scenario.simulation.until_s if until_s is None else until_s
    cat = scenario.catalogue(catalogue)
    topo = Topology(scenario, cat)
    counts = {n.id: n.count for n in scenario.nodes}
    requests = events = memory = 0.0
    for workload in scenario.workloads:
        devices = counts.get(workload.source.node, 1)
        source = workload.source
        per_device = len(source.trace or []) if source.arrival == "trace" else source.rate * until
        n = devices * per_device
        steps, here = 0, source.node
        for key in workload.stage_keys():
            stop = scenario.placement.get(key)
            steps += _hops(topo, here, stop) + 1
            here = stop or here
        steps += _hops(topo, here, workload.sink)
        requests += n
        events += n * (steps + 1)
        memory += n * (_BYTES_PER_REQUEST + _BYTES_PER_REQUEST_STAGE * len(workload.stages))
        memory += devices * steps * _BYTES_PER_ROUTE_STEP
    transfers = 0.0
    for flow in scenario.flows:
        repeats = 1.0
        if flow.every_s is not None and until > flow.start_s:
            repeats += math.floor((until - flow.start_s) / flow.every_s)
        for target in flow.targets:
            copies = repeats * counts.get(target, 1)
            transfers += copies
            events += copies * (_hops(topo, flow.origin, target) + 1)
    memory += transfers * _BYTES_PER_TRANSFER
    outages = 0.0
    for failure in scenario.failures:
        if failure.mtbf_s is not None and failure.mttr_s is not None:
            outages += until / (failure.mtbf_s + failure.mttr_s) + 1
        else:
            outages += 1
    events += 2 * outages
    memory += outages * _BYTES_PER_OUTAGE
    hosts = {scenario.placement.get(k) for w in scenario.workloads for k in w.stage_keys()}
    for node in scenario.nodes:
        if node.id in hosts:
            servers = node.servers or (
                cat.hardware[node.hardware].servers if node.hardware in cat.hardware else 1
            )
            memory += node.count * servers * _BYTES_PER_SERVER
    bins = until / bin_s + 1
    memory += bins * _BYTES_PER_BIN * (2 * len(scenario.links) + len(scenario.nodes) + 16)
    return RunEstimate(requests, transfers, outages, events, memory)


def check_run_size(
    scenario: Scenario,
    *,
    until_s: float | None = None,
    bin_s: float = 1.0,
    catalogue: Catalogue | None = None,
    force: bool = False,
) -> RunEstimate:
    """The run's estimate; raises :class:`ScenarioError` when it is past the limits and not
    ``force``d."""
    estimate = estimate_run(scenario, until_s=until_s, bin_s=bin_s, catalogue=catalogue)
    if not force and not estimate.within_limits:
        until = scenario.simulation.until_s if until_s is None else until_s
        raise ScenarioError(
            [
                Problem(
                    "simulation.until",
                    f"this run of {until:,.0f} simulated seconds would need {estimate.describe()} "
                    f"({_count(estimate.requests)} requests), over the limits of "
                    f"{_count(MAX_EVENTS)} events and {_bytes(MAX_MEMORY_BYTES)}; run shorter, "
                    "lower the rates or device counts, or force it (--force, or force=True)",
                )
            ]
        )
    return estimate
