"""The ADWIN detection-delay bound (workbench.learning.bound) against river's ADWIN itself."""

from __future__ import annotations

import numpy as np
from river.drift import ADWIN

from workbench.learning.bound import adwin_samples, cut_samples, epsilon


def test_epsilon_is_rivers_cut_condition() -> None:
    """Equal means never cut; the threshold shrinks as both sub-windows grow."""
    assert epsilon(1000, 100, 0.05, 0.002, 5) > epsilon(1000, 400, 0.05, 0.002, 5) > 0


def test_bound_holds_on_rivers_adwin_over_seeds() -> None:
    """A step 0.05 -> 0.20 after 3,000 values: ADWIN's delay (in values) stays within N on
    every one of 60 seeds, and N is within a factor 5 of the median delay (not vacuous:
    measured 558 against a median of 136 and a maximum of 360)."""
    n0 = 3000
    bound = adwin_samples(0.05, 0.20, n0)
    delays = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        stream = np.r_[rng.random(n0) < 0.05, rng.random(5000) < 0.20].astype(float)
        detector = ADWIN(delta=0.002)
        for i, value in enumerate(stream):
            detector.update(value)
            if detector.drift_detected and i >= n0:
                delays.append(i - n0 + 1)
                break
    assert len(delays) == 60
    assert max(delays) <= bound
    assert bound < 5 * float(np.median(delays))


def test_a_smaller_step_needs_more_values() -> None:
    assert cut_samples(0.05, 0.10, 5000) > cut_samples(0.05, 0.20, 5000)
