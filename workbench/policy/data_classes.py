"""Which tiers data of a class may reach, and the paths it may take.

Examples
--------
>>> from workbench.scenario import load_scenario
>>> from workbench.loading import data_dir
>>> from workbench.topology import Topology
>>> topo = Topology(load_scenario(data_dir() / "scenarios" / "hospital.yaml"))
>>> class_limit("phi", topo.catalogue)  # on_prem
3
>>> [hop.dst for hop in allowed_path(topo, "icu-gw", "handhelds", "phi")]
['hospital-dc', 'handhelds']
>>> allowed_path(topo, "icu-gw", "handhelds", "phi", avoid=frozenset({"icu-core"})) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from ..catalogue import Catalogue
from ..scenario import Workload
from ..topology import Hop, Topology
from ..workloads import max_level, stage_classes


def class_limit(class_id: str, catalogue: Catalogue) -> int:
    """The highest tier level data of ``class_id`` may reach (5, the cloud, when unrestricted)."""
    return max_level(class_id, catalogue)


def leg_classes(workload: Workload, catalogue: Catalogue) -> list[str]:
    """The class of the data on each leg of the pipeline: into stage 0, 1, ..., then to the sink
    (the last stage's output class). A fallback for stage k carries leg k's class."""
    classes = stage_classes(workload, catalogue)
    return [inbound for inbound, _ in classes] + [classes[-1][1]]


def leg_limits(workload: Workload, catalogue: Catalogue) -> list[int]:
    """:func:`class_limit` of every leg of :func:`leg_classes`, computed once per workload."""
    return [class_limit(c, catalogue) for c in leg_classes(workload, catalogue)]


def allowed_path(
    topo: Topology,
    src: str,
    dst: str,
    class_id: str,
    *,
    avoid: frozenset[str] = frozenset(),
) -> list[Hop] | None:
    """The lowest-latency path from ``src`` to ``dst`` that data of ``class_id`` may take
    (around the links and nodes in ``avoid``), or None when there is none."""
    return topo.path(src, dst, max_level=class_limit(class_id, topo.catalogue), avoid=avoid)


def forbidden_nodes(topo: Topology, nodes: Iterable[str], limit: int) -> list[str]:
    """The nodes among ``nodes`` above tier level ``limit``, in order."""
    return [node for node in nodes if topo.level(node) > limit]


def tier_name(tier_id: str, cat: Catalogue) -> str:
    """The tier's display name from the catalogue, in running text: 'on-premises datacentre'."""
    tier = cat.tiers.get(tier_id)
    name = tier.name if tier is not None and tier.name else tier_id.replace("_", " ")
    return name[:1].lower() + name[1:]


def class_name(class_id: str, cat: Catalogue) -> str:
    """'Protected health information (phi)': the data class in plain words, its id after."""
    name = cat.data_classes[class_id].name
    return f"{name} ({class_id})" if name and name != class_id else f"{class_id} data"


def route_problem(
    topo: Topology,
    src: str,
    dst: str,
    class_id: str,
    what: str,
    *,
    earlier_stages: bool = False,
    origin: str | None = None,
) -> str | None:
    """Why data of ``class_id`` at ``src`` cannot go to ``dst`` (``what`` is there), in one
    sentence with the fix; None when it can, over a path that stays within the class's tiers.
    ``origin`` (where the data is born) names the link that crosses the boundary."""
    cat = topo.catalogue
    limit = class_limit(class_id, cat)
    max_tier = cat.data_classes[class_id].max_tier
    allowed = f"the {tier_name(max_tier, cat)} ({max_tier})"
    deidentify = (
        ", or de-identify the data in an earlier stage (output_class: public)"
        if earlier_stages
        else ""
    )
    path = topo.path(src, dst)
    if topo.level(dst) > limit:
        dst_tier = str(topo.graph.nodes[dst]["tier"])
        way = topo.path(origin, dst) if origin is not None else path
        over = next((hop.link for hop in way or [] if topo.level(hop.dst) > limit), None)
        return (
            f"{class_name(class_id, cat)} may not go above {allowed}: {what} would send it "
            f"to the {tier_name(dst_tier, cat)} ({dst!r})"
            + (f" over {over!r}" if over else "")
            + f"; place it on {allowed} or lower{deidentify}."
        )
    if path is None:
        return (
            f"{what} is on {dst!r}, which the data at {src!r} cannot reach; add a link "
            "or place it on a connected node"
        )
    if topo.path(src, dst, max_level=limit) is None:
        return (
            f"{class_name(class_id, cat)} may not go above {allowed}, but every path from "
            f"{src!r} to {dst!r} for {what} passes above it; add a link that stays at or "
            f"below {allowed}, or place it elsewhere{deidentify}."
        )
    return None
