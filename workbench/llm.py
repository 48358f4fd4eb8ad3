"""Serving a language model: a roofline of prefill and decode, precision and sharding aware.

A language model (a catalogue model with ``flops_per_token``) answers a request in two phases:

- **prefill**: the prompt's tokens in one pass, bound by compute:
  ``prompt_tokens x flops_per_token / compute``;
- **decode**: one pass per output token, each reading every weight once, so the slower of
  ``weight_bytes / memory_bandwidth`` and ``flops_per_token / compute`` (a roofline).

Precision sets both the weight bytes (the model's size at that precision) and the compute
rate (the hardware's dense peak at that precision; a precision it has no units for runs on
the next wider one it has, as weight-only quantised kernels do). A model sharded across N cards
is served by them as one server with N x the bandwidth and compute, plus the hardware's
``shard_overhead`` per generated token (the all-reduces between the cards).

Two achieved shares of the peaks are assumptions, checked against published single-stream
measurements in ``tests/workbench/test_llm.py`` (each within 25 %):
``BANDWIDTH_EFFICIENCY`` (measured 68-94 % of peak memory bandwidth in decode) and
``COMPUTE_EFFICIENCY`` (prefill reaches about half the dense peak).

Examples
--------
>>> from workbench.catalogue import load_catalogue
>>> cat = load_catalogue()
>>> llama, nano = cat.models["llama3_8b"], cat.hardware["jetson_orin_nano_super"]
>>> round(decode_tokens_per_s(llama, nano), 1)  # NVIDIA measured 19.1 tokens/s
16.7
"""

from __future__ import annotations

import math

import pandas as pd

from .catalogue import Catalogue, Hardware, Model, Precision

BANDWIDTH_EFFICIENCY = 0.8  # assumption: achieved share of peak memory bandwidth in decode
COMPUTE_EFFICIENCY = 0.5  # assumption: achieved share of the dense peak in prefill
DEFAULT_PROMPT_TOKENS = 0  # a model without a default prompt length: decode only
DEFAULT_OUTPUT_TOKENS = 256

# A precision the hardware has no units for runs on the next wider one (weight-only quantised
# kernels dequantise int4 weights and multiply in int8 or fp16).
_WIDER: dict[str, tuple[str, ...]] = {
    "int4": ("int4", "int8", "fp16", "fp32"),
    "int8": ("int8", "fp16", "fp32"),
    "fp16": ("fp16", "fp32"),
    "fp32": ("fp32",),
}


def compute_ops_per_s(hardware: Hardware, precision: Precision) -> float:
    """Dense peak operations per second of one card at ``precision``.

    Falls back to the next wider precision the hardware lists, and to the headline
    ``peak_ops`` when it lists none.
    """
    for candidate in _WIDER[precision]:
        rate = (hardware.precision_ops or {}).get(candidate)  # type: ignore[call-overload]
        if rate is not None:
            return float(rate)
    return hardware.peak_ops_per_s


def decode_token_s(
    model: Model, hardware: Hardware, precision: Precision | None = None, shards: int = 1
) -> float:
    """Seconds per generated token on ``shards`` cards serving as one server."""
    precision = precision or model.default_precision
    weights = model.size_bytes(precision)
    flops = model.flops_per_token or 0.0
    compute = shards * compute_ops_per_s(hardware, precision) * COMPUTE_EFFICIENCY
    compute_s = flops / compute
    if hardware.memory_bandwidth_bps is None:
        memory_s = 0.0  # no bandwidth known: compute-bound only
    else:
        bandwidth = shards * hardware.memory_bandwidth_bps / 8 * BANDWIDTH_EFFICIENCY
        memory_s = weights / bandwidth
    overhead = (hardware.shard_overhead_s or 0.0) if shards > 1 else 0.0
    return max(memory_s, compute_s) + overhead


def prefill_s(
    model: Model,
    hardware: Hardware,
    prompt_tokens: int,
    precision: Precision | None = None,
    shards: int = 1,
) -> float:
    """Seconds to read a prompt of ``prompt_tokens`` (compute-bound)."""
    precision = precision or model.default_precision
    compute = shards * compute_ops_per_s(hardware, precision) * COMPUTE_EFFICIENCY
    return prompt_tokens * (model.flops_per_token or 0.0) / compute


