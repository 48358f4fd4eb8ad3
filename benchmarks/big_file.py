"""`workbench validate` on huge hostile files, against PyYAML's own C loader in the same run.

Each shape is a scenario file of just under the 16 MB limit holding about a million problems
(or millions of values), plus pathological strings and nesting. For each, the benchmark runs
`workbench validate FILE` in a fresh process (imports included) and, as the baseline, a
process that only does ``yaml.load(text, Loader=yaml.CSafeLoader)`` on the same bytes (what
the loader cost before it was built from libyaml's events). It prints wall and CPU seconds,
the CPU ratio validate / baseline, and the machine's load, so that runs on different machines
compare. The issue's target: validate in at most 5 s.

Usage: python benchmarks/big_file.py [--no-baseline] [--code DIR] [SHAPE ...]

(default: every shape). ``--code DIR`` validates with the workbench in another checkout, e.g.
an older commit unpacked with ``git archive COMMIT | tar -x -C DIR``, for before/after figures.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LIMIT = 16 * 1024 * 1024 - 4096  # bytes, just under workbench's MAX_FILE_BYTES
ROOT = Path(__file__).resolve().parents[1]
FACTORY = (ROOT / "data" / "scenarios" / "factory_floor.yaml").read_text()
EMPTY = "name: x\nlinks: []\nworkloads: []\nplacement: {}\n"


def _fill(head: str, item: Callable[[int], str], tail: str = "") -> str:
    """``head``, then ``item(0)``, ``item(1)``, ... up to LIMIT bytes, then ``tail``."""
    parts, size, index = [head], len(head) + len(tail), 0
    while True:
        text = item(index)
        if size + len(text) > LIMIT:
            return "".join(parts) + tail
        parts.append(text)
        size += len(text)
        index += 1


def _placement_head() -> str:
    return FACTORY.split("\n# The WAN")[0]  # ends inside the placement mapping


SHAPES: dict[str, Callable[[], str]] = {
    # a million placement keys that name no stage (2 values each)
    "placement": lambda: _fill(_placement_head(), lambda i: f"  w{i}.s: gw\n"),
    # a million tiny node mappings, each missing two fields
    "tiny_nodes": lambda: _fill(EMPTY + "nodes:\n", lambda i: f"- {{id: n{i}}}\n"),
    # one flow sequence of a million mappings with an unknown field
    "flow_nodes": lambda: _fill(EMPTY + "nodes: [", lambda i: f"{{x: {i}}}, ", "]\n"),
    # one workload with 450,000 stages, each with an unknown field
    "stages": lambda: _fill(
        "name: x\nnodes: []\nlinks: []\nplacement: {}\nworkloads:\n- id: w\n"
        "  source: {node: a, kind: b}\n  stages:\n",
        lambda i: f"  - {{id: s{i}, model: m, bad: 1}}\n",
    ),
    # 5.6 million numbers in one flow sequence
    "flow_scalars": lambda: _fill(EMPTY + "nodes: [", lambda i: "1, ", "]\n"),
    # nodes with an unknown hardware and a count out of range
    "bad_values": lambda: _fill(
        EMPTY + "nodes:\n", lambda i: f"- {{id: n{i}, tier: far_edge, hardware: h, count: 0}}\n"
    ),
    # links to nodes that do not exist, without bandwidth or latency (four problems each)
    "bad_links": lambda: _fill(
        "name: x\nnodes: [{id: a, tier: far_edge, hardware: stm32h7a3}]\nlinks:\n",
        lambda i: f"- {{ends: [a, b{i}]}}\n",
    ),
    # one 16 MB string, as a name and as a quantity
    "long_string": lambda: "name: " + "x" * (LIMIT - 100) + "\nnodes: []\n",
    "long_quantity": lambda: FACTORY.replace(
        'at: "120 s"', 'at: "1 x' + " " * (LIMIT - len(FACTORY) - 100) + 'y"'
    ),
    # lists nested 8 million deep
    "deep_nesting": lambda: "nodes: " + "[" * (LIMIT // 2) + "]" * (LIMIT // 2 - 100) + "\n",
}

_BASELINE = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb').read().decode(), yaml.CSafeLoader)"


def _timed(command: list[str], timeout: float, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of a child process, and the last line it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=env["PYTHONPATH"]
        )
        last = (done.stdout.strip().splitlines() or [""])[-1]
        out = f"exit {done.returncode}, {len(done.stdout.splitlines())} lines, last: {last[-90:]}"
    except subprocess.TimeoutExpired:
        out = f"killed after {timeout:.0f} s"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, out


def main(argv: list[str]) -> None:
    baseline = "--no-baseline" not in argv
    code = ROOT
    if "--code" in argv:
        at = argv.index("--code")
        code = Path(argv[at + 1]).resolve()
        del argv[at : at + 2]
    names = [a for a in argv if not a.startswith("--")] or list(SHAPES)
    env = dict(os.environ, PYTHONPATH=str(code))
    print(f"workbench from {code}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'shape':14} {'MB':>5} {'validate wall/CPU s':>20} {'PyYAML load wall/CPU s':>23} ratio"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            path = Path(folder) / f"{name}.yaml"
            path.write_text(SHAPES[name]())
            size = path.stat().st_size / 1e6
            wall, cpu, out = _timed(
                [sys.executable, "-m", "workbench.cli", "validate", str(path)], 300, env
            )
            if baseline:
                command = [sys.executable, "-c", _BASELINE, str(path)]
                base_wall, base_cpu, _ = _timed(command, 300, env)
                base = f"{base_wall:9.1f} / {base_cpu:5.1f}    {cpu / base_cpu:5.2f}"
            else:
                base = f"{'-':>23}"
            print(f"{name:14} {size:5.1f} {wall:11.1f} / {cpu:5.1f}  {base}", flush=True)
            print(f"{'':14} {out}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main(sys.argv[1:])
