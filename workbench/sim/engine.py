"""The discrete-event engine: requests through links and compute, in steps.

Each request walks its route. Arriving at a channel or a server, it asks the station when it
will leave (FIFO, computed from the station's state) and schedules one event for its arrival at
the next station, so a hop costs one event of the engine's own loop (:mod:`.kernel`) rather
than a simpy process, a request and a release.
Stations are reached in time order, which is all FIFO needs.

Examples
--------
>>> from workbench.scenario import load_scenario
>>> from workbench.loading import data_dir
>>> s = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
>>> result = simulate(s, until=30, seed=1)
>>> result.summary()["workloads"]["bearing-wear"]["completed"] > 700  # 40 sensors, 1 Hz, 20 s
True
"""

from __future__ import annotations

import bisect
import math
from array import array
from dataclasses import dataclass
from heapq import heappush
from typing import Any

import numpy as np
import pandas as pd

from ..budget import check_run_size
from ..catalogue import Catalogue
from ..errors import Problem, RunArgumentError, ScenarioError
from ..fields import ENGINES
from ..scenario import Scenario
from ..workloads import service_time_s
from . import degraded, failures, windows
from .degraded import PRIMARY, SERVED_BY_FALLBACK
from .kernel import EventLoop
from .plan import FALLBACK, SEGMENT, SERVER, FlowPlan, Plan, ServiceSpec, WorkloadPlan, build_plan
from .results import Results, tier_boundaries

_BATCH = 4096
_NAN = math.nan


class _Draws:
    """Random numbers drawn in batches from the run's generator (numpy calls are slow singly)."""

    __slots__ = ("_buffer", "_draw")

    def __init__(self, draw: Any) -> None:
        self._draw = draw
        self._buffer: list[float] = []

    def next(self) -> float:
        try:
            return self._buffer.pop()
        except IndexError:
            self._buffer = self._draw(_BATCH).tolist()
            self._buffer.reverse()  # keep the generator's order: pop() takes from the end
            return self._buffer.pop()


def _sampler(spec: ServiceSpec, rng: np.random.Generator) -> _Draws | float:
    if spec.dist == "deterministic":
        return spec.mean_s
    if spec.dist == "exponential":
        mean = spec.mean_s
        return _Draws(lambda n: rng.exponential(mean, n))
    mu, sigma = spec.lognormal_params
    return _Draws(lambda n: rng.lognormal(mu, sigma, n))


class _Move:
    """A request (or transfer) arriving at step ``pos`` of its route.

    An event of the engine's own loop (:class:`.kernel.EventLoop`), which only calls its
    ``callbacks``: one small object per hop.
    """

    __slots__ = ("callbacks", "pos", "req")

    def __init__(self, callbacks: tuple[Any, ...], req: int, pos: int) -> None:
        self.callbacks = callbacks  # the loop only iterates it: one shared tuple per run
        self.req = req
        self.pos = pos


def _push(loop: EventLoop, when: float, event: Any) -> None:
    """Schedule ``event`` at absolute time ``when``."""
    heappush(loop.queue, (when, next(loop.sequence), event))


_CHUNK = 8192
_LOOKAHEAD = 256  # arrivals created per arrival event


