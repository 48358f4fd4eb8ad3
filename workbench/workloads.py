"""Derived figures of workloads: request sizes, data classes along the pipeline, service times."""

from __future__ import annotations

from .catalogue import Catalogue, Hardware, Model
from .llm import llm_service_time_s
from .scenario import Node, Scenario, Stage, Workload


def input_size_bytes(workload: Workload, catalogue: Catalogue) -> float:
    """Bytes per request: as given, else the source's raw data rate divided by the request rate."""
    if workload.source.input_size_bytes is not None:
        return workload.source.input_size_bytes
    kind = catalogue.data_sources[workload.source.kind]
    return kind.raw_rate_bps / 8 / workload.source.rate


def data_class(workload: Workload, catalogue: Catalogue) -> str:
    """The workload's data class: as declared, else the data source's default class."""
    if workload.data_class is not None:
        return workload.data_class
    return catalogue.data_sources[workload.source.kind].default_class


def stage_classes(workload: Workload, catalogue: Catalogue) -> list[tuple[str, str]]:
    """(class of the data entering, class of the output) for every stage, in order."""
    classes = []
    current = data_class(workload, catalogue)
    for stage in workload.stages:
        out = stage.output_class or current
        classes.append((current, out))
        current = out
    return classes


def stage_input_sizes(workload: Workload, catalogue: Catalogue) -> list[float]:
    """Bytes entering each stage: the request's input, then each previous stage's output."""
    sizes = [input_size_bytes(workload, catalogue)]
    sizes += [stage.output_size_bytes for stage in workload.stages[:-1]]
    return sizes


def model_size_bytes(stage: Stage, catalogue: Catalogue) -> float:
    """Size of the stage's model at its precision."""
    model = catalogue.models[stage.model]
    return model.size_bytes(stage.precision)


def service_time_s(model: Model, hardware: Hardware, stage: Stage | None = None) -> float:
    """Deterministic compute time of one request on one server.

    A language model (``flops_per_token`` set) follows the roofline of :mod:`workbench.llm`
    with the stage's precision, token counts and shards; any other model takes its work /
    the sustained throughput of one server.
    """
    if model.is_llm:
        if stage is None:
            return llm_service_time_s(model, hardware)
        return llm_service_time_s(
            model,
            hardware,
            precision=stage.precision,
            prompt_tokens=stage.prompt_tokens,
            output_tokens=stage.output_tokens,
            shards=stage.shards,
        )
    return model.ops_per_inference / hardware.effective_ops_per_s


def node_servers(node: Node, catalogue: Catalogue, shards: dict[str, int]) -> int:
    """Parallel servers of one instance of ``node``: its cards (the node's ``servers`` or the
    hardware's), grouped by the largest ``shards`` of the stages placed on it (``shards`` is
    :func:`shards_by_node` of the scenario)."""
    cards = node.servers or catalogue.hardware[node.hardware].servers
    return max(1, cards // shards.get(node.id, 1))


def shards_by_node(scenario: Scenario) -> dict[str, int]:
    """The largest ``shards`` of the stages placed on each node (nodes without any: absent)."""
    out: dict[str, int] = {}
    for workload in scenario.workloads:
        for stage in workload.stages:
            node_id = scenario.placement.get(f"{workload.id}.{stage.id}")
            if node_id is not None:
                out[node_id] = max(out.get(node_id, 1), stage.shards)
    return out


def max_level(class_id: str, catalogue: Catalogue) -> int:
    """Highest tier level a data class may reach."""
    return catalogue.tier_level(catalogue.data_classes[class_id].max_tier)
