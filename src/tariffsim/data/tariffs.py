"""Tariffs in force on a date, by importer, exporter and HS6, from the catalog's schedules.

Sources and rules (each rule is stated in the World's ``sources`` too):

* **US MFN** (``usitc-tariffs``): per HTS8 line the row in force on the date (else
  the latest earlier one); its ad valorem equivalent ``mfn_ave`` where given, else
  ``mfn_ad_val_rate``. Specific duties without an ad valorem equivalent count as
  zero; lines whose rate is not numeric are left out. HS6 rate = simple average
  of its HTS8 lines (the files have no HTS8 trade weights). Applies to every
  exporter except those in ``mfn_exempt`` (preferential partners: the sources
  here hold no preferential rates).
* **US Section 301** (``ustr-301``): the additional rate of each list on the date
  (``tables/section301_schedule.csv``, from USTR's Federal Register notices);
  an HTS8 line on two lists pays the higher rate; HTS10 entries count for their
  HTS8 line. HS6 rate = (sum of the rates of its listed HTS8 lines) / (number of
  HTS8 lines in the HS6 in the US schedule, when one is imported; else the
  number of listed lines). Exporter CHN only.
* **China** (``piie-tariffs``): level of each HS10 line on the date = first column
  (the MFN level of 1 January 2018, also used for earlier dates) plus every later
  change dated on or before the date. Changes labelled "retaliation" apply to the
  US only; the others (MFN changes) to every exporter. HS6 rate = simple average
  of its HS10 lines with a known rate.

Rates are fractions (0.25 = 25 %).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from tariffsim.errors import DataError

if TYPE_CHECKING:
    from tariffsim.data.catalog import Catalog, DatasetInfo

__all__ = ["Section301Period", "section301_schedule", "section301_rates", "TariffTables", "tariff_tables",
           "piie_levels",
           "china_tariff_levels", "parse_on"]


@dataclass(frozen=True)
class Section301Period:
    """One rate of one Chapter 99 heading over a period (inclusive; ``end`` ``None`` = open)."""

    ch99_heading: str
    list: str
    start: date
    end: date | None
    rate: float
    source: str


@cache
def _periods() -> tuple[Section301Period, ...]:
    with resources.files("tariffsim.data").joinpath("tables", "section301_schedule.csv").open(
            "r", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(Section301Period(ch99_heading=r["ch99_heading"], list=r["list"],
                                  start=date.fromisoformat(r["start_date"]),
                                  end=date.fromisoformat(r["end_date"]) if r["end_date"] else None,
                                  rate=float(r["rate"]), source=r["source"]) for r in rows)


def section301_schedule() -> pd.DataFrame:
    """Section 301 rates over time: ``ch99_heading, list, start_date, end_date, rate, source``.

    ``rate`` is the additional duty as a fraction from ``start_date`` to
    ``end_date`` (inclusive; missing = still in force). Sources: USTR Federal
    Register notices cited on each row of ``tables/section301_schedule.csv``.
    """
    return pd.DataFrame([{"ch99_heading": p.ch99_heading, "list": p.list, "start_date": p.start,
                          "end_date": p.end, "rate": p.rate, "source": p.source} for p in _periods()])


def section301_rates(on: date) -> dict[str, float]:
    """Additional rate of each Chapter 99 heading in force on ``on`` (0 before a list starts)."""
    out: dict[str, float] = {p.ch99_heading: 0.0 for p in _periods()}
    for p in _periods():
        if p.start <= on and (p.end is None or on <= p.end):
            out[p.ch99_heading] = p.rate
    return out


@dataclass
class TariffTables:
    """What :func:`tariff_tables` put in the connection and what it used.

    Attributes
    ----------
    importers
        Importers with a schedule (others get zero tariffs).
    datasets
        Names of the datasets used.
    notes
        Rules applied and what was left out, for the World's ``sources``.
    """

    importers: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _files(info: DatasetInfo, table: str) -> str:
    from tariffsim.data.catalog import _parquet

    return _parquet(info.tables[table].files)


def _pick_schedule(candidates: list[DatasetInfo], on: date, source: str) -> DatasetInfo | None:
    """The schedule for ``on``'s year (else the latest earlier one, else the earliest)."""
    if not candidates:
        return None
    exact = [d for d in candidates if on.year in d.years]
    earlier = [d for d in candidates if d.years and max(d.years) < on.year]
    if exact:
        pool = exact
    elif earlier:
        latest = max(max(d.years) for d in earlier)
        pool = [d for d in earlier if max(d.years) == latest]
    else:
        first = min(min(d.years or (9999,)) for d in candidates)
        pool = [d for d in candidates if min(d.years or (9999,)) == first]
    if len(pool) > 1:
        raise DataError(f"several {source} datasets could apply on {on} ({', '.join(d.name for d in pool)}): "
                        "pass tariff_datasets=[...] to choose")
    return pool[0]


