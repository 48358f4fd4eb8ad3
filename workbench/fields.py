"""Pydantic field types for quantities with units, and helpers shared by all schema models.

In files, a dimensioned field must carry its unit ("25 ms"): a bare number is rejected because
``latency: 25`` is ambiguous. From Python, a plain float is taken as SI (seconds, bytes, bit/s).
Loaders switch the strict behaviour on with ``context={"units_required": True}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)

from .units import Dimension, UnitError, format_quantity, parse_quantity, short_repr

_DESCRIPTIONS: dict[Dimension, tuple[str, str]] = {
    "time": ("a time", "25 ms"),
    "size": ("a size in bytes", "2 GB"),
    "bitrate": ("a bit rate", "100 Mbit/s"),
    "rate": ("an event rate", "30 fps"),
    "compute": ("a compute throughput in operations per second", "275 TOPS"),
    "work": ("compute work in operations (1 MAC = 2 operations)", "8.7 GFLOP"),
    "power": ("a power", "60 W"),
    "fraction": ("a fraction between 0 and 1", "99.9 %"),
    "count": ("a count", "3.5 M"),
}


# The range every quantity of a dimension must lie in (SI units), so that no figure can make the
# engine overflow, divide by almost zero or plan an absurd amount of work. Fields with tighter
# needs use the aliases below (e.g. RunLength). The README's "Limits" section lists them.
RANGES: dict[Dimension, tuple[float, float]] = {
    "time": (1e-15, 365 * 86400.0),  # 1 fs (no denormals) .. 1 year
    "size": (1e-3, 1e15),  # 1 mB (a bit, rounded) .. 1 PB
    "bitrate": (1.0, 1e15),  # 1 bit/s .. 1 Pbit/s (HBM memory bandwidth reaches ~27 Tbit/s)
    "rate": (1e-12, 1e6),  # one event in ~30,000 years .. 1 MHz
    "compute": (1.0, 1e21),  # 1 OPS .. 1 ZOPS
    "work": (1.0, 1e18),  # 1 OP .. 1 EOP
    "power": (1e-6, 1e7),  # 1 uW .. 10 MW
    "fraction": (0.0, 1.0),
    "count": (0.0, 1e15),
}


def _bound(value: float, dimension: Dimension) -> str:
    """A range bound as people write it ('1 week' reads better than '604800 s')."""
    if dimension == "fraction":
        return f"{value:g}"
    if dimension == "count":
        return f"{value:,.0f}" if value >= 1 else f"{value:g}"
    if dimension == "time" and value >= 86400 and value % 86400 == 0:
        return f"{value / 86400:g} d"
    return str(format_quantity(value, dimension))


def _validator(
    dimension: Dimension, positive: bool, low: float | None, high: float | None, why: str
) -> BeforeValidator:
    if low is None:  # a tiny non-negative value is harmless; a tiny positive one is a divisor
        low = RANGES[dimension][0] if positive else 0.0
    high = RANGES[dimension][1] if high is None else high

    def parse(value: Any, info: ValidationInfo) -> float:
        context = info.context or {}
        if (
            context.get("units_required")
            and dimension not in ("fraction", "count")
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            example = _DESCRIPTIONS[dimension][1]
            unit = example.split(" ", 1)[1]
            shown = short_repr(value)
            raise ValueError(f"{shown} has no unit; write it with one, e.g. '{shown} {unit}'")
        try:
            number = parse_quantity(value, dimension)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        shown = short_repr(value)
        if positive and number <= 0:
            raise ValueError(f"{shown} must be greater than zero; give a positive value")
        if number < 0:
            raise ValueError(f"{shown} must not be negative; give zero or more")
        if dimension == "fraction" and number > 1:
            raise ValueError(f"{shown} must be at most 1 (100 %); give a share from 0 to 1")
        if number > high:
            raise ValueError(
                f"{shown} is more than the limit of {_bound(high, dimension)}{why}; "
                "give a smaller value"
            )
        if number != 0 and number < low:
            raise ValueError(
                f"{shown} is less than the smallest allowed, {_bound(low, dimension)}{why}; "
                "give a larger value" + ("" if positive else " or 0")
            )
        return number

    return BeforeValidator(parse)


def _schema(dimension: Dimension) -> WithJsonSchema:
    text, example = _DESCRIPTIONS[dimension]
    if dimension in ("fraction", "count"):
        return WithJsonSchema(
            {
                "anyOf": [{"type": "number"}, {"type": "string"}],
                "description": f"{text}, e.g. {example!r}",
                "examples": [example],
            }
        )
    return WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*\S.*$",
            "description": f"{text} with a unit, e.g. {example!r}",
            "examples": [example],
        }
    )


def _serializer(dimension: Dimension) -> PlainSerializer:
    return PlainSerializer(lambda v: format_quantity(v, dimension), when_used="json")


def _q(
    dimension: Dimension,
    positive: bool = True,
    low: float | None = None,
    high: float | None = None,
    why: str = "",
) -> tuple[Any, ...]:
    """Validator, serializer and schema of a quantity of ``dimension`` within [low, high]
    (default: RANGES); ``positive`` refuses zero; ``why`` is added to range messages."""
    return (
        _validator(dimension, positive, low, high, why),
        _serializer(dimension),
        _schema(dimension),
    )


_T, _T0, _B, _B0 = _q("time"), _q("time", False), _q("size"), _q("size", False)
_BR, _R, _C, _W = _q("bitrate"), _q("rate"), _q("compute"), _q("work")
_P, _F, _N = _q("power"), _q("fraction", False), _q("count")

Seconds = Annotated[float, _T[0], _T[1], _T[2]]
SecondsOrZero = Annotated[float, _T0[0], _T0[1], _T0[2]]
Bytes = Annotated[float, _B[0], _B[1], _B[2]]
BytesOrZero = Annotated[float, _B0[0], _B0[1], _B0[2]]
BitsPerSecond = Annotated[float, _BR[0], _BR[1], _BR[2]]
PerSecond = Annotated[float, _R[0], _R[1], _R[2]]
OpsPerSecond = Annotated[float, _C[0], _C[1], _C[2]]
Ops = Annotated[float, _W[0], _W[1], _W[2]]
Watts = Annotated[float, _P[0], _P[1], _P[2]]
Fraction = Annotated[float, _F[0], _F[1], _F[2]]
Count = Annotated[float, _N[0], _N[1], _N[2]]

# Fields with tighter needs than their dimension's range.
MAX_RUN_S = 7 * 86400.0  # a typo such as '600 h' would otherwise fill memory with time bins
ENGINES = ("auto", "reference")  # auto: the fast plane where it covers the scenario (sim.fast)
_RUN = _q("time", high=MAX_RUN_S, why=" of simulated time")
_EVERY = _q("time", low=1e-3, why=" between transfers")
_MTBF = _q("time", low=1.0, why=" between failures (for a flaky link use kind: degrade)")
_MTTR = _q("time", low=1e-3, why=" for a repair")
_DEGRADE = _q("fraction", False, low=1e-6, why=" (a slower link is down: use kind: down)")
_SHARE = _q("fraction", False, low=1e-3, why=" (a smaller share would never drain)")
RunLength = Annotated[float, _RUN[0], _RUN[1], _RUN[2]]
RepeatPeriod = Annotated[float, _EVERY[0], _EVERY[1], _EVERY[2]]
FailureInterval = Annotated[float, _MTBF[0], _MTBF[1], _MTBF[2]]
RepairTime = Annotated[float, _MTTR[0], _MTTR[1], _MTTR[2]]
DegradeFactor = Annotated[float, _DEGRADE[0], _DEGRADE[1], _DEGRADE[2]]
DrainShare = Annotated[float, _SHARE[0], _SHARE[1], _SHARE[2]]

MAX_DEVICES = 1_000_000
MAX_SERVERS = 10_000
DeviceCount = Annotated[int, Field(ge=1, le=MAX_DEVICES)]
ServerCount = Annotated[int, Field(ge=1, le=MAX_SERVERS)]
Coordinate = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]

Sources = dict[str, str | dict[str, str]]  # a mapping figure (e.g. sizes) cites per key


class Schema(BaseModel):
    """Base of every file-backed model: unknown keys are errors, aliases are the file's names."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=False,
        validate_assignment=True,
        str_strip_whitespace=True,
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """The model as file-ready plain data: file names for keys, quantities with units."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
