"""The workbench in one widget: canvas, side panel, controls, status and live dashboard.

``Workbench(scenario)`` displays itself in a notebook cell (or call :meth:`Workbench.show`).
Every piece is usable alone: :class:`~widgets.canvas.TopologyCanvas`,
:class:`~widgets.panel.PropertyPanel`, :class:`~widgets.panel.EstimateView`,
:class:`~widgets.dashboard.Dashboard` and :class:`~widgets.controls.Controls`, sharing one
:class:`~widgets.editing.ScenarioEditor` (the scenario is the single source of truth).

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> scenario = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
>>> scenario.failures = []  # fail links by clicking them instead
>>> wb = Workbench(scenario)
>>> report = wb.step(10.0)
>>> wb.canvas.click_element("link", "wan")
>>> wb.failed()
['wan']
"""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw

from workbench.scenario import Scenario
from workbench.sim import Simulation, StepReport

from .canvas import TopologyCanvas
from .controls import Controls
from .dashboard import Dashboard
from .editing import ScenarioEditor
from .federated import FederatedView
from .learning import LearningView
from .models import ModelsView
from .optimise import OptimiseView
from .panel import EstimateView, PropertyPanel
from .status import StatusArea

__all__ = ["Workbench"]


class Workbench:
    """Edit a scenario on the canvas, run it, fail links by clicking, watch it live.

    Parameters
    ----------
    scenario
        The scenario to work on; it is edited in place.
    until, seed
        Run length and seed (default: the scenario's ``simulation`` settings).
    speed
        Simulated seconds per wall-clock second while playing.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        until: float | None = None,
        seed: int | None = None,
        speed: float = 10.0,
    ) -> None:
        self.status = StatusArea()
        self.editor = ScenarioEditor(scenario)
        self.canvas = TopologyCanvas(self.editor, status=self.status)
        self.properties = PropertyPanel(self.editor, status=self.status)
        self.estimates = EstimateView(self.editor)
        self.dashboard = Dashboard(
            scenario, until_s=until or scenario.simulation.until_s, catalogue=None
        )
        self.controls = Controls(
            self.editor,
            dashboard=self.dashboard,
            canvas=self.canvas,
            status=self.status,
            until=until,
            seed=seed,
            speed=speed,
        )
        self.models = ModelsView(
            self.editor, controls=self.controls, canvas=self.canvas, status=self.status
        )  # hidden when the scenario declares no model versions
        self.learning = LearningView(
            self.editor, controls=self.controls, status=self.status
        )  # hidden when the scenario declares neither drift nor learning
        self.federated = FederatedView(self.editor, controls=self.controls, status=self.status)
        self.optimiser = OptimiseView(self.editor, canvas=self.canvas, status=self.status)
        self.canvas.observe(self.status.guarded("select", self._on_select), names=["selected"])
        side = ipw.VBox(
            [
                ipw.HTML("<b>Selected element</b>"),
                self.properties.widget,
                ipw.HTML("<hr style='margin:6px 0'>"),
                self.estimates.widget,
                ipw.HTML("<hr style='margin:6px 0'>"),
                self.optimiser.widget,
            ],
            layout=ipw.Layout(flex="1 1 0", min_width="290px", max_width="380px", padding="0 6px"),
        )
        canvas_box = ipw.Box([self.canvas], layout=ipw.Layout(flex="3 1 0", min_width="0"))
        self.widget = ipw.VBox(
            [
                self.controls.widget,
                ipw.HBox([canvas_box, side], layout=ipw.Layout(width="100%")),
                self.status.widget,
                self.dashboard.widget,
                self.models.widget,
                self.learning.widget,
                self.federated.widget,  # hidden without a federated section
                self.controls.file_row,
            ],
            layout=ipw.Layout(width="100%"),
        )
        self.widget.add_class("etw-workbench")
        if self.editor.problems:
            for problem in self.editor.problems[:6]:
                self.status.error(f"scenario problem: {problem.render()}")
        else:
            self.status.info(
                f"{scenario.name}: {len(scenario.nodes)} nodes, {len(scenario.links)} links, "
                f"{len(scenario.workloads)} workloads. Drag a chip to re-place a stage; "
                "press Play and click a link to fail it."
            )

    # ------------------------------------------------------------------ reading
    @property
    def scenario(self) -> Scenario:
        """The scenario being edited (the single source of truth)."""
        return self.editor.scenario

    @property
    def simulation(self) -> Simulation | None:
        """The current run, if any."""
        return self.controls.simulation

    @property
    def now(self) -> float:
        """Simulated time of the current run (0 before a run)."""
        return self.simulation.now if self.simulation else 0.0

    def failed(self) -> list[str]:
        """Links and nodes out of service in the current run, as the engine reports them."""
        return sorted(self.simulation.failed()) if self.simulation else []

    # ------------------------------------------------------------------ acting
    def step(self, by: float | None = None) -> StepReport:
        """Advance the run (started if needed) and update the figures."""
        return self.controls.step(by)

    def play(self) -> Any:
        """Play in the background (an asyncio task); :meth:`pause` stops it."""
        return self.controls.play()

    def pause(self) -> None:
        self.controls.pause()

    def reset(self) -> None:
        """End the run and unlock the scenario for edits."""
        self.controls.reset()

    def _on_select(self, change: dict[str, Any]) -> None:
        selected = change["new"] or {}
        self.properties.select(selected.get("kind"), selected.get("id"))

    # ------------------------------------------------------------------ display
    def show(self) -> None:
        """Display the workbench in the notebook."""
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
