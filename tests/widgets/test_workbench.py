"""The composed workbench and its controls, driven from Python."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from widgets import Workbench
from workbench.scenario import Scenario

from ..conftest import BROKEN, SCENARIOS


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` in a fresh event loop on its own thread (the browser tests' Playwright
    may leave a loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


@pytest.fixture
def wb(live_factory: Scenario) -> Workbench:
    return Workbench(live_factory, until=120)


def test_displays_itself_as_one_widget(wb: Workbench) -> None:
    bundle = wb._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert wb.status.entries[-1].text.startswith("factory-floor: 5 nodes, 4 links")


def test_step_runs_the_engine_updates_figures_and_locks_edits(wb: Workbench) -> None:
    report = wb.step()
    assert report.end_s == wb.now == 1.0
    assert wb.canvas.mode == "run" and wb.editor.locked
    wb.step(9.0)
    assert len(wb.dashboard.latency_trace("bearing-wear").x) >= 8
    assert "t = 10.0 s" in wb.controls.clock.value
    wb.canvas.drop("visual-inspection.classify", "plant-dc")
    assert "press Reset to edit" in wb.canvas.message["text"]
    assert wb.scenario.placement["visual-inspection.classify"] == "line-gw"
    wb.reset()
    assert wb.simulation is None and wb.canvas.mode == "edit" and not wb.editor.locked
    assert wb.canvas.drop("visual-inspection.classify", "plant-dc")


def test_a_click_during_a_run_fails_the_link_in_the_engine_and_the_plots(wb: Workbench) -> None:
    wb.step(20.0)
    wb.canvas.click = {"kind": "link", "id": "wan", "seq": 1}
    assert wb.failed() == ["wan"] and wb.canvas.failed == ["wan"]
    # paused: the figures show the new outage at once
    assert [a.text for a in wb.dashboard.timeline.layout.annotations] == ["wan down"]
    wb.step(40.0)
    assert max(wb.dashboard.timeline_trace("buffered").y) > 0
    wb.canvas.click = {"kind": "link", "id": "wan", "seq": 2}
    assert wb.failed() == []


def test_play_advances_in_an_asyncio_task_until_paused(wb: Workbench) -> None:
    async def scenario() -> tuple[float, bool]:
        task = wb.play()
        assert task is not None and wb.controls.playing
        assert wb.controls.play_button.disabled and not wb.controls.pause_button.disabled
        await asyncio.sleep(0.6)
        wb.pause()
        await asyncio.sleep(0)
        return wb.now, wb.controls.playing

    wb.controls.speed.value = 20.0
    now, playing = run_async(scenario())
    assert 2.0 < now < 40.0  # 20 simulated s per s, for about half a second
    assert not playing and not wb.controls.play_button.disabled
    assert len(wb.controls.frame_times) >= 2


def test_play_to_the_end_reports_the_run(live_factory: Scenario) -> None:
    wb = Workbench(live_factory, until=20, speed=1000)

    async def scenario() -> None:
        task = wb.play()
        assert task is not None
        await asyncio.wait_for(task, timeout=30)

    run_async(scenario())
    assert wb.simulation is not None and wb.simulation.done
    assert wb.status.entries[-1].text.startswith("run finished at 20 s")
    assert wb.controls.play_button.disabled and wb.controls.step_button.disabled


def test_an_error_while_playing_stops_the_loop_and_is_shown(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_results: object) -> None:
        raise RuntimeError("figure exploded")

    monkeypatch.setattr(wb.dashboard, "extend", lambda *_args: broken(None))

    async def scenario() -> None:
        task = wb.play()
        assert task is not None
        await asyncio.wait_for(task, timeout=10)

    run_async(scenario())
    assert wb.status.errors[-1].startswith("play: RuntimeError: figure exploded")
    assert not wb.controls.playing


def test_button_errors_are_shown_in_the_status_area(wb: Workbench, tmp_path: Path) -> None:
    wb.controls.load_button.click()  # no path typed
    assert wb.status.errors[-1] == "load: type the path of a scenario file first"
    wb.controls.path.value = str(BROKEN / "unknown_hardware.yaml")
    wb.controls.load_button.click()
    assert "unknown hardware" in wb.status.errors[-1]
    assert wb.scenario.name == "factory-floor"


def test_save_and_load_through_the_controls(wb: Workbench, tmp_path: Path) -> None:
    wb.canvas.drop("visual-inspection.classify", "plant-dc")
    wb.controls.path.value = str(tmp_path / "mine.yaml")
    wb.controls.save_button.click()
    assert (tmp_path / "mine.yaml").exists()
    wb.controls.path.value = str(SCENARIOS / "hospital.yaml")
    wb.controls.load_button.click()
    assert wb.scenario.name != "factory-floor"
    assert {n["id"] for n in wb.canvas.nodes} == {n.id for n in wb.scenario.nodes}
    assert wb.dashboard.shown == [w.id for w in wb.scenario.workloads][:6]
    wb.controls.path.value = str(tmp_path / "mine.yaml")
    wb.controls.load_button.click()
    assert wb.scenario.placement["visual-inspection.classify"] == "plant-dc"


def test_selecting_on_the_canvas_opens_the_properties(wb: Workbench) -> None:
    wb.canvas.click = {"kind": "node", "id": "line-gw", "seq": 1}
    assert wb.properties.element_id == "line-gw"
    assert wb.properties.hardware.value == "jetson_agx_orin_64gb"
    wb.canvas.click = {"kind": "link", "id": "wan", "seq": 2}
    assert wb.properties.kind == "link"


def test_estimates_follow_a_drop(wb: Workbench) -> None:
    before = wb.estimates.widget.value
    wb.canvas.drop_request = {"chip": "visual-inspection.classify", "node": "cloud", "seq": 1}
    assert wb.estimates.widget.value != before
