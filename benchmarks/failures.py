"""Failures on the fast plane against the reference engine, in the same run.

The shipped scenarios with scheduled failures (outages, a gateway's reboot, degradations,
reroutes, fallbacks, stores and drains), each run to its end on both planes, each run in a
process of its own after a warm-up call (so numba's compile and cache load are not counted).
Prints the wall time of each plane, the ratio, and how often the fast plane handed a request
to the degraded mode (the Python part of the run).

Usage: python benchmarks/failures.py [SCENARIO ...]
(default: factory_floor factory_five_tier factory_random_failures)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

DEFAULT = ["factory_floor", "factory_five_tier", "factory_random_failures"]


def _child(name: str, engine: str) -> None:
    from workbench.loading import data_dir
    from workbench.scenario import load_scenario
    from workbench.sim import simulate

    scenario = load_scenario(data_dir() / "scenarios" / f"{name}.yaml")
    simulate(scenario, until=5.0, seed=1, engine=engine)  # compile or load compiled code
    start = time.perf_counter()
    result = simulate(scenario, seed=1, engine=engine)
    wall = time.perf_counter() - start
    events = result.events["kind"].value_counts().to_dict()
    print(
        json.dumps(
            {
                "wall_s": wall,
                "plane": result.engine["plane"],
                "requests": len(result.requests),
                "fallbacks": int(events.get("fallback", 0)),
                "reroutes": int(events.get("reroute", 0)),
                "drains": len(result.drains),
            }
        )
    )


def _measure(name: str, engine: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, engine],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2])
        return
    names = argv or DEFAULT
    print(f"{'scenario':>26} {'requests':>9} {'fallbacks':>9} {'drains':>6} "
          f"{'reference s':>11} {'fast s':>7} {'speed-up':>8}")  # fmt: skip
    for name in names:
        reference = _measure(name, "reference")
        fast = _measure(name, "auto")
        assert fast["plane"] == "fast", f"{name} did not take the fast plane"
        print(
            f"{name:>26} {fast['requests']:>9,} {fast['fallbacks']:>9,} {fast['drains']:>6} "
            f"{reference['wall_s']:>11.2f} {fast['wall_s']:>7.2f} "
            f"{reference['wall_s'] / fast['wall_s']:>7.1f}x"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
