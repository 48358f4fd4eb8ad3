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
    (shade,) = figure.layout.shapes
    assert (shade.x0, shade.x1) == (120.0, 180.0)
    assert "wan down" in figure.layout.annotations[0].text


def test_buffer_figure_shows_the_store_filling_and_draining(factory: Scenario) -> None:
    result = simulate(factory, until=240, seed=1)
    figure = buffer_figure(result)
    (plant,) = [t for t in figure.data if t.meta["node"] == "plant-dc"]
    assert max(plant.y) > 90  # MB
    assert plant.y[-1] == 0  # drained


def test_figures_without_failures_say_nothing_waited(factory: Scenario) -> None:
    factory.failures = []
    result = simulate(factory, until=30, seed=1)
    assert "nothing had to wait" in buffer_figure(result).layout.title.text
    assert not timeline_figure(result).layout.shapes


def test_a_window_still_open_at_the_end_is_drawn_to_now(factory: Scenario) -> None:
    result = simulate(factory, until=150, seed=1)
    assert failure_windows(result) == [(120.0, 150.0, "fail:wan")]
