"""The scenario file format (TOML), validated with pydantic.

A scenario is a header and a list of tariff actions::

    [scenario]
    name = "us-china-demo"
    world = "demo-2017"          # bundled name or path to a World folder
    closure = "fixed_level"      # fixed_level | fixed_ratio | balanced
    numeraire = "world_output"   # world_output | wage:ISO3 | price_index:ISO3

    [[action]]
    imposer = "USA"              # who levies the tariff
    target = ["CHN"]             # whose goods: list of countries, or "all"
    sectors = ["MAC", "VEH"]     # World sectors, or "all"
    rate = "25%"                 # "25%" or 0.25 (a fraction)
    mode = "add"                 # add to the current rate, or set it
    label = "Section 301"
    source = "USTR, 83 FR 28710"

See ``docs/scenarios.md`` for every key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tariffsim.options import Closure

__all__ = ["Action", "Header", "Scenario", "parse_rate"]


def parse_rate(value: float | int | str) -> float:
    """A rate as a fraction: ``"25%"`` → 0.25, ``0.25`` → 0.25.

    Raises ``ValueError`` for rates at or below −100 %, and for bare numbers
    above 10 (almost surely a percentage written without ``%``).
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
    else:
        rate = float(value)
        if rate > 10:
            raise ValueError(f"rate {value} would be {rate:.0%}; write '{value}%' for a percentage "
                             "or a fraction such as 0.25")
    if not rate > -1.0:
        raise ValueError(f"rate {value} is at or below -100%")
    return rate


class Header(BaseModel):
    """The ``[scenario]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    world: str = "demo-2017"
    model: Literal["gravity"] = "gravity"
    closure: Closure = "fixed_level"
    numeraire: str = "world_output"


class Action(BaseModel):
    """One ``[[action]]``: a tariff levied by ``imposer`` on goods from ``target``."""

    model_config = ConfigDict(extra="forbid")

    imposer: str = Field(min_length=1)
    target: str | list[str]
    sectors: str | list[str] = "all"
    rate: float
    mode: Literal["add", "set"] = "add"
    label: str = ""
    source: str = ""

    @field_validator("rate", mode="before")
    @classmethod
    def _rate(cls, value: float | int | str) -> float:
        return parse_rate(value)

    @field_validator("target", "sectors")
    @classmethod
    def _non_empty(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("give at least one label, or \"all\"")
        return value


class Scenario(BaseModel):
    """A whole scenario file."""

    model_config = ConfigDict(extra="forbid")

    scenario: Header
    action: list[Action] = Field(default_factory=list)
