"""Run a whole simulation on the fast plane: arrays in, the engine's per-request arrays out.

:func:`refusal` says, in plain words, why a scenario needs the reference engine (a feature the
fast plane does not cover yet, or numba missing); :func:`run` draws the arrivals, flattens the
plan's routes and stations into arrays, calls the compiled loop (:mod:`.kernel`) and writes
what it returns into the simulation's own records: the workload runs' arrays, the stations'
byte counts and time bins. :class:`workbench.sim.Results` then reads them as it reads the
reference engine's, so every table, summary and report works unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..plan import CHANNEL, FALLBACK, SEGMENT, SERVER, WorkloadPlan
from ..stations import Channel, Server

if TYPE_CHECKING:
    from ..engine import Simulation

_DISTS = {"deterministic": 0, "exponential": 1, "lognormal": 2}


def compiled_kernel() -> Any:
    """The compiled loop's module, or None when numba cannot be imported."""
    try:
        from . import kernel
    except ImportError:
        return None
    return kernel


def refusal(sim: Simulation) -> str | None:
    """Why ``sim`` must run on the reference engine, in plain words; None when the fast plane
    covers everything the scenario uses."""
    scenario, plan = sim.scenario, sim.plan
    features = [
        (sim.control is not None, "it has model versions, rollouts or a learning loop"),
        (sim.federated is not None, "it has federated rounds"),
        (plan.tenancy is not None, "it has tenants"),
        (bool(plan.flows), "it has bulk flows"),
        (
            any(s.stage.window for w in plan.workloads for s in w.stages),
            "it has aggregation windows",
        ),
        (any(w.workload.labels is not None for w in plan.workloads), "a workload sends labels"),
    ]
    present = [why for found, why in features if found]
    if present:
        listed = (
            present[0] if len(present) == 1 else ", ".join(present[:-1]) + " and " + present[-1]
        )
        return f"{listed}, which only the reference engine runs"
    for workload in plan.workloads:
        if _route_shape(workload) is None:
            return (
                f"workload {workload.workload.id}'s devices take routes of different shapes, "
                "which only the reference engine runs"
            )
    for station in plan.channels.values():
        if type(station) is not Channel:  # pragma: no cover - tenants are refused above
            return "a link is sliced, which only the reference engine runs"
    if len(scenario.workloads) and compiled_kernel() is None:
        return "numba is not installed (pip install numba gives the fast plane)"
    return None


def _route_shape(workload: WorkloadPlan) -> tuple[tuple[int, float], ...] | None:
    """The (kind, value) of each step, the same for every device, or None when they differ."""
    first = tuple((kind, float(value)) for kind, _, value, _ in workload.routes[0])
    for route in workload.routes[1:]:
        if len(route) != len(first) or any(
            kind != k or value != v
            for (kind, _, value, _), (k, v) in zip(route, first, strict=True)
        ):
            return None
    return first


