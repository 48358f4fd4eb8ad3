"""How long each course notebook takes: words, code cells, exercises and execution time.

Usage: python benchmarks/course_timing.py [--no-run] [--save DIR] [--check-skips] [NAME ...]

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

``--check-skips`` checks the sections the instructor notes say to skip when late (``SKIPS``):
no name the notebook's exercises use (in their code, or in backticks in their text) may be
defined only in a skipped section, and the notebook, run without the skipped cells, must still
run to the end (the exercises' starter cells included).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# What to skip when late: a Markdown heading (the section up to the next heading of the same
# or a higher level) or the start of a code cell (that cell alone).
SKIPS = {
    "02_drawing_a_topology": ["### The same from Python"],
    "03_placing_workloads": ["### The same from Python"],
    "04_process_locally": ["on_gateway = steady.model_copy(", "sel_result = simulate(one_in_five"],
    "07_models_flow_down": ["## The decision's evidence", "## Checkpoints on real links"],
    "08_the_learning_loop": ["## The label rate", "## Which detector?"],
    "09_federated_learning": ["## Stragglers"],
    "10_tenants_and_slices": ["## The audit trail"],
}


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
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    code = [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"])]
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("#")]
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
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save / path.name)
    return seconds


def _level(line: str) -> int:
    return len(line) - len(line.lstrip("#"))


def skipped_cells(cells: list[dict[str, Any]], skips: list[str]) -> set[int]:
    """Indices of the cells the ``skips`` (headings or code-cell starts) leave out."""
    out: set[int] = set()
    for skip in skips:
        if not skip.startswith("#"):
            found = [i for i, c in enumerate(cells) if "".join(c["source"]).startswith(skip)]
            if len(found) != 1:
                raise SystemExit(f"skip {skip!r}: {len(found)} code cells start with it")
            out.update(found)
            continue
        start = [
            i for i, c in enumerate(cells)
            if c["cell_type"] == "markdown" and skip in "".join(c["source"]).splitlines()
        ]  # fmt: skip
        if len(start) != 1:
            raise SystemExit(f"skip {skip!r}: {len(start)} cells hold that heading")
        i = start[0]
        out.add(i)
        for j in range(i + 1, len(cells)):
            lines = "".join(cells[j]["source"]).splitlines()
            heads = (
                [line for line in lines if line.startswith("#")]
                if cells[j]["cell_type"] == "markdown"
                else []
            )
            if any(_level(h) <= _level(skip) for h in heads):
                break
            out.add(j)
    return out


def _names(code: str) -> tuple[set[str], set[str]]:
    """(names a cell defines, names it uses); IPython magics make a cell unparsable: none."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    defined: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    return defined, used


def check_skips(path: Path, skips: list[str], run: bool) -> list[str]:
    """Problems with skipping ``skips`` in the notebook at ``path`` (none: safe to skip)."""
    cells = json.loads(path.read_text())["cells"]
    gone = skipped_cells(cells, skips)
    kept_defs: set[str] = set()
    gone_defs: set[str] = set()
    exercise_uses: set[str] = set()
    in_exercise = False
    for i, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            heads = [line for line in text.splitlines() if line.startswith("#")]
            if heads:
                in_exercise = any("exercise" in h.lower() for h in heads)
            if in_exercise:
                for span in re.findall(r"`([^`]+)`", text):
                    exercise_uses.update(re.findall(r"[A-Za-z_]\w*", span))
            continue
        defined, used = _names(text)
        (gone_defs if i in gone else kept_defs).update(defined)
        if in_exercise:
            exercise_uses.update(used)
    problems = [
        f"{path.stem}: the exercise uses {name!r}, defined only in a skipped section"
        for name in sorted(exercise_uses & (gone_defs - kept_defs))
    ]
    if run and not problems:
        import nbclient
        import nbformat

        notebook = nbformat.read(path, as_version=4)
        notebook.cells = [c for i, c in enumerate(notebook.cells) if i not in gone]
        try:
            nbclient.NotebookClient(
                notebook, timeout=900, kernel_name="python3",
                resources={"metadata": {"path": str(NOTEBOOKS)}},
            ).execute()  # fmt: skip
        except nbclient.exceptions.CellExecutionError as error:
            problems.append(f"{path.stem}: without the skipped cells: {str(error)[-300:]}")
    return problems


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
    parser.add_argument(
        "--check-skips", action="store_true",
        help="check the sections SKIPS leaves out are not needed later (runs them without)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    chosen = [n for n in COURSE if not args.names or any(n.startswith(p) for p in args.names)]
    if not chosen:
        parser.error(f"no course notebook starts with {args.names}; known: {', '.join(COURSE)}")
    if args.check_skips:
        problems = []
        for name in chosen:
            path = NOTEBOOKS / f"{name}.ipynb"
            if name in SKIPS and path.exists():
                found = check_skips(path, SKIPS[name], run=not args.no_run)
                print(f"{name}: skipping {SKIPS[name]}: {'; '.join(found) or 'safe'}")
                problems += found
        return 1 if problems else 0
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
