"""The scenario file format (TOML), validated with pydantic.

Tables of a scenario file (every key is documented with a worked example in
``docs/scenarios.md``):

* ``[scenario]`` — name, description, baseline world, model, closure, numeraire,
  evaluation ``date`` or ``dates``, ``extends`` (a parent file whose actions this
  one overlays), ``elasticities`` (a published set of sector trade elasticities, or one θ);
* ``[regions]`` — named groups of countries usable as targets;
* ``[[action]]`` — a tariff levied by ``imposer`` on goods from ``target``;
* ``[[retaliation]]`` — shorthand for an action by the target of another action
  (named by its ``label``) on that action's imposer;
* ``[[trade_cost]]`` — change a gravity cost variable (an RTA or border dummy)
  for chosen pairs, with its coefficient;
* ``[[purchase]]`` — a purchase commitment (an importer buys a stated value more
  from a partner in stated sectors), met by a demand shift;
* ``[uncertainty]`` — what varies over parameter draws and how (elasticities, gravity
  coefficients, actions' rates, coverage and dates; the design, draws and seed);
  ``[sweep]`` — the same over a grid of given values (see docs/uncertainty.md).
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
    "Sweep",
    "TradeCost",
    "Uncertainty",
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
    elasticities: str | float | None = None

    @field_validator("elasticities", mode="before")
    @classmethod
    def _elasticity_choice(cls, value: Any) -> Any:
        """A set code (``"CP"``, ``"BSY"``, ... in any case) or one θ > 0 for every sector (docs/scenarios.md)."""
        if value is None:
            return None
        from tariffsim.data.sector_elasticities import parse_elasticity_choice
        from tariffsim.errors import DataError

        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError("elasticities is a set code such as \"CP\" or a number such as 4.0")
        try:
            return parse_elasticity_choice(value)
        except DataError as exc:
            raise ValueError(str(exc)) from None

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
    uncertainty: Uncertainty | None = None
    sweep: Sweep | None = None

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
        if self.uncertainty is not None and self.sweep is not None:
            raise ValueError("give [uncertainty] (draws) or [sweep] (a grid), not both")
        return self


# ---------------------------------------------------------------------- [uncertainty] and [sweep]
Distribution = Literal["normal", "lognormal", "uniform", "choice"]
_LAW_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # distribution: (required keys, allowed keys)
    "normal": ({"sd"}, {"sd", "mean"}),
    "lognormal": ({"sd_log"}, {"sd_log", "median"}),
    "uniform": ({"low", "high"}, {"low", "high", "relative"}),
    "choice": ({"values"}, {"values"}),
}
_ALL_LAW_KEYS = {"sd", "mean", "sd_log", "median", "low", "high", "relative", "values"}
LawValue = float | str | dt.date


def _calendar_dates(value: Any) -> Any:
    """TOML date-times as dates (in a value or a list of values); anything else as it is."""
    if isinstance(value, list):
        return [v.date() if isinstance(v, dt.datetime) else v for v in value]
    return value.date() if isinstance(value, dt.datetime) else value


def _sector_choice(value: str | list[str]) -> str | list[str]:
    if isinstance(value, list) and not value:
        raise ValueError('give at least one sector, or "all"')
    if isinstance(value, str) and value != "all":
        raise ValueError('sectors is a list of sector labels, or "all"')
    return value


class _Law(_Strict):
    """A law's keys: ``distribution`` and the keys it takes (see ``_LAW_KEYS``)."""

    distribution: str = "lognormal"
    sd: float | str | None = None
    mean: LawValue | None = None
    sd_log: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    median: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    low: LawValue | None = None
    high: LawValue | None = None
    relative: bool = False
    values: list[LawValue] | None = Field(default=None, min_length=1)

    @field_validator("mean", "low", "high", "values", mode="before")
    @classmethod
    def _toml_dates(cls, value: Any) -> Any:
        return _calendar_dates(value)

    def law_keys(self) -> set[str]:
        """The law keys given (``relative = false`` counts as not given)."""
        given = {k for k in _ALL_LAW_KEYS if getattr(self, k) not in (None, False)}
        return given

    def check_law(self, distributions: dict[str, tuple[set[str], set[str]]]) -> None:
        if self.distribution not in distributions:
            raise ValueError(f"distribution '{self.distribution}' is not one of {', '.join(distributions)}")
        required, allowed = distributions[self.distribution]
        given = self.law_keys()
        missing = sorted(required - given)
        if missing:
            raise ValueError(f"a {self.distribution} law needs {', '.join(missing)}")
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(f"a {self.distribution} law takes {', '.join(sorted(allowed)) or 'no law keys'}, "
                             f"not {', '.join(extra)}")
        if self.distribution == "uniform" and self.low is not None and self.high is not None:
            low, high = self.low, self.high
            if type(low) is type(high) and not isinstance(low, str) and low > high:  # type: ignore[operator]
                raise ValueError(f"uniform needs low <= high; got low {low}, high {high}")