def tariff_tables(catalog: Catalog, con: duckdb.DuckDBPyConnection, on: date,
                  only: Sequence[str] | None = None) -> TariffTables:
    """Create ``mfn(importer, hs6, rate)`` and ``bilateral(importer, exporter, hs6, rate)`` in ``con``.

    Parameters
    ----------
    catalog
        Where the schedules are.
    con
        DuckDB connection the two tables are created in.
    on
        Date the tariffs are in force.
    only
        Names of the tariff datasets to use; ``None`` uses every one in the catalog.
    """
    out = TariffTables()
    con.execute("CREATE OR REPLACE TABLE mfn (importer VARCHAR, hs6 VARCHAR, rate DOUBLE)")
    con.execute("CREATE OR REPLACE TABLE bilateral (importer VARCHAR, exporter VARCHAR, hs6 VARCHAR, rate DOUBLE)")
    if only is not None:
        for name in only:
            info = catalog.get(name)
            if info.source not in ("usitc-tariffs", "ustr-301", "piie-tariffs"):
                raise DataError(f"dataset '{name}' is {info.source} data, not a tariff schedule")

    def usable(source: str, table: str) -> list[DatasetInfo]:
        return [d for d in catalog.find(source) if table in d.tables and d.tables[table].rows
                and (only is None or d.name in only)]

    us = _pick_schedule(usable("usitc-tariffs", "rates"), on, "usitc-tariffs")
    if us is not None:
        _us_mfn(con, us, on, out)
    lists = usable("ustr-301", "lines")
    if lists:
        _section301(con, lists, us, on, out)
    piie = usable("piie-tariffs", "rates")
    if len(piie) > 1:
        raise DataError(f"several piie-tariffs datasets ({', '.join(d.name for d in piie)}): pass "
                        "tariff_datasets=[...] to choose")
    if piie:
        _china(con, piie[0], on, out)
    return out


def _us_mfn(con: duckdb.DuckDBPyConnection, us: DatasetInfo, on: date, out: TariffTables) -> None:
    year = on.year if on.year in us.years else max(us.years)
    con.execute(f"""
        CREATE OR REPLACE TABLE us_lines AS
        SELECT hts8, rate FROM (
            SELECT hts8, coalesce(mfn_ave, mfn_ad_val_rate) AS rate,
                   row_number() OVER (PARTITION BY hts8 ORDER BY
                       ((begin_date IS NULL OR begin_date <= $on) AND (end_date IS NULL OR end_date >= $on)) DESC,
                       (begin_date IS NULL OR begin_date <= $on) DESC, begin_date DESC) AS pick
            FROM {_files(us, "rates")} WHERE year = $year)
        WHERE pick = 1""", {"on": on, "year": year})
    missing = con.execute("SELECT count(*) FROM us_lines WHERE rate IS NULL").fetchone()
    con.execute("INSERT INTO mfn SELECT 'USA', left(hts8, 6), avg(rate) FROM us_lines WHERE rate IS NOT NULL "
                "GROUP BY 2")
    out.importers.append("USA")
    out.datasets.append(us.name)
    note = (f"US MFN rates from {us.name} (schedule {year}, lines in force on {on}): simple average of HTS8 "
            "ad valorem rates (mfn_ave where given) within each HS6")
    if missing and missing[0]:
        note += f"; {missing[0]} HTS8 lines without a numeric rate left out"
    out.notes.append(note)


def _section301(con: duckdb.DuckDBPyConnection, lists: list[DatasetInfo], us: DatasetInfo | None, on: date,
                out: TariffTables) -> None:
    rates = section301_rates(on)
    con.execute("CREATE OR REPLACE TABLE s301_rates (ch99_heading VARCHAR, rate DOUBLE)")
    con.executemany("INSERT INTO s301_rates VALUES (?, ?)", list(rates.items()))
    union = " UNION ALL ".join(f"SELECT hts8, ch99_heading FROM {_files(d, 'lines')}" for d in lists)
    con.execute(f"""
        CREATE OR REPLACE TABLE s301_lines AS
        SELECT hts8, max(r.rate) AS rate FROM (SELECT DISTINCT hts8, ch99_heading FROM ({union})) l
        JOIN s301_rates r USING (ch99_heading) GROUP BY hts8""")
    if us is not None and "us_lines" in {r[0] for r in con.execute("SHOW TABLES").fetchall()}:
        universe = "SELECT hts8 FROM us_lines UNION SELECT hts8 FROM s301_lines"
        base = f"the HTS8 lines of {us.name}"
    else:
        universe = "SELECT hts8 FROM s301_lines"
        base = "the listed lines only (no US schedule imported: covered HS6 count as fully covered)"
    con.execute(f"""
        INSERT INTO bilateral
        SELECT 'USA', 'CHN', hs6, sum(coalesce(s.rate, 0)) / count(*) FROM (
            SELECT DISTINCT hts8, left(hts8, 6) AS hs6 FROM ({universe})) u
        LEFT JOIN s301_lines s USING (hts8)
        GROUP BY hs6 HAVING sum(coalesce(s.rate, 0)) > 0""")
    if "USA" not in out.importers:
        out.importers.append("USA")
    out.datasets.extend(d.name for d in lists)
    active = {h: r for h, r in rates.items() if r > 0}
    shown = ", ".join(f"{h} {100 * r:g}%" for h, r in sorted(active.items())) or "none in force"
    out.notes.append(f"US Section 301 duties on CHN on {on} ({shown}) from {', '.join(d.name for d in lists)}: "
                     f"HS6 rate = sum of listed HTS8 lines' rates / number of HTS8 lines in the HS6 ({base})")


