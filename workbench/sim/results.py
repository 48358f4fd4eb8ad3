"""Results of a run as pandas tables, and the summary an architect asks for.

Tables
------
``requests``  one row per request: workload, device, created_s, end_s, latency_s, the arrival,
              start and done time at every stage (``<stage>.arrive_s`` ...), the stage it ended
              at, whether a stage kept it (``local``: not forwarded, the last stage's included:
              served where it ended), whether it was ``merged`` into an aggregation window's
              output (carried on by another request; it ends when that one does), the bytes
              it put on links (up to where it ended, or was merged), and its state
              (``done`` or ``in_flight`` at the end of the run).
``links``     bytes per link, direction and time bin.
``nodes``     busy seconds and utilisation per node and time bin.
``flows``     one row per bulk transfer (e.g. a model push to one gateway).
``events``    the event log (start, end; failures later).

With model versions (:mod:`workbench.control`), ``requests`` gains ``version`` and ``correct``,
and ``version_timeline()``, ``accuracy()``, ``rollouts()``, ``transfers()`` and
``decisions()`` describe what each node runs, how right it was and how each rollout went.
With ``drift:`` or ``learning:`` (:mod:`workbench.learning`), ``requests`` gains ``feature``,
``accuracy()`` gains ``expected``, and ``learning()`` and ``detections()`` describe each
episode of each loop and each detection; ``summary()`` gains ``learning``.

``summary()`` gives per-workload latency mean/p50/p95/p99, SLO violation share and throughput,
and per tier boundary the bytes that crossed it against the counterfactual "ship every raw
byte to the cloud", with the saving in percent; ``energy`` and ``cost`` come from
:mod:`workbench.economics`, computed from these tables after the run. Everything after the
warm-up only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..catalogue import TIER_IDS
from . import degraded

if TYPE_CHECKING:
    from .engine import Simulation

SUMMARY_VERSION = 1


# Events of links and nodes (not of single requests): out of service, back, degraded, and an
# outage of the schedule ended early by hand.
ELEMENT_EVENTS = ("fail", "restore", "degrade", "degrade_end", "override")


def boundary_name(level: int) -> str:
    """'far_edge|aggregation_edge' for the boundary above tier ``level``."""
    return f"{TIER_IDS[level - 1]}|{TIER_IDS[level]}"


def _served_at(run: Any, last: Any) -> pd.Categorical:
    """The node that ran the last stage each request reached (missing when none yet): the
    stage's own node, or the fallback's node for a request a fallback model served."""
    nodes = [s.node for s in run.plan.stages]
    fallbacks = run.fallback_nodes
    categories = list(dict.fromkeys([*nodes, *(node for _, node in fallbacks.values())]))
    code_of_stage = np.array([categories.index(node) for node in nodes] + [-1], dtype=np.int16)
    codes = code_of_stage[last]
    n = len(codes)
    for req, (stage, node) in fallbacks.items():
        if req < n and last[req] == stage:  # not when a later stage ran on its own node
            codes[req] = categories.index(node)
    return pd.Categorical.from_codes(codes, categories=categories)


_STATES = ["done", "dropped", "buffered", "in_flight"]
_OUTCOMES = [*degraded.OUTCOMES.values(), "buffered", "in_flight"]
_BUFFERED = len(degraded.OUTCOMES) + 1
_IN_FLIGHT = _BUFFERED + 1


class Results:
    """Tables and summary of a simulation up to its current time."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.scenario = sim.scenario
        self.now_s = sim.now
        self.until_s = sim.until_s
        self.seed = sim.seed
        self.warmup_s = min(sim.scenario.simulation.warmup_s, self.now_s)
        self._requests: pd.DataFrame | None = None
        self._held = degraded.held_requests(sim)

    @property
    def engine(self) -> dict[str, str | None]:
        """Which plane ran (``fast`` or ``reference``; None before any advance) and why."""
        return {"plane": self.sim.engine, "reason": self.sim.engine_reason}

    # ------------------------------------------------------------------ tables
    @property
    def requests(self) -> pd.DataFrame:
        if self._requests is None:
            frames = [self._workload_requests(run) for run in self.sim.workloads]
            filled = [f for f in frames if len(f)]
            if len(filled) == 1:
                self._requests = filled[0]
            elif filled:
                self._requests = pd.concat(filled, ignore_index=True)
            else:  # nothing yet: an empty table with every column
                self._requests = frames[0] if frames else self._workload_requests(None)
        return self._requests

    def _workload_requests(self, run: Any) -> pd.DataFrame:
        if run is None:
            names = ["workload", "request", "device", "created_s", "end_s", "latency_s"]
            return pd.DataFrame(columns=[*names, "state", "outcome"])
        n = run.n
        # The fast plane's arrays are final and owned by the results: edited in place, not
        # copied (on a large run the copies cost seconds and gigabytes).
        own = (lambda a: a) if getattr(run, "final", False) else np.copy
        created = np.frombuffer(run.created, dtype=float, count=n)
        end = own(np.frombuffer(run.end, dtype=float, count=n))
        undecided = ~(end <= self.now_s)
        end[undecided] = np.nan
        # A copy even on the fast plane (one byte a request): the audit reads the engine's
        # own codes (IN_SYSTEM for a request still on its way), not the table's.
        outcome = np.copy(np.frombuffer(run.outcome, dtype=np.int8, count=n))
        outcome[undecided] = _BUFFERED
        held = self._held.get(run.plan.index, set())
        in_flight = undecided.copy()
        if held:
            waiting = np.fromiter(held, dtype=np.int64)
            in_flight[waiting] = False
        outcome[in_flight] = _IN_FLIGHT
        served = (outcome == degraded.PRIMARY) | (outcome == degraded.SERVED_BY_FALLBACK)
        dropped = (outcome >= degraded.DROPPED_STORE_FULL) & (outcome < _BUFFERED)
        state = np.full(n, 2, np.int8)  # int8 from the start: no int64 temporaries
        state[served] = 0
        state[dropped] = 1
        state[in_flight] = 3
        last = np.frombuffer(run.last_stage, dtype=np.int8, count=n)
        kept = np.frombuffer(run.kept, dtype=np.int8, count=n).astype(bool)
        merged = np.frombuffer(run.merged, dtype=np.int8, count=n).astype(bool)
        latency = end - created
        latency[~served] = np.nan
        columns: dict[str, Any] = {
            "workload": pd.Categorical.from_codes(
                np.zeros(n, dtype=np.int8), categories=[run.plan.workload.id]
            ),
            "request": np.arange(n, dtype=np.int32 if n < 2**31 else np.int64),
            "device": own(np.frombuffer(run.device, dtype=np.int32, count=n)),
            "created_s": own(created),
            "end_s": end,
            "latency_s": latency,
            "stages_done": (last + 1).astype(np.int8),
            "served_at": _served_at(run, last),
            "local": kept & served,
            "merged": merged,
            "bytes": self._bytes_sent(run, n, last, undecided | kept | merged),
            "state": pd.Categorical.from_codes(state, categories=_STATES),
            "outcome": pd.Categorical.from_codes(
                (outcome - 1).astype(np.int8), categories=_OUTCOMES
            ),
        }
        if self.sim.control is not None:
            from ..control.tables import request_columns

            columns |= request_columns(self.sim.control, run, n, self.now_s)
        if run.fallback_nodes:
            fallback_at = np.full(n, None, dtype=object)
            for req, (_, node) in run.fallback_nodes.items():
                if req < n:
                    fallback_at[req] = node
            columns["fallback_at"] = fallback_at
        for k, stage in enumerate(run.plan.stages):
            for j, name in enumerate(("arrive_s", "start_s", "done_s")):
                values = own(np.frombuffer(run.stage_times[k][j], dtype=float, count=n))
                values[values > self.now_s] = np.nan
                columns[f"{stage.stage.id}.{name}"] = values
        # Every column is a fresh array: no copy, and no consolidation into 2-D blocks (which
        # would copy them all again, seconds and gigabytes on a large run).
        return pd.DataFrame(columns, copy=False)

    @staticmethod
    def _bytes_sent(run: Any, n: int, last: Any, short: Any) -> Any:
        """Bytes each request put on links, from its route and the stage it reached; the sink
        leg counts only for requests past their last stage (not ``short``: in flight, or kept
        by the last stage)."""
        stages = run.n_stages
        device = np.frombuffer(run.device, dtype=np.int32, count=n)
        column = np.where((last == stages - 1) & ~short, stages + 1, last + 1)
        return run.plan.bytes_table[device, column]

    @property
    def links(self) -> pd.DataFrame:
        plan = self.sim.plan
        bins = int(np.ceil(self.now_s / plan.bin_s))
        rows = []
        for info in plan.links:
            for direction, name in enumerate(("up", "down")):
                data = np.frombuffer(info.bins[direction], dtype=float)[:bins]
                rows.append(
                    pd.DataFrame(
                        {
                            "link": info.id,
                            "direction": name,
                            "t_s": np.arange(len(data)) * plan.bin_s,
                            "bytes": data,
                        }
                    )
                )
        if not rows:  # a scenario without links
            return pd.DataFrame(
                {
                    "link": pd.Series(dtype=object),
                    "direction": pd.Series(dtype=object),
                    "t_s": pd.Series(dtype=float),
                    "bytes": pd.Series(dtype=float),
                }
            )
        return pd.concat(rows, ignore_index=True)

    @property
    def nodes(self) -> pd.DataFrame:
        plan = self.sim.plan
        bins = int(np.ceil(self.now_s / plan.bin_s))
        rows = []
        for info in plan.nodes:
            data = np.frombuffer(info.bins, dtype=float)[:bins]
            capacity = info.servers * info.instances * plan.bin_s
            rows.append(
                pd.DataFrame(
                    {
                        "node": info.id,
                        "tier": info.tier,
                        "t_s": np.arange(len(data)) * plan.bin_s,
                        "busy_s": data,
                        "utilisation": data / capacity,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    @property
    def flows(self) -> pd.DataFrame:
        rows = [
            {
                "flow": run.plan.flow.id,
                "kind": run.plan.flow.kind,
                "target": r[0],
                "instance": r[1],
                "start_s": r[2],
                "end_s": r[3] if r[3] <= self.now_s else np.nan,
                "bytes": r[4],
            }
            for run in self.sim.flows
            for r in run.records
        ]
        columns = ["flow", "kind", "target", "instance", "start_s", "end_s", "bytes"]
        return pd.DataFrame(rows, columns=columns)

    # ------------------------------------------------------- models (control)
    def version_timeline(self) -> pd.DataFrame:
        """Per node and model: [node, model, version, start_s, end_s, share] (share < 1 while
        a canary or an A/B test serves part of the requests with a new version)."""
        from ..control import tables

        if self.sim.control is None:
            return pd.DataFrame(columns=tables.TIMELINE)
        return tables.version_timeline(self.sim.control, self.now_s)

    def accuracy(self, bin_s: float = 60.0) -> pd.DataFrame:
        """Judged predictions per time bin, workload, site and version: [t_s, workload, site,
        version, served, labelled, correct, accuracy]."""
        from ..control import tables

        if self.sim.control is None:
            return pd.DataFrame(columns=tables.ACCURACY)
        return tables.accuracy(self.sim, self.now_s, bin_s)

    def rollouts(self) -> pd.DataFrame:
        """One row per rollout: decision, times, bytes down, nodes reached, wrong predictions."""
        from ..control import tables

        if self.sim.control is None:
            return pd.DataFrame(columns=tables.ROLLOUTS)
        return tables.rollouts(self.sim, self.now_s)

    def transfers(self) -> pd.DataFrame:
        """One row per checkpoint transfer (rollout, node instance): bytes, pauses, state."""
        from ..control import tables

        if self.sim.control is None:
            return pd.DataFrame(columns=tables.TRANSFERS)
        return tables.transfers(self.sim, self.now_s)

    def decisions(self) -> pd.DataFrame:
        """Every canary or A/B decision with its evidence (labelled counts, accuracies,
        statistic, threshold)."""
        from ..control import tables

        if self.sim.control is None:
            return pd.DataFrame(columns=tables.DECISIONS)
        return tables.decisions(self.sim, self.now_s)

    # ------------------------------------------------------ learning loop
    def learning(self) -> pd.DataFrame:
        """One row per learning-loop episode: drift, detection, retraining, recovery, wrong
        predictions, label and sample bytes up, GPU-hours (see workbench.learning.tables)."""
        from ..learning import tables

        learning = self._learning_run()
        if learning is None:
            return pd.DataFrame(columns=tables.LEARNING)
        return tables.learning_table(self.sim, self.now_s)

    def detections(self) -> pd.DataFrame:
        """Every drift detection: [t_s, loop, node, detector, stream, false_alarm, episode]."""
        from ..learning import tables

        learning = self._learning_run()
        if learning is None:
            return pd.DataFrame(columns=tables.DETECTIONS)
        return tables.detections(learning, self.now_s)

    def _learning_run(self) -> Any:
        control = self.sim.control
        return None if control is None else control.learning

    @property
    def events(self) -> pd.DataFrame:
        return pd.DataFrame(self.sim.events, columns=["t_s", "kind", "element", "detail"])

    # ----------------------------------------------------------------- summary
    def _window(self) -> tuple[float, float]:
        return self.warmup_s, self.now_s

    def workload_summary(self) -> dict[str, dict[str, Any]]:
        start, end = self._window()
        out: dict[str, dict[str, Any]] = {}
        requests = self.requests
        for run in self.sim.workloads:
            workload = run.plan.workload
            mine = requests[requests["workload"] == workload.id]
            window = mine[mine["created_s"] >= start]
            done = window[window["state"] == "done"]
            latency = done["latency_s"].to_numpy()
            duration = max(end - start, 1e-12)
            outcomes = window["outcome"].value_counts()
            decided = len(window) - int(outcomes.get("buffered", 0) + outcomes.get("in_flight", 0))
            stats: dict[str, Any] = {
                "generated": len(window),
                "completed": len(done),
                "served_primary": int(outcomes.get("primary", 0)),
                "served_fallback": int(outcomes.get("fallback", 0)),
                "dropped": {
                    name.removeprefix("dropped_"): int(outcomes.get(name, 0))
                    for name in degraded.OUTCOMES.values()
                    if name.startswith("dropped_")
                },
                "buffered": int(outcomes.get("buffered", 0)),
                "in_flight": int(outcomes.get("in_flight", 0)),
                "availability": len(done) / decided if decided else None,
                "effective_accuracy": self._effective_accuracy(run, outcomes),
                "throughput_per_s": len(done) / duration,
                "served_locally_share": float(done["local"].mean()) if len(done) else 0.0,
                "slo_s": workload.slo_s,
            }
            if len(latency):
                stats |= {
                    "latency_mean_s": float(latency.mean()),
                    "latency_p50_s": float(np.percentile(latency, 50)),
                    "latency_p95_s": float(np.percentile(latency, 95)),
                    "latency_p99_s": float(np.percentile(latency, 99)),
                    "latency_max_s": float(latency.max()),
                    "slo_violation_share": float((latency > workload.slo_s).mean()),
                }
            else:
                stats |= {
                    k: None
                    for k in (
                        "latency_mean_s",
                        "latency_p50_s",
                        "latency_p95_s",
                        "latency_p99_s",
                        "latency_max_s",
                        "slo_violation_share",
                    )
                }
            out[workload.id] = stats
        return out

    def _effective_accuracy(self, run: Any, outcomes: pd.Series) -> float | None:
        """Accuracy of the last stage's model, weighted by primary and fallback service."""
        cat = self.sim.catalogue
        stage = run.plan.stages[-1].stage
        primary = cat.models[stage.model].accuracy
        fallback = cat.models[stage.fallback.model].accuracy if stage.fallback else primary
        n_primary = int(outcomes.get("primary", 0))
        n_fallback = int(outcomes.get("fallback", 0))
        if primary is None or fallback is None or n_primary + n_fallback == 0:
            return None
        return (n_primary * primary + n_fallback * fallback) / (n_primary + n_fallback)

    def accounting(self) -> dict[str, dict[str, Any]]:
        """Conservation check per workload over the whole run (warm-up included): every
        request generated is in exactly one state, and every byte put on the network was
        received, dropped, or is still held (in a store or on a link)."""
        out = {}
        requests = self.requests
        for run in self.sim.workloads:
            mine = requests[requests["workload"] == run.plan.workload.id]
            counts = mine["outcome"].value_counts()
            carrying = np.frombuffer(run.carrying, dtype=float, count=run.n)
            undecided = mine["state"].isin(["buffered", "in_flight"]).to_numpy()
            out[run.plan.workload.id] = {
                "generated": len(mine),
                "outcomes": {str(k): int(v) for k, v in counts.items()},
                "bytes_sent": run.bytes_sent,
                "bytes_received": run.bytes_received,
                "bytes_dropped": run.bytes_dropped,
                "bytes_held": float(carrying[undecided].sum()),
            }
        return out

    @property
    def buffers(self) -> pd.DataFrame:
        """Local store occupancy over time: one row per change, per node instance."""
        rows = [
            (t, store.node, where[1], used, items)
            for where, store in self.sim.plan.stores.items()
            for t, used, items in store.trace
            if t <= self.now_s
        ]
        return pd.DataFrame(rows, columns=["t_s", "node", "instance", "bytes", "items"])

    @property
    def drains(self) -> pd.DataFrame:
        """Each backlog drained after a repair: when it started, how long it took."""
        columns = ["link", "direction", "start_s", "end_s", "drain_s", "items", "bytes", "finished"]
        return pd.DataFrame(self.sim.drains, columns=columns)

    def timeline(self, bin_s: float = 1.0, workload: str | None = None) -> pd.DataFrame:
        """Degraded-mode timeline: requests served by the primary, by a fallback, dropped (by
        the time their fate was decided) and buffered (waiting in stores), per time bin; for
        every workload, or for one."""
        edges = np.arange(0, self.now_s + bin_s, bin_s)
        table = self.requests
        if workload is not None:
            table = table[table["workload"] == workload]
        out = pd.DataFrame({"t_s": edges[:-1]})
        for name, mask in (
            ("primary", table["outcome"] == "primary"),
            ("fallback", table["outcome"] == "fallback"),
            ("dropped", table["state"] == "dropped"),
        ):
            counts, _ = np.histogram(table.loc[mask, "end_s"], bins=edges)
            out[name] = counts
        # Waiting in a store at the end of each bin.
        waits = [
            w for w in self.sim.waits if workload is None or w.run.plan.workload.id == workload
        ]
        starts = np.array([w.since for w in waits])
        ends = np.array([w.until if w.until is not None else np.inf for w in waits])
        buffered = np.zeros(len(out))
        for i, edge in enumerate(edges[1:]):
            buffered[i] = int(((starts <= edge) & (ends > edge)).sum()) if len(waits) else 0
        out["buffered"] = buffered
        return out

    def boundary_summary(self) -> dict[str, dict[str, Any]]:
        """Bytes per second across each tier boundary, up and down, against raw-to-cloud."""
        start, end = self._window()
        requests = self.requests
        created = [
            int(
                (
                    (requests["workload"] == r.plan.workload.id) & (requests["created_s"] >= start)
                ).sum()
            )
            for r in self.sim.workloads
        ]
        return tier_boundaries(self.sim.plan, created, start, end)

    def summary(self) -> dict[str, Any]:
        """Documented, stable keys; see the module docstring and ``docs`` in the README.
        ``energy``, ``cost`` and ``audit`` are always there (README, "What it costs",
        "Tenants"); ``versions`` and ``rollouts`` only when the scenario declares versions,
        ``learning`` only with drift or learning, ``tenants`` only with tenants."""
        out = self._summary()
        out["engine"] = self.engine
        out |= self.economics()
        if self.sim.control is not None:
            from ..control import tables

            out["versions"] = tables.summary_versions(self.sim)
            out["rollouts"] = tables.summary_rollouts(self.sim, self.now_s)
        if self._learning_run() is not None:
            from ..learning.tables import summary_learning

            out["learning"] = summary_learning(self.sim, self.now_s)
        out |= self._policy_summary()
        out |= self._federated_summary()
        return out

    def _policy_summary(self) -> dict[str, Any]:
        """``audit`` (every boundary crossing, by class and tenant, and violations); with
        tenants also ``tenants`` (per tenant latency, SLO share, slice utilisation)."""
        from ..audit import summary_audit, summary_tenants

        out: dict[str, Any] = {"audit": summary_audit(self)}
        if self.sim.plan.tenancy is not None:
            out["tenants"] = summary_tenants(self)
        return out

    def economics(self) -> dict[str, Any]:
        """The ``energy`` and ``cost`` sections (:mod:`workbench.economics`), from the tables
        after the run."""
        from ..economics import economics_summary

        return economics_summary(self)

    # ------------------------------------------------------- federated (issue 13)
    def _federated_summary(self) -> dict[str, Any]:
        """``{"federated": ...}`` when the scenario has a federated section, else nothing."""
        if self.sim.federated is None:
            return {}
        from ..federated import tables

        return {"federated": tables.summary(self.sim.federated)}

    def federated_rounds(self) -> pd.DataFrame:
        """Per federated round: times, test accuracy, clients, bytes (empty without one)."""
        from ..federated import tables

        if self.sim.federated is None:
            return pd.DataFrame(columns=tables.ROUND_COLUMNS)
        return tables.rounds(self.sim.federated)

    def federated_boundaries(self) -> pd.DataFrame:
        """Per tier boundary (and ``premises``): federated bytes up and down in total, and what
        centralised training would ship up instead (empty without a federated section)."""
        from ..federated import tables

        columns = ["boundary", "up_bytes", "down_bytes", "centralised_bytes"]
        if self.sim.federated is None:
            return pd.DataFrame(columns=columns)
        rows = tables.boundaries(self.sim.federated)
        return pd.DataFrame([{"boundary": k, **v} for k, v in rows.items()], columns=columns)

    def _summary(self) -> dict[str, Any]:
        return {
            "version": SUMMARY_VERSION,
            "scenario": self.scenario.name,
            "seed": self.seed,
            "simulated_s": self.now_s,
            "warmup_s": self.warmup_s,
            "workloads": self.workload_summary(),
            "boundaries": self.boundary_summary(),
            "nodes": self.node_summary(),
            "failures": [
                {"t_s": t, "kind": kind, "element": element, "detail": detail}
                for t, kind, element, detail in self.sim.events
                if kind in ELEMENT_EVENTS and t <= self.now_s
            ],
            "drains": self.drains.to_dict(orient="records"),
            "accounting": self.accounting(),
            "notes": self.notes(),
        }

    def notes(self) -> list[str]:
        """Plain sentences on what a degenerate run did not have (no links, no workloads, a
        workload without requests in the measured window), so an empty table is explained."""
        notes = []
        scenario = self.scenario
        if not scenario.links:
            notes.append(
                "The scenario has no links: every stage runs on the node where its data is "
                "born and nothing crosses a tier boundary."
            )
        if not scenario.workloads:
            notes.append("The scenario has no workloads: no requests were made.")
        start, end = self._window()
        requests = self.requests
        measured = set(requests.loc[requests["created_s"] >= start, "workload"].astype(str))
        for run in self.sim.workloads:
            workload = run.plan.workload
            if workload.id in measured:
                continue
            if workload.source.arrival == "trace":
                why = "its trace has no times in it"
            else:
                every = 1 / (run.plan.rate * run.plan.devices)
                why = f"the source makes one request every {every:.6g} s on average"
            notes.append(
                f"Workload {workload.id!r} made no requests in the measured window "
                f"({start:.6g}-{end:.6g} s): {why}; lengthen simulation.until or raise the rate."
            )
        return notes

    def node_summary(self) -> dict[str, dict[str, float]]:
        return node_utilisation(self.sim.plan, *self._window())


def tier_boundaries(
    plan: Any, created: Sequence[int], start: float, end: float
) -> dict[str, dict[str, Any]]:
    """Bytes per second across each tier boundary in [start, end], up and down (from the
    links' time bins), against sending every request's raw input to the cloud (``created``:
    per workload of the plan, the requests created in the window)."""
    first, last = int(start / plan.bin_s), int(np.ceil(end / plan.bin_s))
    duration = max(end - start, 1e-12)
    up = np.zeros(len(TIER_IDS) - 1)
    down = np.zeros(len(TIER_IDS) - 1)
    for info in plan.links:
        low, high = sorted(info.levels)
        if low == high:
            continue
        up[low - 1 : high - 1] += float(np.frombuffer(info.bins[0], dtype=float)[first:last].sum())
        down[low - 1 : high - 1] += float(
            np.frombuffer(info.bins[1], dtype=float)[first:last].sum()
        )
    raw = np.zeros(len(TIER_IDS) - 1)
    for workload, count in zip(plan.workloads, created, strict=True):
        raw[workload.source_level - 1 :] += count * workload.input_bytes
    summary = {}
    for i in range(len(TIER_IDS) - 1):
        saving = 1 - up[i] / raw[i] if raw[i] > 0 else None
        summary[boundary_name(i + 1)] = {
            "up_bytes_per_s": float(up[i] / duration),
            "down_bytes_per_s": float(down[i] / duration),
            "raw_to_cloud_bytes_per_s": float(raw[i] / duration),
            "saving_percent": None if saving is None else float(100 * saving),
        }
    return summary


def node_utilisation(plan: Any, start: float, end: float) -> dict[str, dict[str, float]]:
    """Per node, the share of its servers' time busy in [start, end] (from its time bins)."""
    first, last = int(start / plan.bin_s), int(np.ceil(end / plan.bin_s))
    duration = max(end - start, 1e-12)
    out = {}
    for info in plan.nodes:
        busy = float(np.frombuffer(info.bins, dtype=float)[first:last].sum())
        out[info.id] = {
            "utilisation": busy / (duration * info.servers * info.instances),
            "servers": info.servers,
            "instances": info.instances,
        }
    return out