class UncertainElasticity(_Law):
    """One ``[[uncertainty.elasticity]]``: trade elasticities θ by a law centred on the World's θ, or a table
    of θ vectors (``distribution = "sets"``: published sets in Lashkaripour's layout; ``"table"``: one row per
    draw, one column per sector)."""

    sectors: str | list[str] = "all"
    common: bool = False
    file: str | None = None
    sets: list[str] | None = Field(default=None, min_length=1)
    dataset: str = "icio"
    year: int | None = None
    mapping: dict[str, list[str]] | None = None

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: str | list[str]) -> str | list[str]:
        return _sector_choice(value)

    @model_validator(mode="after")
    def _law(self) -> UncertainElasticity:
        if self.distribution in ("sets", "table"):
            if self.file is None:
                raise ValueError(f'distribution "{self.distribution}" reads a file: give file = "..."')
            if self.law_keys():
                raise ValueError(f"a {self.distribution} distribution takes file, mapping"
                                 + (", sets, dataset, year" if self.distribution == "sets" else "")
                                 + f", not {', '.join(sorted(self.law_keys()))}")
            if self.sectors != "all" or self.common:
                raise ValueError(f"a {self.distribution} distribution sets every sector: leave out sectors and "
                                 "common")
            return self
        if self.file is not None or self.sets is not None or self.mapping is not None:
            raise ValueError('file, sets and mapping belong to distribution = "sets" or "table"')
        self.check_law(_LAW_KEYS)
        for key in ("sd", "mean", "low", "high", "values"):
            value = getattr(self, key)
            for v in value if isinstance(value, list) else [value]:
                if v is not None and (isinstance(v, str | dt.date) or not math.isfinite(v)):
                    raise ValueError(f"{key} of an elasticity law is a finite number; got {v!r}")
        return self


class UncertainAction(_Law):
    """One ``[[uncertainty.action]]``: the ``rate``, ``coverage``, ``effective`` or ``until`` of the action
    (or retaliation) labelled ``label``, by a law centred on its value in the scenario. Rates take numbers or
    percentages (``"25%"``), coverage USD millions, dates TOML dates (``sd`` in days)."""

    label: str = Field(min_length=1)
    key: Literal["rate", "coverage", "effective", "until"]
    distribution: str = "normal"

    @model_validator(mode="after")
    def _law(self) -> UncertainAction:
        self.check_law(_LAW_KEYS)
        for key in ("mean", "low", "high", "values"):
            value = getattr(self, key)
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    action_value(self.key, v, key)
        if self.sd is not None:
            action_spread(self.key, self.sd)
        if self.sd_log is not None and self.key in ("effective", "until"):
            raise ValueError("a date cannot be lognormal: give a normal law (sd in days) or a uniform one")
        return self


def action_value(key: str, value: Any, what: str = "value") -> float:
    """A value of an action's ``key`` as a number: a rate as a fraction, coverage in USD millions, a date as its
    ordinal (days).

    Raises
    ------
    ValueError
        Saying what the key takes.
    """
    if key in ("effective", "until"):
        if not isinstance(value, dt.date):
            raise ValueError(f"{what} of {key} is a date (2019-06-01); got {value!r}")
        return float(value.toordinal())
    if isinstance(value, dt.date):
        raise ValueError(f"{what} of {key} is a number, not a date")
    if key == "rate":
        return parse_rate(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} of {key} is a finite number (USD millions); got {value!r}")
    return float(value)


