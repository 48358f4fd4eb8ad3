"""The privacy budget of DP-FedAvg, from Google's ``dp-accounting``.

Each round samples every client independently with probability ``q`` (Poisson sampling), clips
its update to L2 norm ``C`` and adds Gaussian noise of standard deviation ``z * C`` to the sum
of updates before it leaves the aggregator that forms it. That is a Poisson-sampled Gaussian
mechanism with noise multiplier ``z``, composed over the rounds that aggregated something;
:func:`epsilon` asks the RDP accountant for the epsilon at ``delta``. A client that drops out of
a round only lowers its real privacy loss, so the epsilon is an upper bound.
"""

from __future__ import annotations

import logging
import math

import dp_accounting  # type: ignore[import-untyped]


def epsilon(noise_multiplier: float, sample_rate: float, rounds: int, delta: float) -> float:
    """Epsilon of ``rounds`` rounds at ``delta`` (inf without noise; 0 with no round)."""
    if rounds <= 0 or sample_rate <= 0:
        return 0.0
    if noise_multiplier <= 0:
        return math.inf
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(
            sample_rate, dp_accounting.GaussianDpEvent(noise_multiplier)
        ),
        rounds,
    )
    quiet = logging.getLogger("absl")  # the accountant logs each order whose series it skips
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        accountant = dp_accounting.rdp.RdpAccountant()  # its default orders
        accountant.compose(event)
        return float(accountant.get_epsilon(delta))
    finally:
        quiet.setLevel(level)
