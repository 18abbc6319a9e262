"""What every importer shares: table specs, the import context, batch checks.

An importer reads its source's files and writes normalised tables through
:class:`TableWriter`; it never touches the catalog. The catalog
(:mod:`tariffsim.data.catalog`) gives it a private temporary folder, checks keys
for duplicates once all rows are written, and publishes the dataset atomically.

Every written table has two provenance columns besides its own:
``source_file`` (index into the dataset's list of input files) and
``source_line`` (1-based line of the row in that file; the row for Parquet inputs).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tariffsim.data.progress import Reporter
from tariffsim.data.reader import NULL_VALUES, InputFile, Scan
from tariffsim.errors import DataError

__all__ = [
    "TableSpec",
    "Importer",
    "ImportContext",
    "TableWriter",
    "Locator",
    "RowsLocator",
    "Rows",
    "check_header",
    "fail_where",
    "mask",
    "message",
    "not_null",
    "non_negative",
    "to_float",
    "to_int",
    "finite",
    "check_years",
    "FIRST_YEAR",
    "LAST_YEAR",
    "digits_only",
    "year_in_name",
    "PROVENANCE",
]

PROVENANCE = pa.schema([pa.field("source_file", pa.int16()), pa.field("source_line", pa.int64())])
FLUSH_ROWS = 1 << 20
FIRST_YEAR, LAST_YEAR = 1900, 2100
"""Years a data row may carry (a sanity range: the sources start in 1962 at the earliest)."""


@dataclass(frozen=True)
class TableSpec:
    """One output table of an importer.

    Attributes
    ----------
    name
        Table name inside the dataset (``flows``, ``rates``, ...).
    schema
        Output columns (provenance columns are added by the writer).
    key
        Columns that identify a row; duplicates are an error.
    value
        Column summed for ``tariffsim data list`` (USD millions), or ``None``.
    description
        One line for ``tariffsim data show``.
    lookup
        A code table that comes with the data (country or product names), not data:
        an import whose every other table is empty is refused.
    """

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    value: str | None = "value"
    description: str = ""
    lookup: bool = False


class Locator(Protocol):
    """Maps 0-based data rows of one input to line numbers for messages."""

    file: InputFile

    def line_of(self, rows: np.ndarray) -> np.ndarray: ...

    def line(self, row: int) -> int: ...


@dataclass
class RowsLocator:
    """Locator for inputs without lines (Parquet): the 1-based row number."""

    file: InputFile

    def line_of(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows, dtype=np.int64) + 1

    def line(self, row: int) -> int:
        return row + 1


class TableWriter:
    """Streams batches of one table to Parquet files, one folder per year.

    Batches are buffered to about a million rows per row group. Tables with a
    ``year`` column are written as ``TABLE/year=YYYY/part-N.parquet``; others as
    ``TABLE/part-N.parquet``.
    """

    def __init__(self, spec: TableSpec, folder: Path) -> None:
        self.spec = spec
        self.folder = folder
        self.schema = pa.schema(list(spec.schema) + list(PROVENANCE))
        self._pending: dict[int | None, list[pa.Table]] = {}
        self._pending_rows: dict[int | None, int] = {}
        self._writers: dict[int | None, pq.ParquetWriter] = {}
        self.files: list[Path] = []
        self.rows = 0
        self.value_total = 0.0
        self.years: set[int] = set()

    def write(self, table: pa.Table | pa.RecordBatch, file_index: int, lines: np.ndarray) -> None:
        """Append rows (columns named as in the spec; extra columns are dropped).

        Parameters
        ----------
        table
            Rows to write; columns are cast to the spec's types.
        file_index
            Index of the input file the rows come from.
        lines
            Line (or row) number of each row in that file.
        """
        if table.num_rows == 0:
            return
        arrays = []
        for fld in self.spec.schema:
            col = table.column(fld.name)
            arrays.append(col.cast(fld.type) if col.type != fld.type else col)
        arrays.append(pa.array(np.full(table.num_rows, file_index, dtype=np.int16)))
        arrays.append(pa.array(np.asarray(lines, dtype=np.int64)))
        out = pa.Table.from_arrays(arrays, schema=self.schema)
        if self.spec.value is not None:
            total = pc.sum(out.column(self.spec.value)).as_py()
            self.value_total += float(total or 0.0)
        if "year" in self.spec.schema.names:
            years = out.column("year").to_numpy()
            distinct = np.unique(years)
            self.years.update(int(y) for y in distinct)
            for year in distinct:
                part = out if len(distinct) == 1 else out.filter(pa.array(years == year))
                self._buffer(int(year), part)
        else:
            self._buffer(None, out)

    def _buffer(self, year: int | None, table: pa.Table) -> None:
        self._pending.setdefault(year, []).append(table)
        self._pending_rows[year] = self._pending_rows.get(year, 0) + table.num_rows
        self.rows += table.num_rows
        if self._pending_rows[year] >= FLUSH_ROWS:
            self._flush(year)

    def _flush(self, year: int | None) -> None:
        tables = self._pending.pop(year, [])
        self._pending_rows[year] = 0
        if not tables:
            return
        writer = self._writers.get(year)
        if writer is None:
            sub = self.folder / self.spec.name / (f"year={year}" if year is not None else "")
            sub.mkdir(parents=True, exist_ok=True)
            path = sub / "part-0.parquet"
            writer = pq.ParquetWriter(path, self.schema, compression="zstd",
                                      column_encoding={"source_line": "DELTA_BINARY_PACKED"},
                                      use_dictionary=[f.name for f in self.spec.schema
                                                      if pa.types.is_string(f.type)])
            self._writers[year] = writer
            self.files.append(path)
        writer.write_table(pa.concat_tables(tables))

    def close(self) -> list[Path]:
        """Flush and close every file; returns the files written."""
        for year in list(self._pending):
            self._flush(year)
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        return self.files

    def abort(self) -> None:
        """Close files without flushing (after an error)."""
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:
                pass
        self._writers.clear()


@dataclass
class ImportContext:
    """What an importer gets: its inputs (scanned), options, writers, a reporter.

    Attributes
    ----------
    inputs
        Input files in order (``source_file`` indexes this list).
    scans
        First-pass results of the text inputs (Parquet inputs have none).
    year
        The ``--year`` option, or ``None``.
    encoding
        Expected text encoding of the inputs.
    folder
        Private temporary folder the tables go to.
    progress
        Progress reporter.
    """

    inputs: list[InputFile]
    scans: dict[InputFile, Scan]
    year: int | None
    encoding: str
    folder: Path
    progress: Reporter
    specs: dict[str, TableSpec]
    writers: dict[str, TableWriter] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def writer(self, table: str) -> TableWriter:
        """The writer of one of the importer's tables."""
        if table not in self.writers:
            self.writers[table] = TableWriter(self.specs[table], self.folder)
        return self.writers[table]

    def file_index(self, inp: InputFile) -> int:
        return self.inputs.index(inp)

    def note(self, text: str) -> None:
        """A provenance note kept in the dataset's metadata (what was dropped or assumed)."""
        if text not in self.notes:
            self.notes.append(text)

    def text(self, inp: InputFile, what: str) -> Scan:
        """The first-pass scan of a text input (``DataError`` for Parquet or other binary inputs)."""
        scan = self.scans.get(inp)
        if scan is None:
            raise DataError(f"expected {what} as a text file (CSV or TXT)", file=inp.display)
        return scan

    def locator(self, inp: InputFile) -> Locator:
        scan = self.scans.get(inp)
        return scan if scan is not None else RowsLocator(inp)


