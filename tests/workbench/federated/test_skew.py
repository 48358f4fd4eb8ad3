"""Version skew: a client on an old architecture is quarantined, downloads the current version
(its bytes on the links) and joins again."""

from __future__ import annotations

import pytest

from workbench.federated import tables
from workbench.sim import Simulation

from .conftest import variant

RECONCILE = 50e6  # reconcile_size in hospital_federated.yaml


def run(federated: dict[str, object], until: float = 400.0, **top: object):  # type: ignore[no-untyped-def]
    sim = Simulation(variant({"rounds": 5, **federated}, **top), until=until)
    results = sim.run()
    return sim, results


def test_a_skewed_client_is_quarantined_and_rejoins_after_reconciling() -> None:
    sim, results = run({}, failures=[])
    table = results.federated_rounds()
    assert table["quarantined"].tolist() == [2, 0, 0, 0, 0]
    assert table["participants"].tolist() == [6, 8, 8, 8, 8]
    assert table["bytes_reconcile"].tolist() == [2 * RECONCILE, 0, 0, 0, 0]
    events = results.events
    quarantined = events[events["kind"] == "federated_quarantine"]
    rejoined = events[events["kind"] == "federated_rejoin"]
    assert sorted(quarantined["element"]) == ["icu-c[0]", "icu-c[1]"]
    assert sorted(rejoined["element"]) == ["icu-c[0]", "icu-c[1]"]
    assert (rejoined["t_s"].to_numpy() < 120).all()  # before round 2 starts
    # Hierarchical: hospital C's data centre found it; the download stays on its campus LAN.
    links = tables.link_bytes(sim.federated).set_index(["link", "direction"])["bytes"]
    assert links[("core-c", "down")] == pytest.approx(2 * RECONCILE + 5 * 2 * 644)


def test_flat_the_cloud_quarantines_and_the_version_crosses_the_wan() -> None:
    sim, results = run({"hierarchical": False}, failures=[])
    links = tables.link_bytes(sim.federated).set_index(["link", "direction"])["bytes"]
    assert links[("wan-c", "down")] == pytest.approx(2 * RECONCILE + 5 * 2 * 644)
    assert results.federated_rounds()["quarantined"].tolist() == [2, 0, 0, 0, 0]


def test_a_client_cut_off_stays_quarantined_until_its_download_arrives() -> None:
    """Flat, hospital D's gateways skewed, a 1 GB version each over the one GEO link (2 GB at
    half of 50 Mbit/s: 640 s) and wan-d cut from 100 s to 200 s: the download pauses and
    resumes; meanwhile the gateways drop out (cut) or are quarantined again (reachable, not yet
    reconciled) without a second download; they rejoin once it has arrived."""
    federated = {
        "hierarchical": False,
        "rounds": 15,
        "skew": {"nodes": ["icu-d"], "reconcile_size": "1 GB"},
    }
    cut = [{"link": "wan-d", "at": "100 s", "duration": "100 s"}]
    sim, results = run(federated, until=1100, failures=cut)
    table = results.federated_rounds().set_index("start_s")
    assert table.loc[60.0, "quarantined"] == 2
    assert (table.loc[[120.0, 180.0], "quarantined"] == 0).all()
    assert (table.loc[[120.0, 180.0], "participants"] == 6).all()
    assert table.loc[240.0, "quarantined"] == 2  # reachable again, still downloading
    assert len(sim.federated.reconciles) == 2  # one download per gateway, not one per round
    rejoined = min(sim.federated.reconciled.values())
    assert 790 < rejoined < 810  # 60.6 s + 640 s + the 100 s cut
    later = table.loc[table.index > rejoined, "participants"]
    assert len(later) == 2 and (later == 8).all()
    events = results.events
    assert (events["kind"] == "transfer_pause").sum() >= 2
    assert table["bytes_reconcile"].sum() == pytest.approx(2e9)
