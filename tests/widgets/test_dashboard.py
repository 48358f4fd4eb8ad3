"""The live dashboard: updated in place from a running simulation, or shown from results."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.dashboard import Dashboard, bin_width, outage_windows
from workbench.scenario import Scenario
from workbench.sim import Simulation, simulate


def test_a_step_updates_every_figure_in_place(live_factory: Scenario) -> None:
    dash = Dashboard(live_factory, until_s=120)
    figures = [id(f) for f in dash.figures]
    traces = [id(t) for t in dash.latency.data]
    sim = Simulation(live_factory, until=120, seed=1)
    sim.advance(by=20)  # past the 10 s warm-up, which the bandwidth figure leaves out
    dash.update(sim.results())
    p95 = dash.latency_trace("bearing-wear")
    first = len(p95.x)
    assert first >= 15 and np.all(np.asarray(p95.y) > 0)
    assert np.nanmax(dash.timeline_trace("primary").y) > 100  # ~160 requests/s
    assert all(y is not None for y in dash.bandwidth.data[1].y)
    assert dash.bandwidth.data[1].customdata[0].startswith("saves 99.")
    assert "saves 99." in dash.bandwidth.layout.xaxis.ticktext[0]
    sim.advance(by=10)
    dash.update(sim.results())
    assert len(dash.latency_trace("bearing-wear").x) > first
    assert [id(f) for f in dash.figures] == figures  # same widgets
    assert [id(t) for t in dash.latency.data] == traces  # same traces, new data


def test_latency_bins_match_a_full_recomputation(live_factory: Scenario) -> None:
    sim = Simulation(live_factory, until=60, seed=3)
    live = Dashboard(live_factory, until_s=60)
    for _ in range(12):
        sim.advance(by=5)
        live.update(sim.results())
    once = Dashboard.from_results(sim.results())
    for workload in ("bearing-wear", "visual-inspection"):
        a, b = live.latency_trace(workload), once.latency_trace(workload)
        np.testing.assert_allclose(a.x, b.x)
        np.testing.assert_allclose(a.y, b.y)


def test_a_failure_shows_as_a_window_fallback_and_buffering(live_factory: Scenario) -> None:
    sim = Simulation(live_factory, until=200, seed=1)
    dash = Dashboard(live_factory, until_s=200)
    sim.advance(to=50)
    sim.fail("wan")
    sim.advance(to=110)
    dash.update(sim.results())
    shapes = [s for s in dash.timeline.layout.shapes if s.name == "outage wan"]
    assert len(shapes) == 1 and shapes[0].x0 == 50 and shapes[0].x1 == 110  # still open
    assert [a.text for a in dash.timeline.layout.annotations] == ["wan fail"]
    assert np.nanmax(dash.timeline_trace("fallback").y) > 0
    assert max(dash.timeline_trace("buffered").y) > 0
    plant = next(t for t in dash.buffers.data if t.meta["node"] == "plant-dc")
    assert max(plant.y) > 0
    sim.restore("wan")
    sim.advance(to=200)
    dash.update(sim.results())
    shapes = [s for s in dash.timeline.layout.shapes if s.name == "outage wan"]
    assert shapes[0].x1 == 110
    assert plant.y[-1] == 0  # drained


def test_usable_alone_on_finished_results(factory: Scenario) -> None:
    results = simulate(factory, until=300, seed=2)  # with the scripted WAN cut at 120 s
    dash = Dashboard.from_results(results)
    assert dash.bin_s == bin_width(300) == 1.0
    assert len(dash.latency_trace("fleet-analytics").x) > 100
    windows = outage_windows(results.events, results.now_s)
    assert windows == [(120.0, 180.0, "fail", "wan")]
    assert dash.timeline.layout.shapes[-1].x0 == 120.0


def test_only_the_first_workloads_are_drawn_in_the_latency_figure(fleet_1000: Scenario) -> None:
    dash = Dashboard(fleet_1000, max_workloads=3)
    assert dash.shown == ["wear-gw1", "wear-gw2", "wear-gw3"]
    assert len(dash.latency.data) == 12
    assert "first 3 of 100" in dash.latency.layout.title.text
    with pytest.raises(KeyError):
        dash.latency_trace("wear-gw4")
