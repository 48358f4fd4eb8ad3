"""Result tables of the learning loop, built from a run's state (see workbench.sim.results).

Times past the results' ``now_s`` are NaN (None in the summary), as in the other tables.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..catalogue import TIER_IDS
from ..control.versions import NONE
from .episodes import Episode

if TYPE_CHECKING:
    from ..sim.engine import Simulation
    from .learning import Learning
    from .loops import LoopRun

DETECTIONS = ["t_s", "loop", "node", "detector", "stream", "false_alarm", "episode"]
LEARNING = [
    "loop",
    "episode",
    "drift",
    "workload",
    "sites",
    "drift_at_s",
    "detected_at_s",
    "retrain_start_s",
    "retrain_end_s",
    "recovered_at_s",
    "time_to_detect_s",
    "time_to_recover_s",
    "wrong_predictions",
    "excess_wrong_predictions",
    "samples",
    "label_bytes_up",
    "gpu_hours",
    "retrain_node",
    "version",
    "rollout",
    "state",
]
_SUMMARY_KEYS = [
    "loop",
    "drift",
    "workload",
    "sites",
    "drift_at_s",
    "detected_at_s",
    "retrain_start_s",
    "retrain_end_s",
    "recovered_at_s",
    "time_to_detect_s",
    "time_to_recover_s",
    "wrong_predictions",
    "excess_wrong_predictions",
    "label_bytes_up",
    "label_bytes_up_by_boundary",
    "gpu_hours",
    "retrain_node",
    "version",
    "rollout",
    "state",
]


def _until(value: float, now: float) -> float:
    return value if value <= now else math.nan


def detections(learning: Learning, now: float) -> pd.DataFrame:
    """Every detection of every loop: [t_s, loop, node, detector, stream, false_alarm,
    episode] (false_alarm: no drift of the loop's workload was under way at its sites)."""
    rows = [
        (
            t,
            loop.loop.id,
            loop.detector_node,
            loop.loop.detector.kind,
            loop.stream,
            false_alarm,
            number if number > 0 else pd.NA,
        )
        for loop in learning.loops
        for t, false_alarm, number in loop.detections
        if t <= now
    ]
    table = pd.DataFrame(rows, columns=DETECTIONS)
    table["false_alarm"] = table["false_alarm"].astype(bool)
    table["episode"] = table["episode"].astype("Int64")
    return table


def _state(episode: Episode, now: float) -> str:
    """The episode's state at ``now`` (the run may be read before its end)."""
    steps = [
        ("recovered", episode.recovered_at_s),
        ("rolling_out", episode.retrain_end_s),
        ("retraining", episode.upload_end_s),
        ("uploading", episode.samples_ready_s),
        ("waiting_for_samples", episode.trigger_s),
    ]
    if episode.state == "refused" and episode.samples_ready_s <= now:
        return "refused"
    if episode.state == "rolled_back" and episode.retrain_end_s <= now:
        return episode.state if _rollout_over(episode, now) else "rolling_out"
    for state, since in steps:
        if since <= now:
            return state
    return "undetected"


def _rollout_over(episode: Episode, now: float) -> bool:
    """Whether the episode's rollout had ended (rolled back) by ``now``."""
    return not math.isnan(episode.rollout_end_s) and episode.rollout_end_s <= now


def _boundaries(sim: Simulation, by_link: dict[int, float]) -> dict[str, float]:
    out = {f"{TIER_IDS[i]}|{TIER_IDS[i + 1]}": 0.0 for i in range(len(TIER_IDS) - 1)}
    for link, size in by_link.items():
        low, high = sorted(sim.plan.links[link].levels)
        for level in range(low, high):
            out[f"{TIER_IDS[level - 1]}|{TIER_IDS[level]}"] += size
    return out


def _episode_end(episode: Episode, now: float) -> float:
    recovered = _until(episode.recovered_at_s, now)
    return now if math.isnan(recovered) else recovered


def label_bytes(
    learning: Learning, loop: LoopRun, episode: Episode | None, now: float
) -> dict[int, float]:
    """Bytes per link of the loop's label messages (every hop) in the episode's window (the
    whole run when ``episode`` is None) and of its training samples' upload."""
    start, end = (0.0, now) if episode is None else (episode.start_s, _episode_end(episode, now))
    by_link: dict[int, float] = {}
    for t, index, link, size in learning.label_hops:
        if index == loop.workload_index and start <= t <= end:
            by_link[link] = by_link.get(link, 0.0) + size
    episodes = loop.episodes if episode is None else [episode]
    for job in loop.jobs:
        if job.episode in episodes and job.transfer is not None:
            for link, size in job.transfer.by_link.items():
                by_link[link] = by_link.get(link, 0.0) + size
    return by_link


def _wrong(sim: Simulation, loop: LoopRun, episode: Episode, now: float) -> tuple[int, float]:
    """Wrong predictions of the loop's workload at the episode's sites served during the
    episode (drift or trigger -> recovery or now), and their excess over what the same
    requests would have cost without drift."""
    from ..control.tables import _judged

    learning = sim.control.learning
    run = sim.workloads[loop.workload_index]
    judged = _judged(sim.control, loop.workload_index, run.n, now)
    record = learning.records.get(loop.workload_index)
    if judged is None or record is None or math.isnan(episode.start_s):
        return 0, 0.0
    sites = np.array([n.site or "" for n in sim.scenario.nodes], dtype=object)
    node = judged["node"]
    at_site = np.isin(sites[np.maximum(node, 0)], episode.sites) & (node >= 0)
    served = judged["served_s"]
    end = _episode_end(episode, now)
    inside = (judged["version"] != NONE) & at_site & (served >= episode.start_s) & (served <= end)
    wrong = int((inside & (judged["correct"] == 0)).sum())
    have = min(run.n, len(record.base))
    base = np.full(run.n, np.nan)
    base[:have] = np.frombuffer(record.base, dtype=float, count=have)
    expected_wrong = float(np.nansum(1.0 - base[inside]))
    return wrong, wrong - expected_wrong


def _rows(sim: Simulation, now: float) -> list[tuple[LoopRun, Episode, dict[str, Any]]]:
    learning = sim.control.learning
    out = []
    for loop in learning.loops:
        for episode in loop.episodes:
            drift_at = _until(episode.drift_at_s, now)
            if math.isnan(drift_at) and not episode.trigger_s <= now:
                continue  # not begun yet
            detected = _until(episode.detected_at_s, now)
            recovered = _until(episode.recovered_at_s, now)
            wrong, excess = _wrong(sim, loop, episode, now)
            by_link = label_bytes(learning, loop, episode, now)
            retrained = _until(episode.retrain_end_s, now)
            out.append(
                (
                    loop,
                    episode,
                    {
                        "loop": loop.loop.id,
                        "episode": episode.number,
                        "drift": episode.drift,
                        "workload": episode.workload,
                        "sites": ",".join(episode.sites),
                        "drift_at_s": drift_at,
                        "detected_at_s": detected,
                        "retrain_start_s": _until(episode.retrain_start_s, now),
                        "retrain_end_s": retrained,
                        "recovered_at_s": recovered,
                        "time_to_detect_s": detected - drift_at,
                        "time_to_recover_s": recovered - drift_at,
                        "wrong_predictions": wrong,
                        "excess_wrong_predictions": excess,
                        "samples": episode.samples,
                        "label_bytes_up": float(sum(by_link.values())),
                        "label_bytes_up_by_boundary": _boundaries(sim, by_link),
                        "gpu_hours": episode.gpu_s / 3600.0 if not math.isnan(retrained) else 0.0,
                        "retrain_node": loop.loop.retrain.node,
                        "version": episode.version if not math.isnan(retrained) else "",
                        "rollout": episode.rollout if not math.isnan(retrained) else "",
                        "state": _state(episode, now),
                    },
                )
            )
    return out


def learning_table(sim: Simulation, now: float) -> pd.DataFrame:
    """One row per episode (columns :data:`LEARNING`)."""
    rows = [row for _, _, row in _rows(sim, now)]
    return pd.DataFrame(rows, columns=LEARNING)


def _json(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def summary_learning(sim: Simulation, now: float) -> dict[str, Any]:
    """The summary's ``learning`` section: episodes and loops (see the README)."""
    learning = sim.control.learning
    episodes = []
    for _, _, row in _rows(sim, now):
        item = {key: _json(row[key]) for key in _SUMMARY_KEYS}
        item["sites"] = row["sites"].split(",") if row["sites"] else []
        episodes.append(item)
    loops: dict[str, Any] = {}
    for loop in learning.loops:
        found = [d for d in loop.detections if d[0] <= now]
        by_link = label_bytes(learning, loop, None, now)
        loops[loop.loop.id] = {
            "detector": loop.loop.detector.kind,
            "stream": loop.stream,
            "node": loop.detector_node,
            "detections": len(found),
            "false_alarms": sum(1 for d in found if d[1]),
            "retrainings": sum(1 for e in loop.episodes if e.retrain_start_s <= now),
            "label_bytes_up": float(sum(by_link.values())),
            "gpu_hours": sum(e.gpu_s for e in loop.episodes if e.retrain_end_s <= now) / 3600,
        }
    return {"episodes": episodes, "loops": loops}


def episode_lines(summary: dict[str, Any]) -> list[str]:
    """One line per episode for `workbench run`: detected, retrained, recovered, cost."""
    section = summary.get("learning") or {}
    episodes = section.get("episodes") or []
    if not episodes:
        return []

    def at(value: Any) -> str:
        return "-" if value is None else f"{value:.0f} s"

    lines = ["", "learning episodes (summary.json 'learning'):"]
    for e in episodes:
        lines.append(
            f"  {e['loop']} ({e['drift'] or 'no drift'}): drift {at(e['drift_at_s'])}, "
            f"detected {at(e['detected_at_s'])}, retrained {at(e['retrain_end_s'])} on "
            f"{e['retrain_node']}, recovered {at(e['recovered_at_s'])} [{e['state']}]; "
            f"{e['wrong_predictions']:,} wrong predictions ({e['excess_wrong_predictions']:,.0f}"
            f" more than without drift); {e['label_bytes_up'] / 1e6:,.1f} MB of labels and "
            f"samples up; {e['gpu_hours'] * 3600:,.1f} GPU-seconds"
        )
    return lines
