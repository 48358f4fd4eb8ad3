"""The scenario: nodes, links, workloads, placement and simulation settings, and its YAML file.

A scenario file is YAML with quantities in units ("25 ms", "100 Mbit/s"), converted once on
load to SI floats. :func:`load_scenario` checks the schema and every cross-reference and raises
:class:`~workbench.errors.ScenarioError` listing all problems; :func:`save_scenario` writes a
file that loads back to an equal scenario.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from .catalogue import (
    Catalogue,
    DataClass,
    DataSource,
    Hardware,
    LinkProfile,
    Model,
    Precision,
    TierId,
    load_catalogue,
)
from .economics.prices import PriceOverrides
from .errors import Problem, ProblemsError, ScenarioError
from .fields import (
    BitsPerSecond,
    Bytes,
    BytesOrZero,
    Coordinate,
    DegradeFactor,
    DeviceCount,
    DrainShare,
    FailureInterval,
    Fraction,
    PerSecond,
    RepairTime,
    RepeatPeriod,
    RunLength,
    Schema,
    Seconds,
    SecondsOrZero,
    ServerCount,
    dump,
)
from .loading import problems_from_validation_error, read_yaml
from .units import short_repr

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
# Workload and stage ids make the placement key 'workload.stage', so they may not hold dots.
NAME_PATTERN = r"^[A-Za-z0-9_:-]+$"
MAX_ID_CHARS = 100
Id = str


class Position(Schema):
    """Where the canvas draws a node (free units; the canvas scales them)."""

    x: Coordinate
    y: Coordinate


class Node(Schema):
    """A compute node, or a group of ``count`` identical ones (e.g. 40 vibration sensors)."""

    id: Id = Field(
        pattern=ID_PATTERN, max_length=MAX_ID_CHARS, description="unique node id, e.g. 'gw1'"
    )
    tier: TierId
    hardware: str = Field(description="a hardware id from the catalogue, e.g. 'jetson_orin_nx'")
    count: DeviceCount = Field(default=1, description="identical devices this node stands for")
    site: str | None = Field(default=None, description="the premises the node belongs to")
    storage_bytes: BytesOrZero = Field(
        default=0.0, alias="storage", description="local store for buffering, e.g. '2 GB'"
    )
    servers: ServerCount | None = Field(
        default=None, description="parallel inference servers; default: the hardware's"
    )
    position: Position | None = None
    in_service: bool = True
    label: str | None = None
    battery_wh: float | None = Field(
        default=None,
        gt=0,
        le=1e6,
        allow_inf_nan=False,
        description="battery capacity of each device in Wh (default: the hardware's, if any); "
        "the summary then gives its battery life",
    )
    versions: list[Id] = Field(
        default_factory=list,
        description="model versions installed at the start (ids from model_versions); the "
        "first version of each model is the one it serves",
    )


class Link(Schema):
    """A link between two nodes; figures not given come from its ``profile``.

    When an end is a group of ``count`` devices, each device has its own link of this kind.
    """

    id: Id | None = Field(
        default=None, pattern=ID_PATTERN, max_length=MAX_ID_CHARS, description="default 'a--b'"
    )
    ends: tuple[Id, Id]
    profile: str | None = Field(default=None, description="a link id from the catalogue")
    bandwidth_bps: BitsPerSecond | None = Field(
        default=None,
        alias="bandwidth",
        description="bit rate toward the higher tier (uplink), e.g. '100 Mbit/s'",
    )
    downlink_bandwidth_bps: BitsPerSecond | None = Field(
        default=None,
        alias="downlink_bandwidth",
        description="bit rate toward the lower tier, if different",
    )
    latency_s: SecondsOrZero | None = Field(
        default=None, alias="latency", description="one-way latency, e.g. '1 ms'"
    )
    availability: Fraction | None = None
    in_service: bool = True

    @model_validator(mode="after")
    def _default_id(self) -> Link:
        if self.id is None:
            self.__dict__["id"] = f"{self.ends[0]}--{self.ends[1]}"
        return self

    @property
    def key(self) -> str:
        """The link's id (always set after validation)."""
        return str(self.id)


