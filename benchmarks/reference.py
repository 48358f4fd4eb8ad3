"""Engine benchmark on the reference scenario, against idiomatic plain simpy in the same run.

N devices, each Poisson at 1 request/s, 10 devices per gateway. Each request crosses its
device->gateway link (1 ms, 10 kB at 100 Mbit/s), is served at its gateway by one FIFO server
with exponential service of mean 5 ms; 10 % then cross the gateway->cloud link (25 ms, 1 kB at
1 Gbit/s) and take 2 ms in the cloud. 600 s simulated. Analytic mean latency:
1.8 ms + 5 ms / (1 - 0.05) + 0.1 x (25.008 ms + 2 ms) = 9.764 ms.

Usage: python benchmarks/reference.py [N ...] [--stream=N ...]
(default: 100 1,000 10,000 on every plane, streaming at 1,000, 10,000 and 100,000)

Each case runs in its own process so that peak memory (max RSS) is its own: idiomatic simpy
(the baseline), the reference engine and the fast plane (engine="auto"), each building the
full per-request table, and the fast plane streaming (aggregates only). Prints the run's wall
time and the whole process's (start-up, imports and loading compiled code included), the cost
per request, peak memory, mean latency against theory, and the speed-up over the baseline
measured in the same invocation. First, the fast plane's first call with an empty numba cache
(compiling) and with the cache it left.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

import simpy

UNTIL = 600.0
ANALYTIC_MS = 1.8 + 5.0 / (1 - 0.05) + 0.1 * (25.008 + 2.0)


def reference_scenario(devices: int) -> Any:
    """The reference scenario as a workbench Scenario (device and gateway groups)."""
    from workbench.scenario import Scenario

    return Scenario.model_validate(
        {
            "name": f"reference-{devices}",
            "nodes": [
                {"id": "devices", "tier": "far_edge", "hardware": "stm32h7a3", "count": devices},
                {
                    "id": "gateways",
                    "tier": "aggregation_edge",
                    "hardware": "jetson_orin_nx",
                    "count": devices // 10,
                    "servers": 1,
                },
                {"id": "cloud", "tier": "cloud", "hardware": "h100_node", "servers": 1000},
            ],
            "links": [
                {"ends": ["devices", "gateways"], "bandwidth": 100e6, "latency": 0.001},
                {"ends": ["gateways", "cloud"], "bandwidth": 1e9, "latency": 0.025},
            ],
            "workloads": [
                {
                    "id": "ref",
                    "source": {
                        "node": "devices",
                        "kind": "vibration_3axis",
                        "rate": 1.0,
                        "input_size": 10_000,
                    },
                    "slo": 0.1,
                    "stages": [
                        {
                            "id": "gw",
                            "model": "tinyml_anomaly_ae",
                            "output_size": 1000,
                            "forward": 0.1,
                            "service": {"dist": "exponential", "mean": 0.005},
                        },
                        {
                            "id": "cloud",
                            "model": "tinyml_anomaly_ae",
                            "output_size": 100,
                            "service": {"dist": "deterministic", "mean": 0.002},
                        },
                    ],
                }
            ],
            "placement": {"ref.gw": "gateways", "ref.cloud": "cloud"},
            "simulation": {"until": UNTIL, "seed": 1},
        }
    )


def run_engine(devices: int, engine: str = "auto") -> dict[str, Any]:
    """The workbench engine on ``engine`` (auto: the fast plane), full per-request tables."""
    from workbench.sim import simulate

    scenario = reference_scenario(devices)
    start = time.perf_counter()
    result = simulate(scenario, until=UNTIL, seed=1, force=True, engine=engine)  # 10,000 > 2 GB
    table = result.requests  # full per-request results, built as part of the timed run
    wall = time.perf_counter() - start
    done = (table["state"] == "done").to_numpy()
    latency = table["latency_s"].to_numpy()[done]  # one column, not a filtered copy of all
    return {
        "requests": len(table),
        "wall_s": wall,
        "mean_ms": 1e3 * latency.mean(),
        "plane": result.engine["plane"],
    }


def run_stream(devices: int) -> dict[str, Any]:
    """The fast plane in streaming mode: aggregates, no per-request table."""
    from workbench.sim.fast.stream import stream

    scenario = reference_scenario(devices)
    start = time.perf_counter()
    run = stream(scenario, until=UNTIL, seed=1)
    wall = time.perf_counter() - start
    ref = run.summary["workloads"]["ref"]
    created = int(run.timeline["created"].sum())
    return {"requests": created, "wall_s": wall, "mean_ms": 1e3 * ref["latency_mean_s"]}


def compile_time(cache_dir: str) -> dict[str, Any]:
    """A first call of the fast plane with numba's cache in ``cache_dir`` (NUMBA_CACHE_DIR)."""
    from workbench.sim import simulate

    start = time.perf_counter()
    simulate(reference_scenario(10), until=1.0, seed=1)
    return {"requests": 0, "wall_s": time.perf_counter() - start, "mean_ms": math.nan}


