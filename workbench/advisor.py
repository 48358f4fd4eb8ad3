"""Placement advisor: the lowest tier that answers the three questions for each stage.

For every workload stage and every tier, from the far edge up, the advisor asks

1. **latency**: can the request reach a node of this tier, be served and (for the last stage)
   reach the sink within the workload's SLO?
2. **residency**: may the data entering this stage go to this tier at all?
3. **fit**: does the model fit the node's memory, and its compute keep up with the load?

and recommends the lowest tier where all three are yes, with the reason each other tier was
rejected. It then checks the scenario's actual placement with the same questions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from .catalogue import TIER_IDS, Catalogue, Model
from .queueing import mdc_wait
from .scenario import Scenario, Stage, Workload
from .topology import Topology, transfer_time
from .units import format_quantity
from .workloads import max_level, service_time_s, stage_classes, stage_input_sizes


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


@dataclass
class Verdict:
    """How one node (the best of its tier) answers the three questions for one stage."""

    tier: str
    node: str | None
    feasible: bool
    reasons: list[str] = field(default_factory=list)
    latency_s: float | None = None
    utilisation: float | None = None


@dataclass
class StageAdvice:
    """The advice for one stage and the check of its actual placement."""

    workload: str
    stage: str
    advised_tier: str | None
    advised_node: str | None
    verdicts: list[Verdict]
    placed_node: str | None
    placed: Verdict | None

    @property
    def key(self) -> str:
        return f"{self.workload}.{self.stage}"

    @property
    def agrees(self) -> bool:
        """True when the stage is placed on the advised tier."""
        return self.placed is not None and self.placed.tier == self.advised_tier

    def explain(self) -> str:
        """A few lines of plain text: the advice, each rejected tier, and the placement check."""
        lines = [f"{self.key}:"]
        if self.advised_tier is None:
            lines.append("  no tier satisfies all three questions")
        else:
            lines.append(
                f"  advice: {self.advised_tier} ({self.advised_node}), "
                f"est. latency {_ms(self._advised_latency())}"
            )
        for verdict in self.verdicts:
            if verdict.tier == self.advised_tier:
                break
            lines.append(f"  - {verdict.tier}: rejected: {'; '.join(verdict.reasons)}")
        if self.placed is None:
            lines.append("  placed: nowhere (add it to placement)")
        else:
            status = "ok" if self.placed.feasible else "PROBLEM: " + "; ".join(self.placed.reasons)
            agree = "matches the advice" if self.agrees else "differs from the advice"
            lines.append(f"  placed: {self.placed_node} ({self.placed.tier}), {agree}; {status}")
        return "\n".join(lines)

    def _advised_latency(self) -> float:
        for verdict in self.verdicts:
            if verdict.tier == self.advised_tier and verdict.latency_s is not None:
                return verdict.latency_s
        return float("nan")


class _Context:
    """Per-scenario figures the questions need: topology, node loads from the placement."""

    def __init__(self, scenario: Scenario, catalogue: Catalogue | None) -> None:
        self.scenario = scenario
        self.topo = Topology(scenario, catalogue)
        self.cat = self.topo.catalogue
        self.nodes = {n.id: n for n in scenario.nodes}
        # Busy time per second per node, by stage, from the actual placement.
        self.load: dict[str, dict[str, float]] = defaultdict(dict)
        for workload in scenario.workloads:
            for stage in workload.stages:
                node_id = scenario.placement.get(f"{workload.id}.{stage.id}")
                if node_id in self.nodes:
                    rate = self.instance_rate(workload, node_id)
                    service = self.service(stage.model, node_id)
                    self.load[node_id][f"{workload.id}.{stage.id}"] = rate * service

    def instance_rate(self, workload: Workload, node_id: str) -> float:
        """Requests per second reaching one instance of ``node_id`` (devices spread evenly)."""
        source = self.nodes[workload.source.node]
        return source.count * workload.source.rate / self.nodes[node_id].count

    def service(self, model_id: str, node_id: str) -> float:
        return service_time_s(
            self.cat.models[model_id], self.cat.hardware[self.nodes[node_id].hardware]
        )


def _evaluate(
    ctx: _Context,
    workload: Workload,
    index: int,
    here: str,
    elapsed: float,
    node_id: str,
) -> Verdict:
    """Answer the three questions for stage ``index`` of ``workload`` on ``node_id``."""
    stage: Stage = workload.stages[index]
    topo, cat = ctx.topo, ctx.cat
    node = ctx.nodes[node_id]
    tier = node.tier
    in_class = stage_classes(workload, cat)[index][0]
    in_size = stage_input_sizes(workload, cat)[index]
    reasons: list[str] = []
    # Question 2: residency.
    limit = max_level(in_class, cat)
    if topo.level(node_id) > limit:
        reasons.append(f"{in_class} data may not go above {cat.data_classes[in_class].max_tier}")
    # Data flows up: a stage runs where the data is, or above it.
    if node_id != here and topo.level(node_id) <= topo.level(here):
        reasons.append(f"not above the data at {here} ({ctx.nodes[here].tier}); results flow up")
    # Reachability.
    hops = topo.path(here, node_id, max_level=max(limit, topo.level(here)))
    if hops is None:
        reasons.append(
            f"not reachable from {here} "
            + ("without crossing a forbidden tier" if topo.path(here, node_id) else "(no path)")
        )
    source = ctx.nodes[workload.source.node]
    if stage.aggregate and node_id == source.id and source.count > 1:
        reasons.append(f"aggregates all {source.count} devices; one device sees only its own data")
    # Question 3: fit.
    model: Model = cat.models[stage.model]
    hardware = cat.hardware[node.hardware]
    size = model.size_bytes(stage.precision)
    if size > hardware.memory_bytes:
        reasons.append(
            f"{model.id} needs {format_quantity(size, 'size')}, "
            f"{hardware.id} has {format_quantity(hardware.memory_bytes, 'size')}"
        )
    service = ctx.service(stage.model, node_id)
    key = f"{workload.id}.{stage.id}"
    others = sum(v for k, v in ctx.load[node_id].items() if k != key)
    busy = others + ctx.instance_rate(workload, node_id) * service
    utilisation = busy / hardware.servers
    if utilisation >= 1:
        reasons.append(
            f"compute overloaded: utilisation {utilisation:.0%} of {hardware.servers} server(s)"
        )
    # Question 1: latency.
    latency = None
    if hops is not None:
        arrival = busy / service if service > 0 else 0.0  # all requests at the node, per second
        wait = mdc_wait(arrival, service, hardware.servers)
        latency = elapsed + transfer_time(hops, in_size) + wait + service
        if index == len(workload.stages) - 1 and workload.sink is not None:
            to_sink = topo.path(node_id, workload.sink)
            if to_sink is None:
                reasons.append(f"sink {workload.sink} not reachable")
            else:
                latency += transfer_time(to_sink, stage.output_size_bytes)
        if latency > workload.slo_s:
            reasons.append(f"est. latency {_ms(latency)} > SLO {_ms(workload.slo_s)}")
    return Verdict(tier, node_id, not reasons, reasons, latency, utilisation)


def _advise_workload(ctx: _Context, workload: Workload) -> list[StageAdvice]:
    advice = []
    advised_here, advised_elapsed = workload.source.node, 0.0
    placed_here, placed_elapsed = workload.source.node, 0.0
    for index, stage in enumerate(workload.stages):
        verdicts = []
        chosen: Verdict | None = None
        for tier in ctx.cat.tiers_in_order():
            candidates = [
                _evaluate(ctx, workload, index, advised_here, advised_elapsed, n)
                for n in ctx.topo.nodes_of_tier(tier.id)
            ]
            if not candidates:
                verdicts.append(
                    Verdict(tier.id, None, False, ["no node of this tier in the scenario"])
                )
                continue
            feasible = [v for v in candidates if v.feasible]
            if feasible:
                best = min(feasible, key=lambda v: v.latency_s or 0.0)
            else:
                best = min(candidates, key=lambda v: (len(v.reasons), v.latency_s or float("inf")))
            verdicts.append(best)
            if chosen is None and best.feasible:
                chosen = best
        placed_node = ctx.scenario.placement.get(f"{workload.id}.{stage.id}")
        placed = None
        if placed_node in ctx.nodes:
            placed = _evaluate(ctx, workload, index, placed_here, placed_elapsed, placed_node)
            placed_here, placed_elapsed = placed_node, placed.latency_s or placed_elapsed
        advice.append(
            StageAdvice(
                workload=workload.id,
                stage=stage.id,
                advised_tier=chosen.tier if chosen else None,
                advised_node=chosen.node if chosen else None,
                verdicts=verdicts,
                placed_node=placed_node,
                placed=placed,
            )
        )
        if chosen is not None and chosen.node is not None:
            advised_here, advised_elapsed = chosen.node, chosen.latency_s or advised_elapsed
        else:
            advised_here, advised_elapsed = placed_here, placed_elapsed
    return advice


def advise(scenario: Scenario, catalogue: Catalogue | None = None) -> list[StageAdvice]:
    """Advice for every stage of every workload (the scenario must validate first)."""
    ctx = _Context(scenario, catalogue)
    return [a for w in scenario.workloads for a in _advise_workload(ctx, w)]


def advice_table(advice: list[StageAdvice]) -> pd.DataFrame:
    """One row per stage: advised tier and node, actual placement, whether they agree."""
    rows = []
    for a in advice:
        rows.append(
            {
                "stage": a.key,
                "advised_tier": a.advised_tier,
                "advised_node": a.advised_node,
                "placed_node": a.placed_node,
                "placed_tier": a.placed.tier if a.placed else None,
                "placement_ok": bool(a.placed and a.placed.feasible),
                "agrees": a.agrees,
                "est_latency_ms": (a.placed.latency_s * 1e3)
                if a.placed and a.placed.latency_s is not None
                else None,
                "rejected": "; ".join(
                    f"{v.tier}: {', '.join(v.reasons)}"
                    for v in a.verdicts
                    if not v.feasible
                    and v.tier != a.advised_tier
                    and (a.advised_tier is None or _below(v.tier, a.advised_tier))
                ),
            }
        )
    return pd.DataFrame(rows)


def _below(tier: str, other: str) -> bool:
    return TIER_IDS.index(tier) < TIER_IDS.index(other)