class WorkloadRun:
    """Arrivals, per-request records and the route walk of one workload."""

    def __init__(self, sim: Simulation, plan: WorkloadPlan, rng: np.random.Generator) -> None:
        self.sim = sim
        self.plan = plan
        self.loop = sim.loop
        self.rng = rng
        self.routes = plan.routes
        n_stages = len(plan.stages)
        self.n_stages = n_stages
        self.samplers = [_sampler(s.service, rng) for s in plan.stages]
        self.forward = [s.forward for s in plan.stages]
        self.uniform = _Draws(lambda n: rng.random(n))
        self.n = 0  # requests created
        self.capacity = 0
        self.created = array("d")
        self.device = array("i")
        self.end = array("d")
        self.last_stage = array("b")
        self.outcome = array("b")  # an Outcome code, final once end_s is set
        self.carrying = array("d")  # bytes of the message the request is carrying, else 0
        self.via_fallback = array("b")
        self.kept = array("b")  # 1: ended at a stage that did not forward it (served there)
        self.merged = array("b")  # 1: merged into an aggregation window's output (windows.py)
        self.windows = [s.stage.window for s in plan.stages]
        self.windowed = self.windows if any(self.windows) else None  # None: the fast path
        self.open_windows: dict[int, windows.Window] = {}  # by id(server)
        self.followers: dict[int, list[int]] = {}  # carrier -> inputs merged into its output
        self.stage_times = [[array("d") for _ in range(3)] for _ in range(n_stages)]
        self.overrides: dict[int, tuple[Any, ...]] = {}  # requests on a route of their own
        # For the audit (workbench.audit), written off the hot path: the route a request took
        # when it left its planned one, and the step at which a dropped request stopped.
        self.taken: dict[int, tuple[Any, ...]] = {}
        self.stopped: dict[int, int] = {}
        self.fallback_nodes: dict[int, tuple[int, str]] = {}  # req -> (stage, node) of a fallback
        self.bytes_sent = 0.0  # messages put on the network (each counted once, at its start)
        self.bytes_received = 0.0  # messages that reached their stage or sink
        self.bytes_dropped = 0.0  # messages dropped on the way
        self.deadline = plan.workload.degraded.deadline_s
        # Right and wrong predictions (workbench.control), only for versioned models.
        self.judge = sim.control.judge(self) if sim.control is not None else None
        self.drain_share = plan.workload.degraded.drain_share
        self.source_element = sim.plan.node_elements[plan.workload.source.node]
        self._times: list[float] = []  # the next arrivals, in time order (reversed for pop)
        self._devices: list[int] = []
        self._batches = self._arrival_batches()
        self._arrival = _Move((self._on_arrivals,), 0, 0)
        self._pending_arrival = (math.inf, 0)
        self._step = (self._walk,)  # the callbacks of every hop event: one shared tuple
        self._queue = self.loop.queue  # the loop's heap, pushed to inline on the hot path
        self._eid = self.loop.sequence

    def _arrival_batches(self) -> Any:
        """Batches of (times, devices) in time order, generated lazily from the run's rng."""
        plan, rng = self.plan, self.rng
        arrival = plan.workload.source.arrival
        devices = plan.devices
        if arrival == "trace":
            times = np.repeat(np.sort(np.asarray(plan.trace, dtype=float)), devices)
            ids = np.tile(np.arange(devices), len(plan.trace or []))
            yield times.tolist(), ids.tolist()
            return
        if arrival == "periodic":
            period = 1.0 / plan.rate
            phases = rng.uniform(0, period, devices)
            order = np.argsort(phases)
            k = 0
            while True:
                yield (k * period + phases[order]).tolist(), order.tolist()
                k += 1
        total = devices * plan.rate
        t = 0.0
        size = 64  # small first batches: a run may need only a few arrivals
        while True:
            times = t + np.cumsum(rng.exponential(1.0 / total, size))
            t = float(times[-1])
            yield times.tolist(), rng.integers(0, devices, size).tolist()
            size = min(2 * size, _CHUNK)

    def _next_arrival(self) -> tuple[float, int]:
        if not self._times:
            batch = next(self._batches, None)
            if batch is None:
                return math.inf, 0
            times, devices = batch
            times.reverse()
            devices.reverse()
            self._times, self._devices = times, devices
        return self._times.pop(), self._devices.pop()

    def start(self) -> None:
        self._schedule_arrivals()

    def _schedule_arrivals(self) -> None:
        t, device = self._next_arrival()
        if t < math.inf:
            self._pending_arrival = (t, device)
            self._arrival.callbacks = (self._on_arrivals,)
            _push(self.loop, t, self._arrival)

    def _grow(self) -> None:
        nan_chunk = array("d", [_NAN]) * _CHUNK
        self.created.extend(nan_chunk)
        self.end.extend(nan_chunk)
        self.device.extend(array("i", bytes(self.device.itemsize * _CHUNK)))
        self.last_stage.extend(array("b", [-1]) * _CHUNK)
        self.outcome.extend(array("b", bytes(_CHUNK)))
        self.via_fallback.extend(array("b", bytes(_CHUNK)))
        self.kept.extend(array("b", bytes(_CHUNK)))
        self.merged.extend(array("b", bytes(_CHUNK)))
        self.carrying.extend(array("d", bytes(8 * _CHUNK)))
        for times in self.stage_times:
            for column in times:
                column.extend(nan_chunk)
        self.capacity += _CHUNK

    def _on_arrivals(self, _event: _Move) -> None:
        """Create every request due before the horizon (the end of the current advance).

        Each request is walked at once through the leading steps of its route that only it
        uses in time order (its own device link, its own device's model): their state depends
        on this device's requests alone. Its first shared station gets an ordinary event.
        """
        now = self.loop.now
        horizon = self.sim.arrival_horizon(now)
        t, device = self._pending_arrival
        prefixes = self.plan.prefixes
        created, devices = self.created, self.device
        off = self.source_element.down  # the device is off: its data is never made
        walk = self._walk
        times = self._times
        budget = _LOOKAHEAD  # a bounded batch keeps the event queue short
        while t < horizon and budget:
            budget -= 1
            req = self.n
            self.n = req + 1
            if req >= self.capacity:
                self._grow()
                created, devices = self.created, self.device
            created[req] = t
            devices[req] = device
            prefix = prefixes[device]
            if off:
                self.drop(req, t, degraded.DROPPED_NODE_DOWN, 0)
            elif prefix or t == now:
                walk(None, req, 0, t, prefix)
            else:  # its first station is shared: it must be reached in time order
                heappush(self._queue, (t, next(self._eid), _Move(self._step, req, 0)))
            if times:
                t, device = times.pop(), self._devices.pop()
            else:
                t, device = self._next_arrival()
                times = self._times
        if t < math.inf:
            self._pending_arrival = (t, device)
            self._arrival.callbacks = (self._on_arrivals,)
            _push(self.loop, t, self._arrival)

    def _walk(
        self, event: _Move | None, req: int = 0, pos: int = 0, now: float = 0.0, inline: int = 0
    ) -> None:
        """Move request ``req`` along its route from step ``pos`` at time ``now`` until it must
        wait for a later time (one event scheduled) or its fate is decided. Steps before
        ``inline`` are taken at once even when they lie in the future. Called by the loop with a
        hop ``event`` (which carries the request and step; the time is now), or directly."""
        if event is not None:
            req, pos, now = event.req, event.pos, self.loop.now
        route = self.overrides.get(req) if self.overrides else None
        if route is None:
            route = self.routes[self.device[req]]
        if self.deadline is not None and now - self.created[req] > self.deadline:
            self.drop(req, now, degraded.DROPPED_DEADLINE, pos)
            return
        n = len(route)
        while pos < n:
            kind, station, value, _ = route[pos]
            if not station.in_service:
                degraded.blocked(self, req, route, pos, now)
                return
            pos += 1
            if kind != SERVER:
                if kind == SEGMENT:
                    self.carrying[req] = value
                    self.bytes_sent += value
                elif kind == FALLBACK:
                    degraded.serve_fallback(self, req, station, value, now, pos, n)
                    return
                arrive = station.send(now, value)
                if arrive > now and pos >= inline:
                    heappush(self._queue, (arrive, next(self._eid), _Move(self._step, req, pos)))
                    return
                now = arrive
                continue
            carried = self.carrying[req]
            if carried:
                self.bytes_received += carried
                self.carrying[req] = 0.0
            if self.windowed is not None and self.windowed[value] is not None:
                windows.collect(self, req, station, value, now, pos, n)
                return
            sampler = self.samplers[value]
            service = sampler if type(sampler) is float else sampler.next()  # type: ignore[union-attr]
            start, done = station.serve(now, service)
            times = self.stage_times[value]
            times[0][req] = now
            times[1][req] = start
            times[2][req] = done
            self.last_stage[req] = value
            if self.judge is not None:
                self.judge.serve(req, value, station, done)
            share = self.forward[value]
            if pos == n or (share < 1.0 and self.uniform.next() >= share):
                if pos != n:
                    self.kept[req] = 1  # served here, not forwarded
                self.end[req] = done  # finish(), inlined on this hot path
                self.outcome[req] = SERVED_BY_FALLBACK if self.via_fallback[req] else PRIMARY
                if self.overrides:
                    self.overrides.pop(req, None)
                if self.followers:
                    windows.settle(self, req)
                return
            if done > now and pos >= inline:
                heappush(self._queue, (done, next(self._eid), _Move(self._step, req, pos)))
                return
            now = done
        carried = self.carrying[req]
        if carried:
            self.bytes_received += carried
            self.carrying[req] = 0.0
        self.finish(req, now)

    def keep(self, req: int) -> bool:
        """Draw whether the stage keeps ``req`` (does not forward it); mark it if so."""
        if self.uniform.next() >= self.forward[self.last_stage[req]]:
            self.kept[req] = 1
            return True
        return False

    def finish(self, req: int, t: float) -> None:
        """The request's result is complete at ``t``."""
        self.end[req] = t
        self.outcome[req] = SERVED_BY_FALLBACK if self.via_fallback[req] else PRIMARY
        if self.overrides:
            self.overrides.pop(req, None)
        if self.followers:
            windows.settle(self, req)

    def drop(self, req: int, t: float, reason: int, pos: int = -1) -> None:
        """The request is dropped at ``t`` with ``reason``, at step ``pos`` of its route (the
        steps before it were taken); the bytes it carried are lost."""
        if pos >= 0:
            self.stopped[req] = pos
        carried = self.carrying[req]
        if carried:
            self.bytes_dropped += carried
            self.carrying[req] = 0.0
        self.end[req] = t
        self.outcome[req] = reason
        if self.overrides:
            self.overrides.pop(req, None)
        if self.followers:
            windows.settle(self, req)

    def fallback_service(self, stage: int, server: Any) -> float:
        """Service time of the stage's fallback model on ``server``'s node."""
        fallback = self.plan.stages[stage].stage.fallback
        assert fallback is not None
        cat = self.sim.catalogue
        node = self.sim.scenario.nodes[server.node]
        return service_time_s(cat.models[fallback.model], cat.hardware[node.hardware])

    def schedule(self, req: int, pos: int, when: float) -> None:
        """Continue the request from step ``pos`` at time ``when``."""
        heappush(self._queue, (when, next(self._eid), _Move(self._step, req, pos)))

    def resume(self, req: int, route: tuple[Any, ...], pos: int, now: float) -> None:
        """Carry on from step ``pos`` of ``route`` (after a wait in a store, or a new route)."""
        if route is not self.routes[self.device[req]]:
            self.overrides[req] = route
            self.taken[req] = route
        self._walk(None, req, pos, now)


