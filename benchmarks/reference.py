"""Engine benchmark on the reference scenario, against idiomatic plain simpy in the same run.

N devices, each Poisson at 1 request/s, 10 devices per gateway. Each request crosses its
device->gateway link (1 ms, 10 kB at 100 Mbit/s), is served at its gateway by one FIFO server
with exponential service of mean 5 ms; 10 % then cross the gateway->cloud link (25 ms, 1 kB at
1 Gbit/s) and take 2 ms in the cloud. 600 s simulated. Analytic mean latency:
1.8 ms + 5 ms / (1 - 0.05) + 0.1 x (25.008 ms + 2 ms) = 9.764 ms.

Usage: python benchmarks/reference.py [N ...]   (default: 100 1000 10000)

Each case runs in its own process so that peak memory (max RSS) is its own. Prints wall time,
requests per second, peak memory, mean latency, and the engine/baseline speed ratio.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
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


def run_engine(devices: int) -> dict[str, Any]:
    from workbench.sim import simulate

    scenario = reference_scenario(devices)
    start = time.perf_counter()
    result = simulate(scenario, until=UNTIL, seed=1, force=True)  # N = 10,000 passes 2 GB
    table = result.requests  # full per-request results, built as part of the timed run
    wall = time.perf_counter() - start
    done = table[table["state"] == "done"]
    return {"requests": len(table), "wall_s": wall, "mean_ms": 1e3 * done["latency_s"].mean()}


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


def _child(kind: str, devices: int) -> None:
    result = (run_engine if kind == "engine" else run_baseline)(devices)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(kind: str, devices: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(devices)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return
    sizes = [int(a) for a in argv] or [100, 1000, 10_000]
    print(
        f"reference scenario, {UNTIL:.0f} s simulated; analytic mean latency {ANALYTIC_MS:.3f} ms"
    )
    header = f"{'N':>6} {'impl':>9} {'requests':>10} {'wall s':>8} {'req/s':>10} {'peak MB':>8}"
    print(header + f" {'mean ms':>8} {'vs theory':>9}")
    for devices in sizes:
        rows = {kind: _measure(kind, devices) for kind in ("baseline", "engine")}
        for kind, r in rows.items():
            error = 100 * (r["mean_ms"] / ANALYTIC_MS - 1)
            print(
                f"{devices:>6} {kind:>9} {r['requests']:>10} {r['wall_s']:>8.2f} "
                f"{r['requests'] / r['wall_s']:>10.0f} {r['peak_mb']:>8.0f} "
                f"{r['mean_ms']:>8.3f} {error:>+8.2f}%"
            )
        ratio = rows["baseline"]["wall_s"] / rows["engine"]["wall_s"]
        print(f"{devices:>6} engine is {ratio:.2f}x faster than idiomatic simpy")


if __name__ == "__main__":
    main(sys.argv[1:])
