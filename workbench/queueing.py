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
