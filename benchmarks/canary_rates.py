"""False-promote and false-rollback rates of the canary of factory_bad_rollout, over seeds.

Usage: python benchmarks/canary_rates.py [SEEDS] [--fast]

Runs the scenario's canary (inspection workload alone, no WAN cut, rollout at 0 s) with the
new version's true accuracy at 0.85 (the scenario: should roll back), 0.90 (worse by exactly
the margin: the test's design point, promoted at most alpha of the time), 0.95 (equal) and
0.97 (better), and prints how often each was promoted or rolled back, with the mean time to
decide and wrong predictions served. ``--fast`` labels every request after 1 s (the same
evidence sooner) instead of the scenario's 25 % after 10 s.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.scenario import Labels, Scenario
from workbench.sim import simulate


def canary(accuracy: float, fast: bool) -> Scenario:
    from tests.workbench.control.conftest import inspection_only

    s = inspection_only()
    if fast:
        (w,) = s.workloads
        s.workloads = [w.model_copy(update={"labels": Labels(share=1.0, delay_s=1.0)})]
    s.model_versions = [
        v.model_copy(update={"accuracy": accuracy}) if v.id == "defect-v2" else v
        for v in s.model_versions
    ]
    return s


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seeds = int(args[0]) if args else 40
    fast = "--fast" in sys.argv
    until = 120 if fast else 600
    print(f"{seeds} seeds, {'fast labels' if fast else 'scenario labels (25 %, 10 s)'}")
    for accuracy in (0.85, 0.90, 0.95, 0.97):
        s = canary(accuracy, fast)
        decisions: Counter[str] = Counter()
        decide, wrong = [], []
        for seed in range(seeds):
            row = simulate(s, until=until, seed=seed).rollouts().iloc[0]
            decisions[row["decision"]] += 1
            decide.append(row["time_to_decide_s"])
            wrong.append(row["wrong_predictions"])
        print(
            f"v2 accuracy {accuracy:.2f} vs v1 0.95: promoted {decisions['promoted']}, "
            f"rolled back {decisions['rolled_back']}, undecided {decisions['incomplete']}; "
            f"mean time to decide {sum(decide) / seeds:.0f} s, "
            f"wrong predictions by v2 {sum(wrong) / seeds:.0f}"
        )


if __name__ == "__main__":
    main()
