"""TopologyCanvas driven from Python: the traits the browser sets, and what they change."""

from __future__ import annotations

import json

import pytest
import traitlets

from widgets.canvas import LOG_CAP, TopologyCanvas, chip_labels
from widgets.status import StatusArea
from workbench.scenario import Scenario
from workbench.sim import Simulation


@pytest.fixture
def canvas(live_factory: Scenario) -> TopologyCanvas:
    return TopologyCanvas(live_factory, status=StatusArea())


def chip_host(canvas: TopologyCanvas, key: str) -> str:
    return next(c["node"] for c in canvas.chips if c["key"] == key)


def test_draws_five_lanes_bottom_up_with_their_networking_analogue(canvas: TopologyCanvas) -> None:
    assert [lane["tier"] for lane in canvas.lanes] == [
        "far_edge",
        "aggregation_edge",
        "on_prem",
        "telco_edge",
        "cloud",
    ]
    assert canvas.lanes[1]["analogue"] == "aggregation/distribution switch"
    sensors = next(n for n in canvas.nodes if n["id"] == "vib-sensors")
    assert sensors["count"] == 40 and "×40 devices" in sensors["title"]
    assert {link["id"] for link in canvas.links} == {"vib-lan", "cam-lan", "plant-lan", "wan"}
    assert len(canvas.chips) == 7 and all(c["ok"] for c in canvas.chips)


def test_a_drop_request_changes_the_placement(canvas: TopologyCanvas) -> None:
    canvas.drop_request = {"chip": "visual-inspection.classify", "node": "plant-dc", "seq": 1}
    assert canvas.scenario.placement["visual-inspection.classify"] == "plant-dc"
    assert chip_host(canvas, "visual-inspection.classify") == "plant-dc"
    assert canvas.message["level"] == "ok"
    assert "placed on plant-dc" in canvas.message["text"]


def test_a_refused_drop_changes_nothing_and_shows_why(canvas: TopologyCanvas) -> None:
    canvas.drop_request = {"chip": "bearing-wear.twin", "node": "cloud", "seq": 1}
    assert canvas.scenario.placement["bearing-wear.twin"] == "plant-dc"
    assert chip_host(canvas, "bearing-wear.twin") == "plant-dc"
    assert canvas.message["level"] == "warning"
    assert "may not go above the on-premises datacentre (on_prem)" in canvas.message["text"]
    assert "may not go above" in canvas.status.entries[-1].text
    # the same request again (a new seq) is handled again, not lost as "no change"
    canvas.drop_request = {"chip": "bearing-wear.twin", "node": "cloud", "seq": 2}
    assert canvas.message["seq"] == 2


@pytest.mark.parametrize(
    ("trait", "value", "message"),
    [
        ("drop_request", {"chip": "bearing-wear.twin"}, "'node' must be a non-empty string"),
        ("drop_request", ["x"], "expected a dict"),
        ("click", {"kind": "chip", "id": "x"}, "'kind' must be 'node' or 'link'"),
        ("add_request", {"tier": "edge", "x": 1}, "unknown tier 'edge'"),
        ("add_request", {"tier": "cloud", "x": float("nan")}, "'x' must be a finite number"),
        ("connect_request", {"a": "cloud", "b": "cloud"}, "two different nodes"),
        ("move", {"id": "cloud", "x": 1, "colour": "red"}, "unexpected keys"),
        ("delete_request", {"kind": "workload", "id": "x"}, "'kind' must be 'node' or 'link'"),
        ("nodes", [{"id": "a", "tier": "far_edge", "x": 0, "count": 0}], "'count' must be"),
        ("mode", "play", "mode"),
        ("failed", ["wan", "wan"], "ids must be unique"),
    ],
)
def test_traits_reject_bad_values(
    canvas: TopologyCanvas, trait: str, value: object, message: str
) -> None:
    with pytest.raises(traitlets.TraitError, match=message):
        setattr(canvas, trait, value)


def test_bad_data_from_the_browser_is_reported_not_lost(canvas: TopologyCanvas) -> None:
    canvas.set_state({"drop_request": {"chip": 3, "node": "cloud"}})
    assert canvas.message["level"] == "error"
    assert "'chip' must be a non-empty string" in canvas.status.errors[-1]


