"""How much faster a sweep runs on the local Dask cluster than one design after another.

Usage: python benchmarks/sweep_speed.py [--estimates 1000] [--simulations 100]

Two sweeps of the factory floor: 1,000 estimate points (WAN bandwidth x camera frame rate x
where bearing-wear correlates x vibration sample rate) and 100 short simulations (10 s each:
50 designs x 2 seeds). Each is run one after another in this process and then on a local
cluster of one worker process per core, in the same run; the cluster's start-up (and its
workers' imports) is timed apart.
Prints the times and the speed-up (ideal: the number of cores, less what other processes on
the machine take).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from workbench.loading import data_dir
from workbench.scenario import load_scenario
from workbench.sweep import (
    default_cluster_size,
    local_cluster,
    plan_sweep,
    run_sweep,
    run_sweep_here,
    warm_up,
)

BANDWIDTHS = [f"{v} Mbit/s" for v in (50, 100, 150, 200, 300, 400, 500, 600, 800, 1000)]
RATES = [f"{v} /s" for v in range(1, 21, 2)]
PLACES = ["line-gw", "plant-dc"]
VIBRATION = [f"{v} /s" for v in (0.5, 1, 2, 4, 8)]


def variations(points: int) -> dict[str, list[Any]]:
    """A grid of about ``points`` designs (the full grid has 1,000)."""
    grid = {
        "links.wan.bandwidth": BANDWIDTHS,
        "workloads.visual-inspection.source.rate": RATES,
        "placement.bearing-wear.correlate": PLACES,
        "workloads.bearing-wear.source.rate": VIBRATION,
    }
    if points <= 100:
        return {k: v[: max(1, round(points ** (1 / 2)))] for k, v in list(grid.items())[:2]}
    return grid


def timed(label: str, fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:34} {seconds:8.2f} s")
    return seconds, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimates", type=int, default=1000)
    parser.add_argument("--simulations", type=int, default=100)
    args = parser.parse_args()
    from distributed import Client

    scenario = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    workers = default_cluster_size()
    est_plan = plan_sweep(
        scenario, variations(args.estimates), estimate_only=True, sample=args.estimates
    )
    sim_plan = plan_sweep(
        scenario,
        {
            "workloads.visual-inspection.source.rate": RATES[:5],
            **{"links.wan.bandwidth": BANDWIDTHS},
        },
        sample=max(1, args.simulations // 2),
        seeds=2,
        until=20.0,  # the factory warms up for 10 s
    )
    print(
        f"local cluster: {workers} worker process(es), 1 thread each; load average "
        f"{os.getloadavg()[0]:.1f} (other processes share the cores)"
    )
    _, cluster = timed("cluster start", local_cluster)
    client = Client(cluster)
    timed("workers import the workbench", lambda: warm_up(client))
    try:
        for name, plan in (("estimate points", est_plan), ("20 s simulations", sim_plan)):
            print(f"{plan.runs} {name}:")
            alone, rows = timed("one after another", lambda p=plan: run_sweep_here(p))
            spread, table = timed(
                "on the local cluster", lambda p=plan: run_sweep(p, client=client)
            )
            assert len(rows) == len(table) == plan.runs
            print(
                f"  speed-up {alone / spread:.2f}x on {workers} worker(s) "
                f"({plan.runs / spread:.0f} per second)"
            )
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
