"""The canvas as a newcomer sees it, in real JupyterLab: what it draws, read from the SVG, and
editing by click (+ node, drop a node on a node, undo).

Each test opens a copy of ``notebooks/canvas_demo.ipynb``, runs it through the menu and reads
the page; the kernel is asked (by re-running the notebook's probe cell) whether an edit reached
the scenario. Screenshots go to ``test-results/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import centre, node, open_and_run, probe, run_cell

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
Locator = sync_api.Locator
expect = sync_api.expect

NOTEBOOK = "canvas_demo.ipynb"
NODES = "svg.etw-svg g.etw-node"


def open_canvas(page: Page, url: str, errors: list[str]) -> None:
    """Open the notebook, run all cells, wait for the canvas with its five nodes."""
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_and_run(page, url, NOTEBOOK, NODES, 5)
    finish_opening(page)


def finish_opening(page: Page) -> None:
    # every cell has run once the last one (the flood) has printed; under heavy load "Run All"
    # can stop short of it (a click lost while the kernel connected): then run it by hand
    flooded = page.locator(".jp-OutputArea-output", has_text="FLOODED")
    try:
        expect(flooded).to_have_count(1, timeout=60_000)
    except AssertionError:
        run_cell(page, "def probe()", "PROBE")
        run_cell(page, "canvas.say(", "FLOODED")
    expect(page.locator(".etw-log-toggle")).to_have_text(re.compile(r"log \(50\)"))


# Geometry read from the page: screen boxes of labels, screen ends of lines.
SVG_FACTS = """() => {
  const svg = document.querySelector("svg.etw-svg");
  const m = svg.getScreenCTM();
  const pt = (x, y) => ({ x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f });
  const box = (el) => { const r = el.getBoundingClientRect();
                        return { x: r.x, y: r.y, w: r.width, h: r.height }; };
  const lines = [...svg.querySelectorAll("line.etw-link-line")].map((l) => {
    const a = pt(+l.getAttribute("x1"), +l.getAttribute("y1"));
    const b = pt(+l.getAttribute("x2"), +l.getAttribute("y2"));
    return { id: l.parentNode.getAttribute("data-link"), x1: a.x, y1: a.y, x2: b.x, y2: b.y };
  });
  return {
    lines,
    nodeLabels: [...svg.querySelectorAll("text.etw-node-label")].map(
      (t) => ({ text: t.textContent, ...box(t) })),
    linkLabels: [...svg.querySelectorAll("text.etw-link-label")].map(
      (t) => ({ link: t.getAttribute("data-link"), text: t.textContent, ...box(t) })),
    chips: [...svg.querySelectorAll("g.etw-chip")].map((g) => ({
      key: g.getAttribute("data-chip"), workload: g.getAttribute("data-workload"),
      fill: g.querySelector("rect").getAttribute("fill"),
      text: g.querySelector("text") ? g.querySelector("text").textContent : "" })),
    legend: [...document.querySelectorAll(".etw-legend .etw-key[data-workload]")].map((k) => ({
      workload: k.getAttribute("data-workload"),
      colour: getComputedStyle(k.querySelector(".etw-swatch")).backgroundColor })),
    bars: [...svg.querySelectorAll("g.etw-load-bar")].map((g) => ({
      height: g.querySelector("rect.etw-load-bg").getBBox().height,
      title: g.querySelector("title").textContent })),
  };
}"""


def crosses(line: dict[str, float], box: dict[str, float]) -> bool:
    """Does the segment pass through the box (Liang-Barsky clipping)?"""
    dx, dy = line["x2"] - line["x1"], line["y2"] - line["y1"]
    t0, t1 = 0.0, 1.0
    for p, q in (
        (-dx, line["x1"] - box["x"]),
        (dx, box["x"] + box["w"] - line["x1"]),
        (-dy, line["y1"] - box["y"]),
        (dy, box["y"] + box["h"] - line["y1"]),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def rgb(colour: str) -> tuple[int, int, int]:
    if colour.startswith("#"):
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", colour)[:3])
    return r, g, b


def is_red(colour: str) -> bool:
    r, g, b = rgb(colour)
    return r > 170 and g < 100 and b < 100


def union(*locators: Locator) -> dict[str, float]:
    """The page area covering every locator's box (for a screenshot of just those)."""
    boxes = [box for box in (loc.bounding_box() for loc in locators) if box is not None]
    x0 = min(b["x"] for b in boxes) - 4
    y0 = min(b["y"] for b in boxes) - 4
    x1 = max(b["x"] + b["width"] for b in boxes) + 4
    y1 = max(b["y"] + b["height"] for b in boxes) + 4
    return {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}


