"""Timings of the two interactions the workbench promises to keep fast, for benchmark scripts.

* **placement change → refreshed estimates** on a 1,000-device fleet (device groups): a chip
  dropped on another node, checked (validation, the advisor's questions for its workload),
  placed, the closed-form estimate recomputed and the canvas chips and estimate panel redrawn.
  Target: under 100 ms.
* **one live frame** on the factory scenario: the engine advanced by one dashboard time bin
  and all four figures updated in place. Target: under 100 ms.

Examples
--------
>>> numbers = measure(repeat=2, frames=5, devices=100)
>>> numbers["frames"], numbers["fleet_chips"], "placement_ms_median" in numbers
(5, 20, True)
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from workbench.builders import add_wear_workloads, hierarchy
from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario

__all__ = ["fleet_scenario", "measure"]


def fleet_scenario(devices: int = 1000, devices_per_gateway: int = 10) -> Scenario:
    """A five-tier hierarchy of ``devices`` devices in groups of ``devices_per_gateway``, one
    bearing-wear workload per group: detect on the devices, correlate on their gateway, 10 %
    forwarded to the cloud."""
    fleet = hierarchy(devices=devices, devices_per_gateway=devices_per_gateway, group_devices=True)
    return add_wear_workloads(fleet)


def _stats(prefix: str, seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1e3 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {
        f"{prefix}_ms_median": statistics.median(ms),
        f"{prefix}_ms_p95": p95,
        f"{prefix}_ms_max": ms[-1],
    }


def measure(*, repeat: int = 10, frames: int | None = None, devices: int = 1000) -> dict[str, Any]:
    """Time a placement change on a ``devices``-device fleet and the live frames of a factory
    run (``frames`` steps; default: the whole run). Returns milliseconds and sizes."""
    from .workbench import Workbench

    fleet = fleet_scenario(devices)
    began = time.perf_counter()
    bench = Workbench(fleet)
    build = time.perf_counter() - began
    key = "wear-gw1.correlate"
    targets = [fleet.placement[key], "site1-dc"]
    drops = []
    for index in range(repeat):
        target = targets[(index + 1) % 2]
        began = time.perf_counter()
        accepted = bench.canvas.drop(key, target)
        drops.append(time.perf_counter() - began)
        if not accepted:
            raise RuntimeError(f"the benchmark drop was refused: {bench.status.entries[-1].text}")
    factory = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    live = Workbench(factory)
    live.controls.start()
    count = 0
    while live.simulation is not None and not live.simulation.done:
        live.step()
        count += 1
        if frames is not None and count >= frames:
            break
    return {
        "fleet_nodes": len(fleet.nodes),
        "fleet_links": len(fleet.links),
        "fleet_chips": len(bench.canvas.chips),
        "fleet_workbench_build_ms": build * 1e3,
        **_stats("placement", drops),
        "frames": count,
        "frame_step_s": live.controls.step_s,
        **_stats("frame", live.controls.frame_times[-count:]),
    }
