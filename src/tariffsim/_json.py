"""Run records on disk: JSON with NumPy values, and result tables written beside it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "to_jsonable", "write_outputs"]


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


def write_outputs(out_dir: str | Path, tables: Mapping[str, pd.DataFrame], record: Mapping[str, Any]) -> list[Path]:
    """Write ``NAME.csv`` for each table and ``run.json`` into ``out_dir``; return the paths.

    Floats keep ten significant digits, enough to reproduce percentages to 1e-8.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False, float_format="%.10g")
        written.append(path)
    path = out / "run.json"
    path.write_text(dumps(dict(record)) + "\n")
    written.append(path)
    return written
