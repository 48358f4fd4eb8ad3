"""The engine against queueing theory, in the spirit of Ciw's validation tests.

Every queueing case runs R = 10 independent replications (seeds 1..10). Requests created
before the warm-up are dropped, and the measurement window [warm-up, horizon - 1 s] ends well
before the horizon, so every request measured has finished. The mean over the replications is
compared with the closed form.

Tolerance (unless a test says otherwise): the replication mean is within 3 % of theory. The
run lengths were chosen so that the standard error (SE) of that mean, which is the spread of
the 10 replication means over sqrt(10) and so includes the autocorrelation within a run, is
at most 0.7 % of theory (measured 0.14-0.67 %). 3 % is then more than 4 SE, so a correct
engine essentially never fails (even if its random streams change), while a bias above about
4 % (3 % + 2 SE) is caught reliably. Each check also asserts SE <= 1.2 % of theory (3 % >=
2.5 SE): it fails only if the runs become too short or too noisy for the 3 % check to mean
something.

Links add a known constant: the device links are so fast (1 Tbit/s, 1-byte messages) that a
message's transmission takes 8 ps and its latency is fixed, so a request reaches its station
at ``created + latency + 8 ps``; the tests check that constant request by request. The wait in
queue is ``<stage>.start_s - <stage>.arrive_s``, the sojourn ``<stage>.done_s -
<stage>.arrive_s``.

Time scale: service times of about 1 ms, so 1 s simulated is about 1000 requests. Run with
``pytest -s`` to print the table of measured figures against theory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from workbench.queueing import erlang_c, mdc_wait, mmc_wait
from workbench.scenario import Scenario
from workbench.sim import simulate

SEEDS = tuple(range(1, 11))  # R = 10 replications
TOLERANCE = 0.03  # relative, against theory
MAX_SE = 0.012  # relative: 3 % must stay >= 2.5 SE
FAST_BPS = 1e12  # device links: 1-byte messages take 8 ps
TINY = 1.0  # bytes
TX_TINY = 8 * TINY / FAST_BPS
MU = 1000.0  # service rate of the single-server cases, per second (mean service 1 ms)

# ----------------------------------------------------------------------------- scenarios


def _node(node_id: str, tier: str, hardware: str, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "tier": tier, "hardware": hardware, **extra}


def _stage(stage_id: str, dist: str, mean: float) -> dict[str, Any]:
    return {
        "id": stage_id,
        "model": "tinyml_anomaly_ae",
        "output_size": TINY,
        "service": {"dist": dist, "mean": mean},
    }


def _source(node: str, rate: float, size: float, arrival: str = "poisson") -> dict[str, Any]:
    return {
        "node": node,
        "kind": "vibration_3axis",
        "rate": rate,
        "input_size": size,
        "arrival": arrival,
    }


def station_scenario(
    rate: float, dist: str, mean: float, *, servers: int = 1, devices: int = 10
) -> Scenario:
    """``devices`` Poisson sensors (``rate`` per second in all), each over its own fast link
    (1 ms latency), to one gateway station with ``servers`` FIFO servers."""
    return Scenario.model_validate(
        {
            "name": "station",
            "nodes": [
                _node("sensors", "far_edge", "stm32h7a3", count=devices),
                _node("gw", "aggregation_edge", "jetson_orin_nx", servers=servers),
            ],
            "links": [{"ends": ["sensors", "gw"], "bandwidth": FAST_BPS, "latency": 0.001}],
            "workloads": [
                {
                    "id": "w",
                    "source": _source("sensors", rate / devices, TINY),
                    "slo": 1.0,
                    "stages": [_stage("s", dist, mean)],
                }
            ],
            "placement": {"w.s": "gw"},
        }
    )


def tandem_scenario(rate: float, mean1: float, mean2: float) -> Scenario:
    """10 sensors -> gateway (stage a) -> cloud (stage b), one exponential server each.

    Constant link delays: 1 ms from the sensors, 2 ms from the gateway to the cloud."""
    return Scenario.model_validate(
        {
            "name": "tandem",
            "nodes": [
                _node("sensors", "far_edge", "stm32h7a3", count=10),
                _node("gw", "aggregation_edge", "jetson_orin_nx", servers=1),
                _node("cloud", "cloud", "h100_node", servers=1),
            ],
            "links": [
                {"ends": ["sensors", "gw"], "bandwidth": FAST_BPS, "latency": 0.001},
                {"ends": ["gw", "cloud"], "bandwidth": FAST_BPS, "latency": 0.002},
            ],
            "workloads": [
                {
                    "id": "w",
                    "source": _source("sensors", rate / 10, TINY),
                    "slo": 1.0,
                    "stages": [
                        _stage("a", "exponential", mean1),
                        _stage("b", "exponential", mean2),
                    ],
                }
            ],
            "placement": {"w.a": "gw", "w.b": "cloud"},
        }
    )


def link_scenario(rate: float, message_bytes: float, bandwidth: float, latency: float) -> Scenario:
    """One Poisson sensor sending ``message_bytes`` over its own link to a gateway stage of
    10 us (deterministic): the link's transmitter is the queue under test."""
    return Scenario.model_validate(
        {
            "name": "link",
            "nodes": [
                _node("sensor", "far_edge", "stm32h7a3"),
                _node("gw", "aggregation_edge", "jetson_orin_nx", servers=1),
            ],
            "links": [{"ends": ["sensor", "gw"], "bandwidth": bandwidth, "latency": latency}],
            "workloads": [
                {
                    "id": "w",
                    "source": _source("sensor", rate, message_bytes),
                    "slo": 1.0,
                    "stages": [_stage("s", "deterministic", 1e-5)],
                }
            ],
            "placement": {"w.s": "gw"},
        }
    )


