"""Datasets of one source that hold the same rows: the source-wide views keep each key once, never sum.

The rule (docs/data.md, "Views"): where datasets of a source hold rows with the same
key, ``SOURCE.TABLE`` keeps the row of the dataset imported last; each dataset's own
views are untouched. One import of two overlapping files is refused (duplicated key,
both files named).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tariffsim.data.catalog import Catalog
from tariffsim.errors import DataError
from tests.conftest import shared_file

CHINA_CSV = "census/us_imports_from_china_hs2_monthly_census.csv"


def top_partners_parquet(path: Path) -> Path:
    """A hand-made file in the layout of the Census top-20-partners Parquet series (values in US dollars).

    China's January 2017 rows repeat the CSV fixture's; its February live-animals row is revised
    (2,600,000 against the CSV's 2,577,346); Mexico is only here; commodity 00 is the all-products total.
    """
    def month(m: int) -> datetime:
        return datetime(2017, m, 1, tzinfo=UTC)

    rows = [("CHINA", "HS CODE 01, LIVE ANIMALS", month(1), "01", 1474506.0, 0.0),
            ("CHINA", "HS CODE 01, LIVE ANIMALS", month(2), "01", 2600000.0, 0.0),
            ("CHINA", "HS CODE 84, NUCLEAR REACTORS", month(1), "84", 3829000000.0, 95760000.0),
            ("MEXICO", "HS CODE 84, NUCLEAR REACTORS", month(1), "84", 5000000000.0, 0.0),
            ("CHINA", "HS CODE 00, TOTAL", month(1), "00", 3830474506.0, 95760000.0)]
    names = ["CTY_NAME", "I_COMMODITY_SDESC", "time", "I_COMMODITY", "imports", "duty"]
    table = pa.table({n: [r[k] for r in rows] for k, n in enumerate(names)},
                     schema=pa.schema([("CTY_NAME", pa.large_string()), ("I_COMMODITY_SDESC", pa.large_string()),
                                       ("time", pa.timestamp("us", tz="UTC")), ("I_COMMODITY", pa.large_string()),
                                       ("imports", pa.float64()), ("duty", pa.float64())]))
    table = table.append_column("itariff", pa.array([0.0, 0.0, 0.025, 0.0, 0.025]))
    pq.write_table(table, path)
    return path


def china_imports(catalog: Catalog, year: int = 2017) -> float:
    frame = catalog.query("SELECT sum(value) AS v FROM census.trade "
                          f"WHERE partner = 'CHN' AND flow = 'imports' AND year = {year}")
    return float(frame["v"].iloc[0])


# CSV fixture, China 2017 (US dollars): 1,474,506 + 2,577,346 (chapter 01, Jan and Feb)
# + 3,829,000,000 + 3,612,500,000 (chapter 84, Jan and Feb) = 7,445,551,852.
CSV_CHINA_2017 = 7445.551852


def test_overlapping_datasets_are_not_summed_and_the_latest_import_wins(catalog, fixtures, tmp_path):
    csv = catalog.import_files("census", [fixtures / CHINA_CSV], name="census-china")
    assert china_imports(catalog) == pytest.approx(CSV_CHINA_2017, rel=1e-12)
    parquet = catalog.import_files("census", [top_partners_parquet(tmp_path / "top20.parquet")], name="census-top")
    # Keys of both: chapter 01 Jan and Feb, chapter 84 Jan. The Parquet file (imported last) gives
    # Feb 01 as 2.6 instead of 2.577346; chapter 84 Feb (3,612.5) is only in the CSV.
    assert china_imports(catalog) == pytest.approx(1.474506 + 2.6 + 3829.0 + 3612.5, rel=1e-12)
    summed = CSV_CHINA_2017 + 1.474506 + 2.6 + 3829.0
    assert china_imports(catalog) != pytest.approx(summed)
    rows = catalog.query("SELECT partner, hs, month, value, dataset FROM census.trade WHERE year = 2017 "
                         "ORDER BY partner, hs, month")
    assert rows[["partner", "hs", "month"]].values.tolist() == [
        ["CHN", "01", 1], ["CHN", "01", 2], ["CHN", "84", 1], ["CHN", "84", 2], ["MEX", "84", 1]]
    assert rows["dataset"].tolist() == ["census-top", "census-top", "census-top", "census-china", "census-top"]
    # each dataset's own view keeps all its rows
    assert len(catalog.query('SELECT * FROM "census-china"')) == 6
    assert len(catalog.query('SELECT * FROM "census-top"')) == 4
    # the import says what overlaps, and how many values differ
    assert not csv.notes or all("holds too" not in n for n in csv.notes)
    overlap = [n for n in parquet.notes if "holds too" in n]
    assert len(overlap) == 1 and overlap[0].startswith("3 rows of table trade have a key")
    assert "census-china" in overlap[0] and "1 of them with another value" in overlap[0]


def test_importing_the_other_way_round_keeps_the_other_rows(catalog, fixtures, tmp_path):
    catalog.import_files("census", [top_partners_parquet(tmp_path / "top20.parquet")], name="census-top")
    catalog.import_files("census", [fixtures / CHINA_CSV], name="census-china")
    assert china_imports(catalog) == pytest.approx(CSV_CHINA_2017, rel=1e-12)


def test_datasets_of_different_years_are_stacked(catalog, fixtures):
    catalog.import_files("census", [fixtures / CHINA_CSV], year=2017)
    catalog.import_files("census", [fixtures / CHINA_CSV], year=2018)
    years = catalog.query("SELECT year, count(*) AS n FROM census.trade GROUP BY year ORDER BY year")
    assert years.to_dict("list") == {"year": [2017, 2018], "n": [4, 1]}


def test_one_import_of_two_overlapping_files_is_refused_naming_both(catalog, fixtures, tmp_path):
    top = top_partners_parquet(tmp_path / "top20.parquet")
    with pytest.raises(DataError, match=r"duplicated key year=2017, month=\d+, flow=imports, partner=CHN") as info:
        catalog.import_files("census", [fixtures / CHINA_CSV, top])
    assert "us_imports_from_china_hs2_monthly_census.csv" in str(info.value) and "top20.parquet" in str(info.value)
    assert catalog.datasets() == []


@pytest.mark.shared_data
def test_the_shared_census_files_count_us_imports_from_china_once(catalog):
    """Issue 11: the China file and the top-20-partners file both hold US imports from China;
    census.trade summed them to 1,007 $bn for 2017."""
    china = shared_file("us_china_trade/us_imports_from_china_hs2_monthly_2013_2020_census.csv")
    top20 = shared_file("us_china_trade/us_imports_top20_partners_hs2_monthly_2013_2020_census.parquet")
    first = catalog.import_files("census", [china])
    catalog.import_files("census", [top20])
    own = float(catalog.query(f'SELECT sum(value) AS v FROM "{first.name}" WHERE year = 2017')["v"].iloc[0])
    assert china_imports(catalog) == pytest.approx(own, rel=1e-12)
    # Census, U.S. Trade in Goods with China, 2017: imports $505.5 bn (general imports, Census basis); these
    # files give imports for consumption, which differ by a few tenths of a percent.
    assert china_imports(catalog) / 1000 == pytest.approx(505.5, rel=0.01)
    partners = catalog.query("SELECT count(DISTINCT partner) AS n FROM census.trade WHERE year = 2017")
    assert partners["n"].iloc[0] == 21  # the top 20 and the world total (WLD)