class Feed:
    """A workload's arrivals, drawn lazily in time order as the reference engine draws them:
    Poisson per device group, periodic with a random phase per device, or a trace repeated on
    every device. :meth:`take` hands out the requests created before a time, once each."""

    _BLOCK = 1 << 16

    def __init__(self, workload: WorkloadPlan, rng: np.random.Generator) -> None:
        self.workload = workload
        self.rng = rng
        self._blocks = self._generate()
        self._times = np.empty(0)
        self._ids = np.empty(0, np.int32)
        self._exhausted = False

    def _generate(self) -> Iterator[tuple[Any, Any]]:
        workload, rng = self.workload, self.rng
        devices = workload.devices
        arrival = workload.workload.source.arrival
        if arrival == "trace":
            trace = np.sort(np.asarray(workload.trace, dtype=float))
            yield np.repeat(trace, devices), np.tile(np.arange(devices, dtype=np.int32), len(trace))
            return
        if arrival == "periodic":
            period = 1.0 / workload.rate
            phases = rng.uniform(0, period, devices)
            order = np.argsort(phases)
            rounds = max(1, self._BLOCK // max(devices, 1))  # rounds per block
            k = 0
            while True:
                times = (
                    np.arange(k, k + rounds)[:, None] * period + phases[order][None, :]
                ).ravel()
                yield times, np.tile(order.astype(np.int32), rounds)
                k += rounds
        total = devices * workload.rate
        t = 0.0
        while True:
            times = t + np.cumsum(rng.exponential(1.0 / total, self._BLOCK))
            t = float(times[-1])
            yield times, rng.integers(0, devices, self._BLOCK).astype(np.int32)

    def take(self, until: float) -> tuple[Any, Any]:
        """Creation times and devices of the requests created before ``until`` not yet taken."""
        times, ids = [self._times], [self._ids]
        while not self._exhausted and (len(times[-1]) == 0 or times[-1][-1] < until):
            block = next(self._blocks, None)
            if block is None:
                self._exhausted = True
                break
            times.append(block[0])
            ids.append(block[1])
        all_times, all_ids = np.concatenate(times), np.concatenate(ids)
        cut = int(np.searchsorted(all_times, until, side="left"))
        self._times, self._ids = all_times[cut:], all_ids[cut:]
        return all_times[:cut], all_ids[:cut]


class _Stations:
    """The plan's channels and servers as arrays, in the order the routes first reach them
    (routes made during a run with failures may add more: :meth:`grow`)."""

    def __init__(self, bin_count: int) -> None:
        self.index: dict[int, int] = {}
        self.objects: list[Channel | Server] = []
        self.rows: dict[int, int] = {}  # id(bins array) -> row of the bins matrix
        self.bins_arrays: list[Any] = []
        self.bin_count = bin_count

    def of(self, station: Any) -> int:
        key = id(station)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.objects)
            self.objects.append(station)
            if id(station.bins) not in self.rows:
                self.rows[id(station.bins)] = len(self.bins_arrays)
                self.bins_arrays.append(station.bins)
        return found

    def arrays(self) -> dict[str, Any]:
        """The state of every station: figures, service state, and zeroed counters."""
        n = len(self.objects)
        servers = np.array([_servers(s) for s in self.objects], np.int64)
        offset = np.zeros(n, np.int64)
        offset[1:] = np.cumsum(servers)[:-1]
        state = {
            "st_seconds_per_byte": np.zeros(n),
            "st_latency": np.zeros(n),
            "st_servers": servers,
            "st_offset": offset,
            "st_row": np.array([self.rows[id(s.bins)] for s in self.objects], np.int64),
            "st_up": np.ones(n, np.int8),
            "free": np.zeros(int(servers.sum())),
            "st_bytes": np.zeros(n),
            "bins": np.zeros((len(self.bins_arrays), self.bin_count)),
        }
        self.sync(state, range(n))
        return state

    def sync(self, state: dict[str, Any], which: Any) -> None:
        """Copy the service state and figures of stations ``which`` from their objects (an
        outage, a repair or a degradation changed them)."""
        for i in which:
            station = self.objects[i]
            state["st_up"][i] = station.in_service
            if isinstance(station, Channel):
                state["st_seconds_per_byte"][i] = 8.0 / station.bandwidth_bps
                state["st_latency"][i] = station.latency_s

    def grow(self, state: dict[str, Any]) -> None:
        """Add the stations registered since ``state`` was made, idle, to ``state``."""
        old = len(state["st_servers"])
        if old == len(self.objects):
            return
        more = self.objects[old:]
        servers = np.array([_servers(s) for s in more], np.int64)
        base = len(state["free"])
        offset = base + np.concatenate([[0], np.cumsum(servers)[:-1]]).astype(np.int64)
        rows = np.array([self.rows[id(s.bins)] for s in more], np.int64)
        bins = state["bins"]
        extra_rows = len(self.bins_arrays) - bins.shape[0]
        grown = {
            "st_seconds_per_byte": np.zeros(len(more)),
            "st_latency": np.zeros(len(more)),
            "st_servers": servers,
            "st_offset": offset,
            "st_row": rows,
            "st_up": np.ones(len(more), np.int8),
            "free": np.zeros(int(servers.sum())),
            "st_bytes": np.zeros(len(more)),
        }
        for key, values in grown.items():
            state[key] = np.concatenate([state[key], values])
        if extra_rows:
            state["bins"] = np.vstack([bins, np.zeros((extra_rows, self.bin_count))])
        self.sync(state, range(old, len(self.objects)))

    def write_back(self, arrays: dict[str, Any]) -> None:
        """Add the bytes sent and the time bins into the plan's own channels and bins."""
        for station, sent in zip(self.objects, arrays["st_bytes"], strict=True):
            if isinstance(station, Channel):
                station.bytes += float(sent)
        for target, row in zip(self.bins_arrays, arrays["bins"], strict=True):
            np.frombuffer(target, dtype=float)[:] += row


def _servers(station: Channel | Server) -> int:
    return station.servers if isinstance(station, Server) else 1


