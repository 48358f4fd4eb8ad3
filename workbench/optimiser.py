"""The placement optimiser: the cheapest (or lowest-energy, or fastest) design that meets every
SLO and residency rule, found with the estimate and confirmed by simulation.

**The space.** For each workload, the *chains*: one node per stage, each stage where the
advisor's three questions (:mod:`workbench.advisor`: data flows up, residency, reachable without
a detour, the model fits, compute keeps up, the latency so far within the SLO) answer yes with
the workload alone on the nodes. A design is one chain per workload; the rest of the scenario
(nodes, links, rates) stays as it is.

**The objective**, per month from the estimate's loads (:mod:`workbench.estimate_cost`):
``cost`` (USD), ``energy`` (average power, W) or ``latency`` (the sum over workloads of mean
latency / SLO). Cost and energy are the nodes' fixed costs plus, per workload, what its chain
adds (busy server-seconds and bytes, priced linearly), so a chain's *marginal* objective is
known alone.

**The search.** When the designs number at most ``exhaustive`` (default 5,000) every one is
estimated and the best feasible ones win (exact on the estimate). Otherwise each workload
starts on its chain of least marginal objective and, while a workload misses its SLO or a node
or link is overloaded, the workloads involved move to their next chain (a greedy repair). A
design is *feasible* when every workload's estimated mean latency is within its SLO, no node
or link is offered 100 % or more, and the scenario validates (residency on the real routes).
The best ``confirm`` feasible designs are then simulated (p95 against the SLO).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .advisor import _Context, _evaluate
from .analytic import _Model, estimate_of, loaded_model
from .catalogue import Catalogue
from .economics import Usage, cost_summary, energy_summary, scenario_prices
from .economics.usage import LinkUsage, NodeUsage
from .errors import Problem, ProblemsError
from .estimate_cost import estimate_figures
from .scenario import Scenario, Workload
from .topology import Topology
from .workloads import input_size_bytes, max_level, stage_classes

Objective = Literal["cost", "energy", "latency"]
Chain = tuple[str, ...]  # a node per stage of one workload
OBJECTIVES: dict[str, str] = {
    "cost": "cost_usd_per_month",
    "energy": "average_power_w",
    "latency": "latency_share",
}
MAX_REPAIRS = 200  # greedy repair rounds on a large space
MAX_IMPROVE = 5  # moved workloads that then try their cheaper chains again (each: estimates)


@dataclass
class Candidate:
    """One design: its placement and what the estimate (and maybe a simulation) says of it."""

    placement: dict[str, str]
    figures: dict[str, float]  # cost_usd_per_month, average_power_w, latency_share
    latency_s: dict[str, float]  # estimated mean per workload
    slo_s: dict[str, float]
    wan_bytes_per_s: float
    feasible: bool
    problems: list[str] = field(default_factory=list)
    simulated_p95_s: dict[str, float | None] | None = None
    # Per workload, from the same simulation: the 99th percentile and the share of requests
    # over the SLO (the p95 rule lets up to 5 % wait far longer; explain() says so).
    simulated_p99_s: dict[str, float | None] = field(default_factory=dict)
    simulated_over_slo: dict[str, float | None] = field(default_factory=dict)
    overloaded: dict[str, float] = field(default_factory=dict)  # node/link id -> load >= 1

    def value(self, objective: Objective) -> float:
        return self.figures[OBJECTIVES[objective]]

    def rank(self, objective: Objective) -> tuple[float, float]:
        """Sort key: the objective (cost to the cent, power to the centiwatt), then lower
        latency breaks ties."""
        digits = 6 if objective == "latency" else 2
        return round(self.value(objective), digits), self.figures["latency_share"]

    @property
    def confirmed(self) -> bool | None:
        """Whether the simulation kept every workload's p95 within its SLO (None: not run). A
        workload without requests in the simulated window (a rare one) does not refute it."""
        if self.simulated_p95_s is None:
            return None
        return all(p is None or p <= self.slo_s[w] for w, p in self.simulated_p95_s.items())


@dataclass
class Optimum:
    """What :func:`optimise` found: the ranked feasible candidates and how it searched."""

    objective: Objective
    scenario_name: str
    space: int  # designs in the searched space
    evaluated: int  # designs estimated
    exhaustive: bool
    candidates: list[Candidate]  # feasible, best first
    current: Candidate | None  # the scenario's own placement, when it is in the space
    seconds: float
    unplaceable: dict[str, str] = field(default_factory=dict)  # workload -> why no chain

    @property
    def best(self) -> Candidate | None:
        """The winner: the best candidate the simulation did not refute."""
        for candidate in self.candidates:
            if candidate.confirmed is not False:
                return candidate
        return None

    @property
    def runner_up(self) -> Candidate | None:
        best = self.best
        rest = [c for c in self.candidates if c is not best and c.confirmed is not False]
        return rest[0] if rest else None

    def scenario(self, base: Scenario) -> Scenario:
        """``base`` with the winner's placement."""
        if self.best is None:
            return base
        return base.model_copy(update={"placement": {**base.placement, **self.best.placement}})

    def explain(self) -> str:
        """The answer in plain sentences: the winner, then why it beats the runner-up."""
        return explain(self)


