"""Models in the workbench: version rings on the canvas, the rollout panel, live figures."""

from __future__ import annotations

import pytest
import traitlets

from widgets import Workbench
from workbench.plots_models import VERSION_COLOURS
from workbench.scenario import Scenario, load_scenario

from ..conftest import SCENARIOS


@pytest.fixture
def bad_rollout() -> Scenario:
    """The factory with two defect-classifier versions and no scheduled rollout (the panel
    starts one)."""
    scenario = load_scenario(SCENARIOS / "factory_bad_rollout.yaml")
    scenario.rollouts = []
    scenario.failures = []
    return scenario


def test_nodes_show_the_version_they_start_with_and_the_key(bad_rollout: Scenario) -> None:
    wb = Workbench(bad_rollout, until=200)
    assert wb.canvas.versions["line-gw"]["version"] == "defect-v1"
    assert wb.canvas.versions["line-gw"]["colour"] == VERSION_COLOURS[0]
    assert [k["version"] for k in wb.canvas.version_key] == ["defect-v1", "defect-v2"]
    assert wb.models.widget.layout.display is None  # shown: the scenario declares versions
    assert (wb.models.version.value, wb.models.target.value) == ("defect-v2", ("nodes", "line-gw"))


def test_a_rollout_from_the_panel_changes_the_node_version(bad_rollout: Scenario) -> None:
    """All at once to the line gateway: the checkpoint comes down, the ring changes colour,
    the progress bar reaches 100 % and the accuracy figure gains the new version's line."""
    wb = Workbench(bad_rollout, until=200)
    panel = wb.models
    panel.strategy.value = "all_at_once"
    wb.step(10)
    panel.start_button.click()
    assert not wb.status.errors, wb.status.errors
    assert wb.status.entries[-1].text.startswith("rollout defect-v2-all-at-once-1")
    for _ in range(40):
        wb.step(5)
        if wb.canvas.versions["line-gw"]["version"] == "defect-v2":
            break
    assert wb.canvas.versions["line-gw"] == {
        "version": "defect-v2",
        "colour": VERSION_COLOURS[1],
        "title": "defect-v2 (resnet50 2.0, true accuracy 0.85)",
    }
    wb.step(30)
    (bars,) = panel.progress.data
    assert list(bars.y) == ["line-gw"] and list(bars.x) == [100.0]
    lines = [t.name for t in panel.accuracy.data if t.meta["kind"] == "accuracy"]
    assert lines == ["defect-v1", "defect-v2"]
    assert panel.accuracy.layout.yaxis.title.text == "accuracy of served predictions (%)"
    wb.reset()
    assert wb.canvas.versions["line-gw"]["version"] == "defect-v1"  # back to the start
    assert not panel.progress.data


def test_a_refused_rollout_says_why_in_the_status_area(bad_rollout: Scenario) -> None:
    wb = Workbench(bad_rollout, until=200)
    wb.models.version.options = ["defect-v2", "no-such-version"]
    wb.models.version.value = "no-such-version"
    wb.models.start_button.click()
    (error,) = wb.status.errors
    assert "no-such-version" in error and error.startswith("rollout:")


def test_without_versions_the_models_view_is_hidden(live_factory: Scenario) -> None:
    wb = Workbench(live_factory, until=60)
    assert wb.models.widget.layout.display == "none"
    assert wb.canvas.versions == {} and wb.canvas.version_key == []
    wb.step(10)
    assert wb.canvas.versions == {}


def test_the_canvas_refuses_a_version_ring_without_a_colour(bad_rollout: Scenario) -> None:
    wb = Workbench(bad_rollout, until=60)
    with pytest.raises(traitlets.TraitError, match="colour"):
        wb.canvas.versions = {"line-gw": {"version": "defect-v1", "colour": ""}}


def test_clicking_the_wan_pauses_the_transfer_on_screen(bad_rollout: Scenario) -> None:
    """A bigger checkpoint takes a while to come down: cutting the WAN by a click stops its
    progress bar, labelled "paused"; restoring it lets the transfer finish."""
    bad_rollout.model_versions[1].size_bytes = 1e9
    wb = Workbench(bad_rollout, until=600)
    wb.models.strategy.value = "all_at_once"
    wb.step(5)
    wb.models.start()
    wb.step(20)
    wb.canvas.click_element("link", "wan")
    assert wb.failed() == ["wan"]
    wb.step(5)
    (bars,) = wb.models.progress.data
    held = bars.x[0]
    assert 0 < held < 100 and bars.text[0].startswith("paused")
    wb.step(20)
    assert wb.models.progress.data[0].x[0] == held  # nothing moves while the WAN is down
    wb.canvas.click_element("link", "wan")
    for _ in range(60):
        wb.step(10)
        if wb.models.progress.data[0].x[0] >= 100:
            break
    assert wb.models.progress.data[0].text[0] == "done"
    assert wb.simulation.results().transfers()["pauses"].sum() == 1


def test_a_canary_shows_as_a_dashed_second_ring_with_its_share(bad_rollout: Scenario) -> None:
    wb = Workbench(bad_rollout, until=600)
    assert wb.models.strategy.value == "canary" and wb.models.share.value == 0.1
    wb.models.start()
    for _ in range(40):
        wb.step(5)
        if "split" in wb.canvas.versions["line-gw"]:
            break
    ring = wb.canvas.versions["line-gw"]
    assert ring["version"] == "defect-v1"
    assert ring["split"] == {"version": "defect-v2", "colour": VERSION_COLOURS[1], "share": 0.1}
