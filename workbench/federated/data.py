"""Sepsis-like tabular data per client, non-IID across sites, generated from the run's seed.

Eight bedside and lab features. Every site has its own normal (its population, its monitors'
calibration: an offset of each feature's mean), its own prevalence of sepsis and its own
strength of the sepsis signal; clients of one site share their site's distribution. A septic
patient's temperature goes either up (fever) or down (hypothermia), so the boundary is not
linear. A few labels are flipped (charting errors). ASSUMPTION: the shifts are illustrative,
in the direction of the Sepsis-3 / qSOFA criteria, not fitted to a clinical dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = (
    "heart_rate",
    "mean_arterial_pressure",
    "resp_rate",
    "spo2",
    "temperature",
    "lactate",
    "wbc",
    "age",
)
# Reference normal values and spreads (assumption: typical adult ICU figures); features are
# scaled with these fixed constants, never with statistics of the pooled data.
REF_MEAN = np.array([80.0, 85.0, 16.0, 97.0, 37.0, 1.2, 8.0, 60.0])
REF_SCALE = np.array([15.0, 12.0, 4.0, 2.0, 0.7, 1.0, 3.0, 15.0])
# Mean shift of a septic patient, in reference spreads (temperature: its size, sign drawn).
SEPSIS_SHIFT = np.array([1.2, -1.0, 1.1, -0.8, 1.0, 1.6, 1.0, 0.3])
TEMPERATURE = FEATURES.index("temperature")
LABEL_NOISE = 0.03
SITE_SPREAD = 0.6  # spread of a site's normal offset, in reference spreads


@dataclass(frozen=True)
class SiteDistribution:
    offset: np.ndarray  # normal mean offset per feature (scaled units)
    prevalence: float
    strength: float  # multiplies SEPSIS_SHIFT


def site_distributions(n_sites: int, rng: np.random.Generator) -> list[SiteDistribution]:
    return [
        SiteDistribution(
            offset=rng.normal(0.0, SITE_SPREAD, len(FEATURES)),
            prevalence=float(rng.uniform(0.08, 0.35)),
            strength=float(rng.uniform(0.6, 1.2)),
        )
        for _ in range(n_sites)
    ]


def draw(site: SiteDistribution, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` patients of ``site``: scaled features (n, 8) and labels (n,) in {0, 1}."""
    y = (rng.random(n) < site.prevalence).astype(float)
    shift = np.outer(y, SEPSIS_SHIFT * site.strength)
    sign = np.where(rng.random(n) < 0.7, 1.0, -1.0)  # fever more often than hypothermia
    shift[:, TEMPERATURE] *= sign
    x = site.offset + shift + rng.normal(0.0, 1.0, (n, len(FEATURES)))
    flip = rng.random(n) < LABEL_NOISE
    y[flip] = 1.0 - y[flip]
    return x, y


def raw_values(x: np.ndarray) -> np.ndarray:
    """Scaled features back in clinical units (for tables and notebooks)."""
    return np.asarray(x * REF_SCALE + REF_MEAN)


@dataclass
class Dataset:
    """Each client's training data and one pooled held-out test set."""

    clients: list[tuple[np.ndarray, np.ndarray]]
    test: tuple[np.ndarray, np.ndarray]
    sites: list[int]  # the site index of each client

    @property
    def pooled(self) -> tuple[np.ndarray, np.ndarray]:
        """Every client's training data in one place (what centralised training would ship)."""
        return (
            np.concatenate([x for x, _ in self.clients]),
            np.concatenate([y for _, y in self.clients]),
        )


def make_dataset(
    sites: list[int], samples_per_client: int, test_samples: int, rng: np.random.Generator
) -> Dataset:
    """Data for clients at ``sites`` (a site index per client); the test set draws
    ``test_samples`` patients spread over the clients' distributions."""
    n_sites = max(sites) + 1 if sites else 0
    dists = site_distributions(n_sites, rng)
    clients = [draw(dists[s], samples_per_client, rng) for s in sites]
    per = max(1, test_samples // max(1, len(sites)))
    parts = [draw(dists[s], per, rng) for s in sites]
    test = (np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]))
    return Dataset(clients, test, list(sites))
