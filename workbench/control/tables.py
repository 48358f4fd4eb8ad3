"""Result tables of the control plane, built from a run's state (see workbench.sim.results).

Times past the results' ``now_s`` are left out (or NaN), as in the other tables.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..catalogue import TIER_IDS
from .versions import NONE

if TYPE_CHECKING:
    from ..sim.engine import Simulation
    from .control import Control

TIMELINE = ["node", "model", "version", "start_s", "end_s", "share"]
ACCURACY = ["t_s", "workload", "site", "version", "served", "labelled", "correct", "accuracy"]
ROLLOUTS = [
    "rollout",
    "version",
    "strategy",
    "decision",
    "start_s",
    "end_s",
    "duration_s",
    "time_to_decide_s",
    "bytes_down",
    "nodes_targeted",
    "nodes_reached",
    "wrong_predictions",
]
TRANSFERS = ["rollout", "node", "instance", "start_s", "end_s", "bytes", "pauses", "state"]
DECISIONS = [
    "t_s",
    "rollout",
    "decision",
    "n_old",
    "n_new",
    "accuracy_old",
    "accuracy_new",
    "statistic",
    "threshold",
]


def _judged(control: Control, index: int, n: int, now: float) -> dict[str, np.ndarray] | None:
    """The judge's arrays of workload ``index`` for its first ``n`` requests, with what was
    served after ``now`` left out (version -1, correct -1)."""
    judge = control.judges.get(index)
    if judge is None:
        return None
    have = min(n, len(judge.version))
    version = np.full(n, NONE, dtype=np.int16)
    correct = np.full(n, -1, dtype=np.int8)
    served = np.full(n, np.nan)
    node = np.full(n, -1, dtype=np.int16)
    labelled = np.zeros(n, dtype=bool)
    version[:have] = np.frombuffer(judge.version, dtype=np.int16, count=have)
    correct[:have] = np.frombuffer(judge.correct, dtype=np.int8, count=have)
    served[:have] = np.frombuffer(judge.served_at, dtype=float, count=have)
    node[:have] = np.frombuffer(judge.node, dtype=np.int16, count=have)
    labelled[:have] = np.frombuffer(judge.labelled, dtype=np.int8, count=have).astype(bool)
    late = ~(served <= now)
    version[late] = NONE
    correct[late] = -1
    return {
        "version": version,
        "correct": correct,
        "served_s": served,
        "node": node,
        "labelled": labelled & ~late,
    }


def request_columns(control: Control, run: Any, n: int, now: float) -> dict[str, Any]:
    """``version`` (category; '' when not judged) and ``correct`` (nullable boolean) per
    request of ``run``."""
    names = control.version_names()
    judged = _judged(control, run.plan.index, n, now)
    if judged is None:
        version = np.full(n, NONE, dtype=np.int16)
        correct = np.full(n, -1, dtype=np.int8)
    else:
        version, correct = judged["version"], judged["correct"]
    codes = np.where(version == NONE, 0, version + 1)
    columns = {
        "version": pd.Categorical.from_codes(codes, categories=["", *names]),
        "correct": pd.array(
            [None if c < 0 else bool(c) for c in correct.tolist()], dtype="boolean"
        ),
    }
    if control.learning is not None:  # drift or learning: the per-request input statistic
        created = np.frombuffer(run.created, dtype=float, count=n)
        world = control.learning.world
        columns["feature"] = world.features(run.plan.index, run.plan.workload.id, created)
    return columns


def step_columns(sim: Simulation, completed: pd.DataFrame) -> None:
    """Add ``version`` and ``correct`` to a step report's completed requests (in place)."""
    control = sim.control
    names = ["", *control.version_names()]
    version = np.full(len(completed), NONE, dtype=np.int64)
    correct = np.full(len(completed), -1, dtype=np.int8)
    workloads = completed["workload"].astype(str).to_numpy()
    requests = completed["request"].to_numpy()
    for run in sim.workloads:
        judge = control.judges.get(run.plan.index)
        if judge is None:
            continue
        rows = np.flatnonzero(workloads == run.plan.workload.id)
        have = len(judge.version)
        reqs = requests[rows]
        inside = reqs < have
        rows, reqs = rows[inside], reqs[inside]
        version[rows] = np.frombuffer(judge.version, dtype=np.int16, count=have)[reqs]
        correct[rows] = np.frombuffer(judge.correct, dtype=np.int8, count=have)[reqs]
    completed["version"] = pd.Categorical.from_codes(version + 1, categories=names)
    completed["correct"] = pd.array(
        [None if c < 0 else bool(c) for c in correct.tolist()], dtype="boolean"
    )