class Source(Schema):
    """Where a workload's data is born and how often a request is made."""

    node: Id = Field(description="the node (or device group) whose sensors produce the data")
    kind: str = Field(description="a data-source id from the catalogue, e.g. 'vibration_3axis'")
    rate: PerSecond = Field(description="requests per device, e.g. '1 Hz' or '15 fps'")
    input_size_bytes: Bytes | None = Field(
        default=None,
        alias="input_size",
        description="bytes per request; default: the source's raw data rate / rate",
    )
    arrival: Literal["poisson", "periodic", "trace"] = Field(
        default="poisson",
        description="poisson or periodic at 'rate' per device, or the timestamps in 'trace'",
    )
    trace: list[SecondsOrZero] | None = Field(
        default=None, description="request times for arrival: trace, e.g. ['0 s', '1.5 s']"
    )

    @model_validator(mode="after")
    def _trace_matches_arrival(self) -> Source:
        if self.arrival == "trace" and not self.trace:
            raise ValueError("arrival 'trace' needs a non-empty 'trace' list of times")
        if self.trace is not None and self.arrival != "trace":
            raise ValueError("'trace' is given, so set arrival: trace (or remove the trace)")
        return self


class ServiceTime(Schema):
    """An explicit service-time distribution, overriding work / throughput (e.g. for theory)."""

    dist: Literal["deterministic", "exponential", "lognormal"]
    mean_s: Seconds = Field(alias="mean")
    cv: float = Field(
        default=1.0, gt=0, le=100, description="coefficient of variation (lognormal), 0-100"
    )


class Fallback(Schema):
    """What serves a stage when its primary node cannot be reached."""

    model: str
    node: Id | None = Field(
        default=None, description="where the fallback runs; default: where the data is"
    )
    precision: Precision | None = None


class Aggregate(Schema):
    """An aggregation window: the stage collects its inputs (per node instance) from the first
    one for ``window`` seconds and/or until ``count`` have arrived, whichever comes first, then
    makes one inference and one output for the whole window."""

    window_s: Seconds | None = Field(
        default=None, alias="window", description="longest a window stays open, e.g. '10 s'"
    )
    count: int | None = Field(default=None, ge=1, description="inputs that close a window, e.g. 50")

    @model_validator(mode="after")
    def _window_or_count(self) -> Aggregate:
        if self.window_s is None and self.count is None:
            raise ValueError(
                "give a 'window' (e.g. '10 s'), a 'count' (e.g. 50) or both; "
                "or write 'aggregate: true' for no window"
            )
        return self