def arrivals_scenario(devices: int, rate: float, arrival: str) -> Scenario:
    """``devices`` sensors whose requests are served on the sensor itself (no link)."""
    return Scenario.model_validate(
        {
            "name": "arrivals",
            "nodes": [_node("sensors", "far_edge", "stm32h7a3", count=devices)],
            "workloads": [
                {
                    "id": "w",
                    "source": _source("sensors", rate, TINY, arrival),
                    "slo": 1.0,
                    "stages": [_stage("s", "deterministic", 1e-6)],
                }
            ],
            "placement": {"w.s": "sensors"},
        }
    )


# ---------------------------------------------------------------------- measurement


def time_average(enter: np.ndarray, leave: np.ndarray, start: float, end: float) -> float:
    """Time-average number present in [start, end], by an event sweep over enter/leave times.

    A job is present on [enter, leave); a missing ``leave`` (still inside when the run ended)
    counts as present to the end. The number present is a step function, +1 at each enter
    and -1 at each leave, integrated over the window step by step."""
    leave = np.where(np.isnan(leave), np.inf, leave)
    times = np.concatenate([enter, leave])
    steps = np.concatenate([np.ones(len(enter)), -np.ones(len(leave))])
    order = np.argsort(times, kind="stable")
    times, present = times[order], np.cumsum(steps[order])  # number just after each event
    first = np.searchsorted(times, start, side="right")  # events up to the window's start
    last = np.searchsorted(times, end, side="left")  # events strictly inside
    at_start = present[first - 1] if first else 0.0
    edges = np.concatenate([[start], times[first:last], [end]])
    levels = np.concatenate([[at_start], present[first:last]])
    return float(np.sum(levels * np.diff(edges)) / (end - start))