def version_timeline(control: Control, now: float) -> pd.DataFrame:
    """Per node and model, which versions serve when, and the share of requests each serves
    (averaged over a node group's instances; below 1 while a canary or A/B test runs)."""
    book = control.book
    history = sorted((h for h in book.history if h[0] <= now), key=lambda h: (h[1], h[3], h[0]))
    rows: list[tuple[Any, ...]] = []
    groups: dict[tuple[str, str], list[tuple[float, int, int, int, float]]] = {}
    for t, node, instance, model, active, candidate, share in history:
        groups.setdefault((node, model), []).append((t, instance, active, candidate, share))
    for (node, model), changes in groups.items():
        count = control.instances[node]
        state: dict[int, tuple[int, int, float]] = {}
        open_rows: dict[int, tuple[float, float]] = {}  # version -> (start, share)
        i = 0
        while i < len(changes):
            t = changes[i][0]
            while i < len(changes) and changes[i][0] == t:
                _, instance, active, candidate, share = changes[i]
                state[instance] = (active, candidate, share)
                i += 1
            mix: dict[int, float] = {}
            for active, candidate, share in state.values():
                if candidate != NONE:
                    mix[candidate] = mix.get(candidate, 0.0) + share / count
                    mix[active] = mix.get(active, 0.0) + (1 - share) / count
                elif active != NONE:
                    mix[active] = mix.get(active, 0.0) + 1 / count
            for version in list(open_rows):
                start, share = open_rows[version]
                if not math.isclose(mix.get(version, 0.0), share):
                    rows.append((node, model, book.label(version), start, t, share))
                    del open_rows[version]
            for version, share in mix.items():
                if version not in open_rows and share > 0:
                    open_rows[version] = (t, share)
        for version, (start, share) in open_rows.items():
            rows.append((node, model, book.label(version), start, now, share))
    table = pd.DataFrame(rows, columns=TIMELINE)
    return table.sort_values(["node", "start_s", "version"], ignore_index=True)


def accuracy(sim: Simulation, now: float, bin_s: float) -> pd.DataFrame:
    """Per time bin (of the time the prediction was made), workload, site and version:
    requests served, labelled, correct, and the accuracy (correct / served); with drift or
    learning loops also ``expected``, the mean true accuracy of those predictions."""
    control = sim.control
    names = control.version_names()
    sites = [n.site or "" for n in sim.scenario.nodes]
    learning = control.learning
    frames = []
    for run in sim.workloads:
        judged = _judged(control, run.plan.index, run.n, now)
        if judged is None:
            continue
        keep = judged["version"] != NONE
        if not keep.any():
            continue
        frame = pd.DataFrame(
            {
                "t_s": np.floor(judged["served_s"][keep] / bin_s) * bin_s,
                "workload": run.plan.workload.id,
                "site": np.array(sites, dtype=object)[judged["node"][keep]],
                "version": np.array(names, dtype=object)[judged["version"][keep]],
                "labelled": judged["labelled"][keep].astype(int),
                "correct": (judged["correct"][keep] == 1).astype(int),
            }
        )
        if learning is not None:
            frame["expected"] = _truth(learning, run.plan.index, run.n)[keep]
        frames.append(frame)
    columns = [*ACCURACY, "expected"] if learning is not None else ACCURACY
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float if c in ("t_s", "accuracy", "expected") else object)
                for c in columns
            }
        )
    data = pd.concat(frames, ignore_index=True)
    data["served"] = 1
    groups = data.groupby(["t_s", "workload", "site", "version"], as_index=False, sort=True)
    table = groups[["served", "labelled", "correct"]].sum()
    table["accuracy"] = table["correct"] / table["served"]
    if learning is not None:
        table["expected"] = groups["expected"].mean()["expected"].to_numpy()
    return table[columns]


def _truth(learning: Any, index: int, n: int) -> np.ndarray:
    """The true accuracy of each of the first ``n`` requests' predictions (NaN: not judged)."""
    out = np.full(n, np.nan)
    record = learning.records.get(index)
    if record is not None:
        have = min(n, len(record.truth))
        out[:have] = np.frombuffer(record.truth, dtype=float, count=have)
    return out


def _boundaries(sim: Simulation, by_link: dict[int, float]) -> dict[str, float]:
    out = {f"{TIER_IDS[i]}|{TIER_IDS[i + 1]}": 0.0 for i in range(len(TIER_IDS) - 1)}
    for link, size in by_link.items():
        low, high = sorted(sim.plan.links[link].levels)
        for level in range(low, high):
            out[f"{TIER_IDS[level - 1]}|{TIER_IDS[level]}"] += size
    return out


