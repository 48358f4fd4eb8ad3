"""Streaming runs: fleets too large for a table per request, kept as aggregates.

:func:`stream` runs a scenario on the fast plane in pieces of simulated time. Each piece draws
its arrivals, runs the compiled loop with the stations' state and the event heap carried over
from the last piece, and folds the requests decided in it into aggregates: per workload a
latency histogram (200 log-spaced bins per decade from 1 µs to 10^5 s, so a percentile read
from it is within 1.2 % of the exact one), counts, sums and the maximum; per time bin the
requests created and completed and their latency; per stage the mean wait and service; and the
links' and nodes' time bins, from which the boundary bytes and utilisation come exactly as for a
full run. Memory stays at a piece's worth of requests (about a million), whatever the fleet.

>>> import sys; sys.path.insert(0, "benchmarks")
>>> from reference import reference_scenario
>>> run = stream(reference_scenario(100), until=60, seed=1)
>>> run.summary["engine"]["mode"], run.summary["workloads"]["ref"]["generated"] > 5000
('streaming', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...catalogue import Catalogue
from ...errors import Problem, RunArgumentError
from ...scenario import Scenario
from ..degraded import OUTCOMES
from ..engine import Simulation
from ..results import SUMMARY_VERSION, node_utilisation, tier_boundaries
from .plane import Plane

PER_DECADE = 200
EDGES = np.logspace(-6, 5, 11 * PER_DECADE + 1)  # latency histogram edges, seconds
PIECE_REQUESTS = 1_000_000  # requests per piece of simulated time, about


@dataclass
class StreamedRun:
    """What a streaming run keeps: its summary (``summary.json``), a timeline per workload
    and time bin, and each workload's latency histogram."""

    sim: Simulation
    summary: dict[str, Any]
    timeline: pd.DataFrame  # workload, t_s, created, completed, latency_mean_s
    histogram: pd.DataFrame  # workload, lower_s, upper_s, requests


class _Aggregates:
    """Running totals of the decided requests, per workload, time bin and stage."""

    def __init__(self, sim: Simulation) -> None:
        plan = sim.plan
        count = len(plan.workloads)
        self.sim = sim
        self.warmup = min(sim.scenario.simulation.warmup_s, sim.until_s)
        self.bins = math.ceil(sim.until_s / plan.bin_s) + 1
        self.histogram = np.zeros((count, len(EDGES) + 1), np.int64)  # + under/overflow
        self.generated = np.zeros(count, np.int64)
        self.completed = np.zeros(count, np.int64)
        self.dropped = np.zeros(count, np.int64)  # past their deadline
        self.in_flight = np.zeros(count, np.int64)
        self.latency_sum = np.zeros(count)
        self.latency_max = np.full(count, np.nan)
        self.over_slo = np.zeros(count, np.int64)
        self.slo = np.array([w.workload.slo_s for w in plan.workloads], dtype=float)
        self.created_per_bin = np.zeros((count, self.bins), np.int64)
        self.done_per_bin = np.zeros((count, self.bins), np.int64)
        self.latency_per_bin = np.zeros((count, self.bins))
        stages = max((len(w.stages) for w in plan.workloads), default=1)
        self.stage_sums = np.zeros((count, stages, 2))  # wait, service
        self.stage_counts = np.zeros((count, stages), np.int64)

    def created(self, created: Any, owner: Any) -> None:
        bin_s, count = self.sim.plan.bin_s, len(self.generated)
        self.generated += np.bincount(owner[created >= self.warmup], minlength=count)
        cells = owner.astype(np.int64) * self.bins + (created / bin_s).astype(np.int64)
        flat = np.bincount(cells, minlength=count * self.bins)
        self.created_per_bin += flat.reshape(count, self.bins)

    def decided(self, created: Any, owner: Any, out: dict[str, Any]) -> None:
        """Fold in the requests decided in this piece (compiled: one pass, no copies)."""
        from .kernel import fold

        fold(
            created, owner, out["end"], out["outcome"], out["stage_times"],
            self.stage_counts.shape[1], self.warmup, self.sim.until_s, self.sim.plan.bin_s,
            self.slo, math.log10(EDGES[0]), PER_DECADE, self.completed, self.dropped,
            self.in_flight, self.latency_sum,
            self.latency_max, self.over_slo, self.histogram, self.done_per_bin,
            self.latency_per_bin, self.stage_sums, self.stage_counts,
        )  # fmt: skip

    def still_on_their_way(self, created: Any, owner: Any) -> None:
        counted = owner[created >= self.warmup]
        self.in_flight += np.bincount(counted, minlength=len(self.in_flight))


def _percentile(counts: Any, q: float) -> float | None:
    """The ``q`` percentile read from one workload's histogram, log-interpolated in its bin."""
    total = int(counts.sum())
    if total == 0:
        return None
    rank = q / 100 * total
    cumulative = np.cumsum(counts)
    index = int(np.searchsorted(cumulative, rank, side="left"))
    if index == 0:
        return float(EDGES[0])
    if index >= len(EDGES):
        return float(EDGES[-1])
    before = cumulative[index - 1]
    share = (rank - before) / max(counts[index], 1)
    low, high = math.log(EDGES[index - 1]), math.log(EDGES[index])
    return float(math.exp(low + share * (high - low)))


