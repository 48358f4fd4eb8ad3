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
from typing import TYPE_CHECKING, Any

import numpy as np

from ..plan import SEGMENT, SERVER, WorkloadPlan
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
        (bool(sim.outages), "it schedules failures or degradations"),
        (sim.control is not None, "it has model versions, rollouts or a learning loop"),
        (sim.federated is not None, "it has federated rounds"),
        (plan.tenancy is not None, "it has tenants"),
        (bool(plan.flows), "it has bulk flows"),
        (
            any(s.stage.window for w in plan.workloads for s in w.stages),
            "it has aggregation windows",
        ),
        (
            any(w.workload.degraded.deadline_s is not None for w in plan.workloads),
            "a workload has a degraded-mode deadline",
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


def arrivals(workload: WorkloadPlan, until: float, rng: np.random.Generator) -> tuple[Any, Any]:
    """Creation times (sorted) and devices of the workload's requests created before ``until``,
    drawn as the reference engine draws them: Poisson per device group, periodic with a random
    phase per device, or a trace repeated on every device."""
    devices = workload.devices
    source = workload.workload.source
    if source.arrival == "trace":
        trace = np.sort(np.asarray(workload.trace, dtype=float))
        times = np.repeat(trace, devices)
        ids = np.tile(np.arange(devices, dtype=np.int32), len(trace))
    elif source.arrival == "periodic":
        period = 1.0 / workload.rate
        phases = rng.uniform(0, period, devices)
        order = np.argsort(phases)
        rounds = math.ceil(until / period) + 1
        times = (np.arange(rounds)[:, None] * period + phases[order][None, :]).ravel()
        ids = np.tile(order.astype(np.int32), rounds)
    else:
        total = devices * workload.rate
        expected = total * until
        parts, t = [], 0.0
        while t < until:
            size = int(expected + 6 * math.sqrt(expected) + 64)
            part = t + np.cumsum(rng.exponential(1.0 / total, size))
            parts.append(part)
            t = float(part[-1])
            expected = total * (until - t)
        times = np.concatenate(parts)
        ids = rng.integers(0, devices, len(times)).astype(np.int32)
    keep = times < until
    return times[keep], ids[keep]


class _Stations:
    """The plan's channels and servers as arrays, in the order the routes first reach them."""

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
        n = len(self.objects)
        kind = np.zeros(n, np.int8)
        per_byte = np.zeros(n)
        latency = np.zeros(n)
        servers = np.ones(n, np.int64)
        for i, station in enumerate(self.objects):
            if isinstance(station, Server):
                kind[i] = 1
                servers[i] = station.servers
            else:
                per_byte[i] = 8.0 / station.bandwidth_bps
                latency[i] = station.latency_s
        offset = np.zeros(n, np.int64)
        offset[1:] = np.cumsum(servers)[:-1]
        rows = np.array([self.rows[id(s.bins)] for s in self.objects], np.int64)
        return {
            "st_kind": kind,
            "st_seconds_per_byte": per_byte,
            "st_latency": latency,
            "st_servers": servers,
            "st_offset": offset,
            "st_row": rows,
            "free": np.zeros(int(servers.sum())),
            "st_bytes": np.zeros(n),
            "bins": np.zeros((len(self.bins_arrays), self.bin_count)),
        }


def run(sim: Simulation) -> None:
    """Run ``sim`` from 0 to its end on the fast plane, writing into its records."""
    from . import kernel

    plan = sim.plan
    workloads = plan.workloads
    count = len(workloads)
    until = sim.until_s
    root = np.random.default_rng([sim.seed, 0xFA57])
    streams = root.spawn(count + 1)
    drawn = [arrivals(w, until, streams[w.index]) for w in workloads]
    created, device, owner = _merged(drawn)
    n = len(created)

    stations = _Stations(len(plan.nodes[0].bins) if plan.nodes else 1)
    length = max((len(w.routes[0]) for w in workloads), default=1)
    stage_max = max((len(w.stages) for w in workloads), default=1)
    route_len = np.zeros(count, np.int64)
    route_kind = np.zeros((count, length), np.int8)
    route_value = np.zeros((count, length))
    route_carry = np.zeros((count, length + 1))  # bytes carried on reaching step p
    station_base = np.zeros(count, np.int64)
    prefix_base = np.zeros(count, np.int64)
    flat: list[int] = []
    prefixes: list[int] = []
    stage_dist = np.zeros((count, stage_max), np.int8)
    stage_a = np.zeros((count, stage_max))
    stage_b = np.zeros((count, stage_max))
    stage_forward = np.ones((count, stage_max))
    for w in workloads:
        i = w.index
        shape = _route_shape(w)
        assert shape is not None  # refusal() checked it
        route_len[i] = len(shape)
        carry = 0.0
        for p, (kind, value) in enumerate(shape):
            route_kind[i, p] = kind
            route_value[i, p] = value
            route_carry[i, p] = carry
            carry = value if kind == SEGMENT else 0.0 if kind == SERVER else carry
        route_carry[i, len(shape)] = carry
        station_base[i] = len(flat)
        of = stations.of
        for route in w.routes:
            flat.extend(of(station) for _, station, _, _ in route)
        prefix_base[i] = len(prefixes)
        prefixes.extend(w.prefixes)
        for k, stage in enumerate(w.stages):
            spec = stage.service
            stage_dist[i, k] = _DISTS[spec.dist]
            if spec.dist == "lognormal":
                stage_a[i, k], stage_b[i, k] = spec.lognormal_params
            else:
                stage_a[i, k] = spec.mean_s
            stage_forward[i, k] = stage.forward

    end = np.full(n, np.nan)
    outcome = np.zeros(n, np.int8)
    last_stage = np.full(n, -1, np.int8)
    kept = np.zeros(n, np.int8)
    stage_times = np.full((3 * stage_max, n), np.nan)
    bytes_sent = np.zeros(count)
    bytes_received = np.zeros(count)
    arrays = stations.arrays()
    seed = int(streams[-1].integers(2**31 - 1))
    pending_req, pending_pos = kernel.run_plane(
        created, owner, device, until, seed,
        route_len, route_kind, route_value, route_carry, station_base, np.asarray(flat, np.int64),
        prefix_base, np.asarray(prefixes, np.int64),
        stage_dist, stage_a, stage_b, stage_forward,
        arrays["st_kind"], arrays["st_seconds_per_byte"], arrays["st_latency"],
        arrays["st_servers"], arrays["st_offset"], arrays["st_row"], arrays["free"],
        arrays["st_bytes"], arrays["bins"], plan.bin_s,
        end, outcome, last_stage, kept, stage_times, bytes_sent, bytes_received,
    )  # fmt: skip

    for station, sent in zip(stations.objects, arrays["st_bytes"], strict=True):
        if isinstance(station, Channel):
            station.bytes += float(sent)
    for target, row in zip(stations.bins_arrays, arrays["bins"], strict=True):
        np.frombuffer(target, dtype=float)[:] += row

    columns = {"created": created, "device": device, "end": end, "outcome": outcome}
    columns |= {"last_stage": last_stage, "kept": kept}
    pending = _hand_out(sim, owner, columns, stage_times, pending_req, pending_pos, route_carry)
    for run, w in zip(sim.workloads, workloads, strict=True):
        run.bytes_sent = float(bytes_sent[w.index])
        run.bytes_received = float(bytes_received[w.index])
    sim.fast_pending = pending


def _hand_out(
    sim: Simulation,
    owner: Any,
    columns: dict[str, Any],
    stage_times: Any,
    pending_req: Any,
    pending_pos: Any,
    route_carry: Any,
) -> dict[int, dict[int, int]]:
    """Give each workload run its requests' arrays (views when there is one workload) and
    return the requests still on their way: run id -> {request: the step it reaches next}."""
    single = len(sim.workloads) == 1
    local = np.arange(len(owner)) if single else np.empty(len(owner), np.int64)
    pending: dict[int, dict[int, int]] = {}
    for index, workload_run in enumerate(sim.workloads):
        run: Any = workload_run  # its record arrays become numpy arrays here
        mine: Any = slice(None) if single else np.flatnonzero(owner == index)
        if not single:
            local[mine] = np.arange(len(mine))
        for name, values in columns.items():
            setattr(run, name, values if single else values[mine])
        run.n = run.capacity = len(run.created)
        run.carrying = np.zeros(run.n)  # bytes in flight: set below for requests on their way
        run.via_fallback = np.zeros(run.n, np.int8)
        run.merged = np.zeros(run.n, np.int8)
        run.stage_times = [
            [np.ascontiguousarray(stage_times[3 * k + j, mine]) for j in range(3)]
            for k in range(run.n_stages)
        ]
        run.final = True  # Results may edit these arrays in place: nothing else writes them
        pending[id(run)] = {}
    for g, pos in zip(pending_req.tolist(), pending_pos.tolist(), strict=True):
        w = int(owner[g])
        run = sim.workloads[w]
        pending[id(run)][int(local[g])] = pos
        run.carrying[int(local[g])] = route_carry[w, pos]
    return pending


def _merged(drawn: list[tuple[Any, Any]]) -> tuple[Any, Any, Any]:
    """One table of (created, device, workload) in time order from each workload's arrivals;
    ties keep the workload order."""
    if len(drawn) == 1:
        times, ids = drawn[0]
        return times, ids, np.zeros(len(times), np.int16)
    times = np.concatenate([t for t, _ in drawn])
    ids = np.concatenate([d for _, d in drawn])
    owner = np.concatenate([np.full(len(t), i, np.int16) for i, (t, _) in enumerate(drawn)])
    order = np.argsort(times, kind="stable")
    return times[order], ids[order], owner[order]
