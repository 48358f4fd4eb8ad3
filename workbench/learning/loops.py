"""One learning loop in a run: its detector, its episodes and their retraining jobs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..control.versions import NONE
from ..scenario import Drift, LearningLoop
from . import detectors
from .episodes import Episode
from .retraining import RetrainJob
from .where import detector_node, loop_model, loop_sites, model_nodes

if TYPE_CHECKING:
    from .learning import Learning

RECOVERY_CHECK_S = 1.0  # how often a rolling-out episode checks whether it has recovered


class LoopRun:
    """The detector, the episodes and the retraining jobs of one ``learning:`` entry."""

    def __init__(self, learning: Learning, loop: LearningLoop) -> None:
        self.learning = learning
        self.sim = learning.sim
        self.loop = loop
        scenario = self.sim.scenario
        self.workload = scenario.workload(loop.workload)
        self.workload_index = scenario.workloads.index(self.workload)
        model = loop_model(scenario, loop)
        node = detector_node(scenario, loop)
        assert model is not None and node is not None  # validation
        self.model: str = model
        self.detector_node: str = node
        self.sites = loop_sites(scenario, loop)
        self.stream = loop.detector.on
        self.detector: Any = detectors.build(
            loop.detector.kind, loop.detector.params, self.sim.seed
        )
        self.episodes: list[Episode] = []
        self.jobs: list[RetrainJob] = []
        self.detections: list[tuple[float, bool, int]] = []  # (t, false alarm, episode or -1)
        self.current: Episode | None = None
        self._seen_nodes: dict[str, bool] = {}
        self._slot_cache: tuple[int, list[Any]] = (-1, [])
        self._watched = NONE  # the version whose errors the detector watches
        if loop.retrain.trigger == "schedule":
            for t in loop.retrain.at_s or []:
                self.sim.call_at(t, lambda: self._trigger(self.sim.now, detected=False))

    # ---------------------------------------------------------------- where
    def sees(self, node: str) -> bool:
        """Whether requests served on ``node`` pass through the detector node (features)."""
        found = self._seen_nodes.get(node)
        if found is None:
            control = self.learning.control
            found = node == self.detector_node or control.decision_node(node) == self.detector_node
            self._seen_nodes[node] = found
        return found

    def targets(self) -> list[str]:
        """Nodes at the loop's sites that serve its model (placed there, or installed)."""
        scenario = self.sim.scenario
        placed = model_nodes(scenario, self.workload, self.model)
        installed = [n for (n, _, m) in self.learning.control.book.slots if m == self.model]
        nodes = list(dict.fromkeys([*placed, *installed]))
        return [n for n in nodes if not self.sites or scenario.node(n).site in self.sites]

    def _slots(self) -> list[Any]:
        book = self.learning.control.book
        if self._slot_cache[0] != len(book.slots):
            targets = self.targets()
            slots = [
                slot
                for (node, _, model), slot in book.slots.items()
                if model == self.model and node in targets
            ]
            self._slot_cache = (len(book.slots), slots)
        return [slot for slot in self._slot_cache[1] if slot.active != NONE]

    def serving_version(self) -> int:
        """The version most target instances serve now."""
        counts: dict[int, int] = {}
        for slot in self._slots():
            counts[slot.active] = counts.get(slot.active, 0) + 1
        return max(counts, key=lambda v: counts[v]) if counts else NONE

    def expected(self, t: float, *, drifted: bool = True) -> float:
        """The lowest expected accuracy among the target instances at ``t`` (each one's mix of
        active and candidate versions); without ``drifted``, the accuracies as declared."""
        book = self.learning.control.book
        lowest = math.inf
        for slot in self._slots():
            mix = 0.0
            parts = [(slot.active, 1.0 - slot.share)]
            if slot.candidate != NONE:
                parts.append((slot.candidate, slot.share))
            for version, weight in parts:
                info = book.versions[version]
                truth = info.accuracy
                if drifted:
                    truth = self.learning.truth(self.workload.id, version, truth, t)
                mix += weight * truth
            lowest = min(lowest, mix)
        return lowest if lowest < math.inf else math.nan

    # --------------------------------------------------------------- drift
    def on_drift(self, drift: Drift, now: float) -> None:
        """A drift of the loop's workload at its sites started."""
        current = self.current
        if current is not None and current.open:
            if current.drift is None:
                current.drift, current.drift_at_s = drift.id, drift.start_s
            return
        self.current = self._new_episode(drift, drift.start_s)

    def _new_episode(self, drift: Drift | None, at: float) -> Episode:
        episode = Episode(
            self.loop.id,
            len(self.episodes) + 1,
            drift.id if drift is not None else None,
            self.workload.id,
            list(self.sites),
            self.expected(at, drifted=False),
            drift_at_s=drift.start_s if drift is not None else math.nan,
        )
        self.episodes.append(episode)
        return episode

    # ------------------------------------------------------------ detection
    def feed_feature(self, value: float, now: float) -> None:
        if self.watching():
            self.feed(value, now)

    def feed(self, value: float, now: float) -> None:
        detector = self.detector
        detector.update(value)
        if detector.drift_detected:
            self._detected(now)

    def _detected(self, now: float) -> None:
        world = self.learning.world
        false_alarm = world.active(self.workload.id, self.sites, now) is None
        current = self.current
        number = current.number if current is not None and current.open else -1
        self.sim.record(
            "false_alarm" if false_alarm else "detection",
            self.loop.id,
            f"{self.loop.detector.kind} on {self.stream} at {self.detector_node}",
        )
        if self.loop.retrain.trigger == "detection":
            started = self._trigger(now, detected=True)
            if started is not None:
                number = started.number
        self.detections.append((now, false_alarm, number))

    def _trigger(self, now: float, *, detected: bool) -> Episode | None:
        """Start a retraining now (unless one is under way); return its episode."""
        episode = self.current
        if episode is not None and episode.open and episode.state != "undetected":
            return None
        if episode is None or not episode.open:
            drift = self.learning.world.active(self.workload.id, self.sites, now)
            episode = self.current = self._new_episode(drift, now)
        if detected and math.isnan(episode.detected_at_s):
            episode.detected_at_s = now
        episode.trigger_s = now
        episode.state = "waiting_for_samples"
        self.jobs.append(RetrainJob(self, episode))
        return episode

    def watching(self) -> bool:
        """Keep the detector on the version that serves now: when another one takes over
        (a promotion), the detector starts afresh, since the stream it watched has ended."""
        serving = self.serving_version()
        if serving != self._watched:
            if self._watched != NONE:
                loop = self.loop
                self.detector = detectors.build(
                    loop.detector.kind, loop.detector.params, self.sim.seed
                )
            self._watched = serving
        return serving != NONE

    def on_label(self, version: int, right: bool, now: float) -> None:
        """A label of the loop's workload arrived at the detector node. Only the errors of
        the version that serves the loop's sites are watched (not a canary's, not a
        fallback's, not those of a version already replaced)."""
        if self.jobs and self.jobs[-1].episode.state == "waiting_for_samples":
            self.jobs[-1].on_sample(now)
        if self.stream == "errors" and self.watching() and version == self._watched:
            self.feed(0.0 if right else 1.0, now)

    # ------------------------------------------------------------- recovery
    def watch_recovery(self, episode: Episode) -> None:
        """Check now, at every change of what serves (:meth:`check_recovery` is called by
        the rollout), and every RECOVERY_CHECK_S (a gradual drift moves the truth between)."""
        self.sim.call_at(self.sim.now, lambda: self.check_recovery(episode))

    def check_recovery(self, episode: Episode, *, poll: bool = True) -> None:
        now = self.sim.now
        if episode.state != "rolling_out":
            return
        run = next(
            (r for r in self.learning.control.rollouts if r.rollout.id == episode.rollout), None
        )
        if run is not None and run.phase == "done" and run.decision == "rolled_back":
            episode.state = "rolled_back"  # the canary refused the new version: the loop is free
            episode.rollout_end_s = run.end_s
            return
        target = episode.pre_accuracy * (1.0 - self.loop.tolerance)
        if self.expected(now) >= target - 1e-12:
            episode.recovered_at_s = now
            episode.state = "recovered"
            self.sim.record(
                "recovered",
                self.loop.id,
                f"expected accuracy {self.expected(now):.4f} (pre-drift "
                f"{episode.pre_accuracy:.4f})",
            )
            return
        if poll:
            self.sim.call_at(now + RECOVERY_CHECK_S, lambda: self.check_recovery(episode))
