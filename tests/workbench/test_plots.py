"""The figures: tier bands, topology lanes, links and counts, and the advice grid."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from typing import Any

import plotly.graph_objects as go
import pytest

from workbench import plots
from workbench.advisor import StageAdvice, advise
from workbench.builders import hierarchy
from workbench.catalogue import TIER_IDS, load_catalogue
from workbench.loading import data_dir
from workbench.plots import advice_figure, tier_figure, tier_layout, topology_figure
from workbench.scenario import Position, Scenario, load_scenario
from workbench.topology import Topology


@pytest.fixture(scope="module")
def factory() -> Scenario:
    return load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")


@pytest.fixture(scope="module")
def factory_advice(factory: Scenario) -> list[StageAdvice]:
    return advise(factory)


def traces(fig: go.Figure, kind: str) -> list[Any]:
    return [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("kind") == kind]


def one(fig: go.Figure, kind: str) -> Any:
    found = traces(fig, kind)
    assert len(found) == 1, f"expected one {kind!r} trace, found {len(found)}"
    return found[0]


def node_points(fig: go.Figure) -> dict[str, dict[str, Any]]:
    """Node id -> its x, y, label, hover and marker size, from the per-tier node traces."""
    points: dict[str, dict[str, Any]] = {}
    for trace in traces(fig, "nodes"):
        sizes = trace.marker.size
        for i, node_id in enumerate(trace.customdata):
            assert node_id not in points, f"node {node_id} drawn twice"
            points[node_id] = {
                "x": trace.x[i],
                "y": trace.y[i],
                "text": trace.text[i],
                "hover": trace.hovertext[i],
                "size": sizes[i] if isinstance(sizes, tuple | list) else sizes,
                "tier": trace.meta["tier"],
                "labelled": "text" in trace.mode,
            }
    return points


# --- the tier figure ------------------------------------------------------------------------


def test_tier_figure_stacks_five_bands_far_edge_at_the_bottom() -> None:
    fig = tier_figure()
    bands = traces(fig, "tier")
    assert len(bands) == 5
    bottom_to_top = sorted(bands, key=lambda t: sum(t.y) / len(t.y))
    assert [t.meta["tier"] for t in bottom_to_top] == list(TIER_IDS)
    names = [t.name for t in bottom_to_top]
    cat = load_catalogue()
    assert names == [tier.name for tier in cat.tiers_in_order()]
    assert names[0] == "Far edge" and names[-1] == "Hyperscale cloud"
    # Bands do not overlap and narrow towards the top.
    for lower, upper in itertools.pairwise(bottom_to_top):
        assert max(lower.y) <= min(upper.y)
        assert max(upper.x) - min(upper.x) < max(lower.x) - min(lower.x)


def test_tier_labels_show_name_analogue_latency_budget_and_availability() -> None:
    fig = tier_figure()
    labels = one(fig, "tier-labels")
    cat = load_catalogue()
    by_y = sorted(zip(labels.y, labels.text, strict=True))
    assert len(by_y) == 5
    for (_, text), tier in zip(by_y, cat.tiers_in_order(), strict=True):
        assert tier.name in text
        assert tier.networking_analogue in text
    texts = [text for _, text in by_y]
    assert "1 ms" in texts[0] and "99 %" in texts[0]
    assert "150 ms" in texts[4] and "99.99 %" in texts[4]
    assert "99.982 %" in texts[2]


def test_tier_band_hover_names_typical_hardware() -> None:
    cloud = next(t for t in traces(tier_figure(), "tier") if t.meta["tier"] == "cloud")
    assert "typical hardware" in cloud.text
    assert "H100" in cloud.text


# --- the topology figure --------------------------------------------------------------------


def test_topology_has_one_marker_per_node_in_its_tier_lane(factory: Scenario) -> None:
    fig = topology_figure(factory)
    points = node_points(fig)
    assert set(points) == {n.id for n in factory.nodes}
    cat = load_catalogue()
    for node in factory.nodes:
        assert points[node.id]["y"] == cat.tier_level(node.tier), node.id
        assert points[node.id]["tier"] == node.tier
    # Five lanes (shapes) and the y axis names the tiers bottom to top.
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == 5
    ticks = fig.layout.yaxis.ticktext
    assert "Far edge" in ticks[0] and "Hyperscale cloud" in ticks[-1]
    assert "48 devices" in ticks[0]


def test_device_groups_are_labelled_with_their_count_and_drawn_larger(factory: Scenario) -> None:
    points = node_points(topology_figure(factory))
    assert points["vib-sensors"]["text"] == "vib-sensors ×40"
    assert points["cameras"]["text"] == "cameras ×8"
    assert points["line-gw"]["text"] == "line-gw"
    assert points["vib-sensors"]["size"] > points["cameras"]["size"] > points["line-gw"]["size"]
    assert "×40" in points["vib-sensors"]["hover"]


def test_children_sit_under_their_parent(factory: Scenario) -> None:
    pos = tier_layout(Topology(factory))
    assert pos["line-gw"][0] == pytest.approx((pos["vib-sensors"][0] + pos["cameras"][0]) / 2)
    assert pos["vib-sensors"][0] != pos["cameras"][0]
    assert pos["plant-dc"][0] == pos["line-gw"][0] == pos["cloud"][0]


def test_a_redundant_uplink_does_not_move_a_site_under_the_cloud() -> None:
    scenario = hierarchy(devices=40, devices_per_gateway=10, gateways_per_site=2, dual_homed=True)
    pos = tier_layout(Topology(scenario))
    assert pos["site1-dc"][0] == pytest.approx((pos["gw1"][0] + pos["gw2"][0]) / 2)
    assert pos["site2-dc"][0] == pytest.approx((pos["gw3"][0] + pos["gw4"][0]) / 2)


def test_a_node_position_sets_its_x(factory: Scenario) -> None:
    moved = factory.model_copy(deep=True)
    moved.nodes[0].position = Position(x=42.0, y=-3.0)
    pos = tier_layout(Topology(moved))
    assert pos["vib-sensors"] == (42.0, 1.0)


def test_links_are_one_trace_and_hover_shows_bandwidth_and_latency(factory: Scenario) -> None:
    fig = topology_figure(factory)
    lines = one(fig, "links")
    assert len(lines.x) == 3 * len(factory.links)
    assert list(lines.x[2::3]) == [None] * len(factory.links)
    info = one(fig, "link-info")
    assert len(info.hovertext) == len(factory.links)
    vib = next(h for h in info.hovertext if "vib-lan" in h)
    assert "100 Mbit/s" in vib  # industrial_ethernet profile
    assert "0.5 ms" in vib  # half the profile's 1 ms round trip
    assert "×40" in vib  # one such link per sensor
    cam = next(h for h in info.hovertext if "cam-lan" in h)
    assert "1 Gbit/s" in cam  # overridden in the scenario
    assert not traces(fig, "links-down")


def test_out_of_service_links_and_nodes_are_marked(factory: Scenario) -> None:
    broken = factory.model_copy(deep=True)
    broken.links[3].in_service = False  # the WAN
    broken.nodes[3].in_service = False  # the plant DC
    fig = topology_figure(broken)
    assert len(one(fig, "links").x) == 3 * 3
    down = one(fig, "links-down")
    assert len(down.x) == 3
    assert any("out of service" in h for h in one(fig, "link-info").hovertext)
    points = node_points(fig)
    assert "out of service" in points["plant-dc"]["hover"]


def test_stages_are_shown_on_their_placed_nodes(factory: Scenario) -> None:
    fig = topology_figure(factory)
    stages = one(fig, "stages")
    points = node_points(fig)
    for key, node_id in factory.placement.items():
        at = [
            text
            for x, y, text in zip(stages.x, stages.y, stages.text, strict=True)
            if (x, y) == (points[node_id]["x"], points[node_id]["y"])
        ]
        assert len(at) == 1 and key in at[0], key
        assert key in points[node_id]["hover"]


def test_a_grouped_1000_device_hierarchy_stays_readable() -> None:
    scenario = hierarchy(devices=1000, group_devices=True)
    fig = topology_figure(scenario)
    points = node_points(fig)
    assert len(points) == len(scenario.nodes)
    far = [p for p in points.values() if p["tier"] == "far_edge"]
    assert len(far) == 100
    assert not any(p["labelled"] for p in far)  # 100 labels would overlap: hover only
    assert all("×10" in p["hover"] for p in far)
    assert points["site1-dc"]["labelled"]
    assert len(one(fig, "links").x) == 3 * len(scenario.links)
    assert "1000 devices" in fig.layout.yaxis.ticktext[0]


def test_1000_individual_devices_build_with_a_handful_of_traces() -> None:
    scenario = hierarchy(devices=1000)
    fig = topology_figure(scenario)
    assert len(fig.data) <= 10  # one line trace for all links, one node trace per tier
    assert len(node_points(fig)) == len(scenario.nodes) == 1112
    xs = [p["x"] for p in node_points(fig).values() if p["tier"] == "far_edge"]
    assert len(set(xs)) == 1000  # every device has its own slot


# --- the advice figure ----------------------------------------------------------------------


def advice_grid(fig: go.Figure) -> Any:
    return one(fig, "advice")


def test_advice_figure_marks_the_advised_tier_of_every_stage(
    factory_advice: list[StageAdvice],
) -> None:
    grid = advice_grid(advice_figure(factory_advice))
    assert list(grid.x) == list(TIER_IDS)
    assert list(grid.y) == [a.key for a in factory_advice]
    for row, a in zip(grid.z, factory_advice, strict=True):
        assert a.advised_tier is not None
        assert [TIER_IDS[j] for j, v in enumerate(row) if v == 3] == [a.advised_tier], a.key
    by_key = {
        a.key: TIER_IDS[list(row).index(3)] for a, row in zip(factory_advice, grid.z, strict=True)
    }
    assert by_key["bearing-wear.detect"] == "far_edge"
    assert by_key["bearing-wear.correlate"] == "aggregation_edge"


def test_advice_figure_shows_passing_rejected_and_missing_tiers(
    factory_advice: list[StageAdvice],
) -> None:
    grid = advice_grid(advice_figure(factory_advice))
    telco, cloud = TIER_IDS.index("telco_edge"), TIER_IDS.index("cloud")
    assert all(row[telco] == 0 for row in grid.z)  # the factory has no MEC node
    detect = [a.key for a in factory_advice].index("bearing-wear.detect")
    assert grid.z[detect][cloud] == 1
    assert "may not go above On-premises datacentre" in grid.hovertext[detect][cloud]
    assert grid.z[detect][TIER_IDS.index("on_prem")] == 2


def test_advice_figure_outlines_where_each_stage_is_placed(
    factory: Scenario, factory_advice: list[StageAdvice]
) -> None:
    fig = advice_figure(factory_advice)
    outlines = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(outlines) == len(factory.placement)
    cat = load_catalogue()
    for row, a in enumerate(factory_advice):
        shape = next(s for s in outlines if s.name == f"placed {a.key}")
        col = TIER_IDS.index(factory.node(factory.placement[a.key]).tier)
        assert shape.x0 < col < shape.x1 and shape.y0 < row < shape.y1
        assert shape.line.color != "#c0392b"  # every factory placement passes
        assert "placed here" in advice_grid(fig).text[row][col]
    assert cat.tiers["cloud"].name in fig.layout.xaxis.ticktext[-1]


def test_a_placement_that_fails_is_outlined_in_red(factory: Scenario) -> None:
    moved = factory.model_copy(
        update={"placement": factory.placement | {"bearing-wear.twin": "cloud"}}
    )
    advice = advise(moved)
    fig = advice_figure(advice)
    shape = next(s for s in fig.layout.shapes if s.name == "placed bearing-wear.twin")
    assert shape.line.color == "#c0392b"
    row = [a.key for a in advice].index("bearing-wear.twin")
    hover = advice_grid(fig).hovertext[row][TIER_IDS.index("cloud")]
    assert "placed on cloud" in hover and "PROBLEM" in hover


def test_a_stage_without_advice_has_no_advised_cell(factory_advice: list[StageAdvice]) -> None:
    none = [dataclasses.replace(factory_advice[0], advised_tier=None, advised_node=None)]
    grid = advice_grid(advice_figure(none))
    assert 3 not in grid.z[0]


def test_advice_figure_of_no_stages_says_so() -> None:
    fig = advice_figure([])
    assert any("no workload stages" in a.text for a in fig.layout.annotations)


# --- the module -----------------------------------------------------------------------------


def test_the_module_exports_its_figures() -> None:
    assert {"tier_figure", "topology_figure", "advice_figure"} <= set(plots.__all__)
    for name in plots.__all__:
        assert hasattr(plots, name)


def test_plots_never_import_jupyter() -> None:
    code = (
        "import sys, workbench.plots; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('IPython', 'ipywidgets', 'anywidget', 'jupyter_client', 'widgets')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------
# Axes that read right: units, no SI prefixes, no clutter, nothing off-scale


@pytest.mark.parametrize(
    ("low", "high"), [(7.0, 30_000.0), (0.5, 2.0), (1e-3, 1e9), (12.0, 140.0), (1.0, 1e5)]
)
def test_log_ticks_are_few_and_labelled_in_units(low: float, high: float) -> None:
    """At most eight ticks on any log axis; millisecond ticks switch to seconds, never 'k ms'."""
    axis = plots._log_ticks(low, high, plots._tick_ms)
    assert 2 <= len(axis["tickvals"]) <= 8
    start, end = (10**r for r in axis["range"])
    assert all(start * 0.999 <= v <= end * 1.001 for v in axis["tickvals"])
    for text in axis["ticktext"]:
        assert "k" not in text and "e" not in text.replace("s", ""), text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0.42, "0.42 ms"), (56.2, "56.2 ms"), (3360.0, "3.36 s"), (64_147.0, "64.1 s")],
)
def test_latency_labels_switch_to_seconds(ms: float, text: str) -> None:
    assert plots._latency_ms(ms) == text


def test_number_axis_never_uses_si_prefixes() -> None:
    counts = plots.number_axis(0.8, integer=True)
    assert counts["exponentformat"] == "none" and counts["tickformat"] == ",d"
    assert counts["dtick"] == 1  # 0..0.8 requests: ticks at whole requests, not "200m"
    assert "dtick" not in plots.number_axis(5_000, integer=True)
    assert plots.number_axis(3.0, suffix=" %")["ticksuffix"] == " %"


def test_a_tier_without_nodes_is_marked_passed_through(factory: Scenario) -> None:
    """The factory has no MEC node: its lane says the links pass through, not '0 nodes'."""
    fig = topology_figure(factory)
    lanes = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))
    assert "no node: passed through" in lanes[4]
    assert "0 nodes" not in " ".join(lanes.values())
    assert "1 node" in lanes[3]


def test_every_figure_has_a_short_toolbar(
    factory: Scenario, factory_advice: list[StageAdvice]
) -> None:
    """The toolbar keeps four buttons or so, so it does not run into the figure's title."""
    for fig in (tier_figure(), topology_figure(factory), advice_figure(factory_advice)):
        assert {"lasso2d", "select2d", "zoomIn2d"} <= set(fig.layout.modebar.remove)
        assert fig.layout.title.x <= 0.05  # titles start on the left, the toolbar is on the right
