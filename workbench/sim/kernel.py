"""The engine's own event loop: a heap of timed events, nothing else.

The engine used to push its events straight onto simpy's private queue (``env._queue``,
``env._eid``) to save the cost of a full simpy event per hop. That made it depend on another
library's private fields, so it now owns the loop outright. It keeps simpy's semantics exactly:
events run in time order, ties in the order they were scheduled, and :meth:`EventLoop.run`
stops *before* the events due at ``until`` (simpy's ``run(until=...)`` schedules its stop event
ahead of them), then sets the clock to ``until``. The same scenario and seed give the same
per-request tables as on simpy, bit for bit.

An event is any object with a ``callbacks`` iterable; each callback is called with the event.

>>> loop = EventLoop()
>>> class Tick:
...     def __init__(self, name: str) -> None:
...         self.callbacks = (lambda e: seen.append((loop.now, name)),)
>>> seen: list[tuple[float, str]] = []
>>> for when, name in [(2.0, "b"), (1.0, "a"), (2.0, "c"), (3.0, "d")]:
...     loop.push(when, Tick(name))
>>> loop.run(until=3.0)
>>> seen, loop.now, len(loop.queue)
([(1.0, 'a'), (2.0, 'b'), (2.0, 'c')], 3.0, 1)
"""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any


class EventLoop:
    """Timed events in a heap of ``(time, sequence number, event)``."""

    __slots__ = ("now", "queue", "sequence")

    def __init__(self) -> None:
        self.now = 0.0
        self.queue: list[tuple[float, int, Any]] = []
        self.sequence = count()  # ties run in the order they were scheduled

    def push(self, when: float, event: Any) -> None:
        """Run ``event``'s callbacks at absolute time ``when`` (not before ``now``)."""
        heappush(self.queue, (when, next(self.sequence), event))

    def run(self, until: float) -> None:
        """Run every event due before ``until``, then set the clock to ``until``."""
        if until < self.now:
            raise ValueError(f"until ({until}) must not be before now ({self.now})")
        queue, pop = self.queue, heappop
        while queue and queue[0][0] < until:
            self.now, _, event = pop(queue)
            for callback in event.callbacks:
                callback(event)
        self.now = until
