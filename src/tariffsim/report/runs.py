"""The runs store: every ``tariffsim run``, recorded under the data directory for listing and comparing.

Layout, next to the catalog's ``datasets/`` (see :mod:`tariffsim.data.catalog`)::

    DATA_DIR/
      runs/RUN_ID/run.json           scenario (name, file, full text), model settings, and per
                                     evaluation date the run record: diagnostics, fingerprints, baseline
      runs/RUN_ID/meta.parquet       one row of the run's facts, for SQL
      runs/RUN_ID/TABLE.parquet      countries, bilateral, sectors, bilateral_sectors, coverage, tariffs:
                                     the result tables over every date (columns run_id, date, then the
                                     table's own, defined in tariffsim.results.COLUMNS)
      run_store.duckdb               DuckDB views over every run: runs.meta, runs.countries, ... (not named
                                     runs.duckdb: DuckDB would name the file's catalog like the schema)

Recording is atomic in the catalog's way: the run is written into a private, locked
folder under ``tmp/`` and moved into ``runs/`` with one ``os.replace``; a killed
recording leaves no run (and its leftovers are removed by the catalog's next
clean-up), never half of one. A run is live while its folder holds ``run.json``:
removing a run deletes that file first (atomically), and the folder once no reader
holds the catalog's readers' lock (:meth:`tariffsim.data.catalog.Catalog.reading`, which
listing, loading and queries hold). A run whose ``run.json`` cannot be read is left out
of listings with a warning, and ``tariffsim runs remove FOLDER`` removes it without
reading it. ``run_store.duckdb`` is rebuilt and swapped in atomically after each
change. The data directory is ``data_dir``, else ``$TARIFFSIM_DATA_DIR``, else the
user's data directory.

Query every run with SQL (the views also see the catalog's datasets)::

    RunStore().query("SELECT run_id, country, welfare_pct FROM runs.countries WHERE date = '2019-06-01'")
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tariffsim._json import to_jsonable
from tariffsim._version import __version__
from tariffsim.errors import DataError
from tariffsim.report.run import TABLES, RunData, date_label

if TYPE_CHECKING:
    import duckdb

    from tariffsim.data.catalog import Catalog

__all__ = ["RunInfo", "RunStore", "FORMAT_VERSION", "DamagedRunWarning"]

FORMAT_VERSION = 1
"""Version of a stored run's layout."""

_LATEST = re.compile(r"latest(?:~(\d+))?")
RECORD = "run.json"
"""The file that makes a folder under ``runs/`` a live run."""


class DamagedRunWarning(UserWarning):
    """A stored run whose ``run.json`` cannot be read: left out of listings (remove it by its folder name)."""


@dataclass(frozen=True)
class RunInfo:
    """A recorded run, as listed.

    Attributes
    ----------
    run_id
        ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC time of recording and a random suffix).
    created_at
        UTC time of recording (ISO 8601).
    name
        Scenario name.
    dates
        Evaluation dates (``""``: undated).
    source
        The output folder the run also wrote (as given to ``--out``).
    baseline
        Name of the baseline World.
    model
        Model settings (name, closure, numeraire, procedure).
    world_fingerprint
        SHA-256 of the baseline World.
    folder
        The run's folder in the store.
    """

    run_id: str
    created_at: str
    name: str
    dates: tuple[str, ...]
    source: str
    baseline: str
    model: dict[str, Any]
    world_fingerprint: str
    folder: Path

    @classmethod
    def load(cls, folder: Path) -> RunInfo:
        meta = _read_meta(folder)
        try:
            last = meta["records"][meta["dates"][-1]]
            return cls(run_id=str(meta["id"]), created_at=str(meta["created_at"]), name=str(meta["name"]),
                       dates=tuple(meta["dates"]), source=str(meta.get("source", "")),
                       baseline=str((last.get("baseline") or {}).get("name", "")),
                       model=dict(last.get("model") or {}),
                       world_fingerprint=str((last.get("fingerprints") or {}).get("world", "")), folder=folder)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise _damaged(folder, f"incomplete run record ({type(exc).__name__}: {exc})") from None

    @classmethod
    def unreadable(cls, folder: Path) -> RunInfo:
        """What is known of a run whose record cannot be read: its folder."""
        return cls(run_id=folder.name, created_at="", name="(unreadable run record)", dates=(), source="",
                   baseline="", model={}, world_fingerprint="", folder=folder)


