"""Design-space sweeps: the grid (or a random sample) of variations of a scenario, run on Dask.

A variation names a scenario field by ids, as a file would say it, and the values to try::

    links.wan.bandwidth            = 10 Mbit/s, 100 Mbit/s
    placement.bearing-wear.correlate = line-gw, plant-dc
    workloads.visual-inspection.source.rate = 5 /s, 15 /s
    nodes.line-gw.hardware         = jetson_orin_nx, jetson_agx_orin_64gb

:func:`plan_sweep` builds and validates every design before anything runs (a bad path or value
is refused with the validation's message, naming the variation); :func:`run_sweep` runs the
designs (the estimate, or simulations for each seed) on a Dask cluster and returns one row per
design and seed (columns in the README, "Sweep a design space"). :func:`sweep` does both.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from .errors import Problem, ProblemsError
from .loading import _field_names, _format_loc
from .scenario import Scenario, scenario_from_dict, scenario_to_dict
from .units import short_repr

MAX_DESIGNS = 100_000  # a grid past this is refused: sample it (--sample)
MAX_PRINTED_DESIGNS = 20  # designs whose own problems are listed; the rest are counted
PREMISES = "on_prem|telco_edge"  # the boundary whose crossing bytes are the WAN bytes

Loc = tuple[str | int, ...]
Progress = Callable[[int], None]


class SweepError(ProblemsError):
    """A sweep specification (a variation, a value, a design) that cannot run."""


@dataclass(frozen=True)
class Variation:
    """One field of the scenario and the values to try (as written in a file)."""

    path: str
    values: tuple[Any, ...]
    loc: Loc = ()  # where the field is in the scenario file's data

    @property
    def where(self) -> str:
        return f"--vary {self.path}"


@dataclass(frozen=True)
class Design:
    """One combination of values: ``values[i]`` for ``variations[i]``."""

    index: int
    values: tuple[Any, ...]
    status: str = "ok"  # 'ok', or 'overloaded' (it runs, and its queues grow)
    note: str = ""


@dataclass
class SweepPlan:
    """Everything a sweep runs: the base scenario's data, the designs, seeds and settings."""

    name: str
    base: dict[str, Any]
    variations: list[Variation]
    designs: list[Design]
    seeds: list[int | None]
    until_s: float | None
    estimate_only: bool
    file: str | None = None
    grid_size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.designs) * len(self.seeds)

    def design_data(self, design: Design) -> dict[str, Any]:
        return apply_values(
            self.base, [(v.loc, x) for v, x in zip(self.variations, design.values, strict=True)]
        )


# --------------------------------------------------------------------------- parsing
def parse_vary(text: str) -> tuple[str, list[Any]]:
    """``'links.wan.bandwidth=10 Mbit/s,1 Gbit/s'`` -> the path and its values (each read as a
    YAML scalar, so ``0.5`` is a number and ``true`` a boolean; text stays text)."""
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SweepError(
            [
                Problem(
                    f"--vary {short_repr(text)}",
                    "expected PATH=V1,V2,..., e.g. 'links.wan.bandwidth=10 Mbit/s,100 Mbit/s'",
                )
            ]
        )
    items = [v.strip() for v in values.split(",")]
    if not values.strip() or any(not v for v in items):
        raise SweepError(
            [
                Problem(
                    f"--vary {path}",
                    "give one or more values separated by commas, none "
                    "empty, e.g. 'links.wan.bandwidth=10 Mbit/s,100 Mbit/s'",
                )
            ]
        )
    return path, [_scalar(v) for v in items]


def _scalar(text: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, str | int | float | bool) else text


# --------------------------------------------------------------------------- paths
_ID_LISTS = (
    "nodes",
    "links",
    "workloads",
    "stages",
    "flows",
    "model_versions",
    "rollouts",
    "failures",
)
_KIND = {
    "nodes": "node",
    "links": "link",
    "workloads": "workload",
    "stages": "stage",
    "flows": "flow",
    "model_versions": "model version",
    "rollouts": "rollout",
    "failures": "failure",
}


