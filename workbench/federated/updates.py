"""What happens to a client's update on its way up: clipping, compression and aggregation.

Bytes on the wire (every figure is what :func:`compress` measures, not a nominal ratio):

- ``none``: 4 B per parameter (float32);
- ``fp16``: 2 B per parameter;
- ``int8``: 1 B per parameter plus one float32 scale;
- ``topk``: the ``k`` share of largest-magnitude entries, each a float32 value and an int32
  index (8 B), plus a 4 B count; the others are sent as zero (no error feedback).
"""

from __future__ import annotations

import math

import numpy as np

FLOAT_BYTES = 4  # a parameter as it travels down, and uncompressed up (float32)


def model_bytes(n_params: int) -> float:
    """Bytes of the global model going down (float32 parameters)."""
    return float(FLOAT_BYTES * n_params)


def clip(delta: np.ndarray, norm: float) -> np.ndarray:
    """``delta`` scaled down, if needed, to L2 norm at most ``norm``."""
    size = float(np.linalg.norm(delta))
    return delta if size <= norm else delta * (norm / size)


def compress(delta: np.ndarray, kind: str, topk: float = 0.1) -> tuple[np.ndarray, float]:
    """The update as the aggregator decodes it after ``kind`` compression, and its bytes."""
    n = len(delta)
    if kind == "none":
        return delta.astype(np.float32).astype(float), float(FLOAT_BYTES * n)
    if kind == "fp16":
        return delta.astype(np.float16).astype(float), float(2 * n)
    if kind == "int8":
        scale = float(np.max(np.abs(delta))) / 127.0 if n else 0.0
        if scale == 0.0:
            return np.zeros(n), float(n + 4)
        q = np.clip(np.round(delta / scale), -127, 127)
        return q * np.float32(scale), float(n + 4)
    if kind == "topk":
        k = max(1, math.ceil(topk * n))
        keep = np.argpartition(np.abs(delta), n - k)[n - k :]
        out = np.zeros(n)
        out[keep] = delta[keep].astype(np.float32)
        return out, float(8 * k + 4)
    raise ValueError(f"unknown compression {kind!r}; use none, fp16, int8 or topk")


def trimmed_mean(updates: np.ndarray, trim: float) -> np.ndarray:
    """Coordinate-wise mean after dropping the ``trim`` share of largest and smallest values
    (at least one each side when there are three updates or more and ``trim`` > 0)."""
    n = len(updates)
    cut = math.floor(trim * n)
    if trim > 0 and cut == 0 and n >= 3:
        cut = 1
    if n - 2 * cut < 1:
        cut = (n - 1) // 2
    ordered = np.sort(updates, axis=0)
    return np.asarray(ordered[cut : n - cut].mean(axis=0))


def combine(updates: list[np.ndarray], rule: str, trim: float) -> np.ndarray:
    """The mean (FedAvg, FedProx: every client holds as many samples) or the trimmed mean."""
    stacked = np.stack(updates)
    if rule == "trimmed_mean":
        return trimmed_mean(stacked, trim)
    return np.asarray(stacked.mean(axis=0))
