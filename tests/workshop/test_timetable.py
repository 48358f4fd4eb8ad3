"""The workshop timetable and the notebooks agree on how long each notebook takes."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "docs" / "instructor_notes.md"


def _slots() -> dict[str, int]:
    """Minutes per row of the timetable: notebook name (or 'break', 'wrap-up') -> minutes."""
    rows = re.findall(r"^\| \d:\d\d \| `?([\w-]+)`? \| (\d+) \|", NOTES.read_text(), re.MULTILINE)
    return {name: int(minutes) for name, minutes in rows}


def _time_to_learn(notebook: Path) -> int:
    cells = json.loads(notebook.read_text())["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    found = re.search(r"\*\*Time to learn\*\*: about (\d+) minutes", text)
    assert found, f"{notebook.name}: no '**Time to learn**: about N minutes' line"
    return int(found.group(1))


def test_each_notebook_time_to_learn_is_its_slot() -> None:
    notebooks = {n: m for n, m in _slots().items() if n not in ("break", "wrap-up")}
    assert notebooks, "no notebook rows found in the timetable"
    for name, minutes in notebooks.items():
        assert _time_to_learn(ROOT / "notebooks" / f"{name}.ipynb") == minutes, name


def test_slots_fill_the_announced_duration() -> None:
    announced = int(re.search(r"## Timetable \((\d+) minutes\)", NOTES.read_text()).group(1))
    assert sum(_slots().values()) == announced