class Importer(ABC):
    """One source's importer.

    Class attributes
    ----------------
    source
        CLI name (``baci``, ``usitc-tariffs``, ...).
    title
        Human name of the source.
    tables
        Output tables.
    year_option
        What ``--year`` means: ``"filter"`` (keep that year's rows), ``"label"``
        (the year the data are for, when the files do not say), or ``"none"``.
    """

    source: ClassVar[str]
    title: ClassVar[str]
    tables: ClassVar[tuple[TableSpec, ...]]
    year_option: ClassVar[Literal["filter", "label", "none"]] = "filter"
    member_pattern: ClassVar[str | None] = None
    """Regular expression selecting data files inside zip archives."""

    @abstractmethod
    def run(self, ctx: ImportContext) -> None:
        """Read ``ctx.inputs`` and write every table through ``ctx.writer``."""

    def select_members(self, inputs: list[InputFile], year: int | None) -> list[InputFile]:
        """Inputs to read (after zip expansion); importers may narrow by year."""
        return inputs

    def default_name(self, years: Sequence[int], year_option: int | None) -> str:
        """Dataset name when none is given: ``SOURCE-YEAR`` for one year, else ``SOURCE``."""
        if year_option is not None:
            return f"{self.source}-{year_option}"
        if len(years) == 1:
            return f"{self.source}-{years[0]}"
        return self.source


