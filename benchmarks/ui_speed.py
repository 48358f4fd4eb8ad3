"""How fast the workbench reacts: a placement change and a live frame, against their budgets.

Usage: python benchmarks/ui_speed.py

- placement change to refreshed estimates on a 1,000-device fleet (100 device groups, 100
  workloads): target under 100 ms;
- one live frame on the factory scenario (advance the engine one step, update every figure):
  target under 100 ms.

The baseline measured in the same run is a bare ``estimate()`` of the fleet (what a placement
change cannot be faster than) and a bare ``Simulation.advance`` of one step on the factory (what
a frame cannot be faster than); the ratios show what the widgets add on top.
"""

from __future__ import annotations

import statistics
import time

from widgets.measure import fleet_scenario, measure
from workbench.analytic import estimate
from workbench.loading import data_dir
from workbench.scenario import load_scenario
from workbench.sim import Simulation


def _median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    figures = measure(repeat=10, frames=150)
    fleet = fleet_scenario(1000)
    estimate_ms = _median_ms(lambda: estimate(fleet), 10)
    sim = Simulation(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"))
    step = figures["frame_step_s"]
    advance_ms = _median_ms(lambda: sim.advance(by=step), 150)
    placement = figures["placement_ms_median"]
    frame = figures["frame_ms_median"]
    print(f"fleet: {figures['fleet_nodes']} nodes, {figures['fleet_chips']} chips")
    print(
        f"placement change -> estimates: median {placement:.1f} ms "
        f"(p95 {figures['placement_ms_p95']:.1f} ms; target < 100 ms); "
        f"bare estimate {estimate_ms:.1f} ms, ratio {placement / estimate_ms:.1f}x"
    )
    print(
        f"live frame ({step:g} s simulated): median {frame:.1f} ms "
        f"(p95 {figures['frame_ms_p95']:.1f} ms; target < 100 ms); "
        f"bare advance {advance_ms:.1f} ms, ratio {frame / advance_ms:.1f}x"
    )


if __name__ == "__main__":
    main()
