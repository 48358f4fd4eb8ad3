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
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)

from .units import Dimension, UnitError, format_quantity, parse_quantity

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


def _validator(dimension: Dimension, positive: bool) -> BeforeValidator:
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
            raise ValueError(f"{value!r} has no unit; write it with one, e.g. '{value} {unit}'")
        try:
            number = parse_quantity(value, dimension)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if positive and number <= 0:
            raise ValueError(f"must be greater than zero, got {value!r}")
        if not positive and number < 0:
            raise ValueError(f"must not be negative, got {value!r}")
        if dimension == "fraction" and number > 1:
            raise ValueError(f"must be at most 1 (100 %), got {value!r}")
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


def _q(dimension: Dimension, positive: bool = True) -> tuple[Any, ...]:
    return (_validator(dimension, positive), _serializer(dimension), _schema(dimension))


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
