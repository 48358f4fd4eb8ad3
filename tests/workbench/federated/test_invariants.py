"""Across settings: every picked client is counted once per round (in, quarantined or
dropped), rounds never overlap, and bytes of a round are whole messages."""

from __future__ import annotations

import itertools

import pytest

from workbench.scenario import FederatedPrivacy
from workbench.sim import Simulation

from .conftest import variant

CUT = [{"link": "wan-b", "at": "130 s", "duration": "100 s"}]
SETTINGS = list(
    itertools.product(
        [True, False],  # hierarchical
        [1.0, 0.5],  # sample
        [None, 3],  # min_updates
        [None, {"clip": 1.0, "noise_multiplier": 1.0}],  # privacy
    )
)


@pytest.mark.parametrize(("hierarchical", "sample", "k", "dp"), SETTINGS)
def test_every_picked_client_is_counted_once(
    hierarchical: bool, sample: float, k: int | None, dp: dict[str, float] | None
) -> None:
    federated = {
        "hierarchical": hierarchical,
        "sample": sample,
        "min_updates": k,
        "privacy": dp,
        "rounds": 6,
        "every": None,
        "deadline": "5 s",
    }
    scenario = variant(federated, failures=CUT)
    if dp is not None:
        assert isinstance(scenario.federated.privacy, FederatedPrivacy)
    sim = Simulation(scenario, until=400)
    table = sim.run().federated_rounds()
    assert len(table) == 6
    counted = table["participants"] + table["quarantined"] + table["dropped"]
    assert (counted == table["picked"]).all()
    assert (table["dropped"] >= 0).all()
    assert (table["start_s"].iloc[1:].to_numpy() >= table["end_s"].iloc[:-1].to_numpy()).all()
    assert (table["duration_s"] <= 5.0 + 1e-9).all()
    if k is not None and not hierarchical:  # the round closes at the K-th update
        assert (table["participants"] <= k).all()
    assert table["accuracy"].between(0, 1).all()
