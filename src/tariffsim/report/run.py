"""A finished run as the report sees it: tables by evaluation date, and their run records.

A run is what ``tariffsim run`` wrote into a folder or recorded in the runs store:
for each evaluation date, the result tables (``countries``, ``bilateral``,
``sectors`` and, with several sectors, ``bilateral_sectors``; columns defined in
:data:`tariffsim.results.COLUMNS`), the scenario's ``coverage`` and ``tariffs``
tables, and the ``run.json`` record (model, solver diagnostics, fingerprints,
scenario). :class:`RunData` holds them stacked over dates with a leading ``date``
column. The report only reads these; it never solves or recomputes an equilibrium.

Folder layouts read by :func:`load_run`:

* one evaluation date: ``run.json`` and the tables' CSV files in the folder itself;
* several dates: ``timeline.csv`` in the folder and one sub-folder per date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from tariffsim.errors import DataError

__all__ = ["TABLES", "QUANTILES", "REQUIRED_TABLES", "DatedTables", "RunData", "load_run", "date_label"]

TABLES = ("countries", "bilateral", "bilateral_sectors", "sectors", "coverage", "tariffs", "quantiles")
"""Tables a run may hold, in the order they are stored. ``quantiles`` (runs with parameter draws,
:mod:`tariffsim.uncertainty`): one row per date, country, sector (empty for country totals) and result column —
``mean, sd, q05, q50, q95, draws_ok, draws_failed``; stored once at the top of the run folder."""

QUANTILES = "quantiles"
"""The table of a run's parameter draws (see :data:`TABLES`)."""

REQUIRED_TABLES = ("countries", "bilateral", "sectors")
"""Tables every run has (the others are absent for one-sector worlds or runs without a scenario)."""

_LABEL_COLUMNS = ("country", "exporter", "importer", "sector", "imposer", "target", "targets", "label", "kind",
                  "mode", "basis", "sectors", "date", "column")


def date_label(date: str) -> str:
    """How an evaluation date is shown: the ISO date, or 'all actions' for an undated run."""
    return date or "all actions"


def _normal_date(value: object) -> str:
    text = "" if value is None else str(value)
    return "" if text in ("None", "nan", "NaT") else text


@dataclass(frozen=True, eq=False)
class DatedTables:
    """The tables and run record of one evaluation date, as a run produced them.

    Attributes
    ----------
    date
        ISO date (``"2019-06-01"``), or ``""`` for a run evaluated without a date.
    tables
        Table name (one of :data:`TABLES`) → DataFrame, without a ``date`` column
        (one there is replaced).
    record
        The run record (what ``run.json`` holds): ``model``, ``diagnostics``,
        ``fingerprints``, ``baseline``, ``scenario``, ``warnings``.
    """

    date: str
    tables: Mapping[str, pd.DataFrame]
    record: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class RunData:
    """A run's tables over its evaluation dates, read-only.

    Attributes
    ----------
    name
        The scenario's name (or the folder's, for runs without a scenario).
    dates
        Evaluation dates in the order they were run; ``""`` is an undated run.
    tables
        Table name → DataFrame stacked over dates, first column ``date``.
    records
        Date → run record (``run.json``).
    source
        Where the run was read from: a folder, or ``runs store`` for a recorded run.
    run_id
        The run's id in the runs store, when it came from there.

    Use :meth:`from_dates` to build one from a run's output and :func:`load_run`
    to read a run folder.
    """

    name: str
    dates: tuple[str, ...]
    tables: Mapping[str, pd.DataFrame]
    records: Mapping[str, Mapping[str, Any]]
    source: str = ""
    run_id: str | None = None

    def __post_init__(self) -> None:
        if not self.dates:
            raise DataError(f"run '{self.name}' has no evaluation date")
        if len(set(self.dates)) != len(self.dates):
            raise DataError(f"run '{self.name}' repeats an evaluation date ({', '.join(self.dates)})")
        missing = [t for t in REQUIRED_TABLES if t not in self.tables]
        if missing:
            raise DataError(f"run '{self.name}' has no {', '.join(missing)} table (every run has "
                            f"{', '.join(REQUIRED_TABLES)})", file=self.source or None)
        unknown = sorted(set(self.tables) - set(TABLES))
        if unknown:
            raise DataError(f"unknown run tables {', '.join(unknown)} (known: {', '.join(TABLES)})")
        absent = [d for d in self.dates if d not in self.records]
        if absent:
            raise DataError(f"run '{self.name}' has no run record for {', '.join(map(date_label, absent))}",
                            file=self.source or None)
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "records", MappingProxyType(dict(self.records)))

    # ------------------------------------------------------------------ building
    @classmethod
    def from_dates(cls, parts: Sequence[DatedTables], *, name: str | None = None, source: str = "",
                   run_id: str | None = None) -> RunData:
        """Stack the tables of each evaluation date into one run.

        Parameters
        ----------
        parts
            One :class:`DatedTables` per evaluation date, in order.
        name
            Run name; default the scenario name in the last record.
        source, run_id
            Where the run comes from (see the class attributes).
        """
        if not parts:
            raise DataError("a run needs at least one evaluation date")
        tables: dict[str, pd.DataFrame] = {}
        for table in TABLES:
            frames = [_with_date(p.tables[table], p.date) for p in parts if p.tables.get(table) is not None]
            if not frames:
                continue
            # empty tables (a date with no action in force) carry no dtypes: leave them out of the stack
            filled = [f for f in frames if len(f)] or frames[:1]
            tables[table] = pd.concat(filled, ignore_index=True) if len(filled) > 1 else filled[0]
        records = {p.date: dict(p.record) for p in parts}
        scenario = parts[-1].record.get("scenario") or {}
        return cls(name=name or str(scenario.get("name") or "run"), dates=tuple(p.date for p in parts),
                   tables=tables, records=records, source=source, run_id=run_id)

    # ------------------------------------------------------------------ reading
    @property
    def last_date(self) -> str:
        """The last evaluation date (what the report shows unless told otherwise)."""
        return self.dates[-1]

    def check_date(self, date: str | None) -> str:
        """``date`` if the run has it, the last date when ``None``; otherwise a :class:`DataError`."""
        if date is None:
            return self.last_date
        if date not in self.dates:
            raise DataError(f"run '{self.name}' has no evaluation date {date} (dates: "
                            f"{', '.join(map(date_label, self.dates))})")
        return date

    def table(self, name: str, date: str | None = None) -> pd.DataFrame:
        """One table on one date (default the last), without the ``date`` column.

        A table the run does not have comes back empty.
        """
        when = self.check_date(date)
        frame = self.tables.get(name)
        if frame is None:
            return pd.DataFrame()
        return frame[frame["date"] == when].drop(columns="date").reset_index(drop=True)

    def record(self, date: str | None = None) -> Mapping[str, Any]:
        """The run record (``run.json``) of one date (default the last)."""
        return self.records[self.check_date(date)]

    @property
    def scenario(self) -> Mapping[str, Any]:
        """The scenario entry of the last record: ``name``, ``file``, ``date``, ``text`` (empty without one)."""
        return self.records[self.last_date].get("scenario") or {}

    @property
    def countries(self) -> list[str]:
        """Country labels in the World's order."""
        frame = self.tables["countries"]
        return list(dict.fromkeys(frame.loc[frame["date"] == self.last_date, "country"]))

    def __repr__(self) -> str:
        where = f" run {self.run_id}" if self.run_id else (f" from {self.source}" if self.source else "")
        return f"<RunData {self.name}{where}: {len(self.dates)} dates, tables {', '.join(self.tables)}>"


