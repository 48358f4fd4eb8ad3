"""Degraded mode: what a request does when a link or node on its way is out of service.

In order, as configured per workload (``degraded:`` in the scenario):

1. **reroute** over another path around every element that is down, if the topology has one
   that the data's class may take (:mod:`workbench.policy`: never above its ``max_tier``);
2. **fallback**: serve the stage it was heading to with the stage's fallback model, where the
   data is (or on the fallback's node, if reachable within policy), then carry on;
3. **store and forward**: wait in the local store of the node it is at (bounded bytes; a full
   store drops the oldest or the newest); when the link returns, the backlog drains at a share
   of its bandwidth so that live traffic is not starved;
4. otherwise it is **dropped**, with the reason recorded: ``dropped_policy`` when the only way
   on crosses a tier its data class may not reach, else ``dropped_no_route``.

Every request ends in exactly one outcome (see the constants below), or is still buffered or in
flight when the run ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalogue import TIER_IDS
from .plan import FALLBACK as STEP_FALLBACK
from .plan import SEGMENT, SERVER

if TYPE_CHECKING:
    from .engine import Simulation, WorkloadRun
    from .stations import Channel, Server, Store

# Outcomes of a request (IN_SYSTEM until decided).
IN_SYSTEM, PRIMARY, SERVED_BY_FALLBACK = 0, 1, 2
DROPPED_STORE_FULL, DROPPED_DEADLINE, DROPPED_NO_ROUTE, DROPPED_NODE_DOWN = 3, 4, 5, 6
DROPPED_POLICY = 7
OUTCOMES = {
    PRIMARY: "primary",
    SERVED_BY_FALLBACK: "fallback",
    DROPPED_STORE_FULL: "dropped_store_full",
    DROPPED_DEADLINE: "dropped_deadline",
    DROPPED_NO_ROUTE: "dropped_no_route",
    DROPPED_NODE_DOWN: "dropped_node_down",
    DROPPED_POLICY: "dropped_policy",
}


@dataclass(eq=False)
class Waiting:
    """A request (or a flow transfer) waiting in a store for a link to return."""

    run: Any  # WorkloadRun or FlowRun
    req: int
    route: tuple[Any, ...]
    pos: int
    size: float
    since: float
    store: Store | None
    alive: bool = True
    until: float | None = None  # when it stopped waiting (drained or dropped)


def _down_elements(sim: Simulation) -> frozenset[str]:
    plan = sim.plan
    return frozenset(
        [e.id for e in plan.link_elements.values() if not e.up]
        + [e.id for e in plan.node_elements.values() if not e.up]
    )


def blocked(run: WorkloadRun, req: int, route: tuple[Any, ...], pos: int, now: float) -> None:
    """Step ``pos`` of the request's route is out of service: reroute, fall back, wait or drop."""
    kind, station, _, where = route[pos]
    if kind in (SERVER, STEP_FALLBACK):
        # The data reached a node that is down (it went down while the data was on its way).
        run.drop(req, now, DROPPED_NODE_DOWN, pos)
        return
    policy = run.plan.workload.degraded
    builder = run.sim.plan.builder
    target = next(
        (i for i in range(pos, len(route)) if route[i][0] in (SERVER, STEP_FALLBACK)), None
    )
    stage = route[target][2] if target is not None else len(run.plan.stages)
    size = run.carrying[req] or route[pos][2]
    mid_segment = kind != SEGMENT
    avoid = _down_elements(run.sim)
    visited = {step[3][0]: step[3][1] for step in route[:pos] if step[3] is not None}
    if policy.reroute:
        rest = builder.remainder(run.plan, stage, where, size, avoid=avoid, visited=visited)
        if rest and rest[0][1].in_service:
            _switch(run, req, route, pos, rest, mid_segment, now)
            return
    fallback_node = None
    if target is not None:
        fallback = run.plan.stages[stage].stage.fallback
        if fallback is not None:
            fallback_node = fallback.node or where[0]
            rest = builder.remainder(
                run.plan, stage, where, size, avoid=avoid, fallback_node=fallback_node,
                visited=visited,
            )  # fmt: skip
            if rest and rest[0][1].in_service:
                _switch(run, req, route, pos, rest, mid_segment, now, "fallback")
                return
    refused = _refused_by_policy(run, stage, where, size, avoid, fallback_node)
    if refused:
        run.sim.record("policy", run.plan.workload.id, f"request {req} at {where[0]}: {refused}")
    if policy.buffer and where is not None:
        wait(run, req, route, pos, size, now, station, builder.store(where), policy.drop_policy)
        return
    run.drop(req, now, DROPPED_POLICY if refused else DROPPED_NO_ROUTE, pos)


def _refused_by_policy(
    run: WorkloadRun,
    stage: int,
    where: Any,
    size: float,
    avoid: frozenset[str],
    fallback_node: str | None,
) -> str:
    """Why the request cannot go on when only its data class stops it (a way around the
    outage exists but crosses a tier the class may not reach); '' otherwise."""
    plan, builder = run.plan, run.sim.plan.builder
    tenancy = run.sim.plan.tenancy
    foreign = tenancy.foreign_to(plan.workload.tenant) if tenancy is not None else frozenset()
    if min(plan.limits[stage:]) >= len(TIER_IDS) and not foreign:
        return ""  # unrestricted classes from here on, no tenants: policy refuses nothing
    candidates = []
    if plan.workload.degraded.reroute:
        candidates.append(builder.remainder(plan, stage, where, size, avoid=avoid, policy=False))
    if fallback_node is not None:
        candidates.append(
            builder.remainder(
                plan, stage, where, size, avoid=avoid, fallback_node=fallback_node, policy=False
            )
        )
    for rest in candidates:
        if rest and rest[0][1].in_service:
            crossed = _nodes_above(builder.topo.level, plan.limits, rest, stage)
            if crossed:
                return f"the way around crosses {', '.join(crossed)}, which its data may not reach"
            others = [w[0] for *_, w in rest if w is not None and w[0] in foreign]
            if others:
                return (
                    f"the way around crosses {', '.join(dict.fromkeys(others))}, which belongs "
                    "to another tenant"
                )
    return ""


