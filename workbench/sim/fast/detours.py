"""Failures on the fast plane: the compiled loop runs between the moments that need a decision,
and the reference engine's own degraded mode (:mod:`workbench.sim.degraded`) makes it.

The loop stops at each scheduled change (an outage starts or ends, a degradation, a drain's next
send: the simulation's event loop holds them, as it does for the reference engine) and where a
request meets a station out of service. There, :func:`degraded.blocked` decides exactly as it
does on the reference engine (reroute, fall back, wait in the node's store, drop) through a
:class:`_RunView`, which gives it a workload run's interface over the plane's arrays. A request
that resumes (after a wait, or on a route made around the outage) goes back on the loop's heap;
a route made during the run is added to the plane's route tables once and shared.
"""

from __future__ import annotations

from heapq import heapify, heappop
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import degraded

if TYPE_CHECKING:
    from ..engine import Simulation
    from .plane import Plane


class _Mapped:
    """A per-request array of the whole plane, indexed by a workload's own request ids."""

    __slots__ = ("values", "where")

    def __init__(self, values: Any, where: Any) -> None:
        self.values, self.where = values, where

    def __getitem__(self, req: int) -> Any:
        return self.values[self.where[req]]

    def __setitem__(self, req: int, value: Any) -> None:
        self.values[self.where[req]] = value


class _RunView:
    """What :mod:`workbench.sim.degraded` uses of a workload run, over the plane's arrays:
    requests by the workload's own ids, as the reference engine numbers them."""

    def __init__(self, detours: Detours, run: Any, requests: Any) -> None:
        self.run = run
        self.plan = run.plan
        self.sim = run.sim
        self.drain_share = run.drain_share
        self.index = run.plan.index
        self.requests = requests  # this workload's request ids -> the plane's
        self.detours = detours
        out = detours.out
        self.carrying = _Mapped(out["carrying"], requests)

    @property
    def bytes_sent(self) -> float:
        return float(self.detours.plane.bytes_sent[self.index])

    @bytes_sent.setter
    def bytes_sent(self, value: float) -> None:
        self.detours.plane.bytes_sent[self.index] = value

    def route_of(self, req: int) -> tuple[Any, ...]:
        """The route request ``req`` is on: its device's, or one made during the run."""
        g = self.requests[req]
        r = int(self.detours.out["req_route"][g])
        if r == self.index:
            own: tuple[Any, ...] = self.plan.routes[int(self.detours.device[g])]
            return own
        return self.detours.plane.made[r - self.detours.owned]

    def drop(self, req: int, t: float, reason: int, pos: int = -1) -> None:
        """As :meth:`WorkloadRun.drop`: decided at ``t``, the bytes it carried lost."""
        out, g = self.detours.out, self.requests[req]
        if pos >= 0:
            out["stopped"][g] = pos
        self.detours.plane.bytes_dropped[self.index] += out["carrying"][g]
        out["carrying"][g] = 0.0
        out["end"][g] = t
        out["outcome"][g] = reason

    def resume(self, req: int, route: tuple[Any, ...], pos: int, now: float) -> None:
        """As :meth:`WorkloadRun.resume`: carry on from step ``pos`` of ``route`` at ``now``."""
        detours, g = self.detours, self.requests[req]
        own = self.plan.routes[int(detours.device[g])]
        r = self.index if route is own else detours.plane.add_route(self.index, route)
        detours.out["req_route"][g] = r
        detours.plane.push(int(g), pos, now)


class Detours:
    """A run with failures on the fast plane (see the module's text)."""

    def __init__(
        self, sim: Simulation, plane: Plane, requests: tuple[Any, Any, Any], out: dict[str, Any]
    ) -> None:
        self.sim, self.plane, self.out = sim, plane, out
        self.requests = requests
        self.device = requests[1]
        owner = requests[2]
        self.owned = len(sim.workloads)
        self.owner = owner
        self.local = np.empty(len(owner), np.int64)  # the plane's request -> the workload's id
        self.views = []
        for run in sim.workloads:
            mine = np.flatnonzero(owner == run.plan.index)
            self.local[mine] = np.arange(len(mine))
            self.views.append(_RunView(self, run, mine))
        # The loop keeps the outages' events; the reference engine's first arrivals never run.
        arrivals = {id(run._arrival) for run in sim.workloads}
        queue = sim.loop.queue
        queue[:] = [entry for entry in queue if id(entry[2]) not in arrivals]
        heapify(queue)
        self.elements = [*sim.plan.link_elements.values(), *sim.plan.node_elements.values()]

    def _state(self) -> tuple[Any, ...]:
        return tuple((e.down, tuple(e.degradations)) for e in self.elements)

    def _sync(self) -> None:
        """The stations' service state and figures, and the sources', from their objects."""
        plane = self.plane
        plane.stations.sync(plane.state, range(len(plane.stations.objects)))
        for view in self.views:
            plane.source_up[view.index] = view.run.source_element.up

    def _settle(self) -> None:
        """Requests still waiting in stores belong to their workload runs (for the results
        and the audit), not to the views that put them there."""
        entries = [*self.sim.waits]
        for channel in self.sim.plan.channels.values():
            entries.extend(channel.backlog)
        for entry in entries:
            if isinstance(entry.run, _RunView):
                entry.run = entry.run.run

    def run(self) -> None:
        sim, plane, loop = self.sim, self.plane, self.sim.loop
        queue, until = loop.queue, sim.until_s
        first = 0
        while True:
            next_change = queue[0][0] if queue else np.inf
            first = plane.advance(self.requests, first, min(next_change, until), self.out)
            hit = plane.blocked
            if hit is not None:
                g, pos, now, loop.now = hit  # the log's clock is the loop's, as on the engine
                view = self.views[int(self.owner[g])]
                req = int(self.local[g])
                degraded.blocked(view, req, view.route_of(req), pos, now)  # type: ignore[arg-type]
                continue
            if next_change >= until:
                self._settle()
                return
            before = self._state()
            loop.now, _, event = heappop(queue)
            for callback in event.callbacks:
                callback(event)
            if self._state() != before:
                self._sync()
