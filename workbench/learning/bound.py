r"""A bound on ADWIN's detection delay for a step in the error rate (p0 -> p1).

river's ADWIN (``river/drift/adwin.py``, its Rust core ``AdaptiveWindowing``) keeps a window
of W values in exponential-histogram buckets (at most ``max_buckets`` = M per size 1, 2, 4...)
and, every ``clock`` updates once W > ``grace_period``, tries each bucket boundary as a split
into an older part W0 (n0 values) and a newer part W1 (n1 values), both at least
``min_window_length`` = L long. It cuts (reports drift) when

    |mean(W0) - mean(W1)| > eps,  eps = sqrt(2 m s2 d') + (2/3) d' m,
    m = 1/(n0 - L + 1) + 1/(n1 - L + 1),  d' = ln(2 ln(W) / delta),

s2 being the variance of the whole window (for 0/1 errors: q(1 - q), q the window's error
rate). For a step from p0 to p1 = p0 + D, take W1 = the n1 newest values, all after the step,
and W0 the n0 before it. With probability at least Phi(z) the observed gap is at least
D - z sqrt(p0(1-p0)/n0 + p1(1-p1)/n1); so the cut happens once n1 reaches

    n*  = min { n1 : D - z sqrt(p0(1-p0)/n0 + p1(1-p1)/n1) > eps(n0, n1) }

(s2 taken at its largest over the window's mixes, max q(1-q) for q in [p0, p1]). A split lies
on a bucket boundary; every level of buckets below the oldest holds at least M - 1 buckets, so
some boundary leaves at least n (M - 2)/(M - 1) - 1 post-step values in W1 once n arrived;
checks come every ``clock`` values. Hence ADWIN has cut, with probability at least Phi(z),
within

    N = ceil((n* + 1)(M - 1)/(M - 2)) + clock - 1

labelled values after the step. Labels of the requests served before the step still arrive
for the label delay after it; then the N post-step labels arrive at the label rate r (a
Poisson stream: within (N + z sqrt(N)) / r with probability at least Phi(z) again). The
detection delay is therefore at most

    label delay + transport + (N + z sqrt(N)) / r.

Examples
--------
>>> adwin_samples(0.05, 0.20, n0=8000)  # the factory: error rate 5 % -> 20 %
530
"""

from __future__ import annotations

import math


def epsilon(n0: float, n1: float, variance: float, delta: float, min_window: int) -> float:
    """ADWIN's cut threshold (river's ``evaluate_cut``) for sub-windows of n0 and n1 values."""
    width = n0 + n1
    d_prime = math.log(2.0 * math.log(width) / delta)
    m = 1.0 / (n0 - min_window + 1.0) + 1.0 / (n1 - min_window + 1.0)
    return math.sqrt(2.0 * m * variance * d_prime) + 2.0 / 3.0 * d_prime * m


def cut_samples(
    p0: float,
    p1: float,
    n0: float,
    *,
    delta: float = 0.002,
    min_window: int = 5,
    z: float = 2.0,
    limit: int = 10_000_000,
) -> int:
    """n*: post-step values in W1 at which the cut holds with probability >= Phi(z)."""
    gap = abs(p1 - p0)
    low, high = sorted((p0, p1))
    variance = 0.25 if low <= 0.5 <= high else max(low * (1 - low), high * (1 - high))
    n1 = min_window
    while n1 < limit:
        noise = z * math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        if gap - noise > epsilon(n0, n1, variance, delta, min_window):
            return n1
        n1 += 1
    raise ValueError(f"ADWIN does not separate {p0:g} from {p1:g} with {n0:g} values before")


def adwin_samples(
    p0: float,
    p1: float,
    n0: float,
    *,
    delta: float = 0.002,
    clock: int = 32,
    max_buckets: int = 5,
    min_window: int = 5,
    z: float = 2.0,
) -> int:
    """N: post-step labelled values within which river's ADWIN cuts (prob. >= Phi(z))."""
    n_star = cut_samples(p0, p1, n0, delta=delta, min_window=min_window, z=z)
    buckets = (max_buckets - 1) / (max_buckets - 2)
    return math.ceil((n_star + 1) * buckets) + clock - 1


def adwin_delay_bound(
    p0: float,
    p1: float,
    n0: float,
    label_rate: float,
    label_delay_s: float,
    transport_s: float = 0.0,
    *,
    z: float = 2.0,
    **adwin: float,
) -> float:
    """Seconds from a step drift to ADWIN's detection on the error stream, at most (with
    probability >= Phi(z) for each of the two random parts)."""
    n = adwin_samples(p0, p1, n0, z=z, **adwin)  # type: ignore[arg-type]
    return label_delay_s + transport_s + (n + z * math.sqrt(n)) / label_rate