class Stage(Schema):
    """One AI step of a workload's pipeline."""

    id: Id = Field(pattern=NAME_PATTERN, max_length=MAX_ID_CHARS)
    model: str = Field(description="a model id from the catalogue, e.g. 'yolov8n'")
    precision: Precision | None = Field(default=None, description="default: the model's default")
    output_size_bytes: Bytes = Field(alias="output_size", description="bytes out per request")
    output_class: str | None = Field(
        default=None, description="data class of the output; default: the input's class"
    )
    aggregate: bool | Aggregate = Field(
        default=False,
        description="needs the data of every device of the source group together; true: "
        "one output per input (placement rule only), or a window {window: '10 s', count: 50}: "
        "one output per window",
    )
    forward: Fraction = Field(
        default=1.0,
        description="share of requests whose output goes on to the next stage (or the sink); "
        "the rest end here, served locally",
    )
    service: ServiceTime | None = Field(
        default=None, description="explicit service time; default: model work / node throughput"
    )
    fallback: Fallback | None = None
    prompt_tokens: int | None = Field(
        default=None, ge=0, le=10_000_000, description="LLM: tokens in; default: the model's"
    )
    output_tokens: int | None = Field(
        default=None, ge=1, le=10_000_000, description="LLM: tokens out; default: the model's"
    )
    shards: int = Field(
        default=1,
        ge=1,
        le=1024,
        description="cards of its node that hold the model together and serve it as one server "
        "(tensor parallel); needed when the model does not fit one card",
    )

    @field_validator("aggregate", mode="wrap")
    @classmethod
    def _aggregate(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """true/false, or a window: checked as a window alone, so a mistake in one is reported
        as that (not also as "expected true or false")."""
        if not isinstance(value, dict):
            return handler(value)
        try:
            return Aggregate.model_validate(value, context=info.context)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            problem = problems_from_validation_error(exc, Aggregate)[0].message
            raise ValueError(f"{where}: {problem}" if where else problem) from None

    @property
    def window(self) -> Aggregate | None:
        """The stage's aggregation window, if it has one (``aggregate: true`` has none)."""
        return self.aggregate if isinstance(self.aggregate, Aggregate) else None


class Degraded(Schema):
    """What a workload does when a link or node on its way is out of service."""

    buffer: bool = Field(
        default=True,
        description="store and forward: data that cannot go on waits in the node's local store",
    )
    drop_policy: Literal["oldest", "newest"] = Field(
        default="oldest", description="what a full store drops to make room"
    )
    drain_share: DrainShare = Field(
        default=0.5,
        description="share of a restored link's bandwidth the backlog may use while draining",
    )
    reroute: bool = Field(default=True, description="take another path where the topology has one")
    deadline_s: Seconds | None = Field(
        default=None, alias="deadline", description="drop requests older than this, e.g. '60 s'"
    )

    @model_validator(mode="after")
    def _drain_share_positive(self) -> Degraded:
        if self.drain_share <= 0:
            raise ValueError("drain_share must be more than 0, or the backlog never drains")
        return self


class Labels(Schema):
    """Ground truth for a share of served requests (human review or an automated oracle): each
    label is born at the request's source after ``delay`` and travels up the real links."""

    share: Fraction = Field(description="share of served requests that get a label, e.g. 0.2")
    delay_s: SecondsOrZero = Field(default=0.0, alias="delay", description="e.g. '30 s'")
    size_bytes: Bytes = Field(default=200.0, alias="size", description="bytes per label message")
    to: Id | None = Field(
        default=None,
        description="where labels go; default: the aggregation-edge node of the serving "
        "node's site (where a canary is decided), else the serving node",
    )


class Workload(Schema):
    """A pipeline of AI stages fed by a data source, with a latency SLO."""

    id: Id = Field(pattern=NAME_PATTERN, max_length=MAX_ID_CHARS)
    description: str = ""
    source: Source
    stages: list[Stage] = Field(min_length=1)
    sink: Id | None = Field(default=None, description="where results go, e.g. 'dashboard'")
    slo_s: Seconds = Field(alias="slo", description="end-to-end latency SLO, e.g. '50 ms'")
    data_class: str | None = Field(
        default=None, description="e.g. 'phi', 'pii', 'public'; default: the source's class"
    )
    degraded: Degraded = Field(default_factory=Degraded)
    labels: Labels | None = Field(default=None, description="ground-truth labels, see Labels")

    def stage_keys(self) -> list[str]:
        return [f"{self.id}.{stage.id}" for stage in self.stages]


class Flow(Schema):
    """Downward (or upward) bulk traffic, e.g. a model artifact pushed to every gateway."""

    id: Id = Field(pattern=ID_PATTERN, max_length=MAX_ID_CHARS)
    kind: Literal["model_push", "config", "telemetry", "other"] = "model_push"
    origin: Id = Field(alias="from", description="the node that sends, e.g. 'cloud'")
    targets: list[Id] = Field(alias="to", min_length=1, description="receiving nodes")
    size_bytes: Bytes = Field(alias="size", description="bytes per transfer, e.g. '25 MB'")
    start_s: SecondsOrZero = Field(default=0.0, alias="at", description="first transfer time")
    every_s: RepeatPeriod | None = Field(default=None, alias="every", description="repeat period")


class ModelVersion(Schema):
    """One version of a catalogue model: its checkpoint size and the accuracy it really has
    (which may differ from what its release notes claim)."""

    id: Id = Field(pattern=ID_PATTERN, max_length=MAX_ID_CHARS, description="e.g. 'resnet50-v2'")
    model: str = Field(description="the catalogue model it is a version of, e.g. 'resnet50'")
    version: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="e.g. '2.0'")
    size_bytes: Bytes | None = Field(
        default=None, alias="size", description="checkpoint size; default: the model's size"
    )
    accuracy: Fraction = Field(description="true accuracy: how often its prediction is right")
    claimed_accuracy: Fraction | None = Field(
        default=None, description="what its release notes claim (shown, never used to judge)"
    )


