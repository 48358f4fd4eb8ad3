"""The canvas shows tenants (issue 14): the owner's badge on its nodes, one badge per slice
(with its servers) on a shared node, in one colour per tenant."""

from __future__ import annotations

import pytest
import traitlets

from widgets.canvas import TENANT_COLOURS, TopologyCanvas
from widgets.status import StatusArea
from workbench.loading import data_dir
from workbench.scenario import load_scenario


@pytest.fixture
def canvas() -> TopologyCanvas:
    scenario = load_scenario(data_dir() / "scenarios" / "smart_city_tenants.yaml")
    return TopologyCanvas(scenario, status=StatusArea())


def test_nodes_carry_their_tenant_and_slices(canvas: TopologyCanvas) -> None:
    badges = {n["id"]: n["tenants"] for n in canvas.nodes}
    city, mall = TENANT_COLOURS[:2]
    assert [(b["tenant"], b["colour"], b["servers"]) for b in badges["mec-north"]] == [
        ("city", city, 2),
        ("mall", mall, 2),
    ]
    assert [(b["tenant"], b["colour"]) for b in badges["cams-north"]] == [("city", city)]
    assert [(b["tenant"], b["colour"]) for b in badges["mall-dc"]] == [("mall", mall)]
    assert badges["cloud"] == []
    assert "a slice of 2 server(s) for tenant mall" in badges["mec-north"][1]["title"]


def test_a_scenario_without_tenants_draws_no_badges(live_factory) -> None:  # type: ignore[no-untyped-def]
    canvas = TopologyCanvas(live_factory, status=StatusArea())
    assert all(n["tenants"] == [] for n in canvas.nodes)


def test_bad_tenant_badges_are_refused(canvas: TopologyCanvas) -> None:
    nodes = [dict(n) for n in canvas.nodes]
    nodes[0]["tenants"] = [{"tenant": "city"}]  # no colour
    with pytest.raises(traitlets.TraitError, match="'tenants' must be a list"):
        canvas.nodes = nodes
