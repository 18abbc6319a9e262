"""The data catalog: imported datasets as Parquet files, with DuckDB views over them.

Layout of a data directory (default ``platformdirs.user_data_dir("tariffsim")``,
overridden by ``TARIFFSIM_DATA_DIR`` or an explicit ``data_dir``)::

    DATA_DIR/
      catalog.duckdb                 views over every dataset (rebuilt after each change)
      datasets/NAME/CURRENT          name of the live version folder (the commit point)
      datasets/NAME/v-.../dataset.json
      datasets/NAME/v-.../TABLE/year=YYYY/part-0.parquet
      tmp/                           imports in progress (private to each import)
      .lock                          writers' lock
      .readers                       readers' (shared) lock

Imports are atomic: an importer writes into a private folder under ``tmp/``; keys
are checked for duplicates; the finished version folder is moved (``os.replace``)
into ``datasets/NAME/``, and the one-line ``CURRENT`` file is replaced atomically.
Readers only follow ``CURRENT``, so a killed or failed import leaves the previous
version (or no dataset) — never a half-written one. Leftovers are removed by the
next import or removal. Importing the same files again (same SHA-256, same
options) is a no-op unless forced.

Concurrency: writers (imports, removals, the runs store) take the exclusive lock
``.lock``; a workspace under ``tmp/`` is created and locked while that lock is held,
so that no clean-up can mistake it for a killed import's leftovers. Readers hold a
shared lock on ``.readers`` (:meth:`Catalog.reading`) while they resolve and read a
version; a replaced or removed version is deleted only when no reader holds it,
otherwise by a later clean-up.

In ``catalog.duckdb`` (and in :meth:`Catalog.connect`), each table of each dataset
is a view ``"NAME/TABLE"``, the dataset's main table is also ``"NAME"``, and each
source has a schema whose views union that table over all datasets of the source,
e.g. ``SELECT * FROM baci.flows WHERE year = 2017``. Where datasets of a source hold
rows with the same key, those views keep the row of the dataset imported last, never
the sum (:func:`_source_union_sql`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import pandas as pd

from tariffsim._version import __version__
from tariffsim.data.importers import get_importer
from tariffsim.data.importers._base import FIRST_YEAR, LAST_YEAR, ImportContext, Importer
from tariffsim.data.progress import Reporter, progress_reporter
from tariffsim.data.reader import InputFile, Scan, expand_inputs, scan_text
from tariffsim.errors import DataError

__all__ = [
    "ENV_VAR",
    "FORMAT_VERSION",
    "Catalog",
    "DatasetInfo",
    "TableInfo",
    "InputInfo",
    "default_data_dir",
    "import_dataset",
    "list_datasets",
    "remove_dataset",
]

ENV_VAR = "TARIFFSIM_DATA_DIR"
FORMAT_VERSION = 1
"""Version of the stored layout; a dataset written by another version is re-imported, not reused."""

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
READERS_LOCK = ".readers"
"""File whose shared lock readers hold (see :meth:`Catalog.reading`)."""
DUCKDB_MEMORY = "1GB"
"""DuckDB's memory limit for catalog queries (it spills to disk beyond it)."""


