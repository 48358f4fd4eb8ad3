"""Federated rounds on a simulated hierarchy: models down, updates up, over the real links.

Each round the top aggregator picks clients (node instances, each with its own data) and sends
them the global model (float32 parameters) as a transfer over the real links
(:class:`workbench.control.transfers.Transfer`: paced to ``bandwidth_share`` of each link's
time, paused while a link is down, resumed from the last byte). Hierarchically, the model goes
to each site's aggregator first, which relays it to its clients. A client trains for its epochs
(time: the model's operations / its hardware's sustained throughput; ASSUMPTION: spare compute,
not queued behind inference) and sends its (clipped, compressed) update back the same way. A
site aggregator sends the sum of its clients' updates up when all of them are heard from or
when its share of the deadline is over; the top closes the round at K updates, when every
picked client is heard from, or at the deadline, then aggregates and tests the model. Transfers
of a closed round stop where they are (their bytes moved stay counted); late clients drop out.

An update whose architecture hash is not the aggregator's is quarantined: the client downloads
the current version (its bytes on the links) and joins again from the next round.

Only parameters move: no training sample ever leaves its client.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..control.transfers import Gate, Transfer
from ..errors import Problem, ScenarioError
from . import updates
from .learning import GroupSum, Learner
from .model import Architecture

if TYPE_CHECKING:
    from ..sim.engine import Simulation

Client = tuple[str, int]  # (node id, instance)


@dataclass(frozen=True)
class _Name:
    id: str


@dataclass
class Move:
    """One federated transfer: what, for which round, which way."""

    round: int
    kind: str  # model, update, aggregate, reconcile
    direction: str  # up, down
    transfer: Transfer


@dataclass
class RoundState:
    index: int
    start_s: float
    params: np.ndarray
    picked: list[int]
    expected: dict[str, set[int]]  # site aggregator (or top) -> picked clients still to hear
    received: dict[str, list[np.ndarray]] = field(default_factory=dict)
    sums: list[GroupSum] = field(default_factory=list)
    groups_open: set[str] = field(default_factory=set)  # aggregators still collecting
    sums_on_way: int = 0  # site sums sent up and not yet arrived
    quarantined: int = 0
    updates: int = 0
    end_s: float = math.nan
    accuracy: float = math.nan
    closed: bool = False
    moves: list[Move] = field(default_factory=list)


class FederatedRun:
    """The federated rounds of one simulation (``sim.federated``)."""

    def __init__(self, sim: Simulation) -> None:
        config = sim.scenario.federated
        assert config is not None
        self.sim = sim
        self.config = config
        self.rollout = _Name("federated")  # what a Transfer names in its events
        self._gates: dict[int, Gate] = {}
        self._done: dict[int, Any] = {}  # id(transfer) -> callback on delivery
        scenario = sim.scenario
        self.clients: list[Client] = [
            (node_id, i) for node_id in config.clients for i in range(scenario.node(node_id).count)
        ]
        site_names = [scenario.node(n).site or n for n, _ in self.clients]
        site_index = {s: k for k, s in enumerate(dict.fromkeys(site_names))}
        self.learner = Learner(config, [site_index[s] for s in site_names], sim.seed)
        self.top = config.aggregator
        self.group_of = [self._group(node) for node, _ in self.clients]
        self.old_arch: Architecture | None = None
        self.arch_of: list[Architecture] = [self.learner.arch] * len(self.clients)
        self.own_params: dict[int, np.ndarray] = {}
        if config.skew is not None:
            self.old_arch = Architecture(self.learner.arch.features, config.skew.old_hidden, "1")
            rng = np.random.default_rng([sim.seed, 0xFED, 5])
            for c, (node, _) in enumerate(self.clients):
                if node in config.skew.nodes:
                    self.arch_of[c] = self.old_arch
                    self.own_params[c] = self.old_arch.init(rng)
        self.rounds: list[RoundState] = []
        self.reconciles: list[Move] = []
        self.reconciling: set[int] = set()  # clients downloading the current version
        self.reconciled: dict[int, float] = {}  # client -> when it rejoined
        sim.call_at(config.start_s, self._first_round)

    def _first_round(self) -> None:
        if not self.rounds:  # not started early by start_now()
            self._start_round()

    def start_now(self) -> None:
        """Start the first round now rather than at the section's ``at`` (what the
        workbench's Start button calls); ScenarioError once the rounds have started."""
        if self.rounds:
            raise ScenarioError(
                [
                    Problem(
                        "federated",
                        f"the rounds started at t = {self.rounds[0].start_s:g} s; "
                        f"{len(self.rounds)} of {self.config.rounds} so far",
                    )
                ]
            )
        self._start_round()

    def closed_rounds(self) -> int:
        return sum(1 for s in self.rounds if s.closed)

    # ------------------------------------------------------------------ plumbing
    def gate(self, channel: Any) -> Gate:
        """The pace of ``channel`` for every federated transfer (Transfer calls it)."""
        found = self._gates.get(id(channel))
        if found is None:
            found = self._gates[id(channel)] = Gate(self.sim, self.config.bandwidth_share)
        return found

    def on_delivered(self, transfer: Transfer, now: float) -> None:
        action = self._done.pop(id(transfer), None)
        if action is not None:
            action()

    def _send(
        self,
        state: RoundState | None,
        kind: str,
        origin: str,
        target: Client,
        size: float,
        upward: bool,
        then: Any,
    ) -> Move:
        builder = self.sim.plan.builder
        node, instance = target
        if upward:  # from the target (a client or site aggregator) up to ``origin``
            steps: list[Any] = []
            builder.hops(node, instance, origin, size, steps)
            route: tuple[Any, ...] = tuple(steps)
        else:
            route = () if origin == node else builder.down_route(origin, node, instance)
        owner = cast(Any, self)
        transfer = Transfer(owner, node, instance, route, size, self.config.bandwidth_share, False)
        self._done[id(transfer)] = then
        move = Move(state.index if state else -1, kind, "up" if upward else "down", transfer)
        if state is not None:
            state.moves.append(move)
        transfer.start(self.sim.now)
        return move

    def _group(self, node: str) -> str:
        """The aggregator a client at ``node`` reports to: the top, or its site's aggregator."""
        config = self.config
        if not config.hierarchical:
            return self.top
        site = self.sim.scenario.node(node).site
        if site is not None and site in config.site_aggregators:
            return config.site_aggregators[site]
        path = self.sim.plan.topology.path(node, self.top) or []
        found = node
        for hop in path:
            if hop.dst != self.top and self.sim.scenario.node(hop.dst).site == site:
                found = hop.dst
        return found

    def _up_time(self, group: str, size: float) -> float:
        """Time the group's sum needs to reach the top, at the bandwidth share, no queueing."""
        path = self.sim.plan.topology.path(group, self.top) or []
        share = self.config.bandwidth_share
        return sum(h.latency_s + 8 * size / (h.bandwidth_bps * share) for h in path)

    def members(self, group: str) -> int:
        """Clients reporting to ``group``."""
        return sum(1 for g in self.group_of if g == group)

    # ------------------------------------------------------------------ rounds
    def _start_round(self) -> None:
        now = self.sim.now
        learner = self.learner
        picked = learner.pick()
        expected: dict[str, set[int]] = {}
        for c in picked:
            expected.setdefault(self.group_of[c], set()).add(c)
        state = RoundState(len(self.rounds), now, learner.params.copy(), picked, expected)
        self.rounds.append(state)
        self.sim.record(
            "federated_round", self.top, f"round {state.index + 1}: {len(picked)} picked"
        )
        size = updates.model_bytes(learner.arch.size)
        state.groups_open = set(expected)
        for group, members in expected.items():
            if group == self.top:
                for c in sorted(members):
                    self._model_to_client(state, group, c, size)
            else:
                self._model_to_site(state, group, sorted(members), size)
        self.sim.call_at(now + self.config.deadline_s, lambda: self._close(state))
        if not picked and self.config.privacy is None:
            self._close(state)

    def _model_to_site(
        self, state: RoundState, group: str, members: list[int], size: float
    ) -> None:
        """The model goes to a site aggregator, which relays it to ``members``; the site sends
        its sum up when its share of the deadline is over (time to reach the top kept)."""
        self._send(
            state,
            "model",
            self.top,
            (group, 0),
            size,
            False,
            lambda: self._relay(state, group, members, size),
        )
        deadline = self.config.deadline_s - self._up_time(group, size)
        self.sim.call_at(self.sim.now + max(0.0, deadline), lambda: self._close_group(state, group))

    def _relay(self, state: RoundState, group: str, members: list[int], size: float) -> None:
        if state.closed or group not in state.groups_open:
            return
        for c in members:
            self._model_to_client(state, group, c, size)

    def _model_to_client(self, state: RoundState, group: str, c: int, size: float) -> None:
        if state.closed:
            return
        self._send(
            state, "model", group, self.clients[c], size, False, lambda: self._train(state, c)
        )

    def _train(self, state: RoundState, c: int) -> None:
        node, _ = self.clients[c]
        if state.closed or not self.sim.plan.node_elements[node].up:
            return
        arch = self.arch_of[c]
        ops = self.config.local_epochs * arch.ops_per_epoch(self.config.samples_per_client)
        hardware = self.sim.catalogue.hardware[self.sim.scenario.node(node).hardware]
        self.sim.call_at(
            self.sim.now + ops / hardware.effective_ops_per_s, lambda: self._upload(state, c)
        )

    def _upload(self, state: RoundState, c: int) -> None:
        if state.closed:
            return
        arch = self.arch_of[c]
        start = state.params if arch is self.learner.arch else self.own_params[c]
        delta, size = self.learner.local_update(c, start, arch)
        group = self.group_of[c]
        self._send(
            state,
            "update",
            group,
            self.clients[c],
            size,
            True,
            lambda: self._arrived(state, group, c, delta, arch.hash),
        )

    def _arrived(self, state: RoundState, group: str, c: int, delta: np.ndarray, arch: str) -> None:
        if state.closed or group not in state.groups_open:
            return  # a straggler: the round (or its site) closed without it
        state.expected[group].discard(c)
        if arch != self.learner.arch.hash:
            self._quarantine(state, group, c, arch)
        else:
            state.received.setdefault(group, []).append(delta)
            if group == self.top:
                state.updates += 1  # direct updates; a site's come in its sum
        if not state.expected[group]:
            self._close_group(state, group)
        k = self.config.min_updates
        if k is not None and state.updates + sum(s.count for s in state.sums) >= k:
            self._close(state)

    def _quarantine(self, state: RoundState, group: str, c: int, arch: str) -> None:
        state.quarantined += 1
        node, instance = self.clients[c]
        self.sim.record(
            "federated_quarantine",
            f"{node}[{instance}]",
            f"round {state.index + 1}: architecture {arch}, "
            f"aggregator has {self.learner.arch.hash}",
        )
        if c in self.reconciling:
            return  # its download of the current version is on the way
        self.reconciling.add(c)
        skew = self.config.skew
        size = (
            skew.reconcile_size_bytes
            if skew is not None and skew.reconcile_size_bytes is not None
            else updates.model_bytes(self.learner.arch.size)
        )
        move = self._send(
            None, "reconcile", group, self.clients[c], size, False, lambda: self._rejoin(c)
        )
        move.round = state.index
        self.reconciles.append(move)

    def _rejoin(self, c: int) -> None:
        self.arch_of[c] = self.learner.arch
        self.own_params.pop(c, None)
        self.reconciled[c] = self.sim.now
        self.reconciling.discard(c)
        node, instance = self.clients[c]
        self.sim.record(
            "federated_rejoin", f"{node}[{instance}]", "reconciled to the current version"
        )

    def _close_group(self, state: RoundState, group: str) -> None:
        """A site aggregator sends what it has up (the top's own group closes with the round)."""
        if state.closed or group not in state.groups_open:
            return
        if group == self.top:
            if not state.expected[group]:
                state.groups_open.discard(group)
                self._maybe_close(state)
            return
        state.groups_open.discard(group)
        got = self.learner.group_sum(state.received.get(group, []), self.members(group))
        if got is None:
            self._maybe_close(state)
            return
        decoded, size = updates.compress(got.total, self.config.compression, self.config.topk)
        got = GroupSum(decoded, got.weight, got.count)
        state.sums_on_way += 1
        self._send(
            state,
            "aggregate",
            self.top,
            (group, 0),
            size,
            True,
            lambda: self._sum_arrived(state, got),
        )

    def _sum_arrived(self, state: RoundState, got: GroupSum) -> None:
        if state.closed:
            return
        state.sums.append(got)
        state.sums_on_way -= 1
        k = self.config.min_updates
        if k is not None and state.updates + sum(s.count for s in state.sums) >= k:
            self._close(state)
            return
        self._maybe_close(state)

    def _maybe_close(self, state: RoundState) -> None:
        """Close when no aggregator is collecting and no site sum is on its way."""
        if not state.groups_open and not state.sums_on_way:
            self._close(state)

    def _stop(self, transfer: Transfer, now: float) -> None:
        """The round is over: the transfer sends no more, and leaves the backlogs it waits in
        (a link's drain then has nothing of it to send)."""
        transfer.state = "done"
        self._done.pop(id(transfer), None)
        for channel in transfer.channels:
            mine = [e for e in channel.backlog if e.run is transfer]
            for entry in mine:
                entry.alive = False
                entry.until = now
                channel.backlog.remove(entry)

    def _close(self, state: RoundState) -> None:
        if state.closed:
            return
        state.closed = True
        now = self.sim.now
        learner = self.learner
        sums = list(state.sums)
        if self.top in state.expected or not self.config.hierarchical:
            got = learner.group_sum(state.received.get(self.top, []), self.members(self.top))
            if got is not None:
                sums.append(got)
        state.updates = sum(s.count for s in sums)
        learner.apply(sums)
        state.accuracy = learner.accuracy()
        state.end_s = now
        for move in state.moves:
            if move.transfer.state != "done":
                self._stop(move.transfer, now)
        self.sim.record(
            "federated_round_end",
            self.top,
            f"round {state.index + 1}: {state.updates} update(s), accuracy {state.accuracy:.3f}",
        )
        if len(self.rounds) < self.config.rounds:
            every = self.config.every_s
            at = now if every is None else max(now, state.start_s + every)
            self.sim.call_at(at, self._start_round)
