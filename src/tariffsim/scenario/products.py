"""Product codes: HS patterns (prefixes and ranges at 2–10 digits) and product-list files.

A pattern is written as in tariff schedules:

* ``"8471"`` — every code that starts with 8471 (HS4 and all its 6, 8, 10-digit lines);
* ``"8471.30.01"`` — dots and spaces are ignored (``847130 01`` is the same);
* ``"0101-0106"`` — a range of prefixes of equal length, inclusive.

Codes are compared as digit strings, so leading zeros matter (``"0101"``, not ``101``).
"""

from __future__ import annotations

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


def read_product_list(path: Path, column: str | None = None, where: Mapping[str, Any] | None = None) -> list[str]:
    """Codes from a CSV or Parquet product list.

    Parameters
    ----------
    path
        ``.csv`` or ``.parquet`` file.
    column
        The code column; default: the first column whose name contains ``hts``,
        ``hs`` or ``code`` (case-insensitive).
    where
        Keep only rows whose columns equal the given values (a list means any of
        them), e.g. ``{"list": "list1_34b"}``.

    Raises
    ------
    FileNotFoundError, KeyError, ValueError
        With a message naming the file and the column; the scenario loader turns
        them into :class:`~tariffsim.errors.ScenarioError`.
    """
    if not path.exists():
        raise FileNotFoundError(f"product list file not found: {path}")
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        frame = frame.astype({c: str for c in frame.columns})
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if column is None:
        candidates = [c for c in frame.columns if re.search(r"hts|hs|code", str(c), re.IGNORECASE)]
        if not candidates:
            raise KeyError(f"{path}: no code column (a column named like 'hts8', 'hs6' or 'code'); "
                           "name it with product_list.column")
        column = str(candidates[0])
    if column not in frame.columns:
        raise KeyError(f"{path}: no column '{column}' (columns: {', '.join(map(str, frame.columns))})")
    for key, wanted in (where or {}).items():
        if key not in frame.columns:
            raise KeyError(f"{path}: no column '{key}' to filter on")
        values = [str(v) for v in wanted] if isinstance(wanted, list | tuple) else [str(wanted)]
        frame = frame[frame[key].isin(values)]
    codes = []
    for line, raw in zip(frame.index, frame[column], strict=True):
        try:
            codes.append(normalize_code(raw))
        except ValueError as exc:
            raise ValueError(f"{path}: row {int(line) + 2}, column '{column}': {exc}") from None
    if not codes:
        raise ValueError(f"{path}: the product list is empty" + (f" after filtering on {dict(where)}" if where else ""))
    return codes