def stream(
    scenario: Scenario,
    *,
    until: float | None = None,
    seed: int | None = None,
    bin_s: float = 1.0,
    catalogue: Catalogue | None = None,
    piece_requests: int = PIECE_REQUESTS,
) -> StreamedRun:
    """Run ``scenario`` on the fast plane keeping aggregates, not a table per request.

    RunArgumentError, in one sentence, when the scenario needs the reference engine (streaming
    is a fast-plane mode). The run-size limits do not apply: memory stays bounded.
    """
    sim = Simulation(scenario, until=until, seed=seed, bin_s=bin_s, catalogue=catalogue, force=True)
    why = sim.fast_plane_refusal()
    if why is None and sim.outages:
        why = "it schedules failures or degradations, which streaming does not follow yet"
    if why is not None:
        fix = "run it without streaming (drop --stream, or call simulate)"
        message = f"a streaming run needs the fast plane, but {why}; {fix}"
        raise RunArgumentError([Problem("stream", message)])
    plane = Plane(sim)
    totals = _Aggregates(sim)
    rate = sum(_rate(w, sim.until_s) for w in sim.plan.workloads)
    window = sim.until_s if rate <= 0 else max(sim.plan.bin_s, piece_requests / rate)
    carried: tuple[Any, ...] | None = None
    carried_out: dict[str, Any] | None = None
    t = 0.0
    while t < sim.until_s:
        t_next = min(sim.until_s, t + window)
        fresh: tuple[Any, ...] = plane.arrivals(t_next)
        totals.created(fresh[0], fresh[2])
        out = plane.outputs(len(fresh[0]))
        first = 0
        if carried is not None and carried_out is not None:
            first = len(carried[0])
            fresh = tuple(np.concatenate([a, b]) for a, b in zip(carried, fresh, strict=True))
            out = {k: np.concatenate([carried_out[k], v], axis=-1) for k, v in out.items()}
        plane.advance(fresh, first, t_next, out)
        waiting, _ = plane.on_their_way()
        totals.decided(fresh[0], fresh[2], out)
        carried = tuple(a[waiting] for a in fresh)
        carried_out = {k: v[..., waiting] if v.shape[-1] else v for k, v in out.items()}
        plane.heap[2][: len(waiting)] = np.arange(len(waiting))  # their places in the next piece
        t = t_next
    if carried is not None:
        totals.still_on_their_way(carried[0], carried[2])
    plane.stations.write_back(plane.state)
    sim.loop.queue.clear()
    sim.loop.run(until=sim.until_s)
    sim.engine = "fast"
    sim.engine_reason = "the scenario uses only what the fast plane covers"
    return _results(sim, totals)


def _rate(workload: Any, until: float) -> float:
    """Requests per second the workload makes, about."""
    if workload.workload.source.arrival == "trace":
        return float(len(workload.trace or []) * workload.devices / max(until, 1e-9))
    return float(workload.devices * workload.rate)


def _results(sim: Simulation, totals: _Aggregates) -> StreamedRun:
    plan = sim.plan
    start, end = totals.warmup, sim.until_s
    duration = max(end - start, 1e-12)
    workloads: dict[str, dict[str, Any]] = {}
    frames, hist_frames = [], []
    for w in plan.workloads:
        i = w.index
        done = int(totals.completed[i])
        dropped = int(totals.dropped[i])
        counts = totals.histogram[i]
        stats: dict[str, Any] = {
            "generated": int(totals.generated[i]),
            "completed": done,
            "dropped": {  # the same keys as a full run's; the fast plane drops at deadlines
                name.removeprefix("dropped_"): dropped if name == "dropped_deadline" else 0
                for name in OUTCOMES.values()
                if name.startswith("dropped_")
            },
            "in_flight": int(totals.in_flight[i]),
            "availability": done / (done + dropped) if done + dropped else None,
            "throughput_per_s": done / duration,
            "slo_s": w.workload.slo_s,
            "latency_mean_s": float(totals.latency_sum[i] / done) if done else None,
            "latency_p50_s": _percentile(counts, 50),
            "latency_p95_s": _percentile(counts, 95),
            "latency_p99_s": _percentile(counts, 99),
            "latency_max_s": float(totals.latency_max[i]) if done else None,
            "slo_violation_share": float(totals.over_slo[i] / done) if done else None,
            "stages": {
                stage.stage.id: {
                    "mean_wait_s": _mean(totals.stage_sums[i, k, 0], totals.stage_counts[i, k]),
                    "mean_service_s": _mean(totals.stage_sums[i, k, 1], totals.stage_counts[i, k]),
                }
                for k, stage in enumerate(w.stages)
            },
        }
        workloads[w.workload.id] = stats
        bins = math.ceil(end / plan.bin_s)
        completed = totals.done_per_bin[i, :bins]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(completed > 0, totals.latency_per_bin[i, :bins] / completed, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "workload": w.workload.id,
                    "t_s": np.arange(bins) * plan.bin_s,
                    "created": totals.created_per_bin[i, :bins],
                    "completed": completed,
                    "latency_mean_s": mean,
                }
            )
        )
        inside = counts[1:-1]
        hist_frames.append(
            pd.DataFrame(
                {"workload": w.workload.id, "lower_s": EDGES[:-1], "upper_s": EDGES[1:]}
                | {"requests": inside}
            )[inside > 0]
        )
    summary = {
        "version": SUMMARY_VERSION,
        "scenario": sim.scenario.name,
        "seed": sim.seed,
        "simulated_s": sim.until_s,
        "warmup_s": start,
        "engine": {"plane": "fast", "reason": sim.engine_reason, "mode": "streaming"},
        "workloads": workloads,
        "boundaries": tier_boundaries(plan, [int(g) for g in totals.generated], start, end),
        "nodes": node_utilisation(plan, start, end),
        "notes": [
            "A streaming run keeps aggregates, not a table per request: percentiles come from "
            f"a histogram with {PER_DECADE} bins per decade (within 1.2 %)."
        ],
    }
    return StreamedRun(
        sim,
        summary,
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
        pd.concat(hist_frames, ignore_index=True) if hist_frames else pd.DataFrame(),
    )


def _mean(total: float, count: int) -> float | None:
    return float(total / count) if count else None
