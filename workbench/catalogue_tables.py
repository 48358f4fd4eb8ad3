"""The catalogue as plain-text tables that fit a terminal (``workbench catalogue TABLE``).

One fixed unit per column, named in its (one- or two-line) header (``memory (GB)``); numbers
with three significant figures, thousands separators and no exponent; a missing figure is
``-``; a long text column (name, description) is cut to what is left of the width.

Examples
--------
>>> print(catalogue_table("data_classes", width=60).splitlines()[1])
public        Hyperscale cloud        Public / non-sensitive
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .catalogue import Catalogue, load_catalogue

__all__ = ["TABLE_NAMES", "catalogue_table", "number"]

WIDTH = 100
"""The widest a table prints, in characters."""
MISSING = "-"


def number(value: float | None, scale: float = 1.0) -> str:
    """``value / scale`` with three significant figures, thousands separators and no exponent
    (``0.000284``, ``1.12``, ``16,000``); ``-`` when there is no value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    scaled = value / scale
    if scaled == 0:
        return "0"
    decimals = max(0, min(8, 2 - math.floor(math.log10(abs(scaled)))))
    text = f"{scaled:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(value: float | None) -> str:
    """A fraction as a percentage with the digits availabilities need (``99.982``)."""
    return MISSING if value is None else f"{value * 100:.6g}"


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Column:
    """A column: its header, how to get a cell from an entry, and whether it is text (left
    aligned) or a number (right aligned). At most one column per table is ``flexible``: cut
    to the width left over, or left out when less than 12 characters are left."""

    header: str
    cell: Callable[[Any], str]
    text: bool = False
    flexible: bool = False


def _tier_name(cat: Catalogue) -> Callable[[str], str]:
    return lambda tier: cat.tiers[tier].name if tier in cat.tiers else tier


def _columns(table: str, cat: Catalogue) -> list[Column]:
    tier = _tier_name(cat)
    if table == "tiers":
        return [
            Column("level", lambda t: str(t.level)),
            Column("id", lambda t: t.id, text=True),
            Column("name", lambda t: t.name, text=True),
            Column("latency\nbudget (ms)", lambda t: number(t.latency_budget_s, 1e-3)),
            Column("availability\n(%)", lambda t: _percent(t.availability_target)),
            Column("on\npremises", lambda t: _text(t.on_premises), text=True),
            Column("networking\nanalogue", lambda t: t.networking_analogue, True, True),
        ]
    if table == "hardware":
        return [
            Column("id", lambda h: h.id, text=True),
            Column("tier", lambda h: tier(h.tier), text=True),
            Column("kind", lambda h: h.kind, text=True),
            Column("effective\n(TOPS)", lambda h: number(h.effective_ops_per_s, 1e12)),
            Column("servers", lambda h: str(h.servers)),
            Column("memory\n(GB)", lambda h: number(h.memory_bytes, 1e9)),
            Column("power\n(W)", lambda h: number(h.power_w)),
            Column("USD/\nhour", lambda h: number(h.cost_per_hour_usd)),
            Column("name", lambda h: _text(h.name), True, True),
        ]
    if table == "models":
        return [
            Column("id", lambda m: m.id, text=True),
            Column("params\n(M)", lambda m: number(m.params, 1e6)),
            Column(
                "size (MB)\nby precision",
                lambda m: ", ".join(f"{p} {number(b, 1e6)}" for p, b in m.sizes.items()),
                text=True,
            ),
            Column("default", lambda m: m.default_precision, text=True),
            Column("GOP per\ninference", lambda m: number(m.ops_per_inference, 1e9)),
            Column("accuracy\n(%)", lambda m: _percent(m.accuracy)),
            Column("task", lambda m: _text(m.task), True, True),
        ]
    if table == "links":
        return [
            Column("id", lambda k: k.id, text=True),
            Column("up\n(Mbit/s)", lambda k: number(k.bandwidth_bps, 1e6)),
            Column("down\n(Mbit/s)", lambda k: number(k.downlink_bandwidth_bps, 1e6)),
            Column("RTT\n(ms)", lambda k: number(k.rtt_s, 1e-3)),
            Column("jitter\n(ms)", lambda k: number(k.jitter_s, 1e-3)),
            Column("loss\n(%)", lambda k: _percent(k.loss)),
            Column("availability\n(%)", lambda k: _percent(k.availability)),
            Column("MTTR\n(h)", lambda k: number(k.mttr_s, 3600)),
            Column("name", lambda k: _text(k.name), True, True),
        ]
    if table == "data_sources":
        return [
            Column("id", lambda d: d.id, text=True),
            Column("raw\n(Mbit/s)", lambda d: number(d.raw_rate_bps, 1e6)),
            Column("typical output\n(kbit/s)", lambda d: number(d.typical_output_rate_bps, 1e3)),
            Column("default\nclass", lambda d: d.default_class, text=True),
            Column("name", lambda d: _text(d.name), True, True),
        ]
    if table == "data_classes":
        return [
            Column("id", lambda d: d.id, text=True),
            Column("max tier", lambda d: tier(d.max_tier), text=True),
            Column("name", lambda d: _text(d.name), True, True),
        ]
    raise ValueError(f"no catalogue table {table!r}; choose one of {', '.join(TABLE_NAMES)}")


TABLE_NAMES = ("tiers", "hardware", "models", "links", "data_sources", "data_classes")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _render(columns: Sequence[Column], rows: list[list[str]], width: int) -> str:
    heads = [c.header.split("\n") for c in columns]
    widths = [max(*map(len, h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    flexible = next((i for i, c in enumerate(columns) if c.flexible), None)
    if flexible is not None:
        fixed = sum(w + 2 for i, w in enumerate(widths) if i != flexible)
        room = width - fixed
        if room < 12:
            columns = [c for i, c in enumerate(columns) if i != flexible]
            heads = [h for i, h in enumerate(heads) if i != flexible]
            rows = [[cell for i, cell in enumerate(r) if i != flexible] for r in rows]
            widths = [w for i, w in enumerate(widths) if i != flexible]
        else:
            widths[flexible] = min(widths[flexible], room)
            heads[flexible] = [_cut(part, room) for part in heads[flexible]]
            rows = [
                [_cut(cell, room) if i == flexible else cell for i, cell in enumerate(r)]
                for r in rows
            ]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(w) if c.text else cell.rjust(w)
            for c, cell, w in zip(columns, cells, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    depth = max(map(len, heads))
    header = [[""] * (depth - len(h)) + h for h in heads]  # multi-line headers, bottom-aligned
    head_lines = [line([h[k] for h in header]) for k in range(depth)]
    return "\n".join([*head_lines, *(line(r) for r in rows)])


def catalogue_table(table: str, catalogue: Catalogue | None = None, width: int = WIDTH) -> str:
    """The catalogue's ``table`` (one of :data:`TABLE_NAMES`) as text at most ``width`` wide
    (a long name or description is cut with "…"; the full text is in ``data/catalogue``)."""
    cat = catalogue or load_catalogue()
    columns = _columns(table, cat)
    entries = getattr(cat, table).values()
    rows = [[column.cell(entry) for column in columns] for entry in entries]
    return _render(columns, rows, width)
