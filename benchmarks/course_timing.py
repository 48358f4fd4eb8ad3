"""How long each course notebook takes: words, code cells, exercises and execution time.

Usage: python benchmarks/course_timing.py [--no-run] [--save DIR] [NAME ...]

For each course notebook (00 to 12_capstone; NAME limits it to notebooks whose name starts
with NAME) it counts the Markdown words, the code cells and the exercises (Markdown headings
that contain "Exercise"), executes the notebook with nbclient in ``notebooks/`` (so relative
paths resolve as in JupyterLab) and times it; ``--no-run`` skips the execution and
``--save DIR`` keeps the executed copies there. A notebook that does not exist is listed as
missing, not an error.

The reading+doing estimate for a learner working alone:
  words / 150 a minute + 0.5 minute per code cell (run it, look at the output)
  + the execution time + 10 minutes per exercise.
It prints a Markdown table (the one in docs/instructor_notes.md) with each notebook's declared
*Time to learn* beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COURSE = [
    "00_start_here",
    "01_five_tiers",
    "02_drawing_a_topology",
    "03_placing_workloads",
    "04_process_locally",
    "05_failure_domains",
    "06_policy_at_the_boundary",
    "07_models_flow_down",
    "08_the_learning_loop",
    "09_federated_learning",
    "10_tenants_and_slices",
    "11_what_it_costs",
    "12_capstone",
]
WORDS_PER_MINUTE = 150
MINUTES_PER_CODE_CELL = 0.5
MINUTES_PER_EXERCISE = 10


@dataclass
class Timing:
    name: str
    words: int
    code_cells: int
    exercises: int
    run_seconds: float | None
    time_to_learn: int | None

    @property
    def estimate(self) -> float:
        """Reading + doing, minutes, for a learner alone."""
        run = (self.run_seconds or 0.0) / 60
        return (
            self.words / WORDS_PER_MINUTE
            + MINUTES_PER_CODE_CELL * self.code_cells
            + run
            + MINUTES_PER_EXERCISE * self.exercises
        )


def _markdown_words(text: str) -> int:
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)  # code blocks are not read as prose
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not words
    return len(re.findall(r"[\w'.,%-]*\w", text))


def measure(path: Path, run: bool, save: Path | None) -> Timing:
    """Count and (if ``run``) execute one notebook."""
    notebook = json.loads(path.read_text())
    markdown = [
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    ]
    code = [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"])]
    headings = [
        line for text in markdown for line in text.splitlines() if line.startswith("#")
    ]
    exercises = sum(1 for h in headings if "exercise" in h.lower() and "solution" not in h.lower())
    found = re.search(r"\*\*Time to learn\*\*: about (\d+) minutes", "\n".join(markdown))
    seconds = _execute(path, save) if run else None
    return Timing(
        name=path.stem,
        words=sum(_markdown_words(t) for t in markdown),
        code_cells=len(code),
        exercises=exercises,
        run_seconds=seconds,
        time_to_learn=int(found.group(1)) if found else None,
    )


def _execute(path: Path, save: Path | None) -> float:
    import nbclient  # a dev dependency; only needed to run
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save / path.name)
    return seconds


def table(rows: list[Timing | str]) -> str:
    """The Markdown table: one row per notebook, missing ones named as missing."""
    lines = [
        "| notebook | words | code cells | exercises | run (s) | estimate (min) | time to learn |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if isinstance(row, str):
            lines.append(f"| `{row}` | missing | | | | | |")
            continue
        run = "" if row.run_seconds is None else f"{row.run_seconds:.0f}"
        declared = "" if row.time_to_learn is None else str(row.time_to_learn)
        lines.append(
            f"| `{row.name}` | {row.words:,} | {row.code_cells} | {row.exercises} | {run} "
            f"| {row.estimate:.0f} | {declared} |"
        )
    done = [r for r in rows if isinstance(r, Timing)]
    lines.append(
        f"| total ({len(done)} notebooks) | {sum(r.words for r in done):,} "
        f"| {sum(r.code_cells for r in done)} | {sum(r.exercises for r in done)} "
        f"| {sum(r.run_seconds or 0 for r in done):.0f} | {sum(r.estimate for r in done):.0f} "
        f"| {sum(r.time_to_learn or 0 for r in done)} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose name starts with these")
    parser.add_argument("--no-run", action="store_true", help="count only; do not execute")
    parser.add_argument("--save", type=Path, help="keep the executed notebooks in this folder")
    args = parser.parse_args(argv)
    chosen = [n for n in COURSE if not args.names or any(n.startswith(p) for p in args.names)]
    if not chosen:
        parser.error(f"no course notebook starts with {args.names}; known: {', '.join(COURSE)}")
    rows: list[Timing | str] = []
    for name in chosen:
        path = NOTEBOOKS / f"{name}.ipynb"
        if not path.exists():
            rows.append(name)
            print(f"{name}: missing", file=sys.stderr)
            continue
        row = measure(path, run=not args.no_run, save=args.save)
        print(f"{name}: {row.estimate:.0f} min", file=sys.stderr)
        rows.append(row)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
