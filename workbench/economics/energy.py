"""Energy of a run: compute per node and tier, radio per link, battery life of devices.

Compute: each card (GPU, chip) draws its idle power all the time and its active power while
busy, so ``E = idle x cards x instances x window + (active - idle) x busy card-seconds``
(the engine records busy server-seconds; a server is ``cards / servers`` cards when a model is
sharded). Power figures come from the hardware catalogue (``power`` busy, ``idle_power`` idle;
a hardware without ``idle_power`` is taken to idle at its active power, which is marked in the
result's ``assumptions``).

Radio: the device (lower-tier) end of a link whose profile has radio figures spends
``radio_uj_per_bit_up`` per bit sent, ``radio_uj_per_bit_down`` per bit received, and
``radio_power`` for as long as the link carries data (bits / bit rate), after Huang et al.'s
linear LTE/Wi-Fi power model [R101]. Wired links spend no radio energy. The RRC tail after each
transfer is not modelled (so cellular energy is a lower bound).

Battery: a device with ``battery_wh`` (node, else hardware) lasts ``battery / average power``,
its average power being its node's compute and radio energy per device over the window.

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> from workbench.sim import simulate
>>> results = simulate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), until=30)
>>> energy = energy_summary(usage_of(results), results.scenario, results.sim.catalogue)
>>> tiers = energy["tiers"]
>>> abs(sum(t["total_j"] for t in tiers.values()) - energy["total_j"]) < 1e-6 * energy["total_j"]
True
"""

from __future__ import annotations

from typing import Any

from ..catalogue import TIER_IDS, Catalogue
from .usage import Usage, usage_of

__all__ = ["J_PER_KWH", "energy_summary", "link_energy_j", "node_energy_j", "usage_of"]

J_PER_KWH = 3.6e6
HOURS_PER_DAY = 24.0


def node_energy_j(
    idle_w: float, active_w: float, cards: int, instances: int, window_s: float, busy_card_s: float
) -> tuple[float, float]:
    """(idle, active) joules of a node group: every card at ``idle_w`` for the window, plus
    ``active_w - idle_w`` for each busy card-second (``*_w`` are per card)."""
    idle = idle_w * cards * instances * window_s
    active = max(active_w - idle_w, 0.0) * busy_card_s
    return idle, active


def link_energy_j(
    up_bytes: float,
    down_bytes: float,
    up_bps: float,
    down_bps: float,
    uj_per_bit_up: float,
    uj_per_bit_down: float,
    radio_power_w: float,
) -> float:
    """Radio joules of the device end: per-bit energy plus the radio's power while busy."""
    up_bits, down_bits = 8.0 * up_bytes, 8.0 * down_bytes
    per_bit = (up_bits * uj_per_bit_up + down_bits * uj_per_bit_down) * 1e-6
    busy_s = up_bits / up_bps + down_bits / down_bps
    return per_bit + radio_power_w * busy_s


def energy_summary(usage: Usage, scenario: Any, catalogue: Catalogue) -> dict[str, Any]:
    """The ``energy`` section of ``summary.json`` (keys in the README, "What it costs")."""
    window = usage.window_s
    assumptions: list[str] = []
    nodes: dict[str, dict[str, Any]] = {}
    for n in usage.nodes:
        hw = catalogue.hardware[n.hardware]
        per_card = 1.0 / hw.servers
        active_w = (hw.power_w or 0.0) * per_card
        if hw.power_w is None:
            assumptions.append(f"hardware {hw.id!r} has no power figure: node {n.id!r} counts 0 W")
        idle_w = hw.idle_power_w * per_card if hw.idle_power_w is not None else active_w
        if hw.idle_power_w is None and hw.power_w is not None:
            assumptions.append(
                f"hardware {hw.id!r} has no idle_power: node {n.id!r} idles at its active power"
            )
        cards_per_server = n.cards / n.servers
        idle_j, active_j = node_energy_j(
            idle_w, active_w, n.cards, n.instances, window, n.busy_s * cards_per_server
        )
        nodes[n.id] = {
            "tier": n.tier,
            "hardware": n.hardware,
            "devices": n.instances,
            "idle_power_w": idle_w * n.cards,
            "active_power_w": active_w * n.cards,
            "idle_j": idle_j,
            "active_j": active_j,
            "radio_j": 0.0,
        }
    links: dict[str, dict[str, Any]] = {}
    silent: list[str] = []
    for link in usage.links:
        profile = catalogue.links.get(link.profile) if link.profile else None
        has_radio = profile is not None and (
            profile.radio_power_w is not None
            or profile.radio_uj_per_bit_up is not None
            or profile.radio_uj_per_bit_down is not None
        )
        joules = 0.0
        if profile is not None and has_radio:
            joules = link_energy_j(
                link.up_bytes,
                link.down_bytes,
                link.up_bps,
                link.down_bps,
                profile.radio_uj_per_bit_up or 0.0,
                profile.radio_uj_per_bit_down or 0.0,
                profile.radio_power_w or 0.0,
            )
            nodes[link.lower]["radio_j"] += joules
        elif link.up_bytes + link.down_bytes > 0:
            silent.append(link.id)
        links[link.id] = {
            "profile": link.profile,
            "device_end": link.lower,
            "up_bytes": link.up_bytes,
            "down_bytes": link.down_bytes,
            "radio_j": joules,
        }
    if silent:
        assumptions.append(
            "no radio energy counted on wired links or links without radio figures: "
            + ", ".join(silent)
        )
    tiers: dict[str, dict[str, Any]] = {
        tier: {
            "compute_j": 0.0,
            "radio_j": 0.0,
            "total_j": 0.0,
            "average_power_w": 0.0,
            "per_inference_j": None,
        }
        for tier in TIER_IDS
        if any(n["tier"] == tier for n in nodes.values())
    }
    by_id = {n.id: n for n in scenario.nodes}  # Scenario.node scans: quadratic on fleets
    for node_id, row in nodes.items():
        total = row["idle_j"] + row["active_j"] + row["radio_j"]
        row["total_j"] = total
        row["average_power_w"] = total / window if window > 0 else 0.0
        row["battery_wh"] = _battery_wh(by_id[node_id], catalogue, row["hardware"])
        per_device_w = row["average_power_w"] / row["devices"]
        row["battery_life_days"] = (
            row["battery_wh"] / per_device_w / HOURS_PER_DAY
            if row["battery_wh"] is not None and per_device_w > 0
            else None
        )
        tier = tiers[row["tier"]]
        tier["compute_j"] += row["idle_j"] + row["active_j"]
        tier["radio_j"] += row["radio_j"]
        tier["total_j"] += total
    completed = usage.completed
    for tier in tiers.values():
        tier["average_power_w"] = tier["total_j"] / window if window > 0 else 0.0
        tier["per_inference_j"] = tier["total_j"] / completed if completed else None
    total_j = sum(t["total_j"] for t in tiers.values())
    return {
        "window_s": window,
        "total_j": total_j,
        "total_kwh": total_j / J_PER_KWH,
        "average_power_w": total_j / window if window > 0 else 0.0,
        "inferences": completed,
        "per_inference_j": total_j / completed if completed else None,
        "tiers": tiers,
        "nodes": nodes,
        "links": links,
        "assumptions": assumptions,
    }


def _battery_wh(node: Any, catalogue: Catalogue, hardware: str) -> float | None:
    own = getattr(node, "battery_wh", None)
    return own if own is not None else catalogue.hardware[hardware].battery_wh
