"""Fixtures for the widget tests, and the ``browser`` marker for the real-browser ones."""

from __future__ import annotations

import pytest

from widgets.measure import fleet_scenario
from workbench.scenario import Scenario, load_scenario

from ..conftest import SCENARIOS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: real-browser test (JupyterLab on loopback, Playwright on /usr/bin/chromium); "
        "select with -m browser, leave out with -m 'not browser'",
    )


@pytest.fixture
def live_factory() -> Scenario:
    """The factory scenario without its scripted WAN cut (tests fail links by clicking)."""
    scenario = load_scenario(SCENARIOS / "factory_floor.yaml")
    scenario.failures = []
    return scenario


@pytest.fixture(scope="session")
def fleet_1000() -> Scenario:
    """1,000 devices in 100 groups, one two-stage workload per group (do not change it)."""
    return fleet_scenario(1000)
