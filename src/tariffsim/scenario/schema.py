"""The scenario file format (TOML), validated with pydantic.

Tables of a scenario file (every key is documented with a worked example in
``docs/scenarios.md``):

* ``[scenario]`` — name, description, baseline world, model, closure, numeraire,
  evaluation ``date`` or ``dates``, ``extends`` (a parent file whose actions this
  one overlays);
* ``[regions]`` — named groups of countries usable as targets;
* ``[[action]]`` — a tariff levied by ``imposer`` on goods from ``target``;
* ``[[retaliation]]`` — shorthand for an action by the target of another action
  (named by its ``label``) on that action's imposer;
* ``[[trade_cost]]`` — change a gravity cost variable (an RTA or border dummy)
  for chosen pairs, with its coefficient;
* ``[[purchase]]`` — a purchase commitment (an importer buys a stated value more
  from a partner in stated sectors), met by a demand shift.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tariffsim._text import control_characters
from tariffsim.options import Closure
from tariffsim.scenario.products import parse_patterns

__all__ = [
    "AllExcept",
    "Action",
    "Game",
    "Header",
    "ProductList",
    "Purchase",
    "Retaliation",
    "Scenario",
    "TradeCost",
    "parse_date",
    "parse_rate",
]


def parse_rate(value: float | int | str) -> float:
    """A rate as a fraction: ``"25%"`` → 0.25, ``0.25`` → 0.25.

    Raises ``ValueError`` for rates at or below −100 %, for bare numbers
    above 10 (almost surely a percentage written without ``%``), and for
    infinite or NaN rates.
    """
    if isinstance(value, bool):
        raise ValueError("a rate is a number or a percentage string such as '25%'")
    if isinstance(value, str):
        text = value.strip()
        if not text.endswith("%"):
            raise ValueError(f"rate '{value}' must be a number (0.25) or a percentage ('25%')")
        try:
            rate = float(text[:-1]) / 100.0
        except ValueError:
            raise ValueError(f"rate '{value}' is not a percentage") from None
    elif isinstance(value, int | float):
        rate = float(value)
        if rate > 10:
            raise ValueError(f"rate {value} would be {rate:.0%}; write '{value}%' for a percentage "
                             "or a fraction such as 0.25")
    else:
        raise ValueError("a rate is a number or a percentage string such as '25%'")
    if not math.isfinite(rate):
        raise ValueError(f"rate {value} is not a finite number")
    if not rate > -1.0:
        raise ValueError(f"rate {value} is at or below -100%")
    return rate


def parse_date(value: dt.date | str | None) -> dt.date | None:
    """A date from a TOML date (``2019-06-01``), a date-time or an ISO string (``"2019-06-01"``).

    ``None`` stays ``None``. Numbers are refused: ``20190601`` or a Unix
    timestamp is not a date anyone means to write (pydantic would read it as seconds
    since 1970).

    Raises
    ------
    ValueError
        For anything else, saying how a date is written.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            shown = value if len(value) <= 40 else value[:39] + "…"
            raise ValueError(f"{shown!r} is not a date (write 2018-07-06)") from None
    kind = ("true/false" if isinstance(value, bool) else "a number" if isinstance(value, int | float)
            else f"a {type(value).__name__}")
    raise ValueError(f"a date is written 2018-07-06 (a TOML date) or \"2018-07-06\", not {kind}")


def _date(value: Any) -> Any:
    """Validator form of :func:`parse_date` (TOML dates and ISO strings; no numbers)."""
    return parse_date(value)


def _no_control_characters(value: str, what: str) -> str:
    bad = control_characters(value)
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:3])
        raise ValueError(f"{what} contains control or text-direction characters ({codes}); they would garble "
                         "terminals and reports: remove them")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AllExcept(_Strict):
    """``target = {all_except = ["CAN", "MEX"]}``: every country but these (and the imposer)."""

    all_except: list[str] = Field(min_length=1)


class ProductList(_Strict):
    """A product list in a file: ``{file = "lists.csv", column = "hts8", where = {list = "list1_34b"}}``."""

    file: str = Field(min_length=1)
    column: str | None = None
    where: dict[str, str | list[str]] = Field(default_factory=dict)


class Header(_Strict):
    """The ``[scenario]`` table."""

    name: str = Field(min_length=1)
    description: str = ""
    world: str = "demo-2017"
    model: Literal["gravity", "multisector"] = "gravity"
    closure: Closure = "fixed_level"
    numeraire: str = "world_output"
    date: dt.date | None = None
    dates: list[dt.date] | None = None
    extends: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _one_date(cls, value: Any) -> Any:
        return _date(value)

    @field_validator("dates", mode="before")
    @classmethod
    def _many_dates(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_date(v) for v in value]
        return value

    @model_validator(mode="after")
    def _date_or_dates(self) -> Header:
        if self.date is not None and self.dates is not None:
            raise ValueError("give either date or dates, not both")
        if self.dates is not None:
            if not self.dates:
                raise ValueError("dates is empty")
            if sorted(self.dates) != self.dates or len(set(self.dates)) != len(self.dates):
                raise ValueError("dates must be in increasing order without repeats")
        return self

    def evaluation_dates(self) -> list[dt.date | None]:
        if self.dates is not None:
            return list(self.dates)
        return [self.date]


