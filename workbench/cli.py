"""The ``workbench`` command: validate, advise, run, audit, schema, catalogue.

Exit codes: 0 success, 2 invalid input (every problem printed as ``FILE: field.path: message``),
3 an internal error (a bug: the message asks for a report, no traceback).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .advisor import advice_table, advise
from .catalogue import load_catalogue
from .errors import ProblemsError
from .fields import ENGINES, MAX_RUN_S
from .scenario import Scenario, load_scenario, schema_text
from .units import UnitError, parse_quantity

EXIT_OK, EXIT_INVALID, EXIT_BUG = 0, 2, 3


MAX_PRINTED = 1000  # problems arrive capped (loading.MAX_PROBLEMS); this is a backstop


def _print_problems(exc: ProblemsError) -> None:
    lines = [p.render(exc.file) for p in exc.problems[:MAX_PRINTED]]
    print("\n".join(lines))
    if len(exc.problems) > MAX_PRINTED:
        print(f"{exc.file}: ... and {len(exc.problems) - MAX_PRINTED} more problems")


def _validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for file in args.files:
        try:
            scenario = load_scenario(file)
        except ProblemsError as exc:
            _print_problems(exc)
            status = EXIT_INVALID
        else:
            _print_warnings(scenario, file)
            if not args.quiet:
                print(f"{file}: valid")
    return status


def _print_warnings(scenario: Scenario, file: str) -> None:
    """Lines for what is valid but close to a limit (e.g. a link 90 % busy); exit stays 0."""
    from .validation import scenario_warnings

    for warning in scenario_warnings(scenario):
        print(warning.render(file))


def _advise(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    advice = advise(scenario)
    if args.table:
        with pd.option_context("display.max_colwidth", 80, "display.width", 200):
            print(advice_table(advice).to_string(index=False))
    else:
        print(f"{args.file}: placement advice ({len(advice)} stages)\n")
        print("\n\n".join(a.explain() for a in advice))
    disagree = [a.key for a in advice if not (a.placed and a.placed.feasible)]
    if disagree:
        print(f"\n{len(disagree)} stage(s) placed where a question fails: {', '.join(disagree)}")
    return EXIT_OK


RUN_STEPS = 100  # the progress bar advances the simulation in this many steps
MAX_UNTIL_S = MAX_RUN_S  # a typo such as '600 h' would otherwise fill memory with time bins


def _until(text: str) -> float:
    """``--until``: '600 s', '10 min' or a bare number of seconds."""
    try:
        value = parse_quantity(float(text) if _is_number(text) else text, "time")
    except UnitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive time, got {text!r}")
    if value > MAX_UNTIL_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than a week of simulated time ({MAX_UNTIL_S:g} s); "
            "the workbench keeps per-second tables, so run shorter"
        )
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _seed(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    return int(text)


def _safe_name(name: str) -> str:
    """A scenario name usable as one directory name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"


def _run(args: argparse.Namespace) -> int:
    # Imported here: plotting and the engine are not needed to validate or advise.
    from tqdm import tqdm  # type: ignore[import-untyped]

    from .report import summary_lines, write_outputs, write_report
    from .sim import Simulation

    scenario = _maybe_without_slices(load_scenario(args.file), args)
    until = args.until if args.until is not None else scenario.simulation.until_s
    warmup = scenario.simulation.warmup_s
    if warmup >= until:
        print(
            f"{args.file}: --until: {until:g} s is not longer than the scenario's warm-up "
            f"({warmup:g} s), so no statistics would be collected; run longer"
        )
        return EXIT_INVALID
    out_dir = Path(args.out) if args.out else Path("out") / _safe_name(scenario.name)
    if args.stream:
        return _run_streaming(args, scenario, until, out_dir)
    html_path = Path(args.html) if args.html else out_dir / "report.html"
    try:
        sim = Simulation(
            scenario, until=until, seed=args.seed, force=args.force, engine=args.engine
        )
    except ProblemsError as exc:  # the run is too large: name the file in the refusal
        raise ProblemsError(exc.problems, args.file) from None
    quiet = args.quiet or not sys.stderr.isatty()
    with tqdm(
        total=until,
        unit="sim s",
        desc=scenario.name,
        disable=quiet,
        file=sys.stderr,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.4g}/{total:.4g} simulated s "
        "[{elapsed}<{remaining}]",
    ) as bar:
        # The fast plane takes a run in one call; the reference engine in steps, for the bar.
        steps = 1 if sim.fast_plane_refusal() is None else RUN_STEPS
        for step in range(1, steps + 1):
            sim.advance(to=until * step / steps if step < steps else None)
            bar.n = min(sim.now, until)
            bar.refresh()
    results = sim.results()
    summary = results.summary()
    try:
        written = write_outputs(results, out_dir, summary=summary)
        written |= _write_model_tables(results, out_dir)
        written |= _write_audit(results, out_dir)
        written |= _write_federated_tables(results, out_dir)
        report = write_report(results, html_path, summary=summary)
    except OSError as exc:
        where = exc.filename or out_dir
        print(f"{where}: cannot write: {exc.strerror or exc}")
        return EXIT_INVALID
    print("\n".join(summary_lines(summary, tiers_present={n.tier for n in scenario.nodes})))
    if "learning" in summary:
        from .learning.tables import episode_lines

        print("\n".join(episode_lines(summary)))
    print(f"\nwrote {', '.join(p.name for p in written.values())} to {out_dir}")
    print(f"report: {report}")
    return EXIT_OK


