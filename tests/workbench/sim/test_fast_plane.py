"""The fast plane (workbench.sim.fast) against the reference engine, its oracle.

The two planes draw their random numbers in different orders (the fast plane draws service
times in its compiled loop), so the same seed does not give the same requests: the planes are
compared statistically. Per workload, the end-to-end latency; per stage (each a station, or a
group of station instances), the wait in queue and the time in service. Each comparison is a
two-sample Kolmogorov-Smirnov test at alpha = 0.001 on up to 5,000 requests per plane, taken
evenly over the run after the warm-up (thinning also weakens the autocorrelation of queueing
times, which the test assumes away). Its power, checked below by Monte Carlo on exponential
samples of that size: about 0.7 against a 10 % change of scale, essentially 1 against 15 %.
The seeds are fixed, so a comparison that passes always passes.

Counts: created and completed requests within 4 standard errors of a Poisson count (or 2 %,
whichever is larger); bytes per link direction and busy seconds per node within 2 % + 4 / sqrt(n)
(n: about how many messages or jobs made them, whose Poisson count drives them).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from workbench.errors import RunArgumentError
from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario
from workbench.sim import Simulation, simulate
from workbench.sim.fast import plane

ALPHA = 0.001
SAMPLE = 5000
MIN_SAMPLE = 30  # fewer (an hourly workload in a short run): only counts are compared
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference import ANALYTIC_MS, reference_scenario  # noqa: E402

pytest.importorskip("numba")


def scenario_file(name: str) -> Scenario:
    return load_scenario(data_dir() / "scenarios" / f"{name}.yaml")


def thinned(values: Any) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) > SAMPLE:
        values = values[np.linspace(0, len(values) - 1, SAMPLE).astype(int)]
    return values


def same_distribution(fast: Any, reference: Any, what: str) -> None:
    a, b = thinned(fast), thinned(reference)
    assert len(a) and len(b), f"{what}: no requests to compare"
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # a constant (deterministic service, no queue)
        assert a[0] == pytest.approx(b[0], rel=1e-9), what
        return
    if min(len(a), len(b)) < MIN_SAMPLE:  # an hourly workload: its counts are compared
        return
    result = stats.ks_2samp(a, b, method="asymp")
    assert result.pvalue >= ALPHA, (
        f"{what}: the planes differ (KS D = {result.statistic:.3f}, p = {result.pvalue:.2g}; "
        f"means {a.mean():.6g} vs {b.mean():.6g})"
    )


def same_rate(fast: float, reference: float, what: str) -> None:
    spread = max(4 * math.sqrt(max(reference, 1.0)), 0.02 * reference)
    assert abs(fast - reference) <= spread, f"{what}: {fast:g} vs {reference:g}"


def both(scenario: Scenario, until: float, seed: int = 1) -> tuple[Any, Any]:
    """The scenario on each plane. The reference engine gets the same seed when the scenario
    schedules random failures (its outages come from a stream of their own, so both planes
    see the same ones; arrivals and service times still differ), another seed otherwise."""
    fast = simulate(scenario, until=until, seed=seed)
    random_outages = any(f.mtbf_s is not None for f in scenario.failures)
    other = seed if random_outages else seed + 1000
    reference = simulate(scenario, until=until, seed=other, engine="reference")
    assert fast.engine["plane"] == "fast", fast.engine["reason"]
    assert reference.engine["plane"] == "reference"
    return fast, reference


def compare(fast: Any, reference: Any) -> None:
    """Every workload's latency, every stage's wait and service, counts, bytes per link
    direction and busy seconds per node."""
    warmup = fast.warmup_s
    fast_table, ref_table = fast.requests, reference.requests
    for workload in fast.scenario.workloads:
        mine = fast_table[(fast_table.workload == workload.id) & (fast_table.created_s >= warmup)]
        theirs = ref_table[(ref_table.workload == workload.id) & (ref_table.created_s >= warmup)]
        same_rate(len(mine), len(theirs), f"{workload.id}: requests")
        same_rate(
            int((mine.state == "done").sum()),
            int((theirs.state == "done").sum()),
            f"{workload.id}: completed",
        )
        same_distribution(mine.latency_s, theirs.latency_s, f"{workload.id}: latency")
        for stage in workload.stages:
            prefix = f"{stage.id}."
            for name, first, last in (
                ("wait", "arrive_s", "start_s"),
                ("service", "start_s", "done_s"),
            ):
                same_distribution(
                    mine[prefix + last] - mine[prefix + first],
                    theirs[prefix + last] - theirs[prefix + first],
                    f"{workload.id}.{stage.id}: {name}",
                )
    for table, key, value in (
        ("links", ["link", "direction"], "bytes"),
        ("nodes", ["node"], "busy_s"),
    ):
        mine = getattr(fast, table).groupby(key)[value].sum()
        theirs = getattr(reference, table).groupby(key)[value].sum()
        for index, expected in theirs.items():
            n = users(reference, index, expected)
            rel = 0.02 + 4 / math.sqrt(max(n, 1))
            assert mine[index] == pytest.approx(expected, rel=rel, abs=1e-9), f"{index} {value}"


def users(result: Any, index: Any, amount: float) -> float:
    """About how many messages (or jobs) made ``amount`` bytes on a link (or busy seconds on a
    node): ``amount`` over the smallest message (or mean service) there, so an over-count,
    which keeps the tolerance on the strict side."""
    plan = result.sim.plan
    element, direction = index if isinstance(index, tuple) else (index, None)
    sizes = []
    for workload in plan.workloads:
        for _, station, value, _ in workload.routes[0]:
            if (
                hasattr(station, "link")
                and plan.links[station.link].id == element
                and ("up", "down")[station.direction] == direction
            ):
                sizes.append(float(value))
        sizes.extend(s.service.mean_s for s in workload.stages if s.node == element)
    smallest = min((size for size in sizes if size > 0), default=0.0)
    return amount / smallest if smallest else 0.0


# ------------------------------------------------------------------ same answers


def test_reference_scenario_matches_theory_and_the_reference_engine() -> None:
    """The benchmark's scenario (N = 100): the mean within 1 % of the analytic 9.764 ms on the
    fast plane, and every distribution as on the reference engine."""
    scenario = reference_scenario(100)
    fast, reference = both(scenario, until=300.0)
    done = fast.requests[fast.requests.state == "done"]
    assert 1e3 * done.latency_s.mean() == pytest.approx(ANALYTIC_MS, rel=0.01)
    compare(fast, reference)


@pytest.mark.parametrize("name", ["hospital", "smart_city"])
def test_shipped_scenarios_the_fast_plane_covers(name: str) -> None:
    """Every shipped scenario without failures, versions, tenants or flows runs on the fast
    plane and gives the reference engine's distributions (smart_city includes two stages in a
    row on one node: a request queues again behind the work that arrived meanwhile)."""
    scenario = scenario_file(name)
    fast, reference = both(scenario, until=min(scenario.simulation.until_s, 300.0))
    compare(fast, reference)


def overloaded_with_a_deadline() -> Scenario:
    """The reference scenario at N = 1,000 with each gateway an M/M/1 queue at utilisation 0.8
    (mean service 80 ms, 10 requests/s), every request forwarded, and a 0.3 s deadline."""
    spec = reference_scenario(1000).model_dump(by_alias=True, mode="json")
    workload = spec["workloads"][0]
    workload["stages"][0] |= {"forward": 1.0, "service": {"dist": "exponential", "mean": 0.08}}
    workload["degraded"]["deadline"] = 0.3
    spec["simulation"]["warmup"] = 20.0
    return Scenario.model_validate(spec)


def dropped_share(result: Any) -> tuple[float, float]:
    """The share of requests dropped at their deadline (created after the warm-up), and its
    standard error from the spread over the 100 gateways (independent queues)."""
    table = result.requests[result.requests.created_s >= result.warmup_s]
    dropped = (table.outcome == "dropped_deadline").groupby(table.device.to_numpy() // 10)
    shares = dropped.mean()
    return float(shares.mean()), float(shares.std(ddof=1) / math.sqrt(len(shares)))


def test_deadlines_drop_what_theory_says_on_both_planes() -> None:
    """A request is checked against its deadline whenever it reaches a step after waiting; the
    last check is on reaching the cloud, 1.8 ms + sojourn at the gateway + 25.008 ms after its
    creation. The M/M/1 sojourn is exponential with rate mu - lambda = 2.5/s, so the share
    dropped is exp(-2.5 (0.3 - 0.0018 - 0.025008)) = 0.505. Both planes within 4 standard
    errors of it and of each other; the bytes add up; the audit knows where each one stopped."""
    scenario = overloaded_with_a_deadline()
    fast, reference = both(scenario, until=300.0)
    theory = math.exp(-2.5 * (0.3 - 0.0018 - 0.025008))
    (f, f_se), (r, r_se) = dropped_share(fast), dropped_share(reference)
    assert abs(f - theory) <= 4 * f_se, (f, f_se, theory)
    assert abs(r - theory) <= 4 * r_se, (r, r_se, theory)
    assert abs(f - r) <= 4 * math.hypot(f_se, r_se), (f, r)
    assert fast.summary()["workloads"]["ref"]["dropped"]["deadline"] > 0.4 * 270 * 1000
    compare(fast, reference)  # the latency of those that made it, waits and services
    books = fast.accounting()["ref"]
    assert books["bytes_sent"] == pytest.approx(
        books["bytes_received"] + books["bytes_dropped"] + books["bytes_held"]
    )
    assert books["bytes_dropped"] == pytest.approx(
        reference.accounting()["ref"]["bytes_dropped"], rel=0.05
    )  # 1 kB each for those dropped on reaching the cloud
    run = fast.sim.workloads[0]
    dropped = np.flatnonzero(np.asarray(run.outcome) == 4)
    assert set(run.stopped) == set(dropped.tolist())
    # Steps: 0 the device's link, 1 the gateway, 2 the link to the cloud, 3 the cloud.
    assert set(run.stopped.values()) == set(reference.sim.workloads[0].stopped.values()) == {2, 3}


@pytest.mark.parametrize("name", ["factory_floor", "factory_five_tier", "factory_random_failures"])
def test_shipped_scenarios_with_failures(name: str) -> None:
    """Outages (the same on both planes: they come from a stream of their own), reroutes,
    fallbacks, stores and drains, degradations and a gateway's reboot: the fast plane stops
    where a request meets a station out of service and the reference engine's degraded mode
    decides. Every distribution as above; per workload, how many requests each outcome took
    (primary, fallback, each drop reason, buffered) as counts; the same outages and drains."""
    scenario = scenario_file(name)
    fast, reference = both(scenario, until=scenario.simulation.until_s)
    compare(fast, reference)
    mine, theirs = fast.summary()["workloads"], reference.summary()["workloads"]
    for workload, expected in theirs.items():
        got = mine[workload]
        for key in ("served_primary", "served_fallback", "buffered"):
            same_rate(got[key], expected[key], f"{workload}: {key}")
        for reason, count in expected["dropped"].items():
            same_rate(got["dropped"][reason], count, f"{workload}: dropped {reason}")
    outages = [e for e in reference.sim.events if e[1] in ("fail", "restore", "degrade")]
    assert [e for e in fast.sim.events if e[1] in ("fail", "restore", "degrade")] == outages
    assert len(fast.drains) == len(reference.drains)
    items = float(reference.drains["items"].sum())
    same_rate(float(fast.drains["items"].sum()), items, "items drained")
    rel = 0.02 + 4 / math.sqrt(max(items, 1.0))  # bytes: about items x their sizes
    drained = float(reference.drains["bytes"].sum())
    assert float(fast.drains["bytes"].sum()) == pytest.approx(drained, rel=rel), "bytes drained"
    served = sum(w["served_fallback"] for w in mine.values())
    assert served > 0, "the outages made fallbacks"
    for workload, books in fast.accounting().items():
        assert books["bytes_sent"] == pytest.approx(
            books["bytes_received"] + books["bytes_dropped"] + books["bytes_held"]
        ), workload


def test_a_fallback_is_recorded_where_it_ran() -> None:
    """The audit's records: the node a fallback model served on, the route a request took
    when it left its own, and the request's outcome."""
    scenario = scenario_file("factory_five_tier")
    result = simulate(scenario, seed=2)
    assert result.engine["plane"] == "fast"
    table = result.requests
    fallback = table[table.outcome == "fallback"]
    assert len(fallback) > 100
    assert fallback["fallback_at"].notna().all()
    for run in result.sim.workloads:
        for req, (stage, node) in run.fallback_nodes.items():
            assert run.via_fallback[req] == 1
            assert node in {n.id for n in scenario.nodes}
            assert 0 <= stage < len(run.plan.stages)
            assert req in run.taken  # a fallback route is one of its own
    from workbench.audit import audit

    trail = audit(result, every_link=True)  # every byte on every link, request by request
    sent: dict[tuple[str, str], float] = {}
    for channel in result.sim.plan.channels.values():
        key = (result.sim.plan.links[channel.link].id, ("up", "down")[channel.direction])
        sent[key] = sent.get(key, 0.0) + channel.bytes
    for key, value in sent.items():
        assert trail.link_bytes.get(key, 0.0) == pytest.approx(value, rel=1e-9, abs=1e-6), key