def _nodes_above(
    level: Callable[[str], int], limits: list[int], steps: list[Any], stage: int
) -> list[str]:
    """Nodes on ``steps`` (starting on the leg into ``stage``) above their leg's tier limit."""
    leg, crossed = stage, []
    for kind, _, value, where in steps:
        if kind in (SERVER, STEP_FALLBACK):
            leg = value + 1
        elif level(where[0]) > limits[leg] and where[0] not in crossed:
            crossed.append(where[0])
    return crossed


def _switch(
    run: WorkloadRun,
    req: int,
    route: tuple[Any, ...],
    pos: int,
    rest: list[Any],
    mid_segment: bool,
    now: float,
    kind: str = "reroute",
) -> None:
    """Put the request on ``route[:pos] + rest`` and carry on; log it as ``kind``: a
    ``reroute`` (another path) or a ``fallback`` (a stage served by its fallback model)."""
    if mid_segment and rest and rest[0][0] == SEGMENT:
        first = rest[0]
        rest[0] = (0, first[1], first[2], first[3])  # the message is already counted as sent
    new_route = tuple(route[:pos]) + tuple(rest)
    run.sim.record(kind, run.plan.workload.id, f"request {req} at {route[pos][3][0]}")
    run.resume(req, new_route, pos, now)


def serve_fallback(
    run: WorkloadRun, req: int, server: Server, stage: int, now: float, pos: int, n: int
) -> None:
    """Serve ``stage`` of ``req`` with the stage's fallback model on ``server`` at ``now``."""
    carried = run.carrying[req]
    if carried:
        run.bytes_received += carried
        run.carrying[req] = 0.0
    service = run.fallback_service(stage, server)
    start, done = server.serve(now, service)
    times = run.stage_times[stage]
    times[0][req], times[1][req], times[2][req] = now, start, done
    run.last_stage[req] = stage
    run.via_fallback[req] = 1
    run.fallback_nodes[req] = (stage, run.sim.plan.nodes[server.node].id)
    if run.judge is not None:
        run.judge.fallback(req, stage, server, done)
    share = run.forward[stage]
    if pos == n or (share < 1.0 and run.keep(req)):
        run.finish(req, done)
    else:
        run.schedule(req, pos, done)


def wait(
    run: Any,
    req: int,
    route: tuple[Any, ...],
    pos: int,
    size: float,
    now: float,
    channel: Channel,
    store: Store | None,
    drop_policy: str = "oldest",
) -> None:
    """Keep the request in ``store`` until ``channel`` is back (flows wait without a store)."""
    if store is not None and route[pos][0] == SEGMENT and not run.carrying[req]:
        # The message starts its way here: count it as sent now, and as held while it waits.
        run.carrying[req] = size
        run.bytes_sent += size
        step = route[pos]
        route = (*route[:pos], (0, step[1], step[2], step[3]), *route[pos + 1 :])
    if store is not None:
        if size > store.capacity_bytes:
            run.drop(req, now, DROPPED_STORE_FULL, pos)
            return
        queue = store.queue
        while store.used_bytes + size > store.capacity_bytes:
            if drop_policy == "newest":
                run.drop(req, now, DROPPED_STORE_FULL, pos)
                return
            oldest = queue.popleft()
            if oldest.alive:
                oldest.alive = False
                oldest.until = now
                store.used_bytes -= oldest.size
                store.items -= 1
                oldest.run.drop(oldest.req, now, DROPPED_STORE_FULL, oldest.pos)
        store.used_bytes += size
        store.items += 1
        store.record(now)
    entry = Waiting(run, req, route, pos, size, now, store)
    if store is not None:
        store.queue.append(entry)
        run.sim.waits.append(entry)
    channel.backlog.append(entry)


def start_draining(sim: Simulation, channel: Channel) -> None:
    """The channel is back: send its backlog at the waiting workloads' share of bandwidth."""
    if channel.draining or not channel.backlog:
        return
    channel.draining = True
    sim.drain_started(channel)
    drain(sim, channel)


def drain(sim: Simulation, channel: Channel) -> None:
    """Send the next waiting request, then come back after its share of the link's time."""
    now = sim.now
    backlog = channel.backlog
    while backlog and not backlog[0].alive:
        backlog.popleft()
    if not backlog or not channel.in_service:
        channel.draining = False
        sim.drain_ended(channel, finished=not backlog)
        return
    entry = backlog.popleft()
    entry.alive = False
    entry.until = now
    if entry.store is not None:
        entry.store.used_bytes -= entry.size
        entry.store.items -= 1
        entry.store.record(now)
    share = entry.run.drain_share
    entry.run.resume(entry.req, entry.route, entry.pos, now)
    pace = 8 * entry.size / (channel.bandwidth_bps * share)
    sim.call_at(now + pace, lambda: drain(sim, channel))


def held_requests(sim: Simulation) -> dict[int, set[int]]:
    """Requests waiting in a store, by workload index."""
    held: dict[int, set[int]] = {}
    for channel in sim.plan.channels.values():
        for entry in channel.backlog:
            if entry.alive and hasattr(entry.run.plan, "stages"):
                held.setdefault(entry.run.plan.index, set()).add(entry.req)
    return held