def _damaged(folder: Path, problem: str) -> DataError:
    return DataError(f"{problem}; remove it with `tariffsim runs remove {folder.name}`", file=str(folder / RECORD))


def _read_meta(folder: Path) -> dict[str, Any]:
    path = folder / RECORD
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _damaged(folder, f"unreadable stored run ({exc})") from None
    if not isinstance(meta, dict):
        raise _damaged(folder, "unreadable stored run (not a JSON object)")
    if meta.get("format") != FORMAT_VERSION:
        raise _damaged(folder, f"stored run in layout {meta.get('format')}, this tariffsim reads layout "
                               f"{FORMAT_VERSION}")
    return meta


class RunStore:
    """The runs recorded under one data directory.

    Parameters
    ----------
    data_dir
        Data directory; ``None`` uses ``$TARIFFSIM_DATA_DIR``, else the user's data
        directory (the catalog's). Created on the first recording.
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        from tariffsim.data.catalog import Catalog

        self.catalog: Catalog = Catalog(data_dir)
        self.root = self.catalog.root
        self.runs_dir = self.root / "runs"
        self.database = self.root / "run_store.duckdb"

    def __repr__(self) -> str:
        return f"<RunStore {self.root}: {len(self.runs())} runs>"

    # ------------------------------------------------------------------ reading
    def runs(self) -> list[RunInfo]:
        """Every recorded run, oldest first.

        A run whose ``run.json`` cannot be read is left out with a :class:`DamagedRunWarning`
        saying how to remove it; the other runs stay usable.
        """
        found = []
        with self.catalog.reading():
            for folder in self._live_folders():
                try:
                    found.append(RunInfo.load(folder))
                except DataError as exc:
                    if (folder / RECORD).exists():  # not removed meanwhile
                        warnings.warn(f"skipped a damaged run: {exc}", DamagedRunWarning, stacklevel=2)
        return sorted(found, key=lambda r: (r.created_at, r.run_id))

    def _live_folders(self) -> list[Path]:
        if not self.runs_dir.is_dir():
            return []
        return sorted(folder for folder in self.runs_dir.iterdir() if (folder / RECORD).is_file())

    def summary(self) -> pd.DataFrame:
        """One row per run, newest first: id, created (UTC), scenario, baseline, closure, dates, output folder."""
        rows = []
        for info in reversed(self.runs()):
            dates = info.dates
            span = date_label(dates[0]) if len(dates) == 1 else f"{len(dates)}: {dates[0]} to {dates[-1]}"
            rows.append({"id": info.run_id, "created (UTC)": info.created_at[:16].replace("T", " "),
                         "scenario": info.name, "baseline": info.baseline,
                         "closure": str(info.model.get("closure", "")), "dates": span, "output": info.source})
        return pd.DataFrame(rows, columns=["id", "created (UTC)", "scenario", "baseline", "closure", "dates",
                                           "output"])

    def get(self, ref: str) -> RunInfo:
        """A run by reference: its id, ``latest`` or ``latest~N`` (N runs before the latest), a scenario
        name (its latest run), or a unique prefix or suffix of an id.

        Raises
        ------
        DataError
            If nothing or more than one run matches, listing what there is.
        """
        runs = self.runs()
        by_id = {r.run_id: r for r in runs}
        ref = ref.strip()
        if ref in by_id:
            return by_id[ref]
        folder = self._folder_named(ref)
        if folder is not None and folder.name not in {r.folder.name for r in runs}:
            return RunInfo.load(folder)  # a damaged run: the error says what is wrong and how to remove it
        latest = _LATEST.fullmatch(ref)
        if latest and runs:
            back = int(latest.group(1) or 0)
            if back >= len(runs):
                raise DataError(f"'{ref}': there are only {len(runs)} runs in {self.runs_dir}")
            return runs[-1 - back]
        named = [r for r in runs if r.name == ref]
        if named:
            return named[-1]
        matches = [r for r in runs if ref and (r.run_id.startswith(ref) or r.run_id.endswith(ref))]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise DataError(f"'{ref}' matches {len(matches)} runs ({', '.join(r.run_id for r in matches[:8])}"
                            f"{' ...' if len(matches) > 8 else ''}): give more of the id")
        known = (f"latest runs: {', '.join(f'{r.run_id} ({r.name})' for r in runs[-5:])}" if runs
                 else "no run is recorded yet: `tariffsim run` records each run")
        raise DataError(f"no run '{ref}' in {self.runs_dir} ({known}; `tariffsim runs list` shows them all)")

    def load(self, ref: str) -> RunData:
        """A recorded run's tables and records, as the report reads them."""
        with self.catalog.reading():
            info = self.get(ref)
            meta = _read_meta(info.folder)
            tables: dict[str, pd.DataFrame] = {}
            for name in meta.get("tables") or []:
                path = info.folder / f"{name}.parquet"
                try:
                    tables[name] = pd.read_parquet(path).drop(columns="run_id")
                except (OSError, ValueError, KeyError) as exc:
                    raise DataError(f"unreadable stored table ({exc})", file=str(path)) from None
        records = {}
        scenario = meta.get("scenario") or {}
        for date, record in meta["records"].items():
            record = dict(record)
            if scenario and "scenario" in record:
                record["scenario"] = {**record["scenario"], "text": scenario.get("text", "")}
            records[date] = record
        return RunData(name=meta["name"], dates=tuple(meta["dates"]), tables=tables, records=records,
                       source=meta.get("source", ""), run_id=info.run_id)

    # ------------------------------------------------------------------ writing
    def record(self, run: RunData, *, source: str | None = None) -> RunInfo:
        """Record a run (atomically; see the module docstring) and return its entry.

        Parameters
        ----------
        run
            The run's tables and records.
        source
            Output folder to note with it (default ``run.source``).
        """
        now = datetime.now(UTC)
        run_id = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        scenario = dict(run.scenario)
        records = {}
        for date in run.dates:
            record = dict(run.records[date])
            if isinstance(record.get("scenario"), dict):
                record["scenario"] = {k: v for k, v in record["scenario"].items() if k != "text"}
            records[date] = record
        meta: dict[str, Any] = {"format": FORMAT_VERSION, "id": run_id,
                                "created_at": now.isoformat(timespec="microseconds"),
                "tariffsim": __version__, "name": run.name, "source": source if source is not None else run.source,
                "dates": list(run.dates), "tables": [t for t in TABLES if t in run.tables],
                "scenario": scenario, "records": records}
        last = records[run.last_date]
        model = last.get("model") or {}
        facts = pd.DataFrame([{
            "run_id": run_id, "created_at": meta["created_at"], "scenario": run.name,
            "scenario_file": str(scenario.get("file", "")), "source": meta["source"],
            "dates": ",".join(run.dates), "n_dates": len(run.dates), "last_date": run.last_date,
            "baseline": str((last.get("baseline") or {}).get("name", "")), "model": str(model.get("name", "")),
            "closure": str(model.get("closure", "")), "numeraire": str(model.get("numeraire", "")),
            "world_fingerprint": str((last.get("fingerprints") or {}).get("world", "")),
            "tariffsim": __version__, **_uncertainty_facts(last.get("uncertainty"))}])
        with self.catalog._workspace() as work:  # cleans up what killed imports or recordings left in tmp/
            folder = work / run_id
            folder.mkdir()
            try:
                for name in meta["tables"]:
                    table = run.tables[name].copy()
                    table.insert(0, "run_id", run_id)
                    table.to_parquet(folder / f"{name}.parquet", index=False)
                facts.to_parquet(folder / "meta.parquet", index=False)
                (folder / "run.json").write_text(json.dumps(meta, indent=1, default=to_jsonable) + "\n",
                                                 encoding="utf-8")
            except (OSError, ValueError, TypeError) as exc:
                raise DataError(f"could not record the run ({type(exc).__name__}: {exc})",
                                file=str(self.runs_dir)) from None
            with self.catalog._lock():
                self._collect_garbage()
                self.runs_dir.mkdir(parents=True, exist_ok=True)
                target = self.runs_dir / run_id
                if target.exists():  # pragma: no cover - same second and same random suffix
                    raise DataError(f"run id {run_id} already exists; record again")
                os.replace(folder, target)
                self.refresh_database()
        return RunInfo.load(self.runs_dir / run_id)

    def remove(self, ref: str) -> RunInfo:
        """Remove a recorded run (atomically: it is listed whole or not at all). Returns what was removed.

        ``ref`` is the name of a folder under ``runs/`` (removed without reading it, so
        that a damaged run can go) or any reference :meth:`get` takes.
        """
        folder = self._folder_named(ref)
        if folder is None:
            info = self.get(ref)
        else:
            try:
                info = RunInfo.load(folder)
            except DataError:
                info = RunInfo.unreadable(folder)
        with self.catalog._lock():
            record = info.folder / RECORD
            if not record.exists():
                raise DataError(f"run {info.run_id} was removed meanwhile", file=str(info.folder))
            record.unlink()  # the commit point: the run is gone from listings and views
            self.refresh_database()
            self._collect_garbage()
        return info

    def _folder_named(self, ref: str) -> Path | None:
        """The run folder called exactly ``ref`` (never a path outside ``runs/``), if there is one."""
        name = ref.strip()
        if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
            return None
        folder = self.runs_dir / name
        return folder if (folder / RECORD).is_file() else None

    def _collect_garbage(self) -> None:
        """Delete removed runs' folders (those without run.json) when no reader holds the readers' lock,
        and leftovers of interrupted database writes. Call it with the catalog lock held."""
        for leftover in self.root.glob(f".{self.database.stem}-*.duckdb*"):
            leftover.unlink(missing_ok=True)
        if not self.runs_dir.is_dir():
            return
        removed = [folder for folder in self.runs_dir.iterdir() if folder.is_dir() and not (folder / RECORD).exists()]
        if removed:
            with self.catalog._unread() as free:
                for folder in removed if free else []:
                    shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------------ SQL
    def _view_sql(self) -> list[str]:
        from tariffsim.data.catalog import _parquet

        live = self._live_folders()  # removed runs' folders may linger until no one reads: not in the views
        files = {name: [f for folder in live if (f := folder / f"{name}.parquet").is_file()]
                 for name in ("meta", *TABLES)}
        present = [name for name, found in files.items() if found]
        if not present:
            return []
        statements = ['CREATE SCHEMA IF NOT EXISTS "runs"']
        for name in present:
            statements.append(f'CREATE OR REPLACE VIEW "runs"."{name}" AS SELECT * FROM '
                              f"{_parquet(files[name], union=True)}")
        return statements

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the catalog's views and the runs' (``runs.meta``,
        ``runs.countries``, ``runs.bilateral``, ``runs.sectors``, ``runs.bilateral_sectors``,
        ``runs.coverage``, ``runs.tariffs``)."""
        con = self.catalog.connect()
        for statement in self._view_sql():
            con.execute(statement)
        return con

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL over the runs (and the catalog's datasets) and return a DataFrame."""
        from tariffsim.data.catalog import run_query

        with self.catalog.reading():
            return run_query(self.connect, sql)

    def refresh_database(self) -> Path:
        """Rewrite ``run_store.duckdb`` with views over the current runs (atomically)."""
        from tariffsim.data.catalog import write_view_database

        return write_view_database(self.database, self._view_sql())


def _uncertainty_facts(record: Any) -> dict[str, Any]:
    """A run over parameter draws (:mod:`tariffsim.uncertainty`) in ``runs.meta``: design, seed, draws and
    failed draws; empty text and zeros for a run without draws."""
    entry = record if isinstance(record, dict) else {}
    seed = entry.get("seed")
    return {"design": str(entry.get("design") or ""), "seed": "" if seed is None else str(seed),
            "draws": int(entry.get("draws") or 0), "draws_failed": int(entry.get("draws_failed") or 0)}
