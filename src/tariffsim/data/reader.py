"""Streaming reads of delimited text files with exact line numbers in every error.

Reading a file takes two passes over its bytes, neither of which holds the file
in memory:

1. :func:`scan_text` reads it in 16 MiB chunks: SHA-256 (for the catalog and
   idempotent re-imports), encoding check (the first undecodable byte is reported
   with its line and column), binary-file check, the header, the delimiter, and
   the physical lines that are not records (blank lines, and lines continuing a
   quoted field that spans lines), so that a data row's index maps to its line;
2. :func:`read_batches` parses it with ``pyarrow.csv.open_csv`` in record
   batches. When Arrow rejects a block (wrong number of fields, a value that is
   not a number) :func:`diagnose` re-reads the rows from the failing block with
   Python's ``csv`` module to name the line and column.

Inputs may be plain, gzip-compressed (``.gz``) or members of a zip archive
(:class:`InputFile`). Line numbers assume that quote characters appear only
around fields (RFC 4180), which is how every supported source writes them.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tariffsim.data.progress import Reporter
from tariffsim.errors import DataError

__all__ = ["InputFile", "Scan", "scan_text", "read_batches", "diagnose", "NULL_VALUES", "expand_inputs"]

CHUNK = 16 << 20
NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"]
"""Cells read as missing."""

_NEWLINE, _QUOTE, _CR = 10, 34, 13


@dataclass(frozen=True)
class InputFile:
    """One input: a file on disk, a gzip file, or a member of a zip archive.

    Attributes
    ----------
    path
        File on disk.
    member
        Name of the member inside a zip archive, or ``None``.
    """

    path: Path
    member: str | None = None

    @property
    def display(self) -> str:
        """How errors name the file: ``path`` or ``archive.zip!member``."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        """Base name of the file (of the member for zip members; without ``.gz``)."""
        base = Path(self.member).name if self.member else self.path.name
        return base[:-3] if base.endswith(".gz") else base

    @property
    def compressed(self) -> bool:
        return self.member is not None or self.path.name.endswith(".gz")

    def size(self) -> int | None:
        """Uncompressed size in bytes when known without reading (plain files, zip members)."""
        if self.member is not None:
            with zipfile.ZipFile(self.path) as archive:
                return archive.getinfo(self.member).file_size
        if self.path.name.endswith(".gz"):
            return None
        return self.path.stat().st_size

    def open(self) -> IO[bytes]:
        """Binary stream of the (decompressed) content."""
        try:
            if self.member is not None:
                archive = zipfile.ZipFile(self.path)
                return cast(IO[bytes], _ZipMember(archive, archive.open(self.member)))
            if self.path.name.endswith(".gz"):
                return cast(IO[bytes], gzip.open(self.path, "rb"))
            return open(self.path, "rb")
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise DataError(f"cannot open ({exc})", file=self.display) from None


class _ZipMember(io.RawIOBase):
    """A zip member stream that closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, stream: IO[bytes]) -> None:
        self._archive = archive
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        self._archive.close()
        super().close()


def expand_inputs(paths: Sequence[str | Path], pattern: str | None = None) -> list[InputFile]:
    """Inputs from paths: files as they are; zip archives expand to their members.

    Parameters
    ----------
    paths
        Files (``.csv``, ``.txt``, ``.gz``, ``.parquet``) or zip archives.
    pattern
        Regular expression that zip members' names must match (others are skipped);
        ``None`` keeps every member that is not a directory.
    """
    out: list[InputFile] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DataError("no such file", file=str(path))
        if path.is_dir():
            raise DataError("is a folder; give the data files themselves", file=str(path))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")
                           and (pattern is None or re.search(pattern, Path(m).name))]
            if not members:
                raise DataError("no data file in this zip archive" + (f" matching {pattern}" if pattern else ""),
                                file=str(path))
            out.extend(InputFile(path, m) for m in sorted(members))
        else:
            out.append(InputFile(path))
    return out