# ------------------------------------------------------------------------- the space
def _upward(topo: Topology, start: str) -> list[str]:
    """Nodes reachable from ``start`` never stepping down a tier (``start`` first)."""
    seen, order, frontier = {start}, [start], [start]
    while frontier:
        nxt = []
        for node in frontier:
            for other in topo.graph.neighbors(node):
                if other not in seen and topo.level(other) >= topo.level(node):
                    seen.add(other)
                    order.append(other)
                    nxt.append(other)
        frontier = nxt
    return order


def chains(
    scenario: Scenario, workload: Workload, ctx: _Context, *, limit: int = 10_000
) -> list[tuple[Chain, float]]:
    """The workload's chains that answer the advisor's questions with the workload alone, each
    with its latency then (a lower bound of its latency in any design)."""
    out: list[tuple[Chain, float]] = []
    # Residency first (the advisor's question 2): a node above the data class's highest tier
    # fails whatever else holds, so its route is not even looked up.
    ceilings = [max_level(c, ctx.cat) for c, _ in stage_classes(workload, ctx.cat)]

    def walk(index: int, here: str, elapsed: float, chain: tuple[str, ...]) -> None:
        if index == len(workload.stages):
            out.append((chain, elapsed))
            return
        for node in _upward(ctx.topo, here):
            if len(out) >= limit:
                return
            if ctx.topo.level(node) > ceilings[index]:
                continue
            verdict = _evaluate(ctx, workload, index, here, elapsed, node)
            if verdict.feasible:
                walk(index + 1, node, verdict.latency_s or elapsed, (*chain, node))

    walk(0, workload.source.node, 0.0, ())
    return out


def placement_space(
    scenario: Scenario, catalogue: Catalogue | None = None
) -> tuple[dict[str, list[Chain]], dict[str, str]]:
    """Per workload its chains (the searched space), and the workloads with none (why)."""
    ctx = _Context(scenario, catalogue)
    ctx.load = defaultdict(dict)  # each workload alone: the others' load is the search's job
    space, none = {}, {}
    for workload in scenario.workloads:
        found = chains(scenario, workload, ctx)
        if found:
            space[workload.id] = [chain for chain, _ in found]
        else:
            none[workload.id] = "no node answers the advisor's questions for every stage"
    return space, none


def placement_of(workload: Workload, chain: Chain) -> dict[str, str]:
    return {f"{workload.id}.{s.id}": node for s, node in zip(workload.stages, chain, strict=True)}


