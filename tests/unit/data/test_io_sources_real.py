"""The ICIO, WIOD, KITE, IJLMS and elasticity-set importers on the real files of ../shared/data.

Expected numbers: the data README's sanity figures (../shared/data/README.md, sections 8-10,
which state them from the files' sources), published schedules (Korea's farm tariffs, China's
25 % MFN tariff on cars in 2014), Caliendo and Parro's own θ (``caliendo_parro_2015/original_matrices/T.txt``),
and identities. Each test skips when its files are absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.data.baseline import world_from_catalog
from tariffsim.data.catalog import Catalog
from tariffsim.models import simulate
from tariffsim.models.multisector.model import MultisectorModel, solve_equilibrium
from tariffsim.options import Numeraire, SolverOptions
from tariffsim.shock import Shock
from tests.conftest import data_root, shared_file

pytestmark = pytest.mark.shared_data

CUBES = "icio_wiod_lashkaripour"
GOODS = slice(0, 27)  # the 27 goods and industry sectors of the ICIO cube, before the services aggregate


@pytest.fixture
def icio_2017(catalog: Catalog) -> Catalog:
    catalog.import_files("icio", [shared_file(f"{CUBES}/ICIO2017_flows_tariffs.csv.gz")])
    catalog.import_files("sector-elasticities", [shared_file(f"{CUBES}/elasticities_by_sector.csv")])
    return catalog


def test_icio_2017_sanity_figures(icio_2017):
    info = icio_2017.get("icio-2017")
    assert info.tables["flows"].rows == 183_708  # 81 x 81 x 28
    world = world_from_catalog(2017, flows="icio", data_dir=icio_2017.root)
    assert world.n_countries == 81 and world.n_sectors == 28 and world.countries[-1] == "ROW"
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    # README section 8: China -> US goods 367.8 bn (C26 110 bn, textiles 65 bn), US -> China goods 102.9 bn
    assert world.flows[chn, usa, GOODS].sum() / 1e3 == pytest.approx(367.8, abs=0.05)
    assert world.flows[usa, chn, GOODS].sum() / 1e3 == pytest.approx(102.9, abs=0.05)
    assert world.flows[chn, usa, world.sector_index("C26")] / 1e3 == pytest.approx(110, abs=0.5)
    assert world.flows[chn, usa, world.sector_index("C13T15")] / 1e3 == pytest.approx(65, abs=0.5)
    # the caveat the catalog World keeps and names: the US tobacco-quota rate on C10T12
    assert world.tariffs[chn, usa, world.sector_index("C10T12")] == pytest.approx(0.915, abs=5e-4)
    # CP's theta for petroleum (C19), Caliendo and Parro (2015) table 1: 64.85
    assert world.elasticity[world.sector_index("C19")] == pytest.approx(64.85)


@pytest.mark.slow
def test_every_icio_and_wiod_year_imports_and_builds_a_world(catalog):
    files = ([shared_file(f"{CUBES}/ICIO{y}_flows_tariffs.csv.gz") for y in range(2011, 2023)]
             + [shared_file(f"{CUBES}/WIOD{y}_flows_tariffs.csv.gz") for y in range(2000, 2015)])
    icio = catalog.import_files("icio", files[:12])
    wiod = catalog.import_files("wiod", files[12:])
    catalog.import_files("sector-elasticities", [shared_file(f"{CUBES}/elasticities_by_sector.csv")])
    assert icio.years == tuple(range(2011, 2023)) and wiod.years == tuple(range(2000, 2015))
    for source, years, shape in (("icio", icio.years, (81, 81, 28)), ("wiod", wiod.years, (44, 44, 16))):
        for year in years:
            world = world_from_catalog(year, flows=source, data_dir=catalog.root)
            assert world.shape == shape and world.year == year
            assert world.deficit.sum() == pytest.approx(0.0, abs=1e-6 * world.output.sum())


def test_realigned_wiod_tariffs_are_the_icio_tariffs_of_the_same_industries(catalog):
    """The WIOD cube's tariffs follow its upstream labels; realigned, they equal the ICIO 2014 cube's
    tariffs of the same industries (the cubes copy one Teti rate to sub-sectors, simple means where the
    WIOD sector spans two ICIO groups)."""
    catalog.import_files("wiod", [shared_file(f"{CUBES}/WIOD2014_flows_tariffs.csv.gz")])
    catalog.import_files("icio", [shared_file(f"{CUBES}/ICIO2014_flows_tariffs.csv.gz")])
    wiod = world_from_catalog(2014, flows="wiod", elasticity=4, data_dir=catalog.root)
    icio = world_from_catalog(2014, flows="icio", elasticity=4, data_dir=catalog.root)
    members = {"C16": ["C16"], "C17T18": ["C17_18"], "C19": ["C19"], "C20T21": ["C20", "C21"], "C22": ["C22"],
               "C23": ["C23"], "C24T25": ["C24A", "C24B", "C25"], "C26T27": ["C26", "C27"]}
    common = [c for c in wiod.countries if c in icio.countries and c != "ROW"]
    wi = [wiod.country_index(c) for c in common]
    ii = [icio.country_index(c) for c in common]
    off = ~np.eye(len(common), dtype=bool)
    realigned, expected = [], []
    for sector, group in members.items():
        realigned.append(wiod.tariffs[np.ix_(wi, wi)][:, :, wiod.sector_index(sector)][off])
        expected.append(np.mean([icio.tariffs[np.ix_(ii, ii)][:, :, icio.sector_index(s)][off] for s in group],
                                axis=0))
    got, want = np.concatenate(realigned), np.concatenate(expected)
    assert np.corrcoef(got, want)[0, 1] > 0.99
    # the file's own alignment is visibly worse: read the raw rows 6-12 under the corrected labels
    raw = catalog.read("wiod-2014").pivot_table(index=["exporter", "importer"], columns="sector_idx",
                                                values="tariff")
    pairs = pd.MultiIndex.from_tuples([(common[a], common[b]) for a, b in zip(*np.nonzero(off), strict=True)])
    as_given = np.concatenate([raw.loc[pairs, k].to_numpy() for k in (5, 6, 7, 8, 9, 10, 11, 12)])
    assert np.corrcoef(as_given, want)[0, 1] < 0.95


@pytest.fixture
def kite(catalog: Catalog) -> Catalog:
    folder = data_root("kite_wiod2014/trade_share.csv.gz") / "kite_wiod2014"
    catalog.import_files("kite", sorted(folder.glob("*.csv.gz")))
    return catalog


@pytest.mark.slow
def test_kite_tariff_orientation_matches_known_schedules(kite, catalog):
    world = world_from_catalog(2014, flows="kite", data_dir=kite.root)
    t = world.tariffs
    kor, usa, chn = (world.country_index(c) for c in ("KOR", "USA", "CHN"))
    crops, cars = world.sector_index("C01"), world.sector_index("C20")
    # Korea's farm tariffs are high (WTO Tariff Profiles: simple average agricultural MFN above 50 %),
    # the US's low (about 5 %): Korea taxes US crops at 76 %, the US Korean crops at 0.5 %
    assert t[usa, kor, crops] == pytest.approx(0.763, abs=1e-3) and t[kor, usa, crops] < 0.01
    # China's MFN tariff on cars was 25 % in 2014 (10 % on parts): China taxes US motor vehicles at 21.5 %
    assert t[usa, chn, cars] == pytest.approx(0.215, abs=1e-3) and t[chn, usa, cars] < 0.03
    # Across pairs, the oriented tariffs follow the ICIO 2014 cube's (Teti) tariffs of the same importer
    catalog.import_files("icio", [shared_file(f"{CUBES}/ICIO2014_flows_tariffs.csv.gz")], name="icio-ref")
    icio = world_from_catalog(2014, flows="icio-ref", elasticity=4, data_dir=catalog.root)
    mapping = {"C01": ["A01"], "C05": ["C10T12"], "C06": ["C13T15"], "C11": ["C20"], "C13": ["C22"],
               "C17": ["C26"], "C19": ["C28"], "C20": ["C29"]}
    common = [c for c in world.countries if c in icio.countries and c != "ROW"]
    ki, ii = [world.country_index(c) for c in common], [icio.country_index(c) for c in common]
    off = ~np.eye(len(common), dtype=bool)
    ours, reverse, reference = [], [], []
    for sector, (icio_sector,) in mapping.items():
        block = t[np.ix_(ki, ki)][:, :, world.sector_index(sector)]
        ours.append(block[off])
        reverse.append(block.T[off])
        reference.append(icio.tariffs[np.ix_(ii, ii)][:, :, icio.sector_index(icio_sector)][off])
    ref = np.concatenate(reference)
    # measured on these eight sectors: 0.45 as oriented, 0.21 the other way round (all 22 goods sectors: 0.51, 0.20)
    oriented, other_way = (np.corrcoef(np.concatenate(x), ref)[0, 1] for x in (ours, reverse))
    assert oriented > 0.4 and other_way < 0.25 and oriented > 2 * other_way


@pytest.mark.slow
def test_kite_world_solves_and_its_deficits(kite):
    world = world_from_catalog(2014, flows="kite", data_dir=kite.root)
    assert world.has_input_output and world.shape == (44, 44, 50)
    assert world.final_shares.min() >= 0.0
    eq, diag = solve_equilibrium(world, None, world.tariffs, closure="fixed_level", numeraire=Numeraire(),
                                 solver=SolverOptions())
    assert diag.converged
    np.testing.assert_allclose(eq.wage_hat, 1.0, rtol=1e-12)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-10, atol=1e-10 * world.flows.max())
    new = np.array(world.tariffs)
    new[world.country_index("CHN"), world.country_index("USA"), :22] += 0.05
    result = simulate(world, Shock(countries=world.countries, sectors=world.sectors, tariffs=new),
                      model=MultisectorModel())
    assert result.diagnostics.converged
    welfare = result.countries.set_index("country")["welfare_pct"]
    assert welfare["CHN"] < 0  # a US tariff on Chinese goods: China loses
    # Deficits: KITE's trade_balance file is reproduced exactly by its files when each stored tariff is
    # applied to the flow from 'origin' to 'destination' (its model's reading) - the identity that shows
    # KITE's balances use the orientation the schedules contradict.
    flows = kite.read("kite-2014")
    stored = flows.set_index(["exporter", "importer", "sector"])["tariff"]
    reverse = stored.reindex(pd.MultiIndex.from_arrays([flows["importer"], flows["exporter"], flows["sector"]]))
    value = flows["spending"].to_numpy() / (1.0 + reverse.to_numpy())
    trade = flows.assign(value=value)[flows["exporter"] != flows["importer"]]
    surplus = trade.groupby("exporter")["value"].sum() - trade.groupby("importer")["value"].sum()
    balance = kite.read("kite-2014", "countries").set_index("country")["trade_balance"]
    np.testing.assert_allclose(surplus.reindex(balance.index), balance, rtol=1e-9, atol=1e-3)
    # ours, with the schedules' orientation: same sign wherever KITE's imbalance exceeds USD 50 bn
    ours = pd.Series(-world.deficit, index=world.countries)
    big = balance[balance.abs() > 50_000]
    assert (np.sign(ours[big.index]) == np.sign(big)).all() and len(big) >= 8
    assert world.deficit.sum() == pytest.approx(0.0, abs=1e-6)


def test_ijlms_inputs(catalog):
    folder = data_root("liberation_day_2025/trade_cepii.csv") / "liberation_day_2025"
    info = catalog.import_files("ijlms", sorted(folder.glob("*.csv")))
    countries = catalog.read(info.name, "countries").set_index("country")
    assert len(countries) == 194
    # README section 10: the US tariffs of 2 April 2025
    assert countries.loc["CHN", "us_tariff_2025"] == pytest.approx(0.54)
    assert countries.loc["VNM", "us_tariff_2025"] == pytest.approx(0.46)
    assert countries.loc["JPN", "us_tariff_2025"] == pytest.approx(0.24)
    assert countries.loc["DEU", "us_tariff_2025"] == pytest.approx(0.20)
    world = world_from_catalog(2023, flows="ijlms", data_dir=catalog.root)
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    # README: China -> US 440.5 bn, US -> China 145.3 bn, US GDP 27.8 tn (output = GDP in this World)
    assert world.flows[chn, usa, 0] / 1e3 == pytest.approx(440.5, abs=0.05)
    assert world.flows[usa, chn, 0] / 1e3 == pytest.approx(145.3, abs=0.05)
    assert world.output[usa] / 1e6 == pytest.approx(27.8, abs=0.05)


def test_the_cp_set_is_caliendo_and_parros_theta(catalog):
    """Lashkaripour's CP set against CP's own T.txt (their 20 tradable sectors, in their order)."""
    catalog.import_files("sector-elasticities", [shared_file(f"{CUBES}/elasticities_by_sector.csv")])
    theta = np.loadtxt(shared_file("caliendo_parro_2015/original_matrices/T.txt"))
    cp = dict(zip(["Agriculture", "Mining", "Food", "Textile", "Wood", "Paper", "Petroleum", "Chemicals", "Plastic",
                   "Minerals", "Basic metals", "Metal products", "Machinery", "Office", "Electrical",
                   "Communication", "Medical", "Auto", "Other Transport", "Other"], theta, strict=True))
    sets = catalog.read("sector-elasticities")
    icio = sets[(sets["dataset"] == "icio") & (sets["year"] == 2017) & (sets["code"] == "CP")].set_index("sector")
    expected = {"A01": cp["Agriculture"], "B06": cp["Mining"], "C10T12": cp["Food"], "C13T15": cp["Textile"],
                "C16": (cp["Wood"] + cp["Paper"]) / 2, "C19": cp["Petroleum"], "C20": cp["Chemicals"],
                "C22": (cp["Plastic"] + cp["Minerals"]) / 2, "C24A": cp["Basic metals"], "C25": cp["Metal products"],
                "C26": (cp["Office"] + cp["Communication"] + cp["Medical"]) / 3, "C27": cp["Electrical"],
                "C28": cp["Machinery"]}
    for sector, value in expected.items():
        assert icio.loc[sector, "theta"] == pytest.approx(value, abs=0.006), sector
    assert len(sets) == 576 and set(sets["code"]) == {"IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL"}