@dataclass
class Scan:
    """What the first pass learned about a text file.

    Attributes
    ----------
    file
        The input.
    sha256, size
        Digest and length of the (decompressed) bytes.
    lines
        Physical lines.
    skipped
        Sorted 1-based numbers of physical lines that are not records: blank lines
        and continuation lines of quoted fields spanning lines.
    header
        Column names of the first record.
    delimiter
        Field separator (``,``, tab, ``|`` or ``;``).
    encoding
        Text encoding the file was checked against.
    ends_with_newline
        Whether the last byte is a line break (a missing one hints at truncation).
    """

    file: InputFile
    sha256: str
    size: int
    lines: int
    skipped: np.ndarray
    header: list[str]
    delimiter: str
    encoding: str
    ends_with_newline: bool
    multiline_values: bool = False
    _g: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    def __post_init__(self) -> None:
        self._g = self.skipped - np.arange(len(self.skipped), dtype=np.int64)

    @property
    def records(self) -> int:
        """Data records (physical lines minus skipped lines minus the header)."""
        return self.lines - len(self.skipped) - 1

    def line_of(self, rows: np.ndarray) -> np.ndarray:
        """1-based physical line of 0-based data rows (int64 array in, int64 array out)."""
        target = np.asarray(rows, dtype=np.int64) + 2
        if len(self._g) == 0:
            return target
        return target + np.searchsorted(self._g, target, side="right")

    def line(self, row: int) -> int:
        """1-based physical line of one 0-based data row."""
        return int(self.line_of(np.array([row]))[0])


def scan_text(inp: InputFile, *, encoding: str = "utf-8", delimiter: str | None = None,
              progress: Reporter | None = None) -> Scan:
    """First pass over a text file (see the module docstring).

    Parameters
    ----------
    inp
        The file.
    encoding
        Expected text encoding (``utf-8`` by default; a UTF-8 byte-order mark is
        accepted). Python codec names such as ``latin-1`` or ``cp1252`` work.
    delimiter
        Field separator; detected from the header when ``None``.
    progress
        Reporter for a bytes bar.

    Raises
    ------
    DataError
        Empty file, binary content, UTF-16/32 text, bytes that are not valid in
        ``encoding`` (with line and column), or a truncated compressed file.
    """
    digest = hashlib.sha256()
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise DataError(f"unknown text encoding '{encoding}'", file=inp.display) from None
    task = progress.task(f"checking {inp.name}", inp.size(), "bytes") if progress else 0
    size = 0
    newlines = 0
    in_quote = False
    skipped: list[np.ndarray] = []
    multiline = False
    prev_last = -1  # global offset of the last newline seen, for blank-line detection
    prev_byte = -1
    head = bytearray()
    last_byte = b""
    with inp.open() as stream:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (EOFError, OSError, zipfile.BadZipFile) as exc:
                raise DataError(f"the compressed file is truncated or corrupt ({exc})", file=inp.display,
                                line=newlines + 1) from None
            if not chunk:
                break
            if size == 0:
                _check_start(chunk, inp)
            digest.update(chunk)
            if len(head) < 1 << 16:
                head.extend(chunk[: (1 << 16) - len(head)])
            if b"\x00" in chunk:
                pos = chunk.index(b"\x00")
                raise DataError("binary data (NUL byte): not a text file", file=inp.display,
                                line=newlines + chunk.count(b"\n", 0, pos) + 1)
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                _raise_encoding(inp, chunk, exc, newlines, encoding)
            arr = np.frombuffer(chunk, dtype=np.uint8)
            nl = np.flatnonzero(arr == _NEWLINE)
            quotes = np.flatnonzero(arr == _QUOTE) if b'"' in chunk else np.zeros(0, dtype=np.int64)
            if len(quotes):
                inside = ((np.searchsorted(quotes, nl) + int(in_quote)) % 2) == 1
                in_quote = bool((len(quotes) + int(in_quote)) % 2)
            else:
                inside = np.full(len(nl), in_quote)
            line_no = newlines + 1 + np.arange(len(nl), dtype=np.int64)  # line that each newline ends
            if inside.any():
                multiline = True
                skipped.append(line_no[inside] + 1)
            # blank line: a newline right after the previous one (or after "\r" right after it)
            gpos = nl.astype(np.int64) + size
            prev_pos = np.concatenate([[prev_last], gpos[:-1]])
            gap = gpos - prev_pos
            is_cr_blank = np.zeros(len(nl), dtype=bool)
            two = gap == 2
            if two.any():
                local_before = nl[two] - 1
                vals = np.where(local_before >= 0, arr[np.maximum(local_before, 0)], prev_byte)
                is_cr_blank[two] = vals == _CR
            blank = ((gap == 1) | is_cr_blank) & ~inside
            if blank.any():
                skipped.append(line_no[blank])
            if len(nl):
                prev_last = int(gpos[-1])
            prev_byte = int(arr[-1])
            newlines += len(nl)
            size += len(chunk)
            last_byte = chunk[-1:]
            if progress:
                progress.advance(task, len(chunk))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise DataError(f"the file ends inside a multi-byte character: truncated, or not {encoding}",
                        file=inp.display, line=newlines + 1) from None
    if size == 0:
        raise DataError("empty file", file=inp.display)
    ends = last_byte == b"\n"
    lines = newlines + (0 if ends else 1)
    skip = np.unique(np.concatenate(skipped)) if skipped else np.zeros(0, dtype=np.int64)
    skip = skip[skip <= lines]
    header, delim = _header(bytes(head), inp, encoding, delimiter)
    if progress:
        progress.done(task)
    return Scan(file=inp, sha256=digest.hexdigest(), size=size, lines=lines, skipped=skip.astype(np.int64),
                header=header, delimiter=delim, encoding=encoding, ends_with_newline=ends,
                multiline_values=multiline)


