"""The "Optimise placement" button moves the chips to the optimiser's answer and says why."""

from __future__ import annotations

from widgets import Workbench
from workbench.optimiser import optimise
from workbench.scenario import Scenario


def test_the_button_moves_the_chips_to_the_winner_and_explains(live_factory: Scenario) -> None:
    before = dict(live_factory.placement)
    expected = optimise(live_factory.model_copy(deep=True), confirm=0).best
    assert expected is not None
    wb = Workbench(live_factory)
    wb.optimiser.button.click()
    assert not wb.status.errors
    assert wb.scenario.placement == {**before, **expected.placement}
    moved = [k for k in before if before[k] != wb.scenario.placement[k]]
    assert moved
    chips = {c["key"]: c["node"] for c in wb.canvas.chips}
    assert all(chips[k] == wb.scenario.placement[k] for k in moved)
    text = wb.optimiser.explanation.value
    assert "Winner: $" in text and "Against the runner-up" in text
    assert "optimised placement (cost)" in wb.status.entries[-1].text
    # One edit: one undo puts every chip back.
    assert wb.editor.can_undo == "optimising placement (cost)"
    wb.editor.undo()
    assert wb.scenario.placement == before


def test_the_button_refuses_while_a_run_uses_the_scenario(live_factory: Scenario) -> None:
    wb = Workbench(live_factory, until=20)
    wb.step(5.0)
    before = dict(wb.scenario.placement)
    wb.optimiser.button.click()
    assert wb.scenario.placement == before
    assert wb.status.errors and wb.status.errors[-1].startswith("cannot optimise now")
