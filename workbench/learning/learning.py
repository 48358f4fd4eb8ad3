"""The learning loop of one run: the world's drifts, what each judged request's true accuracy
was, the loops' detectors and retraining jobs.

:func:`attach` builds it for a :class:`~workbench.control.control.Control` whose scenario
declares ``drift:`` or ``learning:``; the judge then asks :meth:`Learning.judged` for the true
accuracy of each prediction (one ``is None`` check otherwise).
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

from ..control.versions import VersionInfo
from ..scenario import Drift
from .drift import World
from .loops import LoopRun
from .where import drift_sites

if TYPE_CHECKING:
    from ..control.control import Control
    from ..control.predictions import Judge

_GROW = 4096


class Record:
    """Per workload: each judged request's accuracy without drift (``base``) and its true
    accuracy (``truth``), NaN when not judged."""

    def __init__(self) -> None:
        self.base = array("d")
        self.truth = array("d")

    def set(self, req: int, base: float, truth: float) -> None:
        if req >= len(self.base):
            extra = req + _GROW - len(self.base)
            nans = array("d", [math.nan]) * extra
            self.base.extend(nans)
            self.truth.extend(nans)
        self.base[req] = base
        self.truth[req] = truth


class Learning:
    """Drifts, true accuracies, detectors and retraining jobs of one run."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.sim = control.sim
        scenario = self.sim.scenario
        self.world = World(self.sim)
        self.trained_s: dict[int, float] = {}  # runtime version -> when its data was taken
        self.records: dict[int, Record] = {}
        self.loops = [LoopRun(self, loop) for loop in scenario.learning]
        self.by_workload: dict[int, list[LoopRun]] = {}
        for loop in self.loops:
            self.by_workload.setdefault(loop.workload_index, []).append(loop)
        self.feature_loops = {
            index: [loop for loop in loops if loop.stream == "features"]
            for index, loops in self.by_workload.items()
        }
        self.label_hops: list[tuple[float, int, int, float]] = []  # t, workload, link, bytes
        for drift in scenario.drift:
            self._schedule(drift)

    # --------------------------------------------------------------- drift
    def _schedule(self, drift: Drift) -> None:
        self.sim.call_at(max(drift.start_s, self.sim.now), lambda: self._started(drift))
        full = drift.start_s + (drift.over_s or 0.0)
        self.sim.call_at(max(full, self.sim.now), lambda: self._events("drift_full", drift))

    def _events(self, kind: str, drift: Drift) -> list[LoopRun]:
        """Log ``kind`` once per loop the drift concerns (element: the loop), else once."""
        sites = set(drift_sites(self.sim.scenario, drift))
        loops = [
            loop
            for loop in self.loops
            if loop.workload.id == drift.workload and (not loop.sites or sites & set(loop.sites))
        ]
        detail = f"{drift.id}: {drift.workload} at {', '.join(sorted(sites))}"
        for loop in loops:
            self.sim.record(kind, loop.loop.id, detail)
        if not loops:
            self.sim.record(kind, drift.id, detail)
        return loops

    def _started(self, drift: Drift) -> None:
        for loop in self._events("drift_start", drift):
            loop.on_drift(drift, self.sim.now)

    def inject(self, drift: Drift) -> Drift:
        """Start ``drift`` now (its ``at`` is replaced by the current time)."""
        drift = drift.model_copy(update={"start_s": self.sim.now})
        self.world.add(drift)
        self._schedule(drift)
        return drift

    def truth(self, workload: str, version: int, base: float, t: float) -> float:
        """True accuracy at ``t`` of ``version`` (accuracy without drift ``base``)."""
        trained = self.trained_s.get(version, -math.inf)
        return self.world.accuracy(workload, base, trained, t)

    # ---------------------------------------------------------- predictions
    def judged(self, judge: Judge, req: int, version: int, base: float, node: str) -> float:
        """The true accuracy of ``req``'s prediction (by ``version`` on ``node``); feeds
        the feature detectors that see it."""
        run = judge.run
        workload = run.plan.workload.id
        created = run.created[req]
        truth = self.truth(workload, version, base, created)
        record = self.records.get(judge.index)
        if record is None:
            record = self.records[judge.index] = Record()
        record.set(req, base, truth)
        loops = self.feature_loops.get(judge.index)
        if loops:
            value = self.world.feature(judge.index, workload, req, created)
            now = self.sim.now
            for loop in loops:
                if loop.sees(node):
                    loop.feed_feature(value, now)
        return truth

    def on_label(self, judge: Judge, version: int, right: bool, node: str, now: float) -> None:
        """A label of a request served on ``node`` arrived where labels go."""
        loops = self.by_workload.get(judge.index)
        if not loops:
            return
        destination = self.control.labels.destination(judge, node)
        for loop in loops:
            if destination == loop.detector_node:
                loop.on_label(version, right, now)

    def label_hop(self, judge: Judge, link: int, size: float, now: float) -> None:
        self.label_hops.append((now, judge.index, link, size))

    def versions_changed(self) -> None:
        """What serves changed now: episodes rolling out check whether they have recovered."""
        for loop in self.loops:
            for episode in loop.episodes:
                if episode.state == "rolling_out":
                    loop.check_recovery(episode, poll=False)

    def register(self, info: VersionInfo, trained_s: float) -> None:
        """A retrained version joins the version book (trained on data taken at
        ``trained_s``: drifts that started before do not touch it)."""
        book = self.control.book
        book.versions.append(info)
        book.by_id[info.id] = info
        self.trained_s[info.index] = trained_s

    def state(self) -> dict[str, str]:
        """Per loop: the state of its latest episode ('idle' before any)."""
        return {
            loop.loop.id: loop.episodes[-1].state if loop.episodes else "idle"
            for loop in self.loops
        }


def attach(control: Control) -> Learning | None:
    """The learning loop of ``control``'s run, or None without drift and loops."""
    scenario = control.sim.scenario
    if not scenario.drift and not scenario.learning:
        return None
    return Learning(control)
