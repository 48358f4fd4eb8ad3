"""Run the test suite again and again while two other processes keep both cores busy.

Issue 9 asks that the whole suite pass 10 consecutive times on a 2-core machine with both
cores kept busy by two other processes. This starts two busy loops (plain Python ``while
True``), runs ``pytest`` with the given arguments ``--runs`` times in a row, stops at the
first failure (unless ``--keep-going``), and kills the two loops by their PIDs at the end.
Each run's outcome line, duration and load average are printed and written to
``test-results/busy_suite.log``.

    .venv/bin/python benchmarks/busy_suite.py --runs 10                  # the whole suite
    .venv/bin/python benchmarks/busy_suite.py --runs 10 -- -m browser    # only the browser tests
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUSY = "while True: pass"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="consecutive runs (default 10)")
    parser.add_argument("--busy", type=int, default=2, help="busy processes (default 2)")
    parser.add_argument("--keep-going", action="store_true", help="go on after a failure")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args()
    log_path = REPO / "test-results" / "busy_suite.log"
    log_path.parent.mkdir(exist_ok=True)
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    passed = 0
    try:
        with log_path.open("a") as log:
            header = f"{time.strftime('%Y-%m-%d %H:%M:%S')} pytest {' '.join(args.pytest_args)}"
            print(header, file=log, flush=True)
            for run in range(1, args.runs + 1):
                began = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     *args.pytest_args],
                    cwd=REPO, capture_output=True, text=True,
                )  # fmt: skip
                lines = done.stdout.strip().splitlines()
                outcome = lines[-1] if lines else done.stderr.strip()[-200:]
                line = (
                    f"run {run}/{args.runs}: exit {done.returncode}, {outcome} "
                    f"({time.monotonic() - began:.0f} s, load {_load()})"
                )
                print(line, flush=True)
                print(line, file=log, flush=True)
                if done.returncode == 0:
                    passed += 1
                else:
                    failures = [x for x in lines if x.startswith(("FAILED", "ERROR"))]
                    for failure in failures:
                        print("  " + failure, flush=True)
                        print("  " + failure, file=log, flush=True)
                    if not args.keep_going:
                        break
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    print(f"{passed} of {args.runs} runs passed with {args.busy} busy processes")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
