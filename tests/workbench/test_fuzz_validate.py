"""Fuzzing: mutated copies of the shipped scenarios never make the workbench crash.

hypothesis changes one to three places of a shipped scenario (wrong types, extreme and
non-finite numbers, odd strings, missing keys, duplicated items and ids, unknown keys) and
checks that ``workbench validate`` exits 0 or 2 printing only ``FILE: field: message`` lines,
and that whatever validates also advises and simulates 5 s without an internal error.

CI runs a fixed, bounded set of examples; run many more locally with, e.g.,
``FUZZ_EXAMPLES=2000 pytest tests/workbench/test_fuzz_validate.py``.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import SCENARIOS
from workbench.advisor import advise
from workbench.cli import main
from workbench.errors import ScenarioError
from workbench.scenario import load_scenario
from workbench.sim import simulate

PYDANTIC = re.compile(
    r"\(top level\)|String should|Input should|Field required|Extra inputs|Value error|"
    r"Assertion failed|Keys should|should be a valid|\[type="
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
BASES = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(SCENARIOS.glob("*.yaml"))}

ODD_STRINGS = [
    "",
    " ",
    "1e30 s",
    "1e-30 s",
    "5e-324 bit/s",
    "-1 ms",
    "0 s",
    "nan",
    "inf s",
    "1 x" + " " * 200 + "y",
    "25 ms" * 20,
    "x" * 5000,
    "a.b",
    "a b",
    "é✓\u202e",
    "cloud",
    "line-gw",
    "on_prem",
    "far_edge",
    "h100_node",
    "phi",
    "100 %",
    "2 GB",
    "1 bit/s",
    "1 kHz",
    "1 us",
    "36500 d",
    "~",
    "{}",
]
NUMBERS = st.one_of(
    st.sampled_from(
        [0, -1, 1, 2**63, 2**64, 10**400, 1e308, 1e-320, 1e30, -0.0, 0.5, 1.5, 1e9, 1e6]
    ),
    st.sampled_from([math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
)
SCALARS = st.one_of(
    NUMBERS, st.sampled_from(ODD_STRINGS), st.text(max_size=30), st.booleans(), st.none()
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), SCALARS, max_size=3),
)


EXTREMES = st.sampled_from(
    ["0", "1e-9", "1e-6", "0.001", "1", "1e3", "1e6", "1e9", "1e12", "1e15", "3e7", "-1", "1e300"]
)


def _rescaled(value: Any, number: str) -> Any:
    """``value`` with its number replaced: '25 ms' -> '1e9 ms', 40 -> 1e9."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(number) if "e" in number or "." in number else int(number)
    if isinstance(value, str) and value[:1].isdigit() and " " in value:
        return f"{number} {value.split(' ', 1)[1]}"
    return value


def _containers(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every mapping and list in ``data`` (the places a mutation can touch)."""
    found = [path]
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if isinstance(value, dict | list):
            found += _containers(value, (*path, key))
    return found


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A shipped scenario with one to three mutations."""
    data = yaml.safe_load(yaml.safe_dump(BASES[draw(st.sampled_from(sorted(BASES)))]))
    for _ in range(draw(st.integers(1, 3))):
        target = _at(data, draw(st.sampled_from(_containers(data))))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = draw(
            st.sampled_from(
                ["replace", "replace", "rescale", "rescale", "delete", "duplicate", "add"]
            )
        )
        if not keys:
            action = "add"
        if action == "add":
            key = draw(st.one_of(st.sampled_from(["id", "count", "rate", "x"]), st.integers()))
            if isinstance(target, list):
                target.append(draw(VALUES))
            else:
                target[key] = draw(VALUES)
            continue
        key = draw(st.sampled_from(keys))
        if action == "replace":
            target[key] = draw(VALUES)
        elif action == "rescale":  # same unit, extreme number: likely to pass the schema
            target[key] = _rescaled(target[key], draw(EXTREMES))
        elif action == "delete":
            del target[key]
        elif isinstance(target, list):  # duplicate: the same item (and id) twice
            target.insert(key, yaml.safe_load(yaml.safe_dump(target[key])))
        else:
            target[key] = yaml.safe_load(yaml.safe_dump(target[key]))
    return data


def _validate(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "-q", str(path)])
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(data=mutated())
def test_mutated_scenarios_are_refused_clearly_or_run(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        code, out, err = _validate(path)
        assert code in (0, 2), f"exit {code}: {err}"
        assert "Traceback" not in out + err and not err, err
        for line in out.splitlines():
            assert line.startswith(f"{path}: ") and len(line) > len(f"{path}: "), line
            assert not PYDANTIC.search(line), f"pydantic's words, not ours: {line}"
        if code == 2:
            assert out, "exit 2 with nothing printed"
            event("refused by validate")
            return
        event("valid: advised and simulated")
        scenario = load_scenario(path)
        assert advise(scenario) or not scenario.workloads
        try:
            result = simulate(scenario, until=5.0)
        except ScenarioError as exc:  # a run refused as too large, in its own words
            assert "force" in str(exc), str(exc)
            event("valid, but refused as too large to run")
            return
        result.summary()
