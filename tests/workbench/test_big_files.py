"""Huge and hostile files are refused in bounded work, without losing a rule of the loader.

The figures (seconds) are in ``benchmarks/big_file.py``; these tests check what bounds the
work: where the parse stops, which error details are built, and that nothing changes for
ordinary files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from tests.conftest import SCENARIOS
from workbench import loading
from workbench.errors import ScenarioError
from workbench.loading import MAX_FILE_BYTES, MAX_VALUES, problems_from_validation_error
from workbench.scenario import Scenario, load_scenario
from workbench.yaml_events import (
    AliasError,
    DuplicateKeyError,
    TooDeepError,
    TooManyValuesError,
    load_document,
)

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "catalogue"
CONTEXT = {"units_required": True}

SCALARS = [
    "a: 0",
    "a: 010",
    "a: 12",
    "a: 1_000",
    "a: 0x1f",
    "a: 0b101",
    "a: 1:30",
    "a: -5",
    "a: +5",
    "a: 2.5",
    "a: 1e3",
    "a: .inf",
    "a: yes",
    "a: Off",
    "a: ~",
    "a:",
    "a: 2001-12-14",
    "a: 2001-12-14 21:59:43.10 -5",
    "a: !!str 5",
    "a: ! 5",
    'a: "5"',
    "a: '010'",
    "a: !!binary aGVsbG8=",
    "a: !!float 3",
    "a: [1, {b: 2}, [c]]",
    "a: &x 5\nb: *x",
    "a: |\n  two\n  lines\n",
    "",
]


@pytest.mark.parametrize("text", SCALARS)
def test_values_are_the_same_as_pyyaml_safe_load(text: str) -> None:
    assert load_document(text, 100) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "path", [*sorted(SCENARIOS.glob("*.yaml")), *sorted(CATALOGUE.glob("*.yaml"))], ids=str
)
def test_shipped_files_load_as_pyyaml_loads_them(path: Path) -> None:
    text = path.read_text()
    assert load_document(text, MAX_VALUES) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "error", "line"),
    [
        ("a: 1\nb:\n  c: 2\n  c: 3\n", DuplicateKeyError, 4),
        ("x: [{a: 1, a: 2}]", DuplicateKeyError, 1),
        ("a: &m {b: 1}\nc: *m\n", AliasError, 2),
        ("a: &s [1]\nc: [*s, *s]\n", AliasError, 2),
        ("a: " + "[" * 150 + "]" * 150, TooDeepError, 1),
        ("a: !!python/object:os.system {}\n", yaml.constructor.ConstructorError, 1),
        ("a: !!set {x}\n", yaml.constructor.ConstructorError, 1),
        ("<<: {a: 1}\n", yaml.constructor.ConstructorError, 1),
        ("? [1]\n: 2\n", yaml.constructor.ConstructorError, 1),
        ("a: *nothing\n", yaml.composer.ComposerError, 1),
        ("--- 1\n--- 2\n", yaml.composer.ComposerError, 2),
    ],
)
def test_refusals_carry_the_line(text: str, error: type[Exception], line: int) -> None:
    with pytest.raises(error) as info:
        load_document(text, 100)
    assert isinstance(info.value, yaml.MarkedYAMLError)
    mark = info.value.problem_mark
    assert mark is not None and mark.line + 1 == line


def test_the_parse_stops_at_the_value_limit() -> None:
    """Work is bounded by the limit, not by the file: the parse stops on the first line past it."""
    text = "placement:\n" + "".join(f"  k{i}: v\n" for i in range(100_000))
    with pytest.raises(TooManyValuesError) as info:
        load_document(text, 1_000)
    mark = info.value.problem_mark
    assert mark is not None and mark.line + 1 == 501  # "placement", 499 keys and values, k499


def test_a_16_mb_file_with_a_million_problems_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "million.yaml"
    head = (SCENARIOS / "factory_floor.yaml").read_text().split("\n# The WAN")[0]
    lines = [f"  w{i}.s: gw\n" for i in range(1_000_000)]
    path.write_text(head + "".join(lines)[: MAX_FILE_BYTES - len(head) - 100].rsplit("\n", 1)[0])
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    message = re.fullmatch(
        f"{re.escape(str(path))}: the file has more than {MAX_VALUES:,} values \\(keys, list "
        "items and mappings; the limit, reached at line ([0-9,]+)\\); describe large fleets "
        "with node 'count' or the Python builders\n",
        done.stdout,
    )
    assert message, done.stdout
    line = int(message[1].replace(",", ""))  # two values a line, after the factory's own
    assert abs(line - MAX_VALUES // 2) < 500, "the parse did not stop at the limit"


def _broken_nodes(valid: int, broken: int) -> dict[str, Any]:
    good = {"tier": "far_edge", "hardware": "stm32h7a3"}
    return {
        "name": "many",
        "nodes": [{"id": f"n{i}", **good} for i in range(valid)]
        + [{"id": f"b{i}", "count": 0, "bogus": i} for i in range(broken)],
        "workloads": [
            {
                "id": "w",
                "source": {"node": "n0", "kind": "vibration", "rate": "1 /s"},
                "stages": [{"id": f"s{i}", "model": "m", "x": 1} for i in range(2_000)],
            }
        ],
        "placement": {f"k{i}": 5 for i in range(1_500)},
    }


def _errors_of(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data, context=CONTEXT)
    return info.value


class _NoDetails:
    """A ValidationError that may be counted but whose details may not all be built."""

    def __init__(self, exc: ValidationError) -> None:
        self._exc = exc

    def error_count(self) -> int:
        return self._exc.error_count()

    def errors(self, **_: Any) -> Any:
        raise AssertionError("the details of every error were built")


def _keys_before_fields() -> dict[str, Any]:
    """One node with 30,000 unknown keys before its tier and hardware: a copy cut inside it
    lacks them, which must not show as 'missing'."""
    node = {"id": "n", **{f"x{i}": 1 for i in range(30_000)}}
    return {"name": "n", "nodes": [node | {"tier": "far_edge", "hardware": "stm32h7a3"}]}


@pytest.mark.parametrize(
    "data",
    [
        _broken_nodes(0, 3_000),
        _broken_nodes(30_000, 3_000),
        _broken_nodes(10, 0),
        _keys_before_fields(),
    ],
    ids=["broken-nodes", "valid-then-broken", "broken-later-fields", "cut-inside-a-node"],
)
def test_printed_problems_are_those_of_the_whole_input_and_the_rest_counted(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Details come from a shortened copy (also when the first 30,000 nodes are valid, or the
    errors are in later fields), yet the lines equal those built from every error."""
    exc = _errors_of(data)
    fast = problems_from_validation_error(_NoDetails(exc), Scenario, data, CONTEXT)  # type: ignore[arg-type]
    monkeypatch.setattr(loading, "MANY_ERRORS", 10**9)
    assert fast == problems_from_validation_error(exc, Scenario, data, CONTEXT)
    assert len(fast) == 201
    assert fast[-1].message == (
        f"... and {exc.error_count() - 200:,} more problems; fix the ones above first"
    )


def test_unknown_placement_keys_past_the_first_are_counted_not_printed(tmp_path: Path) -> None:
    path = tmp_path / "keys.yaml"
    text = (SCENARIOS / "factory_floor.yaml").read_text()
    extra = "".join(f"  w{i}.s: line-gw\n" for i in range(100_000))
    path.write_text(text.replace("placement:\n", "placement:\n" + extra, 1))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert len(problems) == 201
    assert all(p.message.startswith("unknown stage 'w") for p in problems[:200]), problems[0]
    assert problems[-1].message == "... and 99,800 more problems; fix the ones above first"