def run_baseline(devices: int) -> dict[str, Any]:
    """Idiomatic simpy: a process per request, a simpy.Resource per gateway."""
    rng = random.Random(1)
    env = simpy.Environment()
    gateways = [simpy.Resource(env, capacity=1) for _ in range(devices // 10)]
    latencies: list[float] = []

    def request(gateway: simpy.Resource) -> Any:
        created = env.now
        yield env.timeout(0.001 + 10_000 * 8 / 100e6)
        with gateway.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1 / 0.005))
        if rng.random() < 0.1:
            yield env.timeout(0.025 + 1000 * 8 / 1e9)
            yield env.timeout(0.002)
        latencies.append(env.now - created)

    def device(index: int) -> Any:
        gateway = gateways[index // 10]
        while True:
            yield env.timeout(rng.expovariate(1.0))
            env.process(request(gateway))

    for index in range(devices):
        env.process(device(index))
    start = time.perf_counter()
    env.run(until=UNTIL)
    wall = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "wall_s": wall,
        "mean_ms": 1e3 * sum(latencies) / len(latencies),
    }


KINDS = {
    "baseline": lambda n: run_baseline(n),
    "reference": lambda n: run_engine(n, "reference"),
    "fast": lambda n: run_engine(n, "auto"),
    "stream": lambda n: run_stream(n),
}


def _child(kind: str, devices: int) -> None:
    result = KINDS[kind](devices)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(kind: str, devices: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one case in a process of its own: its peak memory is its own, and the wall time
    of the whole process (start-up, imports, compiled-code loading) is measured too."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(devices)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    result["process_s"] = time.perf_counter() - start
    return result


def _compile_times() -> tuple[float, float]:
    """The fast plane's first call in a fresh process with an empty numba cache (compiling),
    then again with the cache it left (loading)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = _measure("compile", 10, env)["wall_s"]
        warm = _measure("compile", 10, env)["wall_s"]
    return cold, warm


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        if argv[1] == "compile":
            result = compile_time("")
            result["peak_mb"] = 0.0
            print(json.dumps(result))
            return
        _child(argv[1], int(argv[2]))
        return
    streaming = [int(a.split("=", 1)[1]) for a in argv if a.startswith("--stream=")]
    sizes = [int(a) for a in argv if not a.startswith("--")]
    if not argv:
        sizes, streaming = [100, 1000, 10_000], [1000, 10_000, 100_000]
    print(
        f"reference scenario, {UNTIL:.0f} s simulated; analytic mean latency {ANALYTIC_MS:.3f} ms"
    )
    cold, warm = _compile_times()
    print(f"fast plane first call: {cold:.1f} s with an empty numba cache, {warm:.1f} s cached")
    header = f"{'N':>7} {'impl':>9} {'requests':>10} {'run s':>7} {'process s':>9} {'us/req':>7}"
    print(header + f" {'peak MB':>8} {'mean ms':>8} {'vs theory':>9}")

    def show(devices: int, kind: str, r: dict[str, Any]) -> None:
        error = 100 * (r["mean_ms"] / ANALYTIC_MS - 1)
        print(
            f"{devices:>7} {kind:>9} {r['requests']:>10} {r['wall_s']:>7.2f} "
            f"{r['process_s']:>9.2f} {1e6 * r['wall_s'] / r['requests']:>7.2f} "
            f"{r['peak_mb']:>8.0f} {r['mean_ms']:>8.3f} {error:>+8.2f}%"
        )

    for devices in sizes:
        rows = {kind: _measure(kind, devices) for kind in ("baseline", "reference", "fast")}
        for kind, r in rows.items():
            show(devices, kind, r)
        base = rows["baseline"]
        for kind in ("reference", "fast"):
            run_ratio = base["wall_s"] / rows[kind]["wall_s"]
            process_ratio = base["process_s"] / rows[kind]["process_s"]
            print(
                f"{devices:>7} {kind} is {run_ratio:.1f}x faster than idiomatic simpy "
                f"({process_ratio:.1f}x as a whole process)"
            )
    for devices in streaming:
        show(devices, "stream", _measure("stream", devices))


if __name__ == "__main__":
    main(sys.argv[1:])