def _check_start(chunk: bytes, inp: InputFile) -> None:
    if chunk.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DataError("the file is UTF-32 text; save it as UTF-8", file=inp.display, line=1)
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError("the file is UTF-16 text; save it as UTF-8 (or CSV UTF-8 in Excel)", file=inp.display,
                        line=1)
    if chunk.startswith(b"PK\x03\x04") or chunk.startswith(b"\x1f\x8b") or chunk.startswith(b"PAR1"):
        raise DataError("compressed or binary file (zip, gzip or Parquet) with a text-file name; "
                        "give it its real extension", file=inp.display)


def _raise_encoding(inp: InputFile, chunk: bytes, exc: UnicodeDecodeError, newlines_before: int,
                    encoding: str) -> None:
    pos = max(0, min(exc.start, len(chunk) - 1))
    line = newlines_before + chunk.count(b"\n", 0, pos) + 1
    start = chunk.rfind(b"\n", 0, pos) + 1
    prefix = chunk[start:pos].decode(encoding, errors="replace")
    byte = chunk[pos: pos + 1].hex()
    column = None
    try:
        fields = next(csv.reader([prefix + "x"]))
        column = f"field {len(fields)}"
    except (csv.Error, StopIteration):
        pass
    raise DataError(f"byte 0x{byte} at character {len(prefix) + 1} of the line is not valid {encoding}: "
                    "wrong encoding (re-save the file as UTF-8, or pass the file's encoding, e.g. latin-1)",
                    file=inp.display, line=line, column=column) from None


def _header(head: bytes, inp: InputFile, encoding: str, delimiter: str | None) -> tuple[list[str], str]:
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError("no header line", file=inp.display, line=1)
    first = lines[0]
    if delimiter is None:
        counts = {d: _count_outside_quotes(first, d) for d in (",", "\t", "|", ";")}
        delimiter = max(counts, key=lambda d: counts[d])
        if counts[delimiter] == 0:
            delimiter = ","
    try:
        names = next(csv.reader([first], delimiter=delimiter))
    except csv.Error as exc:
        raise DataError(f"cannot read the header ({exc})", file=inp.display, line=1) from None
    return [n.strip() for n in names], delimiter