# ------------------------------------------------------------------------- evaluation
def evaluate(
    scenario: Scenario,
    placement: dict[str, str],
    catalogue: Catalogue | None = None,
    *,
    validate: bool = False,
    topology: Topology | None = None,
) -> Candidate:
    """The estimate's figures and feasibility of ``scenario`` with ``placement`` applied
    (``validate``: also every check of ``workbench validate``; ``topology``: the scenario's,
    reused across placements)."""
    from .sweep import PREMISES

    design = scenario.model_copy(update={"placement": {**scenario.placement, **placement}})
    cat = design.catalogue(catalogue)
    topo = topology or Topology(design, cat)
    model = loaded_model(design, cat, topo)
    est = estimate_of(model)
    figures = estimate_figures(design, cat, topo, model)
    latency = {w: e.latency_s for w, e in est.workloads.items()}
    slo = {w: e.slo_s for w, e in est.workloads.items()}
    figures["latency_share"] = sum(latency[w] / slo[w] for w in latency)
    problems = [
        f"{w}: est. mean {latency[w] * 1e3:.4g} ms > SLO {slo[w] * 1e3:.4g} ms"
        for w in latency
        if not latency[w] <= slo[w]
    ]
    problems += [
        f"node {n} is offered {rho:.0%} of its capacity"
        for n, rho in est.node_utilisation.items()
        if rho >= 1
    ]
    problems += [
        f"link {k} is offered {rho:.0%} of its capacity"
        for k, rho in est.link_utilisation.items()
        if rho >= 1
    ]
    boundary = est.boundaries.get(PREMISES)
    wan = boundary.up_bytes_per_s + boundary.down_bytes_per_s if boundary else 0.0
    overloaded = {n: rho for n, rho in est.node_utilisation.items() if rho >= 1}
    overloaded |= {k: rho for k, rho in est.link_utilisation.items() if rho >= 1}
    candidate = Candidate(
        dict(placement), figures, latency, slo, wan, not problems, problems, overloaded=overloaded
    )
    return validated(scenario, candidate, cat) if validate else candidate


def validated(
    scenario: Scenario, candidate: Candidate, catalogue: Catalogue | None = None
) -> Candidate:
    """``candidate`` after every check of ``workbench validate`` (residency on the real routes
    included): its problems are added, and it is feasible only when there are none."""
    from .validation import validate_scenario

    if not candidate.feasible:
        return candidate
    design = scenario.model_copy(
        update={"placement": {**scenario.placement, **candidate.placement}}
    )
    found = validate_scenario(design, catalogue, capacity=False)
    candidate.problems += [f"{p.path}: {p.message}" for p in found]
    candidate.feasible = not candidate.problems
    return candidate