class FlowRun:
    """Bulk transfers of one flow: each copy walks its route of channels (and waits, without a
    store limit, where a link is down)."""

    drain_share = 1.0

    def __init__(self, sim: Simulation, plan: FlowPlan) -> None:
        self.sim = sim
        self.plan = plan
        self.loop = sim.loop
        self.records: list[list[Any]] = []  # [target, instance, start, end, payload bytes]
        self.routes: list[tuple[Any, ...]] = []

    def start(self) -> None:
        flow = self.plan.flow
        t = flow.start_s
        while t <= self.sim.until_s:
            self.sim.call_at(t, self._launch)
            if flow.every_s is None:
                break
            t += flow.every_s

    def _launch(self) -> None:
        for target, instance, route in self.plan.routes:
            req = len(self.records)
            self.records.append([target, instance, self.loop.now, _NAN, self.plan.flow.size_bytes])
            self.routes.append(route)
            self._walk(req, 0, self.loop.now)

    def step(self, event: _Move) -> None:
        self._walk(event.req, event.pos, self.loop.now)

    def resume(self, req: int, route: tuple[Any, ...], pos: int, now: float) -> None:
        self._walk(req, pos, now)

    def _walk(self, req: int, pos: int, now: float) -> None:
        route = self.routes[req]
        if pos == len(route):
            self.records[req][3] = now
            return
        _, channel, size, _ = route[pos]
        if not channel.in_service:
            degraded.wait(self, req, route, pos, size, now, channel, None)
            return
        arrive = channel.send(now, size)
        _push(self.loop, arrive, _Move((self.step,), req, pos + 1))


