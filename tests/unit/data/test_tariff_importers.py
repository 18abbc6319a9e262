"""Tariff importers (USITC tariff database, USTR Section 301 lists, PIIE China tables): fixtures and real files."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tariffsim.errors import DataError
from tests.conftest import shared_file

from .conftest import write


# ---------------------------------------------------------------------- USITC tariff database
def test_usitc_fixture(catalog, fixtures):
    info = catalog.import_files("usitc-tariffs", [fixtures / "usitc" / "tariff_database_2017.csv"])
    assert info.name == "usitc-tariffs-2017" and info.years == (2017,)
    rates = catalog.read(info.name).set_index(["hts8", "begin_date"]).sort_index()
    assert rates.loc[("87032301", pd.Timestamp("2012-01-01")), "mfn_ad_val_rate"] == 0.025
    assert rates.loc[("27090020", pd.Timestamp("2012-01-01")), "mfn_specific_rate"] == 0.105
    sugar = rates.loc["17011210"].iloc[0]
    assert pd.isna(sugar["mfn_ad_val_rate"]) and pd.isna(sugar["mfn_other_rate"])  # 9999.999999 marker
    assert any("9999.999999" in n for n in info.notes)
    assert len(rates.loc["95030000"]) == 2  # two periods of validity in 2017


def test_usitc_pipe_delimited_full_layout(catalog, fixtures):
    info = catalog.import_files("usitc-tariffs", [fixtures / "usitc" / "tariff_database_2017.txt"])
    rates = catalog.read(info.name)
    assert rates["hts8"].tolist() == ["87032301", "95030000"]
    assert rates["begin_date"].dt.date.tolist() == [date(2017, 1, 1)] * 2  # written 01/01/2017


@pytest.mark.parametrize(("row", "column", "match"), [
    ("0101210,Horses,0.0,2012-01-01", "hts8", "not an 8-digit HTS code"),
    ("01012100,Horses,12.5,2012-01-01", "mfn_ad_val_rate", "above 10"),
    ("01012100,Horses,-0.1,2012-01-01", "mfn_ad_val_rate", "negative rate"),
    ("01012100,Horses,0.1,2012-13-01", "begin_effect_date", "not a date"),
])
def test_usitc_bad_rows(catalog, tmp_path, row, column, match):
    path = write(tmp_path / "tariff_database_2017.csv",
                 "hts8,brief_description,mfn_ad_val_rate,begin_effect_date\n01012900,Asses,0.0,2012-01-01\n"
                 + row + "\n")
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("usitc-tariffs", [path])
    assert (err.value.line, err.value.column) == (3, column)


def test_usitc_needs_a_year(catalog, tmp_path):
    path = write(tmp_path / "mfn.csv", "hts8,mfn_ad_val_rate\n01012100,0\n")
    with pytest.raises(DataError, match="pass --year"):
        catalog.import_files("usitc-tariffs", [path])
    assert catalog.import_files("usitc-tariffs", [path], year=2019).name == "usitc-tariffs-2019"


def test_usitc_real_file(catalog):
    path = shared_file("us_china_tariffs/usitc_tariff_database_2017_mfn_hts8.csv")
    info = catalog.import_files("usitc-tariffs", [path])
    assert info.tables["rates"].rows == 12861  # rows stated in ../shared/data/README.md
    rates = catalog.read(info.name)
    assert rates["mfn_ad_val_rate"].max() <= 10
    live = rates[rates["end_date"] >= pd.Timestamp("2017-12-31")]
    assert live.set_index("hts8").loc["01013000", "mfn_ad_val_rate"] == 0.068  # "6.8%" in the text column


# ---------------------------------------------------------------------- Section 301
def test_ustr301_both_layouts(catalog, fixtures):
    info = catalog.import_files("ustr-301", sorted((fixtures / "ustr301").glob("*.csv")))
    assert info.name == "ustr-301" and info.years == ()
    lines = catalog.read(info.name)
    annex = lines[lines["layout"] == "ustr-annex"].set_index("hts")
    assert annex.loc["87032301", "list"] == "list1" and annex.loc["87032301", "initial_rate"] == 0.25
    assert annex.loc["95030000", "suspended"] and pd.Timestamp("2019-12-15") == annex.loc["95030000", "effective_date"]
    usitc = lines[lines["layout"] == "usitc-china-tariffs"].set_index("hts")
    assert usitc.loc["8471300100", "hts8"] == "84713001" and usitc.loc["8471300100", "list"] == "list4b"


def test_ustr301_rejects_unknown_headings_and_mismatched_lists(catalog, tmp_path):
    head = "hts8,list,effective_date,initial_additional_rate_pct,ch99_heading\n"
    path = write(tmp_path / "a.csv", head + "87032301,list1_34b,2018-07-06,25.0,9903.88.99\n")
    with pytest.raises(DataError, match="unknown Chapter 99 heading") as err:
        catalog.import_files("ustr-301", [path])
    assert (err.value.line, err.value.column) == (2, "ch99_heading")
    path = write(tmp_path / "b.csv", head + "87032301,list2_16b,2018-07-06,25.0,9903.88.01\n")
    with pytest.raises(DataError, match="does not match heading"):
        catalog.import_files("ustr-301", [path])
    with pytest.raises(DataError, match="--year does not apply"):
        catalog.import_files("ustr-301", [path], year=2018)


def test_ustr301_real_files(catalog):
    annex = shared_file("us_china_tariffs/section301_lists_hts8_ustr_annexes.csv")
    usitc = shared_file("us_china_tariffs/usitc_china_tariffs_hts_to_9903_88_2020-01-01.csv")
    catalog.import_files("ustr-301", [annex, usitc])
    lines = catalog.read("ustr-301")
    # counts stated in ../shared/data/README.md
    counts = lines[lines["layout"] == "ustr-annex"]["list"].value_counts().to_dict()
    assert counts == {"list1": 818, "list2": 281, "list3": 5759, "list4a": 3233, "list4b": 546}
    headings = lines[lines["layout"] == "usitc-china-tariffs"]["ch99_heading"].value_counts().to_dict()
    assert headings == {"9903.88.03": 5547, "9903.88.15": 3132, "9903.88.01": 806, "9903.88.16": 527,
                        "9903.88.02": 267, "9903.88.04": 43}
    assert (lines["hts"].str.len() == 10).sum() == 70  # the partial lines of the USITC table


# ---------------------------------------------------------------------- PIIE
def test_piie_fixture(catalog, fixtures):
    info = catalog.import_files("piie-tariffs", sorted((fixtures / "piie").glob("*.csv")))
    rates = catalog.read(info.name, "rates")
    assert len(rates) == 9 * 6
    steel = rates[rates["hs10"] == "7208390000"]
    assert steel["source_line"].unique().tolist() == [6]  # the description spans lines 6-7
    assert "\n" in steel["description"].iloc[0]
    kinds = rates.drop_duplicates("event").set_index("event")["kind"].to_dict()
    assert kinds["Suspension of retaliation against US auto and parts (Section 301)"] == "retaliation"
    assert kinds["Change of MFN tariffs on consumer goods, autos, and ITA products"] == "mfn"
    imports = catalog.read(info.name, "imports")
    assert imports["value"].sum() == pytest.approx(33000.0)  # 33,000,000 thousand USD
    assert set(imports["importer"]) == {"CHN"} and set(imports["exporter"]) == {"USA"}


def test_piie_levels_below_zero_are_rejected(catalog, tmp_path):
    path = write(tmp_path / "rates.csv", 'hs10,description,"January 1, 2018 | MFN Tariff Rates",'
                 '"July 1, 2018 | Change of MFN tariffs"\n1201901000,Soya,3,0\n8703231110,Cars,25,-30\n')
    with pytest.raises(DataError, match="below zero") as err:
        catalog.import_files("piie-tariffs", [path])
    assert (err.value.line, err.value.column) == (3, "July 1, 2018 | Change of MFN tariffs")


def test_piie_real_files(catalog):
    rates_file = shared_file("us_china_tariffs/piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv")
    imports_file = shared_file("us_china_tariffs/piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv")
    info = catalog.import_files("piie-tariffs", [rates_file, imports_file])
    assert info.tables["rates"].rows == 11790 * 11 and info.tables["imports"].rows == 8252
    from tariffsim.data.tariffs import china_tariff_levels

    with catalog.connect() as con:
        before = china_tariff_levels(con, info, date(2018, 1, 1)).set_index("hs10")
        after = china_tariff_levels(con, info, date(2018, 7, 6)).set_index("hs10")
    # README: soybeans 1201.90: 3 + 25 = 28 (MFN 3 %, retaliation +25 from 6 July 2018)
    assert before.loc["1201901000", "mfn"] == pytest.approx(0.03)
    assert before.loc["1201901000", "retaliation"] == 0
    assert after.loc["1201901000", ["mfn", "retaliation"]].sum() == pytest.approx(0.28)
    assert after["mfn"].isna().sum() == 14  # lines without an ad valorem MFN rate
