"""Scenarios shared by the control-plane tests."""

from __future__ import annotations

from typing import Any

from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario

BAD = data_dir() / "scenarios" / "factory_bad_rollout.yaml"


def bad_rollout() -> Scenario:
    return load_scenario(BAD)


def inspection_only(**rollout: Any) -> Scenario:
    """factory_bad_rollout with the inspection workload alone, no WAN cut, the rollout at 0 s
    (with ``rollout`` fields replaced): quick to run many times."""
    s = bad_rollout()
    s = s.model_copy(
        update={
            "workloads": [w for w in s.workloads if w.id == "visual-inspection"],
            "placement": {
                k: v for k, v in s.placement.items() if k.startswith("visual-inspection.")
            },
            "failures": [],
        }
    )
    data = s.rollouts[0].model_dump() | {"start_s": 0.0} | rollout
    s.rollouts = [type(s.rollouts[0]).model_validate(data)]
    return s
