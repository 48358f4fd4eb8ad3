"""The live dashboard: axes from the first render, appended from step reports, truthful."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.controls import ClickTarget
from widgets.dashboard import Dashboard, _percent_text, bin_width, outage_windows
from widgets.plotgrid import PlotGrid
from widgets.status import EditRejected, StatusArea
from widgets.workbench import Workbench
from workbench.scenario import Failure, Scenario
from workbench.sim import Simulation, simulate

BYTE_UNITS = (" B", " kB", " MB", " GB")


def _run(dash: Dashboard, sim: Simulation, *, by: float, to: float | None = None) -> None:
    while not sim.done and (to is None or sim.now < to - 1e-9):
        step = by if to is None else min(by, to - sim.now)
        dash.extend(sim.advance(by=step), sim)


def test_every_figure_has_titled_axes_with_units_before_any_data(live_factory: Scenario) -> None:
    dash = Dashboard(live_factory, until_s=600)
    latency, bandwidth, timeline, buffers = dash.figures
    for fig in dash.figures:
        assert fig.layout.title.text and fig.layout.yaxis.title.text
        assert fig.layout.yaxis.ticktext, "ticks are labelled from the first render"
    for fig in (latency, timeline, buffers):
        assert fig.layout.xaxis.title.text == "simulated time (s)"
        assert list(fig.layout.xaxis.range) == [0, 600]
    assert latency.layout.yaxis.type == "log"
    assert all(t.endswith((" ms", " s")) for t in latency.layout.yaxis.ticktext)
    assert bandwidth.layout.yaxis.type == "log"
    assert all(t.endswith(("B/s",)) for t in bandwidth.layout.yaxis.ticktext)
    assert all(t.endswith(BYTE_UNITS) for t in buffers.layout.yaxis.ticktext)
    assert timeline.layout.yaxis.title.text == "requests per 2 s"
    assert "yaxis2" not in timeline.layout.to_plotly_json()  # no two axes' labels overprinting
    # the browser gets the same figures, whole, before Play
    sent = dash.grid.state["figures"]
    assert [f["layout"]["yaxis"]["title"]["text"] for f in sent] == [
        f.layout.yaxis.title.text for f in dash.figures
    ]


def test_a_step_appends_only_the_new_bins_and_sends_only_them(live_factory: Scenario) -> None:
    dash = Dashboard(live_factory, until_s=120)
    figures = [id(f) for f in dash.figures]
    sim = Simulation(live_factory, until=120, seed=1)
    sent: list[dict] = []
    dash.grid.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    _run(dash, sim, by=1.0, to=20)
    p95 = dash.latency_trace("bearing-wear")
    assert len(p95.x) == 19 and np.all(np.asarray(p95.y) > 0)  # bins ending before t = 20 s
    assert np.nanmax(dash.timeline_trace("primary").y) > 100  # ~160 requests per 1 s bin
    assert all(y is not None for y in dash.bandwidth.data[1].y)
    assert "saves 99." in dash.bandwidth.layout.xaxis.ticktext[0]
    # the last frame carried one new bin per series, not the whole history
    last = sent[-1]["changes"]
    latency = [c for c in last if c["figure"] == 0 and "append" in c]
    assert latency and all(len(c["append"]["x"]) == 1 for c in latency)
    assert [s["seq"] for s in sent] == sorted({s["seq"] for s in sent})
    assert [id(f) for f in dash.figures] == figures


def test_live_bins_match_a_full_recomputation_and_the_engine(live_factory: Scenario) -> None:
    sim = Simulation(live_factory, until=90, seed=3)
    live = Dashboard(live_factory, until_s=90)
    sim.advance(to=30)
    live.extend(sim.advance(by=0), sim)  # catches up from the start: first frame late
    sim.fail("wan")
    _run(live, sim, by=2.5, to=60)
    sim.restore("wan")
    _run(live, sim, by=3.5)
    results = sim.results()
    once = Dashboard.from_results(results)
    for workload in ("bearing-wear", "visual-inspection"):
        a, b = live.latency_trace(workload), once.latency_trace(workload)
        np.testing.assert_allclose(a.x, b.x)
        np.testing.assert_allclose(np.asarray(a.y, float), np.asarray(b.y, float))
    table = results.timeline(live.bin_s)
    for name in ("primary", "fallback", "buffered", "dropped"):
        np.testing.assert_array_equal(live.timeline_trace(name).y, table[name])
        np.testing.assert_array_equal(once.timeline_trace(name).y, table[name])


def test_store_occupancy_follows_the_engine_to_zero(live_factory: Scenario) -> None:
    sim = Simulation(live_factory, until=200, seed=1)
    dash = Dashboard(live_factory, until_s=200)
    _run(dash, sim, by=1.7, to=50)
    sim.fail("wan")
    _run(dash, sim, by=1.7, to=110)
    plant = dash.store_trace("plant-dc")
    assert plant.line.shape == "hv" and max(plant.y) > 1e6
    sim.restore("wan")
    _run(dash, sim, by=1.7)
    plant = dash.store_trace("plant-dc")
    engine = sim.results().buffers
    engine = engine[engine["node"] == "plant-dc"]
    assert engine["bytes"].iloc[-1] == 0 and plant.y[-1] == 0
    drained = float(engine["t_s"].iloc[-1])
    # the line reaches zero when the engine's store does, not bins later
    first_zero = min(x for x, y in zip(plant.x, plant.y, strict=True) if x >= 110 and y == 0)
    assert first_zero == pytest.approx(drained)
    assert max(plant.y) == pytest.approx(engine["bytes"].max())  # no peak lost either
    assert plant.x[-1] == 200


def test_reset_clears_every_trace_title_and_label(factory: Scenario) -> None:
    dash = Dashboard(factory, until_s=300)
    fresh = [f.to_plotly_json() for f in dash.figures]
    sim = Simulation(factory, until=300, seed=2)
    _run(dash, sim, by=5)
    assert [a.text for a in dash.timeline.layout.annotations] == ["wan down"]
    dash.reset(factory, until_s=300)
    assert [f.to_plotly_json() for f in dash.figures] == fresh
    assert dash.grid.state["figures"][2]["layout"].get("annotations", []) == []


def test_outage_windows_are_marked_with_labels_that_never_overprint(factory: Scenario) -> None:
    results = simulate(factory, until=300, seed=2)  # the scripted WAN cut at 120 s
    dash = Dashboard.from_results(results)
    assert dash.bin_s == bin_width(300) == 1.0
    assert outage_windows(results.events, results.now_s) == [(120.0, 180.0, "fail", "wan")]
    shapes = [s for s in dash.timeline.layout.shapes if s.name == "outage wan"]
    assert len(shapes) == 1 and (shapes[0].x0, shapes[0].x1) == (120.0, 180.0)
    from workbench.plots_live import outage_marks

    windows = [(100.0, 110.0, "fail", "vib-lan"), (101.0, 120.0, "fail", "cam-lan")]
    _, labels = outage_marks(windows, {"fail": "#e74c3c"}, span_s=600)
    assert labels[0]["y"] != labels[1]["y"]


def test_only_the_first_workloads_are_drawn_in_the_latency_figure(fleet_1000: Scenario) -> None:
    dash = Dashboard(fleet_1000, max_workloads=3)
    assert dash.shown == ["wear-gw1", "wear-gw2", "wear-gw3"]
    assert len(dash.latency.data) == 12
    assert "first 3 of 100" in dash.latency.layout.title.text
    with pytest.raises(KeyError):
        dash.latency_trace("wear-gw4")


def test_a_view_that_missed_a_patch_gets_the_whole_state_again() -> None:
    grid = PlotGrid()
    before = grid.state["seq"]
    grid._on_message(grid, {"kind": "resend"}, [])
    assert grid.state["seq"] == before + 1


def test_a_click_on_a_scheduled_cut_restores_it_and_after_the_end_explains(
    factory: Scenario,
) -> None:
    """Before: a click on the WAN the schedule cut said "a click cannot end a scheduled
    outage"; now it ends the outage (logged as an override)."""
    sim = Simulation(factory, until=200, seed=1)
    target = ClickTarget(sim)
    sim.advance(to=130)  # the scenario cuts the WAN from 120 s to 180 s
    said = target.restore("wan")
    assert said == "wan restored by hand at t = 130 s, 50 s before its scheduled end"
    assert sim.failed() == []
    assert [e[1] for e in sim.events if e[0] == 130.0] == ["override", "restore"]
    target.fail("plant-lan")
    assert target.restore("plant-lan") == "plant-lan restored at t = 130 s"  # failed by hand
    with pytest.raises(EditRejected, match=r"^wan is not cut or degraded by the scenario's"):
        target.restore("wan")
    sim.advance()
    with pytest.raises(EditRejected, match=r"^the run is over \(t = 200 s\)"):
        target.fail("wan")
    with pytest.raises(EditRejected, match=r"^the run is over"):
        target.restore("wan")


