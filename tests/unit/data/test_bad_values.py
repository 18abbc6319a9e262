"""Values no source can mean are refused, naming file, line and column (issue 11, item 5).

Each case edits one cell of a fixture file (in its source's real layout) and expects the
import to fail at that cell with the catalog left as it was.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tariffsim.data.catalog import Catalog
from tariffsim.errors import DataError

from .conftest import write

# source, fixture file, column, delimiter; the cell of the first data row (line 2) is replaced
VALUE_COLUMNS = [
    ("baci", "baci/BACI_HS17_Y2017_V202401b.csv", "v", ","),
    ("baci", "baci/BACI_HS17_Y2017_V202401b.csv", "q", ","),
    ("census", "census/us_imports_from_china_hs2_monthly_census.csv", "CON_VAL_MO", ","),
    ("census", "census/us_imports_from_china_hs2_monthly_census.csv", "CAL_DUT_MO", ","),
    ("census", "census/us_imports_by_naics3_monthly_china_and_world.csv", "china_trade", ","),
    ("census", "census/us_imports_by_naics3_monthly_china_and_world.csv", "tariff_trd_w_avg", ","),
    ("comtrade", "comtrade/comtrade_legacy_2017_hs6.csv", "Trade Value (US$)", ","),
    ("comtrade", "comtrade/comtrade_plus_2017_hs6.txt", "netWgt", "\t"),
    ("itpde", "itpde/ITPD_E_R02_sample.csv", "trade", ","),
    ("itpde", "itpde/ITPD_E_R02_sample.csv", "flag_mirror", ","),
    ("usitc-tariffs", "usitc/tariff_database_2017.csv", "mfn_ad_val_rate", ","),
    ("ustr-301", "ustr301/section301_annexes.csv", "initial_additional_rate_pct", ","),
    ("piie-tariffs", "piie/china_tariff_rates_hs10.csv", "January 1, 2018 | MFN Tariff Rates", ","),
    ("piie-tariffs", "piie/china_imports_from_us_2017_hs8.csv", "2017 China's Imports from US (000USD)", ","),
]


def edited(fixtures: Path, tmp_path: Path, relative: str, column: str, value: str, delimiter: str = ",") -> Path:
    """The fixture with the ``column`` cell of its first data row set to ``value``."""
    rows = list(csv.reader(io.StringIO((fixtures / relative).read_text(encoding="utf-8")), delimiter=delimiter))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return write(tmp_path / "inputs" / Path(relative).name, out.getvalue())


def companions(fixtures: Path, source: str) -> list[Path]:
    return {"baci": [fixtures / "baci" / "country_codes_V202401b.csv"],
            "ustr-301": [fixtures / "ustr301" / "usitc_china_tariffs.csv"]}.get(source, [])


@pytest.mark.parametrize("value", ["1e309", "-1e309", "inf"])
@pytest.mark.parametrize(("source", "relative", "column", "delimiter"), VALUE_COLUMNS)
def test_numbers_beyond_a_double_and_infinities_are_errors(catalog, fixtures, tmp_path, source, relative, column,
                                                           delimiter, value):
    path = edited(fixtures, tmp_path, relative, column, value, delimiter)
    with pytest.raises(DataError) as info:
        catalog.import_files(source, [path, *companions(fixtures, source)])
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 2, column)
    assert catalog.datasets() == []


def test_an_infinite_value_in_a_parquet_input_is_an_error(catalog, tmp_path):
    path = tmp_path / "us_imports_top20_partners.parquet"
    pq.write_table(pa.table({"CTY_NAME": ["CHINA", "MEXICO"], "I_COMMODITY": ["84", "84"],
                             "time": pa.array([datetime(2017, 1, 1, tzinfo=UTC)] * 2, pa.timestamp("us", tz="UTC")),
                             "imports": [3829000000.0, float("inf")], "duty": [0.0, 0.0]}), path)
    with pytest.raises(DataError, match="inf is not a finite number") as info:
        catalog.import_files("census", [path])
    assert (info.value.line, info.value.column) == (2, "imports")


@pytest.mark.parametrize("year", ["-2017", "0", "20170"])
@pytest.mark.parametrize(("source", "relative", "column", "delimiter"), [
    ("comtrade", "comtrade/comtrade_legacy_2017_hs6.csv", "Year", ","),
    ("comtrade", "comtrade/comtrade_plus_2017_hs6.txt", "refYear", "\t"),
    ("itpde", "itpde/ITPD_E_R02_sample.csv", "year", ","),
    ("baci", "baci/BACI_HS17_Y2017_V202401b.csv", "t", ","),
])
def test_impossible_years_are_errors(catalog, fixtures, tmp_path, source, relative, column, delimiter, year):
    path = edited(fixtures, tmp_path, relative, column, year, delimiter)
    with pytest.raises(DataError) as info:
        catalog.import_files(source, [path, *companions(fixtures, source)])
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 2, column)


def test_a_year_option_outside_the_range_is_an_error(catalog, baci_files):
    with pytest.raises(DataError, match="--year -2017 is outside 1900-2100"):
        catalog.import_files("baci", baci_files, year=-2017)


def test_a_mirror_flag_other_than_0_or_1_is_an_error(catalog, fixtures, tmp_path):
    path = edited(fixtures, tmp_path, "itpde/ITPD_E_R02_sample.csv", "flag_mirror", "2.5")
    with pytest.raises(DataError, match=r"flag_mirror 2\.5 is not 0 or 1") as info:
        catalog.import_files("itpde", [path])
    assert (info.value.line, info.value.column) == (2, "flag_mirror")


def test_a_data_file_without_rows_does_not_replace_a_dataset(catalog: Catalog, fixtures, baci_files, tmp_path):
    """A header-only BACI data file given with the country codes, --year 2017: refused, baci-2017 kept whole."""
    good = catalog.import_files("baci", baci_files, year=2017)
    empty = write(tmp_path / "empty" / "BACI_HS17_Y2017_V202401b.csv", "t,i,j,k,v,q\n")
    with pytest.raises(DataError, match="no data rows for 2017"):
        catalog.import_files("baci", [empty, fixtures / "baci" / "country_codes_V202401b.csv"], year=2017)
    kept = catalog.get("baci-2017")
    assert kept.folder == good.folder and kept.tables["flows"].rows == 32
    assert len(catalog.read("baci-2017")) == 32
