"""Money: what a design costs per month, per tier and per 1,000 inferences, and what shipping
every raw byte to the cloud would cost instead.

A run's window is scaled to a month (``hours_per_month``, 730 h). Per node:

- **owned** hardware (a ``purchase`` price): the purchase amortised over its life, per device
  (x cards / the entry's servers when a node overrides ``servers``), plus electricity for the
  node's energy (compute and radio);
- **rented** hardware (a ``rental`` price): ``per_use``, the busy card-hours x the price of one
  card-hour (entry price / its servers); ``reserved``, the whole node all month; the power is in
  the price;
- **unpriced** hardware (neither): electricity only, and its id is listed in ``unpriced``.

Per link: data carried x the ``transfer`` price of the link id or its profile (e.g. cellular
data), paid by the device end's tier; bytes sent down out of a cloud node x ``cloud_egress``,
paid by the cloud tier.

The counterfactual (``raw_to_cloud``): every request's raw input sent to the scenario's cloud
node (transfer prices of the links on the way; cloud ingress is free) and every stage run there
(card-hours x the cloud rental's card-hour price, whatever its billing). It prices only what
shipping raw data adds; the sensors are the same in both designs. Aggregation windows are
counted as one inference per request there, so the counterfactual's GPU time is an upper bound.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import TIER_IDS, Catalogue
from .energy import J_PER_KWH
from .prices import Prices
from .usage import Usage

__all__ = ["cost_summary"]

GB = 1e9


def cost_summary(
    usage: Usage, energy: dict[str, Any], catalogue: Catalogue, prices: Prices
) -> dict[str, Any]:
    """The ``cost`` section of ``summary.json`` (keys in the README, "What it costs")."""
    hours = prices.hours_per_month
    scale = hours * 3600.0 / usage.window_s if usage.window_s > 0 else 0.0
    kwh_price = prices.electricity.per_kwh_usd
    used: set[str] = {"electricity"}
    unpriced: list[str] = []
    tiers: dict[str, dict[str, Any]] = {
        tier: {
            "hardware_usd": 0.0,
            "electricity_usd": 0.0,
            "transfer_usd": 0.0,
            "egress_usd": 0.0,
            "total_usd": 0.0,
        }
        for tier in TIER_IDS
        if any(n.tier == tier for n in usage.nodes)
    }
    nodes: dict[str, dict[str, Any]] = {}
    billing: str
    for n in usage.nodes:
        hw = catalogue.hardware[n.hardware]
        share = n.cards / hw.servers  # of the priced entry, per device
        purchase, rental = prices.purchase.get(hw.id), prices.rental.get(hw.id)
        electricity = energy["nodes"][n.id]["total_j"] * scale / J_PER_KWH * kwh_price
        if rental is not None:
            used.add(f"rental.{hw.id}")
            electricity = 0.0  # in the rental price
            if rental.billing == "per_use":
                busy_card_h = n.busy_s * (n.cards / n.servers) * scale / 3600.0
                hardware = busy_card_h * rental.per_server_hour_usd(hw.servers, hours)
            else:
                hardware = rental.hourly_usd(hours) * hours * share * n.instances
            billing = rental.billing
        elif purchase is not None:
            used.add(f"purchase.{hw.id}")
            hardware = purchase.per_month_usd(hours) * share * n.instances
            billing = "owned"
        else:
            hardware, billing = 0.0, "unpriced"
            if hw.id not in unpriced:
                unpriced.append(hw.id)
        nodes[n.id] = {
            "tier": n.tier,
            "billing": billing,
            "hardware_usd": hardware,
            "electricity_usd": electricity,
            "total_usd": hardware + electricity,
        }
        tiers[n.tier]["hardware_usd"] += hardware
        tiers[n.tier]["electricity_usd"] += electricity
        tiers[n.tier]["total_usd"] += hardware + electricity
    links: dict[str, dict[str, Any]] = {}
    for link in usage.links:
        price = _transfer(prices, link.id, link.profile)
        transfer = 0.0
        if price is not None:
            used.add(f"transfer.{price[0]}")
            transfer = (link.up_bytes + link.down_bytes) * scale / GB * price[1]
        egress = 0.0
        if link.upper_tier == "cloud" and link.lower_tier != "cloud" and link.down_bytes > 0:
            used.add("cloud_egress")
            egress = link.down_bytes * scale / GB * prices.cloud_egress.per_gb_usd
        links[link.id] = {"transfer_usd": transfer, "egress_usd": egress}
        tiers[link.lower_tier]["transfer_usd"] += transfer
        tiers[link.lower_tier]["total_usd"] += transfer
        if egress:
            tiers["cloud"]["egress_usd"] += egress
            tiers["cloud"]["total_usd"] += egress
    total = sum(t["total_usd"] for t in tiers.values())
    per_month = usage.completed * scale
    for row in tiers.values():
        row["per_1000_inferences_usd"] = row["total_usd"] / per_month * 1000 if per_month else None
    counterfactual = _raw_to_cloud(usage, catalogue, prices, scale, used)
    counterfactual["saving_usd_per_month"] = counterfactual["total_usd"] - total
    dates = prices.dates()
    return {
        "currency": prices.currency,
        "hours_per_month": hours,
        "total_usd_per_month": total,
        "inferences_per_month": per_month,
        "per_1000_inferences_usd": total / per_month * 1000 if per_month else None,
        "tiers": tiers,
        "nodes": nodes,
        "links": links,
        "raw_to_cloud": counterfactual,
        "unpriced": unpriced,
        "prices_as_of": {key: dates[key] for key in sorted(used) if key in dates},
    }


def _transfer(prices: Prices, link_id: str, profile: str | None) -> tuple[str, float] | None:
    """(key, price per GB) of a link: its own id first, then its profile."""
    for key in (link_id, profile):
        if key is not None and key in prices.transfer:
            return key, prices.transfer[key].per_gb_usd
    return None


def _raw_to_cloud(
    usage: Usage, catalogue: Catalogue, prices: Prices, scale: float, used: set[str]
) -> dict[str, Any]:
    hw = catalogue.hardware[usage.cloud_hardware]
    rental = prices.rental.get(hw.id)
    card_hour = rental.per_server_hour_usd(hw.servers, prices.hours_per_month) if rental else None
    if rental is not None:
        used.add(f"rental.{hw.id}")
    link_ids = {link.id: link for link in usage.links}
    raw = transfer = card_h = 0.0
    no_path: list[str] = []
    for w in usage.workloads:
        raw_bytes = w.generated * w.input_bytes * scale
        raw += raw_bytes
        card_h += w.generated * w.cloud_card_s * scale / 3600.0
        if w.path_to_cloud is None:
            no_path.append(w.id)
            continue
        for link_id in w.path_to_cloud:
            link = link_ids[link_id]
            price = _transfer(prices, link.id, link.profile)
            if price is not None:
                used.add(f"transfer.{price[0]}")
                transfer += raw_bytes / GB * price[1]
    cloud_bytes = sum(
        link.up_bytes * scale
        for link in usage.links
        if link.upper_tier == "cloud" and link.lower_tier != "cloud"
    )
    gpu = card_h * card_hour if card_hour is not None else 0.0
    return {
        "cloud_hardware": hw.id,
        "raw_bytes_per_month": raw,
        "cloud_bytes_per_month": cloud_bytes,
        "bandwidth_saving_percent": 100 * (1 - cloud_bytes / raw) if raw > 0 else None,
        "transfer_usd": transfer,
        "cloud_gpu_hours": card_h,
        "cloud_gpu_usd": gpu,
        "total_usd": transfer + gpu,
        "priced": card_hour is not None,
        "workloads_without_path": no_path,
    }
