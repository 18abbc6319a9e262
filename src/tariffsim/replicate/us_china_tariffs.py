"""The 2018–2019 US–China tariff lists and China's average tariff on US goods, from the real files.

Two tables:

* ``lists.csv`` (``list, hts8_lines, covered_value_usd_bn, announced_usd_bn``): HTS8
  lines per Section 301 list (USTR Federal Register annexes) and the value of 2017
  US imports from China each list covers. US imports from China are available in
  the shared data only by HS2 chapter (US Census), so each chapter's 2017 imports
  are spread over the chapter's HTS8 lines in equal parts — the 2017 USITC tariff
  database gives the universe of lines in each chapter — and a list covers the parts
  of its lines. This equal-split rule is an approximation: it ignores that a list's
  lines may be bigger or smaller than the chapter's average line.
* ``china_average_tariff.csv`` (``date, tariff_on_us_pct``): China's trade-weighted
  average tariff on US goods at each event date from 1 January 2018 to 1 June 2019,
  from the Bown–Jung–Zhang (PIIE, 2019) HS10 tariff file (first column a level, later
  columns changes) weighted by China's 2017 imports from the US (PIIE HS8 file).
  HS10 lines within an HS8 are averaged with equal weights (HS6 or HS4 means for the
  11 HS8 codes without an HS10 line); the $5.5 bn recorded under HS 98000000, which is
  no tariff line, is left out of the weights. ``china-retaliation-2018`` uses the same
  rule (:mod:`tariffsim.replicate._piie`), so both give the same average on the same
  date. PIIE's published chart
  (7.99 % on 1 January 2018, 20.72 % on 1 June 2019) weights by *US exports to the
  world*, not in the shared data: weighting by China's imports from the US puts much
  weight on soybeans, aircraft and autos, which China taxed at the highest rates,
  so the two series differ by several points (docs/reproductions.md).

Everything goes through the data layer: the files are imported into a temporary
catalog with tariffsim's importers and read back as tidy tables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from tariffsim.replicate import Replication, choose_mode, data_file
from tariffsim.replicate._inputs import import_tables
from tariffsim.replicate._piie import average_tariffs, line_table

NAME = "us-china-tariffs"
TITLE = "Section 301 list coverage and China's average tariff on US goods, 2018-2019"
CITATION = ("USTR Section 301 annexes (83 FR 28710, 83 FR 40823, 83 FR 47974, 84 FR 43304); US Census Bureau "
            "trade by HS2; USITC tariff database 2017; Bown, C. P., Jung, E. & Zhang, E. (2019), 'Trump Has "
            "Gotten China to Lower Its Tariffs. Just Toward Everyone Else', PIIE Trade and Investment Policy "
            "Watch, 12 June 2019.")
FILES = [
    "us_china_tariffs/section301_lists_hts8_ustr_annexes.csv",
    "us_china_trade/us_imports_from_china_hs2_monthly_2013_2020_census.csv",
    "us_china_tariffs/usitc_tariff_database_2017_mfn_hts8.csv",
    "us_china_tariffs/piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv",
    "us_china_tariffs/piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv",
]

ANNOUNCED_USD_BN = {"list1": 34.0, "list2": 16.0, "list3": 200.0, "list4a": 120.0, "list4b": 160.0}
"""Coverage announced by USTR (Federal Register notices; List 4A and 4B from USTR's 13 December 2019 fact sheet)."""

PUBLISHED = {"2018-01-01": 7.99, "2019-06-01": 20.72}
"""PIIE's published average tariff on US goods, percent (weighted by US exports to the world)."""

LAST_DATE = "2019-06-01"
MODES: tuple[str, ...] = ()
"""No modes: the list coverage and the average tariff are computed one way."""


def _catalog_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    paths = [data_file(data_dir, f) for f in FILES]
    tables = import_tables([("ustr-301", [paths[0]], None), ("census", [paths[1]], None),
                            ("usitc-tariffs", [paths[2]], 2017), ("piie-tariffs", [paths[3], paths[4]], None)])
    return {"lines": tables["ustr-301"]["lines"], "trade": tables["census"]["trade"],
            "universe": tables["usitc-tariffs"]["rates"], "rates": tables["piie-tariffs"]["rates"],
            "imports": tables["piie-tariffs"]["imports"]}


def list_coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Lines per list and 2017 US imports from China covered (equal split of each HS2 chapter over its lines)."""
    lines = tables["lines"]
    lines = lines[lines["layout"] == "ustr-annex"]
    trade = tables["trade"]
    china_2017 = trade[(trade["year"] == 2017) & (trade["flow"] == "imports") & (trade["partner"] == "CHN")
                       & (trade["hs_level"] == 2)]
    chapter_value = china_2017.groupby("hs")["value"].sum()  # USD millions
    universe = tables["universe"]["hts8"].astype(str).drop_duplicates()
    per_line = chapter_value / universe.str.slice(0, 2).value_counts()  # USD millions per HTS8 line
    rows = []
    for name, group in lines.groupby("list", sort=True):
        chapters = group["hts8"].astype(str).str.slice(0, 2)
        covered = float(chapters.map(per_line).fillna(0.0).sum()) / 1e3
        rows.append({"list": name, "hts8_lines": len(group), "covered_value_usd_bn": covered,
                     "announced_usd_bn": ANNOUNCED_USD_BN.get(str(name), float("nan"))})
    return pd.DataFrame(rows)


def china_average_tariff(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """China's tariff on US goods at each event date, weighted by its 2017 imports from the US (percent).

    The rule (HS8 tariffs, weights, what is left out) is :func:`tariffsim.replicate._piie.average_tariffs`.
    """
    rates, imports = tables["rates"], tables["imports"]
    dates = sorted({d for d in pd.to_datetime(rates["event_date"]).dt.date if d <= dt.date.fromisoformat(LAST_DATE)})
    rows = [{"date": when.isoformat(), "tariff_on_us_pct": average_tariffs(line_table(rates, imports, when))["us"]}
            for when in dates]
    return pd.DataFrame(rows)


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``lists.csv`` and ``china_average_tariff.csv`` into ``out_dir``."""
    choose_mode(NAME, MODES, mode)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = _catalog_tables(data_dir)
    lists = list_coverage(tables)
    average = china_average_tariff(tables)
    lists.to_csv(out_dir / "lists.csv", index=False, float_format="%.3f")
    average.to_csv(out_dir / "china_average_tariff.csv", index=False, float_format="%.6f")
    comparison = average.assign(published_pct=average["date"].map(PUBLISHED))
    notes = [
        "list coverage: HS2 chapter imports split equally over the chapter's HTS8 lines (an approximation)",
        "China's average: weighted by China's 2017 imports from the US by HS8 with a tariff line ($5.5 bn under "
        "HS 98000000 has none and is left out), as in china-retaliation-2018; PIIE weights by US exports to the "
        "world, which are not in the shared data",
    ]
    return Replication(name=NAME, files=[out_dir / "lists.csv", out_dir / "china_average_tariff.csv"],
                       comparison=comparison, notes=notes)
