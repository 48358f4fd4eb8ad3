"""The state of links and compute nodes, kept apart from the event loop.

A :class:`Channel` is one direction of one link instance: a FIFO transmitter followed by a
propagation delay. A :class:`Server` is one instance of a compute node with ``c`` parallel FIFO
servers. Both answer "if a job arrives at time t, when does it leave?" and update their state;
the engine calls them in time order, which is all FIFO needs. A batched data plane can drive
the same objects and be compared with the engine request by request.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from typing import Any


class Channel:
    """One direction of one link instance."""

    __slots__ = (
        "backlog",
        "bandwidth_bps",
        "bin_s",
        "bins",
        "bytes",
        "direction",
        "draining",
        "free_at",
        "in_service",
        "latency_s",
        "link",
        "nominal",
    )

    def __init__(
        self,
        link: int,
        direction: int,
        bandwidth_bps: float,
        latency_s: float,
        bins: array,  # type: ignore[type-arg]
        bin_s: float,
    ) -> None:
        self.link = link
        self.direction = direction  # 0 up (ends[0] -> ends[1]), 1 down
        self.bandwidth_bps = bandwidth_bps
        self.latency_s = latency_s
        self.free_at = 0.0
        self.bytes = 0.0
        self.in_service = True
        self.bins = bins  # bytes per time bin, shared by every instance of the link direction
        self.bin_s = bin_s
        self.nominal = (bandwidth_bps, latency_s)  # figures without degradation
        self.backlog: deque[Any] = deque()  # requests stored upstream, waiting for this link
        self.draining = False

    def degrade(self, bandwidth_factor: float, extra_latency_s: float) -> None:
        """Apply (or, with 1 and 0, undo) a degradation relative to the nominal figures."""
        self.bandwidth_bps = self.nominal[0] * bandwidth_factor
        self.latency_s = self.nominal[1] + extra_latency_s

    def send(self, now: float, size_bytes: float) -> float:
        """Queue ``size_bytes`` at ``now``; return when the last bit reaches the far end."""
        start = now if now > self.free_at else self.free_at
        end = self.free_at = start + 8.0 * size_bytes / self.bandwidth_bps
        self.bytes += size_bytes
        first = int(start / self.bin_s)
        if first == int(end / self.bin_s):
            try:  # noqa: SIM105 - faster than contextlib.suppress on this hot path
                self.bins[first] += size_bytes
            except IndexError:  # sent after the last bin (past the end of the run)
                pass
        else:
            spread(self.bins, self.bin_s, start, end, size_bytes)
        return end + self.latency_s


class Server:
    """One instance of a compute node: ``servers`` parallel FIFO servers."""

    __slots__ = ("bin_s", "bins", "free", "free_at", "in_service", "node")

    def __init__(self, node: int, servers: int, bins: array, bin_s: float) -> None:  # type: ignore[type-arg]
        self.node = node
        self.free_at = 0.0  # used when there is one server
        self.free: list[float] | None = [0.0] * servers if servers > 1 else None
        self.in_service = True
        self.bins = bins  # busy seconds per time bin, shared by every instance of the node
        self.bin_s = bin_s

    def serve(self, now: float, service_s: float) -> tuple[float, float]:
        """A job arriving at ``now`` needing ``service_s``: return (start, done) under FIFO."""
        free = self.free
        if free is None:
            start = now if now > self.free_at else self.free_at
            done = start + service_s
            self.free_at = done
        else:
            earliest = free[0]
            start = now if now > earliest else earliest
            done = start + service_s
            heapq.heapreplace(free, done)
        first = int(start / self.bin_s)
        if first == int(done / self.bin_s):
            try:  # noqa: SIM105 - faster than contextlib.suppress on this hot path
                self.bins[first] += service_s
            except IndexError:
                pass
        else:
            spread(self.bins, self.bin_s, start, done, service_s)
        return start, done

    @property
    def servers(self) -> int:
        return 1 if self.free is None else len(self.free)


def spread(bins: array, bin_s: float, start: float, end: float, amount: float) -> None:  # type: ignore[type-arg]
    """Add ``amount``, spent evenly over [start, end], to the time bins it covers."""
    rate = amount / (end - start)
    index = int(start / bin_s)
    t = start
    while t < end and index < len(bins):
        upper = min(end, (index + 1) * bin_s)
        bins[index] += rate * (upper - t)
        t = upper
        index += 1


def new_bins(until_s: float, bin_s: float) -> array:  # type: ignore[type-arg]
    """A zeroed array of time bins covering [0, until_s]."""
    return array("d", bytes(8 * (math.ceil(until_s / bin_s) + 1)))


class Element:
    """The service state of one link or node, shared by all its instances and directions.

    Overlapping outages count: the element is up again only when every one has ended.
    """

    __slots__ = ("channels", "degradations", "down", "id", "kind", "servers")

    def __init__(self, kind: str, element_id: str) -> None:
        self.kind = kind  # "link" or "node"
        self.id = element_id
        self.down = 0
        self.degradations: list[tuple[float, float]] = []
        self.channels: list[Channel] = []
        self.servers: list[Server] = []

    @property
    def up(self) -> bool:
        return self.down == 0

    def attach(self, station: Channel | Server) -> None:
        """Register a station instance and bring it to the element's current state."""
        if isinstance(station, Channel):
            self.channels.append(station)
            self._degrade(station)
        else:
            self.servers.append(station)
        station.in_service = self.up

    def set_down(self, delta: int) -> bool:
        """Count one outage more (+1) or less (-1); return True when the state changed."""
        was_up = self.up
        self.down += delta
        if self.up == was_up:
            return False
        for channel in self.channels:
            channel.in_service = self.up
        for server in self.servers:
            server.in_service = self.up
        return True

    def add_degradation(self, bandwidth_factor: float, extra_latency_s: float, on: bool) -> None:
        if on:
            self.degradations.append((bandwidth_factor, extra_latency_s))
        else:
            self.degradations.remove((bandwidth_factor, extra_latency_s))
        for channel in self.channels:
            self._degrade(channel)

    def _degrade(self, channel: Channel) -> None:
        factor = math.prod(f for f, _ in self.degradations)
        channel.degrade(factor, sum(extra for _, extra in self.degradations))


class Store:
    """A node instance's bounded local store (bytes) for data that must wait."""

    __slots__ = ("capacity_bytes", "items", "node", "queue", "trace", "used_bytes")

    def __init__(self, node: str, capacity_bytes: float) -> None:
        self.node = node
        self.capacity_bytes = capacity_bytes
        self.used_bytes = 0.0
        self.items = 0
        self.queue: deque[Any] = deque()  # waiting entries, oldest first (some may be gone)
        self.trace: list[tuple[float, float, int]] = []  # (time, bytes used, items) on change

    def record(self, now: float) -> None:
        self.trace.append((now, self.used_bytes, self.items))