def default_data_dir() -> Path:
    """``$TARIFFSIM_DATA_DIR`` if set, else the user's data directory for tariffsim."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("tariffsim"))


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class TableInfo:
    """One table of a dataset.

    Attributes
    ----------
    name
        Table name.
    rows
        Number of rows.
    value_total
        Sum of the table's value column (USD millions), ``None`` for tables without one.
    years
        Years present (empty for tables without a year).
    key
        Columns identifying a row.
    columns
        Column name → Arrow type name.
    files
        Parquet files (absolute paths).
    description
        What the table holds.
    """

    name: str
    rows: int
    value_total: float | None
    years: tuple[int, ...]
    key: tuple[str, ...]
    columns: Mapping[str, str]
    files: tuple[Path, ...]
    description: str = ""


@dataclass(frozen=True)
class InputInfo:
    """An input file as imported: path (and zip member), size in bytes, SHA-256."""

    path: str
    member: str | None
    size: int
    sha256: str


@dataclass(frozen=True)
class DatasetInfo:
    """An imported dataset (one version of it).

    Attributes
    ----------
    name, source, title
        Dataset name, source (``baci``, ...) and the source's full name.
    tables
        Table name → :class:`TableInfo`, in the importer's order.
    inputs
        The files it was imported from.
    options
        Import options (``year``, ``encoding``).
    imported_at
        UTC time of the import (ISO 8601).
    notes
        What the importer dropped or assumed.
    folder
        The version folder.
    """

    name: str
    source: str
    title: str
    tables: Mapping[str, TableInfo]
    inputs: tuple[InputInfo, ...]
    options: Mapping[str, Any]
    imported_at: str
    version: str
    notes: tuple[str, ...]
    folder: Path
    format: int = FORMAT_VERSION
    unchanged: bool = field(default=False, compare=False)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    @property
    def value_total(self) -> float | None:
        values = [t.value_total for t in self.tables.values() if t.value_total is not None]
        return float(sum(values)) if values else None

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({y for t in self.tables.values() for y in t.years}))

    @property
    def main_table(self) -> str:
        """The first table with rows (``flows``, ``rates``, ...)."""
        for name, table in self.tables.items():
            if table.rows:
                return name
        return next(iter(self.tables))

    def fingerprint(self) -> tuple[Any, ...]:
        return (self.source, tuple((i.member, i.size, i.sha256) for i in self.inputs),
                tuple(sorted(self.options.items())), self.format)

    @classmethod
    def load(cls, folder: Path) -> DatasetInfo:
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        tables = {name: TableInfo(name=name, rows=t["rows"], value_total=t["value_total"], years=tuple(t["years"]),
                                  key=tuple(t["key"]), columns=t["columns"],
                                  files=tuple(folder / f for f in t["files"]), description=t["description"])
                  for name, t in meta["tables"].items()}
        inputs = tuple(InputInfo(**i) for i in meta["inputs"])
        return cls(name=meta["name"], source=meta["source"], title=meta["title"], tables=tables, inputs=inputs,
                   options=meta["options"], imported_at=meta["imported_at"], version=meta["tariffsim_version"],
                   notes=tuple(meta["notes"]), folder=folder, format=meta["format"])


def _dump(info: DatasetInfo) -> str:
    tables = {name: {"rows": t.rows, "value_total": t.value_total, "years": list(t.years), "key": list(t.key),
                     "columns": dict(t.columns), "files": [str(p.relative_to(info.folder)) for p in t.files],
                     "description": t.description}
              for name, t in info.tables.items()}
    meta = {"format": info.format, "name": info.name, "source": info.source, "title": info.title,
            "imported_at": info.imported_at, "tariffsim_version": info.version, "options": dict(info.options),
            "inputs": [vars(i) for i in info.inputs], "tables": tables, "notes": list(info.notes)}
    return json.dumps(meta, indent=2) + "\n"


# ---------------------------------------------------------------------- catalog
class Catalog:
    """The datasets under one data directory.

    Parameters
    ----------
    data_dir
        Data directory; ``None`` uses :func:`default_data_dir`. Created on first write.
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
        self.datasets_dir = self.root / "datasets"
        self.tmp_dir = self.root / "tmp"
        self.database = self.root / "catalog.duckdb"

    def __repr__(self) -> str:
        return f"<Catalog {self.root}: {len(self.datasets())} datasets>"

    # ------------------------------------------------------------------ reading
    def datasets(self) -> list[DatasetInfo]:
        """Every dataset's live version, sorted by name."""
        if not self.datasets_dir.is_dir():
            return []
        out = []
        with self.reading():
            for folder in sorted(self.datasets_dir.iterdir()):
                info = self._live(folder)
                if info is not None:
                    out.append(info)
        return out

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the readers' shared lock: no version resolved meanwhile is deleted before it ends.

        :meth:`read`, :meth:`query` and :func:`~tariffsim.data.baseline.world_from_catalog`
        hold it; hold it around your own use of a :meth:`connect` connection if
        imports may replace the datasets it reads. Nothing happens for a data
        directory that does not exist yet or cannot be written.
        """
        handle = _shared_lock(self.root / READERS_LOCK) if self.root.is_dir() else None
        try:
            yield
        finally:
            if handle is not None:
                handle.close()

    def _live(self, folder: Path) -> DatasetInfo | None:
        try:
            version = (folder / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        target = folder / version
        if not version or not (target / "dataset.json").is_file():
            return None
        try:
            return DatasetInfo.load(target)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"unreadable dataset metadata ({exc}); remove the dataset and import it again",
                            file=str(target / "dataset.json")) from None

    def get(self, name: str) -> DatasetInfo:
        """A dataset by name.

        Raises
        ------
        DataError
            If there is none, listing the names there are.
        """
        info = self._live(self.datasets_dir / name) if _NAME.fullmatch(name) else None
        if info is None:
            names = [d.name for d in self.datasets()]
            known = f"datasets: {', '.join(names)}" if names else "the catalog is empty"
            raise DataError(f"no dataset '{name}' in {self.root} ({known})")
        return info

    def find(self, source: str, year: int | None = None) -> list[DatasetInfo]:
        """Datasets of a source, optionally only those holding ``year``."""
        return [d for d in self.datasets() if d.source == source and (year is None or year in d.years)]

    def summary(self) -> pd.DataFrame:
        """One row per dataset: name, source, years, main table and its rows, value total, imported.

        ``rows`` counts the main table's rows (trade flows, tariff lines); ``tables``
        lists every table with its rows; ``value_usd_m`` sums the value columns (USD
        millions; missing for tariff datasets).
        """
        rows = []
        for d in self.datasets():
            years = d.years
            span = "" if not years else (str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}")
            rows.append({"name": d.name, "source": d.source, "years": span, "table": d.main_table,
                         "rows": d.tables[d.main_table].rows,
                         "value_usd_m": d.value_total if d.value_total is not None else float("nan"),
                         "tables": ", ".join(f"{n} ({t.rows:,})" for n, t in d.tables.items() if t.rows),
                         "imported": d.imported_at[:16].replace("T", " ")})
        return pd.DataFrame(rows, columns=["name", "source", "years", "table", "rows", "value_usd_m", "tables",
                                           "imported"])

    # ------------------------------------------------------------------ SQL
    def connect(self, *, memory_limit: str = DUCKDB_MEMORY) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the catalog's views (see the module docstring)."""
        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        if self.tmp_dir.is_dir():  # spill space for big queries; reading never creates the catalog
            con.execute(f"SET temp_directory = '{_sql_str(str(self.tmp_dir / 'duckdb'))}'")
        for statement in self._view_sql():
            con.execute(statement)
        return con

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL against the catalog's views and return a DataFrame."""
        with self.reading():
            return run_query(self.connect, sql)

    def read(self, name: str, table: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """A dataset's table (its main table by default) as a DataFrame."""
        with self.reading():
            info = self.get(name)
            table = table or info.main_table
            if table not in info.tables:
                raise DataError(f"dataset '{name}' has no table '{table}' (tables: {', '.join(info.tables)})")
            files = info.tables[table].files
            if not files:
                return pd.DataFrame(columns=list(info.tables[table].columns))
            sql = f"SELECT * FROM {_parquet(files)}" + (f" LIMIT {int(limit)}" if limit is not None else "")
            with contextlib.closing(duckdb.connect(":memory:")) as con:
                return con.execute(sql).df()

    def _view_sql(self) -> list[str]:
        statements: list[str] = []
        by_source: dict[str, dict[str, list[tuple[str, TableInfo]]]] = {}
        datasets = self.datasets()
        for d in datasets:
            for table_name, table in d.tables.items():
                if not table.files:
                    continue
                statements.append(f'CREATE OR REPLACE VIEW "{d.name}/{table_name}" AS SELECT * FROM '
                                  f"{_parquet(table.files)}")
            main = d.tables.get(d.main_table)
            if main is not None and main.files:
                statements.append(f'CREATE OR REPLACE VIEW "{d.name}" AS SELECT * FROM {_parquet(main.files)}')
        for d in sorted(datasets, key=lambda d: (d.imported_at, d.name), reverse=True):  # latest import first
            for table_name, table in d.tables.items():
                if table.files:
                    by_source.setdefault(d.source, {}).setdefault(table_name, []).append((d.name, table))
        for source, tables in by_source.items():
            statements.append(f'CREATE SCHEMA IF NOT EXISTS "{source}"')
            for table_name, parts in tables.items():
                statements.append(f'CREATE OR REPLACE VIEW "{source}"."{table_name}" AS {_source_union_sql(parts)}')
        return statements

    def refresh_database(self) -> Path:
        """Rewrite ``catalog.duckdb`` with views over the current datasets (atomically)."""
        rows = [(d.name, d.source, ",".join(map(str, d.years)), d.rows, d.value_total, d.imported_at)
                for d in self.datasets()]

        def datasets_table(con: duckdb.DuckDBPyConnection) -> None:
            con.execute("CREATE TABLE datasets (name VARCHAR, source VARCHAR, years VARCHAR, rows BIGINT, "
                        "value_usd_m DOUBLE, imported_at VARCHAR)")
            if rows:
                con.executemany("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?)", rows)

        return write_view_database(self.database, self._view_sql(), datasets_table)

    # ------------------------------------------------------------------ writing
    def import_files(self, source: str, paths: Sequence[str | Path], *, year: int | None = None,
                     name: str | None = None, encoding: str = "utf-8", force: bool = False,
                     progress: bool = False) -> DatasetInfo:
        """Import files of a source as one dataset (atomically; see the module docstring).

        Parameters
        ----------
        source
            One of :data:`tariffsim.data.importers.SOURCES`.
        paths
            Input files (CSV/TXT, ``.gz``, Parquet, or zip archives of them).
        year
            Year to keep (sources with many years per file), or the year the data
            are for (tariff schedules whose files do not say).
        name
            Dataset name; default ``SOURCE-YEAR`` (one year) or ``SOURCE``.
        encoding
            Text encoding of the inputs.
        force
            Re-import even when the same files were imported with the same options.
        progress
            Show progress bars on stderr.

        Returns
        -------
        DatasetInfo
            The dataset; ``unchanged`` is true when nothing had to be done.

        Raises
        ------
        DataError
            On any problem with the inputs (naming file, line and column); the
            catalog is then left as it was.
        """
        importer = get_importer(source)
        if name is not None and not _NAME.fullmatch(name):
            raise DataError(f"dataset name '{name}' must be lower-case letters, digits, '.', '_' or '-'")
        if year is not None and importer.year_option == "none":
            raise DataError(f"--year does not apply to {source}: its files carry their own dates")
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise DataError(f"--year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
        if not paths:
            raise DataError(f"give the {source} files to import")
        inputs = importer.select_members(expand_inputs(paths, importer.member_pattern), year)
        options = {"year": year, "encoding": encoding}
        with progress_reporter(progress) as reporter:
            scans, infos = self._scan(inputs, encoding, reporter)
            if not force:
                same = self._same_import(source, infos, options, name)
                if same is not None:
                    return DatasetInfo(**{**vars(same), "unchanged": True})
            with self._workspace() as work:
                final_name = self._build(importer, inputs, scans, infos, options, name, reporter, work)
        return self.get(final_name)

    def _build(self, importer: Importer, inputs: list[InputFile], scans: dict[InputFile, Scan],
               infos: list[InputInfo], options: Mapping[str, Any], name: str | None, reporter: Reporter,
               work: Path) -> str:
        """Run the importer into ``work``, check keys, write ``dataset.json`` and commit. Returns the name."""
        year = options["year"]
        version = f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        folder = work / version
        folder.mkdir()
        specs = {t.name: t for t in importer.tables}
        ctx = ImportContext(inputs=inputs, scans=scans, year=year, encoding=options["encoding"], folder=folder,
                            progress=reporter, specs=specs)
        try:
            importer.run(ctx)
            written = {n: w.close() for n, w in ctx.writers.items()}
        except BaseException:
            for w in ctx.writers.values():
                w.abort()
            raise
        if not any(files for table, files in written.items() if not specs[table].lookup):
            # code tables alone (BACI's country names with a data file of no rows) are not a dataset
            raise DataError("no data rows" + (f" for {year}" if year is not None else ""),
                            file=", ".join(i.display for i in inputs))
        task = reporter.task("checking keys", None, "steps")
        for table_name, files in written.items():
            if files:
                _check_unique(specs[table_name].key, files, inputs, work)
        reporter.done(task)
        years = sorted({y for w in ctx.writers.values() for y in w.years})
        final_name = name or importer.default_name(years, year)
        tables = {}
        for spec in importer.tables:
            writer = ctx.writers.get(spec.name)
            if writer is None:
                continue
            tables[spec.name] = TableInfo(
                name=spec.name, rows=writer.rows, value_total=writer.value_total if spec.value is not None else None,
                years=tuple(sorted(writer.years)), key=spec.key, columns={f.name: str(f.type) for f in writer.schema},
                files=tuple(writer.files), description=spec.description)
        with self.reading():
            overlaps = self._overlaps(importer, final_name, tables, work)
        info = DatasetInfo(name=final_name, source=importer.source, title=importer.title, tables=tables,
                           inputs=tuple(infos), options=dict(options),
                           imported_at=datetime.now(UTC).isoformat(timespec="microseconds"), version=__version__,
                           notes=(*ctx.notes, *overlaps), folder=folder)
        (folder / "dataset.json").write_text(_dump(info), encoding="utf-8")
        self._commit(final_name, folder)
        return final_name

    def _overlaps(self, importer: Importer, name: str, tables: Mapping[str, TableInfo], work: Path) -> list[str]:
        """Notes on rows whose key another dataset of the same source holds too (see :func:`_source_union_sql`)."""
        notes = []
        specs = {t.name: t for t in importer.tables}
        with contextlib.closing(duckdb.connect(":memory:")) as con:
            con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            con.execute(f"SET temp_directory = '{_sql_str(str(work / 'duckdb'))}'")
            for other in self.find(importer.source):
                for table_name, table in tables.items():
                    theirs = other.tables.get(table_name)
                    if (other.name == name or theirs is None or not table.files or not theirs.files
                            or not _may_overlap([table, theirs])):
                        continue
                    same_key = " AND ".join(f'a."{k}" IS NOT DISTINCT FROM b."{k}"' for k in table.key)
                    value = specs[table_name].value
                    differ = f'count(*) FILTER (WHERE a."{value}" IS DISTINCT FROM b."{value}")' if value else "0"
                    row = con.execute(f"SELECT count(*), {differ} FROM {_parquet(table.files)} a "
                                      f"JOIN {_parquet(theirs.files)} b ON {same_key}").fetchone()
                    shared, different = (int(row[0]), int(row[1])) if row else (0, 0)
                    if shared:
                        notes.append(
                            f"{shared:,} rows of table {table_name} have a key ({', '.join(table.key)}) that "
                            f"dataset {other.name} holds too"
                            + (f", {different:,} of them with another {value}" if value else "")
                            + f"; {importer.source}.{table_name}, the view over every {importer.source} dataset, "
                            "keeps each key once, from the dataset imported last (now this one): overlapping "
                            "rows are never summed")
        return notes

    def remove(self, name: str) -> DatasetInfo:
        """Remove a dataset (atomically: it is gone or still whole). Returns what was removed.

        The ``CURRENT`` pointer goes first (readers no longer see the dataset); its
        files go when no reader holds the readers' lock, else at a later clean-up.
        """
        self.get(name)  # the error for an unknown name, before taking the lock
        with self._lock():
            info = self.get(name)
            (self.datasets_dir / name / "CURRENT").unlink()
            self.refresh_database()
            with self._unread() as free:
                if free:
                    shutil.rmtree(self.datasets_dir / name, ignore_errors=True)
        return info

    # ------------------------------------------------------------------ internals
    def _scan(self, inputs: list[InputFile], encoding: str, reporter: Reporter
              ) -> tuple[dict[InputFile, Scan], list[InputInfo]]:
        scans: dict[InputFile, Scan] = {}
        infos: list[InputInfo] = []
        for inp in inputs:
            if inp.name.lower().endswith(".parquet"):
                size, digest = _hash_file(inp)
            else:
                scan = scan_text(inp, encoding=encoding, progress=reporter)
                scans[inp] = scan
                size, digest = scan.size, scan.sha256
            infos.append(InputInfo(path=str(inp.path.resolve()), member=inp.member, size=size, sha256=digest))
        return scans, infos

    def _same_import(self, source: str, infos: list[InputInfo], options: Mapping[str, Any],
                     name: str | None) -> DatasetInfo | None:
        probe = (source, tuple((i.member, i.size, i.sha256) for i in infos), tuple(sorted(options.items())),
                 FORMAT_VERSION)
        for d in self.datasets():
            if (name is None or d.name == name) and d.fingerprint() == probe:
                return d
        return None

    @contextlib.contextmanager
    def _workspace(self) -> Iterator[Path]:
        """A private folder under tmp/, locked while in use and removed afterwards.

        What killed imports left is cleaned up first. The folder is created and its
        lock taken while the catalog lock is held, as every clean-up runs under that
        lock: none can find the folder before its lock exists (it would delete it).
        """
        with self._lock():
            self._collect_garbage()
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            work = self.tmp_dir / f"import-{uuid.uuid4().hex}"
            work.mkdir()
            handle = _try_lock(work / ".lock", blocking=True)
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if handle is not None:
                handle.close()

    def _commit(self, name: str, version_folder: Path) -> None:
        with self._lock():
            target = self.datasets_dir / name
            target.mkdir(parents=True, exist_ok=True)
            os.replace(version_folder, target / version_folder.name)
            _write_pointer(target / "CURRENT", version_folder.name)
            self.refresh_database()
            with self._unread() as free:  # a reader may still read the replaced version: then a later clean-up
                if free:
                    for child in target.iterdir():
                        if child.is_dir() and child.name != version_folder.name:
                            shutil.rmtree(child, ignore_errors=True)

    def _collect_garbage(self) -> None:
        """Remove what killed imports left (stale tmp folders) and, when no reader holds the readers'
        lock, versions no pointer refers to and removed datasets. Call it with the catalog lock held."""
        readable: list[Path] = []  # what a reader may be reading: deleted only when none is
        if self.tmp_dir.is_dir():
            for child in self.tmp_dir.iterdir():
                if child.name == "duckdb":
                    continue
                lock = child / ".lock"
                if child.is_dir() and lock.exists():
                    handle = _try_lock(lock, blocking=False)
                    if handle is None:
                        continue  # a live import
                    handle.close()
                if child.name.startswith("removed-"):
                    readable.append(child)
                elif child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        if self.datasets_dir.is_dir():
            for folder in self.datasets_dir.iterdir():
                if not folder.is_dir():
                    continue
                try:
                    live = (folder / "CURRENT").read_text(encoding="utf-8").strip()
                except OSError:
                    live = ""
                if not live or not (folder / live / "dataset.json").is_file():
                    readable.append(folder)
                    continue
                for child in folder.iterdir():
                    if child.is_dir() and child.name != live:
                        readable.append(child)
                    elif child.is_file() and child.name.startswith("CURRENT."):
                        child.unlink(missing_ok=True)
        for leftover in self.root.glob(".catalog-*.duckdb*"):
            leftover.unlink(missing_ok=True)
        if readable:
            with self._unread() as free:
                for path in readable if free else []:
                    shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _unread(self) -> Iterator[bool]:
        """The readers' lock taken exclusively if no reader holds it; yields whether it was (never waits).

        Never enter :meth:`reading` (nor :meth:`datasets`) inside: the process would wait for itself.
        """
        handle = _try_lock(self.root / READERS_LOCK, blocking=False)
        try:
            yield handle is not None
        finally:
            if handle is not None:
                handle.close()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = _try_lock(self.root / ".lock", blocking=True)
        try:
            yield
        finally:
            if handle is not None:
                handle.close()


# ---------------------------------------------------------------------- helpers
def run_query(connect: Callable[[], duckdb.DuckDBPyConnection], sql: str) -> pd.DataFrame:
    """Run ``sql`` on a fresh connection from ``connect``; DuckDB errors become :class:`DataError`."""
    with contextlib.closing(connect()) as con:
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise DataError(f"query failed: {exc}") from None


def write_view_database(path: Path, statements: Sequence[str],
                        extra: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> Path:
    """Write a DuckDB file holding ``statements`` (views) atomically: build aside, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}-{uuid.uuid4().hex}.duckdb"
    try:
        with contextlib.closing(duckdb.connect(str(tmp))) as con:
            for statement in statements:
                con.execute(statement)
            if extra is not None:
                extra(con)
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
    return path


def _try_lock(path: Path, *, blocking: bool) -> IO[str] | None:
    """An exclusive advisory lock on ``path`` (held while the returned handle is open).

    Returns ``None`` when ``blocking`` is false and another process holds it. On
    systems without ``fcntl`` locking is skipped (single-user use).
    """
    handle = open(path, "a+", encoding="utf-8")  # the open handle is the lock; the caller closes it
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _shared_lock(path: Path) -> IO[str] | None:
    """A shared advisory lock on ``path`` (waits for an exclusive holder); ``None`` when the file cannot
    be opened (a read-only data directory: nobody can delete anything there) or without ``fcntl``."""
    try:
        handle = open(path, "a+", encoding="utf-8")  # the open handle is the lock; the caller closes it
    except OSError:
        return None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return handle
    fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    return handle


def _write_pointer(path: Path, value: str) -> None:
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _hash_file(inp: InputFile) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with inp.open() as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _parquet(files: Sequence[Path], *, union: bool = False) -> str:
    listed = ", ".join(f"'{_sql_str(str(p))}'" for p in files)
    return f"read_parquet([{listed}]{', union_by_name = true' if union else ''})"


def _source_union_sql(parts: Sequence[tuple[str, TableInfo]]) -> str:
    """SQL of a source-wide view: one table of every dataset of a source, each key once.

    ``parts`` are ``(dataset name, table)``, the most recently imported dataset first.
    A ``dataset`` column says where each row comes from. Where datasets hold rows with
    the same key (two Census files that both have US imports from China), the row of
    the dataset imported last is kept and the others are left out: overlapping data
    are never summed. Datasets whose years do not meet cannot share a key; their rows
    are simply stacked.
    """
    selects = [f"SELECT *, '{_sql_str(name)}' AS dataset, {rank} AS dataset_rank FROM {_parquet(table.files)}"
               for rank, (name, table) in enumerate(parts)]
    stacked = " UNION ALL BY NAME ".join(selects)
    if not _may_overlap([table for _, table in parts]):
        return f"SELECT * EXCLUDE (dataset_rank) FROM ({stacked})"
    key = ", ".join(f'"{k}"' for k in parts[0][1].key)
    return (f"SELECT * EXCLUDE (dataset_rank, key_rank) FROM (SELECT *, row_number() OVER "
            f"(PARTITION BY {key} ORDER BY dataset_rank) AS key_rank FROM ({stacked})) WHERE key_rank = 1")


def _may_overlap(tables: Sequence[TableInfo]) -> bool:
    """Whether two of ``tables`` could share a key: both without years, or with a year in common."""
    for k, a in enumerate(tables):
        for b in tables[k + 1:]:
            if not a.years or not b.years or set(a.years) & set(b.years):
                return True
    return False


def _check_unique(key: Sequence[str], files: Sequence[Path], inputs: Sequence[InputFile], work: Path) -> None:
    """Raise :class:`DataError` naming two lines that share a key (exact, via DuckDB)."""
    cols = ", ".join(f'"{k}"' for k in key)
    source = _parquet(files)
    with contextlib.closing(duckdb.connect(":memory:")) as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{_sql_str(str(work / 'duckdb'))}'")
        candidates = con.execute(
            f"SELECT h FROM (SELECT hash({cols}) AS h FROM {source}) GROUP BY h HAVING count(*) > 1 LIMIT 50"
        ).fetchall()
        for (h,) in candidates:
            rows = con.execute(f"SELECT {cols}, source_file, source_line FROM {source} WHERE hash({cols}) = ? "
                               "ORDER BY source_file, source_line", [h]).fetchall()
            seen: dict[tuple[Any, ...], tuple[int, int]] = {}
            for row in rows:
                values, where = tuple(row[: len(key)]), (int(row[-2]), int(row[-1]))
                if values in seen:
                    first = seen[values]
                    shown = ", ".join(f"{k}={v}" for k, v in zip(key, values, strict=True))
                    also = f" (and line {first[1]} of {inputs[first[0]].display})" if first[0] != where[0] else \
                        f" (first at line {first[1]})"
                    raise DataError(f"duplicated key {shown}{also}; each ({', '.join(key)}) may appear once",
                                    file=inputs[where[0]].display, line=where[1], column=key[-1])
                seen[values] = where


# ---------------------------------------------------------------------- module functions
def import_dataset(source: str, paths: Sequence[str | Path], *, year: int | None = None, name: str | None = None,
                   data_dir: str | Path | None = None, encoding: str = "utf-8", force: bool = False,
                   progress: bool = False) -> DatasetInfo:
    """Import files into the catalog under ``data_dir`` (see :meth:`Catalog.import_files`)."""
    return Catalog(data_dir).import_files(source, paths, year=year, name=name, encoding=encoding, force=force,
                                          progress=progress)


def list_datasets(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The catalog's datasets (see :meth:`Catalog.summary`)."""
    return Catalog(data_dir).summary()


def remove_dataset(name: str, data_dir: str | Path | None = None) -> DatasetInfo:
    """Remove a dataset from the catalog under ``data_dir``."""
    return Catalog(data_dir).remove(name)
