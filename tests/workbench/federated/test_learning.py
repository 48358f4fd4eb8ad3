"""Real training in numpy: non-IID data per site, FedAvg, FedProx, trimmed mean, compression."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.federated import updates
from workbench.federated.data import make_dataset
from workbench.federated.learning import Learner, train_rounds
from workbench.federated.model import Architecture
from workbench.scenario import Federated

SITES = [0, 0, 1, 1, 2, 2, 3, 3]


def config(**extra: object) -> Federated:
    return Federated.model_validate({"clients": ["c"], "aggregator": "a", "rounds": 20, **extra})


def test_data_is_non_iid_and_seeded() -> None:
    """Sites differ in their normal and their prevalence; the same seed gives the same data."""
    a = make_dataset(SITES, 400, 800, np.random.default_rng(5))
    b = make_dataset(SITES, 400, 800, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for (x, _), (y, _) in zip(a.clients, b.clients, strict=True))
    normal_means = [x[y == 0].mean(axis=0) for x, y in a.clients[::2]]
    prevalences = [y.mean() for _, y in a.clients[::2]]
    assert max(np.abs(normal_means[0] - m).max() for m in normal_means[1:]) > 0.3
    assert max(prevalences) - min(prevalences) > 0.05


def test_gradient_matches_finite_differences() -> None:
    arch = Architecture(8, 5)
    rng = np.random.default_rng(1)
    p = arch.init(rng) + rng.normal(0, 0.1, arch.size)
    x, y = rng.normal(size=(20, 8)), (rng.random(20) < 0.5).astype(float)

    def loss(q: np.ndarray) -> float:
        z = arch.logits(q, x)
        return float(np.mean(np.logaddexp(0, z) - y * z))

    g = arch.gradient(p, x, y)
    for i in rng.choice(arch.size, 10, replace=False):
        e = np.zeros(arch.size)
        e[i] = 1e-6
        assert g[i] == pytest.approx((loss(p + e) - loss(p - e)) / 2e-6, abs=1e-6)


@pytest.mark.parametrize("algorithm", ["fedavg", "fedprox", "trimmed_mean"])
def test_federated_approaches_centralised(algorithm: str) -> None:
    """Without noise, 20 rounds reach the centralised model's test accuracy within 2 points
    (measured, seed 1: 0.5-0.7 points below), and learn: far above the majority class."""
    learner, log = train_rounds(config(algorithm=algorithm), SITES, seed=1)
    central = learner.centralised()
    majority = max(learner.data.test[1].mean(), 1 - learner.data.test[1].mean())
    assert log.accuracy[-1] > majority + 0.05
    assert abs(log.accuracy[-1] - central) < 0.02
    assert log.accuracy[-1] > log.accuracy[0]
    assert log.participants == [len(SITES)] * 20


def test_trimmed_mean_resists_a_poisoned_client() -> None:
    """One client sending a huge update ruins the plain mean, not the trimmed mean."""
    good = [np.full(3, 1.0), np.full(3, 1.2), np.full(3, 0.8), np.full(3, 1.1)]
    bad = [*good, np.full(3, 1e6)]
    assert updates.combine(bad, "fedavg", 0.2)[0] > 1e5
    assert updates.combine(bad, "trimmed_mean", 0.2)[0] == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("kind", "expected"), [("none", 4 * 1000), ("fp16", 2 * 1000), ("int8", 1004), ("topk", 804)]
)
def test_compression_bytes(kind: str, expected: int) -> None:
    """fp32 4 B, fp16 2 B, int8 1 B + a scale, top-10 %: 100 x (value + index) + a count."""
    delta = np.random.default_rng(0).normal(size=1000)
    decoded, size = updates.compress(delta, kind, 0.1)
    assert size == expected
    error = np.linalg.norm(decoded - delta) / np.linalg.norm(delta)
    assert error < {"none": 1e-6, "fp16": 1e-3, "int8": 0.02, "topk": 0.9}[kind]


def test_compression_accuracy_effect_is_measured() -> None:
    """Each compression trains the same model; fp16 changes accuracy by under a point."""
    base = train_rounds(config(), SITES, seed=2)[1].accuracy[-1]
    fp16 = train_rounds(config(compression="fp16"), SITES, seed=2)[1].accuracy[-1]
    topk = train_rounds(config(compression="topk", topk=0.05), SITES, seed=2)[1].accuracy[-1]
    assert abs(fp16 - base) < 0.01
    assert topk != base  # a real effect, measured (see the notebook for its size)


def test_poisson_sampling_picks_about_the_share() -> None:
    learner = Learner(config(sample=0.25), list(range(200)), seed=3)
    assert 30 < len(learner.pick()) < 70
