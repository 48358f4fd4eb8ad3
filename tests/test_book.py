"""The course as a book (``make book``): every page is there, every internal link resolves, the
launch buttons point at the configured repository, and executing strips the widget state.

The whole book is built once without executing the notebooks (about 20 s); one tiny book with
a widget, a plotly figure and glossary links is built executed.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from tests.conftest import ROOT
from tools import book

NOTEBOOKS = ROOT / "notebooks"
# The anchors the course contract (issue 17) lets notebooks link to: glossary.md#<anchor>.
ANCHORS = frozenset(
    [
        "tier",
        "far-edge",
        "aggregation-edge",
        "on-prem-data-centre",
        "telco-edge-mec",
        "cloud",
        "slo",
        "p95",
        "latency-budget",
        "queueing-delay",
        "utilisation",
        "mmc",
        "mgc",
        "littles-law",
        "workload",
        "stage",
        "placement",
        "residency",
        "data-class",
        "boundary",
        "fallback-model",
        "degraded-mode",
        "effective-accuracy",
        "store-and-forward",
        "drain",
        "failure-domain",
        "aggregation-window",
        "version",
        "rollout",
        "canary",
        "non-inferiority-test",
        "drift",
        "adwin",
        "federated-learning",
        "fedavg",
        "differential-privacy",
        "tenant",
        "slice",
        "warm-up",
        "seed",
        "pareto-front",
        "amortisation",
        "egress",
        "energy-per-bit",
    ]
)
GLOSSARY_LINK = re.compile(r"\]\((?:\.\./)?glossary\.md#([^)\s]+)\)")


class Page(HTMLParser):
    """The ids and the hrefs of one HTML page."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.feed(path.read_text(encoding="utf8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if name == "href" and value and tag == "a":
                self.hrefs.append(value)


def github_slug(heading: str) -> str:
    """GitHub's (and MyST's) anchor for a heading: `M/M/c` -> `mmc`, `Little's law` -> ..."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def glossary_terms() -> dict[str, str]:
    """Anchor -> the text under each `### Term` of notebooks/glossary.md."""
    text = (NOTEBOOKS / "glossary.md").read_text(encoding="utf8")
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    headings, bodies = parts[1::2], parts[2::2]
    return {
        github_slug(h): b.split("\n## ")[0].strip() for h, b in zip(headings, bodies, strict=True)
    }


def pages(html: Path) -> dict[Path, Page]:
    return {p: Page(p) for p in html.rglob("*.html") if "_static" not in p.parts}


def broken_links(html: Path) -> list[str]:
    """Every internal href whose file is missing or whose #anchor is not an id on its page."""
    found = pages(html)
    broken = []
    for path, page in found.items():
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            name = f"{path.relative_to(html)}: {href}"
            if not target.exists():
                broken.append(f"{name} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = found[target].ids if target in found else Page(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{name} (no such anchor)")
    return broken


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole course built without executing the notebooks."""
    return book.build(tmp_path_factory.mktemp("book"), execute=False)


def test_every_notebook_glossary_and_references_page_is_in_the_book(html: Path) -> None:
    course = book.chapters()
    assert course[0] == "00_start_here" and len(course) >= 11
    expected = [*course, *book.solutions(), "glossary", "references"]
    missing = [name for name in expected if not (html / f"{name}.html").exists()]
    assert missing == []
    assert "app" not in {p.stem for p in html.glob("*.html")}, "the Voila app is not a chapter"


def test_every_internal_link_resolves(html: Path) -> None:
    assert len(pages(html)) > len(book.chapters())
    assert broken_links(html) == []


def test_glossary_has_a_heading_for_every_contract_anchor() -> None:
    terms = glossary_terms()
    assert set(terms) == ANCHORS and len(terms) == len(ANCHORS)
    for anchor, text in terms.items():
        sentences = len(re.findall(r"[.!?](?:\s|$)", text))
        assert 1 <= sentences <= 4, f"{anchor}: {sentences} sentences"


def test_glossary_anchors_the_notebooks_link_to_exist() -> None:
    """Each `glossary.md#x` in a notebook's Markdown names a term of the glossary."""
    terms = glossary_terms()
    wrong = []
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for cell in cells:
            if cell.cell_type == "markdown":
                wrong += [f"{path.name}: #{a}" for a in GLOSSARY_LINK.findall(cell.source)]
    assert [w for w in wrong if w.rsplit("#", 1)[1] not in terms] == []


