"""The status area reports a finished run's energy and monthly cost (issue 15)."""

from __future__ import annotations

from widgets import Workbench
from workbench.scenario import Scenario


def test_a_finished_run_reports_its_energy_and_cost(live_factory: Scenario) -> None:
    wb = Workbench(live_factory, until=20)
    wb.controls.step(by=20)
    assert wb.simulation is not None and wb.simulation.done
    texts = [entry.text for entry in wb.status.entries]
    assert texts[-1].startswith("run finished at 20 s")
    cost = texts[-2]
    assert cost.startswith("energy ") and "per inference" in cost, cost
    assert "a month" in cost and "raw to cloud $" in cost, cost
    assert not wb.status.errors
