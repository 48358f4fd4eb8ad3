"""Rounds on the simulated hierarchy: models down and updates up over the real links, K of N,
deadlines, failed links, compression bytes, and no raw training byte leaving the premises."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.federated import tables, updates
from workbench.sim import Simulation

from .conftest import variant

PLAIN = {"privacy": None, "skew": None, "compression": "none", "rounds": 5}
NO_OUTAGE: dict[str, list[object]] = {"failures": []}
MODEL = updates.model_bytes(8 * 16 + 16 + 16 + 1)  # 8 features, 16 hidden units: 161 params


def rounds_of(scenario, until: float = 400.0):  # type: ignore[no-untyped-def]
    sim = Simulation(scenario, until=until)
    return sim, sim.run().federated_rounds()


def test_bytes_per_round_follow_the_hierarchy() -> None:
    """Down: the model to 4 data centres and 8 gateways; up: 8 updates and 4 site sums."""
    _, table = rounds_of(variant(PLAIN, **NO_OUTAGE))
    assert len(table) == 5
    assert (table["bytes_down"] == 12 * MODEL).all()
    assert (table["bytes_up"] == 12 * MODEL).all()
    assert (table["participants"] == 8).all()
    assert table["accuracy"].iloc[-1] > 0.8


@pytest.mark.parametrize(
    ("kind", "per_update"), [("fp16", 2 * 161), ("int8", 161 + 4), ("topk", 8 * 17 + 4)]
)
def test_compressed_updates_move_the_bytes_they_should(kind: str, per_update: float) -> None:
    _, table = rounds_of(variant({**PLAIN, "compression": kind}, **NO_OUTAGE))
    assert (table["bytes_up"] == 12 * per_update).all()
    assert (table["bytes_down"] == 12 * MODEL).all()  # the model goes down in float32


def test_a_cut_wan_drops_its_hospital_until_it_returns() -> None:
    """wan-d is down from 600 s to 1200 s: those rounds wait for hospital D until its data
    centre's share of the 20 s deadline is over (the time its sum needs to reach the cloud kept
    back), then close with 6 updates."""
    _, table = rounds_of(variant({**PLAIN, "rounds": 30}), until=1900)
    during = table[(table["start_s"] >= 600) & (table["start_s"] < 1200)]
    after = table[table["start_s"] >= 1200]
    assert len(during) == 10
    assert (during["participants"] == 6).all() and (during["dropped"] == 2).all()
    assert (during["duration_s"] > 19.5).all() and (during["duration_s"] <= 20.0).all()
    assert (after["participants"] == 8).all()


def test_a_deadline_shorter_than_the_satellite_round_trip_makes_stragglers() -> None:
    """GEO: 300 ms each way; the data centre's sum cannot be back within 0.5 s."""
    _, table = rounds_of(variant({**PLAIN, "deadline": "0.5 s"}, **NO_OUTAGE))
    assert (table["participants"] == 6).all()
    _, ok = rounds_of(variant({**PLAIN, "deadline": "2 s"}, **NO_OUTAGE))
    assert (ok["participants"] == 8).all()


def test_k_of_n_closes_a_flat_round_early() -> None:
    """Flat: every gateway reports to the cloud; with K = 4 the round closes at the 4th."""
    flat = {**PLAIN, "hierarchical": False}
    _, all_of_them = rounds_of(variant(flat, **NO_OUTAGE))
    _, k4 = rounds_of(variant({**flat, "min_updates": 4}, **NO_OUTAGE))
    assert (all_of_them["participants"] == 8).all()
    assert (k4["participants"] == 4).all()
    assert (k4["duration_s"] < all_of_them["duration_s"]).all()
    assert (all_of_them["bytes_down"] == 8 * MODEL).all()


def test_no_raw_training_byte_crosses_the_premises_boundary() -> None:
    """On the links table, every byte on a WAN link is a federated transfer, and each of those
    is a model or a sum of parameters, never a training sample."""
    scenario = variant({"rounds": 10}, **NO_OUTAGE)
    sim = Simulation(scenario, until=700)
    results = sim.run()
    links = results.links.groupby(["link", "direction"])["bytes"].sum()
    federated = tables.link_bytes(sim.federated).set_index(["link", "direction"])["bytes"]
    sizes = [m.transfer.size_bytes for s in sim.federated.rounds for m in s.moves]
    for site in "abcd":
        for direction in ("up", "down"):
            wan = (f"wan-{site}", direction)
            assert links[wan] > 0
            assert links[wan] == pytest.approx(federated[wan], rel=1e-12)
    assert max(sizes) <= MODEL
    boundary = tables.boundaries(sim.federated)["premises"]
    assert boundary["up_bytes"] + boundary["down_bytes"] < 1e-4 * boundary["centralised_bytes"]


def test_scenarios_without_federated_import_nothing_of_it() -> None:
    code = (
        "import sys\n"
        "from workbench.scenario import load_scenario\n"
        "from workbench.loading import data_dir\n"
        "from workbench.sim import Simulation\n"
        "s = load_scenario(data_dir() / 'scenarios' / 'hospital.yaml')\n"
        "sim = Simulation(s, until=120)\n"
        "summary = sim.run().summary()\n"
        "assert sim.federated is None and 'federated' not in summary\n"
        "assert 'workbench.federated.rounds' not in sys.modules\n"
        "assert 'dp_accounting' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
