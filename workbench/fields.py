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
            raise ValueError(
                f"{value!r} has no unit; write it with one, e.g. '{value} {unit}'"
            )
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


def _quantity(dimension: Dimension, *, positive: bool = True) -> Any:
    return Annotated[
        float,
        _validator(dimension, positive),
        PlainSerializer(lambda v: format_quantity(v, dimension), when_used="json"),
        _schema(dimension),
    ]


Seconds = _quantity("time")
SecondsOrZero = _quantity("time", positive=False)
Bytes = _quantity("size")
BytesOrZero = _quantity("size", positive=False)
BitsPerSecond = _quantity("bitrate")
PerSecond = _quantity("rate")
OpsPerSecond = _quantity("compute")
Ops = _quantity("work")
Watts = _quantity("power")
Fraction = _quantity("fraction", positive=False)
Count = _quantity("count")

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
