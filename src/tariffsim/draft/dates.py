"""Dates in news text, resolved against the publication date, each with its role in the sentence.

:func:`find_dates` finds date expressions — ``July 6``, ``6 July 2018``, ``2018-07-06``,
``Friday``, ``next month``, ``in 15 days``, ``by the end of 2020``, ``March 2019`` — and durations
(``for 90 days``, ``a 90-day pause``). Relative expressions (``next month``, ``in 15 days``,
``tomorrow``) are resolved by ``dateparser`` with the publication date as its base; weekdays,
month-day dates without a year and "the end of ..." by the small rules here, which
``dateparser`` does not resolve the way news means them ("Friday" in "took effect on Friday" is
the last Friday, in "will take effect on Friday" the next one).

Each date gets a *role* from the words before it:

* ``from`` — ``from``, ``starting``, ``beginning``, ``effective``, ``as of``, ``takes effect``;
* ``until`` — ``until``, ``through``, ``till``, ``expires``;
* ``by`` — ``by``, ``before``, ``no later than`` (a deadline);
* ``not_before`` — ``after ... ends`` (the seed's "after a public comment period ends May 22");
* ``on`` — anything else (``on Friday``): the day something happened or will happen.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from tariffsim.draft.money import WORD_NUMBERS

__all__ = ["DateMention", "Duration", "find_dates", "find_durations"]

Role = Literal["from", "on", "until", "by", "not_before"]
Prefer = Literal["past", "future"]


@dataclass(frozen=True)
class DateMention:
    """A resolved date at ``text[start:end]`` with its ``role``."""

    date: dt.date
    start: int
    end: int
    text: str
    role: Role


@dataclass(frozen=True)
class Duration:
    """A stated length of time (``for 90 days``) in days, at ``text[start:end]``."""

    days: int
    start: int
    end: int
    text: str


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
# Capitalised month names only: "may" is a verb.
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAYS = [d.lower() for d in calendar.day_name]
_COUNT = r"(?P<count>\d+|" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + ")"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b")),
    ("end_of", re.compile(rf"\b(?:the\s+)?end\s+of\s+(?:(?:the\s+)?(?P<which>this|next|the)\s+year|{_YEAR}|"
                          rf"(?P<month>{_MONTH})(?:\s+(?P<myear>(?:19|20)\d\d))?)", re.IGNORECASE)),
    ("start_of", re.compile(rf"\b(?:the\s+)?(?:start|beginning)\s+of\s+(?:(?P<which>next|this)\s+year|{_YEAR})",
                            re.IGNORECASE)),
    ("month_day", re.compile(rf"\b(?P<month>{_MONTH})\s+{_DAY}(?:\s*[-–]\s*[0-3]?\d)?\b(?:,?\s+{_YEAR})?")),
    ("day_month", re.compile(rf"\b{_DAY}\s+(?P<month>{_MONTH})(?:,?\s+{_YEAR})?")),
    ("month_year", re.compile(rf"\b(?P<month>{_MONTH})\s+{_YEAR}\b")),
    ("month_only", re.compile(rf"\b(?:in|by|from|until|before|after|since)\s+(?P<month>{_MONTH})(?![\s,]+\d)\b")),
    ("weekday", re.compile(r"\b(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("relative", re.compile(rf"\b(?P<rel>(?:next|last)\s+(?:week|month|year)|(?:in|within)\s+{_COUNT}\s+"
                            r"(?:days?|weeks?|months?)|today|tomorrow|yesterday)\b", re.IGNORECASE)),
]
_ROLE_CUES: list[tuple[Role, re.Pattern[str]]] = [
    ("not_before", re.compile(r"\bafter\b[^.;]*\b(?:ends?|closes?|expires?|is over)\s*(?:on\s+)?$", re.I)),
    ("until", re.compile(r"\b(?:until|till|through|expires?\s+(?:on\s+)?|expiring\s+(?:on\s+)?|ending\s+(?:on\s+)?"
                         r"|to)\s*$", re.I)),
    ("by", re.compile(r"\b(?:by|before|no\s+later\s+than)\s*(?:the\s+)?$", re.I)),
    ("from", re.compile(r"\b(?:from|starting|beginning|effective|as\s+of|as\s+from|from\s+as\s+early\s+as|"
                        r"takes?\s+effect|took\s+effect|taking\s+effect|come\s+into\s+force|comes\s+into\s+force|"
                        r"kicks?\s+in|due)\s*(?:on\s+)?$", re.I)),
]


def _role(before: str) -> Role:
    window = before[-80:]
    for role, pattern in _ROLE_CUES:
        if pattern.search(window):
            if role == "until" and window.rstrip().lower().endswith("to") and not re.search(r"\bfrom\b", window,
                                                                                                re.I):
                continue  # "to" ends a period only after "from ..."
            return role
    return "on"


def _month(name: str) -> int:
    return _MONTHS[name.rstrip(".").lower()]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest(month: int, day: int, base: dt.date, prefer: Prefer) -> dt.date | None:
    """A month-day without a year: this year's, unless that is more than a month on the wrong side of ``base``
    (news dates an announced measure in the weeks ahead, a past one in the weeks before)."""
    this = _safe_date(base.year, month, day)
    if this is None:
        return None
    if prefer == "future" and (base - this).days > 31:
        return _safe_date(base.year + 1, month, day)
    if prefer == "past" and (this - base).days > 31:
        return _safe_date(base.year - 1, month, day)
    return this


def _weekday(name: str, base: dt.date, prefer: Prefer) -> dt.date:
    """The named weekday nearest ``base`` on the preferred side; the publication day itself when it is that day."""
    target = _WEEKDAYS.index(name.lower())
    delta = target - base.weekday()
    if delta == 0:
        return base
    if prefer == "future":
        return base + dt.timedelta(days=delta % 7)
    return base - dt.timedelta(days=(-delta) % 7)


def _relative(expression: str, base: dt.date) -> dt.date | None:
    import dateparser

    words = expression.lower().split()
    if words[0] == "within":
        expression = "in " + " ".join(words[1:])
    count = re.search(_COUNT, expression.lower())
    if count and count.group("count") in WORD_NUMBERS:
        expression = expression.lower().replace(count.group("count"), str(WORD_NUMBERS[count.group("count")]))
    settings = {"RELATIVE_BASE": dt.datetime.combine(base, dt.time()), "PREFER_DAY_OF_MONTH": "first",
                "PREFER_DATES_FROM": "future" if words[0] in ("next", "in", "within", "tomorrow") else "past"}
    parsed = dateparser.parse(expression, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if words[0] == "next" and words[1] in ("month", "year"):  # "next month" is the month, from its first day
        return parsed.date().replace(day=1, month=1 if words[1] == "year" else parsed.month)
    return parsed.date()


def _resolve(kind: str, match: re.Match[str], base: dt.date, prefer: Prefer) -> dt.date | None:
    groups = match.groupdict()
    if kind == "iso":
        return dt.date.fromisoformat(groups["iso"])
    if kind == "end_of":
        if groups.get("month"):
            month = _month(groups["month"])
            year = int(groups["myear"]) if groups.get("myear") else base.year
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        year = int(groups["year"]) if groups.get("year") else base.year + (groups.get("which") == "next")
        return dt.date(year, 12, 31)
    if kind == "start_of":
        year = int(groups["year"]) if groups.get("year") else base.year + (groups.get("which") == "next")
        return dt.date(year, 1, 1)
    if kind in ("month_day", "day_month"):
        month, day = _month(groups["month"]), int(groups["day"])
        if groups.get("year"):
            return _safe_date(int(groups["year"]), month, day)
        return _nearest(month, day, base, prefer)
    if kind == "month_year":
        return dt.date(int(groups["year"]), _month(groups["month"]), 1)
    if kind == "month_only":
        return _nearest(_month(groups["month"]), 1, base, prefer)
    if kind == "weekday":
        return _weekday(groups["weekday"], base, prefer)
    return _relative(groups["rel"], base)


def find_dates(text: str, base: dt.date, prefer: Prefer = "future") -> list[DateMention]:
    """Dates in ``text`` (in order), resolved against the publication date ``base``.

    Parameters
    ----------
    text
        A sentence or clause.
    base
        The publication date: "Friday", "next month" and dates without a year are read from it.
    prefer
        Which side of ``base`` an ambiguous date falls on: ``"past"`` for what has happened
        ("took effect on Friday"), ``"future"`` for what will ("will take effect on Friday").
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = (match.start("month"), match.end("month")) if kind == "month_only" else match.span()
            if any(a < end and start < b for a, b in taken):
                continue
            when = _resolve(kind, match, base, prefer)
            if when is None:
                continue
            taken.append((start, end))
            found.append(DateMention(when, start, end, text[start:end], _role(text[:start])))
    return sorted(found, key=lambda d: d.start)


_DURATION_RE = re.compile(rf"\b(?:for\s+(?:a\s+period\s+of\s+|another\s+|up\s+to\s+)?{_COUNT}[\s-]+(?P<unit>days?|"
                          rf"weeks?|months?)|{_COUNT.replace('count', 'count2')}-(?P<unit2>day|week|month)\b)",
                          re.IGNORECASE)


def find_durations(text: str) -> list[Duration]:
    """Stated lengths of time (``for 90 days``, ``a 90-day truce``) in days (a month is 30 days)."""
    out = []
    for match in _DURATION_RE.finditer(text):
        count = match.group("count") or match.group("count2")
        unit = (match.group("unit") or match.group("unit2")).lower().rstrip("s")
        number = WORD_NUMBERS.get(count.lower()) or int(count)
        days = number * {"day": 1, "week": 7, "month": 30}[unit]
        out.append(Duration(days, match.start(), match.end(), match.group(0)))
    return out
