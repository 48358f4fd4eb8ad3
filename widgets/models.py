"""Models in the workbench (issue 11): which version each node serves, a rollout panel, and
live rollout progress and accuracy per version.

:class:`ModelsView` rings each node of the canvas in the colour of the model version it
serves (with a key), offers a panel to start a rollout (version, targets, registry, strategy;
Start calls :meth:`workbench.sim.Simulation.start_rollout` on the running simulation, making
the run if there is none yet), and shows two figures from :mod:`workbench.plots_models`:
the share of the checkpoint each node has received, and the accuracy of the predictions each
version served, with the decisions marked. All of it stays hidden when the scenario declares no
model versions. :class:`~widgets.controls.Controls` calls :meth:`ModelsView.frame` after every
step (and with ``None`` on reset).

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> from widgets.controls import Controls
>>> from widgets.editing import ScenarioEditor
>>> scenario = load_scenario(data_dir() / "scenarios" / "factory_bad_rollout.yaml")
>>> scenario.rollouts = []  # start it from the panel instead
>>> editor = ScenarioEditor(scenario)
>>> view = ModelsView(editor, controls=Controls(editor))
>>> view.active()
{'line-gw': 'defect-v1'}
>>> view.version.value, view.target.value, view.registry.value
('defect-v2', ('nodes', 'line-gw'), 'cloud')
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as ipw
import plotly.graph_objects as go

from workbench.catalogue import TIER_IDS
from workbench.plots import outage_windows
from workbench.plots_models import (
    accuracy_figure,
    rollout_progress_figure,
    transfer_states,
    update_progress,
    version_colours,
)
from workbench.scenario import Rollout, Scenario
from workbench.sim import Simulation

from .canvas import TopologyCanvas
from .controls import Controls
from .editing import Edit, ScenarioEditor
from .plotgrid import PlotGrid
from .status import StatusArea

__all__ = ["STRATEGIES", "ModelsView"]

STRATEGIES = (
    ("all at once", "all_at_once"),
    ("waves (per tier)", "waves"),
    ("canary", "canary"),
    ("A/B test", "ab"),
)
_REDRAW_S = 1.0  # wall seconds between two redraws of the accuracy figure while playing


class ModelsView:
    """Model versions on the canvas, a rollout panel and live figures (``.widget``).

    Parameters
    ----------
    editor
        The scenario (its ``model_versions`` and each node's ``versions``).
    controls
        The simulation controls: Start uses (or makes) their run, and they call
        :meth:`frame` after each step.
    canvas
        Where nodes get the ring of their version (optional).
    """

    def __init__(
        self,
        editor: ScenarioEditor,
        *,
        controls: Controls,
        canvas: TopologyCanvas | None = None,
        status: StatusArea | None = None,
    ) -> None:
        self.editor = editor
        self.controls = controls
        self.canvas = canvas
        self.status = status or controls.status
        self.started: list[Rollout] = []  # rollouts started from the panel in this run
        self._states: dict[str, dict[str, str]] = {}  # transfer states at the last redraw
        self._splits: dict[str, tuple[str, float]] = {}  # canary / A-B splits at that time
        self._drawn = -1e9
        guard = self.status.guarded
        style = {"description_width": "64px"}
        self.version = ipw.Dropdown(description="version", style=style,
                                    layout=ipw.Layout(width="210px"))  # fmt: skip
        self.target = ipw.Dropdown(description="targets", style=style,
                                   layout=ipw.Layout(width="260px"))  # fmt: skip
        self.registry = ipw.Dropdown(description="from", style=style,
                                     layout=ipw.Layout(width="200px"))  # fmt: skip
        self.strategy = ipw.Dropdown(options=STRATEGIES, value="canary", description="strategy",
                                     style=style, layout=ipw.Layout(width="210px"))  # fmt: skip
        self.share = ipw.BoundedFloatText(
            value=0.1, min=0.01, max=0.99, step=0.05, description="share",
            style={"description_width": "40px"}, layout=ipw.Layout(width="120px"),
        )  # fmt: skip
        self.samples = ipw.BoundedIntText(
            value=500, min=10, max=10_000_000, description="labels/arm",
            style={"description_width": "70px"}, layout=ipw.Layout(width="160px"),
        )  # fmt: skip
        self.duration = ipw.BoundedFloatText(
            value=120.0, min=1.0, max=1e7, description="A/B (s)",
            style={"description_width": "50px"}, layout=ipw.Layout(width="140px"),
        )  # fmt: skip
        self.start_button = ipw.Button(description="Start rollout", icon="cloud-download",
                                       button_style="primary")  # fmt: skip
        self.start_button.add_class("etw-start-rollout")
        self.start_button.on_click(guard("rollout", lambda _b: self.start()))
        self.strategy.observe(guard("strategy", self._on_strategy), names=["value"])
        self.grid = PlotGrid(columns=2)
        self.grid.add_class("etw-models-plots")
        panel = ipw.HBox(
            [self.version, self.target, self.registry, self.strategy, self.share, self.samples,
             self.duration, self.start_button],
            layout=ipw.Layout(flex_flow="row wrap", align_items="center"),
        )  # fmt: skip
        panel.add_class("etw-rollout-panel")
        self.widget = ipw.VBox(
            [ipw.HTML("<b>Models: start a rollout, watch it go down and how right it is</b>"),
             panel, self.grid],
            layout=ipw.Layout(width="100%"),
        )  # fmt: skip
        self.widget.add_class("etw-models")
        controls.frame_hooks.append(guard("models", self.frame))
        editor.on_change(guard("models", self._on_edit))
        self.reset()

    # ------------------------------------------------------------------ reading
    @property
    def scenario(self) -> Scenario:
        return self.editor.scenario

    @property
    def declared(self) -> bool:
        """Whether the scenario declares model versions (else the view is hidden)."""
        return bool(self.scenario.model_versions)

    @property
    def colours(self) -> dict[str, str]:
        """Version id -> colour, the same in the canvas, these figures and the report."""
        return version_colours(v.id for v in self.scenario.model_versions)

    def active(self, sim: Simulation | None = None) -> dict[str, str]:
        """Node -> the version it serves: now in ``sim``, else as the scenario starts."""
        if sim is not None:
            return dict(sim.node_versions())
        return {n.id: n.versions[0] for n in self.scenario.nodes if n.versions}

    @property
    def accuracy(self) -> go.Figure:
        return self.grid.figures[0]

    @property
    def progress(self) -> go.Figure:
        return self.grid.figures[1]

    # ------------------------------------------------------------------ acting
    def rollout(self) -> Rollout:
        """The rollout the panel describes, starting now."""
        sim = self.controls.simulation
        kind, value = self.target.value
        number = len(self.scenario.rollouts) + len(self.started) + 1
        strategy = self.strategy.value
        fields: dict[str, Any] = {
            "id": f"{self.version.value}-{strategy.replace('_', '-')}-{number}",
            "version": self.version.value,
            "targets": {kind: [value] if kind == "nodes" else value},
            "registry": self.registry.value,
            "at": sim.now if sim else 0.0,
            "strategy": strategy,
        }
        if strategy == "canary":
            fields |= {"share": self.share.value, "samples": self.samples.value}
        elif strategy == "ab":
            fields |= {"split": self.share.value, "duration": self.duration.value}
        return Rollout.model_validate(fields)

    def start(self) -> Rollout:
        """Start the panel's rollout in the current run (made if needed); the engine checks it
        (unknown version, no room on a node, ...) and its refusal shows in the status area."""
        if not self.declared:
            raise ValueError("the scenario declares no model versions: add model_versions first")
        rollout = self.rollout()
        sim = self.controls.start()
        sim.start_rollout(rollout)
        self.started.append(rollout)
        self.status.ok(
            f"rollout {rollout.id}: {rollout.version} to {self.target.label} by "
            f"{self.strategy.label}, from t = {sim.now:.0f} s"
        )
        self.frame(sim, force=True)
        return rollout

    def reset(self) -> None:
        """Fill the panel from the scenario, show the versions it starts with, empty figures."""
        scenario = self.scenario
        self.widget.layout.display = None if self.declared else "none"
        self.started = []
        versions = [v.id for v in scenario.model_versions]
        installed = {v for n in scenario.nodes for v in n.versions}
        self.version.options = versions
        if versions:  # the first version no node runs yet: the likely one to roll out
            self.version.value = next((v for v in versions if v not in installed), versions[0])
        nodes = [n.id for n in scenario.nodes]
        sites = sorted({n.site for n in scenario.nodes if n.site})
        tiers = [t for t in TIER_IDS if any(n.tier == t for n in scenario.nodes)]
        self.target.options = (
            [(f"node {n}", ("nodes", n)) for n in nodes]
            + [(f"site {s}", ("site", s)) for s in sites]
            + [(f"tier {t}", ("tier", t)) for t in tiers]
        )
        running = next((n.id for n in scenario.nodes if n.versions), nodes[0] if nodes else None)
        if running is not None:
            self.target.value = ("nodes", running)
        self.registry.options = nodes
        top = max(scenario.nodes, key=lambda n: TIER_IDS.index(n.tier), default=None)
        if top is not None:
            self.registry.value = top.id
        self._on_strategy()
        self.frame(None, force=True)

    def frame(self, sim: Simulation | None, *, force: bool = False) -> None:
        """Bring the canvas's version rings, the progress and (at most once a second while
        playing) the accuracy figure up to ``sim`` (``None``: the scenario's start)."""
        if not self.declared:
            return
        if sim is None:
            self.started = []
            self._states = {}
        titles = {
            v.id: f"{v.id} ({v.model} {v.version}, true accuracy {v.accuracy:.3g})"
            for v in self.scenario.model_versions
        }
        recent = time.monotonic() - self._drawn < _REDRAW_S
        if not force and sim is not None and not sim.done and recent and not self._paused():
            if self.canvas is not None:
                self.canvas.show_versions(self.active(sim), self.colours, titles, self._splits)
            self._update_progress(sim)
            return
        self._splits = _splits(sim)
        if self.canvas is not None:
            self.canvas.show_versions(self.active(sim), self.colours, titles, self._splits)
        self._drawn = time.monotonic()
        self.grid.show(self._figures(sim))

    # ------------------------------------------------------------------ figures
    def _sizes(self) -> dict[str, float]:
        cat = self.scenario.catalogue()
        sizes = {v.id: v.size_bytes or cat.models[v.model].size_bytes() for v in
                 self.scenario.model_versions}  # fmt: skip
        return {r.id: sizes[r.version] for r in [*self.scenario.rollouts, *self.started]}

    def _versions(self) -> dict[str, str]:
        return {r.id: r.version for r in [*self.scenario.rollouts, *self.started]}

    def _figures(self, sim: Simulation | None) -> list[go.Figure]:
        until = sim.until_s if sim else float(self.controls.until.value)
        if sim is None or sim.now <= 0:
            accuracy = accuracy_figure(_no_accuracy(), until_s=until, colours=self.colours)
            progress = rollout_progress_figure({}, colours=self.colours)
        else:
            results = sim.results()
            self._states = transfer_states(results.transfers())
            bin_s = max(1.0, round(until / 60))
            accuracy = accuracy_figure(
                results.accuracy(bin_s), until_s=until, bin_s=bin_s, colours=self.colours,
                decisions=results.decisions(), rollouts=results.rollouts(),
                true_accuracy={v.id: v.accuracy for v in self.scenario.model_versions},
                outages=outage_windows(results.events, results.now_s),
            )  # fmt: skip
            progress = rollout_progress_figure(
                dict(sim.rollout_progress()), versions=self._versions(),
                colours=self.colours, sizes=self._sizes(), states=self._states,
            )  # fmt: skip
        for figure in (accuracy, progress):
            figure.update_layout(height=max(300, figure.layout.height or 0))
        return [accuracy, progress]

    def _update_progress(self, sim: Simulation) -> None:
        """Move the progress bars (a full redraw when a rollout or node appears)."""
        progress = dict(sim.rollout_progress())
        figure = self.progress
        shown = {(t.meta or {}).get("rollout"): len(t.y or ()) for t in figure.data}
        if shown != {r: len(nodes) for r, nodes in progress.items()}:
            self.grid.show(self._figures(sim))
            self._drawn = time.monotonic()
            return
        before = [list(t.x) for t in figure.data]
        update_progress(figure, progress, sizes=self._sizes(), states=self._states)
        changes = [
            {"figure": 1, "trace": i, "set": {"x": list(t.x), "text": list(t.text),
                                               "customdata": list(t.customdata)}}
            for i, t in enumerate(figure.data)
            if list(t.x) != before[i]
        ]  # fmt: skip
        self.grid.patch(changes)

    def _paused(self) -> bool:
        return not self.controls.playing

    # ------------------------------------------------------------------ callbacks
    def _on_strategy(self, _change: Any = None) -> None:
        strategy = self.strategy.value
        self.share.disabled = strategy not in ("canary", "ab")
        self.share.description = "split" if strategy == "ab" else "share"
        self.samples.disabled = strategy != "canary"
        self.duration.disabled = strategy != "ab"

    def _on_edit(self, edit: Edit) -> None:
        if edit.kind in ("load", "all", "undo", "update", "add", "delete"):
            self.reset()


def _no_accuracy() -> Any:
    import pandas as pd

    columns = ["t_s", "workload", "site", "version", "served", "labelled", "correct", "accuracy"]
    return pd.DataFrame(columns=columns)


def _splits(sim: Simulation | None) -> dict[str, tuple[str, float]]:
    """Node -> (version, share) of the arm that is not the node's active version, while a
    canary or an A/B test serves part of the node's requests."""
    if sim is None:
        return {}
    timeline = sim.results().version_timeline()
    active = sim.node_versions()
    now = timeline[(timeline["end_s"] >= sim.now - 1e-9) & (timeline["share"] < 1)]
    return {
        str(row.node): (str(row.version), float(row.share))
        for row in now.itertuples(index=False)
        if str(row.version) != active.get(str(row.node))
    }
