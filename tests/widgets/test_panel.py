"""The property panel and the estimate view."""

from __future__ import annotations

from widgets.editing import ScenarioEditor
from widgets.panel import EstimateView, PropertyPanel
from widgets.status import StatusArea
from workbench.scenario import Scenario


def test_bad_property_input_shows_an_error_and_changes_nothing(live_factory: Scenario) -> None:
    status = StatusArea()
    panel = PropertyPanel(ScenarioEditor(live_factory), status=status)
    panel.select("link", "wan")
    assert panel.bandwidth.placeholder.startswith("profile:")
    panel.bandwidth.value = "-5 Mbit/s"
    assert not panel.apply()
    assert "bandwidth: &#x27;-5 Mbit/s&#x27; must be greater than zero" in panel.error.value
    assert "Not applied" in panel.error.value
    assert live_factory.link("wan").bandwidth_bps is None  # still the profile's
    assert "not applied" in status.entries[-1].text


def test_good_property_input_is_applied(live_factory: Scenario) -> None:
    panel = PropertyPanel(ScenarioEditor(live_factory))
    panel.select("link", "wan")
    panel.bandwidth.value = "20 Mbit/s"
    panel.latency.value = "40 ms"
    assert panel.apply()
    assert live_factory.link("wan").bandwidth_bps == 20e6
    assert live_factory.link("wan").latency_s == 0.04
    assert panel.error.value == ""
    assert panel.bandwidth.value == "20 Mbit/s"  # refilled from the scenario


def test_node_hardware_change_that_breaks_a_placement_is_refused(live_factory: Scenario) -> None:
    panel = PropertyPanel(ScenarioEditor(live_factory))
    panel.select("node", "line-gw")
    assert panel.count.value == "1" and panel.storage.value == "1 TB"
    panel.hardware.value = "stm32h7a3"
    assert not panel.apply()
    assert "does not fit line-gw" in panel.error.value
    assert live_factory.node("line-gw").hardware == "jetson_agx_orin_64gb"
    panel.select("node", "line-gw")
    panel.storage.value = "2 TB"
    panel.count.value = "two"
    assert not panel.apply()
    assert "count" in panel.error.value
    panel.count.value = "1"
    assert panel.apply()
    assert live_factory.node("line-gw").storage_bytes == 2e12


def test_delete_from_the_panel(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    panel = PropertyPanel(editor)
    extra = editor.add_node("cloud", 2.0)
    panel.select("node", extra)
    assert panel.delete()
    assert panel.kind is None
    panel.select("node", "line-gw")
    assert not panel.delete()
    assert "still used by" in panel.error.value


def test_estimates_refresh_after_every_edit(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    view = EstimateView(editor)
    before = view.widget.value
    assert "visual-inspection" in before and "99.38 %" in before
    editor.place("visual-inspection.classify", "cloud")
    assert view.widget.value != before
    assert "38.2 ms" in view.widget.value  # the cloud round trip


def test_undo_refills_the_panel_and_clears_it_when_its_element_is_gone(
    live_factory: Scenario,
) -> None:
    editor = ScenarioEditor(live_factory)
    panel = PropertyPanel(editor)
    panel.select("link", "wan")
    panel.bandwidth.value = "20 Mbit/s"
    assert panel.apply()
    editor.undo()
    assert panel.bandwidth.value == ""  # back to the profile's figure, shown as a placeholder
    assert live_factory.link("wan").bandwidth_bps is None
    node = editor.add_node("cloud", 2.0)
    panel.select("node", node)
    editor.undo()
    assert panel.kind is None and "Click a node or link" in panel.header.value


def test_estimate_names_tiers_and_shows_only_the_boundaries_the_scenario_has(
    live_factory: Scenario,
) -> None:
    """The factory has no MEC node: its plant-to-cloud boundary passes through the telco edge
    and is listed once, with the catalogue's tier names, never ids."""
    view = EstimateView(ScenarioEditor(live_factory))
    text = view.widget.value
    assert "Far edge → Aggregation edge" in text
    assert "On-premises datacentre → Hyperscale cloud" in text
    assert "passes through Telco edge (MEC)" in text
    assert "far_edge" not in text and "telco_edge →" not in text and "→ telco_edge" not in text
    assert text.count(" %</td>") == 3