class _Timed(_Strict):
    """Keys shared by every dated entry."""

    effective: dt.date | None = None
    until: dt.date | None = None
    label: str = ""
    source: str = ""

    @field_validator("effective", "until", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _date(value)

    @field_validator("label")
    @classmethod
    def _plain_label(cls, value: str) -> str:
        return _no_control_characters(value, "label")

    @model_validator(mode="after")
    def _order(self) -> _Timed:
        if self.effective is not None and self.until is not None and self.until <= self.effective:
            raise ValueError(f"until ({self.until}) must be after effective ({self.effective})")
        return self

    def active(self, date: dt.date | None) -> bool:
        """In force on ``date`` (always when ``date`` is None): effective ≤ date < until."""
        if date is None:
            return True
        if self.effective is not None and date < self.effective:
            return False
        return not (self.until is not None and date >= self.until)


class _TariffFields(_Timed):
    """What a tariff action covers and at what rate (shared by actions and retaliations)."""

    products: list[str] | None = None
    product_list: str | ProductList | None = None
    sectors: str | list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    coverage: float | None = Field(default=None, ge=0, strict=True, allow_inf_nan=False)
    rate: float
    mode: Literal["add", "set"] = "add"
    suspended: bool = False

    @field_validator("rate", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> float:
        return parse_rate(value)

    @field_validator("products", "exclude")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("give at least one product code")
            parse_patterns(value)
        return value

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and not value:
            raise ValueError('give at least one sector, or "all"')
        if isinstance(value, str) and value != "all":
            raise ValueError('sectors is a list of sector labels, or "all"')
        return value

    @model_validator(mode="after")
    def _something_covered(self) -> _TariffFields:
        if self.products is None and self.product_list is None and self.sectors is None:
            raise ValueError("say what the action covers: products, product_list or sectors")
        return self


class Action(_TariffFields):
    """One ``[[action]]``: a tariff levied by ``imposer`` on goods from ``target``."""

    imposer: str = Field(min_length=1)
    target: str | list[str] | AllExcept

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | list[str] | AllExcept) -> str | list[str] | AllExcept:
        if isinstance(value, list) and not value:
            raise ValueError('give at least one target, or "all"')
        return value


class Retaliation(_TariffFields):
    """One ``[[retaliation]]``: the target of the action labelled ``answers`` taxes its imposer."""

    answers: str = Field(min_length=1)

    @field_validator("answers")
    @classmethod
    def _plain_answers(cls, value: str) -> str:
        return _no_control_characters(value, "answers")


class TradeCost(_Timed):
    """One ``[[trade_cost]]``: cost variable ``variable`` changes by ``change`` for the pairs.

    With the variable's coefficient β on log trade, τ̂^(−θ) = exp(β · change).
    """

    variable: str = Field(min_length=1)
    coefficient: float = Field(strict=True, allow_inf_nan=False)
    change: float = Field(default=1.0, strict=True, allow_inf_nan=False)
    exporters: str | list[str]
    importers: str | list[str]
    symmetric: bool = True
    sectors: str | list[str] = "all"


class Purchase(_Timed):
    """One ``[[purchase]]``: ``importer`` buys ``value`` USD millions more from ``exporter`` in ``sectors``."""

    importer: str = Field(min_length=1)
    exporter: str = Field(min_length=1)
    sectors: str | list[str] = "all"
    value: float = Field(strict=True, allow_inf_nan=False)


class Game(_Strict):
    """The ``[game]`` table: a trade war (or optimal tariffs) played from the scenario's tariffs.

    ``tariffsim war nash FILE`` reads it; command-line options override its keys.
    """

    kind: Literal["nash", "optimal"] = "nash"
    players: list[str] = Field(min_length=1)
    instrument: Literal["mfn", "bilateral"] = "mfn"
    sectors: Literal["each", "uniform"] = "each"
    objective: Literal["welfare", "political"] = "welfare"
    weights: str | None = None
    upper: float = 2.25
    lower: float = 0.0
    subsidies: bool = False

    @field_validator("upper", "lower", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> float:
        return parse_rate(value)

    @field_validator("players")
    @classmethod
    def _plain_players(cls, value: list[str]) -> list[str]:
        for name in value:
            _no_control_characters(name, "a player")
        if len(set(value)) != len(value):
            raise ValueError(f"each country plays once; got {value}")
        return value


class Scenario(_Strict):
    """A whole scenario file."""

    scenario: Header
    regions: dict[str, list[str]] = Field(default_factory=dict)
    action: list[Action] = Field(default_factory=list)
    retaliation: list[Retaliation] = Field(default_factory=list)
    trade_cost: list[TradeCost] = Field(default_factory=list)
    purchase: list[Purchase] = Field(default_factory=list)
    game: Game | None = None

    @field_validator("regions")
    @classmethod
    def _plain_region_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in value:
            _no_control_characters(name, "a region name")
        return value

    @model_validator(mode="after")
    def _unique_labels(self) -> Scenario:
        counts = Counter(a.label for a in [*self.action, *self.retaliation] if a.label)
        dups = sorted(x for x, n in counts.items() if n > 1)
        if dups:
            raise ValueError(f"action labels must be unique (extends overlays by label); repeated: {dups[:5]}"
                             + (f" and {len(dups) - 5} more" if len(dups) > 5 else ""))
        return self