def bytes_by_boundary(sim: Simulation, run: Any) -> dict[str, float]:
    """Bytes a rollout's transfers put across each tier boundary (every attempt counted)."""
    by_link: dict[int, float] = {}
    for transfer in run.transfers:
        for link, size in transfer.by_link.items():
            by_link[link] = by_link.get(link, 0.0) + size
    return _boundaries(sim, by_link)


def _wrong(sim: Simulation, run: Any, now: float) -> int:
    control = sim.control
    wrong = 0
    for workload in sim.workloads:
        judged = _judged(control, workload.plan.index, workload.n, now)
        if judged is None:
            continue
        mine = (judged["version"] == run.version.index) & (judged["served_s"] >= run.start_s)
        wrong += int((mine & (judged["correct"] == 0)).sum())
    return wrong


def _reached(run: Any) -> int:
    done: dict[str, int] = {}
    for transfer in run.transfers:
        if transfer.state == "done":
            done[transfer.node] = done.get(transfer.node, 0) + 1
    return sum(1 for node, count in done.items() if count == run.control.instances[node])


def _until(value: float, now: float) -> float:
    return value if value <= now else math.nan


def rollouts(sim: Simulation, now: float) -> pd.DataFrame:
    """One row per rollout (started or not)."""
    rows = []
    for run in sim.control.rollouts:
        start = _until(run.start_s, now)
        end = _until(run.end_s, now)
        decided = _until(run.decided_s, now)
        decision = "incomplete" if math.isnan(end) else run.decision
        rows.append(
            (
                run.rollout.id,
                run.version.id,
                run.rollout.strategy,
                decision,
                start,
                end,
                end - start,
                decided - start,
                float(sum(t.sent for t in run.transfers)),
                len(run.targets),
                _reached(run),
                _wrong(sim, run, now) if not math.isnan(start) else 0,
            )
        )
    return pd.DataFrame(rows, columns=ROLLOUTS)


def transfers(sim: Simulation, now: float) -> pd.DataFrame:
    """One row per checkpoint transfer (rollout, node instance)."""
    rows = [
        (
            run.rollout.id,
            t.node,
            t.instance,
            t.start_s,
            _until(t.end_s, now),
            t.delivered,
            t.pauses,
            t.state,
        )
        for run in sim.control.rollouts
        for t in run.transfers
    ]
    return pd.DataFrame(rows, columns=TRANSFERS)


def decisions(sim: Simulation, now: float) -> pd.DataFrame:
    """Every decision with its evidence."""
    rows = [
        (
            t,
            rollout,
            decision,
            e.n_old,
            e.n_new,
            e.accuracy_old,
            e.accuracy_new,
            e.statistic,
            e.threshold,
        )
        for t, rollout, decision, e in sim.control.decisions
        if t <= now
    ]
    return pd.DataFrame(rows, columns=DECISIONS)


def summary_versions(sim: Simulation) -> dict[str, dict[str, Any]]:
    """Per node with versions: the version most of its instances serve, and the most switches
    one instance made (summary key ``versions``)."""
    book = sim.control.book
    active = book.active_by_node()
    switches: dict[str, int] = {}
    for (node, _, _), slot in book.slots.items():
        switches[node] = max(switches.get(node, 0), slot.switches)
    return {
        node: {"version": active.get(node, ""), "switches": switches.get(node, 0)}
        for node in sorted(set(active) | set(switches))
    }


def summary_rollouts(sim: Simulation, now: float) -> dict[str, dict[str, Any]]:
    """Per rollout: strategy, decision, bytes, duration, wrong predictions (key ``rollouts``)."""
    table = rollouts(sim, now)
    out: dict[str, dict[str, Any]] = {}
    for row, run in zip(table.itertuples(index=False), sim.control.rollouts, strict=True):
        out[row.rollout] = {
            "strategy": row.strategy,
            "decision": row.decision,
            "bytes_down": row.bytes_down,
            "bytes_down_by_boundary": bytes_by_boundary(sim, run),
            "duration_s": None if math.isnan(row.duration_s) else row.duration_s,
            "wrong_predictions": int(row.wrong_predictions),
            "time_to_decide_s": None if math.isnan(row.time_to_decide_s) else row.time_to_decide_s,
            "nodes_targeted": int(row.nodes_targeted),
            "nodes_reached": int(row.nodes_reached),
        }
    return out
