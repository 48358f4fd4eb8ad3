"""Slices of shared nodes and links: the stations a tenant's traffic uses there.

A sliced node instance is partitioned: each tenant's slice is a FIFO station of its own
``servers``, and the servers no slice reserves form a *pool* (shared workloads use it). A
sliced link direction is partitioned the same way into FIFO transmitters of ``share`` x the
bandwidth, the unreserved share being the pool (control-plane traffic and shared workloads).
Each piece answers "if a job arrives at t, when does it leave" under FIFO, as every station
does, so the engine's hot path does not change.

With ``burst``, a tenant's job goes to whichever of its slice and the pool lets it start (or,
on a link, arrive) first, decided at arrival. It never goes to another tenant's slice: service
is not preemptive, so a job lent a neighbour's idle server would delay that neighbour's next
arrival by up to a whole service time. What this gives up: capacity reserved by a quiet tenant
idles rather than serving a busy one (no work conservation across slices).
"""

from __future__ import annotations

from array import array
from typing import Any

from .stations import Channel, Server, spread


class SliceServer(Server):
    """A tenant's slice of one node instance: its own ``servers`` parallel FIFO servers. Busy
    time goes to the node's time bins (node utilisation) and to the slice's own."""

    __slots__ = ("slice_bins", "tenant")

    def __init__(
        self,
        node: int,
        servers: int,
        bins: array,  # type: ignore[type-arg]
        bin_s: float,
        slice_bins: array,  # type: ignore[type-arg]
        tenant: str | None,
    ) -> None:
        super().__init__(node, servers, bins, bin_s)
        self.slice_bins = slice_bins
        self.tenant = tenant

    def serve(self, now: float, service_s: float) -> tuple[float, float]:
        start, done = Server.serve(self, now, service_s)
        if done > start:
            spread(self.slice_bins, self.bin_s, start, done, service_s)
        return start, done


def _earliest(server: Server) -> float:
    return server.free_at if server.free is None else server.free[0]


class BurstServer(Server):
    """A bursting tenant's view of a sliced node instance: each job takes the first server
    free in its own slice or in the pool (FIFO within each, decided at arrival)."""

    __slots__ = ("own", "pool", "tenant")

    def __init__(self, own: SliceServer, pool: Server) -> None:
        super().__init__(own.node, 1, own.bins, own.bin_s)
        self.own = own
        self.pool = pool
        self.tenant = own.tenant

    def serve(self, now: float, service_s: float) -> tuple[float, float]:
        own, pool = self.own, self.pool
        if max(now, _earliest(pool)) < max(now, _earliest(own)):
            return pool.serve(now, service_s)
        return own.serve(now, service_s)

    @property
    def servers(self) -> int:
        return self.own.servers + self.pool.servers


class SliceChannel(Channel):
    """A tenant's slice of one link direction instance: a FIFO transmitter at ``share`` x the
    bandwidth. Bytes go to the link's time bins (the links table) and to the slice's own."""

    __slots__ = ("slice_bins", "tenant")

    def __init__(self, *args: Any, slice_bins: array, tenant: str | None) -> None:  # type: ignore[type-arg]
        super().__init__(*args)
        self.slice_bins = slice_bins
        self.tenant = tenant

    def send(self, now: float, size_bytes: float) -> float:
        start = now if now > self.free_at else self.free_at
        arrive = Channel.send(self, now, size_bytes)
        if self.free_at > start:
            spread(self.slice_bins, self.bin_s, start, self.free_at, size_bytes)
        return arrive


class BurstChannel(Channel):
    """A bursting tenant's view of a sliced link direction instance: each message goes on
    its slice or on the pool, whichever delivers it first (decided when it is sent)."""

    __slots__ = ("own", "pool", "tenant")

    def __init__(self, own: SliceChannel, pool: Channel) -> None:
        super().__init__(
            own.link,
            own.direction,
            own.nominal[0] + pool.nominal[0],
            own.latency_s,
            own.bins,
            own.bin_s,
        )
        self.own = own
        self.pool = pool
        self.tenant = own.tenant

    def send(self, now: float, size_bytes: float) -> float:
        own, pool = self.own, self.pool
        own_end = max(now, own.free_at) + 8.0 * size_bytes / own.bandwidth_bps
        pool_end = max(now, pool.free_at) + 8.0 * size_bytes / pool.bandwidth_bps
        return (pool if pool_end < own_end else own).send(now, size_bytes)
