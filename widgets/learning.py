"""The learning loop in the workbench (issue 12): the accuracy timeline per site as the run
plays, a one-line state of each loop, and a control to inject a drift now.

:class:`LearningView` draws :func:`workbench.plots_learning.learning_accuracy_figure` (the
report's figure) in a :class:`~widgets.plotgrid.PlotGrid` and, while the run plays, appends
only the time bins completed since the last frame (at most once a wall second; every frame
when paused or stepped) and sends the marks (drift, detections, false alarms, upload,
retraining, rollout decision, recovery) only when one appears or moves. The state line reads
:meth:`workbench.sim.Simulation.learning_state` ("defect-loop: retraining"). The inject
control shows only when the engine offers :meth:`~workbench.sim.Simulation.inject_drift`.
All of it stays hidden when the scenario declares neither drift nor learning.
:class:`~widgets.controls.Controls` calls :meth:`LearningView.frame` after every step (and
with ``None`` on reset).
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import ipywidgets as ipw
import numpy as np
import pandas as pd

from workbench import scenario as scenario_module
from workbench.plots import outage_windows
from workbench.plots_learning import (
    accuracy_layout,
    accuracy_points,
    learning_accuracy_figure,
    learning_marks,
    site_accuracy,
)
from workbench.plots_models import DecisionMark, outage_marks
from workbench.scenario import Scenario
from workbench.sim import Simulation

from .controls import Controls
from .editing import Edit, ScenarioEditor
from .plotgrid import PlotGrid
from .status import StatusArea

__all__ = ["LearningView", "loop_workload", "state_line"]

_REDRAW_S = 1.0  # wall seconds between two updates of the timeline while playing
_STATE_COLOURS = {
    "recovered": "#1e7b45",
    "undetected": "#b45309",
    "retraining": "#1d4ed8",
    "uploading": "#0e7490",
    "waiting_for_samples": "#6d28d9",
    "rolling_out": "#3d5a80",
    "rolled_back": "#b03a2e",
    "refused": "#b03a2e",
}


def _declared(scenario: Scenario, name: str) -> list[Any]:
    return list(getattr(scenario, name, None) or [])


def loop_workload(scenario: Scenario) -> str | None:
    """The workload the timeline follows: the first learning loop's, else the first drift's."""
    for entry in [*_declared(scenario, "learning"), *_declared(scenario, "drift")]:
        return str(entry.workload)
    return None


def state_line(states: dict[str, str] | None, now_s: float | None) -> str:
    """One line of HTML: each loop and its state (``Simulation.learning_state()``), or what
    to do before a run."""
    if states is None:
        return "<b>Learning loop</b>: press Play (or inject a drift) to run it"
    if not states:
        return "<b>Learning loop</b>: no loop declared; drift only"
    parts = [
        f'{html.escape(loop)}: <b data-state="{html.escape(state)}" style="color:'
        f'{_STATE_COLOURS.get(state, "#37474f")}">{html.escape(state.replace("_", " "))}</b>'
        for loop, state in states.items()
    ]
    when = f" at {now_s:,.0f} s" if now_s is not None else ""
    return f"<b>Learning loop</b>{when}: " + " · ".join(parts)


class LearningView:
    """Accuracy timeline, loop state and drift injection of a running scenario (``.widget``).

    Parameters
    ----------
    editor
        The scenario (its ``drift`` and ``learning`` declarations).
    controls
        The simulation controls: they call :meth:`frame` after each step, and the inject
        control uses (or makes) their run.
    """

    def __init__(
        self,
        editor: ScenarioEditor,
        *,
        controls: Controls,
        status: StatusArea | None = None,
    ) -> None:
        self.editor = editor
        self.controls = controls
        self.status = status or controls.status
        self.injected: list[Any] = []  # drifts injected in this run
        self._drawn = -math.inf  # wall time of the last update
        guard = self.status.guarded
        self.state = ipw.HTML(state_line(None, None))
        self.state.add_class("etw-learning-state")
        style = {"description_width": "initial"}
        self.drop = ipw.BoundedFloatText(
            value=0.15, min=0.01, max=0.9, step=0.05, description="accuracy drop",
            style=style, layout=ipw.Layout(width="170px"),
        )  # fmt: skip
        self.shape = ipw.Dropdown(options=["step", "gradual"], value="step",
                                  description="shape", style=style,
                                  layout=ipw.Layout(width="150px"))  # fmt: skip
        self.over = ipw.BoundedFloatText(
            value=120.0, min=1.0, max=1e6, description="over (s)", style=style,
            layout=ipw.Layout(width="140px"), disabled=True,
        )  # fmt: skip
        self.inject_button = ipw.Button(description="Inject drift", icon="bolt",
                                        button_style="warning")  # fmt: skip
        self.inject_button.add_class("etw-inject-drift")
        self.inject_button.on_click(guard("inject drift", lambda _b: self.inject()))
        self.shape.observe(guard("drift shape", self._on_shape), names=["value"])
        self.inject_row = ipw.HBox(
            [self.drop, self.shape, self.over, self.inject_button],
            layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.inject_row.add_class("etw-inject-row")
        self.grid = PlotGrid(columns=1)
        self.grid.add_class("etw-learning-plots")
        self.widget = ipw.VBox(
            [self.state, self.inject_row, self.grid], layout=ipw.Layout(width="100%")
        )
        self.widget.add_class("etw-learning")
        controls.frame_hooks.append(guard("learning", self.frame))
        editor.on_change(guard("learning", self._on_edit))
        self.reset()

    # ------------------------------------------------------------------ reading
    @property
    def scenario(self) -> Scenario:
        return self.editor.scenario

    @property
    def declared(self) -> bool:
        """Whether the scenario declares drift or learning (else the view is hidden)."""
        return bool(_declared(self.scenario, "drift") or _declared(self.scenario, "learning"))

    @property
    def can_inject(self) -> bool:
        """Whether the engine can start a drift in a running simulation."""
        return hasattr(Simulation, "inject_drift") and hasattr(scenario_module, "Drift")

    @property
    def figure(self) -> Any:
        """The accuracy timeline, as the browser shows it."""
        return self.grid.figures[0]

    def sites(self) -> list[str]:
        """Sites that get a line before the first point: those of the drifts of the followed
        workload, else every site with a node that serves a model version."""
        workload = loop_workload(self.scenario)
        declared = [
            str(site)
            for drift in _declared(self.scenario, "drift")
            if str(drift.workload) == workload
            for site in (getattr(drift, "sites", None) or [])
        ]
        versioned = [n.site for n in self.scenario.nodes if n.site and n.versions]
        return list(dict.fromkeys(declared or sorted(set(versioned))))

    # ------------------------------------------------------------------ acting
    def drift(self) -> Any:
        """The drift the inject control describes, starting now in the current run."""
        sim = self.controls.simulation
        workload = loop_workload(self.scenario)
        if workload is None:
            raise ValueError("the scenario declares no drift or learning loop to inject into")
        fields: dict[str, Any] = {
            "id": f"injected-{len(self.injected) + 1}",
            "workload": workload,
            "at": sim.now if sim is not None else 0.0,
            "shape": self.shape.value,
            "accuracy_drop": float(self.drop.value),
            "feature_shift": 1.0,
        }
        if self.shape.value == "gradual":
            fields["over"] = float(self.over.value)
        return getattr(scenario_module, "Drift").model_validate(fields)  # noqa: B009

    def inject(self) -> Any:
        """Start the control's drift now (making the run if needed); the engine's refusal shows
        in the status area."""
        if not self.can_inject:
            raise RuntimeError("this engine cannot inject a drift into a running simulation")
        sim: Any = self.controls.start()
        drift = self.drift()
        sim.inject_drift(drift)
        self.injected.append(drift)
        self.status.ok(
            f"drift {drift.id}: {drift.workload} loses {self.drop.value:.0%} accuracy "
            f"({self.shape.value}) from t = {sim.now:.0f} s"
        )
        self.frame(sim, force=True)
        return drift

    def reset(self, until_s: float | None = None) -> None:
        """Show or hide the view, empty the timeline (its sites' traces ready), no marks;
        ``until_s``: the run's length (default: the controls')."""
        self.widget.layout.display = None if self.declared else "none"
        self.inject_row.layout.display = None if self.can_inject else "none"
        self.injected = []
        self._sites = self.sites()
        self._done_bins = 0.0  # bins starting before this time are drawn
        self._marks: list[DecisionMark] = []
        self._low = 50.0
        self.state.value = state_line(None, None)
        if not self.declared:  # hidden: no figure to build or send
            self.grid.show([])
            return
        until = float(until_s or self.controls.until.value)
        self._note = True  # the figure says "no prediction judged yet"
        self._bin_s = max(1.0, round(until / 60))
        self._until = until
        empty = pd.DataFrame(columns=["t_s", "workload", "site", "version", "served",
                                      "labelled", "correct", "accuracy", "expected"])  # fmt: skip
        figure = learning_accuracy_figure(
            empty, until_s=until, bin_s=self._bin_s, workload=loop_workload(self.scenario),
            sites=self._sites,
        )  # fmt: skip
        figure.update_layout(height=400)
        self.grid.show([figure])

    def frame(self, sim: Simulation | None, *, force: bool = False) -> None:
        """Bring the timeline, its marks and the state line up to ``sim`` (``None``: reset):
        append the bins completed since the last update, at most once a wall second while
        playing, and send the marks only when they changed."""
        if not self.declared:
            return
        if sim is None:
            self.reset()
            return
        live: Any = sim
        self.state.value = state_line(dict(live.learning_state()), sim.now)
        playing = self.controls.playing and not sim.done
        if playing and not force and time.monotonic() - self._drawn < _REDRAW_S:
            return
        self._drawn = time.monotonic()
        if sim.until_s != self._until:
            self.reset(sim.until_s)
        self._update(sim)

    # ------------------------------------------------------------------ updating
    def _update(self, sim: Simulation) -> None:
        results: Any = sim.results()
        workload = loop_workload(self.scenario)
        table = site_accuracy(results.accuracy(self._bin_s), workload)
        complete = sim.now if sim.done else math.floor(sim.now / self._bin_s) * self._bin_s
        ends = table["t_s"].to_numpy(dtype=float) + self._bin_s
        new = table[(table["t_s"] >= self._done_bins - 1e-9) & (ends <= complete + 1e-9)]
        if sim.done:
            new = table[table["t_s"] >= self._done_bins - 1e-9]
        if set(new["site"]) - set(self._sites):  # a site not drawn yet: draw everything
            self._sites = [*self._sites, *sorted(set(new["site"]) - set(self._sites))]
            self._redraw(results, table[ends <= complete + 1e-9] if not sim.done else table, sim)
            return
        changes: list[dict[str, Any]] = []
        figure = self.figure
        if len(new):
            self._done_bins = float(new["t_s"].max()) + self._bin_s
            for index, site in enumerate(self._sites):
                points = accuracy_points(new, site, self._bin_s)
                for offset, kind in enumerate(("expected", "measured")):
                    arrays = points[kind]
                    if not len(arrays["x"]):
                        continue
                    trace = figure.data[2 * index + offset]
                    for key, values in arrays.items():
                        old = list(trace[key]) if trace[key] is not None else []
                        trace[key] = [*old, *values]
                    changes.append({"figure": 0, "trace": 2 * index + offset, "append": arrays})
        marks = self._marks_of(results, sim)
        low = self._low_of(new)
        if marks != self._marks or low != self._low or (self._note and len(new)):
            self._marks, self._low, self._note = marks, low, False
            layout = accuracy_layout(self._until, self._bin_s, marks, low, workload)
            # assigned, not updated: plotly merges lists of shapes element by element
            figure.layout.shapes = layout["shapes"]
            figure.layout.annotations = layout["annotations"]
            figure.update_layout(yaxis=layout["yaxis"])
            changes.append(
                {"figure": 0, "layout": {"shapes": layout["shapes"],
                                         "annotations": layout["annotations"],
                                         "yaxis": figure.layout.yaxis.to_plotly_json()}}
            )  # fmt: skip
        self.grid.patch(changes)

    def _marks_of(self, results: Any, sim: Simulation) -> list[DecisionMark]:
        events = results.events
        marks = [
            *learning_marks(
                events, results.detections(), results.decisions(), results.rollouts(),
                episodes=results.learning(), now_s=sim.now,
            ),
            *outage_marks(outage_windows(events, sim.now)),
        ]  # fmt: skip
        return sorted(marks, key=lambda m: m.t_s)

    def _low_of(self, new: pd.DataFrame) -> float:
        values = np.concatenate(
            [new["accuracy"].to_numpy(dtype=float), new["expected"].to_numpy(dtype=float)]
        )
        finite = values[np.isfinite(values)] * 100
        if not len(finite):
            return self._low
        return min(self._low, max(0.0, math.floor((float(finite.min()) - 5) / 5) * 5))

    def _redraw(self, results: Any, table: pd.DataFrame, sim: Simulation) -> None:
        """Draw the whole timeline again (a site appeared that had no trace)."""
        self._marks = self._marks_of(results, sim)
        self._low = self._low_of(table)
        figure = learning_accuracy_figure(
            pd.DataFrame(columns=["t_s", "site"]), until_s=self._until, bin_s=self._bin_s,
            workload=loop_workload(self.scenario), sites=self._sites,
        )  # fmt: skip
        for index, site in enumerate(self._sites):
            points = accuracy_points(table, site, self._bin_s)
            figure.data[2 * index].update(points["expected"])
            figure.data[2 * index + 1].update(points["measured"])
        layout = accuracy_layout(
            self._until, self._bin_s, self._marks, self._low, loop_workload(self.scenario)
        )
        figure.layout.shapes = layout.pop("shapes")
        figure.layout.annotations = layout.pop("annotations")
        figure.update_layout(layout, height=400)
        if len(table):
            self._done_bins = float(table["t_s"].max()) + self._bin_s
            self._note = False
        self.grid.show([figure])

    # ------------------------------------------------------------------ callbacks
    def _on_shape(self, _change: Any = None) -> None:
        self.over.disabled = self.shape.value != "gradual"

    def _on_edit(self, edit: Edit) -> None:
        if edit.kind in ("load", "all", "undo", "update", "add", "delete"):
            self.reset()