def test_the_comparison_has_teeth() -> None:
    """A 15 % slower gateway is caught: the check is not a rubber stamp."""
    scenario = reference_scenario(100)
    slower = scenario.model_copy(deep=True)
    slower.workloads[0].stages[0].service.mean_s *= 1.15  # type: ignore[union-attr]
    fast = simulate(slower, until=300.0, seed=1)
    reference = simulate(scenario, until=300.0, seed=2, engine="reference")
    with pytest.raises(AssertionError, match="differ"):
        compare(fast, reference)


def test_stated_power() -> None:
    """The power this module's docstring states, by Monte Carlo: KS at alpha = 0.001 on two
    samples of 5,000 exponential values rejects a 15 % change of scale at least 97 % of the
    time, and a 10 % change at least half the time."""
    rng = np.random.default_rng(7)

    def power(scale: float) -> float:
        hits = [
            stats.ks_2samp(
                rng.exponential(1, SAMPLE), rng.exponential(scale, SAMPLE), method="asymp"
            ).pvalue
            < ALPHA
            for _ in range(100)
        ]
        return float(np.mean(hits))

    assert power(1.15) >= 0.97
    assert power(1.10) >= 0.5


def test_bytes_and_in_flight_requests_add_up() -> None:
    """Bytes sent = received + carried by requests still on their way at the end, as on the
    reference engine; the in-flight requests are what the audit sees pending."""
    result = simulate(reference_scenario(1000), until=10.0, seed=3)
    run = result.sim.workloads[0]
    in_flight = float(np.sum(run.carrying))
    assert run.bytes_sent == pytest.approx(run.bytes_received + in_flight, rel=1e-12)
    pending = result.sim.pending_steps()[id(run)]
    assert pending, "some requests are on their way at the end"
    assert set(pending) == set(np.flatnonzero(np.isnan(run.end)).tolist())
    table = result.requests
    assert (table.state == "in_flight").sum() >= len(pending)