def _item_id(item: Any, list_name: str) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("id") is not None:
        return str(item["id"])
    if list_name == "links" and isinstance(item.get("ends"), list | tuple):
        return f"{item['ends'][0]}--{item['ends'][1]}"
    return None


def _did_you_mean(value: str, names: Iterable[str]) -> str:
    import difflib

    known = sorted(set(names))
    close = difflib.get_close_matches(value, known, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    listed = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
    return f"choose one of: {listed}" if known else "there are none"


def resolve(data: dict[str, Any], path: str) -> Loc:
    """Where ``path`` (ids and field names joined by dots) is in the scenario file's ``data``.

    Raises :class:`SweepError` naming the part that is not there, with a 'did you mean'. Mapping
    levels the file leaves out (defaults) are allowed when the schema has the field.
    """
    parts = path.split(".")
    where = f"--vary {path}"
    loc: list[str | int] = []
    current: Any = data
    i = 0
    while i < len(parts):
        part = parts[i]
        if tuple(loc) == ("placement",):
            key = ".".join(parts[i:])
            stages = [
                f"{w['id']}.{s['id']}"
                for w in data.get("workloads", [])
                for s in w.get("stages", [])
                if isinstance(s, dict)
            ]
            if key not in stages:
                raise SweepError(
                    [
                        Problem(
                            where,
                            f"no stage {short_repr(key)} to place "
                            f"(placement keys are 'workload.stage'); "
                            f"{_did_you_mean(key, stages)}",
                        )
                    ]
                )
            return (*loc, key)
        if isinstance(current, list):
            name = str(loc[-1]) if loc else ""
            ids = [_item_id(item, name) for item in current]
            for j in range(len(parts), i, -1):  # ids may hold dots: the longest match wins
                candidate = ".".join(parts[i:j])
                if candidate in ids:
                    index = ids.index(candidate)
                    loc.append(index)
                    current = current[index]
                    i = j
                    break
            else:
                if part.isdigit() and int(part) < len(current):
                    loc.append(int(part))
                    current = current[int(part)]
                    i += 1
                    continue
                kind = _KIND.get(name, "item")
                raise SweepError(
                    [
                        Problem(
                            where,
                            f"no {kind} {short_repr(part)} in the "
                            f"scenario's {name}; "
                            f"{_did_you_mean(part, [x for x in ids if x])}",
                        )
                    ]
                )
            continue
        allowed = _field_names(Scenario, tuple(loc))
        if allowed is None or not isinstance(current, dict | type(None)):
            raise SweepError(
                [
                    Problem(
                        where,
                        f"{_format_loc(tuple(loc))} is a value, not a group "
                        f"of fields; end the path there",
                    )
                ]
            )
        if part not in allowed:
            what = f"of {_format_loc(tuple(loc))}" if loc else "of a scenario"
            raise SweepError(
                [
                    Problem(
                        where,
                        f"unknown field {short_repr(part)} {what}; {_did_you_mean(part, allowed)}",
                    )
                ]
            )
        loc.append(part)
        current = current.get(part) if isinstance(current, dict) else None
        if current is None and i + 1 < len(parts) and part in _ID_LISTS:
            raise SweepError([Problem(where, f"the scenario has no {part}")])
        i += 1
    if isinstance(current, list) and loc and loc[-1] in _ID_LISTS:
        raise SweepError(
            [
                Problem(
                    where,
                    f"name one of the {loc[-1]} by id and a field, e.g. "
                    f"'{path}.{_item_id(current[0], str(loc[-1])) if current else 'ID'}"
                    ".FIELD'",
                )
            ]
        )
    return tuple(loc)


def apply_values(base: dict[str, Any], settings: Iterable[tuple[Loc, Any]]) -> dict[str, Any]:
    """A deep copy of ``base`` with each (location, value) set (missing mappings created)."""
    data = copy.deepcopy(base)
    for loc, value in settings:
        current: Any = data
        for part in loc[:-1]:
            if isinstance(current, dict):
                current = current.setdefault(part, {})
                if current is None:
                    current = {}
            else:
                current = current[part]
        current[loc[-1]] = value
    return data


# --------------------------------------------------------------------------- planning
def plan_sweep(
    scenario: Scenario,
    variations: Mapping[str, Sequence[Any]],
    *,
    seeds: int = 1,
    sample: int | None = None,
    estimate_only: bool = False,
    until: float | None = None,
    file: str | None = None,
) -> SweepPlan:
    """Every design of the grid of ``variations`` (or a random ``sample`` of it), each built
    and validated; raises :class:`SweepError` listing every problem before anything runs."""
    from .validation import check_capacity, validate_scenario

    problems: list[Problem] = []
    if not variations:
        problems.append(
            Problem(
                "--vary",
                "give at least one variation, e.g. "
                "--vary 'links.wan.bandwidth=10 Mbit/s,100 Mbit/s'",
            )
        )
    if seeds < 1:
        problems.append(Problem("--seeds", f"expected 1 or more, got {seeds}"))
    if sample is not None and sample < 1:
        problems.append(Problem("--sample", f"expected 1 or more designs, got {sample}"))
    warmup = scenario.simulation.warmup_s
    if not estimate_only and until is not None and until <= warmup:
        problems.append(
            Problem(
                "--until",
                f"{until:g} s is not longer than the scenario's warm-up ({warmup:g} s), so no "
                "statistics would be collected; run longer",
            )
        )
    base = scenario_to_dict(scenario)
    resolved: list[Variation] = []
    for path, values in variations.items():
        values = tuple(values)
        if not values:
            problems.append(Problem(f"--vary {path}", "give one or more values"))
            continue
        try:
            resolved.append(Variation(path, values, resolve(base, path)))
        except SweepError as exc:
            problems += exc.problems
    for a, b in itertools.combinations(resolved, 2):
        if a.loc == b.loc:
            problems.append(
                Problem(
                    f"--vary {b.path}", f"the same field as --vary {a.path}; give its values once"
                )
            )
    if problems:
        raise SweepError(problems, file)
    grid = math.prod(len(v.values) for v in resolved)
    if grid > MAX_DESIGNS and sample is None:
        raise SweepError(
            [
                Problem(
                    "--vary",
                    f"{grid:,} designs is more than {MAX_DESIGNS:,}; "
                    "give --sample N to run a random sample of them",
                )
            ],
            file,
        )
    combos: Sequence[tuple[Any, ...]] = (
        list(itertools.product(*(v.values for v in resolved))) if grid <= MAX_DESIGNS else []
    )
    if sample is not None and sample < grid:
        rng = random.Random(scenario.simulation.seed)
        if combos:
            combos = [combos[i] for i in sorted(rng.sample(range(grid), sample))]
        else:
            combos = [tuple(rng.choice(v.values) for v in resolved) for _ in range(sample)]
    designs, failed = [], 0
    cache: dict[tuple[int, str], list[Problem]] = {}  # one value's own problems, reported once
    for index, values in enumerate(combos):
        settings = [(v.loc, x) for v, x in zip(resolved, values, strict=True)]
        data = apply_values(base, settings)
        try:
            design_scenario = scenario_from_dict(data, file)
            found = validate_scenario(design_scenario, capacity=False)
        except ProblemsError as exc:
            found = exc.problems
        if found:
            own = _blame(found, resolved, values)
            for key, items in own.items():
                cache.setdefault(key, items)
            rest = [p for p in found if not any(p in items for items in own.values())]
            if rest:
                failed += 1
                if failed <= MAX_PRINTED_DESIGNS:
                    problems += [
                        Problem(
                            f"design {index} ({_label(resolved, values)}): {p.path}".rstrip(": "),
                            p.message,
                        )
                        for p in rest
                    ]
            continue
        overload = [p for p in check_capacity(design_scenario) if p.severity == "error"]
        status, note = ("overloaded", overload[0].message) if overload else ("ok", "")
        designs.append(Design(index, values, status, note))
    for (i, value), items in cache.items():
        problems += [Problem(f"--vary {resolved[i].path}={value}", p.message) for p in items]
    if failed > MAX_PRINTED_DESIGNS:
        problems.append(
            Problem("", f"... and {failed - MAX_PRINTED_DESIGNS} more designs with problems")
        )
    if problems:
        raise SweepError(problems, file)
    return SweepPlan(
        name=scenario.name,
        base=base,
        variations=resolved,
        designs=designs,
        seeds=[None] if estimate_only else [scenario.simulation.seed + k for k in range(seeds)],
        until_s=until,
        estimate_only=estimate_only,
        file=file,
        grid_size=grid,
    )


def _label(variations: Sequence[Variation], values: Sequence[Any]) -> str:
    return ", ".join(f"{v.path}={x}" for v, x in zip(variations, values, strict=True))


def _blame(
    found: list[Problem], variations: list[Variation], values: Sequence[Any]
) -> dict[tuple[int, str], list[Problem]]:
    """The problems whose field is a varied one, by (variation, value)."""
    own: dict[tuple[int, str], list[Problem]] = {}
    for i, variation in enumerate(variations):
        prefix = _format_loc(variation.loc)
        mine = [
            p for p in found if p.path == prefix or p.path.startswith((prefix + ".", prefix + "["))
        ]
        if mine:
            own[(i, str(values[i]))] = mine
    return own


# --------------------------------------------------------------------------- running
def run_design(
    data: dict[str, Any], seed: int | None, until: float | None, estimate_only: bool
) -> dict[str, Any]:
    """One row of figures for one design (the estimate, or one simulation with ``seed``)."""
    scenario = scenario_from_dict(data)
    try:
        if estimate_only:
            return _estimate_row(scenario)
        return _simulation_row(scenario, seed, until)
    except ProblemsError as exc:  # e.g. a run past the size limits
        return {"status": "failed", "note": str(exc).splitlines()[0]}
    except Exception as exc:  # a bug shown on its row; the other designs still run
        return {"status": "failed", "note": f"internal error ({type(exc).__name__}: {exc})"}


def _estimate_row(scenario: Scenario) -> dict[str, Any]:
    from .analytic import estimate
    from .estimate_cost import estimate_figures

    est = estimate(scenario)
    row: dict[str, Any] = {}
    for wid, w in est.workloads.items():
        row[f"{wid}.latency_mean_s"] = w.latency_s
        row[f"{wid}.latency_p50_s"] = None
        row[f"{wid}.latency_p95_s"] = None
        row[f"{wid}.slo_s"] = w.slo_s
        row[f"{wid}.slo_met_share"] = None
        row[f"{wid}.meets_slo"] = w.meets_slo
    boundary = est.boundaries.get(PREMISES)
    row["wan_bytes_per_s"] = (
        boundary.up_bytes_per_s + boundary.down_bytes_per_s if boundary else 0.0
    )
    row["bandwidth_saving_percent"] = boundary.saving_percent if boundary else None
    row["all_slos_met"] = all(w.meets_slo for w in est.workloads.values())
    row.update(estimate_figures(scenario))
    return row


def _simulation_row(scenario: Scenario, seed: int | None, until: float | None) -> dict[str, Any]:
    from .estimate_cost import run_figures
    from .sim import simulate

    results = simulate(scenario, until=until, seed=seed)
    summary = results.summary()
    row: dict[str, Any] = {}
    met = []
    for wid, w in summary["workloads"].items():
        share = None if w["slo_violation_share"] is None else 1 - w["slo_violation_share"]
        row[f"{wid}.latency_mean_s"] = w["latency_mean_s"]
        row[f"{wid}.latency_p50_s"] = w["latency_p50_s"]
        row[f"{wid}.latency_p95_s"] = w["latency_p95_s"]
        row[f"{wid}.slo_s"] = w["slo_s"]
        row[f"{wid}.slo_met_share"] = share
        row[f"{wid}.meets_slo"] = (
            w["latency_p95_s"] is not None and w["latency_p95_s"] <= w["slo_s"]
        )
        met.append(row[f"{wid}.meets_slo"])
    boundary = summary["boundaries"].get(PREMISES, {})
    row["wan_bytes_per_s"] = boundary.get("up_bytes_per_s", 0.0) + boundary.get(
        "down_bytes_per_s", 0.0
    )
    row["bandwidth_saving_percent"] = boundary.get("saving_percent")
    row["all_slos_met"] = all(met)
    row.update(run_figures(results))
    return row


def _run_chunk(
    base: dict[str, Any],
    items: list[tuple[int, int | None, list[tuple[Loc, Any]]]],
    until: float | None,
    estimate_only: bool,
) -> list[dict[str, Any]]:
    """Run a few designs on one worker (the unit of work sent over Dask)."""
    rows = []
    for index, seed, settings in items:
        row = run_design(apply_values(base, settings), seed, until, estimate_only)
        row["design"], row["seed"] = index, seed
        rows.append(row)
    return rows


def _warm_up() -> None:
    """Import the engine and read the catalogue once in a worker (the first run pays it)."""
    from .catalogue import load_catalogue
    from .economics import load_prices
    from .sim import simulate  # noqa: F401

    load_catalogue()
    load_prices()


def warm_up(client: Any) -> None:
    """Have every worker of ``client`` import the workbench and read its catalogues."""
    client.run(_warm_up)


def local_cluster(workers: int | None = None) -> Any:
    """A local Dask cluster of worker processes, one thread each (the engine is pure Python),
    without the workers' statistical profiler (it samples every thread's stack every 10 ms)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers or default_cluster_size(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )


def default_cluster_size() -> int:
    """Worker processes of the local cluster: one per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def connect(scheduler: str, file: str | None = None, timeout: str = "20s") -> Any:
    """A client of the Dask scheduler at ``scheduler``; SweepError when it cannot be reached."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SweepError(
            [
                Problem(
                    f"--scheduler {short_repr(scheduler)}",
                    f"cannot reach a Dask scheduler there ({type(exc).__name__}: {exc}); check "
                    "the address (e.g. tcp://10.0.0.5:8786) and that `dask scheduler` runs",
                )
            ],
            file,
        ) from None


def run_sweep(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
    chunks_per_worker: int = 4,
    connect_timeout: str = "20s",
) -> pd.DataFrame:
    """Run every design and seed of ``plan`` on Dask and return one row per design and seed.

    ``client``: a ``distributed.Client`` to use; else ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``) is connected to; else a local cluster of processes is started for
    the sweep and closed after it. ``progress`` is called with the rows done at each step.
    """
    from distributed import Client, as_completed

    owned = []
    if client is None:
        if scheduler is not None:
            client = connect(scheduler, plan.file, connect_timeout)
        else:
            cluster = local_cluster()
            owned.append(cluster)
            client = Client(cluster)  # type: ignore[no-untyped-call]
        owned.insert(0, client)
    try:
        items = [
            (d.index, seed, [(v.loc, x) for v, x in zip(plan.variations, d.values, strict=True)])
            for d in plan.designs
            for seed in plan.seeds
        ]
        warm_up(client)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = (
            1
            if not plan.estimate_only
            else max(1, math.ceil(len(items) / (workers * chunks_per_worker)))
        )
        base = client.scatter(plan.base, broadcast=True)
        futures = [
            client.submit(
                _run_chunk, base, items[i : i + size], plan.until_s, plan.estimate_only, pure=False
            )
            for i in range(0, len(items), size)
        ]
        rows: list[dict[str, Any]] = []
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            chunk = future.result()
            rows += chunk
            if progress is not None:
                progress(len(chunk))
    finally:
        for thing in owned:
            thing.close()
    return sweep_table(plan, rows)


def run_sweep_here(plan: SweepPlan, progress: Progress | None = None) -> pd.DataFrame:
    """The same rows as :func:`run_sweep`, one design after another in this process (the
    baseline of the speed benchmark, and a sweep without a cluster)."""
    rows = []
    for design in plan.designs:
        settings = [(v.loc, x) for v, x in zip(plan.variations, design.values, strict=True)]
        for seed in plan.seeds:
            rows += _run_chunk(
                plan.base, [(design.index, seed, settings)], plan.until_s, plan.estimate_only
            )
            if progress is not None:
                progress(1)
    return sweep_table(plan, rows)


def sweep_table(plan: SweepPlan, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows in design and seed order, design values as the first columns (text as given)."""
    by_index = {d.index: d for d in plan.designs}
    out = []
    for row in rows:
        design = by_index[row["design"]]
        head: dict[str, Any] = {"design": design.index, "seed": row["seed"]}
        head |= {v.path: str(x) for v, x in zip(plan.variations, design.values, strict=True)}
        head["mode"] = "estimate" if plan.estimate_only else "simulation"
        status = row.pop("status", None) or design.status
        note = row.pop("note", None) or design.note
        out.append(
            head
            | {k: v for k, v in row.items() if k not in head}
            | {"status": status, "note": note}
        )
    table = pd.DataFrame(out)
    if table.empty:
        return table
    table["seed"] = table["seed"].astype("Int64")
    return table.sort_values(["design", "seed"], kind="stable").reset_index(drop=True)


