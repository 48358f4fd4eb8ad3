"""Checkpoint transfers: chunks down the real route, paced to a share of each link's time.

A transfer sends its checkpoint from the registry to one node instance in chunks, hop by hop
(each node on the way relays a chunk once it has it whole). The transfers of one rollout share
a :class:`Gate` per link direction, which after each chunk waits long enough that together they
use at most ``share`` of that link's time (taking turns), so requests interleave with them on
the same FIFO channels. A chunk is never sent on a down channel: the hop waits in
the channel's backlog and carries on when the link returns, from the last byte delivered
(``resume``), or the whole transfer starts again from byte 0 (``restart``).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ..sim import degraded

if TYPE_CHECKING:
    from .rollouts import RolloutRun

MIN_CHUNK, MAX_CHUNK = 64e3, 8e6
CHUNK_HOLD_S = 0.05  # a chunk holds the slowest link of its route about this long
MAX_CHUNKS = 4000


def chunk_size(size_bytes: float, channels: list[Any]) -> float:
    """Bytes per chunk: about CHUNK_HOLD_S on the slowest link, within [MIN_CHUNK, MAX_CHUNK],
    and never more than MAX_CHUNKS chunks per checkpoint."""
    if not channels:
        return size_bytes
    slowest = float(min(c.bandwidth_bps for c in channels))
    chunk = min(MAX_CHUNK, max(MIN_CHUNK, slowest * CHUNK_HOLD_S / 8), size_bytes)
    return max(chunk, size_bytes / MAX_CHUNKS)


class Gate:
    """The pace of one link direction for every transfer of a rollout: a chunk may start when
    the previous one's share of the link's time is over; waiting hops take turns."""

    def __init__(self, sim: Any, share: float) -> None:
        self.sim = sim
        self.share = share
        self.free_at = 0.0
        self.waiting: deque[tuple[Transfer, int]] = deque()
        self.timer = False

    def request(self, transfer: Transfer, hop: int, now: float) -> None:
        if not self.waiting and not self.timer and now >= self.free_at:
            transfer.grant(hop, now)
            return
        self.waiting.append((transfer, hop))
        self._arm(now)

    def sent(self, now: float, end: float, tx: float) -> None:
        """A chunk holds the link until ``end`` (``tx`` of it transmitting)."""
        self.free_at = max(now, end + tx * (1.0 / self.share - 1.0))

    def _arm(self, now: float) -> None:
        if not self.timer and self.waiting:
            self.timer = True
            self.sim.call_at(max(now, self.free_at), self._open)

    def _open(self) -> None:
        self.timer = False
        now = self.sim.now
        while self.waiting and now >= self.free_at:
            transfer, hop = self.waiting.popleft()
            if transfer.grant(hop, now):
                break
        self._arm(now)


class Transfer:
    """One checkpoint copy to one node instance."""

    def __init__(
        self,
        rollout: RolloutRun,
        node: str,
        instance: int,
        route: tuple[Any, ...],
        size_bytes: float,
        share: float,
        restart: bool,
    ) -> None:
        self.rollout = rollout
        self.sim = rollout.sim
        self.node = node
        self.instance = instance
        self.route = route
        self.channels = [step[1] for step in route]
        self.size_bytes = size_bytes
        self.drain_share = share  # the pace of a backlog drain, as for requests
        self.restart = restart
        self.plan = None  # not a workload (see degraded.held_requests)
        self.chunk = chunk_size(size_bytes, self.channels)
        n = len(self.channels)
        self.queues: list[deque[float]] = [deque() for _ in range(n)]
        self.busy = [False] * n  # the hop waits for its turn at its link's gate
        self.parked = [False] * n  # waiting in the hop's channel backlog for the link
        self.emitted = 0.0  # bytes the registry has handed to the first hop (this attempt)
        self.delivered = 0.0  # bytes the target holds (this attempt)
        self.sent = 0.0  # bytes put on links leaving the registry (every attempt)
        self.by_link: dict[int, float] = {}  # link index -> bytes sent on it
        self.epoch = 0
        self.pauses = 0
        self.restarts = 0
        self.state = "queued"  # queued, sending, paused, done
        self.start_s = float("nan")
        self.end_s = float("nan")

    @property
    def progress(self) -> float:
        return min(1.0, self.delivered / self.size_bytes) if self.size_bytes else 1.0

    def start(self, now: float) -> None:
        self.state = "sending"
        self.start_s = now
        if not self.channels:
            self._delivered(now)
            return
        self._pump(0, now)

    def _take(self, hop: int) -> float | None:
        queue = self.queues[hop]
        if queue:
            return queue[0]
        if hop == 0 and self.emitted < self.size_bytes:
            size = min(self.chunk, self.size_bytes - self.emitted)
            self.emitted += size
            queue.append(size)
            return size
        return None

    def _pump(self, hop: int, now: float) -> None:
        """Send the next chunk waiting at ``hop`` if its pace and its link allow."""
        if self.busy[hop] or self.parked[hop] or self.state == "done":
            return
        if self.restart and self.state == "paused":
            return  # the attempt was dropped: nothing moves until the link returns
        size = self._take(hop)
        if size is None:
            return
        channel = self.channels[hop]
        if not channel.in_service:
            self._park(hop, size, now)
            return
        self.busy[hop] = True  # waiting for its turn at the gate
        self.rollout.gate(channel).request(self, hop, now)

    def grant(self, hop: int, now: float) -> bool:
        """The gate lets ``hop`` send a chunk now; False when it has nothing it can send."""
        self.busy[hop] = False
        if self.state == "done" or (self.restart and self.state == "paused"):
            return False
        size = self._take(hop)
        if size is None:
            return False
        channel = self.channels[hop]
        if not channel.in_service:
            self._park(hop, size, now)
            return False
        self.queues[hop].popleft()
        tx = 8.0 * size / channel.bandwidth_bps
        arrive = channel.send(now, size)
        link = channel.link
        self.by_link[link] = self.by_link.get(link, 0.0) + size
        if hop == 0:
            self.sent += size
        self.rollout.gate(channel).sent(now, arrive - channel.latency_s, tx)
        epoch = self.epoch
        self.sim.call_at(arrive, lambda: self._arrive(hop + 1, size, epoch))
        self._pump(hop, now)  # queue up for the next turn
        return True

    def _arrive(self, hop: int, size: float, epoch: int) -> None:
        if epoch != self.epoch:
            return  # a chunk of an attempt abandoned by a restart
        now = self.sim.now
        if hop == len(self.channels):
            self.delivered += size
            if self.delivered >= self.size_bytes * (1 - 1e-12):
                self.delivered = self.size_bytes
                self._delivered(now)
            return
        self.queues[hop].append(size)
        self._pump(hop, now)

    def _park(self, hop: int, size: float, now: float) -> None:
        """The hop's link is down: wait for it (resume), or drop this attempt (restart)."""
        if self.state == "sending":
            self.pauses += 1
            self.state = "paused"
            self.sim.record(
                "transfer_pause",
                self.rollout.rollout.id,
                f"{self.node}[{self.instance}] at {self.progress:.0%}: link "
                f"{self.sim.plan.links[self.channels[hop].link].id} is down",
            )
        if self.restart:
            self.epoch += 1
            self.restarts += 1
            for queue in self.queues:
                queue.clear()
            self.emitted = self.delivered = 0.0
        self.parked[hop] = True
        degraded.wait(self, hop, self.route, hop, size, now, self.channels[hop], None)

    def resume(self, hop: int, route: tuple[Any, ...], pos: int, now: float) -> None:
        """The link of ``hop`` is back (called by the channel's backlog drain)."""
        self.parked[hop] = False
        if self.state == "done":
            return
        if self.state == "paused":
            self.state = "sending"
            self.sim.record(
                "transfer_resume",
                self.rollout.rollout.id,
                f"{self.node}[{self.instance}] from {self.progress:.0%}",
            )
        self._pump(0 if self.restart else hop, now)
        if not self.restart:
            for later in range(hop + 1, len(self.channels)):
                self._pump(later, now)

    def _delivered(self, now: float) -> None:
        self.state = "done"
        self.end_s = now
        self.rollout.on_delivered(self, now)
