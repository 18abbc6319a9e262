"""Trade importers (US Census series, ITPD-E, UN Comtrade): fixtures in the real layouts and real files."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tariffsim.errors import DataError
from tests.conftest import shared_file


# ---------------------------------------------------------------------- Census
def test_census_hs_series(catalog, fixtures):
    files = sorted((fixtures / "census").glob("*_hs2_*.csv"))
    info = catalog.import_files("census", files)
    trade = catalog.read(info.name, "trade")
    assert info.name == "census" and set(trade["flow"]) == {"imports", "exports"}
    chn = trade[(trade["partner"] == "CHN") & (trade["flow"] == "imports") & (trade["year"] == 2017)]
    # fixture: 1,474,506 + 2,577,346 + 3,829,000,000 + 3,612,500,000 US dollars
    assert chn["value"].sum() == pytest.approx(7445.551852)
    assert chn["duty"].sum() == pytest.approx(186.0725)
    world = trade[trade["partner"] == "WLD"]
    assert len(world) == 2 and world["partner_code"].isna().all()
    exports = trade[trade["flow"] == "exports"]
    assert exports["duty"].isna().all() and set(exports["value_basis"]) == {"ALL_VAL_MO"}
    assert sorted(trade["month"].unique().tolist()) == [1, 2, 10]


def test_census_year_filter_and_naics(catalog, fixtures):
    files = sorted((fixtures / "census").glob("*naics3*.csv"))
    info = catalog.import_files("census", files, year=2018)
    naics = catalog.read(info.name, "naics")
    assert set(naics["year"]) == {2018}
    row = naics[(naics["naics3"] == "334") & (naics["partner"] == "CHN")].iloc[0]
    assert row["value"] == pytest.approx(12000.0) and row["tariff"] == pytest.approx(0.005)
    info = catalog.import_files("census", files, name="naics-all")
    naics = catalog.read("naics-all", "naics")
    annual = naics[naics["month"].isna()]  # no month: the one-year file
    assert annual["value"].sum() == pytest.approx(160616.881496)


def test_census_parquet_layout_drops_totals(catalog, tmp_path):
    table = pa.table({"CTY_NAME": ["CHINA", "CHINA", "MEXICO"], "I_COMMODITY_SDESC": ["ALL PRODUCTS", "HS CODE 84",
                                                                                      "HS CODE 87"],
                      "time": pa.array(pd.to_datetime(["2017-01-01", "2017-01-01", "2017-02-01"], utc=True)),
                      "I_COMMODITY": ["00", "84", "87"], "imports": [5e9, 3e9, 2e9], "duty": [1e8, 9e7, 5e7],
                      "itariff": [2.0, 3.0, 2.5]})
    path = tmp_path / "top20.parquet"
    pq.write_table(table, path)
    info = catalog.import_files("census", [path])
    trade = catalog.read(info.name, "trade").sort_values("source_line")
    assert trade["hs"].tolist() == ["84", "87"] and trade["source_line"].tolist() == [2, 3]
    assert trade["partner"].tolist() == ["CHN", "MEX"] and trade["value"].sum() == pytest.approx(5000.0)
    assert any("total rows" in n for n in info.notes)


def test_census_truncated_parquet(catalog, tmp_path):
    path = tmp_path / "top20.parquet"
    pq.write_table(pa.table({"CTY_NAME": ["CHINA"], "I_COMMODITY": ["84"], "time": ["2017-01"],
                             "imports": [1.0]}), path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DataError, match="truncated or not Parquet"):
        catalog.import_files("census", [path])


@pytest.mark.parametrize(("row", "column", "match"), [
    ("ATLANTIS,100,0,84,MACHINERY,2017-01,HS2,9999", "CTY_NAME", "unknown country name 'ATLANTIS'"),
    ("CHINA,100,0,84,MACHINERY,2017-13,HS2,5700", "time", "month 13"),
    ("CHINA,-100,0,84,MACHINERY,2017-01,HS2,5700", "CON_VAL_MO", "negative value"),
    ("CHINA,100,0,8X,MACHINERY,2017-01,HS2,5700", "I_COMMODITY", "not an HS code"),
    ("CHINA,100,0,01,LIVE ANIMALS,2017-01,HS2,5700", "I_COMMODITY", "duplicated key"),
])
def test_census_bad_rows(catalog, copy_fixture, row, column, match):
    path = copy_fixture("census/us_imports_from_china_hs2_monthly_census.csv")
    path.write_text(path.read_text() + row + "\n")
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("census", [path])
    assert (err.value.line, err.value.column) in {(8, column), (8, "hs")}


def test_census_real_files_match_the_published_totals(catalog):
    files = [shared_file(f"us_china_trade/{name}") for name in (
        "us_imports_from_china_hs2_monthly_2013_2020_census.csv",
        "us_exports_to_china_hs2_monthly_2013_2020_census.csv")]
    info = catalog.import_files("census", files)
    trade = catalog.read(info.name, "trade")
    totals = trade.groupby(["flow", "year"])[["value", "duty"]].sum() / 1000  # USD billions
    # annual sums stated in ../shared/data/README.md (US Census Bureau data)
    for year, value, duty in [(2017, 503.7, 13.5), (2018, 544.0, 22.5), (2019, 455.4, 44.3)]:
        assert totals.loc[("imports", year), "value"] == pytest.approx(value, abs=0.05)
        assert totals.loc[("imports", year), "duty"] == pytest.approx(duty, abs=0.05)
    for year, value in [(2017, 130.0), (2018, 120.3), (2019, 106.4)]:
        assert totals.loc[("exports", year), "value"] == pytest.approx(value, abs=0.05)


def test_census_real_parquet_equals_the_china_csv(catalog):
    parquet = shared_file("us_china_trade/us_imports_top20_partners_hs2_monthly_2013_2020_census.parquet")
    csv = shared_file("us_china_trade/us_imports_from_china_hs2_monthly_2013_2020_census.csv")
    catalog.import_files("census", [parquet], name="top20")
    catalog.import_files("census", [csv], name="china")
    joined = catalog.query("""
        SELECT count(*) AS n, max(abs(a.value - b.value)) AS gap FROM "top20/trade" a
        JOIN "china/trade" b USING (year, month, hs) WHERE a.partner = 'CHN'""")
    assert joined.loc[0, "n"] == 9212 and joined.loc[0, "gap"] == 0.0
    assert catalog.query('SELECT count(DISTINCT partner) AS n FROM "top20/trade"').loc[0, "n"] == 21
    with pytest.raises(DataError, match="duplicated key"):  # the same series twice in one dataset
        catalog.import_files("census", [parquet, csv], name="both")


def test_census_real_naics_files(catalog):
    files = [shared_file(f"us_china_trade/{name}") for name in (
        "us_imports_by_naics3_monthly_china_and_world_waugh.csv",
        "us_exports_by_naics3_monthly_china_and_world_waugh.csv",
        "us_imports_from_china_2017_by_naics3_waugh.csv")]
    info = catalog.import_files("census", files)
    assert info.tables["naics"].rows == 2 * 1890 + 2 * 1953 + 30


# ---------------------------------------------------------------------- ITPD-E
def test_itpde_fixture(catalog, fixtures):
    info = catalog.import_files("itpde", [fixtures / "itpde" / "ITPD_E_R02_sample.csv"], year=2017)
    flows = catalog.read(info.name)
    assert info.name == "itpde-2017" and len(flows) == 11  # the 2016 row is left out
    assert "ROU" in set(flows["exporter"]) and "ROM" not in set(flows["exporter"])
    assert flows.loc[flows["industry_id"] == 162, "broad_sector"].tolist() == ["Services"]
    domestic = flows[flows["exporter"] == flows["importer"]]
    assert domestic["value"].sum() == pytest.approx(1324000.0)


@pytest.mark.parametrize(("row", "column", "match"), [
    ("USA,USA,United States,CHN,CHN,China,2017,171,X,Manufacturing,1,0,p", "industry_id", "not an ITPD-E industry"),
    ("USA,USA,United States,QQQ,QQQ,Nowhere,2017,6,Soybeans,Agriculture,1,0,p", "importer_iso3", "unknown country"),
    ("USA,USA,United States,CHN,CHN,China,2017,7,Oilseeds,Agriculture,-1,0,p", "trade", "negative"),
])
def test_itpde_bad_rows(catalog, copy_fixture, row, column, match):
    path = copy_fixture("itpde/ITPD_E_R02_sample.csv")
    path.write_text(path.read_text() + row + "\n")
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("itpde", [path])
    assert (err.value.line, err.value.column) == (14, column)


# ---------------------------------------------------------------------- UN Comtrade
def test_comtrade_legacy_layout(catalog, fixtures):
    info = catalog.import_files("comtrade", [fixtures / "comtrade" / "comtrade_legacy_2017_hs6.csv"])
    flows = catalog.read(info.name).set_index("source_line")
    assert info.name == "comtrade-2017"
    assert flows.loc[2, ["reporter", "partner", "flow", "hs", "hs_level"]].tolist() == ["USA", "CHN", "M", "847130", 6]
    assert flows.loc[3, "partner"] == "TWN"  # 490 "Other Asia, nes"
    assert flows.loc[4, "flow"] == "X"
    assert flows.loc[6, "partner"] == "WLD"
    assert flows.loc[7, ["partner", "hs", "hs_level"]].tolist() == ["XAN", "TOTAL", 0]
    assert flows.loc[9, "hs"] == "010121"  # a dropped leading zero restored
    assert flows.loc[2, "value"] == pytest.approx(45000.0)


def test_comtrade_plus_layout(catalog, fixtures):
    info = catalog.import_files("comtrade", [fixtures / "comtrade" / "comtrade_plus_2017_hs6.txt"])
    flows = catalog.read(info.name).sort_values("source_line")
    assert flows["partner2"].tolist() == ["WLD"] * 3 and flows["mot"].tolist() == [0, 0, 1000]
    assert flows["customs"].tolist() == ["C00"] * 3 and flows["freq"].tolist() == ["A"] * 3
    assert flows["value"].sum() == pytest.approx(110000.525)


def test_comtrade_bad_flow_code(catalog, copy_fixture):
    path = copy_fixture("comtrade/comtrade_legacy_2017_hs6.csv")
    path.write_text(path.read_text() + "HS,2017,2017,2017,6,1,9,Odd,842,USA,USA,156,China,CHN,847130,x,5,n,1,1,1,0\n")
    with pytest.raises(DataError, match="unknown trade flow code '9'") as err:
        catalog.import_files("comtrade", [path])
    assert (err.value.line, err.value.column) == (10, "Trade Flow Code")


def test_gzipped_comtrade(catalog, fixtures, tmp_path):
    import gzip

    path = tmp_path / "comtrade_plus_2017.txt.gz"
    path.write_bytes(gzip.compress((fixtures / "comtrade" / "comtrade_plus_2017_hs6.txt").read_bytes()))
    info = catalog.import_files("comtrade", [path])
    assert info.tables["flows"].rows == 3


def test_unknown_source(catalog, fixtures):
    with pytest.raises(DataError, match="unknown source 'gtap'"):
        catalog.import_files("gtap", [fixtures / "itpde" / "ITPD_E_R02_sample.csv"])
    with pytest.raises(DataError, match="not a UN Comtrade bulk file"):
        catalog.import_files("comtrade", [fixtures / "itpde" / "ITPD_E_R02_sample.csv"])
