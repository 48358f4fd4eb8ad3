"""Small tables shaped as the issue-12 contract says (``Results.accuracy()`` with
``expected``, events, ``detections()``, ``decisions()``, ``rollouts()``, ``learning()``,
``summary()["learning"]``): one drift episode at plant-a, detected, retrained on plant-dc and
recovered, plus a false alarm before it. The plots and report tests draw from them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

ACCURACY_COLUMNS = [
    "t_s", "workload", "site", "version", "served", "labelled", "correct", "accuracy", "expected",
]  # fmt: skip
DETECTION_COLUMNS = ["t_s", "loop", "node", "detector", "stream", "false_alarm", "episode"]
DECISION_COLUMNS = [
    "t_s", "rollout", "decision", "n_old", "n_new", "accuracy_old", "accuracy_new",
    "statistic", "threshold",
]  # fmt: skip
ROLLOUT_COLUMNS = ["rollout", "version", "strategy", "start_s"]


def accuracy_table() -> pd.DataFrame:
    """plant-a drifts at 120 s (95 % -> 80 %) and recovers with defect-loop-r1 (95 %) at 300 s;
    plant-b never drifts; a second workload at plant-a must not count for 'inspect'."""
    rows = []
    for t in np.arange(0, 420, 60.0):
        drifted = 120 <= t < 300
        rows.append((t, "inspect", "plant-a", "defect-v1", 100, 25, 80 if drifted else 95,
                     0.8 if drifted else 0.95, 0.8 if drifted else 0.95))  # fmt: skip
        rows.append((t, "inspect", "plant-b", "defect-v1", 50, 10, 47, 0.94, 0.95))
        rows.append((t, "other", "plant-a", "other-v1", 10, 0, 1, 0.1, 0.1))
    # a canary bin: 90 of v1 (true 80 %) and 10 of the retrained version (true 95 %)
    rows.append((240.0, "inspect", "plant-a", "defect-loop-r1", 10, 3, 10, 1.0, 0.95))
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)


def events_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (120.0, "drift_start", "defect-loop", "new-supplier-parts"),
            (125.0, "fail", "wan", ""),
            (150.0, "detection", "defect-loop", ""),
            (165.0, "restore", "wan", ""),
            (180.0, "drift_full", "defect-loop", ""),
            (190.0, "samples_ready", "defect-loop", ""),
            (200.0, "upload_end", "defect-loop", ""),
            (200.0, "retrain_start", "defect-loop", "plant-dc"),
            (260.0, "retrain_end", "defect-loop", "plant-dc"),
            (330.0, "recovered", "defect-loop", ""),
        ],
        columns=["t_s", "kind", "element", "detail"],
    )


def detections_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (40.0, "defect-loop", "line-gw", "adwin", "errors", True, -1),
            (150.0, "defect-loop", "line-gw", "adwin", "errors", False, 1),
        ],
        columns=DETECTION_COLUMNS,
    )


def decisions_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (300.0, "defect-loop-r1", "promoted", 4000, 300, 0.8, 0.95, 5.1, 1.645),
            (90.0, "manual-canary", "rolled_back", 500, 500, 0.95, 0.85, -4.0, 1.645),
        ],
        columns=DECISION_COLUMNS,
    )


def rollouts_table() -> pd.DataFrame:
    return pd.DataFrame(
        [("defect-loop-r1", "defect-loop-r1", "canary", 262.0),
         ("manual-canary", "defect-v2", "canary", 20.0)],
        columns=ROLLOUT_COLUMNS,
    )  # fmt: skip


LEARNING = {
    "episodes": [
        {"loop": "defect-loop", "label_bytes_up_by_boundary": {
            "far_edge|aggregation_edge": 2.0e6, "aggregation_edge|on_prem": 4.4e9,
            "on_prem|telco_edge": 0.0}},
        {"loop": "defect-loop", "label_bytes_up_by_boundary": {
            "far_edge|aggregation_edge": 1.0e6}},
        {"loop": "cloud-loop", "label_bytes_up_by_boundary": {
            "far_edge|aggregation_edge": 3.0e6, "telco_edge|cloud": 4.4e9}},
    ],
    "loops": {"defect-loop": {}, "cloud-loop": {}, "quiet-loop": {}},
}  # fmt: skip


def episodes_table() -> pd.DataFrame:
    nan = math.nan
    return pd.DataFrame(
        [
            {"loop": "defect-loop", "episode": 1, "drift": "new-supplier-parts",
             "workload": "inspect", "sites": ["plant-a", "plant-b"], "drift_at_s": 120.0,
             "detected_at_s": 150.26, "retrain_start_s": 200.0, "retrain_end_s": 260.0,
             "recovered_at_s": 329.94, "time_to_detect_s": 30.26, "time_to_recover_s": 209.94,
             "wrong_predictions": 5321, "excess_wrong_predictions": 4099.85, "samples": 2000,
             "label_bytes_up": 4.4e9, "gpu_hours": 0.138888, "retrain_node": "plant-dc",
             "version": "defect-loop-r1", "rollout": "defect-loop-r1", "state": "recovered"},
            {"loop": "defect-loop", "episode": 2, "drift": "second", "workload": "inspect",
             "sites": ["plant-a"], "drift_at_s": 2000.0, "detected_at_s": nan,
             "retrain_start_s": nan, "retrain_end_s": nan, "recovered_at_s": nan,
             "time_to_detect_s": nan, "time_to_recover_s": nan, "wrong_predictions": 12,
             "excess_wrong_predictions": 3, "samples": 0, "label_bytes_up": 0.0,
             "gpu_hours": 0.0, "retrain_node": None, "version": None, "rollout": None,
             "state": "undetected"},
        ]
    )  # fmt: skip