class Plane:
    """A plan flattened for the compiled loop: routes, stages and stations as arrays, the
    event heap, and the arguments that stay the same from one call to the next.

    Every route, the workloads' own and those made during a run (:meth:`add_route`), takes
    ``len + 1`` slots of the ``step_*`` arrays (the last: what a request carries past the end).
    """

    def __init__(self, sim: Simulation) -> None:
        from . import kernel

        self.kernel: Any = kernel
        self.sim = sim
        plan = sim.plan
        workloads = plan.workloads
        count = len(workloads)
        self.stations = _Stations(len(plan.nodes[0].bins) if plan.nodes else 1)
        self.stage_max = max((len(w.stages) for w in workloads), default=1)
        self._steps: dict[str, list[float]] = {
            "step_kind": [], "step_value": [], "step_carry": [], "step_service": [],
        }  # fmt: skip
        self._route_len: list[int] = []
        self._route_step: list[int] = []
        self._route_sbase: list[int] = []
        self._flat: list[int] = []  # the stations of every route
        self._made: dict[tuple[Any, ...], int] = {}  # a route made during the run -> its index
        self.made: list[tuple[Any, ...]] = []  # those routes, from index W on
        stages: dict[str, Any] = {  # in the order of run_plane's parameters
            "stage_dist": np.zeros((count, self.stage_max), np.int8),
            "stage_a": np.zeros((count, self.stage_max)),
            "stage_b": np.zeros((count, self.stage_max)),
            "stage_forward": np.ones((count, self.stage_max)),
            "deadline": np.array(
                [_or_inf(w.workload.degraded.deadline_s) for w in workloads], dtype=float
            ),
        }
        prefixes: list[int] = []
        prefix_base = np.zeros(count, np.int64)
        for w in workloads:
            self._own_route(w)
            prefix_base[w.index] = len(prefixes)
            prefixes.extend(w.prefixes)
            for k, stage in enumerate(w.stages):
                spec = stage.service
                stages["stage_dist"][w.index, k] = _DISTS[spec.dist]
                if spec.dist == "lognormal":
                    stages["stage_a"][w.index, k], stages["stage_b"][w.index, k] = (
                        spec.lognormal_params
                    )
                else:
                    stages["stage_a"][w.index, k] = spec.mean_s
                stages["stage_forward"][w.index, k] = stage.forward
        self.state = self.stations.arrays()
        self.source_up = np.ones(count, np.int8)
        self.prefixes = {"prefix_base": prefix_base, "prefixes": np.asarray(prefixes, np.int64)}
        self.routes: dict[str, Any] = {}
        self._flatten_routes()
        self.stages = stages
        self.heap = [np.empty(1024), np.empty(1024, np.int64), np.empty(1024, np.int64)]
        self.heap.append(np.empty(1024, np.int64))
        self.counters = np.zeros(6, np.int64)  # heap size, next sequence, next arrival, stop
        self.clock = np.zeros(2)  # when the loop stopped early: the request's and its time
        self.bytes_sent = np.zeros(count)
        self.bytes_received = np.zeros(count)
        self.bytes_dropped = np.zeros(count)
        root = np.random.default_rng([sim.seed, 0xFA57])
        streams = root.spawn(count + 1)
        self.feeds = [Feed(w, streams[w.index]) for w in workloads]
        self.seed = int(streams[-1].integers(2**31 - 1))

    def _add_steps(self, workload: int, steps: Any) -> None:
        """Append one route's kinds, values, carried bytes and fallback service times (the
        fallback model of ``workload``'s stage on that node, as the reference engine serves it)."""
        out = self._steps
        self._route_step.append(len(out["step_kind"]))
        self._route_len.append(len(steps))
        carry = 0.0
        for kind, station, value, _ in steps:
            out["step_kind"].append(kind)
            out["step_value"].append(float(value))
            out["step_carry"].append(carry)
            service = 0.0
            if kind == FALLBACK:
                service = self.sim.workloads[workload].fallback_service(int(value), station)
            out["step_service"].append(service)
            carry = value if kind == SEGMENT else 0.0 if kind in (SERVER, FALLBACK) else carry
        out["step_kind"].append(CHANNEL)
        out["step_value"].append(0.0)
        out["step_carry"].append(carry)
        out["step_service"].append(0.0)

    def _own_route(self, w: WorkloadPlan) -> None:
        shape = _route_shape(w)
        assert shape is not None  # refusal() checked it
        self._add_steps(w.index, w.routes[0])
        self._route_sbase.append(len(self._flat))
        of = self.stations.of
        for route in w.routes:
            self._flat.extend(of(station) for _, station, _, _ in route)

    def add_route(self, workload: int, route: tuple[Any, ...]) -> int:
        """The index of ``route`` (one made during the run for ``workload``), added if new."""
        key = (workload, route)  # steps compare by value, stations by identity
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = len(self._route_len)
            self.made.append(route)
            self._add_steps(workload, route)
            self._route_sbase.append(len(self._flat))
            self._flat.extend(self.stations.of(station) for _, station, _, _ in route)
            self.stations.grow(self.state)
            self._flatten_routes()
        return found

    def _flatten_routes(self) -> None:
        steps = self._steps
        self.routes = {
            "route_len": np.asarray(self._route_len, np.int64),
            "route_step": np.asarray(self._route_step, np.int64),
            "route_sbase": np.asarray(self._route_sbase, np.int64),
            "step_kind": np.asarray(steps["step_kind"], np.int8),
            "step_value": np.asarray(steps["step_value"], float),
            "step_carry": np.asarray(steps["step_carry"], float),
            "step_service": np.asarray(steps["step_service"], float),
            "route_station": np.asarray(self._flat, np.int64),
        }

    def arrivals(self, until: float) -> tuple[Any, Any, Any]:
        """(created, device, workload) of every request created before ``until`` not yet
        taken, in time order (ties keep the workload order)."""
        drawn = [feed.take(until) for feed in self.feeds]
        if not drawn:  # a scenario without workloads
            return np.empty(0), np.empty(0, np.int32), np.empty(0, np.int16)
        if len(drawn) == 1:
            times, ids = drawn[0]
            return times, ids, np.zeros(len(times), np.int16)
        times = np.concatenate([t for t, _ in drawn])
        ids = np.concatenate([d for _, d in drawn])
        owner = np.concatenate([np.full(len(t), i, np.int16) for i, (t, _) in enumerate(drawn)])
        order = np.argsort(times, kind="stable")
        return times[order], ids[order], owner[order]

    def outputs(self, n: int, owner: Any = None) -> dict[str, Any]:
        """Fresh per-request output arrays for ``n`` requests (nothing reached yet); with
        ``owner`` (each request's workload), also what a run with failures tracks."""
        tracked = 0 if owner is None else n
        return {
            "end": np.full(n, np.nan),
            "outcome": np.zeros(n, np.int8),
            "last_stage": np.full(n, -1, np.int8),
            "kept": np.zeros(n, np.int8),
            "stage_times": np.full((3 * self.stage_max, n), np.nan),
            "stopped": np.full(n, -1, np.int16),  # the step a dropped request stopped at
            "req_route": np.empty(0, np.int32) if owner is None else owner.astype(np.int32),
            "carrying": np.zeros(tracked),
            "via_fallback": np.zeros(tracked, np.int8),
            "fallback_at": np.full(tracked, -1, np.int32),  # the station of its fallback
        }

    def advance(
        self, requests: tuple[Any, Any, Any], first: int, until: float, out: dict[str, Any]
    ) -> int:
        """Run to ``until`` (or to a request that meets a station out of service: see
        :attr:`blocked`): requests ``first``.. arrive; those before are in the heap. Return
        the next request to arrive."""
        created, device, owner = requests
        state = self.state
        self.heap = list(
            self.kernel.run_plane(
                created, owner, device, first, until, self.seed,
                *self.routes.values(), out["req_route"], *self.prefixes.values(),
                *self.stages.values(),
                state["st_seconds_per_byte"], state["st_latency"], state["st_servers"],
                state["st_offset"], state["st_row"], state["st_up"], self.source_up,
                state["free"], state["st_bytes"], state["bins"], self.sim.plan.bin_s,
                *self.heap, self.counters, self.clock,
                out["end"], out["outcome"], out["last_stage"], out["kept"],
                out["stage_times"], out["stopped"], out["carrying"], out["via_fallback"],
                out["fallback_at"], self.bytes_sent, self.bytes_received, self.bytes_dropped,
            )
        )  # fmt: skip
        self.seed = -1  # later pieces carry on with the same generator
        return int(self.counters[2])

    @property
    def blocked(self) -> tuple[int, int, float, float] | None:
        """(request, step, the request's time, the loop's time) where the last
        :meth:`advance` stopped early, or None."""
        if self.counters[3] == 0:
            return None
        g, pos = int(self.counters[4]), int(self.counters[5])
        return g, pos, float(self.clock[0]), float(self.clock[1])

    def push(self, req: int, pos: int, when: float) -> None:
        """Request ``req`` reaches step ``pos`` at ``when`` (it resumes after a wait)."""
        self.heap = list(self.kernel.push(*self.heap, self.counters, when, req, pos))

    def on_their_way(self) -> tuple[Any, Any]:
        """(request, step it reaches next) of the requests in the heap."""
        size = int(self.counters[0])
        return self.heap[2][:size], self.heap[3][:size]


