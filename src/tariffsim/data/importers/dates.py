"""Dates as sources write them: ``2018-07-06``, ``07/06/2018``, ``20180706``, ``July 6, 2018``.

A date may be followed by a note in parentheses (``2019-12-15 (suspended)``);
the note is dropped here and read by the importer that cares.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.importers._base import Rows, fail_where, mask
from tariffsim.errors import DataError

__all__ = ["parse_dates", "parse_date"]

_ISO = r"^\d{4}-\d{2}-\d{2}"


def parse_dates(values: pa.Array, where: Rows, column: str) -> pa.Array:
    """Strings → ``date32`` (missing cells stay missing); raises at the first unreadable date."""
    text = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    head = pc.replace_substring_regex(text, pattern=r"\s*\(.*\)\s*$", replacement="")
    iso = pc.match_substring_regex(head, _ISO + "$")
    us = pc.match_substring_regex(head, r"^\d{1,2}/\d{1,2}/\d{4}$")
    compact = pc.match_substring_regex(head, r"^\d{8}$")
    empty = pc.equal(head, "")
    ok = pc.or_kleene(pc.or_kleene(iso, us), pc.or_kleene(compact, empty))
    fail_where(~mask(pc.or_kleene(ok, pc.is_null(head))), where, column,
               lambda k: f"'{values[k].as_py()}' is not a date (write YYYY-MM-DD)")
    head = pc.if_else(empty, pa.scalar(None, pa.string()), head)
    if mask(iso).all() or not (mask(us).any() or mask(compact).any()):
        try:
            return pc.cast(pc.strptime(head, format="%Y-%m-%d", unit="s"), pa.date32())
        except pa.ArrowInvalid:
            pass
    out = []
    for k, value in enumerate(head.to_pylist()):
        try:
            out.append(None if value is None else parse_date(value))
        except DataError as exc:
            raise DataError(exc.message, file=where.file.display, line=where.line(k), column=column) from None
    return pa.array(out, type=pa.date32())


def parse_date(text: str) -> date:
    """One date in any of the module's formats."""
    value = re.sub(r"\s*\(.*\)\s*$", "", text.strip())
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DataError(f"'{text}' is not a date (write YYYY-MM-DD)")
