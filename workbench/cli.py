"""The ``workbench`` command: validate, advise, schema, catalogue.

Exit codes: 0 success, 2 invalid input (every problem printed as ``FILE: field.path: message``),
3 an internal error (a bug: the message asks for a report, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import pandas as pd

from .advisor import advice_table, advise
from .catalogue import load_catalogue
from .errors import ProblemsError
from .scenario import load_scenario, schema_text

EXIT_OK, EXIT_INVALID, EXIT_BUG = 0, 2, 3


MAX_PRINTED = 200


def _print_problems(exc: ProblemsError) -> None:
    lines = [p.render(exc.file) for p in exc.problems]
    print("\n".join(lines[:MAX_PRINTED]))
    if len(lines) > MAX_PRINTED:
        print(f"{exc.file}: ... and {len(lines) - MAX_PRINTED} more problems")


def _validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for file in args.files:
        try:
            load_scenario(file)
        except ProblemsError as exc:
            _print_problems(exc)
            status = EXIT_INVALID
        else:
            if not args.quiet:
                print(f"{file}: valid")
    return status


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


def _schema(args: argparse.Namespace) -> int:
    print(schema_text())
    return EXIT_OK


def _catalogue(args: argparse.Namespace) -> int:
    cat = load_catalogue()
    table = getattr(cat, args.table)
    rows = [
        entry.model_dump(mode="json", by_alias=True, exclude={"sources", "notes"})
        for entry in table.values()
    ]
    with pd.option_context(
        "display.max_colwidth", 40, "display.width", 250, "display.max_columns", 20
    ):
        print(pd.DataFrame(rows).to_string(index=False))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Edge AI Tier Workbench: which tier should serve this workload?",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check scenario files; exit 2 listing every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=_validate)
    p = sub.add_parser("advise", help="the lowest tier for each stage, with reasons")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--table", action="store_true", help="one row per stage instead of prose")
    p.set_defaults(func=_advise)
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(func=_schema)
    p = sub.add_parser("catalogue", help="print a catalogue table")
    p.add_argument(
        "table",
        nargs="?",
        default="hardware",
        choices=["tiers", "hardware", "models", "links", "data_sources", "data_classes"],
    )
    p.set_defaults(func=_catalogue)
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
