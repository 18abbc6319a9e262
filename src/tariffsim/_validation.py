"""Small helpers that make every validation message read the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray


def duplicates(items: Iterable[Any]) -> list[Any]:
    """Items that occur more than once, in first-seen order."""
    counts = Counter(items)
    return [item for item, n in counts.items() if n > 1]


def label_tuple(values: Iterable[Any], what: str, error: type[Exception], field: str) -> tuple[str, ...]:
    """Turn ``values`` into a tuple of non-empty, unique strings or raise ``error``.

    ``error`` must accept ``(field, problem, labels, fix)`` like :class:`~tariffsim.errors.WorldError`.
    """
    if isinstance(values, str):
        values = [values]
    out = tuple(str(v).strip() for v in values)
    if not out:
        raise error(field, f"no {what} given", None, f"give at least one {what[:-1] if what.endswith('s') else what}")
    empty = [i for i, v in enumerate(out) if not v]
    if empty:
        raise error(field, f"empty {what[:-1]} label", [f"position {i}" for i in empty], "give every label a name")
    dups = duplicates(out)
    if dups:
        raise error(field, f"duplicated {what} labels", dups, f"list each {what[:-1]} once")
    return out


def pairs_where(mask: NDArray[np.bool_], countries: Sequence[str], sectors: Sequence[str]) -> list[str]:
    """Human-readable ``exporter->importer/sector`` labels where ``mask`` (shape [i, j, s]) is true."""
    idx = np.argwhere(mask)
    out = []
    for i, j, s in idx[:6]:
        label = f"{countries[i]}->{countries[j]}"
        if len(sectors) > 1:
            label += f"/{sectors[s]}"
        out.append(label)
    if len(idx) > 6:
        out.append(f"... {len(idx)} cells in all")
    return out


def readonly(array: NDArray[Any]) -> NDArray[Any]:
    """Return ``array`` (a fresh copy is expected) flagged read-only."""
    array.flags.writeable = False
    return array
