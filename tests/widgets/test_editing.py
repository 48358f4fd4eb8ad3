"""ScenarioEditor: every edit is checked first; a refused one changes nothing and says why."""

from __future__ import annotations

import pytest

from widgets.editing import EditRejected, ScenarioEditor
from workbench.scenario import Scenario, load_scenario

from ..conftest import SCENARIOS


def test_an_allowed_placement_changes_the_scenario_in_place_and_the_estimate(
    live_factory: Scenario,
) -> None:
    editor = ScenarioEditor(live_factory)
    before = editor.estimate.workloads["visual-inspection"].latency_s
    check = editor.place("visual-inspection.classify", "plant-dc")
    assert check.accepted and check.latency_before_s == before
    assert live_factory.placement["visual-inspection.classify"] == "plant-dc"  # same object
    assert editor.estimate.workloads["visual-inspection"].latency_s == check.latency_after_s
    assert check.latency_after_s != before


@pytest.mark.parametrize(
    ("key", "node", "reason"),
    [
        ("bearing-wear.twin", "cloud", "may not go above the on-premises datacentre"),
        ("bearing-wear.twin", "vib-sensors", "does not fit vib-sensors"),
        ("bearing-wear.correlate", "vib-sensors", "aggregates the data of all 40 devices"),
        ("bearing-wear.twin", "nowhere", "no node 'nowhere'"),
        ("bearing-wear.nothing", "cloud", "has no stage 'nothing'"),
    ],
)
def test_a_refused_placement_changes_nothing_and_says_why(
    live_factory: Scenario, key: str, node: str, reason: str
) -> None:
    editor = ScenarioEditor(live_factory)
    placement = dict(live_factory.placement)
    with pytest.raises(EditRejected, match=reason):
        editor.place(key, node)
    assert live_factory.placement == placement


