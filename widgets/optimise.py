"""The "Optimise placement" button: the cheapest (or lowest-energy, or fastest) placement that
meets every SLO and residency rule (:mod:`workbench.optimiser`), applied to the scenario as one
edit (the chips move; Undo takes it back), with the reasons in plain sentences."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as ipw

from workbench.optimiser import Objective, Optimum, optimise

from .editing import ScenarioEditor
from .status import StatusArea

__all__ = ["OptimiseView"]


class OptimiseView:
    """An objective, a button and the last answer's explanation.

    The search uses the estimate only (a second or so on the shipped scenarios, a few seconds
    on a 1,000-device fleet); press Play to see the tails of the new placement.
    """

    def __init__(
        self, editor: ScenarioEditor, *, canvas: Any = None, status: StatusArea | None = None
    ) -> None:
        self.editor = editor
        self.canvas = canvas
        self.status = status or StatusArea()
        self.objective = ipw.Dropdown(
            options=[("cheapest", "cost"), ("least energy", "energy"), ("fastest", "latency")],
            value="cost",
            description="",
            layout=ipw.Layout(width="115px"),
        )
        self.button = ipw.Button(
            description="Optimise placement",
            icon="magic",
            button_style="info",
            tooltip="Search the placements the advisor allows for the best one meeting every SLO",
            layout=ipw.Layout(width="auto", min_width="185px"),
        )
        self.explanation = ipw.HTML("")
        self.result: Optimum | None = None
        self.button.on_click(self.status.guarded("optimise", lambda _b: self.optimise()))
        self.widget = ipw.VBox([ipw.HBox([self.button, self.objective]), self.explanation])

    def optimise(self) -> Optimum | None:
        """Search, move the chips to the winner, and say why; None if the scenario is locked
        (a run uses it) or has problems."""
        if self.editor.locked is not None:
            self.status.error(f"cannot optimise now: {self.editor.locked}")
            return None
        if self.editor.problems:
            self.status.error(
                "fix the scenario's problems first: " + self.editor.problems[0].render()
            )
            return None
        objective: Objective = self.objective.value
        self.button.disabled = True
        try:
            result = optimise(self.editor.scenario, objective=objective, confirm=0)
        finally:
            self.button.disabled = False
        self.result = result
        text = result.explain()
        self.explanation.value = "".join(
            f"<div style='margin:1px 0;font-size:12px;line-height:1.35'>{html.escape(line)}</div>"
            for line in text.splitlines()
        )
        if result.best is None:
            self.status.warning(text.splitlines()[-1])
            return result
        moved = self.editor.place_all(result.best.placement, f"optimising placement ({objective})")
        summary = (
            f"optimised placement ({objective}): {moved} stage(s) moved, "
            f"${result.best.figures['cost_usd_per_month']:,.2f} per month, "
            f"{result.best.figures['average_power_w']:,.1f} W; press Play to check the tails"
            if moved
            else f"the placement is already the best by {objective}"
        )
        if self.canvas is not None:
            self.canvas.say("info", summary)
        else:
            self.status.info(summary)
        return result
