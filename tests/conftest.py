"""Shared fixtures: paths to the shipped data and the example scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
BROKEN = ROOT / "tests" / "data" / "broken"


@pytest.fixture
def factory() -> Scenario:
    """A fresh copy of the factory-floor example (tests may change it)."""
    return load_scenario(SCENARIOS / "factory_floor.yaml")
