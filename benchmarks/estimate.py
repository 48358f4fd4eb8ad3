"""How fast the closed-form estimate answers, against a short simulation of the same scenario.

Usage: python benchmarks/estimate.py

Scenarios: the engine benchmark's reference scenario with 1,000 devices (groups), and a built
hierarchy of 1,000 individual devices, each with its own anomaly-detection workload (detect on
the device, correlate on its gateway, 10 % forwarded to the cloud): 1,000 workloads.
Prints the estimate's time (best of 5) and, as the baseline measured in the same run, the time
of a 10 s simulation of the same scenario, with the ratio.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from reference import reference_scenario

from workbench.analytic import estimate
from workbench.builders import add_wear_workloads, hierarchy
from workbench.scenario import Scenario
from workbench.sim import simulate


def fleet(devices: int) -> Scenario:
    """A hierarchy of individual devices, each with its own workload."""
    return add_wear_workloads(
        hierarchy(devices=devices, devices_per_gateway=10, gateways_per_site=10)
    )


def best_of(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    cases = {
        "reference, 1,000 devices": reference_scenario(1000),
        "fleet, 1,000 devices": fleet(1000),
    }
    print(f"{'scenario':28} {'workloads':>9} {'estimate ms':>12} {'10 s sim ms':>12} {'ratio':>8}")
    for name, scenario in cases.items():
        est = best_of(lambda s=scenario: estimate(s))
        sim = best_of(lambda s=scenario: simulate(s, until=10, seed=1), repeat=1)
        print(
            f"{name:28} {len(scenario.workloads):>9} {est * 1e3:>12.1f} {sim * 1e3:>12.0f} "
            f"{sim / est:>7.0f}x"
        )


if __name__ == "__main__":
    main()
