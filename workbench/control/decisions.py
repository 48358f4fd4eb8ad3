"""The statistical tests behind a canary's promote-or-roll-back and an A/B report.

The canary uses the Farrington-Manning score test of non-inferiority for two proportions with
a fixed sample size (``samples`` labelled requests per arm): H0 "the new version is worse than
the old by at least ``margin``" against H1 "it is not". Its standard error is taken at the
maximum-likelihood accuracies under H0 (the Wald test's plug-in error promotes too often near
the margin). It promotes only when H0 is rejected at level ``alpha``, so a version worse by
``margin`` or more is promoted with probability about ``alpha`` at most (the false-promote
rate); the false-rollback rate of an equal model is one minus the test's power at zero
difference, which ``samples`` and ``margin`` set (see :func:`power`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Evidence:
    """What a decision rests on."""

    n_old: int
    n_new: int
    accuracy_old: float
    accuracy_new: float
    statistic: float
    threshold: float


def _se(p_old: float, n_old: int, p_new: float, n_new: int) -> float:
    return math.sqrt(p_old * (1 - p_old) / n_old + p_new * (1 - p_new) / n_new)


def restricted_mle(
    n_old: int, right_old: int, n_new: int, right_new: int, margin: float
) -> tuple[float, float]:
    """The accuracies (old, new) of highest likelihood with new = old - margin (H0's edge),
    by bisection on the derivative of the concave log-likelihood in the old accuracy."""
    lo, hi = margin, 1.0
    eps = 1e-12

    def slope(p: float) -> float:
        q = p - margin
        return (
            right_new / max(q, eps)
            - (n_new - right_new) / max(1 - q, eps)
            + right_old / max(p, eps)
            - (n_old - right_old) / max(1 - p, eps)
        )

    lo, hi = lo + eps, hi - eps
    for _ in range(100):
        mid = (lo + hi) / 2
        if slope(mid) > 0:
            lo = mid
        else:
            hi = mid
    p_old = (lo + hi) / 2
    return p_old, p_old - margin


def non_inferiority(
    n_old: int, right_old: int, n_new: int, right_new: int, alpha: float, margin: float
) -> tuple[bool, Evidence]:
    """(promote?, evidence): promote when z = (p_new - p_old + margin) / se0 > z_(1-alpha),
    se0 the standard error at the restricted maximum-likelihood accuracies under H0."""
    if min(n_old, n_new) <= 0:
        raise ValueError("both arms need labelled requests")
    p_old, p_new = right_old / n_old, right_new / n_new
    if margin > 0:
        q_old, q_new = restricted_mle(n_old, right_old, n_new, right_new, margin)
        se = _se(q_old, n_old, q_new, n_new)
    else:
        se = _se(p_old, n_old, p_new, n_new)
    diff = p_new - p_old + margin
    # with se 0 (every label agrees in both arms) the sign of the difference decides
    z = diff / se if se > 0 else (math.inf if diff > 0 else -math.inf)
    threshold = _NORMAL.inv_cdf(1 - alpha)
    return z > threshold, Evidence(n_old, n_new, p_old, p_new, z, threshold)


def ab_report(n_old: int, right_old: int, n_new: int, right_new: int, alpha: float) -> Evidence:
    """A two-sided two-proportion z statistic of the difference (new - old), with its
    threshold z_(1-alpha/2); NaN when an arm has no labels."""
    if min(n_old, n_new) <= 0:
        nan = math.nan
        p_old = right_old / n_old if n_old else nan
        p_new = right_new / n_new if n_new else nan
        return Evidence(n_old, n_new, p_old, p_new, nan, _NORMAL.inv_cdf(1 - alpha / 2))
    p_old, p_new = right_old / n_old, right_new / n_new
    se = _se(p_old, n_old, p_new, n_new)
    z = (p_new - p_old) / se if se > 0 else 0.0
    return Evidence(n_old, n_new, p_old, p_new, z, _NORMAL.inv_cdf(1 - alpha / 2))


def power(p_old: float, p_new: float, samples: int, alpha: float, margin: float) -> float:
    """Probability (normal approximation) that :func:`non_inferiority` promotes when the true
    accuracies are ``p_old`` and ``p_new`` with ``samples`` labels per arm."""
    se = _se(p_old, samples, p_new, samples)
    return 1 - _NORMAL.cdf(_NORMAL.inv_cdf(1 - alpha) - (p_new - p_old + margin) / se)
