"""Rollouts: a version pushed down to its targets by a strategy, as control traffic.

- ``all_at_once``: every target instance gets its transfer at once.
- ``waves``: one wave per tier (top down) or per site, at most ``max_concurrent`` transfers at
  a time, ``pause`` between waves.
- ``canary``: the aggregation-edge targets get the version first and serve ``share`` of their
  requests with it next to the old one; once ``samples`` labelled requests per arm have arrived
  a non-inferiority test (:mod:`.decisions`) promotes it (the rest of the targets follow) or
  rolls it back (the new version leaves the store, the old one serves everything).
- ``ab``: every target serves ``split`` of its requests with the new version for ``duration``,
  then the test is reported (decision ``completed``) and the old version serves everything.

A target instance serves the new version ``swap_time`` after its checkpoint arrived. A target
cut off keeps serving what it has; its transfer waits and carries on when it is reachable.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..catalogue import TIER_IDS
from ..scenario import Rollout
from . import decisions
from .transfers import Gate, Transfer
from .versions import NONE, VersionInfo

if TYPE_CHECKING:
    from .control import Control


class RolloutRun:
    """The state of one rollout in a run."""

    def __init__(self, control: Control, rollout: Rollout, targets: list[str]) -> None:
        self.control = control
        self.sim = control.sim
        self.rollout = rollout
        self.version: VersionInfo = control.book.by_id[rollout.version]
        self.targets = targets
        self.transfers: list[Transfer] = []
        self.decision = "incomplete"
        self.decided_s = math.nan
        self.start_s = math.nan
        self.end_s = math.nan
        self.phase = "scheduled"  # scheduled, sending, canary, ab, done
        self.canary_nodes: list[str] = []
        self.old: dict[tuple[str, int], int] = {}  # the version each instance ran before
        self.tally = [0, 0, 0, 0]  # labelled old, right old, labelled new, right new
        self._waves: list[list[tuple[str, int]]] = []
        self._pending: list[tuple[str, int]] = []  # instances of the current wave not started
        self._open = 0  # transfers of the current phase not yet activated
        self.trial_start_s = math.inf  # labels of requests served from here on are counted
        self._gates: dict[int, Gate] = {}  # by id(channel): the pace shared by its transfers

    def gate(self, channel: Any) -> Gate:
        """The pace of ``channel`` for this rollout's transfers."""
        found = self._gates.get(id(channel))
        if found is None:
            found = self._gates[id(channel)] = Gate(self.sim, self.rollout.bandwidth_share)
        return found

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        now = self.sim.now
        self.start_s = now
        self.phase = "sending"
        strategy = self.rollout.strategy
        self.sim.record(
            "rollout_start",
            self.rollout.id,
            f"{self.version.id} to {len(self.targets)} node(s), {strategy}",
        )
        instances = self.control.instances
        if strategy == "canary":
            level = TIER_IDS.index("aggregation_edge") + 1
            self.canary_nodes = [n for n in self.targets if self.control.level(n) == level]
            first = [(n, i) for n in self.canary_nodes for i in range(instances[n])]
            self._waves = [first]
        elif strategy == "waves":
            self._waves = self._wave_groups()
        else:
            self._waves = [[(n, i) for n in self.targets for i in range(instances[n])]]
        self._next_wave()

    def _wave_groups(self) -> list[list[tuple[str, int]]]:
        """One group per tier (highest first) or per site (in the order targets name them)."""
        groups: dict[Any, list[tuple[str, int]]] = {}
        for node in self.targets:
            if self.rollout.by == "tier":
                key: Any = -self.control.level(node)
            else:
                key = self.control.site(node) or node
            groups.setdefault(key, []).extend(
                (node, i) for i in range(self.control.instances[node])
            )
        keys = sorted(groups) if self.rollout.by == "tier" else list(groups)
        return [groups[k] for k in keys]

    def _next_wave(self) -> None:
        if not self._waves:
            self._finish("completed" if self.decision == "incomplete" else self.decision)
            return
        self._pending = list(self._waves.pop(0))
        self._open = len(self._pending)
        if not self._pending:
            self._next_wave()
            return
        self._launch()

    def _launch(self) -> None:
        limit = self.rollout.max_concurrent if self.rollout.strategy == "waves" else None
        running = sum(t.state in ("sending", "paused") for t in self.transfers)
        now = self.sim.now
        while self._pending and (limit is None or running < limit):
            node, instance = self._pending.pop(0)
            transfer = Transfer(
                self,
                node,
                instance,
                self.control.down_route(self.rollout.registry, node, instance),
                self.version.size_bytes,
                self.rollout.bandwidth_share,
                self.rollout.on_interrupt == "restart",
            )
            self.transfers.append(transfer)
            running += 1
            transfer.start(now)

    # --------------------------------------------------------------- arrivals
    def on_delivered(self, transfer: Transfer, now: float) -> None:
        """A checkpoint arrived whole: serve it after the swap time."""
        self.sim.call_at(now + self.rollout.swap_time_s, lambda: self._activate(transfer))
        if self._pending:
            self._launch()

    def _activate(self, transfer: Transfer) -> None:
        now = self.sim.now
        slot = self.control.book.slot(transfer.node, transfer.instance, self.version.model)
        self.old[(transfer.node, transfer.instance)] = slot.active
        strategy = self.rollout.strategy
        if strategy == "ab":
            slot.try_out(self.version.index, self.rollout.split, now)
        elif strategy == "canary" and self.phase == "sending" and self.decision == "incomplete":
            slot.try_out(self.version.index, self.rollout.share, now)
        else:
            slot.activate(self.version.index, now)
        self.sim.record(
            "activate", transfer.node, f"{self.version.id} on instance {transfer.instance}"
        )
        self.control.versions_changed()
        self._open -= 1
        if self._open > 0:
            return
        if strategy == "canary" and self.decision == "incomplete":
            self.phase = "canary"
            self.trial_start_s = now
            return
        if strategy == "ab" and self.phase == "sending":
            self.phase = "ab"
            self.trial_start_s = now
            duration = self.rollout.duration_s or 0.0
            self.sim.call_at(now + duration, self._end_ab)
            return
        if self._waves and self.rollout.pause_s > 0:
            self.sim.call_at(now + self.rollout.pause_s, self._next_wave)
        else:
            self._next_wave()

    # --------------------------------------------------------------- labels
    def on_label(self, version: int, right: bool, node: str, served_s: float) -> None:
        """A label of a request served on ``node`` arrived where the decision is made."""
        if self.phase not in ("canary", "ab") or node not in self._arm_nodes():
            return
        if served_s < self.trial_start_s:
            return
        if version == self.version.index:
            self.tally[2] += 1
            self.tally[3] += right
        elif version in self.old.values() and version != NONE:
            self.tally[0] += 1
            self.tally[1] += right
        else:
            return
        if self.phase == "canary" and min(self.tally[0], self.tally[2]) >= self.rollout.samples:
            self._decide()

    def _arm_nodes(self) -> list[str]:
        return self.canary_nodes if self.rollout.strategy == "canary" else self.targets

    def _decide(self) -> None:
        now = self.sim.now
        n_old, right_old, n_new, right_new = self.tally
        promote, evidence = decisions.non_inferiority(
            n_old, right_old, n_new, right_new, self.rollout.alpha, self.rollout.margin
        )
        self.decision = "promoted" if promote else "rolled_back"
        self.decided_s = now
        self._log_decision(evidence)
        for node in self.canary_nodes:
            for instance in range(self.control.instances[node]):
                slot = self.control.book.slot(node, instance, self.version.model)
                if promote:
                    slot.activate(self.version.index, now)
                else:
                    slot.withdraw(now)
        self.control.versions_changed()
        if not promote:
            self._finish("rolled_back")
            return
        self.phase = "sending"
        rest = [n for n in self.targets if n not in self.canary_nodes]
        instances = self.control.instances
        self._waves = [[(n, i) for n in rest for i in range(instances[n])]]
        self._next_wave()

    def _end_ab(self) -> None:
        now = self.sim.now
        n_old, right_old, n_new, right_new = self.tally
        evidence = decisions.ab_report(n_old, right_old, n_new, right_new, self.rollout.alpha)
        self.decision = "completed"
        self.decided_s = now
        self._log_decision(evidence)
        for transfer in self.transfers:
            slot = self.control.book.slot(transfer.node, transfer.instance, self.version.model)
            if slot.candidate == self.version.index:
                slot.withdraw(now, remove=False)
        self.control.versions_changed()
        self._finish("completed")

    def _log_decision(self, evidence: decisions.Evidence) -> None:
        row = (self.sim.now, self.rollout.id, self.decision, evidence)
        self.control.decisions.append(row)
        self.sim.record(
            "decision",
            self.rollout.id,
            f"{self.decision}: old {evidence.accuracy_old:.4f} on {evidence.n_old} labels, "
            f"new {evidence.accuracy_new:.4f} on {evidence.n_new}; "
            f"z = {evidence.statistic:.3f} vs {evidence.threshold:.3f}",
        )

    def _finish(self, decision: str) -> None:
        if self.phase == "done":
            return
        self.phase = "done"
        self.decision = decision
        self.end_s = self.sim.now
        self.sim.record("rollout_end", self.rollout.id, decision)

    # --------------------------------------------------------------- reading
    def progress(self) -> dict[str, float]:
        """Per target node: share of the checkpoint its instances hold (mean over instances)."""
        out: dict[str, list[float]] = {n: [] for n in self.targets}
        for transfer in self.transfers:
            out[transfer.node].append(transfer.progress)
        instances = self.control.instances
        return {n: sum(v) / instances[n] for n, v in out.items()}