def number_present(enter: np.ndarray, leave: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Number of jobs with enter <= t < leave at each time t in ``at`` (missing leave: never)."""
    leave = np.where(np.isnan(leave), np.inf, leave)
    entered = np.searchsorted(np.sort(enter), at, side="right")
    left = np.searchsorted(np.sort(leave), at, side="right")
    return np.asarray(entered - left)


@dataclass
class Station:
    """A station as columns of the requests table, and its theory."""

    name: str
    arrive: str  # column: entering the station
    start: str | None  # column: starting service (None: no queue/service split)
    leave: str  # column: leaving the station
    wait: float | None  # theoretical mean wait in queue
    sojourn: float  # theoretical mean time in the station


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(dtype=float))


def measure(table: pd.DataFrame, station: Station, start: float, end: float) -> dict[str, float]:
    """One replication's figures of one station over the window [start, end].

    The measured requests are those created after the warm-up (``start``) that enter the
    station before ``end``; the time averages count every request present in the window."""
    created = _column(table, "created_s")
    arrive = _column(table, station.arrive)
    leave = _column(table, station.leave)
    mine = (created >= start) & (arrive < end)
    assert not np.isnan(leave[mine]).any(), "the window ends too close to the horizon"
    out = {
        "sojourn": float((leave[mine] - arrive[mine]).mean()),
        "throughput": float(mine.sum() / (end - start)),
        "L": time_average(arrive, leave, start, end),
    }
    if station.start is not None:
        begin = _column(table, station.start)
        out["wait"] = float((begin[mine] - arrive[mine]).mean())
        out["waited"] = float((begin[mine] > arrive[mine]).mean())
        out["Lq"] = time_average(arrive, begin, start, end)
    return out


@dataclass
class Case:
    """A queueing case: a scenario, its stations, its arrival rate and run length."""

    name: str
    scenario: Callable[[], Scenario]
    stations: tuple[Station, ...]
    arrival_rate: float
    until: float
    warmup: float
    check: Callable[[pd.DataFrame], None]  # exact per-run checks (the links' constants)
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # derived columns
    tail: float = 1.0  # the window ends this long before the horizon


def constant_delay(to: str, since: str, delay: float) -> Callable[[pd.DataFrame], None]:
    """A check that ``to - since`` equals ``delay`` (within 1 ns) for every request."""

    def check(table: pd.DataFrame) -> None:
        gap = (table[to] - table[since]).dropna().to_numpy()
        assert len(gap) and np.abs(gap - delay).max() < 1e-9, f"{to} - {since} is not {delay}"

    return check


def station_case(
    name: str, rho: float, dist: str, until: float, *, servers: int = 1, devices: int = 10
) -> Case:
    """One gateway station at load ``rho``, mu = 1000/s per server."""
    mean = 1 / MU
    lam = rho * servers * MU
    wait = (mdc_wait if dist == "deterministic" else mmc_wait)(lam, mean, servers)
    return Case(
        name,
        lambda: station_scenario(lam, dist, mean, servers=servers, devices=devices),
        (Station("s", "s.arrive_s", "s.start_s", "s.done_s", wait, wait + mean),),
        lam,
        until,
        warmup=0.05 * until,
        check=constant_delay("s.arrive_s", "created_s", 0.001 + TX_TINY),
    )


# Tandem: lambda 500/s; mu1 1000/s (rho 0.5); mu2 = 1/1.4 ms = 714/s (rho 0.7).
TANDEM = (500.0, 0.001, 0.0014)


def tandem_case() -> Case:
    lam, mean1, mean2 = TANDEM
    w1, w2 = mmc_wait(lam, mean1), mmc_wait(lam, mean2)
    s1, s2 = w1 + mean1, w2 + mean2
    to_gw, to_cloud = 0.001 + TX_TINY, 0.002 + TX_TINY

    def check(table: pd.DataFrame) -> None:
        constant_delay("a.arrive_s", "created_s", to_gw)(table)
        constant_delay("b.arrive_s", "a.done_s", to_cloud)(table)

    return Case(
        "tandem",
        lambda: tandem_scenario(*TANDEM),
        (
            Station("a", "a.arrive_s", "a.start_s", "a.done_s", w1, s1),
            Station("b", "b.arrive_s", "b.start_s", "b.done_s", w2, s2),
            # The network, entering a to leaving b, with the 2 ms link between them.
            Station("a..b", "a.arrive_s", None, "b.done_s", None, s1 + to_cloud + s2),
            # End to end, from creation: the 1 ms link in front too.
            Station("e2e", "created_s", None, "end_s", None, to_gw + s1 + to_cloud + s2),
        ),
        lam,
        until=400.0,
        warmup=10.0,
        check=check,
    )


LINK_LATENCY = 0.001
LINK_MESSAGE = 1250.0  # bytes: 1 ms at 10 Mbit/s
LINK_BPS = 10e6


def link_case() -> Case:
    """The sensor's link as a queue: Poisson messages of one size, rho = 0.5."""
    tx = 8 * LINK_MESSAGE / LINK_BPS  # 1 ms: the deterministic service time
    lam = 0.5 / tx
    wait = 0.5 / (2 * (1 / tx) * (1 - 0.5))  # rho / (2 mu (1 - rho)) = 0.5 ms

    def prepare(table: pd.DataFrame) -> pd.DataFrame:
        # The transmitter is entered at creation; the last bit leaves it at the stage's
        # arrival minus the link's latency, and the first bit one transmission time before.
        sent = table["s.arrive_s"] - LINK_LATENCY
        return table.assign(link_start=sent - tx, link_done=sent)

    return Case(
        "link M/D/1",
        lambda: link_scenario(lam, LINK_MESSAGE, LINK_BPS, LINK_LATENCY),
        (Station("link", "created_s", "link_start", "link_done", wait, wait + tx),),
        lam,
        until=150.0,
        warmup=10.0,
        check=constant_delay("s.done_s", "s.start_s", 1e-5),
        prepare=prepare,
    )


CASES = {
    case.name: case
    for case in (
        station_case("M/M/1 rho=0.5", 0.5, "exponential", until=200.0),
        station_case("M/M/1 rho=0.8", 0.8, "exponential", until=300.0),
        station_case("M/M/3 rho=0.7", 0.7, "exponential", until=100.0, servers=3),
        # One sensor: its link and the gateway are private to it, so the engine walks the
        # whole route at creation (the other cases go through shared-station events).
        station_case("M/D/1 rho=0.7", 0.7, "deterministic", until=120.0, devices=1),
        tandem_case(),
        link_case(),
    )
}


@pytest.fixture(params=["auto", "reference"])
def engine(request: pytest.FixtureRequest) -> str:
    """Each queueing test runs on both planes: ``auto`` (the fast plane, which covers every
    case here) and the reference engine."""
    return str(request.param)


def run_on(engine: str, scenario: Scenario, until: float, seed: int) -> Any:
    """``simulate`` on ``engine``, checking that ``auto`` did take the fast plane."""
    result = simulate(scenario, until=until, seed=seed, engine=engine)
    assert result.engine["plane"] == ("fast" if engine == "auto" else "reference")
    return result


@cache
def replicate(name: str, engine: str) -> dict[str, dict[str, np.ndarray]]:
    """Run a case once per seed; per station, each figure as an array over the replications."""
    case = CASES[name]
    scenario = case.scenario()
    figures: dict[str, dict[str, list[float]]] = {s.name: {} for s in case.stations}
    for seed in SEEDS:
        table = run_on(engine, scenario, case.until, seed).requests
        if case.prepare is not None:
            table = case.prepare(table)
        case.check(table)
        for station in case.stations:
            row = measure(table, station, case.warmup, case.until - case.tail)
            for key, value in row.items():
                figures[station.name].setdefault(key, []).append(value)
    return {s: {k: np.asarray(v) for k, v in f.items()} for s, f in figures.items()}


REPORT: list[tuple[str, str, float, float, float]] = []


def report(case: str, what: str, theory: float, measured: float, se: float = math.nan) -> None:
    """Keep one line of the measured-vs-theory table (printed at the end with ``-s``)."""
    REPORT.append((case, what, theory, measured, se))


def assert_matches(case: str, what: str, values: np.ndarray, theory: float) -> None:
    """The mean over replications is within TOLERANCE of ``theory``; SE <= MAX_SE x theory."""
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(len(values)))
    report(case, what, theory, mean, se)
    error = mean / theory - 1
    assert abs(error) <= TOLERANCE, f"{case} {what}: {mean:.6g} vs {theory:.6g} ({error:+.2%})"
    assert se <= MAX_SE * theory, f"{case} {what}: SE {se / theory:.2%} is too large for the check"


