"""Federated learning in the workbench: start the rounds from the button, accuracy per round
live, hidden without a federated section."""

from __future__ import annotations

import pytest

from widgets import Workbench
from workbench.scenario import Scenario, load_scenario

from ..conftest import SCENARIOS


@pytest.fixture
def hospitals() -> Scenario:
    return load_scenario(SCENARIOS / "hospital_federated.yaml")


def test_start_now_and_watch_accuracy_per_round(hospitals: Scenario) -> None:
    """The rounds start at the click (t = 10 s, not the section's 60 s); each closed round
    adds a point to the accuracy figure and the line names the latest."""
    wb = Workbench(hospitals, until=400)
    view = wb.federated
    assert view.widget.layout.display is None
    assert view.line.value.startswith("No round yet: 30 rounds from t = 60 s")
    wb.step(10)
    view.start_button.click()
    assert not wb.status.errors, wb.status.errors
    assert wb.status.entries[-1].text == "federated rounds started at t = 10 s"
    wb.step(5)
    (line,) = view.accuracy.data
    assert list(line.x) == [1]
    # all 30 planned rounds on the axis, a labelled tick every 5: round numbers show at once
    assert view.accuracy.layout.xaxis.range == (0.5, 30.5)
    assert view.accuracy.layout.xaxis.dtick == 5
    assert view.line.value.startswith("Round 1 of 30: test accuracy ")
    assert "2 quarantined" in view.line.value  # hospital C's old firmware
    wb.step(130)  # rounds at 70 and 130 s follow, a minute apart
    (line,) = view.accuracy.data
    assert list(line.x) == [1, 2, 3]
    assert wb.simulation.federated.rounds[0].start_s == 10.0
    accuracy = list(line.y)
    assert accuracy == list(wb.simulation.results().federated_rounds()["accuracy"])


def test_a_second_start_is_refused_in_the_status_area(hospitals: Scenario) -> None:
    """One plain sentence naming the button and the reason (once, not "federated: federated:")."""
    wb = Workbench(hospitals, until=400)
    wb.step(70)  # the section's first round started at 60 s
    wb.federated.start_button.click()
    assert wb.status.errors == ["Start rounds now: the rounds started at t = 60 s; 1 of 30 so far"]


def test_a_short_plan_labels_every_round(hospitals: Scenario) -> None:
    """With 3 rounds planned, the axis runs 0.5 to 3.5 with a tick per round (a tick every 5
    would leave the axis without a single label)."""
    assert hospitals.federated is not None
    hospitals.federated.rounds = 3
    wb = Workbench(hospitals, until=400)
    wb.step(200)
    axis = wb.federated.accuracy.layout.xaxis
    assert (axis.range, axis.dtick) == ((0.5, 3.5), 1)
    assert list(wb.federated.accuracy.data[0].x) == [1, 2, 3]


def test_without_a_federated_section_the_view_is_hidden(live_factory: Scenario) -> None:
    wb = Workbench(live_factory, until=60)
    assert wb.federated.widget.layout.display == "none"
    wb.step(10)
    assert wb.simulation.federated is None
