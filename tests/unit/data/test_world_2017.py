"""The bundled world-2017: what it holds, that it rebuilds byte for byte, its baseline against published figures.

Published figures (cited where used):

* US Census Bureau, "Trade in Goods with China", 2017: US goods imports from China USD 505.5 bn
  (505,470 million, revised); the shared Census series (``us_china_trade/``, imports for
  consumption) sums to 503.7 bn for 2017.
* US Census Bureau, calculated duties on US imports for consumption, 2017: USD 32.9 bn (the
  shared series' TOTAL FOR ALL COUNTRIES sums to 32.94 bn).
* China Ministry of Finance, "2017 fiscal revenue and expenditure" (January 2018): customs
  duties 299.8 bn yuan, USD 44.4 bn at the 2017 average rate of 6.7518 yuan per dollar.
* C. Bown, "US-China Trade War Tariffs: An Up-to-Date Chart", PIIE: average US tariff on
  Chinese goods 3.1 %, China's on US goods 8.0 %, trade-weighted, before the war (January 2018).

Tolerances and why the figures differ: ICIO is a national-accounts table at basic prices whose
bilateral trade is balanced between the two partners' reports (China reports about USD 430 bn
of exports to the US; the US 505 bn of imports from China, counting goods re-exported through
Hong Kong as Chinese and valuing them at the border, with the margins that ICIO books in
services), so its China -> US goods flow is about three quarters of Census's. Tariff revenue
follows from the flows and the tariffs: the US's is within 15 % of the duties collected; China's
is 1.5-2.2 times its customs revenue, because the cube's rates are simple averages of Teti's
ISIC 2-digit rates (not line-level trade weights) and China's processing-trade and bonded-zone
imports, about a quarter of its imports in 2017, enter duty-free.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from tariffsim.data import load_world
from tariffsim.data.build_world_2017 import INPUTS, TRQ_THRESHOLD, build, render
from tariffsim.data.sector_elasticities import ELASTICITY_SETS
from tariffsim.data.world2017 import DATA_FILE, META_FILE, elasticity_sets_2017, load_world_2017, world_2017_meta
from tariffsim.errors import DataError
from tests.conftest import data_root

G20 = ("ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "FRA", "GBR", "IDN", "IND", "ITA", "JPN", "KOR", "MEX", "RUS", "SAU",
       "TUR", "USA", "ZAF")
"""The G20's 19 member countries (the 20th member, the EU, is here as its 28 member states of 2017)."""
EU28 = ("AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HRV", "HUN", "IRL",
        "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE")
BUNDLED = resources.files("tariffsim.data").joinpath("bundled")


@pytest.fixture(scope="module")
def world():
    return load_world_2017()


def _goods(world):
    return [k for k, s in enumerate(world.sectors) if s != "SER"]


# ---------------------------------------------------------------------- what it holds
def test_countries_sectors_and_size(world):
    assert world.name == "world-2017" and world.year == 2017 and world.shape == (81, 81, 28)
    assert set(G20) | set(EU28) | {"VNM", "MEX", "CAN"} <= set(world.countries) and world.countries[-1] == "ROW"
    assert world.sectors[0] == "A01" and world.sectors[-1] == "SER" and load_world("world-2017") is world
    for name in (DATA_FILE, META_FILE):
        assert BUNDLED.joinpath(name).stat().st_size < 5 * 2**20
    readme = BUNDLED.joinpath("README.md").read_text(encoding="utf-8")
    for words in ("OECD", "Teti", "licence", "make worlds", "tobacco", "Census"):
        assert words in readme, words
    meta = world_2017_meta()
    assert "OECD" in meta["licence"] and "Teti" in meta["licence"]


def test_the_corrections_are_made(world):
    ser = world.sector_index("SER")
    assert (world.tariffs[:, :, ser] == 0).all()
    usa, food = world.country_index("USA"), world.sector_index("C10T12")
    assert world.tariffs[:, usa, food].max() < 0.05  # no tobacco-quota rate left
    cells = world_2017_meta()["corrections"][1]["cells"]
    assert {c["exporter"] for c in cells} >= {"CHN", "DEU", "JPN", "VNM", "FRA", "IND", "BRA", "THA"}
    assert all(c["old"] > TRQ_THRESHOLD for c in cells)
    assert not any(c["exporter"] in ("CAN", "MEX", "KOR", "AUS") for c in cells)  # FTA partners kept their rates


def test_elasticity_sets_are_a_choice(world):
    sets = elasticity_sets_2017()
    assert set(sets["code"]) == set(ELASTICITY_SETS) and len(sets) == 8 * 28
    assert world.elasticity[world.sector_index("C19")] == pytest.approx(64.85)  # CP (2015) table 1: petroleum
    bsy = load_world("world-2017", elasticities="bsy")
    assert bsy is load_world_2017("BSY") and bsy.elasticity[0] == pytest.approx(6.127272727)
    assert (load_world_2017(4).elasticity == 4.0).all()
    assert "U4" in load_world_2017("U4").sources["elasticity"]
    np.testing.assert_array_equal(bsy.flows, world.flows)
    with pytest.raises(DataError, match="unknown elasticity set"):
        load_world("world-2017", elasticities="XX")


