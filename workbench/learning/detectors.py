"""River's drift detectors by name, their parameters, and one detector watching one stream.

river is imported only in :func:`build` and :func:`parameters` (about 1.3 s): a scenario
without a learning loop never pays for it.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

# kind -> (module, class); the binary detectors watch a 0/1 stream only (errors, not features)
KINDS: dict[str, tuple[str, str]] = {
    "adwin": ("river.drift", "ADWIN"),
    "page_hinkley": ("river.drift", "PageHinkley"),
    "kswin": ("river.drift", "KSWIN"),
    "ddm": ("river.drift.binary", "DDM"),
    "eddm": ("river.drift.binary", "EDDM"),
    "hddm_a": ("river.drift.binary", "HDDMA"),
    "hddm_w": ("river.drift.binary", "HDDMW"),
    "fhddm": ("river.drift.binary", "FHDDM"),
}
BINARY = frozenset({"ddm", "eddm", "hddm_a", "hddm_w", "fhddm"})


def detector_class(kind: str) -> Any:
    """River's class for ``kind`` (imports river)."""
    module, name = KINDS[kind]
    return getattr(importlib.import_module(module), name)


def parameters(kind: str) -> list[str]:
    """The constructor parameters of ``kind``'s river class (imports river)."""
    signature = inspect.signature(detector_class(kind).__init__)
    return [
        p.name
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def build(kind: str, params: dict[str, Any], seed: int) -> Any:
    """A fresh river detector; a detector with a ``seed`` parameter (KSWIN) gets the run's."""
    cls = detector_class(kind)
    arguments = dict(params)
    if "seed" in parameters(kind) and "seed" not in arguments:
        arguments["seed"] = seed
    return cls(**arguments)
