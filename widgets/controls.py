"""Simulation controls: play, pause, step, reset, speed, run length, seed, load and save.

:class:`Controls` owns the :class:`~workbench.sim.Simulation` of the edited scenario. Play runs
an asyncio task in the kernel's event loop that advances the engine by ``speed`` simulated
seconds per wall-clock second and updates the dashboard and the canvas after each step, so
the notebook stays responsive (clicks on the canvas fail and restore links meanwhile, even
ones the scenario's schedule cut). While a run exists the scenario is locked against edits;
Reset ends the run and unlocks it. Every callback reports its errors in the status area.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as ipw

from workbench.errors import ScenarioError
from workbench.sim import Results, Simulation, StepReport

from .canvas import TopologyCanvas
from .dashboard import Dashboard
from .editing import Edit, ScenarioEditor
from .status import EditRejected, StatusArea, describe

__all__ = ["ClickTarget", "Controls"]

_LOCKED = "a run is in progress: press Reset to edit the scenario"


class Controls:
    """Buttons and fields that drive a simulation of ``editor.scenario`` (``.widget``).

    Parameters
    ----------
    editor
        The scenario to run (locked while a run exists).
    dashboard, canvas
        Updated after every step (both optional).
    until, seed, speed
        Run length (default: the scenario's), seed (default: the scenario's) and simulated
        seconds per wall-clock second while playing.
    frame_s
        Wall-clock seconds between two live frames.
    """

    def __init__(
        self,
        editor: ScenarioEditor,
        *,
        dashboard: Dashboard | None = None,
        canvas: TopologyCanvas | None = None,
        status: StatusArea | None = None,
        until: float | None = None,
        seed: int | None = None,
        speed: float = 10.0,
        frame_s: float = 0.1,
    ) -> None:
        self.editor = editor
        self.dashboard = dashboard
        self.canvas = canvas
        self.status = status or StatusArea()
        self.frame_s = frame_s
        self.simulation: Simulation | None = None
        self.last_report: StepReport | None = None
        self.frame_times: list[float] = []  # wall seconds of each step + figure update
        self._task: asyncio.Task[None] | None = None
        # called after every frame and on reset (with None): views beyond the dashboard
        self.frame_hooks: list[Callable[[Simulation | None], None]] = []
        sim = editor.scenario.simulation
        self.play_button = ipw.Button(description="Play", icon="play", button_style="success")
        self.pause_button = ipw.Button(description="Pause", icon="pause")
        self.step_button = ipw.Button(description="Step", icon="step-forward")
        self.reset_button = ipw.Button(description="Reset", icon="undo")
        for button in (self.play_button, self.pause_button, self.step_button, self.reset_button):
            button.layout = ipw.Layout(width="86px")
        self.speed = ipw.FloatLogSlider(
            value=speed, base=10, min=-1, max=3, step=0.1, description="speed",
            readout_format=".3g", layout=ipw.Layout(width="230px"),
            style={"description_width": "42px"},
        )  # fmt: skip
        self.speed_unit = ipw.HTML("<small>sim s / s</small>")
        self.until = ipw.BoundedFloatText(
            value=until if until is not None else sim.until_s, min=1.0, max=1e7,
            description="run (s)", layout=ipw.Layout(width="150px"),
            style={"description_width": "50px"},
        )  # fmt: skip
        self.seed = ipw.BoundedIntText(
            value=seed if seed is not None else sim.seed, min=0, max=2**31 - 1,
            description="seed", layout=ipw.Layout(width="130px"),
            style={"description_width": "36px"},
        )  # fmt: skip
        self.clock = ipw.HTML(layout=ipw.Layout(min_width="150px"))
        self.clock.add_class("etw-clock")
        self.path = ipw.Text(
            placeholder="scenario.yaml", description="file", layout=ipw.Layout(width="360px"),
            style={"description_width": "30px"},
        )  # fmt: skip
        self.load_button = ipw.Button(description="Load", icon="folder-open")
        self.save_button = ipw.Button(description="Save", icon="save")
        guard = self.status.guarded
        self.play_button.on_click(guard("play", lambda _b: self.play()))
        self.pause_button.on_click(guard("pause", lambda _b: self.pause()))
        self.step_button.on_click(guard("step", lambda _b: self.step()))
        self.reset_button.on_click(guard("reset", lambda _b: self.reset()))
        self.load_button.on_click(guard("load", lambda _b: self.load(self.path.value)))
        self.save_button.on_click(guard("save", lambda _b: self.save(self.path.value)))
        self.until.observe(guard("run length", self._on_setting), names=["value"])
        self.seed.observe(guard("seed", self._on_setting), names=["value"])
        if canvas is not None:
            canvas.observe(guard("failure", self._on_failed), names=["failed"])
        editor.on_change(self._on_edit)
        self.widget = ipw.HBox(
            [
                self.play_button, self.pause_button, self.step_button, self.reset_button,
                self.speed, self.speed_unit, self.until, self.seed, self.clock,
            ],
            layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
        )  # fmt: skip
        self.widget.add_class("etw-controls")
        self.file_row = ipw.HBox([self.path, self.load_button, self.save_button])
        self._show_clock()
        self._enable()

    # ------------------------------------------------------------------ state
    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def step_s(self) -> float:
        """Simulated seconds per press of Step: one time bin of the dashboard."""
        return self.dashboard.bin_s if self.dashboard else max(1.0, self.until.value / 300)

    def start(self) -> Simulation:
        """The current run, made from the scenario if there is none (locks the scenario)."""
        if self.simulation is None:
            if self.editor.problems:
                problems = "; ".join(p.render() for p in self.editor.problems[:5])
                raise RuntimeError(f"the scenario has problems, fix them first: {problems}")
            self.simulation = Simulation(
                self.editor.scenario, until=float(self.until.value), seed=int(self.seed.value)
            )
            self.editor.lock(_LOCKED)
            if self.dashboard is not None:
                self.dashboard.reset(self.editor.scenario, until_s=self.simulation.until_s)
            if self.canvas is not None:
                self.canvas.simulation = ClickTarget(self.simulation)
                self.canvas.mode = "run"
                self.canvas.selected = {}
            self._enable()
        return self.simulation

    # ------------------------------------------------------------------ actions
    def step(self, by: float | None = None) -> StepReport:
        """Advance the run by ``by`` simulated seconds (default :attr:`step_s`), then redraw."""
        sim = self.start()
        began = time.perf_counter()
        report = sim.advance(by=self.step_s if by is None else by)
        self.last_report = report
        self.frame(report)
        self.frame_times.append(time.perf_counter() - began)
        del self.frame_times[:-200]
        if sim.done:
            self._finished()
        return report

    def frame(self, report: StepReport | None = None) -> None:
        """Bring the dashboard, the failed elements and the clock up to the run: the
        dashboard appends what ``report`` (the last step) completed."""
        sim = self.simulation
        if sim is None:
            return
        if self.dashboard is not None and (report is not None or not sim.done):
            self.dashboard.extend(report or sim.advance(by=0), sim)
        if self.canvas is not None:
            failed = sorted(sim.failed())
            if failed != list(self.canvas.failed):
                self.canvas.failed = failed
        for hook in self.frame_hooks:
            hook(sim)
        self._show_clock()

    def play(self) -> asyncio.Task[None] | None:
        """Run in the background at :attr:`speed` until the end or :meth:`pause`."""
        sim = self.start()
        if sim.done:
            self.status.info("the run is over: press Reset to run again")
            return None
        if not self.playing:
            loop = _loop()
            self._task = loop.create_task(self._play())
            self._enable()
        return self._task

    def pause(self) -> None:
        """Stop playing (the run keeps its state; Step or Play continue it)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._task = None
            if self.simulation is not None:  # paused: every figure shows now
                if self.dashboard is not None:
                    self.dashboard.flush(self.simulation)
                for hook in self.frame_hooks:
                    hook(self.simulation)
        self._task = None
        self._enable()
        self._show_clock()

    def reset(self) -> None:
        """End the run: clear the figures, unlock the scenario for edits."""
        self.pause()
        self.simulation = None
        self.last_report = None
        self.editor.unlock()
        if self.dashboard is not None:
            self.dashboard.reset(self.editor.scenario, until_s=float(self.until.value))
        if self.canvas is not None:
            self.canvas.simulation = None
            self.canvas.mode = "edit"
            self.canvas.failed = []
        for hook in self.frame_hooks:
            hook(None)
        self._show_clock()
        self._enable()

    def load(self, path: str) -> None:
        """Load a scenario file (ends any run)."""
        if not path.strip():
            raise ValueError("type the path of a scenario file first")
        self.reset()
        self.editor.load(path.strip())
        self.status.ok(f"loaded {self.editor.scenario.name} from {path.strip()}")

    def save(self, path: str) -> None:
        """Save the scenario as YAML."""
        if not path.strip():
            raise ValueError("type the path to save the scenario to first")
        self.editor.save(path.strip())
        self.status.ok(f"saved {self.editor.scenario.name} to {path.strip()}")

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        try:
            while self.simulation is not None and not self.simulation.done:
                await asyncio.sleep(self.frame_s)
                now = loop.time()
                elapsed = min(now - last, 4 * self.frame_s)  # no leap after a stall
                last = now
                try:
                    self.step(by=float(self.speed.value) * elapsed)
                except Exception as exc:  # shown, and playing stops
                    self.status.error(f"play: {describe(exc)}")
                    break
        finally:
            if self._task is asyncio.current_task():
                self._task = None
            self._enable()

    # ------------------------------------------------------------------ callbacks
    def _finished(self) -> None:
        sim = self.simulation
        if sim is None:
            return
        results = sim.results()
        summary = results.workload_summary()
        worst = [
            f"{w}: p95 {s['latency_p95_s'] * 1e3:.3g} ms"
            for w, s in summary.items()
            if s.get("latency_p95_s") is not None
        ]
        self._report_cost(results)  # under the "run finished" line, which stays the newest
        self.status.ok(f"run finished at {sim.now:.0f} s; " + ", ".join(worst[:4]))
        self._enable()

    def _report_cost(self, results: Results) -> None:
        """One status line with the run's energy and monthly cost (workbench.economics)."""
        from workbench.plots_cost import status_text

        with self.status.guard("energy and cost"):
            self.status.info(status_text(results.economics()))

    def _on_setting(self, _change: dict[str, Any]) -> None:
        if self.simulation is not None:
            self.status.info("run length and seed apply from the next run (press Reset)")
        elif self.dashboard is not None:
            self.dashboard.reset(self.editor.scenario, until_s=float(self.until.value))
        self._show_clock()

    def _on_failed(self, _change: dict[str, Any]) -> None:
        if not self.playing:
            self.frame()  # paused: show the new failure window at once

    def _on_edit(self, edit: Edit) -> None:
        if edit.kind == "load":
            sim = self.editor.scenario.simulation
            self.until.value = sim.until_s
            self.seed.value = sim.seed
            if self.dashboard is not None:
                self.dashboard.reset(self.editor.scenario, until_s=sim.until_s)

    def _enable(self) -> None:
        done = self.simulation is not None and self.simulation.done
        self.play_button.disabled = self.playing or done
        self.pause_button.disabled = not self.playing
        self.step_button.disabled = self.playing or done
        self.load_button.disabled = self.playing

    def _show_clock(self) -> None:
        sim = self.simulation
        now = sim.now if sim else 0.0
        until = sim.until_s if sim else float(self.until.value)
        state = "playing" if self.playing else ("paused" if sim and not sim.done else "")
        if sim is not None and sim.done:
            state = "finished"
        elif sim is None:
            state = "not started"
        self.clock.value = (
            f"<b data-now='{now:.3f}'>t = {now:.1f} s</b> / {until:.0f} s <small>{state}</small>"
        )


