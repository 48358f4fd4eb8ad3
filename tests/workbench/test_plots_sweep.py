"""The Pareto figure's keyword options: only chosen workloads and axes (issue 15 item 5)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.loading import data_dir
from workbench.plots_sweep import pareto_figure
from workbench.scenario import load_scenario
from workbench.sweep import plan_sweep, run_sweep_here

GRID = {
    "links.wan.bandwidth": ["10 Mbit/s", "1 Gbit/s"],
    "placement.bearing-wear.correlate": ["line-gw", "plant-dc"],
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    factory = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    return run_sweep_here(plan_sweep(factory, GRID, estimate_only=True))


def test_chosen_workloads_and_axis_give_one_panel_each(table: pd.DataFrame) -> None:
    figure = pareto_figure(
        table,
        list(GRID),
        workloads=["visual-inspection", "bearing-wear"],
        axes=["cost_usd_per_month"],
    )
    fronts = [t for t in figure.data if t.name == "Pareto front"]
    assert len(fronts) == 2  # two workloads x one axis
    titles = [a.text for a in figure.layout.annotations if ": latency vs " in a.text]
    assert titles == ["visual-inspection: latency vs cost", "bearing-wear: latency vs cost"]
    slo_lines = [s for s in figure.layout.shapes if s.line.dash == "dash"]
    assert [round(s.y0) for s in slo_lines] == [50, 100]  # in the order asked for
    assert figure.layout.xaxis.title.text == "cost (USD per month)"
    assert "xaxis3" not in figure.layout  # no WAN-bytes column


def test_the_default_still_draws_every_workload_against_both_axes(table: pd.DataFrame) -> None:
    fronts = [t for t in pareto_figure(table, list(GRID)).data if t.name == "Pareto front"]
    assert len(fronts) == 4 * 2


def test_unknown_workload_or_axis_is_refused_by_name(table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no workload 'visual-inspektion'"):
        pareto_figure(table, list(GRID), workloads=["visual-inspektion"])
    with pytest.raises(ValueError, match="unknown axis 'latency'; choose from cost_usd_per_month"):
        pareto_figure(table, list(GRID), axes=["latency"])
