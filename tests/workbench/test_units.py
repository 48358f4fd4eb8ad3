"""Parsing quantities with units and writing them back exactly."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.units import UnitError, format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("25 ms", "time", 0.025),
        ("1.5 s", "time", 1.5),
        ("200 us", "time", 200e-6),
        ("5 µs", "time", 5e-6),
        ("4 h", "time", 14400.0),
        ("2 min", "time", 120.0),
        ("64 B", "size", 64.0),
        ("270 kB", "size", 270e3),
        ("2 GB", "size", 2e9),
        ("16 GiB", "size", 16 * 2**30),
        ("100 Mbit/s", "bitrate", 100e6),
        ("100 Mbps", "bitrate", 100e6),
        ("1.76 kbit/s", "bitrate", 1760.0),
        ("76 MB/s", "bitrate", 608e6),
        ("30 fps", "rate", 30.0),
        ("1 Hz", "rate", 1.0),
        ("10 /s", "rate", 10.0),
        ("2 /min", "rate", 2 / 60),
        ("6 per h", "rate", 6 / 3600),
        ("275 TOPS", "compute", 275e12),
        ("19.5 TFLOPS", "compute", 19.5e12),
        ("8.7 GFLOP", "work", 8.7e9),
        ("0.3 GMAC", "work", 0.6e9),
        ("146 mW", "power", 0.146),
        ("99.9 %", "fraction", 0.999),
        ("0.999", "fraction", 0.999),
        ("266 k", "count", 266e3),
        ("70.6 G", "count", 70.6e9),
    ],
)
def test_parses_to_si(text: str, dimension: str, expected: float) -> None:
    assert parse_quantity(text, dimension) == pytest.approx(expected, rel=1e-15)  # type: ignore[arg-type]


def test_the_camera_that_makes_2_gb_a_minute_is_267_mbit_per_s() -> None:
    assert parse_quantity("2 GB/min", "bitrate") == pytest.approx(266.67e6, rel=1e-4)


def test_plain_numbers_are_si_from_python() -> None:
    assert parse_quantity(0.025, "time") == 0.025


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("25 mss", "unknown unit 'mss' for a time"),
        ("25", "add a unit"),
        ("abc", "must start with a number"),
        ("", "must start with a number"),
        ("25 MB", "unknown unit 'MB' for a time"),
        ("1e999 s", "too large"),
    ],
)
def test_bad_quantities_say_what_is_expected(text: str, match: str) -> None:
    with pytest.raises(UnitError, match=match):
        parse_quantity(text, "time")


@pytest.mark.parametrize("value", [None, True, [1], math.inf, math.nan])
def test_non_quantities_are_rejected(value: object) -> None:
    with pytest.raises(UnitError):
        parse_quantity(value, "size")


def test_formats_with_readable_units() -> None:
    assert format_quantity(0.025, "time") == "25 ms"
    assert format_quantity(7200.0, "time") == "2 h"
    assert format_quantity(90.0, "time") == "90 s"
    assert format_quantity(100e6, "bitrate") == "100 Mbit/s"
    assert format_quantity(2e9, "size") == "2 GB"
    assert format_quantity(0.999, "fraction") == 0.999


@given(
    st.sampled_from(["time", "size", "bitrate", "rate", "compute", "work", "power"]),
    st.floats(min_value=1e-12, max_value=1e18, allow_nan=False, allow_infinity=False),
)
def test_format_then_parse_is_exact(dimension: str, value: float) -> None:
    text = format_quantity(value, dimension)  # type: ignore[arg-type]
    assert isinstance(text, str)
    assert parse_quantity(text, dimension) == value  # type: ignore[arg-type]
