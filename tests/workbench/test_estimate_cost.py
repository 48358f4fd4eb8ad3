"""Cost and energy from the estimate: close to a run's, and the optimiser's per-workload
(marginal) pricing adds up to the whole design's."""

from __future__ import annotations

import pytest

from workbench.advisor import _Context
from workbench.estimate_cost import estimate_figures, run_figures
from workbench.loading import data_dir
from workbench.optimiser import _Marginal
from workbench.scenario import Scenario, load_scenario
from workbench.sim import simulate


@pytest.fixture(scope="module")
def factory() -> Scenario:
    return load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")


def test_the_estimates_cost_and_energy_match_a_run(factory: Scenario) -> None:
    estimated = estimate_figures(factory)
    measured = run_figures(simulate(factory, until=120, seed=3))
    for key in ("cost_usd_per_month", "average_power_w", "energy_kwh_per_month"):
        assert estimated[key] == pytest.approx(measured[key], rel=0.02), key


@pytest.mark.parametrize("objective", ["cost", "energy"])
def test_marginal_prices_add_up_to_the_design(factory: Scenario, objective: str) -> None:
    cat = factory.catalogue()
    ctx = _Context(factory, cat)
    marginal = _Marginal(factory, cat, ctx.topo, objective)  # type: ignore[arg-type]
    key = "cost_usd_per_month" if objective == "cost" else "average_power_w"
    fixed = estimate_figures(factory.model_copy(update={"workloads": [], "placement": {}}))[key]
    added = sum(
        marginal.of(w, tuple(factory.placement[k] for k in w.stage_keys()), 0.0)
        for w in factory.workloads
    )
    assert added > 0
    assert fixed + added == pytest.approx(estimate_figures(factory)[key], rel=1e-9)
