"""JSON for run records: NumPy scalars and arrays, paths and dates written as plain values."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """``json.dumps(default=...)`` hook: NumPy scalars and arrays become numbers and lists, anything else a string."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def dumps(record: Any, *, indent: int | None = 2) -> str:
    """``record`` as JSON text (see :func:`to_jsonable`)."""
    return json.dumps(record, indent=indent, default=to_jsonable)