# ------------------------------------------------------------------------------ helpers


def test_time_average_by_hand() -> None:
    """The sweep on a hand example: jobs [0, 2), [1, 4), [3, never) over [1, 5]: the number
    present is 2 on [1, 2), 1 on [2, 3), 2 on [3, 4), 1 on [4, 5]: area 6, average 1.5.
    Tolerance: floating point only."""
    enter, leave = np.array([0.0, 1.0, 3.0]), np.array([2.0, 4.0, np.nan])
    assert time_average(enter, leave, 1.0, 5.0) == pytest.approx(1.5, rel=1e-12)
    assert list(number_present(enter, leave, np.array([0.5, 1.0, 2.0, 4.5]))) == [1, 2, 1, 1]


def test_erlang_c_helpers_match_hand_computation() -> None:
    """c = 3, a = lambda / mu = 2.1 (rho 0.7), by hand:
    sum_{k<3} a^k/k! = 1 + 2.1 + 2.205 = 5.305; a^3/3! / (1 - rho) = 1.5435 / 0.3 = 5.145;
    C = 5.145 / (5.305 + 5.145) = 0.4923445; Wq = C / (c mu - lambda) = C / 900 s.
    Tolerance: 1e-9 relative (floating point only)."""
    c_hand = 5.145 / 10.45
    assert c_hand == pytest.approx(0.4923444976, rel=1e-9)
    assert erlang_c(3, 2.1) == pytest.approx(c_hand, rel=1e-9)
    assert mmc_wait(2100.0, 1 / MU, 3) == pytest.approx(c_hand / 900.0, rel=1e-9)
    # One server: C is rho and the wait is rho / (mu - lambda); M/D/1 is Pollaczek-Khinchine.
    assert erlang_c(1, 0.8) == pytest.approx(0.8, rel=1e-12)
    assert mmc_wait(800.0, 1 / MU, 1) == pytest.approx(0.8 / 200.0, rel=1e-12)
    assert mdc_wait(700.0, 1 / MU, 1) == pytest.approx(0.7 / (2 * MU * 0.3), rel=1e-12)