def test_launch_buttons_point_at_the_configured_repository(html: Path) -> None:
    repo = book.repository()
    for name in book.chapters():
        hrefs = Page(html / f"{name}.html").hrefs
        binder = book.binder_url(repo, f"{name}.ipynb", ref="main")
        assert binder in hrefs, f"{name}: no Binder button for {repo}"
        assert f"https://github.com/{repo}" in hrefs, f"{name}: no repository button"
        others = [h for h in hrefs if "mybinder.org" in h and h != binder]
        assert others == [], f"{name}: launch buttons elsewhere: {others}"


def test_generated_config_and_readme_badge_match_the_repository() -> None:
    """`make binder-config --check`: the book's config, the badge and Binder links are current."""
    assert book.main(["config", "--check"]) == 0
    assert book.badge(book.repository()) in (ROOT / "README.md").read_text(encoding="utf8")


def test_a_repository_that_is_not_owner_slash_name_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.workbench]\nrepository = "https://github.com/a/b"\n')
    with pytest.raises(book.BookError, match=r"repository must be a GitHub path"):
        book.repository(pyproject)


def _notebook(path: Path, *cells: nbformat.NotebookNode) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)


def test_the_toc_follows_the_notebooks_present(tmp_path: Path) -> None:
    for name in ("00_start_here", "03_placing", "12_cap", "app", "scratch"):
        _notebook(tmp_path / f"{name}.ipynb")
    _notebook(tmp_path / "solutions" / "03_placing_solutions.ipynb")
    with pytest.raises(book.BookError, match=r"glossary\.md is missing"):
        book.toc(tmp_path)
    for page in ("glossary.md", "references.md"):
        (tmp_path / page).write_text("# Page\n")
    assert book.toc(tmp_path) == {
        "format": "jb-book",
        "root": "00_start_here",
        "parts": [
            {
                "caption": "The course",
                "chapters": [{"file": "03_placing"}, {"file": "12_cap"}],
            },
            {"caption": "Solutions", "chapters": [{"file": "solutions/03_placing_solutions"}]},
            {"caption": "Look up", "chapters": [{"file": "glossary"}, {"file": "references"}]},
        ],
    }
    (tmp_path / "00_start_here.ipynb").unlink()
    with pytest.raises(book.BookError, match=r"starts at 00_start_here\.ipynb"):
        book.toc(tmp_path)


def test_an_executed_page_shows_outputs_and_plots_without_widget_state(tmp_path: Path) -> None:
    source = tmp_path / "src"
    new_markdown, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    _notebook(
        source / "00_start_here.ipynb",
        new_markdown(
            "# Tiny\n\nA queue is [M/M/c](glossary.md#mmc); "
            "[Little's law](glossary.md#littles-law) holds."
        ),
        new_code("import ipywidgets\nimport plotly.graph_objects as go\nprint(6 * 7)"),
        new_code("ipywidgets.VBox([ipywidgets.IntSlider(value=3) for _ in range(50)])"),
        new_code("go.Figure(go.Bar(x=['far edge', 'cloud'], y=[1, 150]))"),
    )
    for page in ("glossary.md", "references.md"):
        shutil.copy2(NOTEBOOKS / page, source / page)
    html = book.build(tmp_path / "out", book=source)

    page = (html / "00_start_here.html").read_text(encoding="utf8")
    assert "42" in page, "the notebook ran"
    assert "plotly-graph-div" in page, "the figure is drawn in the HTML (PLOTLY_RENDERER)"
    assert "An interactive widget appears here" in page
    for path in html.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".js", ".json"):
            text = path.read_text(encoding="utf8", errors="replace")
            assert book_widget_state() not in text, f"widget state in {path.relative_to(html)}"
    links = Page(html / "00_start_here.html").hrefs
    glossary_ids = Page(html / "glossary.html").ids
    anchors = [h.split("#")[1] for h in links if h.startswith("glossary.html#")]
    assert len(anchors) == 2 and set(anchors) <= glossary_ids, anchors
    executed = json.loads(json.dumps(nbformat.read(source / "00_start_here.ipynb", 4)))
    assert all(not c.get("outputs") for c in executed["cells"]), "the source stays unexecuted"


def book_widget_state() -> str:
    from tools.book_widgets import WIDGET_STATE

    return WIDGET_STATE
