"""DP-FedAvg: the epsilon reported is dp-accounting's; more noise, smaller epsilon and lower
accuracy, on every seed."""

from __future__ import annotations

import itertools
import math

import dp_accounting
import numpy as np
import pytest

from workbench.federated import privacy
from workbench.federated.learning import train_rounds
from workbench.scenario import Federated
from workbench.sim import Simulation

from .conftest import variant

SITES = [0, 0, 1, 1, 2, 2, 3, 3]


def direct(z: float, q: float, rounds: int, delta: float) -> float:
    """dp-accounting called directly, as its README shows."""
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), rounds
    )
    accountant = dp_accounting.rdp.RdpAccountant()
    accountant.compose(event)
    return float(accountant.get_epsilon(delta))


def test_the_summary_epsilon_is_dp_accountings() -> None:
    scenario = variant(
        {
            "rounds": 6,
            "sample": 0.75,
            "privacy": {"clip": 1.0, "noise_multiplier": 1.3, "delta": 1e-6},
        }
    )
    summary = Simulation(scenario, until=500).run().summary()["federated"]
    assert len(summary["rounds"]) == 6
    assert summary["delta"] == 1e-6
    assert summary["epsilon"] == direct(1.3, 0.75, 6, 1e-6)


def test_no_noise_no_guarantee() -> None:
    assert math.isinf(privacy.epsilon(0.0, 1.0, 10, 1e-5))
    summary = Simulation(variant({"rounds": 2, "privacy": None}), until=200).run().summary()
    assert summary["federated"]["epsilon"] is None and summary["federated"]["delta"] is None


@pytest.mark.parametrize("seed", range(4))
def test_more_noise_smaller_epsilon_lower_accuracy(seed: int) -> None:
    """Noise multipliers 0, 1, 3, 8 (clip 0.5, 15 rounds, 8 clients): epsilon inf, 24.8, 6.4,
    2.1 and accuracy (mean of the last 5 rounds) falls at each step on this seed."""
    accuracy, eps = [], []
    for z in (0.0, 1.0, 3.0, 8.0):
        config = Federated.model_validate(
            {
                "clients": ["c"],
                "aggregator": "a",
                "rounds": 15,
                "hidden": 0,
                "privacy": {"clip": 0.5, "noise_multiplier": z},
            }
        )
        _, log = train_rounds(config, SITES, seed)
        accuracy.append(float(np.mean(log.accuracy[-5:])))
        eps.append(privacy.epsilon(z, 1.0, 15, 1e-5))
    assert all(a > b for a, b in itertools.pairwise(accuracy))
    assert all(a > b for a, b in itertools.pairwise(eps))


def test_clipped_updates_are_bounded() -> None:
    """Every update a client sends under privacy has L2 norm at most the clip, after decoding."""
    config = Federated.model_validate(
        {
            "clients": ["c"],
            "aggregator": "a",
            "rounds": 1,
            "compression": "int8",
            "learning_rate": 5.0,
            "privacy": {"clip": 0.05, "noise_multiplier": 1.0},
        }
    )
    learner, _ = train_rounds(config, SITES, 1)
    for client in range(len(SITES)):
        delta, _ = learner.local_update(client, learner.params)
        assert np.linalg.norm(delta) <= 0.05 + 1e-12