def test_a_click_on_a_link_cut_with_its_node_says_to_click_the_node(factory: Scenario) -> None:
    scenario = factory.model_copy(
        update={"failures": [Failure(id="gw-reboot", node="line-gw", at_s=10, duration_s=60)]}
    )
    sim = Simulation(scenario, until=100, seed=1)
    target = ClickTarget(sim)
    sim.advance(to=20)
    with pytest.raises(
        EditRejected,
        match=r"^vib-lan is down because node line-gw is down in the scheduled outage "
        r"'gw-reboot' \(until t = 70 s\); restore line-gw to bring both back$",
    ):
        target.restore("vib-lan")
    said = target.restore("line-gw")
    assert said == (
        "line-gw (with cam-lan, plant-lan, vib-lan) restored by hand at t = 20 s, "
        "50 s before its scheduled end"
    )
    sim.fail("wan")
    sim.fail("wan")  # failed by hand twice: restored, then the schedule still has nothing
    assert target.restore("wan") == "wan restored at t = 20 s"


def test_a_hand_failure_on_a_scheduled_cut_is_restored_first(factory: Scenario) -> None:
    sim = Simulation(factory, until=200, seed=1)
    target = ClickTarget(sim)
    sim.advance(to=130)
    target.fail("wan")  # failed by hand too (the engine counts both)
    assert target.restore("wan") == (
        "wan restored at t = 130 s, but the scenario's schedule keeps it down until t = 180 s; "
        "click it again to end that outage now"
    )
    assert sim.failed() == ["wan"]
    assert target.restore("wan").startswith("wan restored by hand at t = 130 s, 50 s before")
    assert sim.failed() == []