class _Marginal:
    """What one workload's chain adds to the objective, priced linearly (see the module)."""

    def __init__(self, scenario: Scenario, cat: Catalogue, topo: Topology, objective: Objective):
        self.objective = objective
        self.scenario = scenario.model_copy(update={"placement": dict(scenario.placement)})
        self.cat, self.topo = cat, topo
        self.model = _Model(self.scenario, cat, topo)
        self.prices = scenario_prices(scenario)
        self.nodes = {n.id: n for n in scenario.nodes}
        self.profiles = {link.key: link.profile for link in scenario.links}
        self._node_rate: dict[tuple[Any, ...], float] = {}
        self._link_rate: dict[tuple[Any, ...], float] = {}
        self._by_node: dict[str, float] = {}
        self._by_link: dict[tuple[str, bool], float] = {}

    def _value(self, usage: Usage) -> float:
        energy = energy_summary(usage, self.scenario, self.cat)
        if self.objective == "energy":
            return float(energy["average_power_w"])
        return float(cost_summary(usage, energy, self.cat, self.prices)["total_usd_per_month"])

    def _node_usage(self, node_id: str, busy: float) -> NodeUsage:
        node = self.nodes[node_id]
        cards = node.servers or self.cat.hardware[node.hardware].servers
        return NodeUsage(
            node_id, node.tier, node.hardware, node.count, self.model.servers(node_id), cards, busy
        )

    def _node_key(self, node_id: str) -> tuple[Any, ...]:
        node = self.nodes[node_id]
        return node.tier, node.hardware, node.count, node.servers, self.model.servers(node_id)

    def node_rate(self, node_id: str) -> float:
        """Objective per busy server-second per second on ``node_id`` (nodes alike share it)."""
        rate = self._by_node.get(node_id)
        if rate is None:
            rate = self._by_node[node_id] = self._node_rate_of(node_id)
        return rate

    def _node_rate_of(self, node_id: str) -> float:
        key = self._node_key(node_id)
        if key not in self._node_rate:
            cloud = self.cat.hardware[self.nodes[node_id].hardware].id
            base = self._value(Usage(1.0, (self._node_usage(node_id, 0.0),), (), (), cloud))
            busy = self._value(Usage(1.0, (self._node_usage(node_id, 1.0),), (), (), cloud))
            self._node_rate[key] = busy - base
        return self._node_rate[key]

    def link_rate(self, link_id: str, upward: bool) -> float:
        """Objective per byte per second sent over ``link_id`` in that direction (links alike,
        with the same price and the same kind of ends, share it)."""
        rate = self._by_link.get((link_id, upward))
        if rate is None:
            rate = self._by_link[(link_id, upward)] = self._link_rate_of(link_id, upward)
        return rate

    def _link_rate_of(self, link_id: str, upward: bool) -> float:
        spec = self.topo.links[link_id]
        low_first = self.topo.level(spec.a) <= self.topo.level(spec.b)
        lower, upper = (spec.a, spec.b) if low_first else (spec.b, spec.a)
        profile = self.profiles[link_id]
        priced_alone = link_id in self.prices.transfer
        key = (
            link_id if priced_alone else profile,
            upward,
            spec.bandwidth_bps,
            spec.downlink_bandwidth_bps,
            self._node_key(lower),
            self._node_key(upper),
        )
        if key not in self._link_rate:
            ends = (self._node_usage(lower, 0.0), self._node_usage(upper, 0.0))
            cloud = self.cat.hardware[self.nodes[upper].hardware].id

            def link(byte: float) -> LinkUsage:
                return LinkUsage(
                    link_id,
                    lower,
                    upper,
                    ends[0].tier,
                    ends[1].tier,
                    profile,
                    byte if upward else 0.0,
                    0.0 if upward else byte,
                    spec.bandwidth_bps,
                    spec.downlink_bandwidth_bps,
                )

            base = self._value(Usage(1.0, ends, (link(0.0),), (), cloud))
            sent = self._value(Usage(1.0, ends, (link(1e6),), (), cloud))
            self._link_rate[key] = (sent - base) / 1e6
        return self._link_rate[key]

    def of(self, workload: Workload, chain: Chain, lower_bound_s: float) -> float:
        """The chain's share of the objective (its busy servers and bytes, priced)."""
        if self.objective == "latency":
            return lower_bound_s / workload.slo_s
        if any(stage.window is not None for stage in workload.stages):
            return self._of_windowed(workload, chain)
        rate = self.nodes[workload.source.node].count * workload.source.rate
        here, size, share = workload.source.node, input_size_bytes(workload, self.cat), 1.0
        total = 0.0
        for k, (stage, node) in enumerate(zip(workload.stages, chain, strict=True)):
            total += self._hops(here, node, rate * share * size)
            mean, _ = self.model.service(workload, k, node)
            total += rate * share * mean * self.node_rate(node)
            here, size, share = node, stage.output_size_bytes, share * stage.forward
        if workload.sink is not None:
            total += self._hops(here, workload.sink, rate * share * size)
        return total

    def _hops(self, src: str, dst: str, bytes_per_s: float) -> float:
        total = 0.0
        for hop in self.topo.path(src, dst) or []:
            total += bytes_per_s * self.link_rate(hop.link, self.topo.is_upward(hop.link, hop.src))
        return total

    def _of_windowed(self, workload: Workload, chain: Chain) -> float:
        """With aggregation windows: the estimate's own loads (windows thin the traffic)."""
        model = self.model
        self.scenario.placement.update(placement_of(workload, chain))
        model.node_streams.clear()
        model.link_streams.clear()
        model.link_bytes.clear()
        model._segments.pop(workload.id, None)
        model.load(workload)
        total = 0.0
        for node_id, streams in model.node_streams.items():
            busy = sum(s.rate * s.mean for s in streams) * self.nodes[node_id].count
            total += busy * self.node_rate(node_id)
        for (link_id, upward), rate in model.link_bytes.items():
            total += rate * self.link_rate(link_id, upward)
        return total