# ------------------------------------------------------------------------- 1-4: theory


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mm1_wait_and_sojourn(rho: float, engine: str) -> None:
    """M/M/1: Wq = rho / (mu - lambda), W = 1 / (mu - lambda); mu = 1000/s, lambda = rho mu
    from 10 Poisson sensors, one exponential server at the gateway.

    10 replications of 200 s (rho 0.5) or 300 s (rho 0.8, where the wait is far more
    autocorrelated), 5 % warm-up. Tolerance: 3 % of theory (>= 5 SE; SE <= 1.2 % asserted).
    The sensor link adds exactly 1 ms + 8 ps to every request (checked to 1 ns)."""
    name = f"M/M/1 rho={rho}"
    lam = rho * MU
    figures = replicate(name, engine)["s"]
    assert_matches(name, "Wq", figures["wait"], rho / (MU - lam))
    assert_matches(name, "W", figures["sojourn"], 1 / (MU - lam))


def test_mmc_erlang_c(engine: str) -> None:
    """M/M/3 at rho = 0.7 (lambda = 2100/s, mu = 1000/s per server): the share of requests
    that wait is C(3, 2.1) = 0.4923, Wq = C / (3 mu - lambda) = 0.547 ms, W = Wq + 1/mu.

    10 replications of 100 s, 5 % warm-up. Tolerance: 3 % of theory (>= 4.5 SE)."""
    name = "M/M/3 rho=0.7"
    figures = replicate(name, engine)["s"]
    c = 5.145 / 10.45  # by hand, see test_erlang_c_helpers_match_hand_computation
    assert_matches(name, "P(wait)", figures["waited"], c)
    assert_matches(name, "Wq", figures["wait"], c / 900.0)
    assert_matches(name, "W", figures["sojourn"], c / 900.0 + 1 / MU)


