"""Elasticity readers (the shared folder's layouts) and the concordance across HS digit levels.

Small files in each source's layout are written in ``tmp_path`` (never copies of the shared
data); the tests on the real files skip when ``../shared/data`` is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim.data import elasticities as el
from tariffsim.errors import DataError


def _write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


@pytest.fixture
def hts10(tmp_path: Path) -> el.ElasticityTable:
    # Leading zeros dropped on purpose (as spreadsheets do): the reader restores them.
    return el.read_broda_weinstein_hts10(_write(tmp_path / "bw.csv", """
hts,sigma_1990_2001
0101110010,108.0
0101110020,120.0
0101190090,2.0
1201000020,50.0
1201000090,70.0
8504400010,2.0
8504400020,4.0
8504400090,9.0
8504500000,3.0
850110000,30.0
"""))


def test_finer_table_gives_the_median_of_its_lines_within_the_product(hts10):
    out = el.assign(["850440", "010111"], hts10).set_index("product")
    assert out.loc["850440", "elasticity"] == 4.0  # median of 2, 4, 9
    assert out.loc["850440", "n_estimates"] == 3
    assert out.loc["850440", "fallback"] == "median of 3 HS10 lines within HS6 850440"
    assert out.loc["010111", "elasticity"] == 114.0


def test_products_without_an_estimate_fall_back_to_hs4_then_hs2_then_default(hts10):
    out = el.assign(["850490", "850990", "999999", "120190"], hts10, default=1.5).set_index("product")
    assert out.loc["850490", "elasticity"] == 3.5  # HS4 8504: median of 2, 4, 9, 3
    assert out.loc["850490", "level"] == 4
    assert out.loc["850490", "fallback"].startswith("fallback: median of 4 HS10 estimates within HS4 8504")
    assert out.loc["850990", "level"] == 2  # HS2 85: median of 2, 4, 9, 3
    assert out.loc["850990", "elasticity"] == 3.5
    assert out.loc["999999", "elasticity"] == 1.5 and out.loc["999999", "level"] == 0
    assert "default 1.5" in out.loc["999999", "fallback"]
    no_default = el.assign(["999999"], hts10)
    assert np.isnan(no_default["elasticity"].iloc[0]) and no_default["fallback"].iloc[0] == "no estimate"


def test_leading_zeros_are_restored(hts10):
    codes = set(hts10.table["code"])
    assert "0850110000" in codes  # written as 850110000 in the file: chapter 08, not 85
    out = el.assign(["085011"], hts10).set_index("product")
    assert out.loc["085011", "elasticity"] == 30.0


def test_a_more_detailed_product_takes_the_estimate_of_its_leading_digits(tmp_path):
    table = el.read_hauk_import_demand(_write(tmp_path / "hauk.csv", """
hs6,impliedelasticity,positive,sigat5per,sigat10per,sigat1per
120190,1.5,1,1,1,1
120110,-0.4,0,0,0,0
850440,0.8,1,0,1,0
"""))
    assert len(table) == 2  # the wrong-signed estimate is dropped
    out = el.assign(["12019010", "85044000"], table).set_index("product")
    assert out.loc["12019010", "elasticity"] == 1.5
    assert out.loc["12019010", "fallback"] == "HS6 estimate of 120190"
    significant = el.read_hauk_import_demand(tmp_path / "hauk.csv", keep="significant_5pct")
    assert list(significant.table["code"]) == ["120190"]


def test_country_tables_use_the_country_then_the_median_across_countries(tmp_path):
    table = el.read_broda_greenfield_weinstein(_write(tmp_path / "bgw.csv", """
ccode,cname,hs_3digit,sigma
1,China,120,4.0
1,China,880,2.0
2,USA,120,6.0
2,USA,850,3.0
3,UnitedKingdom,850,5.0
"""))
    assert table.countries() == ["CHN", "GBR", "USA"]
    out = el.assign(["120190", "850440"], table, country="CHN").set_index("product")
    assert out.loc["120190", "elasticity"] == 4.0
    assert out.loc["120190", "fallback"] == "HS3 estimate of 120 for CHN"
    assert out.loc["850440", "elasticity"] == 4.0  # no Chinese estimate: median of USA 3 and GBR 5
    assert "across importers" in out.loc["850440", "fallback"]
    with pytest.raises(DataError, match="country="):
        el.assign(["120190"], table)
    with pytest.raises(DataError, match="no estimates for importer"):
        el.assign(["120190"], table, country="FRA", pool_countries=False)


def test_unknown_bgw_country_names_are_reported(tmp_path):
    path = _write(tmp_path / "bgw.csv", "ccode,cname,hs_3digit,sigma\n1,Atlantis,120,4.0")
    with pytest.raises(DataError, match="Atlantis"):
        el.read_broda_greenfield_weinstein(path)


def test_clipping_is_stated(hts10):
    out = el.assign(["010111"], hts10, clip=(1.0, 20.0))
    assert out["elasticity"].iloc[0] == 20.0
    assert "clipped to [1, 20] from 114" in out["fallback"].iloc[0]


def test_gtap_estimates_go_through_a_concordance(tmp_path):
    table = el.read_fontagne_guimbard_orefice(_write(tmp_path / "fgo.csv", """
