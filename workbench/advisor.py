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
from .queueing import mgc_wait
from .scenario import Scenario, Stage, Workload
from .topology import Topology, transfer_time
from .units import format_quantity
from .workloads import (
    max_level,
    service_time_s,
    shards_by_node,
    stage_classes,
    stage_input_sizes,
)


def _ms(seconds: float) -> str:
    """A duration for people: '7.28 ms', '2.1 s', 'unbounded' for an overloaded queue."""
    if seconds == float("inf"):
        return "unbounded"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    return f"{seconds * 1e3:.3g} ms"


def _load(verdict: Verdict) -> str:
    if verdict.utilisation is None:
        return ""
    share = "<1%" if verdict.utilisation < 0.01 else f"{verdict.utilisation:.0%}"
    return f"compute {share} busy"


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
            advised = next(v for v in self.verdicts if v.tier == self.advised_tier)
            lines.append(
                f"  advice: {self.advised_tier} ({self.advised_node}), "
                f"est. latency {_ms(advised.latency_s or 0.0)}, {_load(advised)}"
            )
        for verdict in self.verdicts:
            if verdict.tier == self.advised_tier:
                break
            where = f" ({verdict.node})" if verdict.node else ""
            lines.append(f"  - {verdict.tier}{where}: rejected: {'; '.join(verdict.reasons)}")
        if self.placed is None:
            lines.append("  placed: nowhere (add it to placement)")
        else:
            placed = self.placed
            status = "ok" if placed.feasible else "PROBLEM: " + "; ".join(placed.reasons)
            agree = "matches the advice" if self.agrees else "differs from the advice"
            figures = (
                f" (est. latency {_ms(placed.latency_s)}, {_load(placed)})"
                if placed.latency_s is not None
                else ""
            )
            lines.append(
                f"  placed: {self.placed_node} ({placed.tier}){figures}, {agree}; {status}"
            )
        return "\n".join(lines)


class _Context:
    """Per-scenario figures the questions need: topology, node loads from the placement."""

    def __init__(self, scenario: Scenario, catalogue: Catalogue | None) -> None:
        self.scenario = scenario
        self.topo = Topology(scenario, catalogue)
        self.cat = self.topo.catalogue
        self.nodes = {n.id: n for n in scenario.nodes}
        self.shards = shards_by_node(scenario)
        # (requests per second, service time) per node instance, by stage, as placed.
        self.load: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
        for workload in scenario.workloads:
            for stage in workload.stages:
                node_id = scenario.placement.get(f"{workload.id}.{stage.id}")
                if node_id in self.nodes:
                    rate = self.instance_rate(workload, node_id)
                    service = self.service(stage, node_id)
                    self.load[node_id][f"{workload.id}.{stage.id}"] = (rate, service)

    def instance_rate(self, workload: Workload, node_id: str) -> float:
        """Requests per second reaching one instance of ``node_id`` (devices spread evenly)."""
        source = self.nodes[workload.source.node]
        return source.count * workload.source.rate / self.nodes[node_id].count

    def service(self, stage: Stage, node_id: str) -> float:
        return service_time_s(
            self.cat.models[stage.model], self.cat.hardware[self.nodes[node_id].hardware], stage
        )

    def servers(self, stage: Stage, node_id: str) -> int:
        """Servers of one instance of ``node_id`` with ``stage`` on it: its cards, grouped by
        the largest ``shards`` among the stages there."""
        node = self.nodes[node_id]
        cards = node.servers or self.cat.hardware[node.hardware].servers
        return max(1, cards // max(stage.shards, self.shards.get(node_id, 1)))


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
    # The data may not climb above the higher of the two ends (no detour through the cloud to
    # reach a peer), nor above what its class allows.
    ceiling = min(limit, max(topo.level(node_id), topo.level(here)))
    hops = topo.path(here, node_id, max_level=max(ceiling, topo.level(here)))
    if hops is None:
        reasons.append(
            f"not reachable from {here} "
            + (
                "without detouring through a higher or forbidden tier"
                if topo.path(here, node_id)
                else "(no path)"
            )
        )
    source = ctx.nodes[workload.source.node]
    if stage.aggregate and node_id == source.id and source.count > 1:
        reasons.append(f"aggregates all {source.count} devices; one device sees only its own data")
    # Question 3: fit.
    model: Model = cat.models[stage.model]
    hardware = cat.hardware[node.hardware]
    size = model.size_bytes(stage.precision)
    cards = node.servers or hardware.servers
    held = hardware.card_memory_bytes * min(stage.shards, cards)
    if size > held:
        amount = format_quantity(held, "size")
        if stage.shards > 1:
            holder = f"{min(stage.shards, cards)} cards of {hardware.id} hold {amount}"
        elif hardware.servers > 1:
            holder = f"{hardware.id} has {amount} per card (shard it to use more)"
        else:
            holder = f"{hardware.id} has {amount}"
        reasons.append(f"{model.id} needs {format_quantity(size, 'size')}, {holder}")
    if stage.shards > cards:
        reasons.append(f"shards: {stage.shards} but {node_id} has {cards} card(s)")
    service = ctx.service(stage, node_id)
    servers = ctx.servers(stage, node_id)
    key = f"{workload.id}.{stage.id}"
    streams = [v for k, v in ctx.load[node_id].items() if k != key]
    streams.append((ctx.instance_rate(workload, node_id), service))
    utilisation = sum(rate * s for rate, s in streams) / servers
    if utilisation >= 1:
        reasons.append(f"compute overloaded: utilisation {utilisation:.0%} of {servers} server(s)")
    # Question 1: latency.
    latency = None
    if hops is not None:
        wait = mgc_wait([r for r, _ in streams], [s for _, s in streams], servers)
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


def _best_of_tier(candidates: list[Verdict], here: str) -> Verdict:
    """The feasible node with the lowest latency; else the most telling failure: the node where
    the data already is, then the one with the fewest failed questions."""
    feasible = [v for v in candidates if v.feasible]
    if feasible:
        return min(feasible, key=lambda v: v.latency_s or 0.0)
    return min(
        candidates,
        key=lambda v: (v.node != here, len(v.reasons), v.latency_s or float("inf")),
    )


def _advise_workload(ctx: _Context, workload: Workload) -> list[StageAdvice]:
    """Advice stage by stage. Each stage is advised from where the data actually is: after the
    previous stage's placement (or its advice, where it is not placed)."""
    advice = []
    here, elapsed = workload.source.node, 0.0
    for index, stage in enumerate(workload.stages):
        verdicts = []
        chosen: Verdict | None = None
        for tier in ctx.cat.tiers_in_order():
            candidates = [
                _evaluate(ctx, workload, index, here, elapsed, n)
                for n in ctx.topo.nodes_of_tier(tier.id)
            ]
            if not candidates:
                verdicts.append(
                    Verdict(tier.id, None, False, ["no node of this tier in the scenario"])
                )
                continue
            best = _best_of_tier(candidates, here)
            verdicts.append(best)
            if chosen is None and best.feasible:
                chosen = best
        placed_node = ctx.scenario.placement.get(f"{workload.id}.{stage.id}")
        placed = None
        if placed_node in ctx.nodes:
            placed = _evaluate(ctx, workload, index, here, elapsed, placed_node)
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
        follow = placed if placed is not None else chosen
        if follow is None or follow.node is None:
            break  # nowhere to go on from: later stages cannot be judged
        here = follow.node
        elapsed = follow.latency_s if follow.latency_s is not None else elapsed
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
                "utilisation": a.placed.utilisation if a.placed else None,
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