class ClickTarget:
    """What a click on the canvas acts on during a run: the simulation, answering in plain
    words. A click on a failed element restores it: one failed by hand with
    :meth:`~workbench.sim.Simulation.restore`, one the scenario's own schedule cut with
    :meth:`~workbench.sim.Simulation.override` (the outage ends now, logged as an override);
    where neither can, and after the run ended, the click says why in one sentence."""

    def __init__(self, simulation: Simulation) -> None:
        self.simulation = simulation

    @property
    def now(self) -> float:
        return self.simulation.now

    def failed(self) -> list[str]:
        return self.simulation.failed()

    def fail(self, element_id: str) -> str | None:
        self._check_running()
        self.simulation.fail(element_id)
        return None  # the canvas says "wan failed at t = ..."

    def restore(self, element_id: str) -> str:
        """Bring ``element_id`` back now; the sentence to show."""
        self._check_running()
        sim = self.simulation
        at = f"t = {_seconds(sim.now)} s"
        before = set(sim.failed())
        if element_id in sim.failed_by_hand():
            sim.restore(element_id)
            held = sim.held_by_schedule(element_id)
            if element_id in sim.failed() and held:
                end = _seconds(max(o.end_s for o in held))
                return (
                    f"{element_id} restored at {at}, but the scenario's schedule keeps it down "
                    f"until t = {end} s; click it again to end that outage now"
                )
            return f"{element_id} restored at {at}"
        try:
            cut = sim.override(element_id)
        except ScenarioError as exc:
            raise EditRejected([p.message for p in exc.problems]) from None
        early = _seconds(max(o.end_s for o in cut) - sim.now)
        if element_id in sim.failed():
            return (
                f"the scheduled outage of {element_id} ended at {at}, {early} s early, but "
                f"{element_id} is still down for another reason"
            )
        others = sorted(before - set(sim.failed()) - {element_id})
        what = f"{element_id} (with {', '.join(others)})" if others else element_id
        return f"{what} restored by hand at {at}, {early} s before its scheduled end"

    def _check_running(self) -> None:
        if self.simulation.done:
            raise EditRejected(
                [f"the run is over (t = {self.simulation.now:.0f} s): press Reset to run again"]
            )


def _seconds(value: float) -> str:
    """``212``, ``150.5``: seconds to a tenth, without a trailing ``.0``."""
    return f"{round(value, 1):g}" if abs(value) < 1e6 else f"{value:.0f}"


def _loop() -> asyncio.AbstractEventLoop:
    """The kernel's running event loop (ipykernel runs one), else the thread's."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()
