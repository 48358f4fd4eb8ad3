"""Ground-truth labels as small messages travelling up the real links.

A label is born at the request's source device ``delay`` after the request was served (a
reviewer or an oracle next to the data) and walks the channels up to where decisions are made;
a down link holds it (without a store limit) until the link returns, as a flow transfer waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..sim import degraded

if TYPE_CHECKING:
    from .control import Control
    from .predictions import Judge


class LabelRun:
    """Every label message of a run: routes, walk and delivery."""

    drain_share = 1.0
    plan = None  # not a workload: held labels are not requests waiting in a store

    def __init__(self, control: Control) -> None:
        self.control = control
        self.sim = control.sim
        self.routes: dict[tuple[str, int, str], tuple[Any, ...]] = {}
        self.messages: list[tuple[Any, ...]] = []  # (judge, req, version, right, node, route)
        self.sent = 0  # messages put on their way
        self.delivered = 0
        self.bytes_sent = 0.0  # bytes put on links, every hop counted
        self.by_link: dict[tuple[int, int], float] = {}  # (link, direction) -> bytes (audit)
        self.arrived: list[tuple[float, int, int, int, bool, str]] = []
        # (t_s, workload index, request, version, correct, served node)

    def destination(self, judge: Judge, node: str) -> str:
        labels = judge.labels
        assert labels is not None
        if labels.to is not None:
            return str(labels.to)
        return self.control.decision_node(node)

    def _route(self, source: str, device: int, to: str) -> tuple[Any, ...]:
        key = (source, device, to)
        route = self.routes.get(key)
        if route is None:
            steps: list[Any] = []
            if source != to:
                reached = self.sim.plan.builder.hops(source, device, to, 0.0, steps)
                if reached is None:
                    steps = []
            route = self.routes[key] = tuple(steps)
        return route

    def emit(self, judge: Judge, req: int, version: int, right: bool, node: str, at: float) -> None:
        """Send the label of ``req`` at time ``at`` (now or later)."""
        source = judge.run.plan.workload.source.node
        route = self._route(source, judge.run.device[req], self.destination(judge, node))
        index = len(self.messages)
        self.messages.append((judge, req, version, right, node, route))
        self.sent += 1
        now = self.sim.now
        if at <= now:
            self._walk(index, 0, now)
        else:
            self.sim.call_at(at, lambda: self._walk(index, 0, self.sim.now))

    def resume(self, req: int, route: tuple[Any, ...], pos: int, now: float) -> None:
        self._walk(req, pos, now)

    def _walk(self, index: int, pos: int, now: float) -> None:
        judge, req, version, right, node, route = self.messages[index]
        if pos == len(route):
            self.delivered += 1
            self.arrived.append((now, judge.index, req, version, right, node))
            self.control.on_label(judge, req, version, right, node, now)
            return
        channel = route[pos][1]
        size = judge.labels.size_bytes
        if not channel.in_service:
            degraded.wait(self, index, route, pos, size, now, channel, None)
            return
        self.bytes_sent += size
        if self.control.learning is not None:
            self.control.learning.label_hop(judge, channel.link, size, now)
        where = (channel.link, channel.direction)
        self.by_link[where] = self.by_link.get(where, 0.0) + size
        arrive = channel.send(now, size)
        self.sim.call_at(arrive, lambda: self._walk(index, pos + 1, self.sim.now))