class RolloutTargets(Schema):
    """Which nodes a rollout reaches: by id, every node of a site, or every node of a tier."""

    nodes: list[Id] | None = Field(default=None, min_length=1)
    site: str | None = None
    tier: TierId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RolloutTargets:
        if sum(t is not None for t in (self.nodes, self.site, self.tier)) != 1:
            raise ValueError("give exactly one of nodes, site or tier")
        return self


class Rollout(Schema):
    """A model version pushed down from a registry node to target nodes, by a strategy."""

    id: Id = Field(pattern=ID_PATTERN, max_length=MAX_ID_CHARS)
    version: Id = Field(description="a model_versions id")
    targets: RolloutTargets
    registry: Id = Field(description="the node the checkpoint is sent from, e.g. 'cloud'")
    start_s: SecondsOrZero = Field(default=0.0, alias="at", description="start, e.g. '60 s'")
    strategy: Literal["all_at_once", "waves", "canary", "ab"] = "all_at_once"
    by: Literal["tier", "site"] = Field(default="tier", description="waves: one wave per ...")
    max_concurrent: int | None = Field(
        default=None, ge=1, le=1_000_000, description="waves: transfers at once; default: all"
    )
    pause_s: SecondsOrZero = Field(default=0.0, alias="pause", description="waves: between waves")
    share: Fraction = Field(default=0.1, description="canary: traffic share of the new version")
    samples: int = Field(
        default=500, ge=10, le=10_000_000, description="canary: labelled requests per arm"
    )
    alpha: Fraction = Field(default=0.05, description="canary: false-promote rate of the test")
    margin: Fraction = Field(
        default=0.05, description="canary: accuracy loss still accepted (non-inferiority)"
    )
    split: Fraction = Field(default=0.5, description="A/B: traffic share of the new version")
    duration_s: Seconds | None = Field(
        default=None, alias="duration", description="A/B: how long both versions serve"
    )
    bandwidth_share: Fraction = Field(
        default=0.5, description="share of each link's time the transfer may use"
    )
    on_interrupt: Literal["resume", "restart"] = Field(
        default="resume", description="after a link failure: resume from the last byte, or restart"
    )
    swap_time_s: SecondsOrZero = Field(
        default=5.0, alias="swap_time", description="from checkpoint received to serving"
    )


class Failure(Schema):
    """Links or nodes out of service: scripted (``at`` + ``duration``) or random (``mtbf`` +
    ``mttr``), on one element, on every uplink of a site, or on every node of a tier.
    A ``degrade`` keeps the link up at a share of its bandwidth and/or with extra latency."""

    id: Id | None = Field(default=None, pattern=ID_PATTERN, max_length=MAX_ID_CHARS)
    link: Id | None = Field(default=None, description="a link id")
    node: Id | None = Field(default=None, description="a node id")
    site: str | None = Field(default=None, description="every link leaving this site")
    tier: TierId | None = Field(default=None, description="every node of this tier")
    kind: Literal["down", "degrade"] = "down"
    at_s: SecondsOrZero | None = Field(default=None, alias="at", description="start, e.g. '120 s'")
    duration_s: Seconds | None = Field(default=None, alias="duration", description="e.g. '60 s'")
    mtbf_s: FailureInterval | None = Field(
        default=None, alias="mtbf", description="mean time between"
    )
    mttr_s: RepairTime | None = Field(default=None, alias="mttr", description="mean time to repair")
    bandwidth_factor: DegradeFactor = Field(
        default=1.0, description="degrade: share of the bandwidth left, e.g. 0.1"
    )
    extra_latency_s: SecondsOrZero = Field(
        default=0.0, alias="extra_latency", description="degrade: latency added, e.g. '200 ms'"
    )

    @model_validator(mode="after")
    def _one_target_one_timing(self) -> Failure:
        targets = [t for t in (self.link, self.node, self.site, self.tier) if t is not None]
        if len(targets) != 1:
            raise ValueError("give exactly one of link, node, site or tier")
        scripted = self.at_s is not None or self.duration_s is not None
        random = self.mtbf_s is not None or self.mttr_s is not None
        if scripted == random:
            raise ValueError("give either 'at' and 'duration' (scripted) or 'mtbf' and 'mttr'")
        if scripted and (self.at_s is None or self.duration_s is None):
            raise ValueError("a scripted failure needs both 'at' and 'duration'")
        if random and (self.mtbf_s is None or self.mttr_s is None):
            raise ValueError("a random failure needs both 'mtbf' and 'mttr'")
        if self.kind == "degrade" and self.bandwidth_factor == 1.0 and self.extra_latency_s == 0:
            raise ValueError("a degrade needs bandwidth_factor < 1 or extra_latency")
        if self.kind == "degrade" and self.bandwidth_factor <= 0:
            raise ValueError("bandwidth_factor must be more than 0; use kind: down instead")
        if self.kind == "degrade" and self.link is None and self.site is None:
            raise ValueError("only links degrade; use kind: down for nodes")
        return self

    @property
    def label(self) -> str:
        return self.id or str(self.link or self.node or self.site or self.tier)


