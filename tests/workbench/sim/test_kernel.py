"""The engine's own event loop keeps simpy's order, and nothing reads another library's privates."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
import simpy

from workbench.sim.kernel import EventLoop

WORKBENCH = Path(__file__).resolve().parents[3] / "workbench"
SIMPY_PRIVATES = {"_queue", "_eid", "_now"}


class _Mark:
    def __init__(self, log: list[tuple[float, int]], loop: EventLoop, name: int) -> None:
        self.callbacks = (lambda _e: log.append((loop.now, name)),)


def _on_simpy(schedule: list[tuple[float, int]], stops: list[float]) -> list[tuple[float, int]]:
    env = simpy.Environment()
    log: list[tuple[float, int]] = []
    for when, name in schedule:
        event = env.timeout(when)
        event.callbacks.append(lambda _e, n=name: log.append((env.now, n)))
    for stop in stops:
        env.run(until=stop)
        log.append((env.now, -1))
    return log


def _on_loop(schedule: list[tuple[float, int]], stops: list[float]) -> list[tuple[float, int]]:
    loop = EventLoop()
    log: list[tuple[float, int]] = []
    for when, name in schedule:
        loop.push(when, _Mark(log, loop, name))
    for stop in stops:
        loop.run(until=stop)
        log.append((loop.now, -1))
    return log


@pytest.mark.parametrize("seed", range(5))
def test_the_loop_runs_events_in_simpys_order_and_stops_where_simpy_stops(seed: int) -> None:
    rng = random.Random(seed)
    # Times on a coarse grid, so that ties (same time) and events due exactly at a stop happen.
    schedule = [(rng.randint(0, 40) / 4, name) for name in range(300)]
    stops = [2.5, 2.5 + rng.randint(1, 8) / 4, 6.0, 10.0, 12.0]
    assert _on_loop(schedule, stops) == _on_simpy(schedule, stops)


def test_events_scheduled_while_running_run_in_the_same_call_when_due() -> None:
    loop = EventLoop()
    log: list[float] = []

    class Chain:
        callbacks = (lambda _e: (log.append(loop.now), loop.push(loop.now + 1.0, Chain())),)

    loop.push(0.5, Chain())
    loop.run(until=3.0)
    assert log == [0.5, 1.5, 2.5] and loop.now == 3.0 and len(loop.queue) == 1
    with pytest.raises(ValueError, match="must not be before now"):
        loop.run(until=1.0)


def test_the_workbench_reads_no_private_field_of_simpy() -> None:
    """The engine once pushed events onto simpy's private queue (``env._queue``, ``env._eid``);
    a simpy release could break that. It owns its loop now: no module of the workbench imports
    simpy, and none reads those fields of an environment (issue 16, item 4)."""
    offenders = []
    for path in sorted(WORKBENCH.rglob("*.py")):
        where = path.relative_to(WORKBENCH.parent)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                module = node.module if isinstance(node, ast.ImportFrom) else None
                if any(n.split(".")[0] == "simpy" for n in [*names, module or ""]):
                    offenders.append(f"{where}:{node.lineno} imports simpy")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in SIMPY_PRIVATES
                and "env" in ast.unparse(node.value)
            ):
                offenders.append(f"{where}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_the_scan_would_see_the_old_code() -> None:
    """The check above is not blind: the line the engine used to have is caught."""
    old = ast.parse("heappush(env._queue, (when, NORMAL, next(env._eid), event))")
    seen = [
        ast.unparse(n)
        for n in ast.walk(old)
        if isinstance(n, ast.Attribute)
        and n.attr in SIMPY_PRIVATES
        and "env" in ast.unparse(n.value)
    ]
    assert seen == ["env._queue", "env._eid"]
