"""Degraded-mode figures: the timeline and the stores, with failure windows shaded."""

from __future__ import annotations

from workbench.plots_degraded import buffer_figure, failure_windows, timeline_figure
from workbench.scenario import Scenario
from workbench.sim import simulate


def test_timeline_stacks_outcomes_and_shades_the_wan_cut(factory: Scenario) -> None:
    result = simulate(factory, until=240, seed=1)
    assert failure_windows(result) == [(120.0, 180.0, "fail:wan")]
    figure = timeline_figure(result, bin_s=10)
    kinds = [trace.meta["kind"] for trace in figure.data]
    assert kinds == [
        "timeline-primary",
        "timeline-fallback",
        "timeline-buffered",
        "timeline-dropped",
    ]
    buffered = figure.data[2]
    assert max(buffered.y) > 400  # images waiting at the plant during the cut
    (shade,) = [s for s in figure.layout.shapes if s.name == "outage wan"]
    assert (shade.x0, shade.x1) == (120.0, 180.0)
    assert [s.name for s in figure.layout.shapes] == ["warm-up", "outage wan"]
    assert "wan down" in figure.layout.annotations[0].text


def test_buffer_figure_shows_the_store_filling_and_draining(factory: Scenario) -> None:
    result = simulate(factory, until=240, seed=1)
    figure = buffer_figure(result)
    (plant,) = [t for t in figure.data if t.meta["node"] == "plant-dc"]
    assert max(plant.y) > 90e6  # bytes
    assert plant.y[-1] == 0  # drained
    ticks = figure.layout.yaxis.ticktext
    assert ticks[0] == "0 B" and all(t.endswith(" MB") for t in ticks[1:])  # never "100m"


def test_figures_without_failures_say_nothing_waited(factory: Scenario) -> None:
    factory.failures = []
    result = simulate(factory, until=30, seed=1)
    assert "nothing had to wait" in buffer_figure(result).layout.title.text
    assert [s.name for s in timeline_figure(result).layout.shapes] == ["warm-up"]


def test_a_window_still_open_at_the_end_is_drawn_to_now(factory: Scenario) -> None:
    result = simulate(factory, until=150, seed=1)
    assert failure_windows(result) == [(120.0, 150.0, "fail:wan")]


def test_the_report_and_the_live_dashboard_share_one_layout(factory: Scenario) -> None:
    """The dashboard's degraded-mode and store figures are the report's, filled live."""
    from widgets.dashboard import Dashboard

    result = simulate(factory, until=240, seed=1)
    report = timeline_figure(result, bin_s=1)
    live = Dashboard.from_results(result).timeline
    for key in ("title", "xaxis", "yaxis", "barmode", "legend", "margin", "font"):
        assert report.layout[key] == live.layout[key], key
    store_report = buffer_figure(result).layout
    store_live = Dashboard.from_results(result).buffers.layout
    assert store_report.yaxis == store_live.yaxis and store_report.xaxis == store_live.xaxis
