"""Builders for common topology shapes, so a notebook makes a 1,000-device fleet in one line.

Examples
--------
>>> s = hierarchy(devices=1000, devices_per_gateway=10, gateways_per_site=10, sites_per_region=5)
>>> sum(n.count for n in s.nodes if n.tier == "far_edge"), len(s.links) > 1000
(1000, True)
>>> grouped = hierarchy(devices=1000, devices_per_gateway=10, group_devices=True)
>>> len([n for n in grouped.nodes if n.tier == "far_edge"])
100
"""

from __future__ import annotations

import math

from .scenario import Link, Node, Scenario, Workload


def hierarchy(
    devices: int = 100,
    devices_per_gateway: int = 10,
    gateways_per_site: int = 10,
    sites_per_region: int = 10,
    *,
    name: str | None = None,
    group_devices: bool = False,
    on_prem: bool = True,
    mec: bool = True,
    dual_homed: bool = False,
    device_hardware: str = "stm32h7a3",
    gateway_hardware: str = "jetson_orin_nx",
    dc_hardware: str = "a100_node",
    mec_hardware: str = "mec_server_l4",
    cloud_hardware: str = "h100_node",
    device_link: str = "industrial_ethernet",
    gateway_link: str = "campus_lan",
    site_link: str = "metro_fibre",
    region_link: str = "transcontinental",
    storage: dict[str, float] | None = None,
) -> Scenario:
    """A five-tier tree: devices -> gateways -> site DCs -> MEC regions -> one cloud.

    Parameters
    ----------
    devices
        Far-edge devices in all (the last gateway may get fewer).
    group_devices
        Draw each gateway's devices as one node with a ``count`` (fast and readable for
        large fleets) instead of one node per device.
    on_prem, mec
        Leave out the on-prem tier or the telco-edge tier (gateways then connect upward to the
        next tier present).
    dual_homed
        Give every site a second uplink straight to the cloud, so that the topology is a graph
        with redundant paths rather than a tree.
    storage
        Local store per tier id in bytes (defaults: 16 MB devices, 64 GB gateways, 10 TB DC).

    Returns a scenario with nodes and links only; add workloads and placement to it.
    """
    if devices < 1 or devices_per_gateway < 1 or gateways_per_site < 1 or sites_per_region < 1:
        raise ValueError("devices and every per-level fan-out must be at least 1")
    store = {"far_edge": 16e6, "aggregation_edge": 64e9, "on_prem": 10e12, "telco_edge": 1e12}
    store |= storage or {}
    gateways = math.ceil(devices / devices_per_gateway)
    sites = math.ceil(gateways / gateways_per_site)
    regions = math.ceil(sites / sites_per_region)
    nodes: list[Node] = [Node(id="cloud", tier="cloud", hardware=cloud_hardware)]
    links: list[Link] = []

    def link(a: str, b: str, profile: str) -> None:
        links.append(Link(ends=(a, b), profile=profile))

    for r in range(1, regions + 1):
        if mec:
            nodes.append(
                Node(
                    id=f"mec{r}",
                    tier="telco_edge",
                    hardware=mec_hardware,
                    storage_bytes=store["telco_edge"],
                )
            )
            link(f"mec{r}", "cloud", region_link)
    for s in range(1, sites + 1):
        region_up = f"mec{(s - 1) // sites_per_region + 1}" if mec else "cloud"
        site_up = region_up
        if on_prem:
            dc = f"site{s}-dc"
            nodes.append(
                Node(
                    id=dc,
                    tier="on_prem",
                    hardware=dc_hardware,
                    site=f"site{s}",
                    storage_bytes=store["on_prem"],
                )
            )
            link(dc, region_up, site_link if mec else region_link)
            if dual_homed and mec:
                links.append(Link(id=f"{dc}--cloud", ends=(dc, "cloud"), profile=region_link))
            site_up = dc
        first_gw = (s - 1) * gateways_per_site + 1
        for g in range(first_gw, min(first_gw + gateways_per_site, gateways + 1)):
            gw = f"gw{g}"
            nodes.append(
                Node(
                    id=gw,
                    tier="aggregation_edge",
                    hardware=gateway_hardware,
                    site=f"site{s}",
                    storage_bytes=store["aggregation_edge"],
                )
            )
            link(gw, site_up, gateway_link if on_prem else site_link)
            first_dev = (g - 1) * devices_per_gateway + 1
            last_dev = min(first_dev + devices_per_gateway - 1, devices)
            if group_devices:
                group = f"{gw}-devices"
                nodes.append(
                    Node(
                        id=group,
                        tier="far_edge",
                        hardware=device_hardware,
                        count=last_dev - first_dev + 1,
                        site=f"site{s}",
                        storage_bytes=store["far_edge"],
                    )
                )
                link(group, gw, device_link)
                continue
            for d in range(first_dev, last_dev + 1):
                dev = f"dev{d}"
                nodes.append(
                    Node(
                        id=dev,
                        tier="far_edge",
                        hardware=device_hardware,
                        site=f"site{s}",
                        storage_bytes=store["far_edge"],
                    )
                )
                link(dev, gw, device_link)
    return Scenario(
        name=name or f"hierarchy of {devices} devices",
        description=(
            f"{devices} devices, {devices_per_gateway} per gateway, {gateways_per_site} gateways "
            f"per site, {sites_per_region} sites per region"
        ),
        nodes=nodes,
        links=links,
    )


def add_wear_workloads(scenario: Scenario, *, rate: float = 1.0, forward: float = 0.1) -> Scenario:
    """Give every far-edge node (device or device group) of ``scenario`` its own bearing-wear
    workload (``wear-dev7``, or ``wear-gw3`` for the group ``gw3-devices``): anomaly detection
    on the device, correlation on the gateway it links to, a share ``forward`` of the results on
    to the cloud. Returns the same scenario, for chaining.

    >>> s = add_wear_workloads(hierarchy(devices=40, devices_per_gateway=10, group_devices=True))
    >>> len(s.workloads), s.placement["wear-gw1.correlate"]
    (4, 'gw1')
    """
    gateway_of = {}
    tiers = {n.id: n.tier for n in scenario.nodes}
    for link in scenario.links:
        a, b = link.ends
        if tiers[a] == "far_edge" and tiers[b] == "aggregation_edge":
            gateway_of[a] = b
        elif tiers[b] == "far_edge" and tiers[a] == "aggregation_edge":
            gateway_of[b] = a
    for node in [n for n in scenario.nodes if n.id in gateway_of]:
        workload = Workload.model_validate(
            {
                "id": f"wear-{node.id.removesuffix('-devices')}",
                "source": {"node": node.id, "kind": "vibration_3axis", "rate": rate},
                "slo": 0.2,
                "sink": "cloud",
                "stages": [
                    {"id": "detect", "model": "tinyml_anomaly_ae", "output_size": 64},
                    {
                        "id": "correlate",
                        "model": "chronos_t5_small",
                        "output_size": 1000,
                        "forward": forward,
                        "aggregate": True,
                    },
                ],
            }
        )
        scenario.workloads.append(workload)
        scenario.placement[f"{workload.id}.detect"] = node.id
        scenario.placement[f"{workload.id}.correlate"] = gateway_of[node.id]
    return scenario
