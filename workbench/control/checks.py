"""Checks of versions, labels and rollouts, run with the scenario's other checks.

Each problem names the field, what is wrong and how to fix it, in one sentence.
"""

from __future__ import annotations

from ..catalogue import Catalogue
from ..errors import Problem
from ..scenario import Rollout, Scenario
from ..topology import Topology
from ..units import format_quantity, short_repr
from .control import rollout_targets
from .versions import checkpoint_size


def _size(value: float) -> str:
    return str(format_quantity(value, "size"))


def _known(kind: str, value: str, known: list[str]) -> str:
    listed = ", ".join(sorted(known)[:12]) or "none declared"
    return f"unknown {kind} {short_repr(value)}; choose one of: {listed}"


def check_versions(scenario: Scenario, cat: Catalogue) -> list[Problem]:
    """Declared versions, what nodes install at the start, and workload labels."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, version in enumerate(scenario.model_versions):
        where = f"model_versions[{i}]"
        if first.setdefault(version.id, i) != i:
            problems.append(
                Problem(
                    f"{where}.id",
                    f"duplicate id {short_repr(version.id)}: model_versions[{first[version.id]}] "
                    "has it too; give each version an id of its own",
                )
            )
        if version.model not in cat.models:
            problems.append(
                Problem(f"{where}.model", _known("model", version.model, list(cat.models)))
            )
    if problems:
        return problems
    sizes = {v.id: checkpoint_size(v, cat) for v in scenario.model_versions}
    for i, node in enumerate(scenario.nodes):
        for j, version_id in enumerate(node.versions):
            if version_id not in sizes:
                problems.append(
                    Problem(
                        f"nodes[{i}].versions[{j}]",
                        _known("version", version_id, list(sizes))
                        + " (or declare it in model_versions)",
                    )
                )
        if any(v not in sizes for v in node.versions):
            continue
        need = sum(sizes[v] for v in dict.fromkeys(node.versions))
        if need > node.storage_bytes:
            problems.append(
                Problem(
                    f"nodes[{i}].versions",
                    f"{node.id} cannot hold its versions ({_size(need)}) in its storage of "
                    f"{_size(node.storage_bytes)}; raise nodes[{i}].storage or install fewer",
                )
            )
    node_ids = {n.id for n in scenario.nodes}
    for i, workload in enumerate(scenario.workloads):
        labels = workload.labels
        if labels is None:
            continue
        if labels.share <= 0:
            problems.append(
                Problem(
                    f"workloads[{i}].labels.share",
                    "0 labels nothing; give a share above 0 (e.g. 0.2) or remove 'labels'",
                )
            )
        if labels.to is not None and labels.to not in node_ids:
            problems.append(
                Problem(f"workloads[{i}].labels.to", _known("node", labels.to, list(node_ids)))
            )
    return problems


def _open_share(where: str, value: float, example: str) -> Problem | None:
    if 0 < value < 1:
        return None
    return Problem(
        where, f"{value:g} is outside (0, 1); give a share between 0 and 1, e.g. {example}"
    )


def check_rollout(
    scenario: Scenario,
    rollout: Rollout,
    cat: Catalogue,
    where: str = "rollout",
    topology: Topology | None = None,
) -> list[Problem]:
    """Problems of one rollout (``where`` is its field path, e.g. ``rollouts[0]``)."""
    problems: list[Problem] = []
    versions = {v.id: v for v in scenario.model_versions}
    nodes = {n.id: (i, n) for i, n in enumerate(scenario.nodes)}
    if rollout.version not in versions:
        problems.append(
            Problem(
                f"{where}.version",
                _known("version", rollout.version, list(versions))
                + " (or declare it in model_versions)",
            )
        )
    if rollout.registry not in nodes:
        problems.append(Problem(f"{where}.registry", _known("node", rollout.registry, list(nodes))))
    targets = rollout.targets
    for j, node in enumerate(targets.nodes or []):
        if node not in nodes:
            problems.append(
                Problem(f"{where}.targets.nodes[{j}]", _known("node", node, list(nodes)))
            )
    sites = sorted({n.site for n in scenario.nodes if n.site is not None})
    if targets.site is not None and targets.site not in sites:
        problems.append(Problem(f"{where}.targets.site", _known("site", targets.site, sites)))
    if rollout.strategy == "canary":
        bad = _open_share(f"{where}.share", rollout.share, "0.1")
        problems += [bad] if bad else []
    if rollout.strategy == "ab":
        bad = _open_share(f"{where}.split", rollout.split, "0.5")
        problems += [bad] if bad else []
        if rollout.duration_s is None:
            problems.append(
                Problem(
                    f"{where}.duration", "an A/B test needs a duration; give one, e.g. '10 min'"
                )
            )
    if rollout.bandwidth_share <= 0:
        problems.append(
            Problem(
                f"{where}.bandwidth_share",
                "0 never sends; give a share of the links' time above 0, e.g. 0.5",
            )
        )
    if rollout.alpha <= 0 or rollout.alpha >= 0.5:
        problems.append(
            Problem(
                f"{where}.alpha", f"{rollout.alpha:g} is not a test level; give one in (0, 0.5)"
            )
        )
    if problems:
        return problems
    version = versions[rollout.version]
    size = checkpoint_size(version, cat)
    models = {v.id: v.model for v in scenario.model_versions}
    sizes = {v.id: checkpoint_size(v, cat) for v in scenario.model_versions}
    chosen = rollout_targets(scenario, rollout, models)
    if not chosen:
        problems.append(
            Problem(
                f"{where}.targets",
                f"no node there runs model {version.model!r}; name the nodes, or place a stage "
                "of it there",
            )
        )
        return problems
    topology = topology or Topology(scenario, cat)
    canary = rollout.strategy == "canary"
    if canary and not any(nodes[n][1].tier == "aggregation_edge" for n in chosen):
        problems.append(
            Problem(
                f"{where}.targets",
                "a canary runs at the aggregation edge, and no target is there; add an "
                "aggregation-edge node to the targets or use strategy 'waves'",
            )
        )
    for node_id in chosen:
        index, target = nodes[node_id]
        if node_id == rollout.registry:
            continue
        if topology.path(rollout.registry, node_id) is None:
            problems.append(
                Problem(
                    f"{where}.targets",
                    f"{node_id!r} cannot be reached from the registry {rollout.registry!r}; "
                    "add a link or choose another registry",
                )
            )
            continue
        installed = list(dict.fromkeys(target.versions))
        same = [v for v in installed if models[v] == version.model and v != version.id]
        others = sum(sizes[v] for v in installed if models[v] != version.model)
        two = canary and target.tier == "aggregation_edge" and same
        if canary and target.tier == "aggregation_edge" and not same:
            problems.append(
                Problem(
                    f"{where}.targets",
                    f"a canary compares {version.id} with the version {node_id} runs, and it "
                    f"runs none of {version.model!r}; list one in nodes[{index}].versions or "
                    "use strategy 'all_at_once'",
                )
            )
            continue
        need = others + size + (sizes[same[0]] if two else 0)
        if need > target.storage_bytes:
            what = (
                f"room for two versions ({_size(sizes[same[0]])} + {_size(size)})"
                if two
                else f"room for the {_size(size)} checkpoint of {version.id}"
            )
            used = f", {_size(others)} used by other models" if others else ""
            problems.append(
                Problem(
                    f"{where}.targets",
                    f"{node_id} has no {what} in its storage of {_size(target.storage_bytes)}"
                    f"{used}; raise nodes[{index}].storage or choose other targets",
                )
            )
    return problems


def check_rollouts(scenario: Scenario, cat: Catalogue, topology: Topology) -> list[Problem]:
    """Every rollout of the scenario (ids unique, each checked by :func:`check_rollout`)."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, rollout in enumerate(scenario.rollouts):
        if first.setdefault(rollout.id, i) != i:
            problems.append(
                Problem(
                    f"rollouts[{i}].id",
                    f"duplicate id {short_repr(rollout.id)}: rollouts[{first[rollout.id]}] has "
                    "it too; give each rollout an id of its own",
                )
            )
        problems += check_rollout(scenario, rollout, cat, f"rollouts[{i}]", topology)
    return problems
