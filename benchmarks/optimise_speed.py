"""How long the placement optimiser takes to answer (target: within 10 s on 2 cores for the
1,000-device fleet).

Usage: python benchmarks/optimise_speed.py [--devices 1000] [--confirm-until 10]

Scenarios: the factory floor (672 designs: searched exhaustively) and the fleet of
``benchmarks/estimate.py`` (1,000 devices, each with its own detect -> correlate workload:
about 10^1,146 designs, searched greedily). Prints the search's time (wall and this process's
CPU, since other processes may share the cores), the designs estimated, and then the time of
confirming the winner by one simulation of ``--confirm-until`` simulated seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from estimate import fleet

from workbench.loading import data_dir
from workbench.optimiser import optimise
from workbench.scenario import Scenario, load_scenario


def run(name: str, scenario: Scenario, confirm_until: float) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    result = optimise(scenario, confirm=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    best = result.best
    cost = f"${best.figures['cost_usd_per_month']:,.2f}/month" if best else "none feasible"
    how = "exhaustive" if result.exhaustive else "greedy"
    print(
        f"{name:22} {len(scenario.workloads):>9} {how:>10} {result.evaluated:>9} "
        f"{wall:>8.2f} {cpu:>8.2f}   {cost}"
    )
    start = time.perf_counter()
    confirmed = optimise(scenario, confirm=1, until=scenario.simulation.warmup_s + confirm_until)
    print(
        f"{'':22} + confirming the winner by a {confirm_until:g} s simulation (after the "
        "warm-up): "
        f"{time.perf_counter() - start:.2f} s in all (p95 within every SLO: "
        f"{confirmed.best.confirmed if confirmed.best else None})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--confirm-until", type=float, default=10.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'scenario':22} {'workloads':>9} {'search':>10} {'estimated':>9} {'wall s':>8} "
        f"{'cpu s':>8}   winner"
    )
    run(
        "factory floor",
        load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"),
        args.confirm_until,
    )
    run(f"fleet, {args.devices:,} devices", fleet(args.devices), args.confirm_until)


if __name__ == "__main__":
    main()