gtap_sector,epsilon_GTAP,dist_GTAP,description
osd,-6.5,-1.0,Oil seeds
ele,-3.0,-0.5,Electronics
gro,,,Other grains
"""))
    assert table.parameter == "tariff_elasticity" and len(table) == 2
    out = el.assign_by_concordance(["120190", "851712", "100590"], table,
                                   {"120190": "osd", "851712": "ele", "100590": "gro"}, default=-4.0)
    assert list(out["elasticity"]) == [-6.5, -3.0, -4.0]
    assert out["fallback"].iloc[2] == "default -4 (no estimate for sector gro)"
    with pytest.raises(DataError, match="assign_by_concordance"):
        el.assign(["120190"], table)


def test_missing_files_and_columns_are_named(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        el.read_broda_weinstein_hts10(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="missing columns"):
        el.read_broda_weinstein_hts10(_write(tmp_path / "bad.csv", "code,sigma\n0101,1.0"))


def test_assign_output_feeds_the_pe_models(hts10):
    from tariffsim.models.pe import ProductTrade, SmartSettings, simulate_pe

    trade = ProductTrade.from_frame(pd.DataFrame({"importer": "USA", "exporter": ["CHN", "MEX"],
                                                  "product": "850440", "value_usd": [1.0, 2.0], "tariff": 0.0}))
    sigma = el.assign(list(trade.products), hts10)
    result = simulate_pe(trade, trade.tariff + np.array([0.25, 0.0]), SmartSettings(1.0, sigma))
    row = result.elasticities.loc[result.elasticities["parameter"] == "substitution"].iloc[0]
    assert row["elasticity"] == 4.0 and row["fallback"].startswith("median of 3 HS10")


# ---------------------------------------------------------------------- the shared files
def test_shared_elasticity_files_read():
    from tests.conftest import shared_file

    folder = shared_file("elasticities/broda_weinstein_2006_us_hts10_sigma_1990_2001.csv").parent
    bw = el.read_broda_weinstein_hts10(folder / "broda_weinstein_2006_us_hts10_sigma_1990_2001.csv")
    assert len(bw) == 13_972 and bw.table["value"].median() == pytest.approx(3.14, abs=0.01)
    bgw = el.read_broda_greenfield_weinstein(folder / "broda_greenfield_weinstein_73countries_hs3_sigma_1994_2003.csv")
    assert len(bgw.countries()) == 73 == len(el.BGW_COUNTRIES)
    hauk = el.read_hauk_import_demand(folder / "hauk_2012_us_import_demand_elasticities_hs6_1978_2001.csv")
    assert len(hauk) == 3_447 and (hauk.table["value"] > 0).all()  # 3,447 of 4,259 have the right sign
    naics = el.read_hauk_import_demand(folder / "hauk_2012_us_import_demand_elasticities_naics6_1978_2001.csv")
    assert naics.classification == "NAICS"
    sub = el.read_hauk_substitution(folder / "hauk_2012_us_import_substitution_elasticities_hs6_1989_2001.csv")
    assert (sub.table["value"] >= 1).all()
    fgo_file = "fontagne_guimbard_orefice_2022_trade_elasticity_gtap10_sectors.csv"
    fgo = el.read_fontagne_guimbard_orefice(folder / fgo_file)
    assert len(fgo) == 42 and (fgo.table["value"] < 0).all()
    sitc = el.read_broda_weinstein_sitc(folder / "broda_weinstein_2006_us_sitc3_5digit_sigma_1990_2001.csv")
    assert len(sitc) == 2_716
    out = el.assign(["120190", "880240", "999999"], bgw, country="CHN", default=1.5)
    assert list(out["level"]) == [3, 3, 0]
