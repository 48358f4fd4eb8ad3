"""The report's "Learning loop" section: there with drift or learning, absent without; its
tables and figures built from tables shaped as the issue-12 contract says."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SCENARIOS
from tests.workbench.learning_tables import (
    LEARNING,
    accuracy_table,
    decisions_table,
    detections_table,
    episodes_table,
    events_table,
    rollouts_table,
)
from workbench.plots_learning import NO_EPISODES
from workbench.report import (
    LEARNING_FIGURE_IDS,
    declares_learning,
    learning_section_html,
    write_report,
)
from workbench.scenario import load_scenario
from workbench.sim import Results, simulate

LOOPS = {
    "defect-loop": {"detector": "adwin", "stream": "errors", "node": "line-gw",
                    "detections": 2, "false_alarms": 1, "retrainings": 1,
                    "label_bytes_up": 4.4e9, "gpu_hours": 0.1389},
}  # fmt: skip


def _section(accuracy: pd.DataFrame, episodes: pd.DataFrame, **tables: pd.DataFrame | None) -> str:
    return learning_section_html(
        accuracy=accuracy, until_s=420.0, bin_s=60.0, workloads=["inspect"],
        learning={**LEARNING, "loops": LOOPS}, episodes=episodes, **tables,
    )  # fmt: skip


def test_learning_section_has_episode_numbers_loops_and_both_figures() -> None:
    html = _section(
        accuracy_table(), episodes_table(), events=events_table(),
        detections=detections_table(), decisions=decisions_table(), rollouts=rollouts_table(),
    )  # fmt: skip
    assert html.startswith('<section id="learning">') and "<h2>Learning loop</h2>" in html
    # per episode: time to detect and recover, wrong predictions, GPU-hours, where it retrained
    assert "<td>30.3</td>" in html and "<td>209.9</td>" in html
    assert "<td>5,321</td>" in html and "<td>4,100</td>" in html
    assert "<td>0.139</td>" in html and '<td class="text">plant-dc</td>' in html
    assert '<td class="good">recovered</td>' in html and '<td class="bad">undetected</td>' in html
    assert "time to detect (s)" in html and "GPU-hours" in html
    # per loop: the detector and its false alarms
    assert '<td class="text">adwin</td>' in html and '<td class="bad">1</td>' in html
    # the figures, with the loop's marks in the accuracy timeline
    assert f'id="{LEARNING_FIGURE_IDS[0]}"' in html and f'id="{LEARNING_FIGURE_IDS[1]}"' in html
    for label in ("drift starts", "detected (adwin)", "retraining", "recovered"):
        assert f'"text":"{label}"' in html, label
    assert '"text":"accuracy (%)"' in html and '"text":"bytes up (log scale)"' in html


def test_a_run_without_episodes_says_so() -> None:
    html = _section(accuracy_table(), episodes_table().iloc[0:0])
    assert NO_EPISODES in html
    assert f'id="{LEARNING_FIGURE_IDS[0]}"' in html  # the timeline still shows the accuracy


def test_two_drifting_workloads_get_a_figure_each() -> None:
    html = learning_section_html(
        accuracy=accuracy_table(), until_s=420.0, bin_s=60.0, workloads=["inspect", "other"],
        learning={}, episodes=episodes_table(),
    )  # fmt: skip
    ids = re.findall(r'<div id="(learning-accuracy-figure[^"]*)"', html)
    assert ids == ["learning-accuracy-figure", "learning-accuracy-figure-2"]
    assert "Accuracy of other per site" in html


def test_no_learning_section_without_drift_or_learning(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "factory_bad_rollout.yaml")
    assert not declares_learning(scenario)
    page = write_report(simulate(scenario, until=30, seed=1), tmp_path / "r.html").read_text()
    assert 'id="learning"' not in page
    assert all(f'id="{div}"' not in page for div in LEARNING_FIGURE_IDS)


@pytest.fixture(scope="module")
def drift_run() -> Results:
    """The drifting factory, run through its episode: detected, retrained on-prem, recovered."""
    return simulate(load_scenario(SCENARIOS / "factory_drift.yaml"), until=600, seed=1)


def test_the_report_of_a_drifting_run_shows_the_loop(drift_run: Results, tmp_path: Path) -> None:
    page = write_report(drift_run, tmp_path / "report.html").read_text()
    match = re.search(r'<section id="learning">(.*?)</section>', page, re.S)
    assert match, "no learning section"
    learning = match.group(1)
    assert page.index('id="learning"') < page.index('<section id="topology">')
    (episode,) = drift_run.learning().itertuples(index=False)
    assert episode.state == "recovered"
    # the episode's numbers as the summary has them
    assert f"<td>{round(episode.time_to_detect_s, 1):,.6g}</td>" in learning
    assert f"<td>{round(episode.time_to_recover_s, 1):,.6g}</td>" in learning
    assert f"<td>{int(episode.wrong_predictions):,}</td>" in learning
    assert '<td class="text">plant-dc</td>' in learning
    assert '<td class="good">recovered</td>' in learning
    # the timeline with the loop marked, and the bytes up (4.4 GB of samples to the plant DC)
    assert f'id="{LEARNING_FIGURE_IDS[0]}"' in learning
    for label in ("drift starts", "detected (adwin)", "retraining", "recovered"):
        assert f'"text":"{label}"' in learning, label
    assert '"text":"r1 promoted"' in learning
    assert f'id="{LEARNING_FIGURE_IDS[1]}"' in learning and '"4.4 GB"' in learning
