"""The course as a Jupyter Book, and everything that reads the repository's address.

The address (``OWNER/REPO`` on GitHub) is set in ONE place, ``pyproject.toml``::

    [tool.workbench]
    repository = "OWNER/REPO"

and read from there by the book's configuration (``notebooks/_config.yml``: the repository
button and the Binder launch buttons), by the README's Binder badge and by the Binder links in
``docs/instructor_notes.md``. Commands::

    python -m tools.book config           # rewrite _config.yml, the badge and Binder links
    python -m tools.book config --check   # exit 1, naming the stale files, if they are out of date
    python -m tools.book toc              # write notebooks/_toc.yml from the notebooks present
    python -m tools.book build [--no-execute] [--out DIR]

``make binder-config`` runs the first, ``make book`` the last (HTML in notebooks/_build/html).
The table of contents is generated at build time from the files present (``NN_name.ipynb``,
the glossary, the references and ``solutions/NN_name_solutions.ipynb``), so a new notebook
appears in the book without editing a list.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "notebooks"
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
# Other documents with Binder links (any mybinder.org/v2/gh/OWNER/REPO/ address is rewritten).
BINDER_LINKS = [ROOT / "docs" / "instructor_notes.md"]
BINDER_ADDRESS = re.compile(r"https://mybinder\.org/v2/gh/[^/\s]+/[^/\s]+/")
NOTEBOOK = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")
START = "00_start_here.ipynb"
# Per-cell timeout when the book executes the notebooks (the longest cells run a simulation).
CELL_TIMEOUT_S = 600
# Plotly figures as HTML that loads plotly.js from its CDN (set PLOTLY_RENDERER=notebook to
# embed plotly.js in each page instead: about 5 MB a page, readable offline).
PLOTLY_RENDERER = "notebook_connected"
BADGE_LINE = re.compile(r"^\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\(.*\)$", re.M)


class BookError(Exception):
    """A problem with the book's inputs, in words that say how to fix it."""


def repository(pyproject: Path = PYPROJECT) -> str:
    """The ``OWNER/REPO`` address from ``[tool.workbench] repository`` in pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf8"))
    value = data.get("tool", {}).get("workbench", {}).get("repository")
    if not isinstance(value, str) or not REPOSITORY.match(value):
        raise BookError(
            f"{pyproject.name}: [tool.workbench] repository must be a GitHub path such as "
            f"'OWNER/REPO', got {value!r}"
        )
    return value


def binder_url(repo: str, notebook: str = START, ref: str = "HEAD") -> str:
    """The mybinder.org address that opens ``notebooks/<notebook>`` in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{repo}/{ref}?urlpath=lab/tree/notebooks/{notebook}"


def badge(repo: str) -> str:
    """The README's Binder badge line."""
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo)})"


def chapters(book: Path = BOOK) -> list[str]:
    """The course notebooks present, ``NN_name`` in order (app.ipynb and others left out)."""
    return sorted(p.stem for p in book.glob("*.ipynb") if NOTEBOOK.match(p.name))


def solutions(book: Path = BOOK) -> list[str]:
    """The solution notebooks present, as ``solutions/NN_name_solutions``, in order."""
    found = (book / "solutions").glob("*_solutions.ipynb")
    return sorted(f"solutions/{p.stem}" for p in found if NOTEBOOK.match(p.name[:-17] + ".ipynb"))


def toc(book: Path = BOOK) -> dict[str, Any]:
    """The table of contents: 00 as the root, the course, then solutions and the glossary."""
    course = chapters(book)
    if not course or course[0] != START.removesuffix(".ipynb"):
        raise BookError(f"{book}: the book starts at {START}, which is missing")
    for page in ("glossary.md", "references.md"):
        if not (book / page).exists():
            raise BookError(f"{book / page} is missing")
    parts: list[dict[str, Any]] = []
    if course[1:]:
        parts.append({"caption": "The course", "chapters": [{"file": n} for n in course[1:]]})
    answers = solutions(book)
    if answers:
        parts.append({"caption": "Solutions", "chapters": [{"file": n} for n in answers]})
    parts.append({"caption": "Look up", "chapters": [{"file": "glossary"}, {"file": "references"}]})
    return {"format": "jb-book", "root": course[0], "parts": parts}


def config(repo: str, *, execute: bool = True, tools: str = "../tools") -> dict[str, Any]:
    """The Jupyter Book configuration (``_config.yml``) for the repository ``repo``.

    ``tools`` is where the widget-stripping extension lives, relative to the config file.
    """
    return {
        "title": "Edge AI Tier Workbench: the course",
        "author": "The Edge AI Tier Workbench contributors",
        "copyright": "2026",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints", "app.ipynb"],
        "execute": {
            # cache: executed once, again only when a notebook's code changes
            "execute_notebooks": "cache" if execute else "off",
            "timeout": CELL_TIMEOUT_S,
            "allow_errors": False,
            "stderr_output": "remove-warn",
        },
        "repository": {
            "url": f"https://github.com/{repo}",
            "path_to_book": "notebooks",
            "branch": "main",
        },
        "launch_buttons": {
            "notebook_interface": "jupyterlab",
            "binderhub_url": "https://mybinder.org",
        },
        "html": {"use_repository_button": True, "use_issues_button": False},
        "sphinx": {
            "local_extensions": {"book_widgets": tools},
            "config": {
                # `### M/M/c` gets the anchor `mmc`, as on GitHub: glossary.md#mmc resolves
                "myst_heading_anchors": 3,
                "nb_execution_raise_on_error": True,
                "suppress_warnings": ["myst.header"],
            },
        },
    }


