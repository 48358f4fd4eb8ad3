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


class Channel:
    """One direction of one link instance."""

    __slots__ = (
        "bandwidth_bps",
        "bin_s",
        "bins",
        "bytes",
        "direction",
        "free_at",
        "in_service",
        "latency_s",
        "link",
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

    def send(self, now: float, size_bytes: float) -> float:
        """Queue ``size_bytes`` at ``now``; return when the last bit reaches the far end."""
        start = now if now > self.free_at else self.free_at
        self.free_at = start + 8.0 * size_bytes / self.bandwidth_bps
        self.bytes += size_bytes
        try:  # noqa: SIM105 - faster than contextlib.suppress on this hot path
            self.bins[int(start / self.bin_s)] += size_bytes
        except IndexError:  # sent after the last bin (past the end of the run)
            pass
        return self.free_at + self.latency_s


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
        try:  # noqa: SIM105 - faster than contextlib.suppress on this hot path
            self.bins[int(start / self.bin_s)] += service_s
        except IndexError:
            pass
        return start, done

    @property
    def servers(self) -> int:
        return 1 if self.free is None else len(self.free)


def new_bins(until_s: float, bin_s: float) -> array:  # type: ignore[type-arg]
    """A zeroed array of time bins covering [0, until_s]."""
    return array("d", bytes(8 * (math.ceil(until_s / bin_s) + 1)))
