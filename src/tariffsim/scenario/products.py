"""Product codes: HS patterns (prefixes and ranges at 2–10 digits) and product-list files.

A pattern is written as in tariff schedules:

* ``"8471"`` — every code that starts with 8471 (HS4 and all its 6, 8, 10-digit lines);
* ``"8471.30.01"`` — dots and spaces are ignored (``847130 01`` is the same);
* ``"0101-0106"`` — a range of prefixes of equal length, inclusive.

Codes are compared as digit strings, so leading zeros matter (``"0101"``, not ``101``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CodePattern", "normalize_code", "parse_patterns", "match_patterns", "read_product_list"]

_SEPARATORS = re.compile(r"[.\s]")


def normalize_code(code: Any) -> str:
    """A product code as a digit string of length 2–10 (dots and spaces removed).

    Raises ``ValueError`` for anything else (letters, 1 or more than 10 digits).
    """
    text = _SEPARATORS.sub("", str(code).strip())
    if not text.isdigit() or not 2 <= len(text) <= 10:
        raise ValueError(f"product code '{code}' must have 2 to 10 digits (HS2 to HS10), e.g. '8471' or '0101.21'")
    return text


@dataclass(frozen=True)
class CodePattern:
    """A prefix (``low == high``) or an inclusive range of prefixes of the same length."""

    low: str
    high: str

    @property
    def digits(self) -> int:
        return len(self.low)

    def __str__(self) -> str:
        return self.low if self.low == self.high else f"{self.low}-{self.high}"

    def matches(self, codes: pd.Series) -> NDArrayBool:
        """Boolean mask of ``codes`` (normalised digit strings) matched by the pattern."""
        head = codes.str.slice(0, self.digits)
        long_enough = codes.str.len() >= self.digits
        if self.low == self.high:
            return (long_enough & (head == self.low)).to_numpy(dtype=bool)
        return (long_enough & (head >= self.low) & (head <= self.high)).to_numpy(dtype=bool)


NDArrayBool = np.ndarray


def parse_patterns(items: Iterable[Any]) -> list[CodePattern]:
    """Parse product patterns; raises ``ValueError`` naming the bad one."""
    out = []
    for item in items:
        text = str(item).strip()
        if "-" in text:
            low_text, _, high_text = text.partition("-")
            low, high = normalize_code(low_text), normalize_code(high_text)
            if len(low) != len(high):
                raise ValueError(f"range '{text}' must have ends with the same number of digits")
            if low > high:
                raise ValueError(f"range '{text}' runs backwards")
            out.append(CodePattern(low, high))
        else:
            code = normalize_code(text)
            out.append(CodePattern(code, code))
    return out


def match_patterns(codes: pd.Series, patterns: Sequence[CodePattern]) -> NDArrayBool:
    """Mask of ``codes`` matched by any pattern."""
    mask = np.zeros(len(codes), dtype=bool)
    for pattern in patterns:
        mask |= pattern.matches(codes)
    return mask


def read_product_list(path: Path, column: str | None = None, where: Mapping[str, Any] | None = None, *,
                      data: bytes | None = None) -> list[str]:
    """Codes from a CSV or Parquet product list.

    Parameters
    ----------
    path
        ``.csv`` or ``.parquet`` file (its name is used in messages and its suffix
        chooses the format).
    column
        The code column; default: the first column whose name contains ``hts``,
        ``hs`` or ``code`` (case-insensitive).
    where
        Keep only rows whose columns equal the given values (a list means any of
        them), e.g. ``{"list": "list1_34b"}``.
    data
        The file's content when the caller has already read it (the scenario
        compiler reads list files itself, within its byte limit and allowed folders);
        otherwise ``path`` is read.

    Raises
    ------
    FileNotFoundError, KeyError, ValueError
        With a message naming the file, the row and the column; the scenario
        loader turns them into :class:`~tariffsim.errors.ScenarioError`. Messages
        never quote the file's cells or header (a list file may be anything).
    """
    if data is None and not path.exists():
        raise FileNotFoundError(f"product list file not found: {path}")
    frame = _read_frame(path, data)
    if column is None:
        candidates = [c for c in frame.columns if re.search(r"hts|hs|code", str(c), re.IGNORECASE)]
        if not candidates:
            raise KeyError(f"{path}: no code column among its {len(frame.columns)} columns (a column named like "
                           "'hts8', 'hs6' or 'code'); name it with product_list.column")
        column = str(candidates[0])
    if column not in frame.columns:
        raise KeyError(f"{path}: no column '{column}' among its {len(frame.columns)} columns")
    for key, wanted in (where or {}).items():
        if key not in frame.columns:
            raise KeyError(f"{path}: no column '{key}' to filter on")
        values = [str(v) for v in wanted] if isinstance(wanted, list | tuple) else [str(wanted)]
        frame = frame[frame[key].isin(values)]
    codes = []
    for line, raw in zip(frame.index, frame[column], strict=True):
        try:
            codes.append(normalize_code(raw))
        except ValueError:
            # The cell is not quoted: a list file is data from anywhere, and errors are shown to anyone.
            raise ValueError(f"{path}: row {int(line) + 2}, column '{column}': not a product code of 2 to 10 "
                             "digits (HS2 to HS10, e.g. 8471 or 0101.21)") from None
    if not codes:
        raise ValueError(f"{path}: the product list is empty" + (f" after filtering on {dict(where)}" if where else ""))
    return codes


def _read_frame(path: Path, data: bytes | None) -> pd.DataFrame:
    """The table as strings; reading errors say where, never what the file holds."""
    source: Any = path if data is None else io.BytesIO(data)
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa

        try:
            frame = pd.read_parquet(source)
        except (pa.ArrowException, ValueError, OSError, TypeError):
            raise ValueError(f"{path}: not a readable Parquet file") from None
        return frame.astype({c: str for c in frame.columns})
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        near = re.search(r"(?:line|row) (\d+)", str(exc))
        raise ValueError(f"{path}: not a readable CSV file" + (f" (near line {near.group(1)})" if near else "")
                         ) from None
