"""One failure semantics: a node failed live (``Simulation.fail``, what a click on the canvas
calls) is the same thing as the same node failure in the scenario's schedule."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.loading import data_dir
from workbench.scenario import Failure, Scenario, load_scenario
from workbench.sim import Simulation, simulate

START, DURATION, UNTIL = 100.0, 60.0, 240.0
LINE_GW_LINKS = ["vib-lan", "cam-lan", "plant-lan"]


@pytest.fixture
def factory() -> Scenario:
    scenario = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    scenario.failures = []
    return scenario


def test_live_node_failure_takes_its_links_down_and_back(factory: Scenario) -> None:
    scripted = factory.model_copy(
        update={"failures": [Failure(node="line-gw", at_s=START, duration_s=DURATION)]}
    )
    sim = Simulation(scripted, until=UNTIL, seed=1)
    sim.advance(to=START + 1)
    expected = sim.failed()
    assert sorted(expected) == sorted([*LINE_GW_LINKS, "line-gw"])

    live = Simulation(factory, until=UNTIL, seed=1)
    live.advance(to=START + 1)
    live.fail("line-gw")
    assert live.failed() == expected  # before: ['line-gw'] alone
    assert live.failed_by_hand() == ["line-gw"]
    live.restore("line-gw")
    assert live.failed() == []


def test_restore_keeps_a_link_down_for_another_reason(factory: Scenario) -> None:
    sim = Simulation(factory, until=UNTIL, seed=1)
    sim.advance(to=10)
    sim.fail("plant-lan")
    sim.fail("line-gw")
    sim.restore("line-gw")
    assert sim.failed() == ["plant-lan"]
    sim.restore("plant-lan")
    assert sim.failed() == []


def _outcomes(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["workload", "request", "device", "created_s", "end_s", "outcome", "served_at"]
    return table[columns].reset_index(drop=True)


def test_scripted_and_live_outages_give_the_same_outcomes(factory: Scenario) -> None:
    """Before: during the live outage 139 of 139 defect uploads went through the dead gateway
    and visual inspection had 2,163 dropped_node_down that the scripted failure serves by
    fallback."""
    scripted = factory.model_copy(
        update={"failures": [Failure(node="line-gw", at_s=START, duration_s=DURATION)]}
    )
    expected = simulate(scripted, until=UNTIL, seed=1, engine="reference")  # as live runs

    sim = Simulation(factory, until=UNTIL, seed=1)
    sim.advance(to=START)
    sim.fail("line-gw")
    sim.advance(to=START + DURATION)
    sim.restore("line-gw")
    live = sim.run()

    a, b = _outcomes(expected.requests), _outcomes(live.requests)
    counts = a.groupby(["workload", "outcome"], observed=True).size()
    assert counts.get(("visual-inspection", "fallback"), 0) > 1000
    assert counts.get(("visual-inspection", "dropped_node_down"), 0) < 100
    pd.testing.assert_frame_equal(a, b)
    assert expected.accounting() == live.accounting()
    pd.testing.assert_frame_equal(expected.links, live.links)