def test_md1_pollaczek_khinchine(engine: str) -> None:
    """M/D/1 at rho = 0.7: Wq = rho / (2 mu (1 - rho)) = 1.1667 ms (Pollaczek-Khinchine),
    W = Wq + 1/mu. One sensor at 700/s, whose whole route is private (walked at creation).

    10 replications of 120 s, 5 % warm-up. Tolerance: 3 % of theory (>= 5 SE); every
    service takes exactly 1 ms (to 1e-12 s)."""
    name = "M/D/1 rho=0.7"
    rho = 0.7
    figures = replicate(name, engine)["s"]
    wait = rho / (2 * MU * (1 - rho))
    assert_matches(name, "Wq", figures["wait"], wait)
    assert_matches(name, "W", figures["sojourn"], wait + 1 / MU)
    table = run_on(engine, CASES[name].scenario(), 5.0, 1).requests.dropna()
    assert np.allclose(table["s.done_s"] - table["s.start_s"], 1 / MU, rtol=0, atol=1e-12)


def test_tandem_jackson_network(engine: str) -> None:
    """Two exponential single servers in series on different nodes (gateway, then cloud),
    lambda = 500/s, mu1 = 1000/s (rho 0.5), mu2 = 714.3/s (mean 1.4 ms, rho 0.7). Jackson:
    each station is M/M/1, W_a = 1/(mu1 - lambda) = 2 ms, W_b = 1/(mu2 - lambda) = 4.667 ms,
    and end to end the sum plus the constant links (1 ms + 2 ms + 2 x 8 ps) = 9.667 ms.

    10 replications of 400 s, 10 s warm-up. Tolerance: 3 % of theory (>= 4 SE). Both links
    are checked to add their constant to every request (to 1 ns)."""
    figures = replicate("tandem", engine)
    for station in CASES["tandem"].stations:
        mine = figures[station.name]
        if station.wait is not None:
            assert_matches("tandem", f"Wq {station.name}", mine["wait"], station.wait)
        assert_matches("tandem", f"W {station.name}", mine["sojourn"], station.sojourn)


# ------------------------------------------------------------------------ 5: Little's law


@pytest.mark.parametrize("name", list(CASES))
def test_littles_law(name: str, engine: str) -> None:
    """L = lambda W on every run above, for every station, and Lq = lambda Wq for its queue.

    L is the time average of the number present over the window [warm-up, horizon - 1 s],
    from an event sweep over the enter/leave times; lambda is the measured arrivals in the
    window per second, W the mean time in the station of those arrivals.

    Tolerances:
    * sample path, each replication: |L - lambda W| <= 0.2 % of L (only the jobs present at
      the window's edges differ, a few out of 10^5 or more; measured <= 0.02 %);
    * against theory, over replications: L within 3 % of lambda x W from the closed forms
      (>= 5 SE)."""
    case = CASES[name]
    figures = replicate(name, engine)
    for station in case.stations:
        f = figures[station.name]
        little = f["throughput"] * f["sojourn"]
        report(name, f"L-lambdaW {station.name}", 1, 1 + np.abs(f["L"] / little - 1).max())
        assert np.allclose(f["L"], little, rtol=0.002, atol=0)
        if "Lq" in f:
            little_q = f["throughput"] * f["wait"]
            report(name, f"Lq-lambdaWq {station.name}", 1, 1 + np.abs(f["Lq"] / little_q - 1).max())
            assert np.allclose(f["Lq"], little_q, rtol=0.002, atol=0)
        assert_matches(name, f"L {station.name}", f["L"], case.arrival_rate * station.sojourn)


# -------------------------------------------------------------------- 6: links under load