# ---------------------------------------------------------------------- checks
class Rows:
    """Where the rows of a (possibly filtered) batch come from: position → data row → line.

    Parameters
    ----------
    locator
        The input's line mapping (a :class:`~tariffsim.data.reader.Scan` or :class:`RowsLocator`).
    rows
        0-based data-row index of each row of the batch.
    """

    def __init__(self, locator: Locator, rows: np.ndarray) -> None:
        self.locator = locator
        self.file = locator.file
        self.rows = np.asarray(rows, dtype=np.int64)

    @classmethod
    def of_batch(cls, locator: Locator, first_row: int, n: int) -> Rows:
        return cls(locator, np.arange(first_row, first_row + n, dtype=np.int64))

    def line(self, position: int) -> int:
        """Line of the row at ``position`` in the batch."""
        return self.locator.line(int(self.rows[position]))

    def lines(self) -> np.ndarray:
        """Line of every row."""
        return self.locator.line_of(self.rows)

    def filter(self, keep: np.ndarray) -> Rows:
        return Rows(self.locator, self.rows[keep])


def check_header(inp: InputFile, header: Sequence[str], required: Iterable[str], optional: Iterable[str] = (),
                 *, allow_extra: bool = True, layout: str = "") -> None:
    """Raise :class:`DataError` (line 1, naming the column) on missing or unexpected columns."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(f"column '{name}' appears twice in the header", file=inp.display, line=1, column=name)
        seen.add(name)
    required = list(required)
    what = f" of the {layout} layout" if layout else ""
    for name in required:
        if name not in seen:
            raise DataError(f"missing column '{name}'{what} (the header has {', '.join(header)})",
                            file=inp.display, line=1, column=name)
    if not allow_extra:
        known = set(required) | set(optional)
        for name in header:
            if name not in known:
                raise DataError(f"unexpected column '{name}'{what}; expected {', '.join(required)}",
                                file=inp.display, line=1, column=name)


def mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as ``False``."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def fail_where(bad: np.ndarray, where: Rows, column: str | None, message: str | Callable[[int], str]) -> None:
    """Raise :class:`DataError` at the first row where ``bad`` is true (nothing if none is).

    ``message`` may be a function of the row's position in the batch.
    """
    if not bad.any():
        return
    k = int(np.argmax(bad))
    text = message(k) if callable(message) else message
    raise DataError(text, file=where.file.display, line=where.line(k), column=column)


def message(template: str, *arrays: pa.Array | pa.ChunkedArray) -> Callable[[int], str]:
    """An error message for :func:`fail_where` filled with the offending row's values.

    ``message("negative value {}", values)`` reads ``values[k]`` at the failing row ``k``.
    """

    def build(k: int) -> str:
        return template.format(*(a[k].as_py() for a in arrays))

    return build


def not_null(values: pa.Array | pa.ChunkedArray, where: Rows, column: str, what: str = "value") -> None:
    """Raise at the first missing cell."""
    fail_where(mask(pc.is_null(values)), where, column, f"missing {what}")


def non_negative(values: pa.Array | pa.ChunkedArray, where: Rows, column: str, what: str = "value") -> None:
    """Raise at the first negative number."""
    fail_where(mask(pc.less(values, 0)), where, column, lambda k: f"negative {what} {values[k].as_py()}")


def to_float(values: pa.Array | pa.ChunkedArray, where: Rows, column: str) -> pa.Array:
    """Strings (possibly padded, e.g. BACI's ``"   NA"``) → float64; missing cells → null.

    Numbers too large for a double (``1e309``) and infinities are errors, like text.
    """
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        number = pc.cast(values, pa.float64())
        finite(number, where, column)
        return number
    trimmed = pc.utf8_trim_whitespace(values)
    nulls = pc.is_in(trimmed, value_set=pa.array(NULL_VALUES))
    cleaned = pc.if_else(nulls, pa.scalar(None, pa.string()), trimmed)
    ok = pc.match_substring_regex(cleaned, r"^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)$")
    bad = mask(pc.invert(ok))
    fail_where(bad, where, column, lambda k: f"'{values[k].as_py()}' is not a number")
    number = pc.cast(cleaned, pa.float64())
    fail_where(mask(pc.invert(pc.is_finite(number))), where, column,
               lambda k: f"'{values[k].as_py()}' is too large for a number (beyond ±1.8e308)")
    return number


def finite(values: pa.Array | pa.ChunkedArray, where: Rows, column: str) -> None:
    """Raise at the first infinite or NaN number (missing cells pass)."""
    fail_where(mask(pc.invert(pc.is_finite(values))), where, column,
               lambda k: f"{values[k].as_py()} is not a finite number")


def check_years(values: pa.Array | pa.ChunkedArray, where: Rows, column: str) -> None:
    """Raise at the first year outside :data:`FIRST_YEAR`–:data:`LAST_YEAR` (missing cells pass)."""
    fail_where(mask(pc.or_(pc.less(values, FIRST_YEAR), pc.greater(values, LAST_YEAR))), where, column,
               lambda k: f"year {values[k].as_py()} outside {FIRST_YEAR}-{LAST_YEAR}")


def to_int(values: pa.Array | pa.ChunkedArray, where: Rows, column: str) -> pa.Array:
    """Strings of digits → int64 (missing cells are an error)."""
    if pa.types.is_integer(values.type):
        not_null(values, where, column)
        return pc.cast(values, pa.int64())
    trimmed = pc.utf8_trim_whitespace(values)
    not_null(trimmed, where, column)
    bad = mask(pc.invert(pc.match_substring_regex(trimmed, r"^[-+]?\d+$")))
    fail_where(bad, where, column, lambda k: f"'{values[k].as_py()}' is not a whole number")
    return pc.cast(trimmed, pa.int64())


def digits_only(values: pa.Array | pa.ChunkedArray, where: Rows, column: str, min_len: int, max_len: int,
                what: str, suffix: str = "") -> pa.Array:
    """Trimmed code strings checked to be ``min_len``–``max_len`` digits (then the ``suffix`` regex)."""
    trimmed = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    not_null(trimmed, where, column, what)
    pattern = rf"^\d{{{min_len},{max_len}}}{suffix}$"
    bad = mask(pc.invert(pc.match_substring_regex(trimmed, pattern)))
    fail_where(bad, where, column, lambda k: f"'{values[k].as_py()}' is not {what}")
    return trimmed


def year_in_name(name: str) -> int | None:
    """A four-digit year (1950–2099) in a file name, if exactly one is there."""
    found = set(re.findall(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", name))
    return int(found.pop()) if len(found) == 1 else None
