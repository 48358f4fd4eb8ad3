"""The dated price catalogue (``data/catalogue/prices.yaml``) and a scenario's overrides.

Every price carries ``as_of`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and a source per figure,
checked like the rest of the catalogue. A scenario overrides any price under ``catalogue:
prices:``; :func:`scenario_prices` applies the overrides.

Examples
--------
>>> prices = load_prices()
>>> prices.electricity.per_kwh_usd
0.15
>>> prices.rental["h100_node"].per_server_hour_usd(8)
4.91625
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, model_validator

from ..catalogue import Reference, _check_citation, load_catalogue
from ..errors import CatalogueError, Problem
from ..fields import Schema, Sources
from ..loading import data_dir, problems_from_validation_error, read_yaml

PRICES_FILE = "prices.yaml"
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SCENARIO = "scenario"  # the as_of of a price a scenario sets without a date
MAX_PRICE = 1e9


def _price(description: str, optional: bool = False) -> Any:
    """A price field: 0 or more (a negative price is refused with the field's name)."""
    default: Any = None if optional else ...
    return Field(default, ge=0, le=MAX_PRICE, allow_inf_nan=False, description=description)


class Dated(Schema):
    """A priced item: when the price was read and where from."""

    FIGURES: ClassVar[tuple[str, ...]] = ()
    as_of: str = Field(
        pattern=rf"^(\d{{4}}(-\d{{2}}(-\d{{2}})?)?|{SCENARIO})$",
        description="date of the price, e.g. '2025-04'",
    )
    sources: Sources = Field(default_factory=dict)
    notes: str | None = None


class Electricity(Dated):
    FIGURES = ("per_kwh_usd",)
    per_kwh_usd: float = _price("electricity price per kWh")


class Egress(Dated):
    FIGURES = ("per_gb_usd",)
    per_gb_usd: float = _price("price per GB leaving the cloud")


class Transfer(Dated):
    FIGURES = ("per_gb_usd",)
    id: str = Field(description="a link profile id (e.g. 'lte_4g') or a scenario link id")
    per_gb_usd: float = _price("price per GB carried by the link")


class Purchase(Dated):
    FIGURES = ("purchase_usd", "life_years")
    id: str = Field(description="a hardware id")
    purchase_usd: float = _price("purchase price of one hardware entry (device or node)")
    life_years: float = Field(gt=0, le=100, allow_inf_nan=False, description="amortisation life")

    def per_month_usd(self, hours_per_month: float) -> float:
        """Straight-line amortisation of one entry per month."""
        return self.purchase_usd / (self.life_years * 8760.0) * hours_per_month


class Rental(Dated):
    FIGURES = ("per_hour_usd", "per_month_usd", "billing")
    id: str = Field(description="a hardware id")
    per_hour_usd: float | None = _price(
        "rental price of one hardware entry per hour", optional=True
    )
    per_month_usd: float | None = _price(
        "rental price of one hardware entry per month", optional=True
    )
    billing: Literal["per_use", "reserved"] = "per_use"

    @model_validator(mode="after")
    def _one_price(self) -> Rental:
        if (self.per_hour_usd is None) == (self.per_month_usd is None):
            raise ValueError("give exactly one of per_hour_usd or per_month_usd")
        return self

    def hourly_usd(self, hours_per_month: float) -> float:
        """The price of one entry per hour."""
        if self.per_hour_usd is not None:
            return self.per_hour_usd
        return float(self.per_month_usd or 0.0) / hours_per_month

    def per_server_hour_usd(self, servers: int, hours_per_month: float = 730.0) -> float:
        """The price of one of the entry's ``servers`` (GPUs) per hour."""
        return self.hourly_usd(hours_per_month) / servers


class PriceFile(Schema):
    """The file's layout: lists keyed by id, as in the other catalogue files."""

    currency: Literal["USD"] = "USD"
    hours_per_month: float = Field(default=730.0, gt=0, le=744)
    electricity: Electricity
    cloud_egress: Egress
    transfer: list[Transfer] = Field(default_factory=list)
    purchase: list[Purchase] = Field(default_factory=list)
    rental: list[Rental] = Field(default_factory=list)


class Prices:
    """Prices keyed for lookup: ``transfer``, ``purchase`` and ``rental`` by id."""

    def __init__(self, data: PriceFile) -> None:
        self.currency = data.currency
        self.hours_per_month = data.hours_per_month
        self.electricity = data.electricity
        self.cloud_egress = data.cloud_egress
        self.transfer = {t.id: t for t in data.transfer}
        self.purchase = {p.id: p for p in data.purchase}
        self.rental = {r.id: r for r in data.rental}

    def dates(self) -> dict[str, str]:
        """``as_of`` of every price, keyed like ``purchase.jetson_nano`` (for the report)."""
        out = {"electricity": self.electricity.as_of, "cloud_egress": self.cloud_egress.as_of}
        for name, table in (
            ("transfer", self.transfer),
            ("purchase", self.purchase),
            ("rental", self.rental),
        ):
            out |= {f"{name}.{key}": item.as_of for key, item in table.items()}
        return out


# ------------------------------------------------------------------------- overrides


class PurchaseOverride(Schema):
    purchase_usd: float = _price("purchase price of one hardware entry (device or node)")
    life_years: float = Field(default=3.0, gt=0, le=100, allow_inf_nan=False)


class RentalOverride(Schema):
    per_hour_usd: float | None = _price("rental price per hour", optional=True)
    per_month_usd: float | None = _price("rental price per month", optional=True)
    billing: Literal["per_use", "reserved"] = "per_use"

    @model_validator(mode="after")
    def _one_price(self) -> RentalOverride:
        if (self.per_hour_usd is None) == (self.per_month_usd is None):
            raise ValueError("give exactly one of per_hour_usd or per_month_usd")
        return self


class PriceOverrides(Schema):
    """A scenario's own prices (``catalogue: prices:``); anything not given keeps the shipped
    price. All in US dollars."""

    as_of: str | None = Field(
        default=None, pattern=DATE_PATTERN, description="date of these prices, e.g. '2026-11'"
    )
    electricity_per_kwh_usd: float | None = _price("electricity price per kWh", optional=True)
    cloud_egress_per_gb_usd: float | None = _price("price per GB leaving the cloud", optional=True)
    transfer_per_gb_usd: dict[str, float] = Field(
        default_factory=dict,
        description="link profile or link id -> price per GB, e.g. {lte_4g: 0.5}",
    )
    purchase: dict[str, PurchaseOverride] = Field(
        default_factory=dict, description="hardware id -> {purchase_usd, life_years}"
    )
    rental: dict[str, RentalOverride] = Field(
        default_factory=dict, description="hardware id -> {per_hour_usd or per_month_usd, billing}"
    )

    @model_validator(mode="after")
    def _transfer_prices(self) -> PriceOverrides:
        for key, value in self.transfer_per_gb_usd.items():
            if not (0 <= value <= MAX_PRICE):  # also refuses NaN
                raise ValueError(
                    f"transfer_per_gb_usd.{key}: {value!r} is not a price; give 0 or more, e.g. 0.5"
                )
        return self


def apply_overrides(prices: Prices, overrides: PriceOverrides | None) -> Prices:
    """A copy of ``prices`` with ``overrides`` applied, dated by the overrides' ``as_of``."""
    if overrides is None or overrides == PriceOverrides():
        return prices
    dated = {"as_of": overrides.as_of or SCENARIO, "notes": "set by the scenario"}
    out = copy.copy(prices)
    if overrides.electricity_per_kwh_usd is not None:
        out.electricity = Electricity(per_kwh_usd=overrides.electricity_per_kwh_usd, **dated)
    if overrides.cloud_egress_per_gb_usd is not None:
        out.cloud_egress = Egress(per_gb_usd=overrides.cloud_egress_per_gb_usd, **dated)
    out.transfer = prices.transfer | {
        key: Transfer(id=key, per_gb_usd=value, **dated)
        for key, value in overrides.transfer_per_gb_usd.items()
    }
    out.purchase = prices.purchase | {
        key: Purchase(id=key, purchase_usd=p.purchase_usd, life_years=p.life_years, **dated)
        for key, p in overrides.purchase.items()
    }
    out.rental = prices.rental | {
        key: Rental(
            id=key,
            per_hour_usd=r.per_hour_usd,
            per_month_usd=r.per_month_usd,
            billing=r.billing,
            **dated,
        )
        for key, r in overrides.rental.items()
    }
    return out


# --------------------------------------------------------------------------- loading


def _check_sources(item: Dated, where: str, references: dict[str, Reference]) -> list[Problem]:
    problems = []
    set_fields = item.model_dump(exclude_none=True)
    for figure in item.FIGURES:
        if figure in set_fields and figure not in item.sources:
            problems.append(Problem(f"{where}.sources", f"figure '{figure}' has no source; add it"))
    for figure, cited in item.sources.items():
        if isinstance(cited, str):
            problems.extend(_check_citation(cited, f"{where}.sources.{figure}", references))
    return problems


def load_prices(directory: Path | str | None = None) -> Prices:
    """The price catalogue in ``directory`` (default: the shipped ``data/catalogue``), checked;
    raises :class:`CatalogueError` listing every problem."""
    if directory is None:
        return _shipped_prices()
    return _load(Path(directory))


@lru_cache(maxsize=1)
def _shipped_prices() -> Prices:
    return _load(data_dir() / "catalogue")


def _load(directory: Path) -> Prices:
    path = directory / PRICES_FILE
    document = read_yaml(path)
    try:
        data = PriceFile.model_validate(document)
    except ValidationError as exc:
        found = problems_from_validation_error(exc, PriceFile)
        raise CatalogueError(
            [Problem(f"{PRICES_FILE}: {p.path}".rstrip(": "), p.message) for p in found],
            str(directory),
        ) from None
    references = load_catalogue().references
    problems: list[Problem] = []
    problems += _check_sources(data.electricity, f"{PRICES_FILE}: electricity", references)
    problems += _check_sources(data.cloud_egress, f"{PRICES_FILE}: cloud_egress", references)
    for name in ("transfer", "purchase", "rental"):
        seen: set[str] = set()
        for index, item in enumerate(getattr(data, name)):
            where = f"{PRICES_FILE}: {name}[{index}]"
            if item.id in seen:
                problems.append(Problem(f"{where}.id", f"duplicate id {item.id!r}"))
            seen.add(item.id)
            problems += _check_sources(item, where, references)
    if problems:
        raise CatalogueError(problems, str(directory))
    return Prices(data)


def scenario_prices(scenario: Any) -> Prices:
    """The shipped prices with the scenario's ``catalogue: prices:`` applied."""
    return apply_overrides(load_prices(), getattr(scenario.extras, "prices", None))


def price_problems(
    overrides: PriceOverrides | None,
    hardware: Iterable[str],
    link_names: Iterable[str],
    unknown: Callable[[str, str, Iterable[str]], str],
) -> list[Problem]:
    """A scenario's prices for hardware or links it does not know (a typo would otherwise be
    ignored silently); ``unknown(kind, value, known)`` words the message."""
    if overrides is None:
        return []
    hardware, link_names = sorted(hardware), sorted(link_names)
    problems = []
    for table in ("purchase", "rental"):
        for key in getattr(overrides, table):
            if key not in hardware:
                problems.append(
                    Problem(f"catalogue.prices.{table}.{key}", unknown("hardware", key, hardware))
                )
    for key in overrides.transfer_per_gb_usd:
        if key not in link_names:
            problems.append(
                Problem(
                    f"catalogue.prices.transfer_per_gb_usd.{key}",
                    unknown("link profile or link", key, link_names),
                )
            )
    return problems


def price_table(prices: Prices) -> str:
    """Every price with its unit and date, one line each (``workbench catalogue prices``)."""
    rows: list[tuple[str, str, str, str]] = [
        ("electricity", f"{prices.electricity.per_kwh_usd:g}", "USD/kWh", prices.electricity.as_of),
        (
            "cloud_egress",
            f"{prices.cloud_egress.per_gb_usd:g}",
            "USD/GB",
            prices.cloud_egress.as_of,
        ),
    ]
    rows += [
        (f"transfer.{k}", f"{t.per_gb_usd:g}", "USD/GB", t.as_of)
        for k, t in prices.transfer.items()
    ]
    rows += [
        (f"purchase.{k}", f"{p.purchase_usd:,.0f}", f"USD over {p.life_years:g} years", p.as_of)
        for k, p in prices.purchase.items()
    ]
    for key, r in prices.rental.items():
        value, unit = (
            (r.per_hour_usd, "USD/hour")
            if r.per_hour_usd is not None
            else (r.per_month_usd, "USD/month")
        )
        rows.append((f"rental.{key}", f"{value:g}", f"{unit}, {r.billing}", r.as_of))
    header = ("price", "value", "unit", "as of")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join(
            cell.rjust(width) if i == 1 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]
    return (
        "\n".join(lines) + f"\n\nA month is {prices.hours_per_month:g} h; sources in {PRICES_FILE}."
    )