@dataclass
class StepReport:
    """What changed in one call to :meth:`Simulation.advance`: enough for a live view to append
    to what it shows instead of rebuilding it from the whole run.

    ``completed`` holds the requests decided in (start_s, end_s]: workload, request,
    created_s, end_s, latency_s (end minus creation) and outcome (primary, fallback or a
    drop reason); with model versions also ``version`` and ``correct``. ``store_changes``
    holds the local-store occupancy changes recorded in that interval (t_s, node, instance,
    bytes, items), in time order per store. ``waits`` holds
    (since_s, until_s) of every wait in a store that was open at start_s or began later
    (until_s is inf while it lasts), so that the requests waiting at any time in the step
    can be counted. ``boundaries`` equals :meth:`Results.boundary_summary` at end_s (bytes per
    second up and down each tier boundary since the warm-up, against raw data to the cloud),
    computed without building the request table.
    """

    start_s: float
    end_s: float
    completed: pd.DataFrame  # requests decided in (start_s, end_s], with their outcome
    link_bytes: dict[str, float]  # bytes sent per link (both directions) in the step
    store_changes: pd.DataFrame  # local-store occupancy changes in the step
    waits: np.ndarray  # (since_s, until_s) rows of the waits that matter within the step
    boundaries: dict[str, dict[str, Any]]  # Results.boundary_summary() at end_s, cheaply

    def waiting_at(self, times: np.ndarray) -> np.ndarray:
        """How many requests wait in stores at each of ``times`` (within the step)."""
        times = np.asarray(times, dtype=float)
        if not len(self.waits):
            return np.zeros(len(times), dtype=int)
        since, until = self.waits[:, 0], self.waits[:, 1]
        inside = (since[None, :] <= times[:, None]) & (until[None, :] > times[:, None])
        return np.asarray(inside.sum(axis=1), dtype=int)