def test_same_seed_same_run_on_the_fast_plane() -> None:
    scenario = scenario_file("smart_city")
    first = simulate(scenario, until=30.0, seed=4).requests
    again = simulate(scenario, until=30.0, seed=4).requests
    other = simulate(scenario, until=30.0, seed=5).requests
    assert first.equals(again)
    assert not first["latency_s"].equals(other["latency_s"])


# ------------------------------------------------------------------ honest fallback


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("factory_bad_rollout", "model versions"),
        ("smart_city_tenants", "tenants"),
        ("hospital_federated", "federated"),
    ],
)
def test_features_it_does_not_cover_run_on_the_reference_engine(name: str, why: str) -> None:
    result = simulate(scenario_file(name), until=5.0, seed=1)
    assert result.engine["plane"] == "reference"
    assert why in result.engine["reason"]
    assert result.summary()["engine"] == result.engine


def test_summary_says_which_plane_ran() -> None:
    result = simulate(reference_scenario(10), until=5.0, seed=1)
    assert result.summary()["engine"] == {
        "plane": "fast",
        "reason": "the scenario uses only what the fast plane covers",
    }
    asked = simulate(reference_scenario(10), until=5.0, seed=1, engine="reference")
    assert asked.summary()["engine"]["plane"] == "reference"
    assert "asked for" in asked.summary()["engine"]["reason"]


