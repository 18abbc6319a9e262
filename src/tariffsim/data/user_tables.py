"""Reading small user tables (CSV or Parquet) with errors that name the file and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tariffsim.errors import DataError

__all__ = ["read_table"]


def read_table(path: str | Path, required: list[str] | None = None, *,
               text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV or Parquet table with at least the ``required`` columns.

    ``text_columns`` are read as strings (codes keep their leading zeros).

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
            frame = pd.read_csv(p, dtype={c: str for c in text_columns})
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=str(p)) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {', '.join(missing)} (has {', '.join(map(str, frame.columns))})",
                        file=str(p), column=missing[0])
    return frame
