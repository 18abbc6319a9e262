"""Run records and tables on disk: JSON with NumPy values, result tables beside run.json, atomic CSV files.

A failed write (no space left, permission denied, a file where a folder goes) is a
:class:`~tariffsim.errors.DataError` naming the path and the reason: see :func:`output_error`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.errors import DataError

__all__ = ["REPORT_NAME", "dumps", "to_jsonable", "write_outputs", "write_csv", "output_error", "check_file_target",
           "formatted_floats",
           "check_folder_target", "atomic_file"]

REPORT_NAME = "report.html"
"""File name of the HTML report inside a run folder."""


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
        formatted_floats(table, "%.10g").to_csv(path, index=False)
        written.append(path)
    path = out / "run.json"
    path.write_text(dumps(dict(record)) + "\n")
    written.append(path)
    return written


def formatted_floats(table: pd.DataFrame, float_format: str) -> pd.DataFrame:
    """``table`` with its NumPy float columns as text in ``float_format`` (missing values empty).

    ``to_csv`` writes the result byte for byte as it writes ``table`` with ``float_format=``, in
    half the time: pandas formats each value through several Python calls, and a run of
    world-2017 writes 1.1 million rows of ``bilateral_sectors.csv``.
    """
    columns: dict[Any, Any] = {}
    for name in table.columns:
        column = table[name]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
            values = column.to_numpy()
            text = np.array([float_format % x for x in values.tolist()], dtype=object)
            text[np.isnan(values)] = ""
            columns[name] = text
        else:
            columns[name] = column
    return pd.DataFrame(columns, columns=table.columns, index=table.index)


def output_error(exc: OSError, path: str | Path | None = None) -> DataError:
    """An OSError while writing, as a :class:`~tariffsim.errors.DataError` naming the path and the reason."""
    where = exc.filename if exc.filename else path
    reason = exc.strerror or str(exc) or type(exc).__name__
    return DataError(f"cannot write ({reason})", file=str(where) if where is not None else None)


def check_file_target(path: str | Path) -> Path:
    """``path`` as a file to write, after refusing empty text, a folder and a parent that is a file; writes nothing.

    Commands call it before long work, so that a wrong output path fails at once.
    """
    if not str(path).strip():
        raise DataError("the file name is empty text: give a file name")
    target = Path(path)
    if target.is_dir():
        raise DataError("is a folder: give a file name", file=str(path))
    _check_parents(target, path)
    return target


def check_folder_target(path: str | Path) -> Path:
    """``path`` as a folder to write into, after refusing empty text and a file; writes nothing."""
    if not str(path).strip():
        raise DataError("the folder name is empty text: give a folder name")
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise DataError("is a file, not a folder", file=str(path))
    _check_parents(target, path)
    return target


def _check_parents(target: Path, given: str | Path) -> None:
    for parent in target.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"{parent} is a file, not a folder", file=str(given))
            return


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary sibling of ``path`` to write, renamed onto ``path`` when the block ends without error
    (a reader sees the old file or the new one, never half of one); parents are created.

    Raises
    ------
    DataError
        If a write fails (see :func:`output_error`).
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise output_error(exc, path) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(path: str | Path, table: pd.DataFrame, *, float_format: str | None = None) -> Path:
    """Write ``table`` to ``path`` as CSV, atomically (see :func:`atomic_file`).

    Raises
    ------
    DataError
        If the file cannot be written (naming the path and the reason).
    """
    target = check_file_target(path)
    with atomic_file(target) as tmp:
        table.to_csv(tmp, index=False, float_format=float_format)
    return target
