"""The learning loop in the workbench: hidden without drift, the timeline appended bin by bin
with the loop's marks, the state line, the inject control.

Until a run of the engine is used (``test_learning_live.py``), a small stand-in of a
``Simulation`` serves the contract's tables as a run would, at a given time."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from tests.workbench.learning_tables import (
    accuracy_table,
    decisions_table,
    detections_table,
    episodes_table,
    events_table,
    rollouts_table,
)
from widgets import Workbench
from widgets.learning import LearningView, loop_workload, state_line
from workbench.scenario import Scenario, load_scenario

from ..conftest import SCENARIOS


@dataclass
class Run:
    """The contract's tables of a run, cut at ``now``, as ``Simulation.results()`` gives them."""

    now: float
    until_s: float = 3600.0
    sites: tuple[str, ...] = ("plant-a",)
    states: dict[str, str] = field(default_factory=lambda: {"defect-loop": "retraining"})

    @property
    def done(self) -> bool:
        return self.now >= self.until_s

    def results(self) -> Run:
        return self

    def learning_state(self) -> dict[str, str]:
        return self.states

    def accuracy(self, bin_s: float) -> pd.DataFrame:
        table = accuracy_table().replace({"workload": {"inspect": "visual-inspection"}})
        return table[(table["t_s"] < self.now) & table["site"].isin(self.sites)]

    @property
    def events(self) -> pd.DataFrame:
        table = events_table()
        return table[table["t_s"] <= self.now]

    def _cut(self, table: pd.DataFrame, column: str = "t_s") -> pd.DataFrame:
        return table[table[column] <= self.now]

    def learning(self) -> pd.DataFrame:
        return episodes_table().iloc[0:0]  # no episode has ended by the stand-in's times

    def detections(self) -> pd.DataFrame:
        return self._cut(detections_table())

    def decisions(self) -> pd.DataFrame:
        return self._cut(decisions_table())

    def rollouts(self) -> pd.DataFrame:
        return self._cut(rollouts_table(), "start_s")


@pytest.fixture
def drift() -> Scenario:
    return load_scenario(SCENARIOS / "factory_drift.yaml")


def _view(scenario: Scenario) -> tuple[Workbench, LearningView]:
    wb = Workbench(scenario, until=3600)  # bins of 60 s
    return wb, wb.learning


def test_hidden_without_drift_or_learning() -> None:
    wb = Workbench(load_scenario(SCENARIOS / "factory_bad_rollout.yaml"), until=60)
    assert wb.learning.widget.layout.display == "none"
    assert not wb.learning.declared
    assert wb.learning.grid.figures == []  # nothing built, nothing sent
    wb.step(10)  # the frame hook does nothing
    assert wb.learning.grid.figures == []


def test_before_a_run_the_timeline_has_its_axes_and_a_line_per_site(drift: Scenario) -> None:
    _, view = _view(drift)
    assert view.widget.layout.display is None
    assert loop_workload(drift) == "visual-inspection"
    assert view.sites() == ["plant-a"]
    figure = view.figure
    assert [t.meta["kind"] for t in figure.data] == ["expected", "measured"]
    assert figure.layout.yaxis.title.text == "accuracy (%)"
    assert figure.layout.xaxis.title.text == "simulated time (s)"
    assert "visual-inspection" in figure.layout.title.text
    assert "press Play" in view.state.value


def test_completed_bins_are_appended_not_redrawn(drift: Scenario) -> None:
    _, view = _view(drift)
    shows, patches = [], []
    view.grid.show = lambda figures=None: shows.append(figures)  # type: ignore[method-assign]
    real_patch = view.grid.patch
    view.grid.patch = lambda changes: (patches.append(changes), real_patch(changes))  # type: ignore[method-assign]
    view.frame(Run(now=130.0), force=True)  # bins 0 and 60 are complete; 120 is not
    appended = [c for c in patches[-1] if "append" in c]
    assert {c["trace"] for c in appended} == {0, 1}
    assert list(appended[1]["append"]["x"]) == [30.0, 90.0]
    assert list(view.figure.data[1].y) == [95.0, 95.0]
    view.frame(Run(now=250.0), force=True)  # bins 120 and 180 now
    appended = [c for c in patches[-1] if "append" in c]
    assert list(appended[1]["append"]["x"]) == [150.0, 210.0]
    assert list(view.figure.data[1].x) == [30.0, 90.0, 150.0, 210.0]
    assert list(view.figure.data[0].y) == [95.0, 95.0, 80.0, 80.0]  # the true accuracy fell
    assert shows == []  # never redrawn whole
    # the marks came with the layout, when they changed: drift, detection, upload, retraining
    labels = {a.text for a in view.figure.layout.annotations}
    assert {"drift starts", "detected (adwin)"} <= labels  # the others have no room at 3600 s
    assert not any(a.name == "empty" for a in view.figure.layout.annotations)
    shapes = {(s.type, s.x0, s.x1) for s in view.figure.layout.shapes}
    assert {("line", 40.0, 40.0), ("line", 150.0, 150.0), ("rect", 190.0, 200.0)} <= shapes
    assert ("rect", 200.0, 250.0) in shapes  # the retraining, still running: a band to now
    layout_changes = [c for c in patches[-1] if "layout" in c]
    assert layout_changes and "shapes" in layout_changes[0]["layout"]
    view.frame(Run(now=251.0), force=True)  # nothing new: nothing sent
    assert patches[-1] == [] or all("append" not in c for c in patches[-1])