def test_click_selects_in_edit_mode_and_fails_or_restores_in_a_run(
    live_factory: Scenario, canvas: TopologyCanvas
) -> None:
    canvas.click = {"kind": "link", "id": "wan", "seq": 1}
    assert canvas.selected == {"kind": "link", "id": "wan"}
    sim = Simulation(live_factory, until=60, seed=1)
    sim.advance(to=10)
    canvas.simulation, canvas.mode = sim, "run"
    canvas.click = {"kind": "link", "id": "wan", "seq": 2}
    assert sim.failed() == ["wan"] and canvas.failed == ["wan"]
    assert "wan failed at t = 10.0 s" in canvas.message["text"]
    sim.advance(to=20)
    canvas.click = {"kind": "link", "id": "wan", "seq": 3}
    assert sim.failed() == [] and canvas.failed == []
    canvas.click = {"kind": "node", "id": "line-gw", "seq": 4}
    # a node failed by a click takes its links down, exactly as a scripted node failure does
    assert sim.failed_by_hand() == ["line-gw"]
    assert set(sim.failed()) == {"line-gw", "vib-lan", "cam-lan", "plant-lan"}
    kinds = [(kind, element) for _, kind, element, _ in sim.events if kind in ("fail", "restore")]
    assert kinds[:3] == [("fail", "wan"), ("restore", "wan"), ("fail", "line-gw")]


def test_clicking_an_unknown_element_in_a_run_is_an_error_on_screen(
    live_factory: Scenario, canvas: TopologyCanvas
) -> None:
    canvas.simulation, canvas.mode = Simulation(live_factory, until=10), "run"
    canvas.click = {"kind": "link", "id": "ghost", "seq": 1}
    assert canvas.message["level"] == "warning"
    assert "The link 'ghost' is no longer in the scenario" in canvas.message["text"]


def test_palette_connect_move_and_delete_requests(canvas: TopologyCanvas) -> None:
    canvas.add_request = {"tier": "telco_edge", "x": 1.5, "seq": 1}
    assert "mec1" in {n["id"] for n in canvas.nodes}
    assert canvas.selected == {"kind": "node", "id": "mec1"}
    assert next(n for n in canvas.nodes if n["id"] == "mec1")["tier"] == "telco_edge"
    canvas.connect_request = {"a": "mec1", "b": "plant-dc", "seq": 2}
    assert "plant-dc--mec1" in {link["id"] for link in canvas.links}
    canvas.move = {"id": "mec1", "x": 0.25, "seq": 3}
    assert next(n for n in canvas.nodes if n["id"] == "mec1")["x"] == 0.25
    assert canvas.scenario.node("mec1").position.x == 0.25
    canvas.delete_request = {"kind": "node", "id": "mec1", "seq": 4}
    assert "mec1" not in {n["id"] for n in canvas.nodes}
    assert canvas.selected == {}
    canvas.delete_request = {"kind": "node", "id": "line-gw", "seq": 5}
    assert "still used by" in canvas.message["text"]


def test_a_1000_device_canvas_builds_quickly_with_one_element_per_group(
    fleet_1000: Scenario,
) -> None:
    canvas = TopologyCanvas(fleet_1000.model_copy(deep=True))
    assert sum(n["count"] for n in canvas.nodes if n["tier"] == "far_edge") == 1000
    assert len(canvas.nodes) == 212 and len(canvas.links) == 211 and len(canvas.chips) == 200
    size = len(json.dumps([canvas.nodes, canvas.links, canvas.chips]))
    assert size < 200_000  # thin JSON
    assert canvas.drop("wear-gw7.correlate", "site1-dc")
    assert chip_host(canvas, "wear-gw7.correlate") == "site1-dc"


def test_a_click_on_plus_node_adds_a_node_at_a_free_slot_of_the_chosen_tier(
    canvas: TopologyCanvas,
) -> None:
    """The browser's tier menu sends only the tier: Python picks a slot nobody uses."""
    canvas.add_request = {"tier": "far_edge", "seq": 1}
    added = next(n for n in canvas.nodes if n["id"] == "dev1")
    assert added["tier"] == "far_edge" and added["x"] == 2.0  # right of vib-sensors, cameras
    assert len({(n["tier"], n["x"]) for n in canvas.nodes}) == len(canvas.nodes)
    assert canvas.selected == {"kind": "node", "id": "dev1"}
    assert canvas.message["level"] == "ok"
    assert canvas.add("edge") is None
    assert canvas.message["text"].startswith("There is no tier 'edge'")


def test_dropping_a_node_on_a_node_connects_them_or_says_why_not(canvas: TopologyCanvas) -> None:
    mec = canvas.add("telco_edge")
    assert mec is not None
    assert canvas.message["text"].endswith("to the Telco edge (MEC) tier (telco_edge)")
    canvas.connect_request = {"a": mec, "b": "plant-dc", "seq": 1}
    link = next(k for k in canvas.links if k["id"] == f"plant-dc--{mec}")
    assert link["label"] == "10 Gbit/s · 0.25 ms"  # metro fibre, the on-prem/telco default
    assert canvas.message["text"] == (
        f"Linked plant-dc and {mec} (metro_fibre, 10 Gbit/s · 0.25 ms)."
    )
    canvas.connect_request = {"a": "cloud", "b": "plant-dc", "seq": 2}
    assert canvas.message == {
        "text": "plant-dc and cloud are linked already (by wan)",
        "level": "warning",
        "seq": canvas.message["seq"],
    }
    assert len(canvas.links) == 5