class Simulation:
    """A simulation that can be advanced in steps, and read at any time.

    Parameters
    ----------
    scenario
        A valid scenario (it is validated again; problems raise ScenarioError).
    engine
        ``"auto"`` (default): a run taken from start to end in one call goes on the fast plane
        (:mod:`workbench.sim.fast`) when the scenario uses only what it covers, else on the
        reference engine; ``"reference"``: always the reference engine. :attr:`engine` and
        :attr:`engine_reason` say which ran and why.
    until
        Simulated seconds to run; default: the scenario's ``simulation.until``.
    seed
        Seed of the run's own random generator; default: the scenario's. Same seed, same run.
    force
        Run even when the estimate (:func:`workbench.budget.estimate_run`) is past the limits.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        until: float | None = None,
        seed: int | None = None,
        bin_s: float = 1.0,
        catalogue: Catalogue | None = None,
        force: bool = False,
        engine: str = "auto",
    ) -> None:
        _check_arguments(until, seed, bin_s, engine)
        self.engine_asked = engine
        self.engine: str | None = None  # "fast" or "reference", chosen by the first advance
        self.engine_reason = ""
        self.fast_pending: dict[int, dict[int, int]] | None = None  # set by the fast plane
        self._live_action: str | None = None  # the first live change, which the fast plane lacks
        self.scenario = scenario
        self.seed = scenario.simulation.seed if seed is None else seed
        self.until_s = float(until if until is not None else scenario.simulation.until_s)
        self.estimate = check_run_size(
            scenario, until_s=self.until_s, bin_s=bin_s, catalogue=catalogue, force=force
        )
        self.plan: Plan = build_plan(
            scenario, until_s=self.until_s, bin_s=bin_s, catalogue=catalogue
        )
        self.catalogue = self.plan.topology.catalogue
        self.loop = EventLoop()  # the engine owns its event loop (kernel.py)
        self.horizon = 0.0  # arrivals are created up to here (the end of the current advance)
        root = np.random.default_rng(self.seed)
        streams = root.spawn(len(self.plan.workloads))
        self.events: list[tuple[float, str, str, str]] = [(0.0, "start", "", f"seed {self.seed}")]
        self.drains: list[dict[str, Any]] = []
        self.waits: list[Any] = []  # every wait in a store (degraded.Waiting), in order
        self._draining: dict[int, dict[str, Any]] = {}
        self._live: dict[str, int] = {}  # elements failed by hand, and how many times
        self._holding: dict[int, set[Any]] = {}  # id of a started outage -> elements it holds
        # Outages get a stream of their own, independent of how many workloads there are.
        outage_rng = np.random.default_rng([self.seed, 0xFA11])
        self.outages = failures.schedule(self.plan, outage_rng)
        self._transitions = sorted({t for o in self.outages for t in (o.start_s, o.end_s)})
        for outage in self.outages:
            self.call_at(outage.start_s, lambda o=outage: self._apply(o, True))
            self.call_at(outage.end_s, lambda o=outage: self._apply(o, False))
        self.control: Any = None  # workbench.control.Control when the scenario has versions
        if scenario.model_versions or scenario.rollouts:
            from ..control import attach  # imported only when used: it costs nothing otherwise

            self.control = attach(self)
        self.federated: Any = None  # workbench.federated.rounds.FederatedRun, if declared
        if scenario.federated is not None:
            from ..federated.rounds import FederatedRun  # only when used: costs nothing else

            self.federated = FederatedRun(self)
        self.workloads = [WorkloadRun(self, w, streams[w.index]) for w in self.plan.workloads]
        self.flows = [FlowRun(self, f) for f in self.plan.flows]
        for run in self.workloads:
            run.start()
        for flow in self.flows:
            flow.start()
        self._last_link_bytes = self._link_totals()

    @property
    def now(self) -> float:
        return float(self.loop.now)

    def pending_steps(self) -> dict[int, dict[int, int]]:
        """Requests and flow transfers on their way now: per workload run (by ``id``) or flow
        run, request -> the step of its route it will reach next (the steps before it were
        taken). What the audit needs to count the bytes of what is still in flight."""
        owners = {id(run._step): id(run) for run in self.workloads}
        flows = {id(flow): flow for flow in self.flows}
        out: dict[int, dict[int, int]] = {}
        if self.fast_pending is not None:
            return self.fast_pending
        queue = self.loop.queue
        for *_, event in queue:
            if not isinstance(event, _Move):
                continue
            owner = owners.get(id(event.callbacks))
            if owner is None:
                method = event.callbacks[0]
                holder = getattr(method, "__self__", None)
                if id(holder) not in flows:
                    continue
                owner = id(holder)
            out.setdefault(owner, {})[event.req] = event.pos
        return out

    # ------------------------------------------------------------- failures
    def fail(self, element_id: str) -> None:
        """Take a link or node out of service now (what a click in the widget calls). A node
        takes its links down with it, exactly as a scripted node failure does."""
        elements = failures.touched_by(self.plan, element_id)
        self._live_action = self._live_action or f"{element_id} was failed by hand"
        self._live[element_id] = self._live.get(element_id, 0) + 1
        for element in elements:
            self._set_down(element, +1, "fail", "by hand")

    def restore(self, element_id: str) -> None:
        """Bring back a link or node failed by :meth:`fail` (and a node's links, unless they
        are down for another reason too: outages are counted per element)."""
        elements = failures.touched_by(self.plan, element_id)
        if not self._live.get(element_id):
            why = f"{element_id!r} was not failed by hand; nothing to restore"
            if self.held_by_schedule(element_id):
                why += f"; the scenario's schedule cut it, override({element_id!r}) ends that now"
            raise ScenarioError([Problem("", why)])
        self._live[element_id] -= 1
        for element in elements:
            self._set_down(element, -1, "restore", "by hand")

    def failed_by_hand(self) -> list[str]:
        """Ids given to :meth:`fail` and not yet restored (what :meth:`restore` accepts); a
        node's links are in :meth:`failed` but not here."""
        return [element_id for element_id, count in self._live.items() if count]

    def failed(self) -> list[str]:
        """Ids of the links and nodes out of service now."""
        plan = self.plan
        elements = [*plan.link_elements.values(), *plan.node_elements.values()]
        return [e.id for e in elements if not e.up]

    def override(self, element_id: str) -> list[failures.Outage]:
        """End now the scheduled outages and degradations holding ``element_id``, as if each
        had been scheduled to end now (what a click on an element the schedule cut calls).

        The element comes back (a node with its links, unless they are down for another
        reason too), requests waiting for it drain, and an ``override`` event names each
        outage cut short; its scheduled end then changes nothing, and later outages of the
        element still happen. Returns the outages cut short; ScenarioError, in one sentence,
        when the schedule holds nothing of ``element_id`` now.
        """
        element = failures.find_element(self.plan, element_id)
        cut, with_node = [], []
        for outage in self.held_by_schedule(element_id):
            held = self._holding[id(outage)]
            released = failures.released_by(self.plan, element, held)
            if not released:
                with_node.append((outage, failures.holding_node(self.plan, element, held)))
                continue
            early = outage.end_s - self.now
            window = f"scheduled {outage.start_s:g} s to {outage.end_s:g} s"
            self.record(
                "override", element_id, f"{outage.label} ({window}) ended {early:g} s early"
            )
            held.difference_update(released)
            ordered = [e for e in outage.elements if e in released]
            self._switch(outage, ordered, False, f"override of {outage.label}")
            cut.append(outage)
        if not cut:
            raise ScenarioError([Problem("", self._not_held(element, with_node))])
        return cut

    def held_by_schedule(self, element_id: str) -> list[failures.Outage]:
        """The scheduled outages and degradations that hold ``element_id`` now."""
        element = failures.find_element(self.plan, element_id)
        return [o for o in self.outages if element in self._holding.get(id(o), ())]

    def _not_held(self, element: Any, with_node: list[tuple[failures.Outage, Any]]) -> str:
        """Why :meth:`override` has nothing to end for ``element``, in one sentence."""
        if with_node:
            outage, node = with_node[0]
            return (
                f"{element.id} is down because node {node.id} is down in the scheduled outage "
                f"{outage.label!r} (until t = {outage.end_s:.0f} s); restore {node.id} to bring "
                "both back"
            )
        if self._live.get(element.id):
            return f"{element.id} was failed by hand, not by the schedule; restore it instead"
        if element.kind == "link":
            node = next(
                (n for n in failures.ends_of(self.plan, element) if self._live.get(n.id)), None
            )
            if node is not None and not element.up:
                return (
                    f"{element.id} is down because node {node.id} was failed by hand; restore "
                    f"{node.id} to bring both back"
                )
        return (
            f"{element.id} is not cut or degraded by the scenario's schedule at "
            f"t = {self.now:.0f} s; nothing to override"
        )

    def _apply(self, outage: failures.Outage, start: bool) -> None:
        """Start or end a scheduled outage (an override may have ended some elements early)."""
        if start:
            self._holding[id(outage)] = set(outage.elements)
            self._switch(outage, outage.elements, True, outage.label)
        else:
            held = self._holding.pop(id(outage))
            elements = [e for e in outage.elements if e in held]
            self._switch(outage, elements, False, outage.label)

    def _switch(self, outage: failures.Outage, elements: Any, on: bool, why: str) -> None:
        """Count ``outage`` on (or off) ``elements``, logging each change with ``why``."""
        if outage.kind == "degrade":
            detail = (
                f"{why}: bandwidth x{outage.bandwidth_factor}, +{outage.extra_latency_s * 1e3:g} ms"
            )
            for element in elements:
                element.add_degradation(outage.bandwidth_factor, outage.extra_latency_s, on)
                self.record("degrade" if on else "degrade_end", element.id, detail)
            return
        for element in elements:
            self._set_down(element, +1 if on else -1, "fail" if on else "restore", why)

    def _set_down(self, element: Any, delta: int, kind: str, why: str) -> None:
        changed = element.set_down(delta)
        if changed:
            self.record(kind, element.id, why)
        if changed and element.up:
            for channel in element.channels:
                degraded.start_draining(self, channel)

    def record(self, kind: str, element: str, detail: str) -> None:
        """Log an event at the current time."""
        self.events.append((self.now, kind, element, detail))

    def call_at(self, when: float, action: Any) -> None:
        """Run ``action()`` at simulated time ``when``."""
        _push(self.loop, when, _Move((lambda _e: action(),), 0, 0))

    def arrival_horizon(self, now: float) -> float:
        """Arrivals may be created ahead up to here: the end of the current advance, or the next
        scheduled failure or repair (which could change a device's own link)."""
        index = bisect.bisect_right(self._transitions, now)
        if index < len(self._transitions):
            return min(self.horizon, self._transitions[index])
        return self.horizon

    def drain_started(self, channel: Any) -> None:
        self._draining[id(channel)] = {
            "link": self.plan.links[channel.link].id,
            "direction": "up" if channel.direction == 0 else "down",
            "start_s": self.now,
            "items": sum(1 for e in channel.backlog if e.alive),
            "bytes": sum(e.size for e in channel.backlog if e.alive),
        }

    def drain_ended(self, channel: Any, finished: bool) -> None:
        record = self._draining.pop(id(channel), None)
        if record is not None:
            record |= {"end_s": self.now if finished else math.nan, "finished": finished}
            record["drain_s"] = record["end_s"] - record["start_s"]
            self.drains.append(record)

    # ------------------------------------------------------------- rollouts
    def start_rollout(self, rollout: Any) -> None:
        """Start ``rollout`` (a :class:`workbench.scenario.Rollout`) now, whatever its ``at``;
        raises ScenarioError when the scenario cannot take it (unknown version, no room...)."""
        from ..control.checks import check_rollout

        problems = check_rollout(self.scenario, rollout, self.catalogue)
        if problems:
            raise ScenarioError(problems)
        if self.control is None:
            raise ScenarioError(
                [Problem("model_versions", "the scenario declares no versions; add them first")]
            )
        self._live_action = self._live_action or f"rollout {rollout.id} was started by hand"
        self.control.schedule(rollout, self.now)

    def node_versions(self) -> dict[str, str]:
        """Per node: the model version it serves now (the one most of its instances serve);
        nodes without versions are left out."""
        return {} if self.control is None else self.control.book.active_by_node()

    def rollout_progress(self) -> dict[str, dict[str, float]]:
        """Per rollout, per target node: the share of the checkpoint received (0..1)."""
        if self.control is None:
            return {}
        return {run.rollout.id: run.progress() for run in self.control.rollouts}

    # ------------------------------------------------------------- learning
    def inject_drift(self, drift: Any) -> None:
        """Start ``drift`` (a :class:`workbench.scenario.Drift`) now, whatever its ``at``;
        raises ScenarioError when the scenario cannot take it (unknown workload or site, a
        workload without versioned models)."""
        from ..learning.checks import check_learning

        probe = self.scenario.model_copy(update={"drift": [drift], "learning": []})
        problems = check_learning(probe, self.catalogue)
        if problems:
            raise ScenarioError(
                [Problem(p.path.replace("drift[0]", "drift"), p.message) for p in problems]
            )
        if self.control is None:  # pragma: no cover - a versioned model means a control plane
            raise ScenarioError([Problem("model_versions", "declare model versions first")])
        if self.control.learning is None:
            from ..learning.learning import Learning

            self.control.learning = Learning(self.control)
        self.control.learning.inject(drift)

    def learning_state(self) -> dict[str, str]:
        """Per learning loop: the state of its latest episode (undetected, waiting_for_samples,
        uploading, retraining, rolling_out, recovered; 'idle' before any)."""
        control = self.control
        if control is None or control.learning is None:
            return {}
        state: dict[str, str] = control.learning.state()
        return state

    # ------------------------------------------------------------- federated (issue 13)
    def start_federated(self) -> None:
        """Start the scenario's federated rounds now rather than at their ``at``;
        ScenarioError, in one sentence, without a federated section or once they started."""
        if self.federated is None:
            raise ScenarioError(
                [Problem("federated", "the scenario has no federated section; add one first")]
            )
        self.federated.start_now()

    @property
    def done(self) -> bool:
        return self.now >= self.until_s

    def advance(self, to: float | None = None, *, by: float | None = None) -> StepReport:
        """Run up to simulated time ``to`` (or ``by`` seconds more); report what changed."""
        start = self.now
        target = (
            self.until_s
            if to is None and by is None
            else (to if to is not None else start + (by or 0))
        )
        self._run_to(min(float(target), self.until_s))
        return self._report(start)

    def _run_to(self, target: float) -> None:
        """Run up to ``target`` (at most the end) on the chosen plane, without a report."""
        start = self.now
        if self.engine is None and target > start:
            self._choose_engine(start, target)
        if target > start and self.engine == "fast":
            from . import fast

            fast.run(self)
            self.loop.queue.clear()  # the reference engine's first arrivals, never run
            self.loop.run(until=target)
        elif target > start:
            self.horizon = target
            self.loop.run(until=target)
        if self.done:
            self.events.append((self.now, "end", "", ""))

    def _choose_engine(self, start: float, target: float) -> None:
        """Pick the plane for this run (once, at its first advance) and say why."""
        why: str | None
        if start > 0 or target < self.until_s:
            why = "the run is taken in steps (a live view), which only the reference engine does"
            if self.engine_asked == "reference":
                why = "the reference engine was asked for (engine='reference')"
        else:
            why = self.fast_plane_refusal()
        if why is None:
            self.engine = "fast"
            self.engine_reason = "the scenario uses only what the fast plane covers"
        else:
            self.engine, self.engine_reason = "reference", why

    def fast_plane_refusal(self) -> str | None:
        """Why running this simulation to its end in one call would not take the fast plane,
        in plain words; None when it would (what a caller that steps for a progress bar asks
        before deciding to step)."""
        if self.engine is not None or self.now > 0:
            return "the run has started on the reference engine"
        if self.engine_asked == "reference":
            return "the reference engine was asked for (engine='reference')"
        if self._live_action is not None:
            return f"{self._live_action}, which only the reference engine follows"
        from .fast import refusal

        return refusal(self)

    def run(self) -> Results:
        """Run to the end and return the results."""
        self._run_to(self.until_s)  # no step report: nobody reads it
        return self.results()

    def results(self) -> Results:
        """The results so far (requests decided after ``now`` count as in flight)."""
        return Results(self)

    def _link_totals(self) -> dict[str, float]:
        totals = {info.id: 0.0 for info in self.plan.links}
        for channel in self.plan.channels.values():
            totals[self.plan.links[channel.link].id] += channel.bytes
        return totals

    def _report(self, start: float) -> StepReport:
        now = self.now
        parts = []
        for run in self.workloads:
            end = np.frombuffer(run.end, dtype=float, count=run.n)
            ready = np.flatnonzero((end > start) & (end <= now))
            if len(ready):
                created = np.frombuffer(run.created, dtype=float, count=run.n)
                outcome = np.frombuffer(run.outcome, dtype=np.int8, count=run.n)
                parts.append((run.plan.index, ready, created[ready], end[ready], outcome[ready]))
        ids = [run.plan.workload.id for run in self.workloads]

        def column(i: int, dtype: Any) -> Any:
            return np.concatenate([p[i] for p in parts]) if parts else np.empty(0, dtype)

        codes = [np.full(len(p[1]), p[0]) for p in parts]
        names = list(degraded.OUTCOMES.values())
        outcome_codes = column(4, np.int8).astype(int) - 1
        completed = pd.DataFrame(
            {
                "workload": pd.Categorical.from_codes(
                    np.concatenate(codes) if codes else np.empty(0, int), categories=ids
                ),
                "request": column(1, int),
                "created_s": column(2, float),
                "end_s": column(3, float),
                "outcome": pd.Categorical.from_codes(
                    np.where(
                        (outcome_codes >= 0) & (outcome_codes < len(names)), outcome_codes, -1
                    ),
                    categories=names,
                ),
            }
        )
        completed["latency_s"] = completed["end_s"] - completed["created_s"]
        if self.control is not None:
            from ..control.tables import step_columns

            step_columns(self, completed)
        totals = self._link_totals()
        delta = {k: totals[k] - self._last_link_bytes.get(k, 0.0) for k in totals}
        self._last_link_bytes = totals
        # store occupancy changes since the last report (each store's trace only grows)
        seen: dict[Any, int] = self.__dict__.setdefault("_report_store_rows", {})
        rows: list[tuple[Any, ...]] = []
        for where, store in self.plan.stores.items():
            first = seen.get(where, 0)
            rows.extend(
                (t, store.node, where[1], used, items) for t, used, items in store.trace[first:]
            )
            seen[where] = len(store.trace)
        changes = pd.DataFrame(rows, columns=["t_s", "node", "instance", "bytes", "items"])
        # waits open at `start` or begun since: the only ones that count within the step
        state = self.__dict__.setdefault("_report_waits", {"seen": 0, "open": []})
        state["open"].extend(self.waits[state["seen"] :])
        state["seen"] = len(self.waits)
        waits = np.array(
            [(w.since, np.inf if w.until is None else w.until) for w in state["open"]],
            dtype=float,
        ).reshape(-1, 2)
        state["open"] = [w for w in state["open"] if w.until is None or w.until > now]
        # bytes across each tier boundary since the warm-up (as Results.boundary_summary)
        warmup = min(self.scenario.simulation.warmup_s, now)
        born: list[int] = []  # per workload: requests created since the warm-up
        for run in self.workloads:
            times = np.frombuffer(run.created, dtype=float, count=run.n)
            born.append(run.n - int(np.searchsorted(times, warmup, side="left")))
        boundaries = tier_boundaries(self.plan, born, warmup, now)
        return StepReport(start, now, completed, delta, changes, waits, boundaries)


