"""The catalogue: tiers, hardware, AI models, links, data sources and data classes, each sourced.

The figures live in ``data/catalogue/*.yaml``; this module only loads and checks them. Every
figure an entry sets must have an entry in its ``sources`` mapping that cites a reference
(``[R16]``), shows a derivation (``derived: ...``) or admits an assumption (``assumption: ...``).

Examples
--------
>>> cat = load_catalogue()
>>> cat.tier_level("cloud")
5
>>> cat.models["resnet50"].size_bytes() > 0
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError

from .errors import CatalogueError, Problem, ProblemsError
from .fields import (
    BitsPerSecond,
    Bytes,
    Count,
    Fraction,
    Ops,
    OpsPerSecond,
    Schema,
    Seconds,
    Sources,
    Watts,
)
from .loading import data_dir, problems_from_validation_error, read_yaml

TierId = Literal["far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud"]
TIER_IDS: tuple[TierId, ...] = ("far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud")
Precision = Literal["fp32", "fp16", "int8", "int4"]


class Entry(Schema):
    """Common fields of every catalogue entry."""

    FIGURES: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="unique id, e.g. 'jetson_agx_orin'")
    name: str = ""
    sources: Sources = Field(default_factory=dict, description="figure name -> citation")
    notes: str | None = None


class Tier(Entry):
    """One of the five tiers of the hierarchy."""

    FIGURES = ("latency_budget", "availability_target")

    id: TierId
    level: int = Field(ge=1, le=5)
    networking_analogue: str
    on_premises: bool
    latency_budget_s: Seconds = Field(alias="latency_budget")
    typical_hardware: list[str] = Field(default_factory=list)
    availability_target: Fraction
    description: str = ""


class Hardware(Entry):
    """A compute profile: what a node of this kind can run and how fast."""

    FIGURES = (
        "peak_ops",
        "effective_ops",
        "servers",
        "memory",
        "power",
        "idle_power",
        "battery_wh",
        "cost_per_hour_usd",
        "memory_bandwidth",
        "precision_ops",
        "shard_overhead",
    )

    kind: Literal["mcu", "npu", "sbc", "soc", "gpu_card", "server"]
    tier: TierId
    peak_ops_per_s: OpsPerSecond = Field(alias="peak_ops")
    effective_ops_per_s: OpsPerSecond = Field(
        alias="effective_ops", description="sustained single-stream throughput per server"
    )
    servers: int = Field(default=1, ge=1, description="parallel inference servers (e.g. GPUs)")
    memory_bytes: Bytes = Field(alias="memory")
    power_w: Watts | None = Field(default=None, alias="power")
    idle_power_w: Watts | None = Field(
        default=None,
        alias="idle_power",
        description="power while idle (waiting for work, model loaded); 'power' is while busy",
    )
    battery_wh: float | None = Field(
        default=None, gt=0, le=1e6, description="battery capacity per device in Wh, if any"
    )
    cost_per_hour_usd: float | None = Field(default=None, ge=0)
    memory_bandwidth_bps: BitsPerSecond | None = Field(
        default=None,
        alias="memory_bandwidth",
        description="peak memory bandwidth of one server (card), e.g. '102 GB/s'",
    )
    precision_ops: dict[Precision, OpsPerSecond] | None = Field(
        default=None,
        description="dense peak throughput of one server (card) per precision it has units for",
    )
    shard_overhead_s: Seconds | None = Field(
        default=None,
        alias="shard_overhead",
        description="time added to each generated token when a model is sharded across cards",
    )

    @property
    def card_memory_bytes(self) -> float:
        """Memory of one server (card): a model not sharded must fit this."""
        return self.memory_bytes / self.servers


class Model(Entry):
    """An AI model profile."""

    FIGURES = (
        "params",
        "sizes",
        "ops_per_inference",
        "accuracy",
        "flops_per_token",
        "prompt_tokens",
        "output_tokens",
    )

    task: str = ""
    params: Count
    sizes: dict[Precision, Bytes] = Field(min_length=1)
    default_precision: Precision
    ops_per_inference: Ops
    accuracy: Fraction | None = None
    accuracy_metric: str | None = None
    flops_per_token: Ops | None = Field(
        default=None,
        description="a language model's work per token (about 2 x params); set, the model is "
        "served token by token: prefill, then one pass over the weights per output token",
    )
    prompt_tokens: int | None = Field(default=None, ge=0, description="default prompt length")
    output_tokens: int | None = Field(default=None, ge=1, description="default answer length")

    @property
    def is_llm(self) -> bool:
        """Whether the model generates tokens (its service time follows the roofline)."""
        return self.flops_per_token is not None

    def size_bytes(self, precision: Precision | None = None) -> float:
        """Size of the deployed artifact at ``precision`` (default: the model's default)."""
        return self.sizes[precision or self.default_precision]


class LinkProfile(Entry):
    """A kind of link with default figures (bandwidth is the uplink, app-level)."""

    FIGURES = (
        "bandwidth",
        "downlink_bandwidth",
        "rtt",
        "jitter",
        "loss",
        "availability",
        "mttr",
        "radio_uj_per_bit_up",
        "radio_uj_per_bit_down",
        "radio_power",
    )

    bandwidth_bps: BitsPerSecond = Field(alias="bandwidth")
    downlink_bandwidth_bps: BitsPerSecond | None = Field(default=None, alias="downlink_bandwidth")
    rtt_s: Seconds = Field(alias="rtt")
    jitter_s: Seconds | None = Field(default=None, alias="jitter")
    loss: Fraction | None = None
    availability: Fraction
    mttr_s: Seconds | None = Field(default=None, alias="mttr")
    # Radio energy of the device end (the lower tier), after Huang et al.'s linear model
    # P = alpha_up * rate_up + alpha_down * rate_down + beta: energy per bit sent or received,
    # plus ``radio_power`` (beta) for as long as the link is busy. Unset: no radio energy.
    radio_uj_per_bit_up: float | None = Field(
        default=None, ge=0, le=1e6, description="radio energy per bit sent up, in microjoules"
    )
    radio_uj_per_bit_down: float | None = Field(
        default=None, ge=0, le=1e6, description="radio energy per bit received, in microjoules"
    )
    radio_power_w: Watts | None = Field(
        default=None,
        alias="radio_power",
        description="radio power while the link carries data, on top of the per-bit energy",
    )

    @property
    def latency_s(self) -> float:
        """One-way latency: half the round-trip time."""
        return self.rtt_s / 2


class DataSource(Entry):
    """A kind of sensor and its raw data rate."""

    FIGURES = ("raw_rate", "typical_output_rate")

    raw_rate_bps: BitsPerSecond = Field(alias="raw_rate")
    typical_output_rate_bps: BitsPerSecond | None = Field(default=None, alias="typical_output_rate")
    default_class: str = "public"


class DataClass(Entry):
    """A class of data and the highest tier it may reach."""

    FIGURES = ("max_tier",)

    max_tier: TierId
    description: str = ""


class Reference(Schema):
    id: str = Field(pattern=r"^R\d+$")
    citation: str


_FILES: dict[str, tuple[str, type[Schema]]] = {
    "references": ("references.yaml", Reference),
    "tiers": ("tiers.yaml", Tier),
    "hardware": ("hardware.yaml", Hardware),
    "models": ("models.yaml", Model),
    "links": ("links.yaml", LinkProfile),
    "data_sources": ("data_sources.yaml", DataSource),
    "data_classes": ("data_classes.yaml", DataClass),
}
_TAG = re.compile(r"\[(R\d+)\]")


@dataclass(frozen=True)
class Catalogue:
    """Every catalogue table, keyed by id."""

    tiers: dict[str, Tier]
    hardware: dict[str, Hardware]
    models: dict[str, Model]
    links: dict[str, LinkProfile]
    data_sources: dict[str, DataSource]
    data_classes: dict[str, DataClass]
    references: dict[str, Reference] = field(default_factory=dict)

    def tier_level(self, tier: str) -> int:
        """1 for the far edge ... 5 for the cloud."""
        return self.tiers[tier].level

    def tiers_in_order(self) -> list[Tier]:
        return sorted(self.tiers.values(), key=lambda t: t.level)

    def extended(
        self,
        *,
        hardware: Iterable[Hardware] = (),
        models: Iterable[Model] = (),
        links: Iterable[LinkProfile] = (),
        data_sources: Iterable[DataSource] = (),
    ) -> Catalogue:
        """A copy with extra (or overriding) entries, e.g. a scenario's own hardware."""
        return Catalogue(
            tiers=self.tiers,
            hardware=self.hardware | {h.id: h for h in hardware},
            models=self.models | {m.id: m for m in models},
            links=self.links | {lp.id: lp for lp in links},
            data_sources=self.data_sources | {d.id: d for d in data_sources},
            data_classes=self.data_classes,
            references=self.references,
        )


def _check_citation(
    citation: str, where: str, references: Mapping[str, Reference]
) -> list[Problem]:
    tags = _TAG.findall(citation)
    unknown = [t for t in tags if t not in references]
    if unknown:
        return [Problem(where, f"cites {', '.join(unknown)}, not in references.yaml")]
    if not tags and not citation.startswith(("derived:", "assumption:")):
        return [
            Problem(
                where, "cite a reference like '[R16]', or start with 'derived:' or 'assumption:'"
            )
        ]
    return []


def _check_sources(entry: Entry, path: str, references: Mapping[str, Reference]) -> list[Problem]:
    """Every figure the entry sets has a citation; every citation is well-formed."""
    problems = []
    set_fields = entry.model_dump(by_alias=True, exclude_none=True)
    for figure in entry.FIGURES:
        if figure not in set_fields:
            continue
        cited = entry.sources.get(figure)
        if cited is None:
            problems.append(
                Problem(
                    f"{path}.sources", f"figure '{figure}' has no source; add 'sources.{figure}'"
                )
            )
        elif isinstance(set_fields[figure], dict):
            keys = set_fields[figure].keys()
            missing = [k for k in keys if not isinstance(cited, dict) or k not in cited]
            if isinstance(cited, str):
                missing = []  # one citation covers the whole mapping
            for key in missing:
                problems.append(
                    Problem(f"{path}.sources.{figure}", f"'{key}' has no source; add it")
                )
    for figure, cited in entry.sources.items():
        citations = cited.items() if isinstance(cited, dict) else [("", cited)]
        for key, citation in citations:
            where = f"{path}.sources.{figure}" + (f".{key}" if key else "")
            problems.extend(_check_citation(citation, where, references))
    return problems


def _load_table(
    directory: Path, key: str, require_sources: bool, problems: list[Problem]
) -> dict[str, Any]:
    filename, model = _FILES[key]
    path = directory / filename
    try:
        document = read_yaml(path)
    except ProblemsError as exc:
        problems.extend(
            Problem(f"{filename}: {p.path}".rstrip(": "), p.message) for p in exc.problems
        )
        return {}
    rows = document.get(key) if isinstance(document, dict) else None
    if not isinstance(rows, list):
        problems.append(Problem(filename, f"expected a top-level key '{key}:' holding a list"))
        return {}
    table: dict[str, Any] = {}
    for index, row in enumerate(rows):
        where = f"{filename}: {key}[{index}]"
        try:
            entry = model.model_validate(row, context={"units_required": True})
        except ValidationError as exc:
            problems.extend(
                Problem(f"{where}.{p.path}" if p.path else where, p.message)
                for p in problems_from_validation_error(exc, model)
            )
            continue
        entry_id = getattr(entry, "id", None)
        if entry_id in table:
            problems.append(Problem(f"{where}.id", f"duplicate id {entry_id!r}"))
        table[str(entry_id)] = entry
    return table


def _check_cross_references(cat: Catalogue) -> list[Problem]:
    problems = []
    for tier in cat.tiers.values():
        for hw in tier.typical_hardware:
            if hw not in cat.hardware:
                problems.append(
                    Problem(f"tiers.yaml: {tier.id}.typical_hardware", f"unknown hardware {hw!r}")
                )
    for model in cat.models.values():
        if model.default_precision not in model.sizes:
            problems.append(
                Problem(
                    f"models.yaml: {model.id}.default_precision",
                    f"{model.default_precision!r} has no entry in sizes",
                )
            )
    for src in cat.data_sources.values():
        if src.default_class not in cat.data_classes:
            problems.append(
                Problem(
                    f"data_sources.yaml: {src.id}.default_class",
                    f"unknown data class {src.default_class!r}",
                )
            )
    if set(cat.tiers) != set(TIER_IDS):
        problems.append(Problem("tiers.yaml", f"must define exactly the tiers {TIER_IDS}"))
    return problems


def load_catalogue(
    directory: Path | str | None = None, *, require_sources: bool = True
) -> Catalogue:
    """Load and check the catalogue in ``directory`` (default: the shipped ``data/catalogue``).

    Raises :class:`CatalogueError` listing every problem found.
    """
    if directory is None:
        return _shipped_catalogue()
    return _load(Path(directory), require_sources)


@lru_cache(maxsize=1)
def _shipped_catalogue() -> Catalogue:
    return _load(data_dir() / "catalogue", True)


def _load(directory: Path, require_sources: bool) -> Catalogue:
    problems: list[Problem] = []
    tables = {key: _load_table(directory, key, require_sources, problems) for key in _FILES}
    cat = Catalogue(**tables)
    if not problems:
        problems.extend(_check_cross_references(cat))
        if require_sources:
            for key in _FILES:
                if key == "references":
                    continue
                filename = _FILES[key][0]
                for entry in tables[key].values():
                    problems.extend(
                        _check_sources(entry, f"{filename}: {entry.id}", cat.references)
                    )
    if problems:
        raise CatalogueError(problems, str(directory))
    return cat
