"""Sweeps: paths by ids, validation before anything runs, rows = grid x seeds, a real Dask
scheduler and worker, the Parquet table and Pareto page, the CLI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario
from workbench.sweep import (
    SweepError,
    parse_vary,
    plan_sweep,
    resolve,
    run_sweep,
    run_sweep_here,
    sweep_table,
    write_sweep,
)

FACTORY = data_dir() / "scenarios" / "factory_floor.yaml"
ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
GRID = {
    "links.wan.bandwidth": ["10 Mbit/s", "100 Mbit/s", "1 Gbit/s"],
    "placement.bearing-wear.correlate": ["line-gw", "plant-dc"],
}


@pytest.fixture(scope="module")
def factory() -> Scenario:
    return load_scenario(FACTORY)


def test_paths_by_ids_find_the_fields(factory: Scenario) -> None:
    plan = plan_sweep(factory, {"links.wan.bandwidth": ["1 Gbit/s"]}, estimate_only=True)
    base = plan.base
    assert resolve(base, "links.wan.bandwidth") == ("links", 3, "bandwidth")
    assert resolve(base, "placement.bearing-wear.correlate") == (
        "placement",
        "bearing-wear.correlate",
    )
    assert resolve(base, "workloads.visual-inspection.source.rate") == (
        "workloads",
        1,
        "source",
        "rate",
    )
    assert resolve(base, "nodes.line-gw.hardware") == ("nodes", 2, "hardware")
    assert resolve(base, "workloads.visual-inspection.stages.classify.model")[-1] == "model"


def test_each_design_gets_its_values(factory: Scenario) -> None:
    plan = plan_sweep(
        factory,
        {
            "links.wan.bandwidth": ["10 Mbit/s", "1 Gbit/s"],
            "nodes.line-gw.hardware": ["jetson_orin_nx"],
        },
        estimate_only=True,
    )
    data = plan.design_data(plan.designs[0])
    assert data["links"][3]["bandwidth"] == "10 Mbit/s"
    assert data["nodes"][2]["hardware"] == "jetson_orin_nx"
    assert plan.base["nodes"][2]["hardware"] == "jetson_agx_orin_64gb"  # the base is untouched


def test_estimate_rows_are_the_grid_and_the_figures_follow_the_design(factory: Scenario) -> None:
    plan = plan_sweep(factory, GRID, estimate_only=True)
    table = run_sweep_here(plan)
    assert len(table) == 6
    assert (
        list(table["links.wan.bandwidth"])
        == ["10 Mbit/s"] * 2 + ["100 Mbit/s"] * 2 + ["1 Gbit/s"] * 2
    )
    # 10 Mbit/s cannot carry the WAN traffic: overloaded, flagged, SLOs missed.
    slow = table[table["links.wan.bandwidth"] == "10 Mbit/s"]
    assert set(slow["status"]) == {"overloaded"} and not slow["all_slos_met"].any()
    fast = table[table["links.wan.bandwidth"] == "1 Gbit/s"]
    assert fast["all_slos_met"].all() and set(fast["status"]) == {"ok"}
    # Correlating at the plant DC (where the twin runs anyway): the same hops, and the A100
    # correlates faster than the line gateway's Jetson.
    line, plant = (
        fast.set_index("placement.bearing-wear.correlate").loc[k, "bearing-wear.latency_mean_s"]
        for k in ("line-gw", "plant-dc")
    )
    assert plant < line
    for column in ("wan_bytes_per_s", "bandwidth_saving_percent", "cost_usd_per_month"):
        assert table[column].notna().all() and (table[column] > 0).all()


@pytest.mark.parametrize(
    ("variations", "expected"),
    [
        (
            {"links.wam.bandwidth": ["1 Gbit/s"]},
            "--vary links.wam.bandwidth: no link 'wam'.*did you mean 'wan'",
        ),
        (
            {"links.wan.bandwith": ["1 Gbit/s"]},
            "unknown field 'bandwith'.*did you mean 'bandwidth'",
        ),
        (
            {"links.wan.bandwidth": ["10 Mbt/s"]},
            r"--vary links.wan.bandwidth=10 Mbt/s: .*unknown unit",
        ),
        (
            {"placement.bearing-wear.corelate": ["plant-dc"]},
            "did you mean 'bearing-wear.correlate'",
        ),
        (
            {"placement.bearing-wear.correlate": ["plant-dcc"]},
            "unknown node 'plant-dcc'; did you mean 'plant-dc'",
        ),
        ({"placement.bearing-wear.correlate": ["cloud"]}, "=cloud: .*may not go above"),
        ({"nodes.line-gw.hardware": ["jetson_orin_nxx"]}, "did you mean 'jetson_orin_nx'"),
        ({"workloads.visual-inspection.source.rate": ["-1 /s"]}, "must be greater than zero"),
        ({}, "give at least one variation"),
    ],
)
def test_bad_specs_are_refused_before_anything_runs(
    factory: Scenario, variations: dict[str, list[str]], expected: str
) -> None:
    with pytest.raises(SweepError) as info:
        plan_sweep(factory, variations, file="f.yaml")
    assert re.search(expected, str(info.value)), str(info.value)
    assert str(info.value).startswith("f.yaml: ")


def test_parse_vary_reads_values_as_a_file_would() -> None:
    assert parse_vary("links.wan.bandwidth=10 Mbit/s, 1 Gbit/s") == (
        "links.wan.bandwidth",
        ["10 Mbit/s", "1 Gbit/s"],
    )
    assert parse_vary("workloads.w.stages.s.forward=0.1,0.5")[1] == [0.1, 0.5]
    for bad in ("links.wan.bandwidth", "links.wan.bandwidth=", "x=1,,2"):
        with pytest.raises(SweepError):
            parse_vary(bad)


def test_sample_takes_that_many_distinct_designs(factory: Scenario) -> None:
    plan = plan_sweep(factory, GRID, sample=4, estimate_only=True)
    assert len(plan.designs) == 4 and plan.grid_size == 6
    assert len({d.values for d in plan.designs}) == 4


def test_simulated_rows_are_designs_times_seeds_and_files_are_written(
    factory: Scenario, tmp_path: Path
) -> None:
    plan = plan_sweep(
        factory,
        {"placement.bearing-wear.correlate": ["line-gw", "plant-dc"]},
        seeds=2,
        until=20.0,
    )
    table = run_sweep_here(plan)
    assert len(table) == 4 and list(table["seed"]) == [1, 2, 1, 2]
    assert table["bearing-wear.latency_p95_s"].notna().all()
    assert (table["bearing-wear.latency_p95_s"] >= table["bearing-wear.latency_p50_s"]).all()
    assert table["bearing-wear.slo_met_share"].between(0, 1).all()
    written = write_sweep(table, plan, tmp_path)
    back = pd.read_parquet(written["table"])
    assert back.shape == table.shape
    page = written["pareto"].read_text()
    assert "Pareto front" in page and "SLO 100 ms" in page


def test_a_run_that_raises_is_a_failed_row(
    factory: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.sweep as sweep_module

    def broken(scenario: Scenario) -> dict[str, object]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(sweep_module, "_estimate_row", broken)
    plan = plan_sweep(factory, {"links.wan.bandwidth": ["1 Gbit/s"]}, estimate_only=True)
    table = run_sweep_here(plan)
    assert table.loc[0, "status"] == "failed"
    assert table.loc[0, "note"] == "internal error (ZeroDivisionError: division by zero)"


def test_until_within_the_warm_up_is_refused(factory: Scenario) -> None:
    with pytest.raises(SweepError, match=r"--until: 5 s is not longer than the scenario's warm-up"):
        plan_sweep(factory, {"links.wan.bandwidth": ["1 Gbit/s"]}, until=5.0)


def test_a_failed_run_is_a_row_not_a_crash(factory: Scenario) -> None:
    plan = plan_sweep(factory, {"links.wan.bandwidth": ["1 Gbit/s"]}, estimate_only=True)
    rows = [{"design": 0, "seed": None, "status": "failed", "note": "too big"}]
    table = sweep_table(plan, rows)
    assert table.loc[0, "status"] == "failed" and table.loc[0, "note"] == "too big"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (up to two minutes, for a loaded machine) until the scheduler accepts connections."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dask scheduler exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"dask scheduler did not listen on {port} within 120 s:\n{log.read_text()}")


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A real ``dask scheduler`` and one ``dask worker`` in subprocesses.

    Their output goes to log files that a failure prints; every wait has a deadline generous
    enough for a loaded two-core machine and ends as soon as its condition holds.
    """
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    scheduler_log, worker_log = tmp_path / "scheduler.log", tmp_path / "worker.log"
    with scheduler_log.open("wb") as out:
        scheduler = subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    processes = [scheduler]
    try:
        _wait_until_listening(port, scheduler, scheduler_log)
        with worker_log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--name",
                        "test-worker",
                        "--local-directory",
                        str(tmp_path / "worker"),
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        from distributed import Client

        with Client(address, timeout="120s") as client:
            try:
                client.wait_for_workers(1, timeout=120)
            except TimeoutError:
                pytest.fail(f"no dask worker joined within 120 s:\n{worker_log.read_text()}")
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_cli_sweep_runs_on_the_given_scheduler(
    dask_cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from distributed import Client

    out = tmp_path / "out"
    code = main(
        [
            "sweep",
            str(FACTORY),
            "--vary",
            "links.wan.bandwidth=100 Mbit/s,1 Gbit/s",
            "--vary",
            "placement.bearing-wear.correlate=line-gw,plant-dc",
            "--seeds",
            "2",
            "--until",
            "15 s",
            "--scheduler",
            dask_cluster,
            "--out",
            str(out),
            "-q",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert dask_cluster in printed
    table = pd.read_parquet(out / "sweep.parquet")
    assert len(table) == 4 * 2
    assert (table["status"] == "ok").all()
    assert (out / "pareto.html").stat().st_size > 10_000
    # The work was done by that cluster's worker: it holds the tasks' records.
    with Client(dask_cluster, timeout="120s") as client:
        done = client.run_on_scheduler(
            lambda dask_scheduler: sum(
                1 for t in dask_scheduler.transition_log if t[0].startswith("_run_chunk")
            )
        )
    assert done >= 8


def test_cli_refuses_a_bad_vary_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", str(FACTORY), "--vary", "links.wan.bandwith=1 Gbit/s", "--out", "x"])
    out = capsys.readouterr().out
    assert code == 2
    assert out.strip() == (
        f"{FACTORY}: --vary links.wan.bandwith: unknown field 'bandwith' of links[3]; did you "
        "mean 'bandwidth'?"
    )
    code = main(
        [
            "sweep",
            str(FACTORY),
            "--vary",
            "links.wan.bandwidth=1 Gbit/s",
            "--estimate-only",
            "--seeds",
            "3",
        ]
    )
    assert code == 2 and "--seeds" in capsys.readouterr().out


def test_run_sweep_on_a_local_cluster_by_default(factory: Scenario) -> None:
    from workbench.sweep import sweep

    done: list[int] = []
    table = sweep(factory, GRID, estimate_only=True, progress=done.append)
    assert len(table) == 6 and sum(done) == 6


def test_the_pareto_front_holds_only_designs_that_meet_every_slo(factory: Scenario) -> None:
    from workbench.plots_sweep import pareto_figure

    plan = plan_sweep(factory, GRID, estimate_only=True)
    table = run_sweep_here(plan)
    figure = pareto_figure(table, list(GRID))
    fronts = [t for t in figure.data if t.name == "Pareto front"]
    assert len(fronts) == 4 * 2  # a workload per row, cost and WAN bytes per column
    good_costs = set(table.loc[table["all_slos_met"], "cost_usd_per_month"])
    cost_fronts = fronts[::2]
    assert all(x in good_costs for t in cost_fronts for x in t.x)
    assert all(len(t.x) >= 1 for t in fronts)
    slo_lines = [s for s in figure.layout.shapes if s.line.dash == "dash"]
    assert len(slo_lines) == 8 and {round(s.y0) for s in slo_lines} == {100, 50, 2000, 5000}


def test_an_unreachable_scheduler_is_a_clear_error(factory: Scenario) -> None:
    plan = plan_sweep(factory, {"links.wan.bandwidth": ["1 Gbit/s"]}, estimate_only=True)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SweepError, match=r"--scheduler .*cannot reach a Dask scheduler there"):
        run_sweep(plan, scheduler=address, connect_timeout="2s")