def test_link_labels_show_bandwidth_and_latency_and_follow_an_edit(
    canvas: TopologyCanvas,
) -> None:
    labels = {k["id"]: k["label"] for k in canvas.links}
    assert labels == {
        "vib-lan": "100 Mbit/s · 0.5 ms",
        "cam-lan": "1 Gbit/s · 0.5 ms",
        "plant-lan": "10 Gbit/s · 0.1 ms",
        "wan": "100 Mbit/s · 15 ms",
    }
    canvas.editor.update_link("wan", bandwidth="20 Mbit/s", latency="40 ms")
    assert next(k for k in canvas.links if k["id"] == "wan")["label"] == "20 Mbit/s · 40 ms"


def test_chips_have_one_colour_per_workload_never_red_with_a_key(
    canvas: TopologyCanvas,
) -> None:
    colours = {c["workload"]: c["colour"] for c in canvas.chips}
    assert len(set(colours.values())) == len(colours) == 4
    assert all(c["colour"].upper() not in ("#D62728", "#C0392B") for c in canvas.chips)
    assert [(e["workload"], e["colour"]) for e in canvas.legend] == list(colours.items())
    assert all(c["ok"] for c in canvas.chips)


def test_chip_labels_are_short_and_unique() -> None:
    keys = ["bearing-wear.detect", "bearing-wear.twin", "visual-inspection.detect", "x.twin2"]
    assert chip_labels(keys) == {
        "bearing-wear.detect": "bea·detect",
        "bearing-wear.twin": "twin",
        "visual-inspection.detect": "vis·detect",
        "x.twin2": "twin2",
    }
    alike = chip_labels(["vis-a.x", "vis-b.x", "other.x"])
    assert alike == {"vis-a.x": "vis·x1", "vis-b.x": "vis·x2", "other.x": "oth·x"}


def test_the_factory_chips_have_unique_labels(canvas: TopologyCanvas) -> None:
    labels = [c["label"] for c in canvas.chips]
    assert len(set(labels)) == len(labels)
    assert {"bea·detect", "vis·detect"} <= set(labels)


def test_the_message_log_keeps_only_the_newest_messages(canvas: TopologyCanvas) -> None:
    for index in range(LOG_CAP + 30):
        canvas.say("info", f"message {index}")
    assert len(canvas.log) == LOG_CAP
    assert canvas.log[-1]["text"] == f"message {LOG_CAP + 29}"
    assert canvas.log[0]["text"] == "message 30"
    with pytest.raises(traitlets.TraitError, match=f"at most {LOG_CAP} entries"):
        canvas.log = [{"text": "x", "level": "info"}] * (LOG_CAP + 1)


def test_undo_button_takes_back_the_last_edit_and_says_so(canvas: TopologyCanvas) -> None:
    assert canvas.can_undo == ""
    canvas.drop("visual-inspection.classify", "plant-dc")
    node = canvas.add("cloud")
    assert canvas.can_undo == f"adding {node}"
    canvas.undo_request = {"seq": 1}
    assert node not in {n["id"] for n in canvas.nodes}
    assert canvas.message["text"] == f"Undid adding {node}."
    assert canvas.selected == {}  # the undone node is no longer selected
    assert canvas.undo()
    assert chip_host(canvas, "visual-inspection.classify") == "line-gw"
    assert not canvas.undo()
    assert canvas.message == {
        "text": "There is nothing to undo.",
        "level": "warning",
        "seq": canvas.message["seq"],
    }


def test_a_click_on_a_deleted_node_says_so_and_redraws(canvas: TopologyCanvas) -> None:
    node = canvas.add("cloud")
    nodes_drawn = list(canvas.nodes)
    canvas.delete("node", node)
    canvas.nodes = nodes_drawn  # the browser still shows it (a stale drawing)
    canvas.click = {"kind": "node", "id": node, "seq": 1}
    assert canvas.message["level"] == "warning"
    assert canvas.message["text"] == (
        f"The node '{node}' is no longer in the scenario (it was deleted or undone); "
        "the canvas has been redrawn."
    )
    assert node not in {n["id"] for n in canvas.nodes}
    assert canvas.selected == {}
    assert not canvas.status.errors
