"""Shared scenarios of the learning-loop tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario

DRIFT = data_dir() / "scenarios" / "factory_drift.yaml"


def drift_scenario() -> Scenario:
    return load_scenario(Path(DRIFT))


def inspection_only(scenario: Scenario) -> Scenario:
    """The scenario with the inspection workload alone and no WAN cut (faster runs)."""
    s = scenario.model_copy(deep=True)
    s.workloads = [w for w in s.workloads if w.id == "visual-inspection"]
    s.placement = {k: v for k, v in s.placement.items() if k.startswith("visual-inspection.")}
    s.failures = []
    return s


@pytest.fixture
def scenario() -> Scenario:
    return drift_scenario()
