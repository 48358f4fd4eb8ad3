"""Clients, the global model and its evaluation; rounds without a network; the centralised
baseline on the same data.

A :class:`Learner` holds each client's data (generated from the seed), the architecture and the
training settings of a :class:`~workbench.scenario.Federated` section. The rounds on the
simulated hierarchy (:mod:`.rounds`) and :func:`train_rounds` (every picked client reports at
once, no network) use the same steps: :meth:`Learner.local_update` per client,
:meth:`Learner.group_sum` per aggregator, :meth:`Learner.apply` at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario import Federated
from . import updates
from .data import FEATURES, Dataset, make_dataset
from .model import Architecture

_SEED_TAG = 0xFED  # the federated streams: [seed, tag, ...], apart from the engine's


@dataclass
class GroupSum:
    """What one aggregator sends up: the sum of its clients' (clipped, noised) updates and
    the weight the top divides by (clients counted, or expected under privacy)."""

    total: np.ndarray
    weight: float
    count: int  # updates in it


@dataclass
class RoundLog:
    accuracy: list[float] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)


class Learner:
    """The learning side of a federated run (no time, no network)."""

    def __init__(self, config: Federated, sites: list[int], seed: int) -> None:
        self.config = config
        self.seed = seed
        rng = np.random.default_rng([seed, _SEED_TAG, 0])
        self.data: Dataset = make_dataset(
            sites, config.samples_per_client, config.test_samples, rng
        )
        self.arch = Architecture(len(FEATURES), config.hidden, "2")
        self.params = self.arch.init(np.random.default_rng([seed, _SEED_TAG, 1]))
        self.sampler = np.random.default_rng([seed, _SEED_TAG, 2])
        self.noise = np.random.default_rng([seed, _SEED_TAG, 3])
        self.round = 0

    @property
    def n_clients(self) -> int:
        return len(self.data.clients)

    def pick(self) -> list[int]:
        """The clients picked for the next round (each with probability ``sample``)."""
        if self.config.sample >= 1.0:
            return list(range(self.n_clients))
        drawn = self.sampler.random(self.n_clients)
        return [int(i) for i in np.flatnonzero(drawn < self.config.sample)]

    def local_update(
        self, client: int, params: np.ndarray, arch: Architecture | None = None
    ) -> tuple[np.ndarray, float]:
        """Client ``client``'s update from ``params`` (trained on its own data), as the aggregator
        decodes it, and its bytes on the wire. ``arch``: a client on another version."""
        c = self.config
        arch = arch or self.arch
        x, y = self.data.clients[client]
        rng = np.random.default_rng([self.seed, _SEED_TAG, 10, self.round, client])
        mu = c.prox_mu if c.algorithm == "fedprox" else 0.0
        trained = arch.train(
            params,
            x,
            y,
            epochs=c.local_epochs,
            batch_size=c.batch_size,
            learning_rate=c.learning_rate,
            rng=rng,
            prox_mu=mu,
        )
        delta = trained - params
        if c.privacy is not None:
            delta = updates.clip(delta, c.privacy.clip)
        decoded, size = updates.compress(delta, c.compression, c.topk)
        if c.privacy is not None:  # decoding may stretch the norm a little: bound it again
            decoded = updates.clip(decoded, c.privacy.clip)
        return decoded, size

    def group_sum(self, deltas: list[np.ndarray], members: int) -> GroupSum | None:
        """What an aggregator of ``members`` clients sends up from the ``deltas`` it received;
        None when it has nothing to send (no update and no privacy noise)."""
        c = self.config
        if c.privacy is not None:
            total = np.sum(deltas, axis=0) if deltas else np.zeros(self.arch.size)
            sigma = c.privacy.noise_multiplier * c.privacy.clip
            total = total + self.noise.normal(0.0, sigma, self.arch.size)
            return GroupSum(total, c.sample * members, len(deltas))
        if not deltas:
            return None
        mean = updates.combine(deltas, c.algorithm, c.trim)
        return GroupSum(mean * len(deltas), float(len(deltas)), len(deltas))

    def apply(self, sums: list[GroupSum]) -> None:
        """Move the global model by the weighted mean of the groups' sums; next round."""
        weight = sum(s.weight for s in sums)
        if weight > 0:
            self.params = self.params + np.sum([s.total for s in sums], axis=0) / weight
        self.round += 1

    def accuracy(self, params: np.ndarray | None = None) -> float:
        """Accuracy on the held-out test set."""
        x, y = self.data.test
        return self.arch.accuracy(self.params if params is None else params, x, y)

    def centralised(self) -> float:
        """Test accuracy of the same model trained on all clients' data in one place, for as many
        epochs as the federated run's rounds × local epochs (same passes over the data)."""
        c = self.config
        x, y = self.data.pooled
        params = self.arch.init(np.random.default_rng([self.seed, _SEED_TAG, 1]))
        trained = self.arch.train(
            params,
            x,
            y,
            epochs=c.rounds * c.local_epochs,
            batch_size=c.batch_size,
            learning_rate=c.learning_rate,
            rng=np.random.default_rng([self.seed, _SEED_TAG, 4]),
        )
        return self.accuracy(trained)


def train_rounds(config: Federated, sites: list[int], seed: int) -> tuple[Learner, RoundLog]:
    """``config.rounds`` rounds without a network: every picked client reports; one
    aggregator per site (hierarchical) or one for all. Returns the learner and the log."""
    learner = Learner(config, sites, seed)
    log = RoundLog()
    groups = sorted(set(sites)) if config.hierarchical else [None]
    for _ in range(config.rounds):
        picked = learner.pick()
        deltas = {i: learner.local_update(i, learner.params)[0] for i in picked}
        sums = []
        for group in groups:
            members = [i for i in range(learner.n_clients) if group is None or sites[i] == group]
            got = learner.group_sum([deltas[i] for i in members if i in deltas], len(members))
            if got is not None:
                sums.append(got)
        learner.apply(sums)
        log.accuracy.append(learner.accuracy())
        log.participants.append(len(picked))
    return learner, log
