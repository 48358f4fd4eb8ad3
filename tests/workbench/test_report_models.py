"""The report's "Models" section: there with model versions, absent without."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from workbench.report import FIGURE_IDS, MODEL_FIGURE_IDS, write_report
from workbench.scenario import load_scenario
from workbench.sim import Results, simulate


@pytest.fixture(scope="module")
def bad_rollout() -> Results:
    """The factory's canary of a worse defect classifier, run to its decision."""
    return simulate(load_scenario(SCENARIOS / "factory_bad_rollout.yaml"), until=450, seed=1)


def _section(page: str, name: str) -> str:
    match = re.search(f'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def test_models_section_shows_versions_rollout_decision_and_figures(
    bad_rollout: Results, tmp_path: Path
) -> None:
    page = write_report(bad_rollout, tmp_path / "report.html").read_text()
    models = _section(page, "models")
    assert page.index('<section id="models">') < page.index('<section id="topology">')
    # the per-version table: served, wrong, true and claimed accuracy
    assert "defect-v2" in models and "claimed accuracy" in models and "97 %" in models
    # the rollout, its decision and the cost of the bad model
    (rollout,) = bad_rollout.rollouts().itertuples(index=False)
    assert rollout.decision == "rolled_back"
    assert '<td class="bad">rolled back</td>' in models
    assert f'<td class="bad">{int(rollout.wrong_predictions):,}</td>' in models
    assert "98 MB" in models  # the checkpoint, down each boundary it crossed
    assert "Hyperscale cloud → Telco edge (MEC) 98 MB" in models
    # the decision's evidence
    (decision,) = bad_rollout.decisions().itertuples(index=False)
    assert f"<td>{int(decision.n_new):,}</td>" in models and "threshold" in models
    # the version timeline and the accuracy figure; every transfer finished: no progress bars
    assert 'id="version-timeline-figure"' in models and 'id="accuracy-figure"' in models
    assert MODEL_FIGURE_IDS[2] not in page
    assert "defect-v2-canary: rolled back" in models  # the decision's label in the figures
    assert "wan down" in models  # the WAN cut that paused the transfer


def test_an_unfinished_transfer_gets_the_progress_figure(tmp_path: Path) -> None:
    """Stopped during the WAN cut, the checkpoint is part way: the progress bars show it."""
    results = simulate(load_scenario(SCENARIOS / "factory_bad_rollout.yaml"), until=150, seed=1)
    (transfer,) = results.transfers().itertuples(index=False)
    assert transfer.state != "done" and 0 < transfer.bytes < 98e6
    page = write_report(results, tmp_path / "report.html").read_text()
    models = _section(page, "models")
    assert f'id="{MODEL_FIGURE_IDS[2]}"' in models
    share = transfer.bytes / 98e6
    assert f'"paused {share * 100:.0f} %"' in models  # the bar says why it stopped
    assert "<td>incomplete</td>" in _section(page, "models")


def test_no_models_section_without_versions(tmp_path: Path) -> None:
    results = simulate(load_scenario(SCENARIOS / "factory_floor.yaml"), until=20, seed=1)
    page = write_report(results, tmp_path / "report.html").read_text()
    assert 'id="models"' not in page
    assert all(f'id="{div}"' not in page for div in MODEL_FIGURE_IDS)
    assert all(f'id="{div}"' in page for div in FIGURE_IDS if div != "buffer-figure")
