"""Closed-form queueing results used for instant estimates (and to validate the engine).

Examples
--------
>>> round(mmc_wait(arrival_rate=0.5, service_time=1.0, servers=1), 6)  # M/M/1: rho/(mu - lambda)
1.0
>>> round(mdc_wait(arrival_rate=0.5, service_time=1.0, servers=1), 6)  # M/D/1: half of M/M/1
0.5
"""

from __future__ import annotations

import math


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda/mu < c)."""
    if offered_load <= 0:
        return 0.0
    if offered_load >= servers:
        return 1.0
    # Stable recursion on the Erlang B formula, then B -> C.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1 - rho + rho * b)


def mmc_wait(arrival_rate: float, service_time: float, servers: int = 1) -> float:
    """Mean time in queue (not in service) of an M/M/c queue; inf when unstable."""
    load = arrival_rate * service_time
    if load >= servers:
        return math.inf
    if load <= 0:
        return 0.0
    return erlang_c(servers, load) * service_time / (servers - load)


def mdc_wait(arrival_rate: float, service_time: float, servers: int = 1) -> float:
    """Mean time in queue of an M/D/c queue: exact for c = 1 (Pollaczek-Khinchine), and the
    usual approximation of half the M/M/c wait for c > 1."""
    return 0.5 * mmc_wait(arrival_rate, service_time, servers)


def mgc_wait(arrival_rates: list[float], service_times: list[float], servers: int = 1) -> float:
    """Mean time in queue at a FIFO node shared by several request streams, each Poisson with
    its own deterministic service time.

    The mix is an M/G/c queue; the wait is the M/M/c wait at the mean service time scaled by
    (1 + Cs^2) / 2, where Cs is the coefficient of variation of the mixed service time. For one
    server this is exactly Pollaczek-Khinchine; for one stream it is :func:`mdc_wait`.

    >>> round(mgc_wait([0.25, 0.25], [1.0, 1.0]), 6) == round(mdc_wait(0.5, 1.0), 6)
    True
    """
    total = sum(arrival_rates)
    if total <= 0:
        return 0.0
    mean = sum(r * s for r, s in zip(arrival_rates, service_times, strict=True)) / total
    second = sum(r * s * s for r, s in zip(arrival_rates, service_times, strict=True)) / total
    if mean <= 0:
        return 0.0
    scv = second / (mean * mean) - 1
    return (1 + scv) / 2 * mmc_wait(total, mean, servers)


# Two-moment approximations (Whitt's Queueing Network Analyzer, 1983): each flow between
# stations is described by its rate and the squared coefficient of variation (SCV, c^2) of its
# inter-arrival times; departures, merges and splits transform the SCV.


def ggc_wait(
    arrival_rate: float, service_time: float, arrival_scv: float, service_scv: float, servers: int
) -> float:
    """Mean wait in a GI/G/c queue: the M/M/c wait scaled by (ca^2 + cs^2) / 2 (Kingman for
    one server, Allen-Cunneen for several), and for arrivals smoother than Poisson by the
    Kraemer & Langenbach-Belz factor exp(-2(1 - rho)(1 - ca^2)^2 / (3 rho (ca^2 + cs^2))), as
    in QNA. Exact for M/G/1 (Pollaczek-Khinchine).

    >>> round(ggc_wait(0.5, 1.0, 1.0, 0.0, 1), 6) == round(mdc_wait(0.5, 1.0), 6)
    True
    """
    base = mmc_wait(arrival_rate, service_time, servers)
    if base in (0.0, math.inf):
        return base
    total = arrival_scv + service_scv
    if total <= 0:
        return 0.0  # regular arrivals, regular service, stable: nobody waits
    rho = arrival_rate * service_time / servers
    factor = 1.0
    if arrival_scv < 1:
        factor = math.exp(-2 * (1 - rho) * (1 - arrival_scv) ** 2 / (3 * rho * total))
    return total / 2 * factor * base


def departure_scv(arrival_scv: float, service_scv: float, rho: float, servers: int) -> float:
    """SCV of the departures of a GI/G/c station at utilisation ``rho`` (QNA linking equation):
    1 + (1 - rho^2)(ca^2 - 1) + rho^2 (cs^2 - 1) / sqrt(c).

    A busy deterministic server spaces its departures evenly:

    >>> round(departure_scv(1.0, 0.0, 0.9, 1), 6)
    0.19
    """
    rho = min(rho, 1.0)
    scv = 1 + (1 - rho**2) * (arrival_scv - 1) + rho**2 * (service_scv - 1) / math.sqrt(servers)
    return max(scv, 0.0)


def split_scv(scv: float, share: float) -> float:
    """SCV of a random share ``share`` of a stream with SCV ``scv`` (Bernoulli thinning).

    >>> split_scv(0.0, 0.5)
    0.5
    """
    return share * scv + 1 - share


def merge_scv(streams: list[tuple[float, float]], rho: float) -> float:
    """SCV of the superposition of independent streams ``(rate, scv)`` arriving at a station at
    utilisation ``rho``: QNA's hybrid of the rate-weighted mean SCV and the Poisson value 1,
    which many small streams approach.

    >>> merge_scv([(1.0, 0.0)], 0.5)  # one stream is itself
    0.0
    >>> round(merge_scv([(1.0, 0.0)] * 100, 0.5), 3)  # a hundred regular ones: nearly Poisson
    0.99
    """
    total = sum(rate for rate, _ in streams)
    if total <= 0:
        return 1.0
    weights = [rate / total for rate, _ in streams]
    mean = sum(wt * scv for wt, (_, scv) in zip(weights, streams, strict=True))
    return superposed_scv(mean, 1 / sum(w * w for w in weights), rho)


def superposed_scv(mean_scv: float, streams: float, rho: float) -> float:
    """QNA's superposition: the rate-weighted SCV ``mean_scv`` of the merged streams, pulled
    toward 1 (Poisson) as the equivalent number of comparable ``streams`` grows (1 / sum of
    squared rate shares), the more so the less busy the station."""
    w = 1 / (1 + 4 * (1 - min(rho, 1.0)) ** 2 * (streams - 1))
    return w * mean_scv + 1 - w


def tandem_wait(classes: list[tuple[float, float, float]], arrival_rate: float) -> float:
    """Mean wait at the second of two single FIFO servers that every request crosses in turn
    (a gateway, then its uplink), requests of each class taking fixed times at both.

    ``classes`` are ``(share, upstream time, downstream time)``; requests reach the upstream
    server as a Poisson stream of ``arrival_rate``. Between two arrivals downstream lies the
    next request's upstream time, plus an idle gap (exponential) when the upstream server
    emptied (probability 1 - its utilisation). With these increments taken as independent,
    Spitzer's identity E[W] = sum_n E[S_n+] / n gives the wait of the random walk S_n: exactly
    for small n (Erlang tails), by a normal approximation beyond. Unlike Kingman's formula it
    knows that a downstream time shorter than every upstream time never queues.

    >>> tandem_wait([(1.0, 0.011, 0.0086)], 81.8)
    0.0
    """
    shares = [c[0] for c in classes]
    up = sum(p * c[1] for p, c in zip(shares, classes, strict=True))
    down = sum(p * c[2] for p, c in zip(shares, classes, strict=True))
    idle = 1 - arrival_rate * up  # the upstream server is empty after a departure
    if idle <= 0:
        return math.inf
    drift = down - up - idle / arrival_rate
    if drift >= 0:
        return math.inf
    # S_n, the sum of n increments T_(k-1) - s_k - gap_k, is the first request's downstream
    # time, the per-request differences t - s of the n - 1 between, minus the last request's
    # upstream time and the gaps: requests slow at both stations mostly cancel out.
    ends: dict[float, float] = {}
    for p, _, t in classes:
        for q, s, _ in classes:
            key = round(t - s, 12)
            ends[key] = ends.get(key, 0.0) + p * q
    own: dict[float, float] = {}
    for p, s, t in classes:
        own[round(t - s, 12)] = own.get(round(t - s, 12), 0.0) + p
    if max(c[2] for c in classes) <= min(c[1] for c in classes):
        return 0.0  # every downstream time is shorter than every upstream time
    var_up = sum(p * c[1] ** 2 for p, c in zip(shares, classes, strict=True)) - up**2
    var_down = sum(p * c[2] ** 2 for p, c in zip(shares, classes, strict=True)) - down**2
    var_own = (
        sum(p * (c[2] - c[1]) ** 2 for p, c in zip(shares, classes, strict=True)) - (down - up) ** 2
    )
    var_gap = 2 * idle / arrival_rate**2 - (idle / arrival_rate) ** 2
    total, dist, n = 0.0, ends, 0
    while len(dist) * len(own) <= 2_000 and n < 12:
        n += 1
        if n > 1:
            dist = _convolve(dist, own)
        total += _expected_positive(dist, n, idle, arrival_rate) / n
    while True:  # normal approximation of S_n
        n += 1
        mu = n * drift
        sigma = math.sqrt(var_up + var_down + (n - 1) * var_own + n * var_gap)
        z = mu / sigma
        term = (mu * 0.5 * math.erfc(-z / math.sqrt(2)) + sigma * _phi(z)) / n
        total += term
        if z < -8 or n > 1_000_000:
            return total


def _convolve(a: dict[float, float], b: dict[float, float]) -> dict[float, float]:
    """The law of the sum of independent discrete variables with laws ``a`` and ``b``."""
    out: dict[float, float] = {}
    for v, pv in a.items():
        for w, pw in b.items():
            key = round(v + w, 12)
            out[key] = out.get(key, 0.0) + pv * pw
    return out


def _phi(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _expected_positive(dist: dict[float, float], n: int, idle: float, rate: float) -> float:
    """E[(D - G)+] where D has the discrete law ``dist`` and G is the sum of K exponential
    gaps of ``rate``, K ~ Binomial(n, idle)."""
    out = 0.0
    for k in range(n + 1):
        pk = math.comb(n, k) * idle**k * (1 - idle) ** (n - k)
        if pk < 1e-15:
            continue
        for v, pv in dist.items():
            if v <= 0:
                continue
            if k == 0:
                out += pk * pv * v
            else:
                out += (
                    pk * pv * (v * _erlang_cdf(v, k, rate) - k / rate * _erlang_cdf(v, k + 1, rate))
                )
    return out


def _erlang_cdf(x: float, k: int, rate: float) -> float:
    """P(sum of k exponentials of ``rate`` <= x)."""
    lx = rate * x
    term, acc = 1.0, 1.0
    for j in range(1, k):
        term *= lx / j
        acc += term
    return max(0.0, 1.0 - math.exp(-lx) * acc)


def tandem_class_waits(
    classes: list[tuple[float, float, float]],
    arrival_rate: float,
    mean_wait: float,
    downstream_rho: float,
) -> list[float]:
    """Mean wait per class at the second server of :func:`tandem_wait` (same ``classes``),
    given the mean over all classes. A request that took longer upstream arrives later after
    its predecessor, so it waits less.

    Each class waits E[(W + T_prev - s - gap)+] for its own upstream time s, with the
    predecessor's wait W taken as 0 with probability 1 - rho and exponential otherwise; the
    differences between classes so found are applied around ``mean_wait``.
    """
    if mean_wait <= 0 or len(classes) < 2:
        return [mean_wait] * len(classes)
    idle = max(0.0, 1 - arrival_rate * sum(p * s for p, s, _ in classes))
    busy = min(max(downstream_rho, 1e-6), 1.0)
    theta = busy / mean_wait
    own = [
        sum(q * _tandem_term(t - s, busy, theta, idle, arrival_rate) for q, _, t in classes)
        for _, s, _ in classes
    ]
    average = sum(p * w for (p, _, _), w in zip(classes, own, strict=True))
    waits = [max(0.0, mean_wait + w - average) for w in own]
    scale = sum(p * w for (p, _, _), w in zip(classes, waits, strict=True))
    return [w * mean_wait / scale for w in waits] if scale > 0 else [mean_wait] * len(classes)


def _tandem_term(d: float, busy: float, theta: float, idle: float, lam: float) -> float:
    """E[(W + d - B E)+] with W = 0 w.p. 1 - busy else Exp(theta), B ~ Bernoulli(idle),
    E ~ Exp(lam)."""
    # W = 0
    free = (1 - idle) * max(d, 0.0) + idle * (d - (1 - math.exp(-lam * d)) / lam if d > 0 else 0.0)
    # W ~ Exp(theta)
    no_gap = d + 1 / theta if d >= 0 else math.exp(theta * d) / theta
    a = theta * lam / (theta + lam)
    if d >= 0:
        gap = a * (1 / theta**2 + d / theta) + a * (lam * d - 1 + math.exp(-lam * d)) / lam**2
    else:
        gap = a * math.exp(theta * d) / theta**2
    waiting = (1 - idle) * no_gap + idle * gap
    return (1 - busy) * free + busy * waiting
