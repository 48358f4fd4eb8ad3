"""Energy and cost (issue 15): hand-computed checks on tiny inputs, sums per tier equal the
totals, the prices catalogue is dated and sourced, and scenario price overrides are validated."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from workbench.catalogue import load_catalogue
from workbench.economics import (
    cost_summary,
    economics_summary,
    energy_summary,
    load_prices,
    scenario_prices,
    usage_of,
)
from workbench.economics.energy import link_energy_j, node_energy_j
from workbench.economics.prices import PRICES_FILE, PriceOverrides, apply_overrides
from workbench.economics.usage import LinkUsage, NodeUsage, Usage, WorkloadUsage
from workbench.errors import CatalogueError, ScenarioError
from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario, scenario_from_dict
from workbench.sim import simulate

REL = 1e-9
MONTH_S = 730 * 3600.0


def tiny_scenario(**prices: object) -> Scenario:
    """Two battery sensors on LTE to a cloud H100 node."""
    data: dict[str, object] = {
        "name": "tiny",
        "nodes": [
            {
                "id": "dev",
                "tier": "far_edge",
                "hardware": "stm32h7a3",
                "count": 2,
                "battery_wh": 10.0,
            },
            {"id": "cloud", "tier": "cloud", "hardware": "h100_node"},
        ],
        "links": [{"id": "lte", "ends": ["dev", "cloud"], "profile": "lte_4g"}],
        "workloads": [
            {
                "id": "w",
                "source": {
                    "node": "dev",
                    "kind": "vibration_3axis",
                    "rate": 1.0,
                    "input_size": 1000.0,
                    "arrival": "periodic",
                },
                "slo": 1.0,
                "stages": [
                    {
                        "id": "s",
                        "model": "resnet50",
                        "output_size": 100.0,
                        "service": {"dist": "deterministic", "mean": 0.01},
                    }
                ],
            }
        ],
        "placement": {"w.s": "cloud"},
    }
    if prices:
        data["catalogue"] = {"prices": prices}
    return Scenario.model_validate(data)


def tiny_usage() -> Usage:
    """A hand-made usage of the tiny scenario: 100 s, 2 devices, 200 requests."""
    return Usage(
        window_s=100.0,
        nodes=(
            NodeUsage("dev", "far_edge", "stm32h7a3", 2, 1, 1, busy_s=0.0),
            NodeUsage("cloud", "cloud", "h100_node", 1, 8, 8, busy_s=2.0),
        ),
        links=(
            LinkUsage(
                "lte",
                "dev",
                "cloud",
                "far_edge",
                "cloud",
                "lte_4g",
                up_bytes=200_000.0,
                down_bytes=0.0,
                up_bps=5e6,
                down_bps=20e6,
            ),
        ),
        workloads=(WorkloadUsage("w", "dev", 200, 200, 1000.0, ("lte",), cloud_card_s=0.01),),
        cloud_hardware="h100_node",
    )


def test_node_and_link_energy_formulas_by_hand() -> None:
    idle, active = node_energy_j(1.0, 5.0, cards=2, instances=3, window_s=10.0, busy_card_s=4.0)
    assert (idle, active) == (60.0, 16.0)  # 1 W x 6 cards x 10 s; (5 - 1) W x 4 s
    # LTE [R101]: 1 MB up at 5 Mbit/s = 8e6 bits x 0.438 uJ + 1.288 W x 1.6 s
    joules = link_energy_j(1e6, 0.0, 5e6, 20e6, 0.438, 0.052, 1.288)
    assert joules == pytest.approx(8e6 * 0.438e-6 + 1.288 * 1.6, rel=REL)


def test_energy_of_the_tiny_usage_by_hand() -> None:
    energy = energy_summary(tiny_usage(), tiny_scenario(), load_catalogue())
    dev, cloud = energy["nodes"]["dev"], energy["nodes"]["cloud"]
    # sensors: 2 x 1 mW idle for 100 s, never busy; radio 1.6e6 bits x 0.438 uJ + 1.288 W x 0.32 s
    radio = 1.6e6 * 0.438e-6 + 1.288 * 1.6e6 / 5e6
    assert dev["idle_j"] == pytest.approx(0.2, rel=REL)
    assert dev["active_j"] == 0.0
    assert dev["radio_j"] == pytest.approx(radio, rel=REL)
    # cloud: 8 cards x 105 W x 100 s idle, (700 - 105) W x 2 busy card-seconds
    assert cloud["idle_j"] == pytest.approx(84_000.0, rel=REL)
    assert cloud["active_j"] == pytest.approx(1190.0, rel=REL)
    total = 0.2 + radio + 84_000.0 + 1190.0
    assert energy["total_j"] == pytest.approx(total, rel=REL)
    assert energy["per_inference_j"] == pytest.approx(total / 200, rel=REL)
    assert energy["tiers"]["far_edge"]["per_inference_j"] == pytest.approx(
        (0.2 + radio) / 200, rel=REL
    )
    # battery: 10 Wh per sensor at (0.2 J + radio) / 2 devices / 100 s
    per_device_w = (0.2 + radio) / 2 / 100.0
    assert dev["battery_life_days"] == pytest.approx(10.0 / per_device_w / 24, rel=REL)
    assert cloud["battery_life_days"] is None


def test_cost_of_the_tiny_usage_by_hand() -> None:
    usage, catalogue = tiny_usage(), load_catalogue()
    energy = energy_summary(usage, tiny_scenario(), catalogue)
    cost = cost_summary(usage, energy, catalogue, load_prices())
    scale = MONTH_S / 100.0
    # cloud per use: 2 busy card-seconds -> card-hours a month x $39.33 / 8 [R31]
    cloud_usd = 2.0 * scale / 3600 * 39.33 / 8
    # LTE data at $2/GB (assumption), paid by the far edge
    lte_usd = 200_000.0 * scale / 1e9 * 2.0
    # the sensors are unpriced: electricity only, $0.15/kWh
    sensor_usd = energy["nodes"]["dev"]["total_j"] * scale / 3.6e6 * 0.15
    assert cost["nodes"]["cloud"]["total_usd"] == pytest.approx(cloud_usd, rel=REL)
    assert cost["links"]["lte"]["transfer_usd"] == pytest.approx(lte_usd, rel=REL)
    assert cost["tiers"]["far_edge"]["total_usd"] == pytest.approx(sensor_usd + lte_usd, rel=REL)
    assert cost["unpriced"] == ["stm32h7a3"]
    total = cloud_usd + lte_usd + sensor_usd
    assert cost["total_usd_per_month"] == pytest.approx(total, rel=REL)
    assert cost["per_1000_inferences_usd"] == pytest.approx(total / (200 * scale) * 1000, rel=REL)
    assert cost["tiers"]["cloud"]["per_1000_inferences_usd"] == pytest.approx(
        cloud_usd / (200 * scale) * 1000, rel=REL
    )
    raw = cost["raw_to_cloud"]
    assert raw["raw_bytes_per_month"] == pytest.approx(200 * 1000.0 * scale, rel=REL)
    assert raw["transfer_usd"] == pytest.approx(200 * 1000.0 * scale / 1e9 * 2.0, rel=REL)
    assert raw["cloud_gpu_usd"] == pytest.approx(200 * 0.01 * scale / 3600 * 39.33 / 8, rel=REL)
    assert raw["saving_usd_per_month"] == pytest.approx(raw["total_usd"] - total, rel=REL)
    assert cost["prices_as_of"]["rental.h100_node"] == "2025-01"


def _check_sums(summary: dict[str, object]) -> None:
    energy, cost = summary["energy"], summary["cost"]
    assert isinstance(energy, dict) and isinstance(cost, dict)
    tiers_j = sum(t["total_j"] for t in energy["tiers"].values())
    assert tiers_j == pytest.approx(energy["total_j"], rel=1e-12)
    nodes_j = sum(n["total_j"] for n in energy["nodes"].values())
    assert nodes_j == pytest.approx(energy["total_j"], rel=1e-12)
    for tier, row in energy["tiers"].items():
        mine = [n for n in energy["nodes"].values() if n["tier"] == tier]
        assert row["total_j"] == pytest.approx(sum(n["total_j"] for n in mine), rel=1e-12)
        assert row["total_j"] == pytest.approx(row["compute_j"] + row["radio_j"], rel=1e-12)
    tiers_usd = sum(t["total_usd"] for t in cost["tiers"].values())
    assert tiers_usd == pytest.approx(cost["total_usd_per_month"], rel=1e-12)
    for row in cost["tiers"].values():
        parts = ("hardware_usd", "electricity_usd", "transfer_usd", "egress_usd")
        assert row["total_usd"] == pytest.approx(sum(row[p] for p in parts), rel=1e-12)
    nodes_usd = sum(n["total_usd"] for n in cost["nodes"].values())
    links_usd = sum(lk["transfer_usd"] + lk["egress_usd"] for lk in cost["links"].values())
    assert nodes_usd + links_usd == pytest.approx(cost["total_usd_per_month"], rel=1e-12)


def test_energy_and_cost_sum_per_tier_to_the_totals_on_the_factory() -> None:
    results = simulate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), until=60)
    summary = results.summary()
    _check_sums(summary)
    cost = summary["cost"]
    assert set(cost["tiers"]) == {"far_edge", "aggregation_edge", "on_prem", "cloud"}
    assert cost["tiers"]["on_prem"]["hardware_usd"] > 0  # the A100 node is owned
    assert cost["raw_to_cloud"]["bandwidth_saving_percent"] > 90


def test_a_simulated_tiny_run_counts_busy_time_and_battery() -> None:
    results = simulate(tiny_scenario(), until=50, seed=3)
    summary = results.summary()
    _check_sums(summary)
    done = summary["energy"]["inferences"]
    assert done > 90
    # each request keeps one H100 card busy for 10 ms: active energy is (700 - 105) W x that
    usage = usage_of(results)
    cloud = next(n for n in usage.nodes if n.id == "cloud")
    assert cloud.busy_s == pytest.approx(0.01 * done, rel=0.05)
    assert summary["energy"]["nodes"]["dev"]["battery_life_days"] > 0
    assert summary["energy"]["nodes"]["dev"]["radio_j"] > 0


def test_a_scenario_overrides_prices() -> None:
    scenario = tiny_scenario(
        electricity_per_kwh_usd=0.30,
        transfer_per_gb_usd={"lte": 0.5},
        rental={"h100_node": {"per_month_usd": 20000.0, "billing": "reserved"}},
    )
    prices = scenario_prices(scenario)
    assert prices.electricity.per_kwh_usd == 0.30
    assert prices.electricity.as_of == "scenario"
    assert load_prices().electricity.per_kwh_usd == 0.15  # the shipped prices are untouched
    usage = tiny_usage()
    energy = energy_summary(usage, scenario, load_catalogue())
    cost = cost_summary(usage, energy, load_catalogue(), prices)
    assert cost["nodes"]["cloud"]["total_usd"] == pytest.approx(20000.0, rel=REL)
    scale = MONTH_S / 100.0
    assert cost["links"]["lte"]["transfer_usd"] == pytest.approx(2e5 * scale / 1e9 * 0.5, rel=REL)


BAD_PRICES = [
    ({"electricity_per_kwh_usd": -0.1}, "prices.electricity_per_kwh_usd", "at least 0"),
    ({"purchase": {"jetson_nano": {"purchase_usd": -5}}}, "jetson_nano.purchase_usd", "at least"),
    ({"transfer_per_gb_usd": {"lte": -1}}, "catalogue.prices", "give 0 or more"),
    ({"rental": {"h100_node": {"billing": "reserved"}}}, "h100_node", "per_hour_usd or per_mon"),
    ({"electricty_per_kwh_usd": 0.2}, "catalogue.prices", "did you mean 'electricity_per_kwh"),
]


@pytest.mark.parametrize(("prices", "where", "words"), BAD_PRICES)
def test_bad_scenario_prices_are_refused_naming_the_field_and_the_fix(
    prices: dict[str, object], where: str, words: str
) -> None:
    data = yaml.safe_load((data_dir() / "scenarios" / "factory_floor.yaml").read_text())
    data.setdefault("catalogue", {})["prices"] = prices
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "f.yaml")
    text = str(info.value)
    assert where in text and words in text, text


def test_every_shipped_price_is_dated_and_sourced() -> None:
    prices = load_prices()
    dates = prices.dates()
    assert dates and all(d[:4].isdigit() for d in dates.values())
    for table in (prices.transfer, prices.purchase, prices.rental):
        for item in table.values():
            assert item.sources, item.id
    assert set(prices.purchase) <= set(load_catalogue().hardware)
    assert set(prices.rental) <= set(load_catalogue().hardware)


def test_a_price_without_a_source_is_refused(tmp_path: Path) -> None:
    text = (data_dir() / "catalogue" / PRICES_FILE).read_text()
    broken = text.replace('    per_kwh_usd: "assumption:', '    other: "assumption:', 1)
    (tmp_path / PRICES_FILE).write_text(broken)
    with pytest.raises(CatalogueError, match="'per_kwh_usd' has no source"):
        load_prices(tmp_path)


def test_hardware_idle_power_is_below_its_active_power() -> None:
    for hw in load_catalogue().hardware.values():
        assert hw.idle_power_w is not None, hw.id
        assert hw.power_w is not None and hw.idle_power_w < hw.power_w, hw.id


def test_overrides_apply_without_a_date() -> None:
    prices = apply_overrides(load_prices(), PriceOverrides(cloud_egress_per_gb_usd=0.05))
    assert prices.cloud_egress.per_gb_usd == 0.05
    assert math.isclose(load_prices().cloud_egress.per_gb_usd, 0.09)


def test_economics_summary_uses_the_scenarios_prices() -> None:
    scenario = tiny_scenario(electricity_per_kwh_usd=0.0)
    results = simulate(scenario, until=20)
    cost = economics_summary(results)["cost"]
    assert cost["nodes"]["dev"]["electricity_usd"] == 0.0
    assert cost["prices_as_of"]["electricity"] == "scenario"


def test_the_report_has_an_energy_and_cost_section_and_run_prints_a_cost_line(
    tmp_path: Path,
) -> None:
    from workbench.cli import main
    from workbench.report import COST_FIGURE_IDS

    scenario = tmp_path / "tiny.yaml"
    from workbench.scenario import save_scenario

    save_scenario(tiny_scenario(), scenario)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--until", "30", "--out", str(out), "-q"]) == 0
    page = (out / "report.html").read_text()
    assert '<section id="energy-cost">' in page
    for div_id in COST_FIGURE_IDS:
        assert f'id="{div_id}"' in page
    assert "Battery life: dev:" in page
    assert "Prices as of:" in page and "rental.h100_node 2025-01" in page


def test_run_prints_energy_and_cost(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from workbench.cli import main

    factory = data_dir() / "scenarios" / "factory_floor.yaml"
    assert main(["run", str(factory), "--until", "30", "--out", str(tmp_path), "-q"]) == 0
    printed = capsys.readouterr().out
    line = next(ln for ln in printed.splitlines() if ln.startswith("energy "))
    assert "per inference" in line and "a month" in line and "raw to cloud" in line
    assert "no price for hardware stm32h7a3" in printed


def test_energy_and_cost_figures_have_one_bar_per_tier() -> None:
    from workbench.plots_cost import cost_figure, energy_figure

    results = simulate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), until=30)
    summary = results.summary()
    energy = energy_figure(summary)
    compute = next(t for t in energy.data if t.meta["kind"] == "energy-compute")
    assert len(compute.x) == 4  # far edge, aggregation, on-prem, cloud
    window = summary["energy"]["window_s"]
    assert sum(compute.y) == pytest.approx(
        sum(t["compute_j"] for t in summary["energy"]["tiers"].values()) / window
    )
    cost = cost_figure(summary)
    raw = [t for t in cost.data if t.meta["kind"] == "cost-raw-to-cloud"]
    assert sum(t.y[0] for t in raw) == pytest.approx(summary["cost"]["raw_to_cloud"]["total_usd"])


def test_sharded_nodes_count_every_card_of_a_busy_server() -> None:
    # 8 cards served as 4 servers of 2 (shards: 2): 1 busy server-second = 2 busy card-seconds
    usage = Usage(
        window_s=10.0,
        nodes=(NodeUsage("cloud", "cloud", "h100_node", 1, 4, 8, busy_s=1.0),),
        links=(),
        workloads=(),
        cloud_hardware="h100_node",
    )
    scenario = Scenario.model_validate(
        {"name": "one", "nodes": [{"id": "cloud", "tier": "cloud", "hardware": "h100_node"}]}
    )
    energy = energy_summary(usage, scenario, load_catalogue())
    assert energy["nodes"]["cloud"]["active_j"] == pytest.approx((700 - 105) * 2.0, rel=REL)
    assert energy["per_inference_j"] is None  # nothing completed
    cost = cost_summary(usage, energy, load_catalogue(), load_prices())
    scale = MONTH_S / 10.0
    assert cost["nodes"]["cloud"]["hardware_usd"] == pytest.approx(
        2.0 * scale / 3600 * 39.33 / 8, rel=REL
    )
    assert cost["per_1000_inferences_usd"] is None


def test_a_battery_on_the_hardware_counts_when_the_node_has_none() -> None:
    from workbench.catalogue import Hardware

    base = load_catalogue().hardware["stm32h7a3"]
    own = Hardware.model_validate(
        base.model_dump(by_alias=True) | {"id": "sensor_on_battery", "battery_wh": 5.0}
    )
    scenario = tiny_scenario()
    scenario.extras.hardware = [own]
    scenario.nodes[0].hardware = "sensor_on_battery"
    scenario.nodes[0].battery_wh = None
    results = simulate(scenario, until=20)
    dev = results.summary()["energy"]["nodes"]["dev"]
    assert dev["battery_wh"] == 5.0
    per_device_w = dev["total_j"] / dev["devices"] / results.summary()["energy"]["window_s"]
    assert dev["battery_life_days"] == pytest.approx(5.0 / per_device_w / 24, rel=1e-9)


def test_a_run_before_its_first_step_has_zero_energy_and_cost() -> None:
    from workbench.sim import Simulation

    summary = Simulation(tiny_scenario(), until=10).results().summary()
    assert summary["energy"]["total_j"] == 0.0
    assert summary["cost"]["total_usd_per_month"] == 0.0
    assert summary["cost"]["per_1000_inferences_usd"] is None


def test_prices_for_unknown_hardware_or_links_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((data_dir() / "scenarios" / "factory_floor.yaml").read_text())
    data["catalogue"]["prices"] = {
        "purchase": {"jetson_agx_orin_64g": {"purchase_usd": 1500}},
        "transfer_per_gb_usd": {"wan": 0.01, "mpls": 0.01},
    }
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert (
        "catalogue.prices.purchase.jetson_agx_orin_64g: unknown hardware 'jetson_agx_orin_64g'; "
        "did you mean 'jetson_agx_orin_64gb'?" in text
    ), text
    assert "catalogue.prices.transfer_per_gb_usd.mpls: unknown link profile or link" in text
    assert "transfer_per_gb_usd.wan" not in text  # a link id of the scenario


def test_catalogue_prices_prints_every_dated_price(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import main

    assert main(["catalogue", "prices"]) == 0
    printed = capsys.readouterr().out
    prices = load_prices()
    for key, as_of in prices.dates().items():
        line = next(ln for ln in printed.splitlines() if ln.startswith(key + " "))
        assert line.endswith(as_of), line
    assert "rental.h100_node" in printed and "USD/hour, per_use" in printed