def run(sim: Simulation) -> None:
    """Run ``sim`` from 0 to its end on the fast plane, writing into its records."""
    plane = Plane(sim)
    requests = plane.arrivals(sim.until_s)
    created, device, owner = requests
    failing = bool(sim.outages)
    out = plane.outputs(len(created), owner if failing else None)
    if failing:
        from .detours import Detours

        Detours(sim, plane, requests, out).run()
    else:
        plane.advance(requests, 0, sim.until_s, out)
    plane.stations.write_back(plane.state)
    tracked = {
        key: out.pop(key) for key in ("req_route", "carrying", "via_fallback", "fallback_at")
    }
    columns = {"created": created, "device": device} | out
    stage_times = columns.pop("stage_times")
    sim.fast_pending = _hand_out(sim, plane, owner, columns, stage_times, tracked)
    for run, w in zip(sim.workloads, sim.plan.workloads, strict=True):
        run.bytes_sent = float(plane.bytes_sent[w.index])
        run.bytes_received = float(plane.bytes_received[w.index])
        run.bytes_dropped = float(plane.bytes_dropped[w.index])


def _or_inf(seconds: float | None) -> float:
    return math.inf if seconds is None else float(seconds)


def _hand_out(
    sim: Simulation,
    plane: Plane,
    owner: Any,
    columns: dict[str, Any],
    stage_times: Any,
    tracked: dict[str, Any],
) -> dict[int, dict[int, int]]:
    """Give each workload run its requests' arrays (views when there is one workload) and
    return the requests still on their way: run id -> {request: the step it reaches next}.
    With failures, also the routes requests took when they left their own, and where a
    fallback model served them."""
    single = len(sim.workloads) == 1
    failing = len(tracked["carrying"]) > 0
    stopped = columns.pop("stopped")
    local = np.arange(len(owner)) if single else np.empty(len(owner), np.int64)
    pending: dict[int, dict[int, int]] = {}
    for index, workload_run in enumerate(sim.workloads):
        run: Any = workload_run  # its record arrays become numpy arrays here
        mine: Any = slice(None) if single else np.flatnonzero(owner == index)
        if not single:
            local[mine] = np.arange(len(mine))
        for name, values in columns.items():
            setattr(run, name, values if single else values[mine])
        stops = stopped if single else stopped[mine]
        dropped = np.flatnonzero(stops >= 0)  # the audit's step at which a dropped one stopped
        run.stopped = dict(zip(dropped.tolist(), stops[dropped].tolist(), strict=True))
        run.n = run.capacity = len(run.created)
        if failing:
            run.carrying = np.array(tracked["carrying"][mine])
            run.via_fallback = np.array(tracked["via_fallback"][mine])
            _detours_taken(
                sim, plane, run, tracked["req_route"][mine], tracked["fallback_at"][mine]
            )
        else:
            run.carrying = np.zeros(run.n)  # bytes in flight: set below for those on their way
            run.via_fallback = np.zeros(run.n, np.int8)
        run.merged = np.zeros(run.n, np.int8)
        run.stage_times = [
            [np.ascontiguousarray(stage_times[3 * k + j, mine]) for j in range(3)]
            for k in range(run.n_stages)
        ]
        run.final = True  # Results may edit these arrays in place: nothing else writes them
        pending[id(run)] = {}
    carry, route_step = plane.routes["step_carry"], plane.routes["route_step"]
    for g, pos in zip(*(a.tolist() for a in plane.on_their_way()), strict=True):
        w = int(owner[g])
        run = sim.workloads[w]
        pending[id(run)][int(local[g])] = pos
        if not failing:
            run.carrying[int(local[g])] = carry[route_step[w] + pos]
    return pending


def _detours_taken(sim: Simulation, plane: Plane, run: Any, routes: Any, fallback_at: Any) -> None:
    """The audit's records of a run with failures: the route each request took when it left
    its own, and the (stage, node) of the fallback model that last served it."""
    from .kernel import STAGE_CODES

    own = run.plan.index
    left = np.flatnonzero(routes != own)
    made, first_made = plane.made, len(sim.plan.workloads)
    run.taken = {int(i): made[int(routes[i]) - first_made] for i in left}
    served = np.flatnonzero(fallback_at >= 0)
    nodes = sim.plan.nodes
    objects = plane.stations.objects
    run.fallback_nodes = {
        int(i): (
            int(fallback_at[i] % STAGE_CODES),
            nodes[objects[int(fallback_at[i] // STAGE_CODES)].node].id,  # type: ignore[union-attr]
        )
        for i in served
    }
