"""TopologyCanvas driven from Python: the traits the browser sets, and what they change."""

from __future__ import annotations

import json
import time

import pytest
import traitlets

from widgets.canvas import TopologyCanvas
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
    assert "confidential data may not go above tier on_prem" in canvas.message["text"]
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
    # A node failed by hand takes its links down, as a scripted node failure does.
    assert sim.failed() == ["vib-lan", "cam-lan", "plant-lan", "line-gw"]
    kinds = [(kind, element) for _, kind, element, _ in sim.events if kind in ("fail", "restore")]
    assert kinds == [("fail", "wan"), ("restore", "wan"), ("fail", "line-gw")] + [
        ("fail", link) for link in ("vib-lan", "cam-lan", "plant-lan")
    ]


def test_clicking_an_unknown_element_in_a_run_is_an_error_on_screen(
    live_factory: Scenario, canvas: TopologyCanvas
) -> None:
    canvas.simulation, canvas.mode = Simulation(live_factory, until=10), "run"
    canvas.click = {"kind": "link", "id": "ghost", "seq": 1}
    assert "no link or node 'ghost'" in canvas.message["text"]


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
    began = time.perf_counter()
    canvas = TopologyCanvas(fleet_1000.model_copy(deep=True))
    built = time.perf_counter() - began
    assert sum(n["count"] for n in canvas.nodes if n["tier"] == "far_edge") == 1000
    assert len(canvas.nodes) == 212 and len(canvas.links) == 211 and len(canvas.chips) == 200
    size = len(json.dumps([canvas.nodes, canvas.links, canvas.chips]))
    assert size < 200_000  # thin JSON
    assert built < 5.0  # generous: a smoke check, the benchmark is widgets.measure
    assert canvas.drop("wear-gw7.correlate", "site1-dc")
    assert chip_host(canvas, "wear-gw7.correlate") == "site1-dc"
