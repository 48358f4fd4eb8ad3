"""A tiny MLP (one tanh hidden layer, sigmoid output) or, with ``hidden = 0``, logistic
regression, as one flat float64 parameter vector; trained by minibatch SGD on log loss."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Architecture:
    """The shape of a model; two updates can be averaged only if their hashes agree."""

    features: int
    hidden: int
    version: str = "1"

    @property
    def size(self) -> int:
        """Number of parameters."""
        d, h = self.features, self.hidden
        return d + 1 if h == 0 else d * h + h + h + 1

    @property
    def hash(self) -> str:
        """A short hash of the version and the layer shapes (what the aggregator checks)."""
        text = f"{self.version}:{self.features}x{self.hidden}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def init(self, rng: np.random.Generator) -> np.ndarray:
        if self.hidden == 0:
            return np.zeros(self.size)
        d, h = self.features, self.hidden
        w1 = rng.normal(0.0, 1.0 / np.sqrt(d), d * h)
        w2 = rng.normal(0.0, 1.0 / np.sqrt(h), h)
        return np.concatenate([w1, np.zeros(h), w2, [0.0]])

    def _split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        d, h = self.features, self.hidden
        w1 = p[: d * h].reshape(d, h)
        b1 = p[d * h : d * h + h]
        w2 = p[d * h + h : d * h + 2 * h]
        return w1, b1, w2, float(p[-1])

    def logits(self, p: np.ndarray, x: np.ndarray) -> np.ndarray:
        if self.hidden == 0:
            return np.asarray(x @ p[:-1] + p[-1])
        w1, b1, w2, b2 = self._split(p)
        return np.asarray(np.tanh(x @ w1 + b1) @ w2 + b2)

    def accuracy(self, p: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.logits(p, x) > 0) == (y > 0.5)))

    def gradient(self, p: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradient of the mean log loss over the batch."""
        n = len(y)
        if self.hidden == 0:
            err = _sigmoid(x @ p[:-1] + p[-1]) - y
            return np.concatenate([x.T @ err / n, [err.mean()]])
        w1, b1, w2, b2 = self._split(p)
        a = np.tanh(x @ w1 + b1)
        err = _sigmoid(a @ w2 + b2) - y
        g_w2 = a.T @ err / n
        back = np.outer(err, w2) * (1.0 - a * a)
        g_w1 = x.T @ back / n
        return np.concatenate([g_w1.ravel(), back.mean(axis=0), g_w2, [err.mean()]])

    def train(
        self,
        p: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int,
        batch_size: int,
        learning_rate: float,
        rng: np.random.Generator,
        prox_mu: float = 0.0,
    ) -> np.ndarray:
        """Parameters after ``epochs`` of minibatch SGD from ``p``; ``prox_mu`` > 0 adds FedProx's
        proximal term mu/2 |w - p|^2, which keeps a client near the global model."""
        anchor = p
        w = p.copy()
        n = len(y)
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                g = self.gradient(w, x[idx], y[idx])
                if prox_mu:
                    g = g + prox_mu * (w - anchor)
                w -= learning_rate * g
        return w

    def ops_per_epoch(self, samples: int) -> float:
        """Operations of one epoch over ``samples``: about 6 per parameter per sample (forward
        2, backward 4: the usual estimate for dense layers)."""
        return 6.0 * self.size * samples


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))