def test_a_placement_with_no_path_is_refused(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    island = editor.add_node("cloud", 3.0)
    with pytest.raises(EditRejected, match="cannot reach"):
        editor.place("defect-upload.archive", island)
    assert live_factory.placement["defect-upload.archive"] == "cloud"


def test_an_accepted_placement_carries_the_advisors_concerns(live_factory: Scenario) -> None:
    check = ScenarioEditor(live_factory).check_placement("bearing-wear.correlate", "cameras")
    assert check.accepted
    assert any("results flow up" in w for w in check.warnings)
    assert "advisor suggests line-gw" in check.advice


def test_listeners_hear_every_accepted_edit_only(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    heard: list[str] = []
    editor.on_change(lambda edit: heard.append(edit.kind))
    editor.place("visual-inspection.classify", "plant-dc")
    with pytest.raises(EditRejected):
        editor.place("bearing-wear.twin", "cloud")
    gw = editor.add_node("aggregation_edge", 2.0)
    editor.connect(gw, "plant-dc")
    editor.move(gw, 2.5)
    assert heard == ["place", "add", "connect", "move"]


def test_topology_edits_keep_the_scenario_valid(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    gw = editor.add_node("aggregation_edge", 2.0)
    assert live_factory.node(gw).hardware == "jetson_orin_nx"
    assert live_factory.node(gw).position.x == 2.0
    link = editor.connect("plant-dc", gw)  # ends are put lower tier first
    assert live_factory.link(link).ends == (gw, "plant-dc")
    assert live_factory.link(link).profile == "campus_lan"
    with pytest.raises(EditRejected, match="linked already"):
        editor.connect(gw, "plant-dc")
    with pytest.raises(EditRejected, match=r"still used by stage bearing-wear\.correlate"):
        editor.delete("node", "line-gw")
    with pytest.raises(EditRejected, match="'vib-sensors' has no link to any other node"):
        editor.delete("link", "vib-lan")  # the sensors would be cut off
    editor.delete("node", gw)
    assert gw not in {n.id for n in live_factory.nodes}
    assert link not in {lk.key for lk in live_factory.links}
    assert editor.problems == []


def test_property_updates_parse_units_and_refuse_bad_values(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    editor.update_link("wan", bandwidth="50 Mbit/s", latency="30 ms")
    assert live_factory.link("wan").bandwidth_bps == 50e6
    assert live_factory.link("wan").latency_s == 0.03
    with pytest.raises(
        EditRejected, match=r"link wan: bandwidth: '-5 Mbit/s' must be greater than zero"
    ):
        editor.update_link("wan", bandwidth="-5 Mbit/s")
    with pytest.raises(EditRejected, match="add a unit"):
        editor.update_link("wan", latency="30")
    with pytest.raises(EditRejected, match="does not fit line-gw"):
        editor.update_node("line-gw", hardware="stm32h7a3")
    with pytest.raises(EditRejected, match="no editable field 'colour'"):
        editor.update_node("line-gw", colour="red")
    assert live_factory.link("wan").bandwidth_bps == 50e6
    assert live_factory.node("line-gw").hardware == "jetson_agx_orin_64gb"
    editor.update_link("wan", bandwidth="")  # empty: back to the profile's figure
    assert live_factory.link("wan").bandwidth_bps is None


def test_a_locked_editor_refuses_edits_but_not_moves(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    editor.lock("a run is in progress")
    with pytest.raises(EditRejected, match="a run is in progress"):
        editor.place("visual-inspection.classify", "plant-dc")
    with pytest.raises(EditRejected, match="a run is in progress"):
        editor.add_node("cloud")
    editor.move("cloud", 4.0)
    editor.unlock()
    editor.place("visual-inspection.classify", "plant-dc")


def test_save_and_load_round_trip(live_factory: Scenario, tmp_path) -> None:
    editor = ScenarioEditor(live_factory)
    editor.place("visual-inspection.classify", "plant-dc")
    editor.save(tmp_path / "edited.yaml")
    other = ScenarioEditor(load_scenario(SCENARIOS / "hospital.yaml"))
    other.load(tmp_path / "edited.yaml")
    assert other.scenario.placement["visual-inspection.classify"] == "plant-dc"
    assert other.scenario.name == "factory-floor"


def test_two_nodes_of_one_tier_can_be_connected(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    node = editor.add_node("aggregation_edge")
    link = editor.connect("line-gw", node)
    assert live_factory.link(link).profile == "campus_lan"
    assert editor.problems == []


def test_a_drop_that_fixes_more_than_it_reveals_is_accepted(live_factory: Scenario) -> None:
    """Both bearing-wear stages start above the boundary: moving the first one back fixes its
    problem and leaves the second's, which was there all along; the move is progress."""
    live_factory.placement["bearing-wear.correlate"] = "cloud"
    live_factory.placement["bearing-wear.twin"] = "cloud"
    editor = ScenarioEditor(live_factory)
    before = len(editor.problems)
    check = editor.place("bearing-wear.correlate", "line-gw")
    assert check.accepted
    assert live_factory.placement["bearing-wear.correlate"] == "line-gw"
    assert 0 < len(editor.problems) < before
    editor.place("bearing-wear.twin", "plant-dc")
    assert editor.problems == []


def test_undo_takes_back_each_kind_of_edit_in_reverse_order(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    original = live_factory.model_dump()
    heard: list[str] = []
    editor.on_change(lambda edit: heard.append(edit.kind))
    editor.place("visual-inspection.classify", "plant-dc")
    gw = editor.add_node("aggregation_edge", 2.0)
    link = editor.connect(gw, "plant-dc")
    editor.move(gw, 3.5)
    editor.update_link("wan", bandwidth="20 Mbit/s")
    editor.delete("link", link)
    assert editor.can_undo == f"deleting link {link}"
    assert editor.undo() == f"deleting link {link}"
    assert link in {lk.key for lk in live_factory.links}
    assert editor.undo() == "changing link wan (bandwidth)"
    assert live_factory.link("wan").bandwidth_bps is None
    assert editor.undo() == f"moving {gw}"
    assert live_factory.node(gw).position.x == 2.0
    assert editor.undo() == f"linking {gw} and plant-dc"
    assert link not in {lk.key for lk in live_factory.links}
    assert editor.undo() == f"adding {gw}"
    assert gw not in {n.id for n in live_factory.nodes}
    assert editor.undo() == "placing visual-inspection.classify on plant-dc"
    assert live_factory.model_dump() == original  # the same object, as it was
    assert editor.problems == [] and editor.estimate is not None
    assert heard[-6:] == ["undo"] * 6
    with pytest.raises(EditRejected, match="There is nothing to undo"):
        editor.undo()
    assert editor.can_undo == ""


def test_undo_of_a_deleted_node_brings_back_its_links(live_factory: Scenario) -> None:
    editor = ScenarioEditor(live_factory)
    gw = editor.add_node("aggregation_edge", 2.0)
    editor.connect(gw, "plant-dc")
    editor.delete("node", gw)
    editor.undo()
    assert gw in {n.id for n in live_factory.nodes}
    assert f"{gw}--plant-dc" in {lk.key for lk in live_factory.links}


def test_undo_is_refused_while_locked_and_forgotten_on_load(
    live_factory: Scenario, tmp_path
) -> None:
    editor = ScenarioEditor(live_factory)
    editor.place("visual-inspection.classify", "plant-dc")
    editor.lock("a run is in progress")
    with pytest.raises(EditRejected, match="a run is in progress"):
        editor.undo()
    editor.unlock()
    editor.save(tmp_path / "s.yaml")
    editor.load(tmp_path / "s.yaml")
    assert editor.can_undo == ""


def test_connecting_nodes_already_linked_under_another_name_is_refused(
    live_factory: Scenario,
) -> None:
    """The WAN joins plant-dc and cloud: a second link would be a silent duplicate."""
    editor = ScenarioEditor(live_factory)
    with pytest.raises(EditRejected, match=r"^plant-dc and cloud are linked already \(by wan\)$"):
        editor.connect("cloud", "plant-dc")
    assert len(live_factory.links) == 4


def test_a_free_slot_is_right_of_the_lane_or_of_the_drawing_for_an_empty_lane(
    live_factory: Scenario,
) -> None:
    editor = ScenarioEditor(live_factory)
    xs = {"vib-sensors": 0.0, "cameras": 1.0, "line-gw": 0.5, "plant-dc": 0.5, "cloud": 0.5}
    assert editor.free_slot("far_edge", xs) == 2.0
    assert editor.free_slot("on_prem", xs) == 1.5
    assert editor.free_slot("telco_edge", xs) == 2.0  # not 0.5, on the WAN's line