def simulate(
    scenario: Scenario,
    *,
    until: float | None = None,
    seed: int | None = None,
    bin_s: float = 1.0,
    catalogue: Catalogue | None = None,
    force: bool = False,
    engine: str = "auto",
) -> Results:
    """Run ``scenario`` to the end and return its :class:`Results` (``force``: run even past
    the size limits of :mod:`workbench.budget`; ``engine``: as for :class:`Simulation`)."""
    return Simulation(
        scenario,
        until=until,
        seed=seed,
        bin_s=bin_s,
        catalogue=catalogue,
        force=force,
        engine=engine,
    ).run()


def _check_arguments(until: float | None, seed: int | None, bin_s: float, engine: str) -> None:
    """Refuse arguments the engine cannot run with, in one sentence each."""
    if engine not in ENGINES:
        raise RunArgumentError(
            [Problem("engine", f"{engine!r} is not an engine; give one of {', '.join(ENGINES)}")]
        )

    def finite_positive(value: object) -> bool:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        )

    if until is not None and not finite_positive(until):
        raise RunArgumentError(
            [Problem("until", f"{until!r} is not a run length; give a positive number of seconds")]
        )
    if not finite_positive(bin_s):
        raise RunArgumentError(
            [Problem("bin_s", f"{bin_s!r} is not a bin width; give a positive number of seconds")]
        )
    if until is not None and until / bin_s > 1e8:
        raise RunArgumentError(
            [Problem("bin_s", f"{bin_s!r} s bins over {until!r} s are too many; widen the bins")]
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise RunArgumentError(
            [Problem("seed", f"{seed!r} is not a seed; give a whole number 0 or more")]
        )
