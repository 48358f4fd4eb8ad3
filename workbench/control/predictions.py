"""Right and wrong predictions: which version served each request, and was it correct.

Draws come from a generator of their own, derived from the run's seed, so a scenario without
versions draws exactly what it drew before versions existed.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

from .versions import NONE, NodeVersions

if TYPE_CHECKING:
    from .control import Control

_BATCH = 4096


class Uniforms:
    """Uniform draws on [0, 1) in batches (numpy is slow one number at a time)."""

    __slots__ = ("_buffer", "_rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buffer: list[float] = []

    def next(self) -> float:
        if not self._buffer:
            self._buffer = self._rng.random(_BATCH).tolist()
            self._buffer.reverse()
        return self._buffer.pop()


class Judge:
    """Per workload: the version that served each request and whether it was right.

    ``version[req]`` is an index into :attr:`Control.labels_of_versions` (a declared version,
    or a fallback model after them), -1 when not judged; ``correct[req]`` is 1, 0 or -1.
    """

    def __init__(self, control: Control, run: Any, rng: np.random.Generator) -> None:
        self.control = control
        self.run = run
        self.book: NodeVersions = control.book
        workload = run.plan.workload
        versioned = {v.model for v in control.book.versions}
        self.models = [
            s.stage.model if s.stage.model in versioned else None for s in run.plan.stages
        ]
        self.fallbacks = [
            s.stage.fallback.model if s.stage.fallback is not None else None
            for s in run.plan.stages
        ]
        self.uniform = Uniforms(rng)
        self.version = array("h")
        self.correct = array("b")
        self.served_at = array("d")
        self.node = array("h")  # plan node index of the server that made the prediction
        self.labelled = array("b")
        self.node_of: dict[int, tuple[str, int]] = {}  # id(server) -> (node, instance)
        self.labels = workload.labels
        self.index = run.plan.index

    def _grow(self, req: int) -> None:
        extra = req + 1024 - len(self.version)
        self.version.extend(array("h", [NONE]) * extra)
        self.correct.extend(array("b", [-1]) * extra)
        self.served_at.extend(array("d", [np.nan]) * extra)
        self.node.extend(array("h", [-1]) * extra)
        self.labelled.extend(array("b", [0]) * extra)

    def _where(self, server: Any) -> tuple[str, int]:
        where = self.node_of.get(id(server))
        if where is None:
            plan = self.run.sim.plan
            for (node_index, instance), station in plan.servers.items():
                if station is server:
                    where = (plan.nodes[node_index].id, instance)
                    break
            else:  # pragma: no cover - every server is in the plan
                raise KeyError("server not in the plan")
            self.node_of[id(server)] = where
        return where

    def serve(self, req: int, stage: int, server: Any, done: float) -> None:
        """Stage ``stage`` of ``req`` is served by its model on ``server``, finishing at
        ``done``: pick the version, draw whether it is right, maybe schedule a label."""
        model = self.models[stage]
        if model is None:
            return
        node, instance = self._where(server)
        slot = self.book.slots.get((node, instance, model))
        if slot is None or slot.active == NONE:
            return  # the node runs the catalogue model, unversioned: not judged
        version = slot.pick(self.uniform.next()) if slot.candidate != NONE else slot.active
        accuracy = self.book.versions[version].accuracy
        self._record(req, version, accuracy, node, server.node, done)

    def fallback(self, req: int, stage: int, server: Any, done: float) -> None:
        """Stage ``stage`` of ``req`` is served by its fallback model (its own accuracy)."""
        if self.models[stage] is None:
            return
        model = self.fallbacks[stage]
        accuracy = self.control.catalogue.models[model].accuracy if model else None
        if model is None or accuracy is None:
            return
        node, _ = self._where(server)
        self._record(req, self.control.fallback_code(model), accuracy, node, server.node, done)

    def _record(
        self, req: int, version: int, accuracy: float, node: str, node_index: int, done: float
    ) -> None:
        if req >= len(self.version):
            self._grow(req)
        learning = self.control.learning
        if learning is not None:  # drift: the true accuracy now (and the feature detectors)
            accuracy = learning.judged(self, req, version, accuracy, node)
        right = self.uniform.next() < accuracy
        self.version[req] = version
        self.correct[req] = 1 if right else 0
        self.served_at[req] = done
        self.node[req] = node_index
        labels = self.labels
        if labels is not None and self.uniform.next() < labels.share:
            self.labelled[req] = 1
            self.control.labels.emit(self, req, version, right, node, done + labels.delay_s)
