"""An episode of a learning loop: from a drift (or a trigger) to recovery.

States, in order: ``undetected`` (a drift is under way, no trigger yet), ``waiting_for_samples``
(labelled samples arriving at the detector node after the trigger are counted),
``uploading`` (the samples travel up to the retrain node), ``retraining`` (the job holds its
GPUs), ``rolling_out`` (the new version goes down by the loop's rollout), ``recovered`` (the
expected accuracy of what serves the loop's sites is back within ``tolerance`` of the
pre-drift one). ``rolled_back``: the rollout's canary refused the new version (the episode
ends unrecovered; a later trigger may start another). ``refused``: the engine would not send
the samples above the tier their data class allows (validation rules this out for scenarios;
a live change could ask for it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STATES = (
    "undetected",
    "waiting_for_samples",
    "uploading",
    "retraining",
    "rolling_out",
    "recovered",
    "rolled_back",
    "refused",
)
NAN = math.nan


@dataclass
class Episode:
    """One episode of one loop (times in simulated seconds, NaN until reached)."""

    loop: str
    number: int
    drift: str | None
    workload: str
    sites: list[str]
    pre_accuracy: float  # expected accuracy of what served the sites before the drift
    drift_at_s: float = NAN
    detected_at_s: float = NAN
    trigger_s: float = NAN  # detection or schedule time that started the retraining
    samples_ready_s: float = NAN
    upload_start_s: float = NAN
    upload_end_s: float = NAN
    retrain_start_s: float = NAN
    retrain_end_s: float = NAN
    recovered_at_s: float = NAN
    rollout_end_s: float = NAN  # when a rolled-back rollout ended
    samples: int = 0  # labelled samples counted after the trigger
    upload_bytes: float = 0.0
    upload_by_link: dict[int, float] = field(default_factory=dict)
    gpu_s: float = 0.0  # card-seconds of training
    version: str = ""
    rollout: str = ""
    targets: list[str] = field(default_factory=list)
    state: str = "undetected"

    @property
    def start_s(self) -> float:
        """When the episode began: the drift, else the trigger."""
        return self.trigger_s if math.isnan(self.drift_at_s) else self.drift_at_s

    @property
    def open(self) -> bool:
        """Still running (a new trigger does not start another retraining meanwhile)."""
        return self.state not in ("recovered", "rolled_back", "refused")