def _count_outside_quotes(line: str, delim: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            count += 1
    return count


# ---------------------------------------------------------------------- second pass
ColumnCheck = Callable[[str], bool]


def read_batches(scan: Scan, *, columns: Sequence[str], types: Mapping[str, pa.DataType],
                 block_size: int = 8 << 20, progress: Reporter | None = None,
                 label: str | None = None) -> Iterator[tuple[pa.RecordBatch, int]]:
    """Parse a scanned file in record batches.

    Parameters
    ----------
    scan
        The result of :func:`scan_text` on the same file.
    columns
        Columns to read (header names); others are skipped.
    types
        Arrow type of each column read; ``pa.string()`` for anything to check by
        hand. Cells in :data:`NULL_VALUES` are missing.
    block_size
        Bytes per parse block (one batch per block).
    progress
        Reporter for a rows bar.

    Yields
    ------
    (batch, first_row)
        A record batch and the 0-based data-row index of its first row
        (:meth:`Scan.line_of` turns row indices into lines).

    Raises
    ------
    DataError
        Naming line and column of the first row Arrow could not parse.
    """
    inp = scan.file
    read_opts = pacsv.ReadOptions(block_size=block_size, encoding=_arrow_encoding(scan.encoding))
    parse_opts = pacsv.ParseOptions(delimiter=scan.delimiter, newlines_in_values=scan.multiline_values)
    convert_opts = pacsv.ConvertOptions(column_types=dict(types), include_columns=list(columns),
                                        null_values=NULL_VALUES, strings_can_be_null=True,
                                        quoted_strings_can_be_null=True)
    task = progress.task(label or f"reading {inp.name}", scan.records, "rows") if progress else 0
    rows = 0
    source: Path | IO[bytes] | pa.NativeFile
    if inp.member is not None:
        source = inp.open()
    elif inp.compressed:
        source = pa.input_stream(str(inp.path), compression="gzip")
    else:
        source = inp.path
    try:
        try:
            reader = pacsv.open_csv(str(source) if isinstance(source, Path) else source, read_options=read_opts,
                                    parse_options=parse_opts, convert_options=convert_opts)
        except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
            diagnose(scan, 0, types, str(exc))
            raise AssertionError("unreachable") from exc
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError, EOFError) as exc:
                diagnose(scan, rows, types, str(exc))
                raise AssertionError("unreachable") from exc
            if batch.num_rows == 0:
                continue
            yield batch, rows
            rows += batch.num_rows
            if progress:
                progress.advance(task, batch.num_rows)
    finally:
        if not isinstance(source, Path):
            source.close()
    if progress:
        progress.done(task)


def _arrow_encoding(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf8" if name == "utf-8" else encoding


_INT = re.compile(r"\s*[-+]?\d+\s*")
_FLOAT = re.compile(r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|nan)\s*", re.IGNORECASE)


def _checker(dtype: pa.DataType) -> ColumnCheck | None:
    if pa.types.is_integer(dtype):
        return lambda v: bool(_INT.fullmatch(v))
    if pa.types.is_floating(dtype):
        return lambda v: bool(_FLOAT.fullmatch(v))
    return None


def diagnose(scan: Scan, start_row: int, types: Mapping[str, pa.DataType], arrow_message: str) -> None:
    """Find and raise the first unparsable row at or after ``start_row``.

    Always raises :class:`DataError`: with the line and column found, or with
    Arrow's own message when the Python reader finds nothing wrong.
    """
    inp = scan.file
    width = len(scan.header)
    checks = {scan.header.index(name): (name, _checker(t)) for name, t in types.items() if name in scan.header}
    start_line = scan.line(start_row) if start_row < max(scan.records, 1) else scan.lines
    with inp.open() as raw:
        text = io.TextIOWrapper(raw, encoding=scan.encoding, errors="replace", newline="")
        for _ in range(start_line - 1):
            if not text.readline():
                break
        reader = csv.reader(text, delimiter=scan.delimiter)
        consumed = 0
        record_line = start_line
        try:
            for record in reader:
                record_line = start_line + consumed
                consumed = reader.line_num
                if not record or record == [""]:
                    continue
                if len(record) != width:
                    hint = " (the file may be truncated)" if record_line >= scan.lines and \
                        not scan.ends_with_newline else ""
                    raise DataError(f"expected {width} fields as in the header, got {len(record)}{hint}",
                                    file=inp.display, line=record_line)
                for pos, (name, check) in checks.items():
                    value = record[pos]
                    if check is not None and value.strip() not in NULL_VALUES and not check(value):
                        raise DataError(f"'{value}' is not a number", file=inp.display, line=record_line,
                                        column=name)
        except csv.Error as exc:
            raise DataError(f"cannot parse ({exc})", file=inp.display, line=record_line) from None
    message = arrow_message.replace("CSV parse error: ", "").strip()
    raise DataError(f"cannot parse ({message})", file=inp.display, line=start_line)