def china_tariff_levels(con: duckdb.DuckDBPyConnection, piie: DatasetInfo, on: date) -> pd.DataFrame:
    """China's tariff by HS10 on a date: ``hs10, mfn, retaliation`` (fractions; ``mfn`` missing if unknown)."""
    return con.execute(f"""
        SELECT hs10,
               CASE WHEN bool_or(is_level AND change IS NULL) THEN NULL
                    ELSE sum(CASE WHEN kind = 'mfn' AND (is_level OR event_date <= $on) THEN change END) END AS mfn,
               coalesce(sum(CASE WHEN kind = 'retaliation' AND event_date <= $on THEN change END), 0) AS retaliation
        FROM {_files(piie, "rates")} GROUP BY hs10 ORDER BY hs10""", {"on": on}).df()


def _china(con: duckdb.DuckDBPyConnection, piie: DatasetInfo, on: date, out: TariffTables) -> None:
    levels = china_tariff_levels(con, piie, on)
    if levels.empty:
        return
    levels["hs6"] = levels["hs10"].str[:6]
    con.register("china_levels", levels)
    con.execute("INSERT INTO mfn SELECT 'CHN', hs6, avg(mfn) FROM china_levels WHERE mfn IS NOT NULL GROUP BY hs6")
    con.execute("INSERT INTO bilateral SELECT 'CHN', 'USA', hs6, avg(retaliation) FROM china_levels "
                "GROUP BY hs6 HAVING avg(retaliation) <> 0")
    con.unregister("china_levels")
    unknown = int(levels["mfn"].isna().sum())
    out.importers.append("CHN")
    out.datasets.append(piie.name)
    out.notes.append(f"China's tariffs on {on} from {piie.name} (PIIE, Bown, Jung and Zhang 2019): HS10 level = "
                     "MFN level of 1 January 2018 + changes dated on or before the date; retaliation changes apply "
                     f"to USA only; HS6 = simple average of HS10 lines" +
                     (f"; {unknown} HS10 lines without an ad valorem MFN rate left out" if unknown else ""))


def parse_on(value: str | date | None, year: int) -> date:
    """The tariff date: a date, an ISO string, or 1 January of ``year`` when ``None``."""
    if value is None:
        return date(year, 1, 1)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DataError(f"tariff date '{value}' is not a date (write YYYY-MM-DD)") from None


def piie_levels(rates: pd.DataFrame, on: date) -> pd.DataFrame:
    """China's tariffs by HS10 line on a date, from the PIIE importer's ``rates`` table.

    The PIIE file's first event column is a level and every later column a change,
    so the level on ``on`` is the sum of the changes dated up to ``on``.

    Parameters
    ----------
    rates
        The ``rates`` table of a ``piie-tariffs`` dataset (``hs10, event_date, kind,
        is_level, change``; fractions).
    on
        The date.

    Returns
    -------
    pandas.DataFrame
        ``hs10, base, mfn, retaliation, total`` (fractions): the level on the first
        event date, the MFN level on ``on`` (what every partner pays), the
        retaliation on US goods on ``on``, and their sum (what US goods pay).
        Lines without an ad valorem rate count as 0.
    """
    frame = rates.assign(event_date=pd.to_datetime(rates["event_date"]).dt.date,
                         change=pd.to_numeric(rates["change"], errors="coerce").fillna(0.0))
    first = frame["event_date"].min()
    if on < first:
        raise DataError(f"date {on} is before the PIIE file's first event ({first})")
    upto = frame[frame["event_date"] <= on]
    mfn = upto[(upto["kind"] == "mfn") | upto["is_level"]].groupby("hs10")["change"].sum()
    retaliation = upto[upto["kind"] == "retaliation"].groupby("hs10")["change"].sum()
    base = frame[frame["is_level"]].groupby("hs10")["change"].sum()
    out = pd.DataFrame({"base": base}).join(mfn.rename("mfn"), how="outer").join(retaliation.rename("retaliation"),
                                                                                  how="outer").fillna(0.0)
    out["total"] = out["mfn"] + out["retaliation"]
    return out.reset_index()
