"""What a draft holds: extracted items, each field traced to the words it came from.

An :class:`Item` is one thing the article says a government did, will do, threatens or
wants. Its JSON form (:meth:`Item.to_json`, the output of ``tariffsim draft --json``) has
every key on every item (``null`` where the article says nothing or the key does not apply):

==========================  ==========================================================================
key                         meaning
==========================  ==========================================================================
``kind``                    ``action``, ``retaliation``, ``purchase``, ``target``, ``demand``, ``suspension``
``imposer``                 who acts (ISO3 or ``EU``): the taxing government; the buyer of a purchase;
                            the party that demands (``demand``) or sets the goal (``target``)
``targets``                 on whom: a list of codes, ``"all"``, or ``{"all_except": [...]}``
``rate_pct``                the rate stated, in percent (a range: its upper end, with a warning)
``rate_before_pct``         the rate before a stated change ("to 25% from 10%"), else null
``mode``                    ``add`` (a tariff on top of those in force) or ``set`` (the rate becomes
                            ``rate_pct``: "raised to 25%", "cut to 7.5%"); null for non-tariff items
``coverage_value``          the money the item states, in millions of ``coverage_currency``: trade
                            covered by a tariff, a purchase commitment, a balance target
``coverage_currency``       as stated (USD, EUR, CAD, CNY, MXN, INR, GBP, JPY)
``coverage_usd``            the same in USD millions at the annual average rate of the publication year
``products``                ``[{"text", "hs", "list"}]``: product words mapped to HS codes
                            (``tables/product_words.csv``) and named lists (``tables/named_lists.csv``)
``effective``, ``until``    ISO dates or null; ``until`` is the first day no longer in force
``effective_bound``         ``on`` (the date stated) or ``not_before`` ("after the comment period ends")
``status``                  ``threatened``, ``proposed``, ``announced``, ``implemented``, ``suspended``,
                            ``removed``
``pair``                    ``target`` only: ``[surplus country, partner]`` of the bilateral balance
``balance_change_musd``     ``target`` only: change of the first country's balance with the second,
                            USD millions (negative: the surplus shrinks)
``bound``                   ``target`` only: ``at_least`` ("by at least $200 billion") or ``exactly``
``by``                      ``target`` only: the deadline
``demand``                  ``demand`` only: ``{"what", "text", "modelled"}``
``confidence``              0-1: how much of the item the rules resolved
``warnings``                what could not be resolved ("rate not stated")
``evidence``                ``{"sentence", "start", "end", "fields": {key: {"text", "start", "end"}}}``:
                            the item's sentence and, for each field, the words it came from, as
                            character offsets into the article
==========================  ==========================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["KINDS", "STATUSES", "Span", "Product", "Demand", "Item"]

KINDS = ("action", "retaliation", "purchase", "target", "demand", "suspension")
STATUSES = ("threatened", "proposed", "announced", "implemented", "suspended", "removed")
Kind = Literal["action", "retaliation", "purchase", "target", "demand", "suspension"]
Targets = str | list[str] | dict[str, list[str]] | None


@dataclass(frozen=True)
class Span:
    """Words of the article: ``article[start:end] == text``."""

    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Product:
    """A product word or named list and what it maps to."""

    text: str
    hs: tuple[str, ...] = ()
    list: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "hs": list(self.hs), "list": self.list}


@dataclass(frozen=True)
class Demand:
    """What a party demands of another: ``what`` in a few words, the demanded ``text``, and whether a scenario
    can express it (``modelled``: tariffs, retaliation, purchases; not investigations or market access)."""

    what: str
    text: str
    modelled: bool

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "text": self.text, "modelled": self.modelled}


@dataclass
class Item:
    """One extracted item; see the module docstring for the meaning of each field."""

    kind: Kind
    sentence: Span
    imposer: str | None = None
    targets: Targets = None
    rate_pct: float | None = None
    rate_before_pct: float | None = None
    mode: Literal["add", "set"] | None = None
    coverage_value: float | None = None
    coverage_currency: str | None = None
    coverage_usd: float | None = None
    products: list[Product] = field(default_factory=list)
    effective: dt.date | None = None
    effective_bound: Literal["on", "not_before"] | None = None
    until: dt.date | None = None
    status: str | None = None
    pair: tuple[str, str] | None = None
    balance_change_musd: float | None = None
    bound: Literal["at_least", "exactly"] | None = None
    by: dt.date | None = None
    demand: Demand | None = None
    confidence: float = 0.0
    warnings: list[str] = field(default_factory=list)
    fields: dict[str, Span] = field(default_factory=dict)
    inherited: set[str] = field(default_factory=set)

    def trace(self, key: str, span: Span | None) -> None:
        """Record the words ``key`` came from."""
        if span is not None:
            self.fields[key] = span

    @property
    def target_list(self) -> list[str]:
        """The target countries as a list (the exceptions of ``all_except``; empty for ``all``)."""
        if isinstance(self.targets, list):
            return self.targets
        if isinstance(self.targets, dict):
            return self.targets.get("all_except", [])
        return []

    def to_json(self) -> dict[str, Any]:
        """The item as a JSON-ready dictionary (every key present)."""
        return {
            "kind": self.kind,
            "imposer": self.imposer,
            "targets": self.targets,
            "rate_pct": self.rate_pct,
            "rate_before_pct": self.rate_before_pct,
            "mode": self.mode,
            "coverage_value": self.coverage_value,
            "coverage_currency": self.coverage_currency,
            "coverage_usd": None if self.coverage_usd is None else round(self.coverage_usd, 3),
            "products": [p.to_json() for p in self.products],
            "effective": None if self.effective is None else self.effective.isoformat(),
            "effective_bound": self.effective_bound,
            "until": None if self.until is None else self.until.isoformat(),
            "status": self.status,
            "pair": None if self.pair is None else list(self.pair),
            "balance_change_musd": self.balance_change_musd,
            "bound": self.bound,
            "by": None if self.by is None else self.by.isoformat(),
            "demand": None if self.demand is None else self.demand.to_json(),
            "confidence": round(self.confidence, 2),
            "warnings": list(self.warnings),
            "evidence": {"sentence": self.sentence.text, "start": self.sentence.start, "end": self.sentence.end,
                         "fields": {k: v.to_json() for k, v in self.fields.items()}},
        }