class Simulation(Schema):
    """How long and how to run the simulation."""

    until_s: RunLength = Field(default=600.0, alias="until")
    warmup_s: SecondsOrZero = Field(default=0.0, alias="warmup")
    seed: int = Field(default=1, ge=0, le=2**63 - 1)


class CatalogueExtras(Schema):
    """A scenario's own catalogue entries, added to (or replacing) the shipped ones."""

    hardware: list[Hardware] = Field(default_factory=list)
    models: list[Model] = Field(default_factory=list)
    links: list[LinkProfile] = Field(default_factory=list)
    data_sources: list[DataSource] = Field(default_factory=list)
    data_classes: list[DataClass] = Field(default_factory=list)
    prices: PriceOverrides | None = Field(
        default=None, description="the scenario's own prices, see data/catalogue/prices.yaml"
    )


class Scenario(Schema):
    """Topology + workloads + placement + simulation settings."""

    name: str = Field(min_length=1)
    description: str = ""
    extras: CatalogueExtras = Field(default_factory=CatalogueExtras, alias="catalogue")
    nodes: list[Node] = Field(min_length=1)
    links: list[Link] = Field(default_factory=list)
    workloads: list[Workload] = Field(default_factory=list)
    placement: dict[str, Id] = Field(
        default_factory=dict, description="'workload.stage' -> node id"
    )
    flows: list[Flow] = Field(default_factory=list, description="bulk transfers, e.g. rollouts")
    model_versions: list[ModelVersion] = Field(
        default_factory=list, description="versions of catalogue models, with true accuracy"
    )
    rollouts: list[Rollout] = Field(
        default_factory=list, description="model versions pushed down to nodes, by a strategy"
    )
    failures: list[Failure] = Field(
        default_factory=list, description="scripted and random outages and degradations"
    )
    simulation: Simulation = Field(default_factory=Simulation)

    def catalogue(self, base: Catalogue | None = None) -> Catalogue:
        """The shipped catalogue (or ``base``) with this scenario's own entries added."""
        base = base or load_catalogue()
        if self.extras.model_copy(update={"prices": None}) == CatalogueExtras():
            return base  # prices live apart (workbench.economics.prices)
        merged = base.extended(
            hardware=self.extras.hardware,
            models=self.extras.models,
            links=self.extras.links,
            data_sources=self.extras.data_sources,
        )
        if self.extras.data_classes:
            classes = merged.data_classes | {c.id: c for c in self.extras.data_classes}
            merged = Catalogue(**{**merged.__dict__, "data_classes": classes})
        return merged

    def node(self, node_id: str) -> Node:
        """The node with ``node_id``; raises KeyError naming it."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"Node {node_id!r} not found")

    def link(self, link_id: str) -> Link:
        for link in self.links:
            if link.key == link_id:
                return link
        raise KeyError(f"Link {link_id!r} not found")

    def workload(self, workload_id: str) -> Workload:
        for workload in self.workloads:
            if workload.id == workload_id:
                return workload
        raise KeyError(f"Workload {workload_id!r} not found")


def scenario_from_dict(data: Any, file: str | None = None) -> Scenario:
    """Build a scenario from file data (units required), raising ScenarioError on problems."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise ScenarioError(
            [
                Problem(
                    "",
                    f"expected a mapping with keys name, nodes, links, workloads, placement; "
                    f"got {kind}",
                )
            ],
            file,
        )
    shape = _shape_problems(data)
    if shape:
        raise ScenarioError(shape, file)
    context = {"units_required": True}
    try:
        return Scenario.model_validate(data, context=context)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, Scenario, data, context)
        raise ScenarioError(problems, file) from None