def llm_service_time_s(
    model: Model,
    hardware: Hardware,
    *,
    precision: Precision | None = None,
    prompt_tokens: int | None = None,
    output_tokens: int | None = None,
    shards: int = 1,
) -> float:
    """One request: prefill of the prompt plus decode of every output token."""
    prompt = prompt_tokens if prompt_tokens is not None else model.prompt_tokens
    output = output_tokens if output_tokens is not None else model.output_tokens
    prompt = DEFAULT_PROMPT_TOKENS if prompt is None else prompt
    output = DEFAULT_OUTPUT_TOKENS if output is None else output
    return prefill_s(model, hardware, prompt, precision, shards) + output * decode_token_s(
        model, hardware, precision, shards
    )


def decode_tokens_per_s(
    model: Model, hardware: Hardware, precision: Precision | None = None, shards: int = 1
) -> float:
    """Single-stream generation rate, tokens per second."""
    return 1.0 / decode_token_s(model, hardware, precision, shards)


def shards_needed(model: Model, hardware: Hardware, precision: Precision | None = None) -> int:
    """Fewest cards of ``hardware`` whose memory holds the model (may exceed its card count)."""
    return max(1, math.ceil(model.size_bytes(precision) / hardware.card_memory_bytes))


def tokens_table(catalogue: Catalogue) -> pd.DataFrame:
    """Tokens per second of every language model x hardware x precision it has a size for.

    One row each; ``shards`` is the fewest cards that hold the model; where the hardware has
    fewer cards than that, the model does not fit and the rate is left empty.
    """
    rows = []
    for model in catalogue.models.values():
        if not model.is_llm:
            continue
        for precision in model.sizes:
            for hardware in catalogue.hardware.values():
                shards = shards_needed(model, hardware, precision)
                fits = shards <= hardware.servers
                rows.append(
                    {
                        "model": model.id,
                        "precision": precision,
                        "hardware": hardware.id,
                        "shards": shards,
                        "fits": fits,
                        "tokens_per_s": round(
                            decode_tokens_per_s(model, hardware, precision, shards), 1
                        )
                        if fits
                        else None,
                        "bound": _bound(model, hardware, precision, shards) if fits else "",
                    }
                )
    return pd.DataFrame(rows)


def tokens_matrix(catalogue: Catalogue) -> pd.DataFrame:
    """:func:`tokens_table` as text, one row per model and precision, one column per hardware
    that holds at least one of them: '16.7' tokens/s, '20.4 x2' on two cards, '' where the
    model does not fit."""
    table = tokens_table(catalogue)
    table = table[table["hardware"].isin(table.loc[table["fits"], "hardware"])]
    table = table.assign(
        row=table["model"] + " " + table["precision"],
        cell=[
            "" if not fits else f"{tps:.1f}" + (f" x{shards}" if shards > 1 else "")
            for fits, tps, shards in zip(
                table["fits"], table["tokens_per_s"], table["shards"], strict=True
            )
        ],
    )
    matrix = table.pivot(index="row", columns="hardware", values="cell")
    order = [h for h in catalogue.hardware if h in matrix.columns]
    return matrix[order].rename_axis(index="model precision", columns=None)


def _bound(model: Model, hardware: Hardware, precision: Precision, shards: int) -> str:
    if hardware.memory_bandwidth_bps is None:
        return "compute"
    memory_s = model.size_bytes(precision) / (
        shards * hardware.memory_bandwidth_bps / 8 * BANDWIDTH_EFFICIENCY
    )
    compute_s = (model.flops_per_token or 0.0) / (
        shards * compute_ops_per_s(hardware, precision) * COMPUTE_EFFICIENCY
    )
    return "memory" if memory_s >= compute_s else "compute"


__all__ = [
    "BANDWIDTH_EFFICIENCY",
    "COMPUTE_EFFICIENCY",
    "compute_ops_per_s",
    "decode_token_s",
    "decode_tokens_per_s",
    "llm_service_time_s",
    "prefill_s",
    "shards_needed",
    "tokens_matrix",
    "tokens_table",
]
