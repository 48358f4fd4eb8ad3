"""Every validation rule, on a corpus of broken files and on scenarios changed in Python."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import BROKEN
from workbench.errors import ScenarioError
from workbench.scenario import Scenario, load_scenario
from workbench.validation import validate_scenario

CORPUS = sorted(BROKEN.glob("*.yaml"))
# Files whose expectation cannot live in a comment inside them.
SPECIAL = {
    "empty": ("(file)", "file is empty"),
    "binary": ("(file)", "not a text file"),
}


def _expectation(path: Path) -> tuple[str, str]:
    if path.stem in SPECIAL:
        return SPECIAL[path.stem]
    head = path.read_bytes()[:400].decode("latin-1")
    match = re.search(r"# expect: (.+?) \| (.+)", head)
    assert match, f"{path.name} has no '# expect: PATH | MESSAGE' line"
    return match[1].strip(), match[2].strip()


def test_the_corpus_covers_the_rules() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_broken_file_is_rejected_with_field_path_and_message(path: Path) -> None:
    field, message = _expectation(path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    prefix = f"{path}: " if field == "(file)" else f"{path}: {field}: "  # (file): no field
    matching = [line for line in lines if line.startswith(prefix)]
    assert matching, f"no line starts with {prefix!r}; got {lines}"
    assert any(message in line for line in matching), f"{message!r} not in {matching}"
    assert "Traceback" not in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_huge_file_of_junk_gives_few_lines_quickly(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("nodes:\n" + "  - 1\n" * 200_000)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) <= 25
    assert "more items like these" in str(info.value)


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.seek(17 * 1024 * 1024)
        f.write(b"\n")
    with pytest.raises(ScenarioError, match="the limit is"):
        load_scenario(path)


def test_valid_examples_have_no_problems(factory: Scenario) -> None:
    assert validate_scenario(factory) == []


def test_all_problems_are_reported_at_once(factory: Scenario) -> None:
    factory.nodes[0].hardware = "nope"
    factory.links[0].profile = "nope"
    factory.placement["bearing-wear.twin"] = "nope"
    paths = {p.path for p in validate_scenario(factory)}
    assert {"nodes[0].hardware", "links[0].profile", "placement.bearing-wear.twin"} <= paths


def test_phi_may_not_route_through_the_cloud(factory: Scenario) -> None:
    """A path that detours above the boundary is rejected even if both ends are on-prem."""
    factory.links = [link for link in factory.links if link.key != "plant-lan"]
    factory.links.append(
        factory.links[-1].model_copy(update={"id": "gw-cloud", "ends": ("line-gw", "cloud")})
    )
    problems = validate_scenario(factory)
    assert any(
        p.path == "placement.bearing-wear.twin"
        and "every path from 'line-gw' to 'plant-dc'" in p.message
        and "passes above it" in p.message
        for p in problems
    ), problems


def test_output_class_lets_de_identified_results_leave(factory: Scenario) -> None:
    workload = factory.workload("bearing-wear")
    factory.placement["bearing-wear.twin"] = "cloud"
    factory.workloads[0].sink = "cloud"
    assert validate_scenario(factory)
    workload.stages[1].output_class = "public"
    assert validate_scenario(factory) == []


def test_schema_errors_from_python_assignments_are_caught(factory: Scenario) -> None:
    with pytest.raises(ValueError, match="greater than zero"):
        factory.link("wan").bandwidth_bps = -5.0
