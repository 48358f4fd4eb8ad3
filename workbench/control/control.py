"""The control plane of one run: versions on nodes, judged predictions, labels, rollouts.

:func:`attach` builds it for a :class:`~workbench.sim.engine.Simulation` whose scenario
declares model versions or rollouts; a scenario without them has none and runs exactly as
before (the engine checks ``sim.control is None`` once per served stage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..catalogue import TIER_IDS
from ..scenario import Rollout, Scenario
from .decisions import Evidence
from .labels import LabelRun
from .predictions import Judge
from .rollouts import RolloutRun
from .versions import NodeVersions, VersionInfo, version_table

if TYPE_CHECKING:
    from ..sim.engine import Simulation

_SEED_TAG = 0x5E75  # the predictions' own stream: [seed, tag, workload index]


def rollout_targets(scenario: Scenario, rollout: Rollout, models: dict[str, str]) -> list[str]:
    """Target node ids of ``rollout``: as listed, or the nodes of its site or tier that run the
    version's model (a stage of it is placed there, or a version of it is installed)."""
    targets = rollout.targets
    if targets.nodes is not None:
        return list(dict.fromkeys(targets.nodes))
    model = models[rollout.version]
    running = {
        node for key, node in scenario.placement.items() if _stage_model(scenario, key) == model
    }
    running |= {n.id for n in scenario.nodes if any(models.get(v) == model for v in n.versions)}
    return [
        n.id
        for n in scenario.nodes
        if n.id in running
        and (n.site == targets.site if targets.site is not None else n.tier == targets.tier)
        and n.id != rollout.registry
    ]


def _stage_model(scenario: Scenario, key: str) -> str | None:
    workload_id, _, stage_id = key.partition(".")
    for workload in scenario.workloads:
        if workload.id == workload_id:
            for stage in workload.stages:
                if stage.id == stage_id:
                    return stage.model
    return None


class Control:
    """Versions, predictions, labels and rollouts of one simulation."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.catalogue = sim.catalogue
        scenario = sim.scenario
        self.book = NodeVersions(version_table(scenario, self.catalogue))
        self.instances = {n.id: n.count for n in scenario.nodes}
        self._nodes = {n.id: n for n in scenario.nodes}
        self.book.install_initial(scenario, self.instances)
        self.fallback_models: list[str] = []
        self._fallback_codes: dict[str, int] = {}
        self.labels = LabelRun(self)
        self.decisions: list[tuple[float, str, str, Evidence]] = []
        self.rollouts: list[RolloutRun] = []
        self.judges: dict[int, Judge] = {}
        self._decision_nodes: dict[str, str] = {}
        for rollout in scenario.rollouts:
            self.schedule(rollout, rollout.start_s)
        self.learning: Any = None  # workbench.learning.Learning with drift: or learning:
        if scenario.drift or scenario.learning:
            from ..learning.learning import attach as attach_learning

            self.learning = attach_learning(self)

    # ------------------------------------------------------------ topology
    def level(self, node: str) -> int:
        return TIER_IDS.index(self._nodes[node].tier) + 1

    def site(self, node: str) -> str | None:
        return self._nodes[node].site

    def decision_node(self, node: str) -> str:
        """Where labels of requests served on ``node`` go by default: the aggregation-edge
        node of its site (itself if it is one), else the node itself."""
        found = self._decision_nodes.get(node)
        if found is None:
            found = node
            here = self._nodes[node]
            if here.tier != "aggregation_edge" and here.site is not None:
                for other in self.sim.scenario.nodes:
                    if other.site == here.site and other.tier == "aggregation_edge":
                        found = other.id
                        break
            self._decision_nodes[node] = found
        return found

    def down_route(self, origin: str, target: str, instance: int) -> tuple[Any, ...]:
        """The channel steps from ``origin`` down to ``target``'s ``instance``."""
        if origin == target:
            return ()
        route: tuple[Any, ...] = self.sim.plan.builder.down_route(origin, target, instance)
        return route

    # ------------------------------------------------------------ versions
    def fallback_code(self, model: str) -> int:
        """The version code of a fallback model: an entry 'fallback:<model>' of the version
        list, added on first use (so versions registered later, by retraining, keep codes
        of their own)."""
        code = self._fallback_codes.get(model)
        if code is None:
            code = self._fallback_codes[model] = len(self.book.versions)
            accuracy = self.catalogue.models[model].accuracy or 0.0
            self.book.versions.append(
                VersionInfo(code, f"fallback:{model}", model, "fallback", 0.0, accuracy, None)
            )
            self.fallback_models.append(model)
        return code

    def version_names(self) -> list[str]:
        """Names of every version code: declared ids, 'fallback:<model>' and retrained
        versions in the order they were first used."""
        return [v.id for v in self.book.versions]

    def judge(self, run: Any) -> Judge | None:
        """The judge of a workload whose stages use a versioned model; None otherwise."""
        versioned = {v.model for v in self.book.versions}
        if not any(s.stage.model in versioned for s in run.plan.stages):
            return None
        rng = np.random.default_rng([self.sim.seed, _SEED_TAG, run.plan.index])
        judge = self.judges[run.plan.index] = Judge(self, run, rng)
        return judge

    # ------------------------------------------------------------ rollouts
    def schedule(self, rollout: Rollout, at: float) -> RolloutRun:
        models = {v.id: v.model for v in self.sim.scenario.model_versions}
        run = RolloutRun(self, rollout, rollout_targets(self.sim.scenario, rollout, models))
        self.rollouts.append(run)
        self.sim.call_at(max(at, self.sim.now), run.start)
        return run

    def versions_changed(self) -> None:
        """A rollout changed what some node serves (the learning loop checks recovery)."""
        if self.learning is not None:
            self.learning.versions_changed()

    def on_label(
        self, judge: Judge, req: int, version: int, right: bool, node: str, now: float
    ) -> None:
        served = judge.served_at[req]
        for run in self.rollouts:
            run.on_label(version, right, node, served)
        if self.learning is not None:
            self.learning.on_label(judge, version, right, node, now)


def attach(sim: Simulation) -> Control | None:
    """The control plane of ``sim``, or None when its scenario declares no versions."""
    scenario = sim.scenario
    if not scenario.model_versions and not scenario.rollouts:
        return None
    return Control(sim)
