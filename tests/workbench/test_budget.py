"""Runs are sized before they start: too large is refused (unless forced), bad arguments too."""

from __future__ import annotations

import math

import pytest

from workbench.budget import MAX_EVENTS, estimate_run
from workbench.errors import RunArgumentError, ScenarioError
from workbench.scenario import Flow, Scenario
from workbench.sim import Simulation, simulate


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"until": math.inf}, "inf is not a run length; give a positive number of seconds"),
        ({"until": math.nan}, "nan is not a run length"),
        ({"until": -5}, "-5 is not a run length"),
        ({"bin_s": 0}, "0 is not a bin width; give a positive number of seconds"),
        ({"seed": -1}, "-1 is not a seed; give a whole number 0 or more"),
    ],
)
def test_bad_run_arguments_are_one_clear_sentence(
    factory: Scenario, kwargs: dict[str, float], words: str
) -> None:
    with pytest.raises(RunArgumentError, match=words) as info:
        Simulation(factory, **kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)  # also what Python users expect


def test_a_million_devices_at_1_khz_are_refused_before_anything_is_built(
    factory: Scenario,
) -> None:
    factory.nodes[0].count = 1_000_000
    factory.workloads[0].source.rate = 1000.0
    estimate = estimate_run(factory, until_s=600)
    assert estimate.requests == pytest.approx(6e11, rel=1e-3)
    assert estimate.events > MAX_EVENTS and not estimate.within_limits
    with pytest.raises(ScenarioError, match=r"simulation.until: this run of 600 simulated") as info:
        simulate(factory, until=600)
    assert "or force it (--force, or force=True)" in str(info.value)


def test_a_flow_every_millisecond_for_a_week_is_refused(factory: Scenario) -> None:
    factory.flows = [
        Flow(id="push", origin="cloud", targets=["cameras"], size_bytes=1e6, every_s=1e-3)
    ]
    estimate = estimate_run(factory, until_s=7 * 86400)
    assert estimate.transfers == pytest.approx(8 * 7 * 86400 * 1000, rel=1e-6)
    with pytest.raises(ScenarioError, match="over the limits"):
        Simulation(factory, until=7 * 86400)


def test_force_runs_past_the_limits(factory: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    import workbench.budget as budget

    monkeypatch.setattr(budget, "MAX_EVENTS", 10)
    with pytest.raises(ScenarioError, match="over the limits"):
        simulate(factory, until=5)
    result = simulate(factory, until=5, force=True)
    assert len(result.requests) > 0


def test_the_estimate_is_near_the_requests_a_run_makes(factory: Scenario) -> None:
    estimate = estimate_run(factory, until_s=60)
    made = len(simulate(factory, until=60).requests)
    assert 0.8 < estimate.requests / made < 1.25