def action_spread(key: str, value: Any) -> float:
    """A standard deviation of an action's ``key``: a rate as a fraction or percentage, coverage in USD
    millions, dates in days."""
    if key == "rate" and isinstance(value, str):
        spread = parse_rate(value)
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"sd of {key} is a finite number" + (" of days" if key in ("effective", "until") else "")
                         + f"; got {value!r}")
    else:
        spread = float(value)
    if spread < 0:
        raise ValueError(f"sd of {key} must be >= 0; got {value!r}")
    return spread


class UncertainCoefficients(_Strict):
    """One ``[[uncertainty.coefficient]]``: gravity coefficients ~ N(mean, covariance) jointly, replacing the
    ``coefficient`` of the ``[[trade_cost]]`` entries with those variables."""

    variables: list[str] = Field(min_length=1)
    mean: list[float] = Field(min_length=1)
    covariance: list[list[float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> UncertainCoefficients:
        k = len(self.variables)
        if len(set(self.variables)) != k:
            raise ValueError(f"variables are repeated: {self.variables}")
        if len(self.mean) != k or len(self.covariance) != k or any(len(row) != k for row in self.covariance):
            raise ValueError(f"{k} variables need {k} means and a {k} x {k} covariance")
        numbers = [*self.mean, *(v for row in self.covariance for v in row)]
        if not all(math.isfinite(v) for v in numbers):
            raise ValueError("mean and covariance must be finite numbers")
        if any(abs(self.covariance[i][j] - self.covariance[j][i]) > 1e-12 * (1 + abs(self.covariance[i][j]))
               for i in range(k) for j in range(k)):
            raise ValueError("the covariance must be symmetric")
        if any(self.covariance[i][i] < 0 for i in range(k)):
            raise ValueError("variances (the covariance's diagonal) must be >= 0")
        return self


class Uncertainty(_Strict):
    """The ``[uncertainty]`` table: the design, and what varies (none listed: every sector's θ, the default of
    docs/uncertainty.md)."""

    design: Literal["mc", "lhs", "quadrature", "grid"] = "mc"
    draws: int = Field(default=100, ge=1, le=1_000_000, strict=True)
    seed: int | None = Field(default=None, ge=0, strict=True)
    rule: Literal["stroud3", "gauss"] = "stroud3"
    order: int = Field(default=3, ge=1, le=20, strict=True)
    levels: int = Field(default=3, ge=1, le=1000, strict=True)
    elasticity: list[UncertainElasticity] = Field(default_factory=list)
    action: list[UncertainAction] = Field(default_factory=list)
    coefficient: list[UncertainCoefficients] = Field(default_factory=list)


class SweepElasticity(_Strict):
    """One ``[[sweep.elasticity]]``: θ takes each of ``values`` (every chosen sector the same value unless
    ``common = false``, which sweeps each sector on its own)."""

    sectors: str | list[str] = "all"
    values: list[float] = Field(min_length=1)
    common: bool = True

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: str | list[str]) -> str | list[str]:
        return _sector_choice(value)

    @field_validator("values")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if not all(math.isfinite(v) and v > 0 for v in value):
            raise ValueError(f"elasticities are positive numbers; got {value}")
        return value


class SweepAction(_Strict):
    """One ``[[sweep.action]]``: the ``key`` of the action labelled ``label`` takes each of ``values``."""

    label: str = Field(min_length=1)
    key: Literal["rate", "coverage", "effective", "until"]
    values: list[LawValue] = Field(min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _toml_dates(cls, value: Any) -> Any:
        return _calendar_dates(value)

    @model_validator(mode="after")
    def _values(self) -> SweepAction:
        for v in self.values:
            action_value(self.key, v)
        return self


class Sweep(_Strict):
    """The ``[sweep]`` table: every combination of the listed values (a grid), one run each."""

    elasticity: list[SweepElasticity] = Field(default_factory=list)
    action: list[SweepAction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Sweep:
        if not self.elasticity and not self.action:
            raise ValueError("a sweep needs at least one [[sweep.elasticity]] or [[sweep.action]]")
        return self


Scenario.model_rebuild()