def test_an_overridden_outage_is_shaded_until_the_click(factory: Scenario) -> None:
    """The dashboard's outage mark ends where the click ended the outage, not at 180 s."""
    wb = Workbench(factory, until=200)
    wb.step(130.0)
    wb.canvas.click = {"kind": "link", "id": "wan", "seq": 1}
    assert wb.status.entries[-1].text == (
        "wan restored by hand at t = 130 s, 50 s before its scheduled end"
    )
    assert wb.failed() == [] and wb.canvas.failed == []
    shapes = [s for s in wb.dashboard.timeline.layout.shapes if s.name == "outage wan"]
    assert [(s.x0, s.x1) for s in shapes] == [(120.0, 130.0)]
    wb.step(70.0)  # past the scheduled end, to the end of the run
    shapes = [s for s in wb.dashboard.timeline.layout.shapes if s.name == "outage wan"]
    assert [(s.x0, s.x1) for s in shapes] == [(120.0, 130.0)]
    assert outage_windows(wb.simulation.results().events, 200) == [(120.0, 130.0, "fail", "wan")]


def test_the_status_area_is_capped_and_of_fixed_height() -> None:
    status = StatusArea(keep=4)
    for i in range(30):
        status.info(f"message {i}")
    assert len(status.entries) == 4 and status.entries[-1].text == "message 29"
    assert status.widget.layout.height and status.widget.layout.overflow == "auto"


def test_after_the_run_a_click_on_the_canvas_says_the_run_is_over(factory: Scenario) -> None:
    wb = Workbench(factory, until=30)
    wb.step(30.0)
    wb.canvas.click = {"kind": "link", "id": "wan", "seq": 1}
    assert "the run is over" in wb.status.entries[-1].text
    assert wb.failed() == []


def test_slow_figures_catch_up_when_the_run_is_paused(live_factory: Scenario) -> None:
    """Bandwidth is redrawn at most once a second while playing, and at once on pause."""
    dash = Dashboard(live_factory, until_s=120)
    sim = Simulation(live_factory, until=120, seed=1)
    _run(dash, sim, by=1.0, to=12)  # first bandwidth frame just after the warm-up
    _run(dash, sim, by=1.0, to=40)  # within a second of wall time: not redrawn
    dash.flush(sim)
    summary = sim.results().boundary_summary()
    assert dash.bandwidth.data[1].y == tuple(
        summary[key]["up_bytes_per_s"] for key in dash._boundaries
    )


def test_bandwidth_shows_only_the_boundaries_the_scenario_has(factory: Scenario) -> None:
    """The factory has no MEC node: three boundaries, the last from on-prem to the cloud."""
    dash = Dashboard(factory)
    assert dash._boundaries == [
        "far_edge|aggregation_edge",
        "aggregation_edge|on_prem",
        "on_prem|telco_edge",
    ]
    assert dash._boundary_labels[-1].endswith("→<br>cloud")


def test_saving_labels_never_read_minus_zero() -> None:
    """A saving that rounds to zero (a few label bytes more than raw) reads "0.0 %"; real
    negative savings keep their sign; savings near 100 % get the digits that tell them apart."""
    assert _percent_text(-0.01) == "0.0 %"
    assert _percent_text(-3.2) == "-3.2 %"
    assert _percent_text(99.38) == "99.38 %"
    assert _percent_text(None) == "n/a"
