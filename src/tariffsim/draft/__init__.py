"""News text → a draft scenario: rule-based extraction, each field traced to its sentence.

:func:`draft_article` reads an article published on a date and returns a :class:`Draft`: the
tariff actions, retaliations, suspensions, purchase commitments, balance targets and demands
it states (:class:`~tariffsim.draft.items.Item`), each field with the words it came from as
character offsets. From a draft:

* :meth:`Draft.to_json` — the items (``tariffsim draft --json``);
* :meth:`Draft.scenario` — scenario TOML for a World that always validates (unresolved entries
  are commented out with ``TODO`` lines and listed as warnings);
* :meth:`Draft.targets` — bilateral-balance targets for the trade-talks target finder;
* :meth:`Draft.positions` — each party's demands as a skeleton overlay for the talks tools.

Everything is rules over ``spacy.blank("en")`` (an entity ruler and token matchers), ``dateparser``
and the tables in ``draft/tables/``; no trained model and no network. See ``docs/draft.md``.
"""

from __future__ import annotations

import datetime as dt

from tariffsim.draft.items import KINDS, STATUSES, Demand, Item, Product, Span
from tariffsim.draft.reader import MAX_ARTICLE_BYTES, DraftError, check_article, read_article
from tariffsim.draft.scenario import Draft, DraftScenario, Position, TalksTarget, draft_scenario, scenario_name

__all__ = [
    "KINDS",
    "MAX_ARTICLE_BYTES",
    "STATUSES",
    "Demand",
    "Draft",
    "DraftError",
    "DraftScenario",
    "Item",
    "Position",
    "Product",
    "Span",
    "TalksTarget",
    "check_article",
    "draft_article",
    "draft_scenario",
    "read_article",
    "scenario_name",
]


def draft_article(text: str | bytes, date: dt.date | str, *, source: str = "article") -> Draft:
    """Draft the items of an article.

    Parameters
    ----------
    text
        The article (UTF-8 bytes or text); checked by :func:`check_article`.
    date
        Its publication date (a date or ``"YYYY-MM-DD"``): the reference for "Friday", "next month",
        "in 15 days", dates without a year, and the year of the exchange rates.
    source
        How outputs name the article (a file name).

    Raises
    ------
    DraftError
        For empty, binary, non-UTF-8 or non-English text, or a date that is not one.
    """
    from tariffsim.draft.rules import extract

    when = _date(date)
    checked = check_article(text, source)
    return Draft(checked, when, tuple(extract(checked, when)), source)


def _date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DraftError(f"publication date {value!r} is not a date: write it as YYYY-MM-DD") from None
