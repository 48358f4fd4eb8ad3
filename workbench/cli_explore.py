"""The ``workbench sweep`` and ``workbench optimise`` subcommands (design-space exploration)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .errors import Problem, ProblemsError
from .scenario import load_scenario


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number 1 or more, got {text!r}")
    return int(text)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm  # type: ignore[import-untyped]

    from .cli import _safe_name
    from .sweep import SweepError, parse_vary, plan_sweep, run_sweep, write_sweep

    scenario = load_scenario(args.file)
    variations: dict[str, list[Any]] = {}
    problems: list[Problem] = []
    for text in args.vary or []:
        try:
            path, values = parse_vary(text)
        except SweepError as exc:
            problems += exc.problems
            continue
        if path in variations:
            problems.append(Problem(f"--vary {path}", "given twice; list its values once"))
        variations[path] = values
    if args.estimate_only and args.seeds not in (None, 1):
        problems.append(
            Problem("--seeds", "the estimate has no randomness; drop --seeds or --estimate-only")
        )
    if args.estimate_only and args.until is not None:
        problems.append(Problem("--until", "the estimate is of steady state; drop --until"))
    if problems:
        raise ProblemsError(problems, args.file)
    plan = plan_sweep(
        scenario,
        variations,
        seeds=args.seeds or 1,
        sample=args.sample,
        estimate_only=args.estimate_only,
        until=args.until,
        file=args.file,
    )
    overloaded = sum(d.status == "overloaded" for d in plan.designs)
    where = args.scheduler or "a local Dask cluster"
    print(
        f"{args.file}: {_count(len(plan.designs), 'design')} x "
        f"{_count(len(plan.seeds), 'seed')} = {plan.runs} "
        f"{'estimates' if plan.estimate_only else 'simulations'} on {where}"
        + (f" ({overloaded} overloaded: their queues grow)" if overloaded else "")
    )
    quiet = args.quiet or not sys.stderr.isatty()
    with tqdm(total=plan.runs, unit="run", desc="sweep", disable=quiet, file=sys.stderr) as bar:
        table = run_sweep(plan, scheduler=args.scheduler, progress=bar.update)
    out_dir = Path(args.out) if args.out else Path("out") / f"{_safe_name(scenario.name)}-sweep"
    try:
        written = write_sweep(table, plan, out_dir)
    except OSError as exc:
        print(f"{exc.filename or out_dir}: cannot write: {exc.strerror or exc}")
        return 2
    met = int(table.groupby("design")["all_slos_met"].all().sum()) if len(table) else 0
    failed = int((table["status"] == "failed").sum()) if len(table) else 0
    print(f"{met} of {len(plan.designs)} designs meet every SLO; {failed} run(s) failed")
    print(f"wrote {', '.join(p.name for p in written.values())} to {out_dir}")
    return 0


def _optimise(args: argparse.Namespace) -> int:
    from .optimiser import optimise

    scenario = load_scenario(args.file)
    if args.confirm < 0:
        raise ProblemsError([Problem("--confirm", "expected 0 or more candidates")], args.file)
    try:
        result = optimise(
            scenario, objective=args.objective, confirm=args.confirm, until=args.until
        )
    except ProblemsError as exc:
        raise ProblemsError(exc.problems, args.file) from None
    print(result.explain())
    if args.out:
        from .scenario import save_scenario

        save_scenario(result.scenario(scenario), args.out)
        print(f"\nwrote the winning design to {args.out}")
    return 0 if result.best is not None else 1


def add_parsers(sub: Any) -> None:
    """Add ``sweep`` and ``optimise`` to the ``workbench`` command's subparsers."""
    from .cli import _until

    p = sub.add_parser(
        "sweep",
        help="run a grid of variations of a scenario on Dask; write a Parquet table and a "
        "Pareto page",
        description="Vary scenario fields (by ids: links.wan.bandwidth, placement.W.STAGE, "
        "nodes.N.hardware, workloads.W.source.rate ...), validate every design, run them in "
        "parallel and write DIR/sweep.parquet (one row per design and seed) and DIR/pareto.html.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--vary",
        action="append",
        metavar="PATH=V1,V2,...",
        help="a field and its values, e.g. 'links.wan.bandwidth=10 Mbit/s,1 Gbit/s'; repeat "
        "for a grid",
    )
    p.add_argument(
        "--seeds", type=_positive, metavar="N", help="simulations per design (default 1)"
    )
    p.add_argument("--sample", type=_positive, metavar="N", help="a random N designs of the grid")
    p.add_argument(
        "--estimate-only", action="store_true", help="the closed-form estimate, no simulation"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786"
    )
    p.add_argument("--until", type=_until, metavar="S", help="simulated time of each run")
    p.add_argument("--out", metavar="DIR", help="output directory (default: out/<name>-sweep)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_sweep)
    p = sub.add_parser(
        "optimise",
        help="the cheapest (or lowest-energy, or fastest) placement meeting every SLO and "
        "residency rule",
        description="Search the placements the advisor's rules allow with the estimate, confirm "
        "the best candidates by simulation, and explain the winner against the runner-up.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--objective", choices=["cost", "energy", "latency"], default="cost")
    p.add_argument(
        "--confirm", type=int, default=3, metavar="N", help="candidates simulated (0: none)"
    )
    p.add_argument("--until", type=_until, metavar="S", help="simulated time of each confirmation")
    p.add_argument("--out", metavar="FILE", help="write the winning design as a scenario file")
    p.set_defaults(func=_optimise)
