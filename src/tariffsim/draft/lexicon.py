"""The tables drafting reads: places and their aliases, product words, named product lists, exchange rates.

Each table is a CSV file in ``draft/tables/`` with its source on every row
(``draft/tables/README.md`` says how each was built). They are read once per process.

* ``place_aliases.csv`` — how news names countries and blocs (``the U.S.``, ``Washington``,
  ``Beijing``, ``Brussels``, ``Ottawa``, demonyms, leaders) → ISO3 or ``EU``; country names
  beyond it come from ISO 3166 through :func:`tariffsim.data.codes.country_table` (pycountry);
* ``eu_members.csv`` — the EU's members with the dates they joined (and left);
* ``product_words.csv`` — product words → HS chapters, headings or subheadings (HS 2017);
* ``named_lists.csv`` — named tariff lists (Section 301 Lists 1-4B, Section 232 steel and
  aluminium) → the product-list names of the bundled scenarios, or their HS codes;
* ``exchange_rates.csv`` — annual average exchange rates (Federal Reserve G.5A).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "Place",
    "ProductWord",
    "NamedList",
    "place_aliases",
    "country_names",
    "eu_members",
    "product_words",
    "named_lists",
    "exchange_rates",
]


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("tariffsim.draft").joinpath("tables", name).open("r", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Place:
    """A way news names a country or bloc: ``alias`` → ``code`` (ISO3, or ``EU``)."""

    alias: str
    code: str
    exact_case: bool


@dataclass(frozen=True)
class ProductWord:
    """Product words (``soybeans``, ``soya beans``) and the HS codes they stand for."""

    key: str
    words: tuple[str, ...]
    hs: tuple[str, ...]
    description: str
    source: str


@dataclass(frozen=True)
class NamedList:
    """A tariff list named in the news (``List 3``, ``Section 232 steel``)."""

    key: str
    names: tuple[str, ...]
    product_list: str | None
    hs: tuple[str, ...]
    imposer: str
    target: str | None
    coverage_musd: float | None
    source: str


@cache
def place_aliases() -> tuple[Place, ...]:
    """The news aliases of ``place_aliases.csv``."""
    return tuple(Place(r["alias"], r["code"], r["case"] == "exact") for r in _rows("place_aliases.csv"))


@cache
def country_names() -> tuple[Place, ...]:
    """ISO 3166 country names (pycountry, through :func:`tariffsim.data.codes.country_table`), matched with
    their capital letters so that common words are not read as countries."""
    from tariffsim.data.codes import country_table

    table = country_table()
    rows = table[table["kind"] == "country"]
    return tuple(Place(str(name), str(code), True) for name, code in zip(rows["name"], rows["iso3"], strict=True)
                 if len(str(name)) >= 4 and "," not in str(name))


@cache
def eu_members(on: dt.date) -> frozenset[str]:
    """ISO3 codes of the EU's members on a date."""
    out = set()
    for r in _rows("eu_members.csv"):
        joined = dt.date.fromisoformat(r["joined"])
        left = dt.date.fromisoformat(r["left"]) if r["left"] else None
        if joined <= on and (left is None or on < left):
            out.add(r["iso3"])
    return frozenset(out)


@cache
def product_words() -> tuple[ProductWord, ...]:
    """The product-word table; the key of each entry is its first word."""
    out = []
    for r in _rows("product_words.csv"):
        words = tuple(w.strip().lower() for w in r["words"].split("|") if w.strip())
        out.append(ProductWord(words[0], words, tuple(r["hs"].split(";")), r["hs_description"], r["source"]))
    return tuple(out)


@cache
def named_lists() -> tuple[NamedList, ...]:
    """The named-list table; the key of each entry is its first name."""
    out = []
    for r in _rows("named_lists.csv"):
        names = tuple(n.strip() for n in r["names"].split("|") if n.strip())
        out.append(NamedList(names[0], names, r["product_list"] or None,
                             tuple(r["hs"].split(";")) if r["hs"] else (), r["imposer"], r["target"] or None,
                             float(r["coverage_musd"]) if r["coverage_musd"] else None, r["source"]))
    return tuple(out)


@cache
def exchange_rates() -> dict[tuple[int, str], tuple[float, str]]:
    """``(year, currency)`` → (US dollars per unit of the currency, source)."""
    out: dict[tuple[int, str], tuple[float, str]] = {}
    for r in _rows("exchange_rates.csv"):
        rate = float(r["rate"])
        usd_per_unit = rate if r["quote"] == "USD per unit" else 1.0 / rate
        out[(int(r["year"]), r["currency"])] = (usd_per_unit, r["source"])
    return out