# ------------------------------------------------------------------------- the search
def optimise(
    scenario: Scenario,
    *,
    objective: Objective = "cost",
    confirm: int = 3,
    until: float | None = None,
    exhaustive: int = 5_000,
    keep: int | None = None,
    catalogue: Catalogue | None = None,
    progress: Callable[[str], None] | None = None,
) -> Optimum:
    """The best feasible placement of ``scenario`` (valid) for ``objective``; see the module.

    ``confirm``: simulate the best few (``until`` simulated seconds, default the scenario's;
    seed the scenario's); a candidate whose p95 misses an SLO there loses its place.
    ``keep``: feasible candidates ranked (default and at least ``confirm`` + 1, and 2).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    run_s = until if until is not None else scenario.simulation.until_s
    if confirm > 0 and run_s <= scenario.simulation.warmup_s:
        raise ProblemsError(
            [
                Problem(
                    "--until",
                    f"{run_s:g} s is not longer than the scenario's warm-up "
                    f"({scenario.simulation.warmup_s:g} s), so a confirmation would measure "
                    "nothing; run longer",
                )
            ]
        )
    start = time.perf_counter()
    cat = scenario.catalogue(catalogue)
    ctx = _Context(scenario, cat)
    ctx.load = defaultdict(dict)
    space: dict[str, list[Chain]] = {}
    bounds: dict[str, list[float]] = {}
    unplaceable: dict[str, str] = {}
    for workload in scenario.workloads:
        found = chains(scenario, workload, ctx)
        if found:
            space[workload.id] = [chain for chain, _ in found]
            bounds[workload.id] = [latency for _, latency in found]
        else:
            unplaceable[workload.id] = "no node answers the advisor's questions for every stage"
    size = math.prod(len(c) for c in space.values()) if space else 0
    keep = max(keep or 0, confirm + 1, 2)
    workloads = [scenario.workload(w) for w in space]
    if unplaceable:
        candidates: list[Candidate] = []
        evaluated, is_exhaustive = 0, False
    elif size <= exhaustive:
        candidates, evaluated = _exhaustive(scenario, cat, workloads, space, objective, keep)
        is_exhaustive = True
    else:
        candidates, evaluated = _greedy(
            scenario, cat, ctx, workloads, space, bounds, objective, keep
        )
        is_exhaustive = False
    current = None
    own = {k: v for k, v in scenario.placement.items()}
    in_space = all(
        tuple(own.get(k) for k in w.stage_keys()) in set(space.get(w.id, []))
        for w in scenario.workloads
    )
    if in_space and scenario.workloads:
        current = evaluate(scenario, own, cat, topology=ctx.topo)
    for simulated, candidate in enumerate(candidates):  # the best `confirm`, and on until
        if confirm == 0 or (simulated >= confirm and any(c.confirmed for c in candidates)):
            break  # one holds in simulation
        if progress is not None:
            progress(f"simulating candidate {simulated + 1}")
        _simulate(scenario, candidate, until)
    return Optimum(
        objective,
        scenario.name,
        size,
        evaluated,
        is_exhaustive,
        candidates,
        current,
        time.perf_counter() - start,
        unplaceable,
    )


def _exhaustive(
    scenario: Scenario,
    cat: Catalogue,
    workloads: list[Workload],
    space: dict[str, list[Chain]],
    objective: Objective,
    keep: int,
) -> tuple[list[Candidate], int]:
    """Every design estimated; the best ``keep`` that are feasible (validated in full)."""
    topo = Topology(scenario, cat)
    estimated = []
    for combo in itertools.product(*(space[w.id] for w in workloads)):
        placement: dict[str, str] = {}
        for workload, chain in zip(workloads, combo, strict=True):
            placement |= placement_of(workload, chain)
        candidate = evaluate(scenario, placement, cat, topology=topo)
        if candidate.feasible:
            estimated.append(candidate)
    estimated.sort(key=lambda c: c.rank(objective))
    ranked = []
    for candidate in estimated:
        checked = validated(scenario, candidate, cat)
        if checked.feasible:
            ranked.append(checked)
            if len(ranked) >= keep:
                break
    return ranked, len(estimated)


def _greedy(
    scenario: Scenario,
    cat: Catalogue,
    ctx: _Context,
    workloads: list[Workload],
    space: dict[str, list[Chain]],
    bounds: dict[str, list[float]],
    objective: Objective,
    keep: int,
) -> tuple[list[Candidate], int]:
    """Each workload on its cheapest chain, repaired where an SLO or a capacity fails; then the
    runners-up: the winner with one workload on its next chain (smallest extra first)."""
    marginal = _Marginal(scenario, cat, ctx.topo, objective)
    ranked: dict[str, list[tuple[float, Chain]]] = {}
    for workload in workloads:
        ranked[workload.id] = sorted(
            (
                (marginal.of(workload, c, bound), c)
                for c, bound in zip(space[workload.id], bounds[workload.id], strict=True)
            ),
            key=lambda item: item[0],
        )
    choice = {w.id: 0 for w in workloads}
    by_id = {w.id: w for w in workloads}

    def placement() -> dict[str, str]:
        out: dict[str, str] = {}
        for wid, index in choice.items():
            out |= placement_of(by_id[wid], ranked[wid][index][1])
        return out

    def uses(wid: str, index: int | None = None) -> set[str]:
        """The nodes and links the workload's chain (its current one) puts load on."""
        workload = by_id[wid]
        chain = ranked[wid][choice[wid] if index is None else index][1]
        here, used = workload.source.node, set(chain)
        for node in [*chain, workload.sink]:
            if node is not None:
                used |= {hop.link for hop in ctx.topo.path(here, node) or []}
                here = node
        return used

    def step(wid: str) -> float:
        index = choice[wid]
        return ranked[wid][index + 1][0] - ranked[wid][index][0]

    def step_back(wid: str) -> float:
        return ranked[wid][choice[wid]][0] - ranked[wid][0][0]

    def better(a: Candidate, b: Candidate) -> bool:
        return a.rank(objective) < b.rank(objective)

    evaluated = 0
    candidate = None
    for _ in range(MAX_REPAIRS):  # repair: move the workloads involved in each problem
        candidate = evaluate(scenario, placement(), cat, validate=True, topology=ctx.topo)
        evaluated += 1
        if candidate.feasible:
            break
        movable = {w for w in choice if choice[w] + 1 < len(ranked[w])}
        # A workload slow by itself moves; one slowed by an overloaded station (an unbounded
        # wait) is moved, or not, by the station's rule below.
        moves = {
            w
            for w, lat in candidate.latency_s.items()
            if w in movable and math.isfinite(lat) and lat > candidate.slo_s[w]
        }
        away: dict[str, int] = {}  # workload -> its next chain off an overloaded station
        for station, rho in candidate.overloaded.items():
            # Enough of its users to bring it under 100 % (a tenth more), least extra first,
            # each to its next chain that does not use the station.
            users = []
            for wid in choice:
                if station not in uses(wid):
                    continue
                off = next(
                    (
                        i
                        for i in range(choice[wid] + 1, len(ranked[wid]))
                        if station not in uses(wid, i)
                    ),
                    None,
                )
                if off is not None:
                    users.append((ranked[wid][off][0] - ranked[wid][choice[wid]][0], wid, off))
            users.sort()
            share = 1 - 1 / rho if math.isfinite(rho) else 1.0
            for _, wid, off in users[: max(1, math.ceil(len(users) * min(1.0, share * 1.1)))]:
                away[wid] = max(away.get(wid, 0), off)
        if not moves and not away:
            moves = {min(movable, key=step)} if movable else set()
        if not moves and not away:
            return [], evaluated
        for wid in moves:
            choice[wid] += 1
        for wid, off in away.items():
            choice[wid] = max(choice[wid], off)
    if candidate is None or not candidate.feasible:
        return [], evaluated
    moved = sorted((w for w in choice if choice[w] > 0), key=lambda w: -step_back(w))
    for wid in moved[:MAX_IMPROVE]:  # improve: back to a cheaper chain, most to gain first
        current = choice[wid]
        for index in range(current):
            choice[wid] = index
            trial = evaluate(scenario, placement(), cat, validate=True, topology=ctx.topo)
            evaluated += 1
            if trial.feasible and better(trial, candidate):
                candidate = trial
                break
        else:
            choice[wid] = current
    out = [candidate]
    steps = sorted(
        (ranked[wid][choice[wid] + 1][0] - ranked[wid][choice[wid]][0], wid)
        for wid in choice
        if choice[wid] + 1 < len(ranked[wid])
    )
    others: list[Candidate] = []
    for _, wid in steps[: keep + 2]:
        if len(others) >= keep - 1:
            break
        choice[wid] += 1
        other = evaluate(scenario, placement(), cat, topology=ctx.topo)
        evaluated += 1
        choice[wid] -= 1
        if other.feasible:
            others.append(other)
    for other in sorted(others, key=lambda c: c.rank(objective)):  # validated when reported
        checked = validated(scenario, other, cat)
        if checked.feasible:
            out.append(checked)
    return sorted(out, key=lambda c: c.rank(objective)), evaluated


