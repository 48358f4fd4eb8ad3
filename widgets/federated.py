"""Federated learning in the workbench (issue 13): start the rounds, watch accuracy per round.

:class:`FederatedView` is shown when the scenario has a ``federated`` section. Its button
starts the rounds now (:meth:`workbench.sim.Simulation.start_federated`, making the run if
there is none yet) instead of at the section's ``at``; after each step
(:class:`~widgets.controls.Controls` calls :meth:`FederatedView.frame`) it redraws the test
accuracy per round when a round has closed, and a line tells the latest round's numbers.

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> from widgets.controls import Controls
>>> from widgets.editing import ScenarioEditor
>>> editor = ScenarioEditor(load_scenario(data_dir() / "scenarios" / "hospital_federated.yaml"))
>>> view = FederatedView(editor, controls=Controls(editor))
>>> view.widget.layout.display is None, view.line.value
(True, 'No round yet: 30 rounds from t = 60 s, or press Start rounds now.')
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as ipw
import pandas as pd
import plotly.graph_objects as go

from workbench.errors import ProblemsError
from workbench.federated.tables import ROUND_COLUMNS, rounds
from workbench.plots_federated import federated_accuracy_figure
from workbench.scenario import Scenario
from workbench.sim import Simulation

from .controls import Controls
from .editing import Edit, ScenarioEditor
from .plotgrid import PlotGrid
from .status import StatusArea

__all__ = ["FederatedView"]


class FederatedView:
    """A Start button, a line about the latest round and the accuracy figure (``.widget``)."""

    def __init__(
        self, editor: ScenarioEditor, *, controls: Controls, status: StatusArea | None = None
    ) -> None:
        self.editor = editor
        self.controls = controls
        self.status = status or controls.status
        self._shown = -1  # closed rounds drawn
        guard = self.status.guarded
        self.start_button = ipw.Button(description="Start rounds now", icon="play",
                                       button_style="primary")  # fmt: skip
        self.start_button.add_class("etw-start-federated")
        self.start_button.on_click(guard("federated", lambda _b: self.start()))
        self.line = ipw.HTML()
        self.grid = PlotGrid(columns=1)
        self.grid.add_class("etw-federated-plots")
        self.widget = ipw.VBox(
            [ipw.HTML("<b>Federated learning: rounds across the hierarchy</b>"),
             ipw.HBox([self.start_button, self.line],
                      layout=ipw.Layout(align_items="center")),
             self.grid],
            layout=ipw.Layout(width="100%"),
        )  # fmt: skip
        self.widget.add_class("etw-federated")
        controls.frame_hooks.append(guard("federated", self.frame))
        editor.on_change(guard("federated", self._on_edit))
        self.reset()

    @property
    def scenario(self) -> Scenario:
        return self.editor.scenario

    @property
    def accuracy(self) -> go.Figure:
        return self.grid.figures[0]

    def start(self) -> None:
        """Start the rounds now in the current run (made if needed); a refusal (no section,
        already started) shows in the status area."""
        sim = self.controls.start()
        try:
            sim.start_federated()
        except ProblemsError as exc:  # the engine's reason, once (not "federated: federated:")
            self.status.error(_refusal(exc))
            return
        self.status.ok(f"federated rounds started at t = {sim.now:.0f} s")
        self.frame(sim, force=True)

    def reset(self) -> None:
        """Shown only with a federated section; an empty figure."""
        self.widget.layout.display = None if self.scenario.federated is not None else "none"
        self.frame(None, force=True)

    def frame(self, sim: Simulation | None, *, force: bool = False) -> None:
        """Redraw when a round has closed since the last drawing (or with ``force``)."""
        config = self.scenario.federated
        if config is None:
            return
        run = sim.federated if sim is not None else None
        closed = run.closed_rounds() if run is not None else 0
        if closed == self._shown and not force:
            return
        self._shown = closed
        table = rounds(run) if run is not None else pd.DataFrame(columns=ROUND_COLUMNS)
        self.grid.show([_whole_plan(federated_accuracy_figure(table), config.rounds)])
        self.line.value = _line(table, config.rounds, config.start_s)

    def _on_edit(self, edit: Edit) -> None:
        if edit.kind in ("load", "all", "undo", "update"):
            self.reset()


def _whole_plan(figure: go.Figure, planned: int) -> go.Figure:
    """The x-axis spans every planned round, so the line grows to the right instead of
    rescaling, and round numbers show from the first round (the report's ``dtick`` of 5 alone
    leaves no tick label while fewer than 5 rounds have closed)."""
    step = 1 if planned <= 10 else 5 * math.ceil(planned / 50)
    figure.update_xaxes(range=[0.5, planned + 0.5], tick0=0, dtick=step)
    return figure


def _refusal(exc: ProblemsError) -> str:
    """``Start rounds now: <why>``: the reasons without their field path (``federated``)."""
    return "Start rounds now: " + "; ".join(p.message for p in exc.problems)


def _line(table: pd.DataFrame, planned: int, at: float) -> str:
    if not len(table):
        return f"No round yet: {planned} rounds from t = {at:g} s, or press Start rounds now."
    last: Any = table.iloc[-1]
    return (
        f"Round {int(last['round'])} of {planned}: test accuracy {last['accuracy']:.3f}, "
        f"{int(last['participants'])} updates, {int(last['quarantined'])} quarantined, "
        f"{int(last['dropped'])} dropped, {last['duration_s']:.2f} s."
    )
