"""Quantities with units: parse "25 ms", "100 Mbit/s", "2 GB", "30 fps" to SI floats and back.

Every dimension converts to one SI base: seconds, bytes, bits per second, events per second,
operations per second, operations, watts, plain fractions and plain counts. Parsing goes through
:class:`decimal.Decimal`, so ``parse(format(x)) == x`` holds exactly for every float ``x``.

Examples
--------
>>> parse_quantity("25 ms", "time")
0.025
>>> parse_quantity("100 Mbit/s", "bitrate")
100000000.0
>>> round(parse_quantity("2 GB/min", "bitrate"))
266666667
>>> format_quantity(0.025, "time")
'25 ms'
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation, localcontext
from typing import Literal

Dimension = Literal[
    "time", "size", "bitrate", "rate", "compute", "work", "power", "fraction", "count"
]

_SI_PREFIX = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_BIN_PREFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}

_TIME: dict[str, Decimal] = {
    "s": Decimal(1),
    "ms": Decimal("1e-3"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ns": Decimal("1e-9"),
    "min": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
}


def _size_units() -> dict[str, Decimal]:
    units: dict[str, Decimal] = {}
    for prefix, factor in _SI_PREFIX.items():
        units[f"{prefix}B"] = Decimal(factor)
        units[f"{prefix}bit"] = Decimal(factor) / 8
    for prefix, factor in _BIN_PREFIX.items():
        units[f"{prefix}B"] = Decimal(factor)
    return units


_SIZE = _size_units()  # to bytes


def _bitrate_units() -> dict[str, Decimal]:
    units: dict[str, Decimal] = {}
    for prefix, factor in _SI_PREFIX.items():
        units[f"{prefix}bps"] = Decimal(factor)
    return units


_BITRATE_ALIASES = _bitrate_units()  # "Mbps" etc., to bit/s
_RATE = {"Hz": Decimal(1), "kHz": Decimal(1000), "fps": Decimal(1)}  # to events per second
_COMPUTE = {f"{p}{name}": Decimal(f) for p, f in _SI_PREFIX.items() for name in ("OPS", "FLOPS")}
_WORK: dict[str, Decimal] = {}
for _p, _f in _SI_PREFIX.items():
    _WORK[f"{_p}OP"] = Decimal(_f)
    _WORK[f"{_p}FLOP"] = Decimal(_f)
    _WORK[f"{_p}MAC"] = Decimal(2 * _f)  # one multiply-accumulate is two operations
_POWER = {"mW": Decimal("1e-3"), "W": Decimal(1), "kW": Decimal(1000)}
_COUNT = {"": Decimal(1), "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9)}

_EXAMPLES: dict[Dimension, str] = {
    "time": "'25 ms', '1.5 s', '200 us', '4 h'",
    "size": "'64 B', '270 kB', '2 GB', '16 GiB'",
    "bitrate": "'100 Mbit/s', '1.76 kbit/s', '2 GB/min'",
    "rate": "'30 fps', '1 Hz', '10 /s', '2 /min'",
    "compute": "'275 TOPS', '19.5 TFLOPS'",
    "work": "'8.7 GFLOP', '0.3 GMAC', '0.52 MOP'",
    "power": "'146 mW', '60 W'",
    "fraction": "'0.999' or '99.9 %'",
    "count": "'266 k', '3.5 M', '70.6 G' or a plain number",
}

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<unit>.*)", re.DOTALL)
MAX_QUANTITY_CHARS = 64  # "1.5e-3 Mbit/s" is 13; a longer text is a mistake, refused at once


class UnitError(ValueError):
    """A quantity string could not be read; the message says what was expected."""


MAX_ECHO_CHARS = 40


def short_repr(value: object) -> str:
    """``repr(value)``, cut to about 40 characters so that a huge value is not printed whole."""
    text = repr(value)
    return text if len(text) <= MAX_ECHO_CHARS else f"{text[: MAX_ECHO_CHARS - 5]}...{text[-1]}"


def _units_for(dimension: Dimension) -> dict[str, Decimal]:
    if dimension == "time":
        return _TIME
    if dimension == "size":
        return _SIZE
    if dimension == "bitrate":
        units = dict(_BITRATE_ALIASES)  # "Mbps", to bit/s
        for size_name, size_f in _SIZE.items():  # "Mbit/s", "MB/s", "GB/min", to bit/s
            for time_name, time_f in _TIME.items():
                units[f"{size_name}/{time_name}"] = size_f * 8 / time_f
        return units
    if dimension == "rate":
        units = dict(_RATE)
        for time_name, time_f in _TIME.items():
            units[f"/{time_name}"] = 1 / time_f
            units[f"per {time_name}"] = 1 / time_f
        return units
    if dimension == "compute":
        return _COMPUTE
    if dimension == "work":
        return _WORK
    if dimension == "power":
        return _POWER
    if dimension == "fraction":
        return {"": Decimal(1), "%": Decimal("0.01")}
    return _COUNT


_UNIT_CACHE: dict[Dimension, dict[str, Decimal]] = {}


def units_of(dimension: Dimension) -> dict[str, Decimal]:
    """The accepted unit spellings of a dimension, each with its factor to the SI base."""
    if dimension not in _UNIT_CACHE:
        _UNIT_CACHE[dimension] = _units_for(dimension)
    return _UNIT_CACHE[dimension]


def _normalise_unit(unit: str) -> str:
    unit = unit.replace("μ", "µ")
    unit = re.sub(r"\s*/\s*", "/", unit)
    return unit.replace("per ", "/") if unit.startswith("per ") else unit


def parse_quantity(value: object, dimension: Dimension) -> float:
    """Read ``value`` (a string with a unit, or a plain number) as an SI float of ``dimension``.

    Plain numbers are taken as already in SI units (seconds, bytes, bit/s ...). Raises
    :class:`UnitError` with an example of what is accepted.
    """
    if isinstance(value, bool):
        raise UnitError(
            f"expected a {dimension} such as {_EXAMPLES[dimension]}, got {short_repr(value)}"
        )
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 1e300 else math.inf  # a huge int: no OverflowError
        if not math.isfinite(number):
            raise UnitError(f"expected a finite {dimension}, got {short_repr(value)}")
        return number
    if not isinstance(value, str):
        raise UnitError(
            f"expected a {dimension} such as {_EXAMPLES[dimension]}, got {type(value).__name__}"
        )
    if len(value) > MAX_QUANTITY_CHARS:
        raise UnitError(
            f"a {dimension} is a number and a unit, at most {MAX_QUANTITY_CHARS} characters; "
            f"write it like {_EXAMPLES[dimension]}"
        )
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        raise UnitError(
            f"could not read {short_repr(value)} as a {dimension}: it must start with a number "
            f"(e.g. {_EXAMPLES[dimension]})"
        )
    unit = _normalise_unit(match["unit"].rstrip())
    units = units_of(dimension)
    if unit not in units:
        if unit == "" and dimension not in ("fraction", "count"):
            hint = "add a unit"
        else:
            hint = f"unknown unit {unit!r} for a {dimension}"
        raise UnitError(f"could not read {short_repr(value)}: {hint} (e.g. {_EXAMPLES[dimension]})")
    try:
        with localcontext() as ctx:
            ctx.prec = 40
            result = float(Decimal(match["num"]) * units[unit])
    except (InvalidOperation, OverflowError) as exc:
        raise UnitError(f"could not read {short_repr(value)} as a number") from exc
    if not math.isfinite(result):
        raise UnitError(f"{short_repr(value)} is too large")
    return result


# Units used when writing quantities back, largest first.
_FORMAT_UNITS: dict[Dimension, list[str]] = {
    "time": ["h", "min", "s", "ms", "us", "ns"],
    "size": ["TB", "GB", "MB", "kB", "B"],
    "bitrate": ["Tbit/s", "Gbit/s", "Mbit/s", "kbit/s", "bit/s"],
    "rate": ["/s"],
    "compute": ["POPS", "TOPS", "GOPS", "MOPS", "kOPS", "OPS"],
    "work": ["TOP", "GOP", "MOP", "kOP", "OP"],
    "power": ["kW", "W", "mW"],
}


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_quantity(value: float, dimension: Dimension) -> str | float:
    """Write an SI float with a readable unit such that parsing it back gives exactly ``value``.

    Fractions and counts stay plain numbers.
    """
    if dimension in ("fraction", "count"):
        return value
    exact = Decimal(repr(float(value)))
    units = units_of(dimension)
    names = _FORMAT_UNITS[dimension]
    chosen = names[-1]
    if dimension == "time" and abs(exact) >= 60:
        # Keep minutes and hours only when they divide exactly ("4 h", "90 s" stays "90 s").
        chosen = next((n for n in names[:2] if exact % units[n] == 0), "s")
    else:
        for name in names:
            if dimension == "time" and name in ("h", "min"):
                continue
            if abs(exact) >= units[name]:
                chosen = name
                break
    with localcontext() as ctx:
        ctx.prec = 60
        text = f"{_plain(exact / units[chosen])} {chosen}"
    if parse_quantity(text, dimension) != float(value):  # pragma: no cover - defensive
        return float(value)
    return text
