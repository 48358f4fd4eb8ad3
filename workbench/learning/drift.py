"""The world of a run: drifts that lower the true accuracy of models trained before them, and
the per-request input statistic (a feature value) they shift.

A drift of workload W at sites S applies to W's requests whose source is at a site of S. From
``at`` it lowers the true accuracy of every version (and fallback model) trained before ``at``
by ``accuracy_drop`` x ramp(t), t being when the request's input was made (its creation). The
feature value of request i is z_i + sum(feature_shift x ramp(t_i)) over the drifts that apply,
z_i ~ N(0, 1) drawn by request index from a stream of its own ([seed, tag, workload index]),
so a scenario without drift draws exactly what it drew before.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np

from ..scenario import Drift, Scenario
from .where import drift_sites

if TYPE_CHECKING:
    from ..sim.engine import Simulation

_FEATURE_TAG = 0xD21F
_BATCH = 4096
_BEFORE = -np.inf  # declared versions and fallback models were trained before any drift


class World:
    """The drifts of a run, by workload."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.scenario: Scenario = sim.scenario
        self.by_workload: dict[str, list[Drift]] = {}
        self.drifts: list[Drift] = []
        self._normals: dict[int, array] = {}  # type: ignore[type-arg]
        self._rngs: dict[int, np.random.Generator] = {}
        for drift in self.scenario.drift:
            self.add(drift)

    def add(self, drift: Drift) -> None:
        """Let ``drift`` apply (from its ``at``) to its workload's requests at its sites."""
        self.drifts.append(drift)
        workload = self.scenario.workload(drift.workload)
        site = self.scenario.node(workload.source.node).site
        if site is None or site in drift_sites(self.scenario, drift):
            self.by_workload.setdefault(drift.workload, []).append(drift)

    def drop(self, workload: str, trained_s: float, t: float) -> float:
        """Accuracy lost at time ``t`` by a model of ``workload`` trained at ``trained_s``."""
        lost = 0.0
        for drift in self.by_workload.get(workload, ()):
            if drift.start_s > trained_s:
                lost += drift.accuracy_drop * drift.ramp(t)
        return lost

    def accuracy(self, workload: str, base: float, trained_s: float, t: float) -> float:
        """True accuracy at ``t`` of a model whose accuracy without drift is ``base``."""
        return max(0.0, base - self.drop(workload, trained_s, t))

    def active(self, workload: str, sites: list[str], t: float) -> Drift | None:
        """A drift of ``workload`` under way at ``t`` at one of ``sites`` (else None)."""
        for drift in self.drifts:
            if drift.workload != workload or drift.start_s > t:
                continue
            if set(drift_sites(self.scenario, drift)) & set(sites) or not sites:
                return drift
        return None

    # ------------------------------------------------------------- features
    def _noise(self, index: int, n: int) -> array:  # type: ignore[type-arg]
        """z_0 .. z_{n-1} of workload ``index`` (drawn in batches, in request order)."""
        values = self._normals.get(index)
        if values is None:
            values = self._normals[index] = array("d")
            self._rngs[index] = np.random.default_rng([self.sim.seed, _FEATURE_TAG, index])
        while len(values) < n:
            values.extend(self._rngs[index].standard_normal(_BATCH).tolist())
        return values

    def shift(self, workload: str, t: float) -> float:
        return sum(d.feature_shift * d.ramp(t) for d in self.by_workload.get(workload, ()))

    def feature(self, index: int, workload: str, req: int, created_s: float) -> float:
        """The input statistic of request ``req`` (of workload number ``index``)."""
        return float(self._noise(index, req + 1)[req]) + self.shift(workload, created_s)

    def features(self, index: int, workload: str, created_s: np.ndarray) -> np.ndarray:
        """The input statistic of every request (``created_s`` in request order)."""
        n = len(created_s)
        noise = np.frombuffer(self._noise(index, n), dtype=float, count=n).copy()
        for drift in self.by_workload.get(workload, ()):
            if drift.feature_shift:
                noise += drift.feature_shift * ramp(drift, created_s)
        return noise


def ramp(drift: Drift, t: np.ndarray) -> np.ndarray:
    """:meth:`Drift.ramp` of every time in ``t``."""
    if drift.over_s is None:
        return (t >= drift.start_s).astype(float)
    return np.clip((t - drift.start_s) / drift.over_s, 0.0, 1.0)
