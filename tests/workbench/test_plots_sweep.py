"""The Pareto figure's keyword options: only chosen workloads and axes (issue 15 item 5)."""

from __future__ import annotations

import math

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


def test_axes_read_in_units_a_person_reads(table: pd.DataFrame) -> None:
    """Latency on a log axis in ms/s, WAN traffic in B/s..MB/s, cost in dollars: no SI prefix."""
    figure = pareto_figure(table, list(GRID), workloads=["defect-upload"])
    latency, wan, cost = figure.layout.yaxis, figure.layout.xaxis2, figure.layout.xaxis
    assert latency.type == "log" and latency.title.text == "mean latency, estimated (log scale)"
    assert all(t.endswith((" ms", " s")) for t in latency.ticktext)
    assert not any(c.isalpha() and c not in "ms" for t in latency.ticktext for c in t)
    slo_ms = 5000
    assert 10 ** latency.range[0] < slo_ms < 10 ** latency.range[1]
    means = table["defect-upload.latency_mean_s"] * 1e3
    finite = means[means.map(math.isfinite)]
    assert 10 ** latency.range[1] > finite.max() and 10 ** latency.range[0] < finite.min()
    # The 10 Mbit/s designs overload the WAN (no steady state): drawn at the top, not lost.
    overloaded = [t for t in figure.data if t.name == "overloaded (its queues grow)"]
    assert len(overloaded) == 2 and len(overloaded[0].x) == (~means.map(math.isfinite)).sum() == 2
    assert all(latency.range[1] - 0.1 < math.log10(v) < latency.range[1] for v in overloaded[0].y)
    assert all("no steady state" in h for h in overloaded[0].text)
    assert wan.ticktext[0] == "0 B/s" and all(t.endswith("B/s") for t in wan.ticktext)
    assert wan.tickvals[-1] >= table["wan_bytes_per_s"].max()
    assert cost.tickprefix == "$" and cost.exponentformat == "none"
    labels = [a for a in figure.layout.annotations if a.text.startswith("SLO")]
    assert [a.text for a in labels] == ["SLO 5 s", "SLO 5 s"]
    assert all(a.y == pytest.approx(3.69897) for a in labels)  # log10(5000 ms) on a log axis
    bearing = pareto_figure(
        table, list(GRID), workloads=["bearing-wear"], axes=["cost_usd_per_month"]
    )
    assert [a.text for a in bearing.layout.annotations if a.text.startswith("SLO")] == [
        "SLO 100 ms"
    ]
    hovers = next(t for t in figure.data if t.name == "Pareto front").text
    assert all("a month" in h and ("ms" in h or " s" in h) for h in hovers)


def test_when_no_design_meets_every_slo_the_figure_and_page_say_so(
    table: pd.DataFrame,
) -> None:
    from workbench.plots_sweep import pareto_page
    from workbench.scenario import load_scenario

    hopeless = table.copy()
    hopeless["all_slos_met"] = False
    hopeless["defect-upload.meets_slo"] = False
    figure = pareto_figure(hopeless, list(GRID))
    names = {t.name for t in figure.data}
    assert "Pareto front (no design meets every SLO)" in names and "Pareto front" not in names
    plan = plan_sweep(
        load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), GRID, estimate_only=True
    )
    page = pareto_page(hopeless, plan)
    assert "No design meets every SLO" in page
    assert "<th>misses</th>" in page and page.count("<td>defect-upload") == len(hopeless)
    happy = pareto_page(table, plan)
    assert "No design meets every SLO" not in happy
    assert "the green line joins the designs that meet every SLO" in happy
