"""Bad versions and rollouts are refused with one sentence naming the field and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.errors import ScenarioError
from workbench.scenario import Rollout, Scenario
from workbench.sim import Simulation
from workbench.validation import validate_scenario

from .conftest import BAD, bad_rollout


def _messages(s: Scenario) -> list[str]:
    return [f"{p.path}: {p.message}" for p in validate_scenario(s)]


def _with_rollout(**fields: object) -> Scenario:
    s = bad_rollout()
    data = s.rollouts[0].model_dump() | fields
    s.rollouts = [Rollout.model_validate(data)]
    return s


def test_the_scenario_is_valid() -> None:
    assert _messages(bad_rollout()) == []


def test_unknown_version() -> None:
    (line,) = _messages(_with_rollout(version="defect-v9"))
    assert line.startswith("rollouts[0].version: unknown version 'defect-v9'")
    assert "defect-v2" in line


def test_unknown_installed_version() -> None:
    s = bad_rollout()
    s.nodes = [
        n.model_copy(update={"versions": ["nope"]}) if n.id == "line-gw" else n for n in s.nodes
    ]
    (line,) = _messages(s)
    assert line.startswith("nodes[2].versions[0]: unknown version 'nope'")


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_canary_share_outside_open_interval(share: float) -> None:
    (line,) = _messages(_with_rollout(share=share))
    assert line == (
        f"rollouts[0].share: {share:g} is outside (0, 1); give a share between 0 and 1, e.g. 0.1"
    )


def test_target_that_cannot_hold_the_checkpoint() -> None:
    s = _with_rollout(strategy="all_at_once", targets={"nodes": ["line-gw", "cameras"]})
    s.nodes = [
        n.model_copy(update={"storage_bytes": 50e6}) if n.id == "cameras" else n for n in s.nodes
    ]
    (line,) = _messages(s)
    assert line == (
        "rollouts[0].targets: cameras has no room for the 98 MB checkpoint of defect-v2 in its "
        "storage of 50 MB; raise nodes[1].storage or choose other targets"
    )


def test_canary_without_room_for_two_versions() -> None:
    s = bad_rollout()
    s.nodes = [
        n.model_copy(update={"storage_bytes": 150e6}) if n.id == "line-gw" else n for n in s.nodes
    ]
    (line,) = _messages(s)
    assert line == (
        "rollouts[0].targets: line-gw has no room for two versions (98 MB + 98 MB) in its "
        "storage of 150 MB; raise nodes[2].storage or choose other targets"
    )
    # the same node can take it all at once (one version replaces the other)
    s.rollouts = [s.rollouts[0].model_copy(update={"strategy": "all_at_once"})]
    assert _messages(s) == []


def test_installed_versions_must_fit() -> None:
    s = bad_rollout()
    s.nodes = [
        n.model_copy(update={"storage_bytes": 10e6}) if n.id == "line-gw" else n for n in s.nodes
    ]
    lines = _messages(s)
    assert lines[0] == (
        "nodes[2].versions: line-gw cannot hold its versions (98 MB) in its storage of 10 MB; "
        "raise nodes[2].storage or install fewer"
    )


def test_canary_needs_an_aggregation_edge_target() -> None:
    s = bad_rollout()
    s.nodes = [
        n.model_copy(update={"versions": ["defect-v1"]}) if n.id == "cameras" else n
        for n in s.nodes
    ]
    s.rollouts = [
        s.rollouts[0].model_copy(
            update={"targets": s.rollouts[0].targets.model_copy(update={"nodes": ["cameras"]})}
        )
    ]
    (line,) = _messages(s)
    assert "a canary runs at the aggregation edge" in line


def test_cli_validate_names_file_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(BAD.read_text())
    data["rollouts"][0]["version"] = "defect-v3"
    data["extends"] = str(BAD.parent / "factory_floor.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert f"{path}: rollouts[0].version: unknown version 'defect-v3'" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_start_rollout_refuses_bad_input() -> None:
    sim = Simulation(bad_rollout(), until=30, seed=1)
    bad = bad_rollout().rollouts[0].model_copy(update={"version": "defect-v7"})
    with pytest.raises(ScenarioError, match="unknown version 'defect-v7'"):
        sim.start_rollout(bad)


def test_canary_needs_an_old_version_to_compare_with() -> None:
    s = bad_rollout()
    s.nodes = [n.model_copy(update={"versions": []}) if n.id == "line-gw" else n for n in s.nodes]
    (line,) = _messages(s)
    assert line == (
        "rollouts[0].targets: a canary compares defect-v2 with the version line-gw runs, and "
        "it runs none of 'resnet50'; list one in nodes[2].versions or use strategy "
        "'all_at_once'"
    )