def test_live_steps_and_clicks_run_on_the_reference_engine() -> None:
    """A stepped run (the live workbench) and a run with a link failed by hand keep the
    reference engine, which follows them."""
    sim = Simulation(scenario_file("hospital"), until=20.0, seed=1)
    report = sim.advance(by=5.0)
    assert sim.engine == "reference" and "steps" in sim.engine_reason
    assert len(report.completed) > 0
    sim.advance()
    assert sim.done and sim.engine == "reference"

    clicked = Simulation(scenario_file("hospital"), until=20.0, seed=1)
    link = clicked.scenario.links[0].id
    clicked.fail(link)
    clicked.run()
    assert clicked.engine == "reference"
    assert f"{link} was failed by hand" in clicked.engine_reason


def test_without_numba_the_reference_engine_runs_and_says_so(monkeypatch: Any) -> None:
    monkeypatch.setattr(plane, "compiled_kernel", lambda: None)
    result = simulate(reference_scenario(10), until=5.0, seed=1)
    assert result.engine["plane"] == "reference"
    assert "numba is not installed" in result.engine["reason"]
    assert len(result.requests) > 0


def test_an_unknown_engine_is_refused_in_one_sentence() -> None:
    with pytest.raises(RunArgumentError, match="'turbo' is not an engine; give one of auto"):
        simulate(reference_scenario(10), until=5.0, engine="turbo")


def test_an_interpreter_without_numba_runs_the_reference_engine() -> None:
    """The real ImportError path (JupyterLite, a platform without numba wheels), in a fresh
    interpreter where importing numba fails."""
    code = (
        "import sys; sys.modules['numba'] = None\n"  # makes `import numba` raise ImportError
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from reference import reference_scenario\n"
        "from workbench.sim import simulate\n"
        "result = simulate(reference_scenario(10), until=5.0, seed=1)\n"
        "print(result.engine['plane'], '|', result.engine['reason'], '|', len(result.requests))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    plane_name, reason, rows = (part.strip() for part in out.strip().splitlines()[-1].split("|"))
    assert plane_name == "reference"
    assert reason.startswith("numba is not installed")
    assert int(rows) > 0