def _with_date(frame: pd.DataFrame, date: str) -> pd.DataFrame:
    out = frame.drop(columns="date", errors="ignore").copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            # labels as plain text, as read from a run folder and stored in the runs store
            out[column] = out[column].astype(str)
    out.insert(0, "date", date)
    return out


# ---------------------------------------------------------------------- folders
def load_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``tariffsim run`` (one date, or one sub-folder per date).

    When a folder holds both layouts (a later run wrote into the folder of an earlier
    one), the newer of ``run.json`` and ``timeline.csv`` says which run it is.

    Raises
    ------
    DataError
        If the folder is not a run folder or a table is missing or unreadable.
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError("no such run folder (give the --out folder of `tariffsim run`)", file=str(root))
    single = root / "run.json"
    timeline = root / "timeline.csv"
    several = timeline.is_file() and (not single.is_file()
                                      or timeline.stat().st_mtime_ns >= single.stat().st_mtime_ns)
    if several:
        try:
            dates = list(dict.fromkeys(pd.read_csv(timeline, usecols=["date"], dtype=str)["date"]))
        except (ValueError, OSError) as exc:
            raise DataError(f"unreadable timeline ({exc})", file=str(timeline)) from None
        parts = [_read_part(root / d, d) for d in dates]
    elif single.is_file():
        parts = [_read_part(root, None)]
    else:
        raise DataError("not a tariffsim run folder: no run.json or timeline.csv (write one with "
                        "`tariffsim run SCENARIO --out FOLDER`)", file=str(root))
    run = RunData.from_dates(parts, name=None, source=str(root))
    quantiles = root / f"{QUANTILES}.csv"
    if several and quantiles.is_file():  # one table for every date, at the top of the folder
        table = _read_csv(quantiles)
        table["date"] = table["date"].fillna("").astype(str)
        run = replace(run, tables={**run.tables, QUANTILES: table})
    return run


def _read_part(folder: Path, date: str | None) -> DatedTables:
    path = folder / "run.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("missing run.json (was the run interrupted? run it again)", file=str(path)) from None
    except (OSError, ValueError) as exc:
        raise DataError(f"unreadable run record ({exc})", file=str(path)) from None
    found = _normal_date((record.get("scenario") or {}).get("date"))
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        csv = folder / f"{name}.csv"
        if not csv.is_file():
            if name in REQUIRED_TABLES:
                raise DataError(f"missing {name}.csv (every run folder has "
                                f"{', '.join(t + '.csv' for t in REQUIRED_TABLES)})", file=str(folder))
            continue
        tables[name] = _read_csv(csv)
    return DatedTables(date=found if date is None else date, tables=tables, record=record)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        header = pd.read_csv(path, nrows=0).columns
        # country codes such as NA (Namibia) are labels, not missing values
        dtypes = {c: str for c in header if c in _LABEL_COLUMNS}
        return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (ValueError, OSError) as exc:
        raise DataError(f"unreadable table ({exc})", file=str(path)) from None