def _simulate(scenario: Scenario, candidate: Candidate, until: float | None) -> None:
    from .sim import simulate

    design = scenario.model_copy(
        update={"placement": {**scenario.placement, **candidate.placement}}
    )
    summary = simulate(design, until=until).summary()
    stats = summary["workloads"]
    candidate.simulated_p95_s = {w: s["latency_p95_s"] for w, s in stats.items()}
    candidate.simulated_p99_s = {w: s["latency_p99_s"] for w, s in stats.items()}
    candidate.simulated_over_slo = {w: s["slo_violation_share"] for w, s in stats.items()}


# ------------------------------------------------------------------------- explaining
def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.3g} s" if seconds >= 1 else f"{seconds * 1e3:.3g} ms"


def _amount(objective: Objective, value: float) -> str:
    if objective == "cost":
        return f"${value:,.2f} per month"
    if objective == "energy":
        return f"{value:,.2f} W"
    return f"{value:.4g} (mean latency / SLO, summed over workloads)"


def explain(result: Optimum) -> str:
    """Plain sentences: the winner, its figures, the runner-up and what the difference is."""
    objective, best = result.objective, result.best
    how = (
        f"all {result.space:,} designs estimated"
        if result.exhaustive
        else f"{result.space:,} designs in the space, {result.evaluated} estimated (greedy)"
    )
    lines = [
        f"{result.scenario_name}: lowest {objective} placement meeting every SLO and "
        f"residency rule ({how}, {result.seconds:.2f} s)."
    ]
    for wid, why in result.unplaceable.items():
        lines.append(f"Workload {wid!r} cannot be placed: {why}; see `workbench advise`.")
    if best is None and result.candidates:
        first = result.candidates[0]
        misses = [
            f"{w} p95 {_ms(p)} > SLO {_ms(first.slo_s[w])}"
            for w, p in (first.simulated_p95_s or {}).items()
            if p is not None and p > first.slo_s[w]
        ]
        lines.append(
            f"The estimate found {len(result.candidates)} feasible design(s), but each "
            "missed an SLO at p95 in simulation (the best: " + "; ".join(misses) + "). "
            "The tails need headroom the means do not show: raise capacity or relax "
            "an SLO."
        )
        return "\n".join(lines)
    if best is None:
        lines.append(
            "No feasible design was found: every design misses an SLO, overloads a "
            "node or link, or breaks a residency rule. Raise capacity or relax an SLO."
        )
        return "\n".join(lines)
    lines.append(
        f"Winner: {_amount('cost', best.figures['cost_usd_per_month'])}, "
        f"{best.figures['average_power_w']:,.1f} W on average, WAN "
        f"{best.wan_bytes_per_s / 1e6:.3g} MB/s."
    )
    lines += [f"  {key} -> {node}" for key, node in sorted(best.placement.items())]
    for wid in best.latency_s:
        sim = ""
        if best.simulated_p95_s is not None:
            sim = f", simulated p95 {_ms(best.simulated_p95_s.get(wid))}"
        lines.append(
            f"  {wid}: est. mean {_ms(best.latency_s[wid])}{sim} (SLO {_ms(best.slo_s[wid])})"
        )
    lines += _tails(best)
    if best.confirmed is not None:
        refuted = sum(c.confirmed is False for c in result.candidates)
        unmeasured = [w for w, p in (best.simulated_p95_s or {}).items() if p is None]
        lines.append(
            "The simulation confirms it: every workload's p95 is within its SLO."
            + (
                f" ({', '.join(unmeasured)}: no requests in the simulated window; run longer "
                "to measure.)"
                if unmeasured
                else ""
            )
            + (
                f" ({refuted} better-looking candidate(s) missed an SLO in simulation.)"
                if refuted
                else ""
            )
        )
    runner = result.runner_up
    if runner is None:
        lines.append("There is no runner-up: no other feasible design in the space.")
    else:
        lines.append(_versus(objective, best, runner, "the runner-up"))
    current = result.current
    if current is not None and current.placement != best.placement:
        lines.append(_versus(objective, best, current, "the scenario's own placement"))
    elif current is not None:
        lines.append("The scenario's own placement is already the winner.")
    return "\n".join(lines)


