"""The property panel refuses what validation refuses: absurd counts, times and hardware."""

from __future__ import annotations

from pathlib import Path

from widgets.editing import ScenarioEditor
from widgets.panel import PropertyPanel
from workbench.scenario import Scenario, save_scenario


def test_a_billion_devices_are_not_applied(live_factory: Scenario) -> None:
    panel = PropertyPanel(ScenarioEditor(live_factory))
    panel.select("node", "vib-sensors")
    panel.count.value = "1000000000"
    assert not panel.apply()
    assert "at most 1,000,000" in panel.error.value
    assert live_factory.node("vib-sensors").count == 40


def test_an_h100_node_is_not_a_far_edge_device(live_factory: Scenario) -> None:
    panel = PropertyPanel(ScenarioEditor(live_factory))
    panel.select("node", "cameras")
    panel.hardware.value = "h100_node"
    assert not panel.apply()
    assert "not the far edge (far_edge)" in panel.error.value
    assert live_factory.node("cameras").hardware == "jetson_orin_nano_super"


def test_a_time_too_large_to_save_is_not_applied(live_factory: Scenario, tmp_path: Path) -> None:
    """'1e300 s' was reported "Not applied" yet applied, and then every save failed."""
    panel = PropertyPanel(ScenarioEditor(live_factory))
    panel.select("link", "wan")
    panel.latency.value = "1e300 s"
    assert not panel.apply()
    assert "more than the limit of 365 d" in panel.error.value
    assert live_factory.link("wan").latency_s is None  # still the profile's
    save_scenario(live_factory, tmp_path / "still_saves.yaml")
