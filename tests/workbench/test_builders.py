"""Builders make large, valid topologies in one line."""

from __future__ import annotations

import pytest

from workbench.builders import hierarchy
from workbench.topology import Topology
from workbench.validation import validate_scenario


def test_hierarchy_has_every_tier_and_is_valid() -> None:
    s = hierarchy(devices=100, devices_per_gateway=10, gateways_per_site=5, sites_per_region=2)
    tiers = {n.tier for n in s.nodes}
    assert tiers == {"far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud"}
    counts = {t: sum(1 for n in s.nodes if n.tier == t) for t in tiers}
    assert counts == {
        "far_edge": 100,
        "aggregation_edge": 10,
        "on_prem": 2,
        "telco_edge": 1,
        "cloud": 1,
    }
    assert validate_scenario(s) == []


def test_ten_thousand_devices_build_as_a_connected_graph() -> None:
    s = hierarchy(devices=10_000, devices_per_gateway=10, gateways_per_site=10, sites_per_region=10)
    assert sum(1 for n in s.nodes if n.tier == "far_edge") == 10_000
    topo = Topology(s)
    assert topo.graph.number_of_nodes() == len(s.nodes) == 11_111
    assert [h.link for h in topo.path("dev10000", "cloud") or []] == [
        "dev10000--gw1000",
        "gw1000--site100-dc",
        "site100-dc--mec10",
        "mec10--cloud",
    ]


def test_grouped_devices_keep_the_total_count() -> None:
    s = hierarchy(devices=1005, devices_per_gateway=10, group_devices=True)
    groups = [n for n in s.nodes if n.tier == "far_edge"]
    assert len(groups) == 101
    assert sum(n.count for n in groups) == 1005
    assert groups[-1].count == 5


def test_dual_homed_sites_make_a_graph_with_redundant_paths() -> None:
    s = hierarchy(devices=40, devices_per_gateway=10, gateways_per_site=2, dual_homed=True)
    topo = Topology(s)
    assert topo.graph.number_of_edges() > topo.graph.number_of_nodes() - 1  # not a tree
    # The direct uplink is chosen when it is faster than going through the MEC.
    s.link("site1-dc--cloud").latency_s = 0.001
    assert [h.link for h in Topology(s).path("site1-dc", "cloud") or []] == ["site1-dc--cloud"]


def test_leaving_out_tiers_reconnects_the_levels() -> None:
    s = hierarchy(devices=20, devices_per_gateway=10, on_prem=False, mec=False)
    assert {n.tier for n in s.nodes} == {"far_edge", "aggregation_edge", "cloud"}
    assert Topology(s).path("dev1", "cloud") is not None


def test_bad_fan_out_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        hierarchy(devices=0)
