"""Reading small user tables (CSV or Parquet) with errors that name the file and column.

Labels come back as written. pandas reads ``"NA"``, ``"N/A"``, ``"NULL"``, ``"None"``,
``"nan"``, ``""`` and a dozen other cells as *missing* in every column by default, so a
region called ``NA`` (North America) or a country code ``NA`` (Namibia's ISO2) would
vanish. Here only numeric columns have missing cells (:data:`MISSING_TOKENS`); text
columns keep every cell as its text. Every CSV that holds labels (World folders, user
tables, elasticity tables) is read by :func:`read_csv_text`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pandas as pd

from tariffsim.errors import DataError

__all__ = ["read_table", "read_csv_text", "MISSING_TOKENS"]

MISSING_TOKENS: frozenset[str] = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
"""Cells that mean "missing" in a numeric column (pandas' default list); in a text column they are text."""


def read_csv_text(source: str | Path | IO[str], *, text_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A CSV with explicit missing values: labels as written, numbers where a column is numeric.

    Parameters
    ----------
    source
        Path or open text handle.
    text_columns
        Columns that are always text (labels, codes: ``"NA"`` and ``"007"`` stay as written).

    Every other column is parsed by pandas with only :data:`MISSING_TOKENS` as missing
    cells; one that turns out not to be numeric is read again as text, as written.

    Raises
    ------
    OSError, ValueError, pandas.errors.ParserError, UnicodeDecodeError
        As :func:`pandas.read_csv` (callers name the file).
    """
    if not isinstance(source, (str, Path)):
        source = io.StringIO(source.read())  # read three times at most

    def start() -> str | Path | IO[str]:
        if isinstance(source, io.StringIO):
            source.seek(0)
        return source

    header = [str(c) for c in pd.read_csv(start(), nrows=0).columns]
    wanted = set(text_columns)
    text = [c for c in header if c in wanted]
    tokens = sorted(MISSING_TOKENS)
    frame = pd.read_csv(start(), dtype=dict.fromkeys(text, str), keep_default_na=False,
                        na_values={c: tokens for c in header if c not in wanted})
    words = [c for c in header if c not in wanted and frame[c].dtype.kind not in "biufc" and frame[c].isna().any()]
    if words:  # text columns nobody declared: their "NA" cells are text too
        again = pd.read_csv(start(), usecols=words, dtype=str, keep_default_na=False, na_filter=False)
        for c in words:
            frame[c] = again[c]
    return frame


def read_table(path: str | Path, required: list[str] | None = None, *,
               text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV or Parquet table with at least the ``required`` columns.

    ``text_columns`` are read as strings (codes keep their leading zeros). In a CSV,
    only numeric columns have missing cells (see :func:`read_csv_text`): a label
    ``NA`` stays ``"NA"``.

    Raises
    ------
    DataError
        Missing file, another file type, unreadable content or missing columns,
        naming the file and column.
    """
    p = Path(path)
    required = required or []
    if not p.exists():
        raise DataError("file not found", file=str(p))
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise DataError(f"unsupported file type '{suffix}'; give a .csv or .parquet file", file=str(p))
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(p)
            for col in text_columns:
                if col in frame.columns:
                    frame[col] = frame[col].astype(str)
        else:
            frame = read_csv_text(p, text_columns=text_columns)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=str(p)) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {', '.join(missing)} (has {', '.join(map(str, frame.columns))})",
                        file=str(p), column=missing[0])
    return frame
