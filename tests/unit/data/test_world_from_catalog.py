"""Worlds built from the catalog: flows, domestic sales, trade-weighted tariffs (checked by hand), errors."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tariffsim.data.baseline import DEFAULT_HOME_SHARE, world_from_catalog
from tariffsim.data.tariffs import section301_rates
from tariffsim.errors import DataError
from tests.conftest import shared_file

REGIONS = {"USA": ["USA"], "CHN": ["CHN"], "EU": ["FRA", "DEU"]}


@pytest.fixture
def full(catalog, fixtures, baci_files):
    """A catalog with the BACI fixture year and the three tariff schedules."""
    catalog.import_files("baci", baci_files)
    catalog.import_files("usitc-tariffs", [fixtures / "usitc" / "tariff_database_2017.csv"])
    catalog.import_files("ustr-301", [fixtures / "ustr301" / "section301_annexes.csv"])
    catalog.import_files("piie-tariffs", sorted((fixtures / "piie").glob("*.csv")))
    return catalog


def cell(world, exporter, importer, sector, field="tariffs"):
    arr = getattr(world, field)
    return arr[world.country_index(exporter), world.country_index(importer), world.sector_index(sector)]


def test_flows_are_baci_sums_in_usd_millions(full):
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", sectors="hs20", tariffs=None,
                               data_dir=full.root)
    assert world.countries == ("USA", "CHN", "EU", "ROW") and len(world.sectors) == 20
    # fixture rows CHN->USA in chapters 84-85: 847130 45000 + 851712 70000.125 thousand USD
    assert cell(world, "CHN", "USA", "MCH", "flows") == pytest.approx(115.000125)
    # EU = FRA + DEU: trade between them (FRA->DEU cars 5400, DEU->FRA cars 15500.5) becomes EU domestic
    # sales, next to the rule's domestic sales of FRA and DEU, h/(1-h) x their imports of TRN goods
    # (those two flows plus USA->DEU aircraft 5100)
    intra = (5400 + 15500.5) / 1000
    rule = DEFAULT_HOME_SHARE / (1 - DEFAULT_HOME_SHARE)
    assert cell(world, "EU", "EU", "TRN", "flows") == pytest.approx(intra + rule * (5400 + 15500.5 + 5100) / 1000)
    assert world.tariffs.sum() == 0 and world.year == 2017
    assert "baci-2017" in world.sources["flows"] and "share rule" in world.sources["domestic"]


def test_tariffs_are_trade_weighted_by_hand(full):
    """Each expected number is worked out from the fixture files in the comment next to it."""
    kw = dict(regions=REGIONS, rest="ROW", sectors="hs20", data_dir=full.root, domestic=0.5)
    w17 = world_from_catalog(2017, tariff_date="2017-01-01", **kw)
    w18 = world_from_catalog(2017, tariff_date="2018-07-06", **kw)
    w19 = world_from_catalog(2017, tariff_date="2019-12-31", **kw)
    # CHN->USA cars 870323: HTS8 87032300 and 87032301 both 2.5 % MFN; from 6 July 2018 87032301 is on
    # list 1 (+25 %), one of the HS6's two lines: 2.5 % + 25 %/2
    assert cell(w17, "CHN", "USA", "TRN") == pytest.approx(0.025)
    assert cell(w18, "CHN", "USA", "TRN") == pytest.approx(0.025 + 0.125)
    # CHN->USA steel 720839: MFN free; list 3 at 10 % from 24 Sep 2018, 25 % from 10 May 2019
    assert cell(w18, "CHN", "USA", "BMT") == 0 and cell(w19, "CHN", "USA", "BMT") == pytest.approx(0.25)
    # CHN->USA laptops and phones: list 4B was suspended, MFN free
    assert cell(w19, "CHN", "USA", "MCH") == 0
    # EU->USA TRN: DEU->USA cars 19500 at 2.5 %, FRA->USA aircraft 7600 free (MFN applies to every exporter)
    assert cell(w19, "EU", "USA", "TRN") == pytest.approx(19500 * 0.025 / (19500 + 7600))
    # USA->CHN soybeans: China MFN 3 %, +25 % retaliation from 6 July 2018
    assert cell(w17, "USA", "CHN", "VEG") == pytest.approx(0.03)
    assert cell(w18, "USA", "CHN", "VEG") == pytest.approx(0.28)
    # EU->CHN TRN: FRA aircraft 9000 at China MFN avg(1 %, 5 %) = 3 %; DEU cars 21000 at 25 %, 15 % from
    # 1 July 2018 (the retaliation on US cars does not touch German ones)
    assert cell(w17, "EU", "CHN", "TRN") == pytest.approx((9000 * 0.03 + 21000 * 0.25) / 30000)
    assert cell(w18, "EU", "CHN", "TRN") == pytest.approx((9000 * 0.03 + 21000 * 0.15) / 30000)
    # ROW->CHN steel (JPN): China MFN 3 %; the +5 % of 24 Sep 2018 is retaliation, US only
    assert cell(w19, "ROW", "CHN", "BMT") == pytest.approx(0.03)
    assert np.all(w19.tariffs[np.arange(4), np.arange(4), :] == 0)
    assert w19.sources["tariff_date"] == "2019-12-31"
    assert "USA: 100.0% of import value matched" in w19.sources["tariffs"]


def test_mfn_exempt_partners(full):
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", sectors="hs20", data_dir=full.root,
                               mfn_exempt={"USA": ["DEU"]})
    assert cell(world, "EU", "USA", "TRN") == 0  # DEU's cars now enter duty free


def test_broad_sectors_and_elasticity(full):
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", data_dir=full.root,
                               elasticity={"AGR": 4, "ENE": 10, "CHM": 5, "MET": 5, "MAC": 5, "VEH": 6, "OTH": 5})
    assert world.sectors == ("AGR", "ENE", "CHM", "MET", "MAC", "VEH", "OTH")
    assert world.elasticity.tolist() == [4, 10, 5, 5, 5, 6, 5]


def test_share_rule(full):
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", tariffs=None, data_dir=full.root, domestic=0.75)
    n = world.n_countries
    off = world.flows.copy()
    off[np.arange(n), np.arange(n), :] = 0
    imports_usa = off[:, world.country_index("USA"), :].sum(axis=0)
    np.testing.assert_allclose(world.flows[0, 0, :], 3.0 * imports_usa)  # 0.75 / 0.25 = 3


def test_itpde_domestic_sales(full, fixtures):
    full.import_files("itpde", [fixtures / "itpde" / "ITPD_E_R02_sample.csv"], year=2017)
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", sectors="hs20", tariffs=None, data_dir=full.root)
    # ITPD-E USA domestic: soybeans (id 6, chapter 12) 25000, computers (124, ch. 84) 90000, cars (138, ch. 87) 180000
    assert cell(world, "USA", "USA", "VEG", "flows") == pytest.approx(25000)
    assert cell(world, "USA", "USA", "MCH", "flows") == pytest.approx(90000)
    assert cell(world, "USA", "USA", "TRN", "flows") == pytest.approx(180000)
    # services (id 162) are not goods: left out of CHN's domestic sales
    assert world.flows[1, 1, :].sum() == pytest.approx(14000 + 250000)
    # EU = DEU cars 210000 + FRA pharmaceuticals 40000 (ITPD-E) + intra-EU BACI trade (5400 + 15500.5)/1000
    assert cell(world, "EU", "EU", "TRN", "flows") == pytest.approx(210000 + 20.9005)
    assert cell(world, "EU", "EU", "CHE", "flows") == pytest.approx(40000)
    assert "ITPD-E domestic trade (itpde-2017)" in world.sources["domestic"]
    # countries without ITPD-E domestic data (JPN, IND, TWN in ROW) get the share rule
    assert "JPN" in world.sources["domestic"]


def test_comtrade_flows(catalog, fixtures):
    catalog.import_files("comtrade", [fixtures / "comtrade" / "comtrade_legacy_2017_hs6.csv"])
    world = world_from_catalog(2017, regions={"USA": ["USA"], "CHN": ["CHN"]}, rest="ROW", flows="comtrade",
                               data_dir=catalog.root)
    # importer-reported imports at HS6 only: USA from CHN 847130 45,000,000,000 USD, CHN from USA soybeans 12.5 bn;
    # the World partner row, the TOTAL row, the HS2 row and the export row are left out
    assert cell(world, "CHN", "USA", "MAC", "flows") == pytest.approx(45000)
    assert cell(world, "USA", "CHN", "AGR", "flows") == pytest.approx(12500)
    assert cell(world, "ROW", "USA", "MAC", "flows") == pytest.approx(6100)  # Taiwan, as "Other Asia, nes"
    assert world.flows.sum() == pytest.approx((45000 + 6100 + 12500 + 0.0125) / (1 - DEFAULT_HOME_SHARE))


def test_errors(full, fixtures):
    with pytest.raises(DataError, match=r"no domestic sales or no expenditure.*TWN"):
        world_from_catalog(2017, data_dir=full.root)  # Taiwan only exports in the fixture
    with pytest.raises(DataError, match="no baci data for 2016"):
        world_from_catalog(2016, data_dir=full.root)
    with pytest.raises(DataError, match="unknown country code 'XYZ'"):
        world_from_catalog(2017, regions={"A": ["XYZ"]}, data_dir=full.root)
    with pytest.raises(DataError, match="in two regions"):
        world_from_catalog(2017, regions={"A": ["FRA"], "B": ["FRA"]}, data_dir=full.root)
    with pytest.raises(DataError, match="no member with trade"):
        world_from_catalog(2017, regions={"A": ["CAN"]}, rest="ROW", data_dir=full.root)
    with pytest.raises(DataError, match="also the code of a country"):
        world_from_catalog(2017, regions={"USA": ["FRA", "DEU"]}, data_dir=full.root)
    with pytest.raises(DataError, match=r"share of absorption must be in \(0, 1\)"):
        world_from_catalog(2017, rest="ROW", regions=REGIONS, domestic=1.5, data_dir=full.root)
    with pytest.raises(DataError, match="no ITPD-E data for 2017"):
        world_from_catalog(2017, rest="ROW", regions=REGIONS, domestic="itpde", data_dir=full.root)
    with pytest.raises(DataError, match="not bilateral flows"):
        world_from_catalog(2017, flows="ustr-301", data_dir=full.root)
    full.import_files("usitc-tariffs", [fixtures / "usitc" / "tariff_database_2017.txt"], name="another-2017")
    with pytest.raises(DataError, match="several usitc-tariffs datasets"):
        world_from_catalog(2017, regions=REGIONS, rest="ROW", data_dir=full.root)
    world = world_from_catalog(2017, regions=REGIONS, rest="ROW", data_dir=full.root,
                               tariff_datasets=["usitc-tariffs-2017"])
    assert "ustr-301" not in world.sources["tariffs"]


def test_default_home_share_is_the_median_of_yotov_et_al(shared_data):
    """DEFAULT_HOME_SHARE rounds the median domestic share of manufacturing absorption in 2006 (69 countries)."""
    panel = pd.read_parquet(shared_file("yotov2016_agtpa/agtpa_panel_69c_1986_2006.parquet"),
                            columns=["exporter", "importer", "year", "trade"])
    year = panel[panel["year"] == 2006]
    domestic = year[year["exporter"] == year["importer"]].set_index("importer")["trade"]
    share = (domestic / year.groupby("importer")["trade"].sum()).median()
    assert DEFAULT_HOME_SHARE == pytest.approx(share, abs=0.025)


def test_section301_schedule_dates():
    """Rates in force per USTR's Federal Register notices (tables/section301_schedule.csv)."""
    assert section301_rates(date(2018, 7, 5))["9903.88.01"] == 0
    assert section301_rates(date(2018, 7, 6))["9903.88.01"] == 0.25
    assert section301_rates(date(2019, 5, 9))["9903.88.03"] == 0.10
    assert section301_rates(date(2019, 5, 10))["9903.88.03"] == 0.25
    assert section301_rates(date(2019, 9, 1))["9903.88.15"] == 0.15
    assert section301_rates(date(2020, 2, 14))["9903.88.15"] == 0.075
    assert section301_rates(date(2020, 1, 1))["9903.88.16"] == 0.0  # list 4B, suspended