def test_the_state_line_names_each_loop_and_its_state() -> None:
    line = state_line({"defect-loop": "waiting_for_samples"}, 412.0)
    assert "defect-loop" in line and "waiting for samples" in line and "412 s" in line
    assert 'data-state="waiting_for_samples"' in line
    assert "no loop declared" in state_line({}, 10.0)


def test_the_frame_updates_the_state_line(drift: Scenario) -> None:
    _, view = _view(drift)
    view.frame(Run(now=100.0, states={"defect-loop": "recovered"}), force=True)
    assert 'data-state="recovered"' in view.state.value


def test_the_inject_drift_control_describes_a_drift_now(drift: Scenario) -> None:
    _, view = _view(drift)
    view.drop.value = 0.2
    view.shape.value = "gradual"
    assert not view.over.disabled
    view.over.value = 60.0
    injected = view.drift()
    assert (injected.workload, injected.accuracy_drop, injected.shape) == (
        "visual-inspection", 0.2, "gradual",
    )  # fmt: skip
    assert injected.over_s == 60.0 and injected.start_s == 0.0
    assert view.inject_row.layout.display == (None if view.can_inject else "none")


def test_a_site_without_a_line_yet_redraws_once(drift: Scenario) -> None:
    _, view = _view(drift)
    view.frame(Run(now=130.0, sites=("plant-a", "plant-b")), force=True)
    assert [t.meta["site"] for t in view.figure.data] == ["plant-a"] * 2 + ["plant-b"] * 2
    assert list(view.figure.data[3].y) == [94.0, 94.0]
    view.frame(Run(now=190.0, sites=("plant-a", "plant-b")), force=True)
    assert list(view.figure.data[3].x) == [30.0, 90.0, 150.0]


def test_a_real_run_fills_the_timeline_and_reaches_recovered(drift: Scenario) -> None:
    """The drifting factory stepped to 600 s: points up to now, the loop's marks, the state
    line at 'recovered', and only patches after the first show."""
    drift.failures = []
    wb = Workbench(drift, until=600)  # bins of 10 s
    shows = []
    show = wb.learning.grid.show
    wb.learning.grid.show = lambda figures=None: (shows.append(1), show(figures))  # type: ignore[method-assign]
    for _ in range(20):
        wb.step(30)
    figure = wb.learning.figure
    expected, measured = figure.data
    assert len(measured.x) == 60 and measured.x[-1] == 595.0
    assert min(expected.y) == pytest.approx(80.0) and expected.y[-1] == pytest.approx(95.0)
    labels = {a.text for a in figure.layout.annotations}
    assert {"drift starts", "detected (adwin)", "recovered"} <= labels
    assert 'data-state="recovered"' in wb.learning.state.value
    assert shows == []


def test_inject_drift_starts_an_episode_now(drift: Scenario) -> None:
    drift.failures = []
    drift.drift = []  # nothing scheduled: the button starts it
    wb = Workbench(drift, until=300)
    view = wb.learning
    assert view.can_inject and view.inject_row.layout.display is None
    wb.step(60)
    view.inject_button.click()
    assert not wb.status.errors, wb.status.errors
    assert wb.status.entries[-1].text.startswith("drift injected-1: visual-inspection loses 15%")
    sim = wb.simulation
    assert sim is not None
    wb.step(60)
    starts = sim.results().events.query("kind == 'drift_start'")
    assert list(starts["t_s"]) == [60.0]
    assert sim.learning_state()["defect-loop"] != "idle"
    assert "drift starts" in {a.text for a in view.figure.layout.annotations}