TAIL_WARNING_SHARE = 0.01  # more requests than this over the SLO gets a sentence


def _tails(best: Candidate) -> list[str]:
    """A sentence per workload whose p95 meets the SLO while over 1 % of requests miss it."""
    lines = []
    for wid, share in best.simulated_over_slo.items():
        if share is None or share <= TAIL_WARNING_SHARE:
            continue
        p95 = (best.simulated_p95_s or {}).get(wid)
        if p95 is None or p95 > best.slo_s[wid]:
            continue
        lines.append(
            f"  Mind the tail: {share * 100:.2g} % of {wid}'s requests took longer than its "
            f"SLO (p99 {_ms(best.simulated_p99_s.get(wid))}); the p95 rule allows up to 5 %. "
            "Its estimated mean is high for the same reason: a few requests wait behind long "
            "jobs on a shared node."
        )
    return lines


def _versus(objective: Objective, best: Candidate, other: Candidate, name: str) -> str:
    moved = [k for k in sorted(best.placement) if best.placement[k] != other.placement.get(k)]
    parts = [
        f"{k} runs on {best.placement[k]} instead of {other.placement.get(k)}" for k in moved[:5]
    ]
    if len(moved) > 5:
        parts.append(f"and {len(moved) - 5} more stages move")
    saving = other.value(objective) - best.value(objective)
    if best.rank(objective)[0] == other.rank(objective)[0]:
        sentence = (
            f"Against {name}: {'; '.join(parts)}. Both come to "
            f"{_amount(objective, best.value(objective))}; the winner is faster"
        )
    else:
        sentence = (
            f"Against {name}: {'; '.join(parts)}. That saves "
            f"{_amount(objective, saving)} ({_amount(objective, other.value(objective))}"
            f" -> {_amount(objective, best.value(objective))})"
        )
    if objective != "cost":
        delta = other.figures["cost_usd_per_month"] - best.figures["cost_usd_per_month"]
        sentence += f" and {'saves' if delta >= 0 else 'costs'} ${abs(delta):,.2f} per month"
    affected = sorted({k.split(".", 1)[0] for k in moved})
    changes = []
    for wid in affected[:5]:
        a, b = other.latency_s.get(wid), best.latency_s.get(wid)
        if a is None or b is None:
            continue
        verb = "costs" if b > a else "gains"
        changes.append(
            f"{wid} {verb} {_ms(abs(b - a))} of mean latency ({_ms(a)} -> {_ms(b)}, "
            f"SLO {_ms(best.slo_s[wid])})"
        )
    if changes:
        sentence += "; in latency, " + "; ".join(changes)
    wan = other.wan_bytes_per_s - best.wan_bytes_per_s
    if abs(wan) > 1e-9 * max(other.wan_bytes_per_s, 1.0):
        sentence += (
            f"; it sends {abs(wan) / 1e3:,.3g} kB/s {'less' if wan > 0 else 'more'} over the WAN"
        )
    return sentence + "."


__all__ = [
    "Candidate",
    "Optimum",
    "chains",
    "evaluate",
    "explain",
    "optimise",
    "placement_space",
    "validated",
]