def test_saturated_link_queue_grows_and_delivers_capacity(engine: str) -> None:
    """A link offered 120 % of its capacity: Poisson 120 messages/s of 1250 B on 1 Mbit/s,
    whose capacity is 100 messages/s = 125 000 B/s. 5 replications of 100 s.

    * Throughput: the ``.links`` bytes per 1 s bin (bytes are counted when their transmission
      starts), from 5 s on when the link never idles, equal the capacity within 1.5 % in every
      bin: a bin holds 100 messages, give or take the one straddling its edge (1 %).
    * The number of messages queued or in transmission grows linearly at lambda - mu = 20/s:
      the fitted slope (mean over replications) within 10 % of 20/s, R^2 > 0.98 in each run.
    * The latency to the gateway grows at rho - 1 = 0.2 s per s (fitted slope within 10 %),
      and requests created in [60, 70) s take at least 5 times longer than those created in
      [5, 15) s, on average over the replications.

    On both planes."""
    bps, size, rate, until = 1e6, 1250.0, 120.0, 100.0
    capacity = bps / 8
    scenario = link_scenario(rate, size, bps, LINK_LATENCY)
    grid = np.arange(5.0, until, 1.0)
    queue_slopes, latency_slopes, worst_bin = [], [], 0.0
    early, late = [], []  # mean latency of requests created in [5, 15) s and [60, 70) s
    for seed in SEEDS[:5]:
        result = run_on(engine, scenario, until, seed)
        links = result.links
        up = links[(links["link"] == "sensor--gw") & (links["direction"] == "up")]
        busy = up[up["t_s"] >= 5.0]["bytes"].to_numpy()
        worst_bin = max(worst_bin, float(np.abs(busy / capacity - 1).max()))
        assert len(busy) == 95 and np.abs(busy / capacity - 1).max() <= 0.015
        table = result.requests
        sent = _column(table, "s.arrive_s") - LINK_LATENCY  # the last bit has left the sensor
        queued = number_present(_column(table, "created_s"), sent, grid)
        slope, intercept = np.polyfit(grid, queued, 1)
        residual = queued - (slope * grid + intercept)
        assert 1 - np.sum(residual**2) / np.sum((queued - queued.mean()) ** 2) > 0.98
        queue_slopes.append(slope)
        arrived = table.dropna(subset=["s.arrive_s"])
        created = arrived["created_s"]
        latency = arrived["s.arrive_s"] - created
        latency_slopes.append(np.polyfit(created, latency, 1)[0])
        early.append(latency[(created >= 5) & (created < 15)].mean())
        late.append(latency[(created >= 60) & (created < 70)].mean())
    report("saturated link", "worst bin B/s", capacity, capacity * (1 + worst_bin))
    report("saturated link", "queue growth /s", 20.0, float(np.mean(queue_slopes)))
    report("saturated link", "latency growth s/s", 0.2, float(np.mean(latency_slopes)))
    # About 2 s against 13 s; averaged over the replications, since the queue at 10 s varies
    # by about 0.5 s (a Poisson excess) from run to run.
    assert np.mean(late) > 5 * np.mean(early), (early, late)
    assert np.mean(queue_slopes) == pytest.approx(rate - capacity / size, rel=0.10)
    assert np.mean(latency_slopes) == pytest.approx(rate * size / capacity - 1, rel=0.10)


def test_link_at_half_load_is_md1(engine: str) -> None:
    """A link at rho = 0.5 with Poisson messages of one size (1250 B at 10 Mbit/s: 1 ms each)
    is an M/D/1 queue: Wq = rho / (2 mu (1 - rho)) = 0.5 ms; time to send = Wq + 1 ms.

    The wait is (arrival at the gateway) - created - latency - transmission. 10
    replications of 150 s, 10 s warm-up. Tolerance: 3 % of theory (>= 5 SE)."""
    figures = replicate("link M/D/1", engine)["link"]
    assert_matches("link M/D/1", "Wq", figures["wait"], 0.0005)
    assert_matches("link M/D/1", "W", figures["sojourn"], 0.0015)


def test_link_bins_never_exceed_capacity(engine: str) -> None:
    """Bytes per 1 s bin on a saturated link with long messages (250 kB at 1 Mbit/s: 2 s
    each) stay within its capacity, 125 000 B/s (tolerance: 1 byte)."""
    result = run_on(engine, link_scenario(0.6, 250_000.0, 1e6, LINK_LATENCY), 40.0, 1)
    links = result.links
    up = links[(links["link"] == "sensor--gw") & (links["direction"] == "up")]
    assert up["bytes"].max() <= 125_000 + 1


def test_node_utilisation_per_bin_at_most_one(engine: str) -> None:
    """Utilisation per 1 s bin of a one-server node with 3 s deterministic services is at
    most 1 (tolerance 1e-9)."""
    result = run_on(engine, station_scenario(0.3, "deterministic", 3.0, devices=1), 40.0, 1)
    nodes = result.nodes
    assert nodes[nodes["node"] == "gw"]["utilisation"].max() <= 1 + 1e-9