def _run_streaming(args: argparse.Namespace, scenario: Scenario, until: float, out: Path) -> int:
    """``run --stream``: the fast plane keeping aggregates; summary.json, timeline.parquet and
    latency_histogram.parquet, no per-request tables and no report."""
    import json

    from .report import summary_lines
    from .sim.fast.stream import stream

    if args.engine == "reference":
        print(f"{args.file}: --stream runs on the fast plane; drop --engine reference")
        return EXIT_INVALID
    try:
        run = stream(scenario, until=until, seed=args.seed)
    except ProblemsError as exc:
        raise ProblemsError(exc.problems, args.file) from None
    written = {
        "summary.json": out / "summary.json",
        "timeline.parquet": out / "timeline.parquet",
        "latency_histogram.parquet": out / "latency_histogram.parquet",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        written["summary.json"].write_text(json.dumps(run.summary, indent=2) + "\n")
        run.timeline.to_parquet(written["timeline.parquet"], index=False)
        run.histogram.to_parquet(written["latency_histogram.parquet"], index=False)
    except OSError as exc:
        print(f"{exc.filename or out}: cannot write: {exc.strerror or exc}")
        return EXIT_INVALID
    print("\n".join(summary_lines(run.summary, tiers_present={n.tier for n in scenario.nodes})))
    print(f"\nwrote {', '.join(written)} to {out}")
    return EXIT_OK


MODEL_TABLES = {
    "versions": "version_timeline",
    "accuracy": "accuracy",
    "rollouts": "rollouts",
    "transfers": "transfers",
    "decisions": "decisions",
}


LEARNING_TABLES = {"learning": "learning", "detections": "detections"}


def _write_model_tables(results: Any, out_dir: Path) -> dict[str, Path]:
    """The control plane's tables as Parquet, when the scenario declares model versions."""
    if results.sim.control is None:
        return {}
    written = {}
    tables = dict(MODEL_TABLES)
    if results.sim.control.learning is not None:
        tables |= LEARNING_TABLES
    for name, method in tables.items():
        path = out_dir / f"{name}.parquet"
        getattr(results, method)().to_parquet(path, engine="pyarrow", index=False)
        written[name] = path
    return written


def _maybe_without_slices(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """``--no-slices``: the scenario with its tenants' slices removed (isolation kept)."""
    if not getattr(args, "no_slices", False):
        return scenario
    from .policy.tenants import without_slices

    return without_slices(scenario)


def _write_audit(results: Any, out_dir: Path) -> dict[str, Path]:
    """``audit.parquet``: one row per request and boundary crossing (workbench.audit)."""
    from .audit import audit

    path = out_dir / "audit.parquet"
    audit(results).crossings.to_parquet(path, engine="pyarrow", index=False)
    return {"audit": path}


def _audit(args: argparse.Namespace) -> int:
    """Run the scenario, print the compliance report; 2 when anything crossed that should
    not have (naming the requests), 0 otherwise."""
    from .audit import audit, report_lines
    from .sim import Simulation

    scenario = _maybe_without_slices(load_scenario(args.file), args)
    try:
        sim = Simulation(scenario, until=args.until, seed=args.seed, force=args.force)
    except ProblemsError as exc:
        raise ProblemsError(exc.problems, args.file) from None
    results = sim.run()
    trail = audit(results)
    print(
        f"{args.file}: audit of {scenario.name!r}, {results.now_s:g} s simulated (seed "
        f"{results.seed}), whole run; bytes across each boundary, by tenant and data class\n"
    )
    print("\n".join(report_lines(trail, scenario, sim.catalogue)))
    return EXIT_INVALID if len(trail.violations) else EXIT_OK


def _write_federated_tables(results: Any, out_dir: Path) -> dict[str, Path]:
    """Federated rounds and bytes per boundary as Parquet, when the scenario has the section."""
    if results.sim.federated is None:
        return {}
    written = {}
    for name, method in (("federated_rounds", "federated_rounds"),
                         ("federated_boundaries", "federated_boundaries")):  # fmt: skip
        path = out_dir / f"{name}.parquet"
        getattr(results, method)().to_parquet(path, engine="pyarrow", index=False)
        written[name] = path
    return written


def _schema(args: argparse.Namespace) -> int:
    print(schema_text())
    return EXIT_OK


def _print_tokens() -> int:
    """`workbench catalogue tokens`: single-stream tokens/s of each LLM on each hardware."""
    from .llm import tokens_matrix

    matrix = tokens_matrix(load_catalogue()).fillna("").replace("", "-")
    for block in _column_blocks(matrix, width=100):
        print(block.to_string(), end="\n\n")
    print(
        "tokens/s of one stream (decode roofline, workbench/llm.py)\n"
        "'x2': sharded on 2 cards; '-': does not fit the node"
    )
    return EXIT_OK


def _column_blocks(table: pd.DataFrame, width: int) -> list[pd.DataFrame]:
    """``table`` cut into groups of whole columns, each printing within ``width`` characters."""
    blocks: list[pd.DataFrame] = []
    columns: list[Any] = []
    for column in table.columns:
        if columns and len(table[[*columns, column]].to_string().splitlines()[0]) > width:
            blocks.append(table[columns])
            columns = []
        columns.append(column)
    return [*blocks, table[columns]] if columns else blocks


def _catalogue(args: argparse.Namespace) -> int:
    if args.table == "tokens":
        return _print_tokens()
    if args.table == "prices":
        from .economics.prices import load_prices, price_table

        print(price_table(load_prices()))
        return EXIT_OK
    from .catalogue_tables import catalogue_table

    print(catalogue_table(args.table, load_catalogue()))
    return EXIT_OK


def package_version() -> str:
    """The installed version of the workbench package (``0.1.0``), or ``unknown``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("edge-tier-workbench")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Edge AI Tier Workbench: which tier should serve this workload?",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check scenario files; exit 2 listing every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=_validate)
    p = sub.add_parser("advise", help="the lowest tier for each stage, with reasons")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--table", action="store_true", help="one row per stage instead of prose")
    p.set_defaults(func=_advise)
    p = sub.add_parser(
        "run",
        help="simulate a scenario; write summary.json, Parquet tables and an HTML report",
        description="Simulate FILE, print a short summary, write DIR/summary.json, one Parquet "
        "file per result table and a self-contained HTML report.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--until",
        type=_until,
        metavar="S",
        help="simulated time: '600 s', '10 min' or seconds (default: the scenario's)",
    )
    p.add_argument("--seed", type=_seed, metavar="N", help="random seed (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="output directory (default: out/<scenario name>)")
    p.add_argument("--html", metavar="REPORT", help="HTML report path (default: DIR/report.html)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--force",
        action="store_true",
        help="run even when the estimated events or memory are past the limits (see README)",
    )
    p.add_argument(
        "--no-slices",
        action="store_true",
        help="remove the tenants' slices: shared nodes and links are one queue for everyone",
    )
    p.add_argument(
        "--stream",
        action="store_true",
        help="keep aggregates, not a row per request (fleets of 100,000 devices): writes "
        "summary.json, timeline.parquet and latency_histogram.parquet; needs the fast plane",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="auto (default): the fast plane where it covers the scenario, else the reference "
        "engine; reference: always the reference engine (summary.json 'engine' says which ran)",
    )
    p.set_defaults(func=_run)
    p = sub.add_parser(
        "audit",
        help="run a scenario; report the bytes across each boundary; exit 2 on a violation",
        description="Simulate FILE and print a compliance report: per tenant and data class, "
        "the bytes across each tier boundary and the premises boundary against what the class "
        "allows. Exits 2 if anything crossed that should not have, naming the requests.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--until", type=_until, metavar="S", help="simulated time (default: the scenario's)"
    )
    p.add_argument("--seed", type=_seed, metavar="N", help="random seed (default: the scenario's)")
    p.add_argument("--force", action="store_true", help="run even past the size limits")
    p.add_argument("--no-slices", action="store_true", help="remove the tenants' slices")
    p.set_defaults(func=_audit)
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(func=_schema)
    p = sub.add_parser(
        "catalogue",
        help="print a catalogue table (units in the headers; full entries in data/catalogue)",
    )
    p.add_argument(
        "table",
        nargs="?",
        default="hardware",
        choices=[
            "tiers",
            "hardware",
            "models",
            "links",
            "data_sources",
            "data_classes",
            "tokens",
            "prices",
        ],
    )
    p.set_defaults(func=_catalogue)
    from .cli_explore import add_parsers

    add_parsers(sub)  # sweep, optimise
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbench`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProblemsError as exc:
        _print_problems(exc)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except Exception as exc:
        print(
            f"workbench: internal error ({type(exc).__name__}: {exc}). This is a bug; please "
            "report it with the command and the file you used.",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