def sweep(
    scenario: Scenario,
    variations: Mapping[str, Sequence[Any]],
    *,
    seeds: int = 1,
    sample: int | None = None,
    estimate_only: bool = False,
    until: float | None = None,
    scheduler: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Plan (validate every design) and run a sweep; one row per design and seed.

    >>> from workbench.loading import data_dir
    >>> from workbench.scenario import load_scenario
    >>> s = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    >>> plan = plan_sweep(s, {"links.wan.bandwidth": ["10 Mbit/s", "1 Gbit/s"]}, estimate_only=True)
    >>> table = run_sweep_here(plan)
    >>> list(table["links.wan.bandwidth"]), list(table["all_slos_met"]), list(table["status"])
    (['10 Mbit/s', '1 Gbit/s'], [False, True], ['overloaded', 'ok'])
    """
    plan = plan_sweep(
        scenario, variations, seeds=seeds, sample=sample, estimate_only=estimate_only, until=until
    )
    return run_sweep(plan, scheduler=scheduler, client=client, progress=progress)


def write_sweep(table: pd.DataFrame, plan: SweepPlan, out_dir: Any) -> dict[str, Any]:
    """``sweep.parquet`` (the table) and ``pareto.html`` (the Pareto page) in ``out_dir``."""
    from pathlib import Path

    from .plots_sweep import pareto_page

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {"table": out / "sweep.parquet", "pareto": out / "pareto.html"}
    table.to_parquet(written["table"], engine="pyarrow", index=False)
    written["pareto"].write_text(pareto_page(table, plan), encoding="utf-8")
    return written


__all__ = [
    "Design",
    "SweepError",
    "SweepPlan",
    "Variation",
    "parse_vary",
    "plan_sweep",
    "resolve",
    "run_design",
    "run_sweep",
    "run_sweep_here",
    "sweep",
    "sweep_table",
    "write_sweep",
]