def test_the_concordance_places_products_in_icio_sectors(world):
    codes = pd.Series(["847130", "851712", "720610", "760110", "870323", "020130", "240110", "240220", "610910",
                       "940360", "300490", "271012", "970110"])
    got = world.sector_of(codes).tolist()
    # laptops and phones: computers and electronics (ISIC 3 30, 32); steel and aluminium: the two C24 groups;
    # cars; beef (ISIC 3 1511); leaf tobacco is farming (0111), cigarettes a tobacco product (1600);
    # T-shirts; furniture; medicaments (2423: pharmaceuticals); petroleum oils; paintings (9214: services)
    assert got == ["C26", "C26", "C24A", "C24B", "C29", "C10T12", "A01", "C10T12", "C13T15", "C31T33", "C21", "C19",
                   "SER"]
    assert all(len(k) in (2, 4, 6) for k in world.concordance)


# ---------------------------------------------------------------------- baseline against published figures
def test_us_imports_from_china(world):
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    goods = world.flows[chn, usa, _goods(world)].sum() / 1e3
    census = 505.5  # US Census Bureau, Trade in Goods with China, 2017
    assert goods == pytest.approx(367.8, abs=0.1)
    assert 0.65 < goods / census < 0.80  # see the module docstring: basic prices, balanced mirror flows


def test_tariff_revenue_against_duties_collected(world):
    usa, chn = world.country_index("USA"), world.country_index("CHN")
    us_duties = 32.9  # US Census Bureau, calculated duties 2017, USD bn
    assert world.tariff_revenue[usa] / 1e3 == pytest.approx(us_duties, rel=0.15)
    china_customs = 299.8 / 6.7518  # China MOF 2017, bn yuan, at the 2017 average rate: USD 44.4 bn
    assert 1.5 < world.tariff_revenue[chn] / 1e3 / china_customs < 2.2


def test_average_tariffs_between_the_us_and_china(world):
    usa, chn = world.country_index("USA"), world.country_index("CHN")
    goods = _goods(world)

    def average(exporter: int, importer: int) -> float:
        flows = world.flows[exporter, importer, goods]
        return float((world.tariffs[exporter, importer, goods] * flows).sum() / flows.sum())

    assert average(chn, usa) == pytest.approx(0.031, abs=0.005)  # Bown (PIIE): 3.1 %
    assert 0.07 < average(usa, chn) < 0.11  # Bown (PIIE): 8.0 %; the cube's ISIC averages run higher


def test_largest_sectors_of_chinas_exports_to_the_us(world):
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    goods = _goods(world)
    flows = pd.Series(world.flows[chn, usa, goods], index=[world.sectors[k] for k in goods]) / 1e3
    # Census 2017, US imports from China by HS chapter (the shared series): HS 85 146.3 bn and HS 84 109.6 bn,
    # together 255.9 of 503.7 bn (50.8 %); textiles, apparel, leather and footwear (HS 41-43, 50-67) 64.1 bn;
    # furniture, toys and miscellaneous (HS 94-96) 60.5 bn
    assert list(flows.nlargest(3).index) == ["C26", "C13T15", "C31T33"]
    assert flows[["C26", "C27", "C28"]].sum() / flows.sum() == pytest.approx(0.508, abs=0.05)
    assert flows["C13T15"] == pytest.approx(64.1, rel=0.15)
    assert flows["C31T33"] / 60.5 == pytest.approx(flows.sum() / 503.7, abs=0.05)  # the overall ratio


# ---------------------------------------------------------------------- rebuilt from the shared data
@pytest.mark.shared_data
@pytest.mark.slow
def test_the_bundled_files_are_a_rebuild_of_the_shared_data():
    shared = data_root(*INPUTS.values())
    files = render(*build(shared))
    for name, content in files.items():
        assert BUNDLED.joinpath(name).read_bytes() == content, f"{name} differs from a rebuild: run `make worlds`"


@pytest.mark.shared_data
def test_the_us_rate_on_chinese_food_is_the_duty_collected():
    """The corrected US C10T12 rate on China is Census's duties / imports on the chapters that map to C10T12."""
    path = data_root(INPUTS["census"]) / INPUTS["census"]
    census = pd.read_parquet(path)
    census = census[(census["time"].dt.year == 2017) & (census["CTY_NAME"] == "CHINA")]
    chapters = world_2017_meta()["corrections"][1]["hs_chapters"]
    assert {"16", "20", "22", "24"} <= set(chapters) and "01" not in chapters
    rows = census[census["I_COMMODITY"].isin(chapters)]
    world = load_world_2017()
    rate = world.tariffs[world.country_index("CHN"), world.country_index("USA"), world.sector_index("C10T12")]
    assert rate == pytest.approx(rows["duty"].sum() / rows["imports"].sum(), rel=1e-9)