_LISTS = ("nodes", "links", "workloads")
MAX_SHAPE_PROBLEMS = 20


def _shape_problems(data: dict[str, Any]) -> list[Problem]:
    """Items of the top-level lists that are not mappings, found before the (costly) schema
    check; a huge file of junk then yields a few lines quickly instead of millions."""
    problems: list[Problem] = []
    wrong = 0
    for key in _LISTS:
        items = data.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                wrong += 1
                if len(problems) < MAX_SHAPE_PROBLEMS:
                    problems.append(
                        Problem(
                            f"{key}[{index}]",
                            f"expected a mapping of fields, got {type(item).__name__}",
                        )
                    )
    if wrong > len(problems):
        problems.append(Problem("", f"... and {wrong - len(problems)} more items like these"))
    return problems


MAX_EXTENDS = 8
MAX_EXTENDS_CHARS = 255


def _read_with_base(path: Path, chain: list[Path]) -> Any:
    """The file's data; a file with ``extends: base.yaml`` (a path relative to it) is the base
    scenario with this file's top-level keys replacing the base's."""
    file = str(path)
    try:
        data = read_yaml(path)
    except ProblemsError as exc:
        raise ScenarioError(exc.problems, file) from None
    if not isinstance(data, dict) or "extends" not in data:
        return data
    base = data.pop("extends")
    if not isinstance(base, str) or not base.strip() or len(base) > MAX_EXTENDS_CHARS:
        raise ScenarioError(
            [
                Problem(
                    "extends",
                    "the base scenario is not a file name; give the path of a scenario file "
                    f"(at most {MAX_EXTENDS_CHARS} characters), e.g. 'factory_floor.yaml'",
                )
            ],
            file,
        )
    shown = short_repr(base)
    try:
        base_path = (path.parent / base).resolve()
        found = base_path.is_file()
    except (OSError, RuntimeError, ValueError):  # a name too long, a symlink loop, a NUL
        found = False
        base_path = path.parent / "?"
    if base_path in chain or len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            [
                Problem(
                    "extends",
                    f"the base scenario {shown} extends itself (directly or through others); "
                    "remove the loop",
                )
            ],
            file,
        )
    if not found:
        raise ScenarioError(
            [
                Problem(
                    "extends",
                    f"the base scenario {shown} was not found next to this file; check the path",
                )
            ],
            file,
        )
    merged = _read_with_base(base_path, [*chain, path.resolve()])
    if not isinstance(merged, dict):
        raise ScenarioError(
            [Problem("extends", f"the base scenario {shown} is not a scenario; check the file")],
            file,
        )
    return merged | data


def load_scenario(path: Path | str, *, check: bool = True) -> Scenario:
    """Load a scenario file; with ``check``, also run every cross-reference check.

    Raises :class:`ScenarioError` listing every problem, each with its field path.
    """
    from .validation import validate_scenario

    file = str(path)
    data = _read_with_base(Path(path), [])
    scenario = scenario_from_dict(data, file)
    if check:
        problems = validate_scenario(scenario)
        if problems:
            raise ScenarioError(problems, file)
    return scenario


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain data for a file: quantities with units, defaults left out."""
    data = dump(scenario)
    data.setdefault("nodes", [])
    return data


def save_scenario(scenario: Scenario, path: Path | str) -> None:
    """Write ``scenario`` as YAML; :func:`load_scenario` reads back an equal scenario."""
    text = yaml.safe_dump(
        scenario_to_dict(scenario), sort_keys=False, allow_unicode=True, width=100
    )
    Path(path).write_text(text, encoding="utf-8")


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (field names as written in files)."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Edge AI Tier Workbench scenario"
    return schema


def schema_text() -> str:
    return json.dumps(scenario_json_schema(), indent=2)
