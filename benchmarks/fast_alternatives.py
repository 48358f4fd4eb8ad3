"""The alternative to the fast plane that was measured: a vectorised numpy sweep per station.

Issue 16 named two ways to compile the hot path: numba (what ``workbench/sim/fast`` uses) and a
vectorised numpy sweep per station in topological order. This script builds the second for the
reference scenario only (device links, one FIFO server per gateway, 10 % forwarded over the
gateway's uplink to the cloud) and times it against the fast plane on the same arrivals' sizes,
in the same run:

* single-server FIFO stations as a segmented Lindley recursion,
  ``done_i = C_i + max_{j <= i} (a_j - C_{j-1})`` with ``C`` the running sum of service times
  (``np.maximum.accumulate``; segments are kept apart by an offset per station, which costs
  precision: about 0.1 µs at N = 10,000);
* the cloud's 1,000 servers as infinite servers, after checking that no arrival ever finds
  them all busy (otherwise it would need a sequential heap, that is, a compiled loop anyway);
* no time bins, no step report, no stage records beyond start and done: less work than the fast
  plane does.

Usage: python benchmarks/fast_alternatives.py [N ...]   (default: 1000 10000)
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

UNTIL = 600.0


def lindley(arrive: Any, service: Any, segment: Any) -> Any:
    """Departure times of single FIFO servers; requests sorted by (segment, arrival)."""
    cumulative = np.cumsum(service)
    before = cumulative - service
    x = arrive - before
    rank = np.cumsum(np.r_[True, segment[1:] != segment[:-1]]) - 1
    offset = rank * (float(np.ptp(x)) + 1.0)  # each station's values above the last's
    running = np.maximum.accumulate(x + offset) - offset
    return cumulative + running


def numpy_sweep(devices: int, rng: np.random.Generator) -> float:
    """The reference scenario by per-station sweeps; returns the mean latency (s)."""
    total = devices * 1.0
    n = int(total * UNTIL * 1.01) + 100
    created = np.cumsum(rng.exponential(1 / total, n))
    created = created[created < UNTIL]
    n = len(created)
    device = rng.integers(0, devices, n)
    # device links: 10 kB at 100 Mbit/s, then 1 ms; one link per device
    order = np.argsort(device, kind="stable")
    sent = np.empty(n)
    sent[order] = lindley(created[order], np.full(n, 10_000 * 8 / 100e6), device[order])
    at_gateway = sent + 0.001
    # gateways: one exponential 5 ms server each, 10 devices per gateway
    gateway = device // 10
    order = np.lexsort((at_gateway, gateway))
    done = np.empty(n)
    done[order] = lindley(at_gateway[order], rng.exponential(0.005, n), gateway[order])
    end = done.copy()
    forward = rng.random(n) < 0.1
    up = np.flatnonzero(forward)
    order = up[np.lexsort((done[up], gateway[up]))]
    uplink = lindley(done[order], np.full(len(order), 1000 * 8 / 1e9), gateway[order]) + 0.025
    # the cloud: 1,000 servers, 2 ms; infinite servers if never all busy
    events = np.concatenate([uplink, uplink + 0.002])
    steps = np.concatenate([np.ones(len(uplink)), -np.ones(len(uplink))])
    busy = np.cumsum(steps[np.argsort(events, kind="stable")])
    assert busy.max() < 1000, "the cloud would queue: a sequential heap is needed"
    end[order] = uplink + 0.002
    return float((end - created).mean())


def fast_plane(devices: int) -> float:
    sys.path.insert(0, "benchmarks")
    from reference import reference_scenario

    from workbench.sim import simulate

    result = simulate(reference_scenario(devices), until=UNTIL, seed=1, force=True)
    table = result.requests
    return float(table.loc[table["state"] == "done", "latency_s"].mean())


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10_000]
    fast_plane(10)  # load the compiled code once, as a warm process would have it
    print(f"{'N':>6} {'numpy sweep s':>14} {'fast plane s':>13} {'mean ms (sweep, fast)':>22}")
    for devices in sizes:
        start = time.perf_counter()
        sweep_mean = numpy_sweep(devices, np.random.default_rng(1))
        sweep_s = time.perf_counter() - start
        start = time.perf_counter()
        fast_mean = fast_plane(devices)
        fast_s = time.perf_counter() - start
        print(
            f"{devices:>6} {sweep_s:>14.2f} {fast_s:>13.2f} "
            f"{1e3 * sweep_mean:>10.3f} {1e3 * fast_mean:>10.3f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
