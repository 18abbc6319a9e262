"""Amounts of money and rates in news text, and money converted to US dollars.

Each finder returns what it found with its character offsets in the text it was given:

* :func:`find_money` — ``$150bn``, ``US$34 billion``, ``150 billion dollars``, ``C$16.6 billion``,
  ``2.8 billion euros``, ``€21 billion``, ``RMB 60 billion``; values in **millions** of the stated
  currency (the package's unit of money), with the currency as stated (ISO 4217);
* :func:`find_percents` — ``25%``, ``25 percent``, ``25 per cent``, ``twenty-five percent``,
  ``a quarter``; a range (``5% to 10%``, ``5-10%``) is one :class:`Percent` with ``low`` and ``value``
  (the upper end);
* :func:`to_usd` — a value in a currency converted to US dollars at the annual average rate of the
  year of a date (``tables/exchange_rates.csv``, Federal Reserve G.5A).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tariffsim.draft.lexicon import exchange_rates

__all__ = ["Money", "Percent", "find_money", "find_percents", "to_usd", "WORD_NUMBERS"]


@dataclass(frozen=True)
class Money:
    """An amount: ``value`` in millions of ``currency``, found at ``text[start:end]``."""

    value: float
    currency: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Percent:
    """A rate in percent (``value``; ``low`` for the lower end of a range), found at ``text[start:end]``."""

    value: float
    start: int
    end: int
    text: str
    low: float | None = None


WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_UNITS = r"one|two|three|four|five|six|seven|eight|nine"
_TENS = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD_NUMBER = (rf"(?:(?:{_TENS})(?:[- ](?:{_UNITS}))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                rf"seventeen|eighteen|nineteen|{_UNITS}|hundred)")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Prefixed currency signs and codes, longest first so that "US$" wins over "$".
_PREFIXES = [
    (r"US\s?\$|U\.S\.\s?\$|USD\s?", "USD"), (r"C\s?\$|CA\$|CAD\s?|Can\$", "CAD"), (r"MX\$|Mex\$|MXN\s?", "MXN"),
    (r"€|EUR\s?", "EUR"), (r"£|GBP\s?", "GBP"), (r"RMB\s?|CNY\s?|Rmb\s?", "CNY"), (r"¥|JPY\s?", "JPY"),
    (r"₹|Rs\.?\s?|INR\s?", "INR"), (r"\$", "USD"),
]
_SCALES = {"trillion": 1e6, "tn": 1e6, "tln": 1e6, "billion": 1e3, "bn": 1e3, "bln": 1e3, "b": 1e3,
           "million": 1.0, "mn": 1.0, "mln": 1.0, "m": 1.0}
_SCALE = r"(?:\s?(?P<scale>trillion|tn|tln|billion|bn|bln|million|mln|mn|b|m)\b)"
# Currency words after the number ("150 billion dollars", "2.8 billion euros", "C$" spelled out).
_SUFFIXES = [
    (r"(?:U\.S\.|US|American)\s+dollars?", "USD"), (r"Canadian\s+dollars?", "CAD"),
    (r"(?:Mexican\s+)?pesos?", "MXN"), (r"euros?", "EUR"), (r"(?:British\s+)?pounds?(?:\s+sterling)?", "GBP"),
    (r"yuan|renminbi", "CNY"), (r"rupees?", "INR"), (r"yen", "JPY"), (r"dollars?", "USD"),
]
_PREFIX_RE = re.compile(
    "(?P<prefix>" + "|".join(f"(?:{p})" for p, _ in _PREFIXES) + rf")(?P<number>{_NUMBER}){_SCALE}?", re.UNICODE)
_SUFFIX_RE = re.compile(
    rf"(?<![\w$€£¥₹.])(?P<number>{_NUMBER}){_SCALE}?\s+(?P<suffix>"
    + "|".join(f"(?:{p})" for p, _ in _SUFFIXES) + r")\b", re.IGNORECASE)


def _currency(token: str, table: list[tuple[str, str]]) -> str:
    for pattern, code in table:
        if re.fullmatch(pattern, token.strip(), re.IGNORECASE):
            return code
    raise AssertionError(token)  # pragma: no cover - the regex only matches listed currencies


def _millions(number: str, scale: str | None) -> float:
    value = float(number.replace(",", ""))
    if scale is None:
        return value / 1e6  # a bare amount is in units of the currency
    return value * _SCALES[scale.lower()]


def find_money(text: str) -> list[Money]:
    """Amounts of money in ``text`` (in order), in millions of the stated currency.

    ``$`` alone is read as US dollars; ``C$``, ``MX$`` and spelled-out currencies say otherwise.
    """
    found: list[Money] = []
    for match in _PREFIX_RE.finditer(text):
        scale = match.group("scale")
        code = _currency(match.group("prefix"), _PREFIXES)
        value = _millions(match.group("number"), scale)
        end = match.end()
        suffix = re.match(r"\s+(?:U\.S\.\s+|US\s+)?dollars?\b", text[end:], re.IGNORECASE)
        if suffix:
            end += suffix.end()
        found.append(Money(value, code, match.start(), end, text[match.start():end]))
    taken = [(m.start, m.end) for m in found]
    for match in _SUFFIX_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        code = _currency(match.group("suffix"), _SUFFIXES)
        found.append(Money(_millions(match.group("number"), match.group("scale")), code, match.start(),
                           match.end(), match.group(0)))
    return sorted(found, key=lambda m: m.start)


_PCT = r"(?:\s?%|\s?percent\b|\s?per\s?cent\b|\s?pct\b|-percent\b|-per-cent\b)"
_NUM_OR_WORD = rf"(?:{_NUMBER}|{_WORD_NUMBER})"
_RANGE_RE = re.compile(
    rf"(?<![\w.])(?P<low>{_NUM_OR_WORD}){_PCT}?\s?(?:-|–|to|and)\s?(?P<high>{_NUM_OR_WORD}){_PCT}", re.IGNORECASE)
_PERCENT_RE = re.compile(rf"(?<![\w.])(?P<number>{_NUM_OR_WORD}){_PCT}", re.IGNORECASE)
_QUARTER_RE = re.compile(r"\b(?:of|at|to|by)\s+(?P<q>a\s+quarter)\b(?!\s+of\b)", re.IGNORECASE)


def _number(text: str) -> float:
    text = text.strip().lower()
    if text in WORD_NUMBERS:
        return float(WORD_NUMBERS[text])
    if re.fullmatch(_WORD_NUMBER, text):
        parts = re.split(r"[- ]", text)
        return float(sum(WORD_NUMBERS[p] for p in parts))
    return float(text.replace(",", ""))


def find_percents(text: str) -> list[Percent]:
    """Rates in ``text`` (in order), in percent; ``a quarter`` (after *of*, *at*, *to*, *by*) is 25."""
    found: list[Percent] = []
    for match in _RANGE_RE.finditer(text):
        low, high = _number(match.group("low")), _number(match.group("high"))
        # "from 10% to 25%" is a change of rate, not a range
        if low < high and not text[max(0, match.start() - 5):match.start()].lower().endswith("from "):
            found.append(Percent(high, match.start(), match.end(), match.group(0), low=low))
    taken = [(p.start, p.end) for p in found]
    for match in _PERCENT_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        found.append(Percent(_number(match.group("number")), match.start(), match.end(), match.group(0)))
    for match in _QUARTER_RE.finditer(text):
        found.append(Percent(25.0, match.start("q"), match.end("q"), match.group("q")))
    return sorted(found, key=lambda p: p.start)


def to_usd(value: float, currency: str, on: dt.date) -> tuple[float, str]:
    """``value`` in ``currency`` as US dollars (same unit: millions stay millions), and how it was converted.

    The rate is the annual average of ``on``'s year (Federal Reserve G.5A, ``tables/exchange_rates.csv``);
    for a year after the table's last, the last year's average, and the note says so.

    Raises
    ------
    KeyError
        For a currency the table does not have.
    """
    if currency == "USD":
        return value, "US dollars as stated"
    rates = exchange_rates()
    years = sorted(y for (y, c) in rates if c == currency)
    if not years:
        raise KeyError(currency)
    year = on.year if on.year in years else (years[-1] if on.year > years[-1] else years[0])
    usd_per_unit, _source = rates[(year, currency)]
    note = f"converted at the {year} annual average, {usd_per_unit:.4f} USD per {currency} (Federal Reserve G.5A)"
    if year != on.year:
        note += f"; the table has no {on.year} average"
    return value * usd_per_unit, note
