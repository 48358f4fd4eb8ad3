"""Aggregation windows: a stage with ``aggregate: {window, count}`` collects its inputs.

Per node instance, a window opens with the first input that finds none open and closes
``window`` seconds later or when the ``count``-th input arrives, whichever comes first. At the
close the stage makes one inference for the whole window (its service time, queued like any
other job) and one output, which the window's last input carries on along its route; the other
inputs are *merged* into it. A merged input ends when its carrier ends, with the carrier's
outcome: its latency includes the wait for the window, the inference and the rest of the way.
Its bytes stop at the stage (``requests.merged``); only the one output travels on, so the bytes
and the saving above the stage follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import WorkloadRun


@dataclass(eq=False)
class Window:
    """An open window at one server: its members as (request, next step, route length)."""

    server: Any
    stage: int
    close_at: float
    members: list[tuple[int, int, int]] = field(default_factory=list)
    closed: bool = False


def collect(
    run: WorkloadRun, req: int, server: Any, stage: int, now: float, pos: int, n: int
) -> None:
    """Input ``req`` reaches ``stage`` (windowed) on ``server`` at ``now``: add it to the open
    window there (closing an expired one first), open one if none, close it when full."""
    spec = run.windows[stage]
    assert spec is not None
    key = id(server)
    window = run.open_windows.get(key)
    if window is not None and now >= window.close_at:
        close(run, window, window.close_at)  # inputs walked ahead of the clock: close in order
        window = None
    run.stage_times[stage][0][req] = now
    run.last_stage[req] = stage
    if window is None:
        close_at = now + spec.window_s if spec.window_s is not None else math.inf
        window = Window(server, stage, close_at)
        run.open_windows[key] = window
        if close_at < math.inf:
            run.sim.call_at(close_at, lambda: _timeout(run, window))
    window.members.append((req, pos, n))
    if spec.count is not None and len(window.members) >= spec.count:
        close(run, window, now)


def _timeout(run: WorkloadRun, window: Window) -> None:
    if not window.closed:
        close(run, window, window.close_at)


def close(run: WorkloadRun, window: Window, t: float) -> None:
    """Close ``window`` at ``t``: one inference, one output carried on by the last member."""
    window.closed = True
    if run.open_windows.get(id(window.server)) is window:
        del run.open_windows[id(window.server)]
    stage = window.stage
    sampler = run.samplers[stage]
    service = sampler if type(sampler) is float else sampler.next()  # type: ignore[union-attr]
    start, done = window.server.serve(t, service)
    times = run.stage_times[stage]
    for member, _, _ in window.members:
        times[1][member] = start
        times[2][member] = done
    carrier, pos, n = window.members[-1]
    if run.judge is not None:  # one inference for the window: its carrier is judged
        run.judge.serve(carrier, stage, window.server, done)
    followers = [member for member, _, _ in window.members[:-1]]
    if followers:
        for member in followers:
            run.merged[member] = 1
        run.followers[carrier] = followers
    share = run.forward[stage]
    if pos == n or (share < 1.0 and run.keep(carrier)):
        run.finish(carrier, done)
    else:
        run.schedule(carrier, pos, done)


def settle(run: WorkloadRun, carrier: int) -> None:
    """The carrier's fate is decided: its merged inputs share its end time and outcome."""
    followers = run.followers.pop(carrier, None)
    if followers:
        end, outcome, fallback = run.end[carrier], run.outcome[carrier], run.via_fallback[carrier]
        for member in followers:
            run.end[member] = end
            run.outcome[member] = outcome
            run.via_fallback[member] = fallback