GENERATED = (
    "# Generated by `make binder-config` from pyproject.toml [tool.workbench]: do not edit.\n"
)


def config_text(repo: str, **options: Any) -> str:
    return GENERATED + yaml.safe_dump(config(repo, **options), sort_keys=False, width=100)


def readme_text(repo: str, text: str) -> str:
    """The README with its Binder badge pointing at ``repo``."""
    if not BADGE_LINE.search(text):
        raise BookError(f"{README.name}: no Binder badge line to update")
    text = BADGE_LINE.sub(lambda _: badge(repo), text, count=1)
    return links_text(repo, text)


def links_text(repo: str, text: str) -> str:
    """``text`` with every mybinder.org address opening ``repo``."""
    return BINDER_ADDRESS.sub(f"https://mybinder.org/v2/gh/{repo}/", text)


def stale(repo: str) -> list[str]:
    """The generated files that do not match ``repo`` (empty when all are current)."""
    out = []
    if not (BOOK / "_config.yml").exists() or (BOOK / "_config.yml").read_text(
        encoding="utf8"
    ) != config_text(repo):
        out.append("notebooks/_config.yml")
    text = README.read_text(encoding="utf8")
    if readme_text(repo, text) != text:
        out.append("README.md (the Binder badge)")
    for path in BINDER_LINKS:
        text = path.read_text(encoding="utf8") if path.exists() else ""
        if links_text(repo, text) != text:
            out.append(f"{path.relative_to(ROOT)} (Binder links)")
    return out


def write_config(repo: str) -> None:
    (BOOK / "_config.yml").write_text(config_text(repo), encoding="utf8")
    text = README.read_text(encoding="utf8")
    README.write_text(readme_text(repo, text), encoding="utf8")
    for path in BINDER_LINKS:
        if path.exists():
            path.write_text(links_text(repo, path.read_text(encoding="utf8")), encoding="utf8")


def write_toc(book: Path = BOOK, path: Path | None = None) -> Path:
    path = path or book / "_toc.yml"
    header = "# Generated by `make book` from the notebooks present: do not edit.\n"
    path.write_text(header + yaml.safe_dump(toc(book), sort_keys=False), encoding="utf8")
    return path


def build(out: Path, *, execute: bool = True, book: Path = BOOK, repo: str | None = None) -> Path:
    """Build the book's HTML into ``out/_build/html`` and return that folder.

    With ``execute`` the notebooks run (cached in ``out/_build/.jupyter_cache``); without, the
    pages show the notebooks as committed (no outputs).
    """
    repo = repo or repository()
    work = out / "_build"
    work.mkdir(parents=True, exist_ok=True)
    config_file = work / "_config.yml"
    config_file.write_text(
        config_text(repo, execute=execute, tools=str(ROOT / "tools")), encoding="utf8"
    )
    toc_file = write_toc(book, work / "_toc.yml")
    env = {**os.environ, "PLOTLY_RENDERER": os.environ.get("PLOTLY_RENDERER", PLOTLY_RENDERER)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        raise BookError(f"{jupyter_book} is missing: pip install -e '.[book]' (or make install)")
    command = [
        str(jupyter_book), "build", str(book),
        "--path-output", str(out), "--config", str(config_file), "--toc", str(toc_file),
    ]  # fmt: skip
    subprocess.run(command, check=True, env=env)
    return out / "_build" / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.book", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("config", help="write _config.yml and the README badge")
    check.add_argument("--check", action="store_true", help="only report stale files")
    commands.add_parser("toc", help="write notebooks/_toc.yml")
    making = commands.add_parser("build", help="build the HTML")
    making.add_argument("--no-execute", action="store_true", help="pages without outputs")
    making.add_argument("--out", type=Path, default=BOOK, help="output folder (default notebooks)")
    args = parser.parse_args(argv)
    try:
        repo = repository()
        if args.command == "config":
            if args.check:
                old = stale(repo)
                for name in old:
                    print(f"{name} does not match [tool.workbench] repository = {repo!r}: "
                          "run `make binder-config`", file=sys.stderr)  # fmt: skip
                return 1 if old else 0
            write_config(repo)
            print(f"notebooks/_config.yml, the README badge and the Binder links point at {repo}")
        elif args.command == "toc":
            print(write_toc())
        else:
            html = build(args.out, execute=not args.no_execute, repo=repo)
            print(f"the book is in {html / 'index.html'}")
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