# ------------------------------------------------------------------------ 7: determinism


def test_same_seed_same_run_different_seed_different_run(engine: str) -> None:
    """The same seed gives identical ``.requests`` tables (every column, exactly); another
    seed gives other arrival times and other service times."""
    scenario = tandem_scenario(*TANDEM)
    first = run_on(engine, scenario, 20.0, 11).requests
    again = run_on(engine, scenario, 20.0, 11).requests
    other = run_on(engine, scenario, 20.0, 12).requests
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    n = min(len(first), len(other))
    created, created_other = first["created_s"][:n], other["created_s"][:n]
    assert np.isclose(created, created_other, rtol=0, atol=1e-9).mean() < 0.01
    service, service_other = (t["a.done_s"] - t["a.start_s"] for t in (first, other))
    assert np.isclose(service[:n], service_other[:n], rtol=0, atol=1e-9).mean() < 0.01


# -------------------------------------------------------------------- 8: arrival processes


def test_poisson_arrivals_per_device(engine: str) -> None:
    """Poisson sources: one device's inter-arrival times have mean 1/rate and coefficient of
    variation 1, for each of 4 devices at 5/s over 10 000 s (~50 000 gaps each).

    Tolerances: the mean within 2 % of 1/rate (SE = sd/sqrt(n) = 0.45 %, so >= 4 SE); the CV
    within 0.03 of 1 (its SE is sqrt(2/n) = 0.006 for exponential gaps); each device's count
    within 4 sqrt(n) of rate x time."""
    devices, rate, until = 4, 5.0, 10_000.0
    table = run_on(engine, arrivals_scenario(devices, rate, "poisson"), until, 5).requests
    for device, group in table.groupby("device"):
        gaps = np.diff(np.sort(group["created_s"].to_numpy()))
        mean, cv = gaps.mean(), gaps.std(ddof=1) / gaps.mean()
        report("poisson", f"device {device} mean gap", 1 / rate, mean, cv * mean / len(gaps) ** 0.5)
        report("poisson", f"device {device} CV", 1.0, cv)
        assert mean == pytest.approx(1 / rate, rel=0.02)
        assert cv == pytest.approx(1.0, abs=0.03)
    counts = table["device"].value_counts().to_numpy()
    expected = until * rate
    assert len(counts) == devices
    assert np.all(np.abs(counts - expected) <= 4 * math.sqrt(expected)), counts


def test_periodic_arrivals_per_device(engine: str) -> None:
    """Periodic sources: each of 10 devices at 4/s sends exactly every 0.25 s for 100 s (every
    gap equal to the period within 1e-9 s, so CV ~0), at its own phase in [0, period).
    Tolerance: floating point only."""
    devices, rate, until = 10, 4.0, 100.0
    table = run_on(engine, arrivals_scenario(devices, rate, "periodic"), until, 3).requests
    phases = []
    for _, group in table.groupby("device"):
        created = np.sort(group["created_s"].to_numpy())
        gaps = np.diff(created)
        assert np.abs(gaps - 1 / rate).max() < 1e-9
        assert gaps.std() / gaps.mean() < 1e-9
        assert len(created) == until * rate
        phases.append(created[0])
    assert len(phases) == devices and len(set(phases)) == devices
    assert all(0 <= p < 1 / rate for p in phases)


# ------------------------------------------------------------------------------- report


@pytest.fixture(scope="module", autouse=True)
def _print_report() -> Iterator[None]:
    """With ``pytest -s``: the measured figures against theory, one line each."""
    yield
    if REPORT:
        print(
            f"\n{'case':<15} {'figure':<22} {'theory':>11} {'measured':>11} {'error':>8} {'SE':>6}"
        )
        for case, what, theory, mean, se in REPORT:
            error = f"{mean / theory - 1:+.2%}"
            se_text = "" if math.isnan(se) else f"{se / theory:.2%}"
            print(f"{case:<15} {what:<22} {theory:>11.5g} {mean:>11.5g} {error:>8} {se_text:>6}")
