"""The timing helper a benchmark script calls (the numbers are not asserted: a benchmark is not
a test that fails on a slow machine)."""

from __future__ import annotations

from widgets import measure
from widgets.measure import fleet_scenario
from workbench.validation import validate_scenario


def test_the_fleet_is_a_valid_1000_device_scenario() -> None:
    fleet = fleet_scenario(1000)
    assert sum(n.count for n in fleet.nodes if n.tier == "far_edge") == 1000
    assert len(fleet.workloads) == 100
    assert validate_scenario(fleet) == []


def test_measure_reports_placement_and_frame_times() -> None:
    numbers = measure(repeat=2, frames=3, devices=100)
    assert numbers["frames"] == 3 and numbers["fleet_chips"] == 20
    for key in ("placement_ms_median", "placement_ms_max", "frame_ms_median", "frame_ms_p95"):
        assert numbers[key] > 0