def test_the_canvas_shows_figures_a_colour_key_and_a_log_of_fixed_height(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors: list[str] = []
    open_canvas(page, fresh_lab, errors)
    canvas = page.locator(".etw-canvas")
    canvas.scroll_into_view_if_needed()
    facts = page.evaluate(SVG_FACTS)
    # links say their bandwidth and latency
    labels = {label["link"]: label["text"] for label in facts["linkLabels"]}
    assert set(labels) == {"vib-lan", "cam-lan", "plant-lan", "wan"}, labels
    assert labels["wan"] == "100 Mbit/s · 15 ms"
    assert all(re.search(r"[MG]bit/s · [\d.]+ ms$", text) for text in labels.values()), labels
    # no line runs through a node label or a link label (its own included)
    boxes = facts["nodeLabels"] + facts["linkLabels"]
    assert len(facts["nodeLabels"]) == 5
    hits = [
        (line["id"], box["text"]) for line in facts["lines"] for box in boxes if crosses(line, box)
    ]
    assert not hits, hits
    # chips: one colour per workload, none red, matching the key; unique labels
    chips = facts["chips"]
    assert len(chips) == 7
    colour_of = {c["workload"]: c["fill"] for c in chips}
    assert len({c["fill"] for c in chips}) == len(colour_of) == 4
    assert not [c["key"] for c in chips if is_red(c["fill"])]
    assert [k["workload"] for k in facts["legend"]] == list(colour_of)
    assert [rgb(k["colour"]) for k in facts["legend"]] == [rgb(c) for c in colour_of.values()]
    texts = [c["text"] for c in chips]
    assert len(set(texts)) == len(texts), texts
    assert {"bea·detect", "vis·detect"} <= set(texts)
    # load bars: legible, with the percentage on hover
    assert facts["bars"] and all(bar["height"] >= 8 for bar in facts["bars"])
    assert all(re.search(r"compute [\d.]+ % busy", bar["title"]) for bar in facts["bars"])
    side = page.locator(".etw-estimates")  # the side panel, as in the workbench
    page.screenshot(path=shots / "canvas_figures.png", clip=union(canvas, side))
    # the log: open it, write 50 more messages; neither it nor the canvas grows
    page.locator(".etw-log-toggle").click()
    expect(page.locator(".etw-log")).to_be_visible()
    heights = canvas.evaluate(
        "el => [el.offsetHeight, el.querySelector('.etw-log').offsetHeight,"
        " el.querySelector('.etw-banner').offsetHeight]"
    )
    before = page.locator(".jp-OutputArea-output", has_text="FLOODED").inner_text()
    floods = int(before.split()[1]) + 1
    assert f"FLOODED {floods} 50" in run_cell(page, "canvas.say(", f"FLOODED {floods}")
    expect(page.locator(".etw-log-entry").first).to_contain_text(f"flood {floods}, note 49")
    expect(page.locator(".etw-log-entry")).to_have_count(50)
    after = canvas.evaluate(
        "el => [el.offsetHeight, el.querySelector('.etw-log').offsetHeight,"
        " el.querySelector('.etw-banner').offsetHeight]"
    )
    assert after == heights, (heights, after)
    scroll = page.locator(".etw-log").evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert scroll[0] > scroll[1]  # the rest scrolls inside the fixed height
    assert not errors, errors


def test_plus_node_click_drop_on_a_node_and_undo(page: Page, fresh_lab: str, shots: Path) -> None:
    errors: list[str] = []
    open_canvas(page, fresh_lab, errors)
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    toast = page.locator(".etw-toast")
    # a click on "+ node" asks for the tier; choosing one adds a node in a free spot
    page.locator(".etw-palette").click()
    page.locator('.etw-tier-item[data-tier="telco_edge"]').click()
    expect(page.locator(NODES)).to_have_count(6, timeout=30_000)
    expect(node(page, "mec1")).to_have_count(1)
    expect(toast).to_contain_text("added mec1")
    # drag the new node onto plant-dc: they are linked, not moved on top of a line
    page.locator(".jp-NotebookPanel-toolbar").hover()  # leave hover states behind
    x0, y0 = centre(node(page, "mec1"))
    x1, y1 = centre(node(page, "plant-dc"))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=15)
    page.mouse.up()
    link = page.locator('svg.etw-svg g.etw-link[data-link="plant-dc--mec1"]')
    expect(link).to_have_count(1, timeout=30_000)
    expect(toast).to_contain_text("Linked plant-dc and mec1 (metro_fibre")
    expect(page.locator('text.etw-link-label[data-link="plant-dc--mec1"]')).to_contain_text(
        "Gbit/s"
    )
    page.mouse.move(5, 5)  # no hover highlight in the picture (docs/images/workbench_canvas.png)
    clip = union(page.locator(".etw-canvas"), page.locator(".etw-estimates"))
    page.screenshot(path=shots / "workbench_canvas.png", clip=clip)
    state = probe(page)
    assert ["plant-dc--mec1", "plant-dc", "mec1"] in state["links"]
    assert state["can_undo"] == "linking plant-dc and mec1"
    # dropping plant-dc on cloud: linked already, and the canvas says so in one sentence
    x2, y2 = centre(node(page, "cloud"))
    x1, y1 = centre(node(page, "plant-dc"))
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=15)
    page.mouse.up()
    expect(toast).to_have_text("plant-dc and cloud are linked already (by wan)", timeout=30_000)
    page.screenshot(path=shots / "canvas_edited.png")
    # undo twice: the link, then the node
    undo = page.locator(".etw-undo")
    expect(undo).to_have_attribute("title", re.compile("undo linking plant-dc and mec1"))
    undo.click()
    expect(link).to_have_count(0, timeout=30_000)
    expect(toast).to_have_text("Undid linking plant-dc and mec1.")
    undo.click()
    expect(page.locator(NODES)).to_have_count(5, timeout=30_000)
    expect(undo).to_be_disabled()
    state = probe(page)
    assert "mec1" not in state["nodes"] and len(state["links"]) == 4
    assert state["can_undo"] == "" and not state["errors"], state
    assert not errors, errors
