"""The ICIO, WIOD, KITE, IJLMS and elasticity-set importers and their Worlds, on hand-made fixtures.

The fixtures (tests/fixtures/data/{icio,wiod,kite,ijlms,elasticities}/) are tiny files in each
source's real layout with invented numbers; every expected value below is worked out by hand
in a comment. The same checks on the real files are in test_io_sources_real.py.
"""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from tariffsim.data.baseline import world_from_catalog
from tariffsim.data.catalog import Catalog
from tariffsim.data.sector_elasticities import ELASTICITY_SETS, parse_elasticity_choice
from tariffsim.errors import DataError
from tariffsim.models import simulate
from tariffsim.models.multisector.model import MultisectorModel, solve_equilibrium
from tariffsim.options import Numeraire, SolverOptions
from tariffsim.shock import Shock
from tests.unit.data.conftest import write


def _imported(catalog: Catalog, fixtures, *sources: str) -> Catalog:
    files = {"icio": ["icio/ICIO2017_flows_tariffs.csv"], "wiod": ["wiod/WIOD2014_flows_tariffs.csv"],
             "sector-elasticities": ["elasticities/elasticities_by_sector.csv"],
             "kite": sorted(str(p.relative_to(fixtures)) for p in (fixtures / "kite" / "kite_wiod2014").glob("*.csv")),
             "ijlms": sorted(str(p.relative_to(fixtures)) for p in (fixtures / "ijlms").glob("*.csv"))}
    for source in sources:
        catalog.import_files(source, [fixtures / f for f in files[source]])
    return catalog


# ---------------------------------------------------------------------- ICIO
def test_icio_cube_imports_with_codes_and_years(catalog, fixtures):
    info = _imported(catalog, fixtures, "icio").get("icio-2017")
    flows = catalog.read("icio-2017")
    assert info.years == (2017,) and len(flows) == 26
    assert set(flows["sector"]) == {"A01", "C10T12", "C26", "SER"}  # 'Services (aggregate)' is labelled SER
    row = flows[(flows["exporter"] == "CHN") & (flows["importer"] == "USA") & (flows["sector"] == "C26")].iloc[0]
    assert row["value"] == 100 and row["tariff"] == pytest.approx(0.013) and row["sector_idx"] == 21
    # value total, by pair: CHN-CHN 5,500, CHN-USA 160, CHN-ROW 65, USA-CHN 115, USA-USA 11,000, USA-ROW 25,
    # ROW-CHN 30, ROW-USA 60, ROW-ROW 6,600
    assert info.value_total == pytest.approx(23_555.0)


def test_icio_world_from_catalog(catalog, fixtures):
    _imported(catalog, fixtures, "icio", "sector-elasticities")
    world = world_from_catalog(2017, flows="icio", data_dir=catalog.root)
    assert world.countries == ("CHN", "USA", "ROW") and len(world.sectors) == 28 and world.sectors[-1] == "SER"
    usa, chn = world.country_index("USA"), world.country_index("CHN")
    # US tariff revenue: 10*0.02 + 20*0.915345 + 100*0.013 + 30*0.004 (CHN) + 40*0.915345 + 20*0.01 (ROW)
    assert world.tariff_revenue[usa] == pytest.approx(0.2 + 18.3069 + 1.3 + 0.12 + 36.6138 + 0.2)
    assert world.flows[chn, chn].sum() == 5500  # 500 + 800 + 1200 + 3000
    # CP in the fixture's sets: theta = 2 + k/4 for sector k (A01 is k = 1, SER k = 28)
    assert world.elasticity[0] == 2.25 and world.elasticity[-1] == 9.0
    assert "91.5 %" in world.sources["tariffs"]
    grouped = world_from_catalog(2017, flows="icio", regions={"NA": ["USA"]}, rest="OTH",
                                 sectors={"FOOD": ["A01", "C10T12"]}, elasticity="U4", data_dir=catalog.root)
    assert grouped.countries == ("OTH", "NA") and (grouped.elasticity == 4.0).all()
    # trade CHN -> USA in A01 + C10T12: 10 + 20, tariffs trade-weighted: (10*0.02 + 20*0.915345) / 30
    oth, na, food = 0, 1, grouped.sector_index("FOOD")
    assert grouped.flows[oth, na, food] == pytest.approx(30 + 40)  # ROW's 40 of C10T12 joins CHN's in OTH
    assert grouped.tariffs[oth, na, food] == pytest.approx((0.2 + 18.3069 + 36.6138) / 70)


def test_icio_without_elasticity_sets_says_how_to_get_them(catalog, fixtures):
    _imported(catalog, fixtures, "icio")
    with pytest.raises(DataError, match="import them"):
        world_from_catalog(2017, flows="icio", data_dir=catalog.root)
    assert (world_from_catalog(2017, flows="icio", elasticity=3.5, data_dir=catalog.root).elasticity == 3.5).all()
    with pytest.raises(DataError, match="HS chapter"):
        world_from_catalog(2017, flows="icio", sectors="broad", elasticity=4, data_dir=catalog.root)


def test_icio_gzip_and_year_filter(catalog, fixtures, tmp_path):
    plain = fixtures / "icio" / "ICIO2017_flows_tariffs.csv"
    for year in (2017, 2018):
        target = tmp_path / f"ICIO{year}_flows_tariffs.csv.gz"
        target.write_bytes(gzip.compress(plain.read_bytes()))
    info = catalog.import_files("icio", sorted(tmp_path.glob("*.gz")))
    assert info.name == "icio" and info.years == (2017, 2018)
    one = catalog.import_files("icio", sorted(tmp_path.glob("*.gz")), year=2018, name="icio-only")
    assert one.years == (2018,) and len(one.inputs) == 1


@pytest.mark.parametrize(("line", "column", "match"), [
    ("ATL,USA,1,5,0,A01", "exporter", "unknown country code 'ATL'"),
    ("CHN,USA,29,5,0,A01", "sector_idx", "outside 1-28"),
    ("CHN,USA,2,5,0,A01", "sector", "labelled 'A01'; the ICIO cube has 'A02'"),
    ("CHN,USA,2,-5,0,A02", "flow_musd", "negative flow"),
    ("CHN,USA,2,5,25,A02", "tariff", "above 10"),
    ("USA,USA,2,5,0.1,A02", "tariff", "domestic sales"),
    ("CHN,USA,1,5,0,A01", "sector", "duplicated key"),
])
def test_icio_bad_rows_are_located(catalog, copy_fixture, line, column, match):
    path = copy_fixture("icio/ICIO2017_flows_tariffs.csv")
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("icio", [path])
    assert err.value.line == 28 and err.value.column == column


def test_icio_needs_a_year(catalog, copy_fixture):
    path = copy_fixture("icio/ICIO2017_flows_tariffs.csv", "cube.csv")
    with pytest.raises(DataError, match="pass --year"):
        catalog.import_files("icio", [path])
    assert catalog.import_files("icio", [path], year=2016).years == (2016,)


# ---------------------------------------------------------------------- WIOD
def test_wiod_uses_the_corrected_labels_and_realigns_tariffs(catalog, fixtures):
    _imported(catalog, fixtures, "wiod", "sector-elasticities")
    flows = catalog.read("wiod-2014")
    assert set(flows["sector"]) == {"A01T03", "C16", "C17T18", "C19", "C20T21", "C22", "C23", "C24T25", "C26T27",
                                    "SER"}
    world = world_from_catalog(2014, flows="wiod", data_dir=catalog.root)
    deu, usa = world.country_index("DEU"), world.country_index("USA")
    t = {s: world.tariffs[deu, usa, world.sector_index(s)] for s in world.sectors}
    # the file's tariffs follow the upstream labels: row k holds the rate of upstream sector k
    assert t["C16"] == 0.01           # row 5, "Wood, paper, printing"
    assert t["C17T18"] == 0.01        # paper and printing: also row 5's
    assert t["C19"] == 0.03           # coke and petroleum: row 6, upstream "Coke and refined petroleum"
    assert t["C20T21"] == 0.05        # chemicals: row 7
    assert t["C22"] == 0.035 and t["C23"] == 0.035   # row 8, "Rubber, plastics, non-metallic minerals"
    assert t["C24T25"] == pytest.approx((0.02 + 0.04) / 2)  # rows 9 and 10: basic and fabricated metals
    assert t["C26T27"] == pytest.approx((0.06 + 0.08) / 2)  # rows 11 and 12: computers and electrical equipment
    assert world.tariffs[usa, deu, world.sector_index("A01T03")] == 0.12
    # WIOD CP in the fixture: theta = 3 + k/8
    assert world.elasticity[world.sector_index("C19")] == 3 + 7 / 8


def test_wiod_refuses_uncorrected_labels(catalog, copy_fixture):
    path = copy_fixture("wiod/WIOD2014_flows_tariffs.csv")
    text = path.read_text().replace("Coke and refined petroleum (r10: C19)", '"Chemicals, pharmaceuticals"')
    path.write_text(text)
    with pytest.raises(DataError, match="the WIOD cube has 'Coke and refined petroleum") as err:
        catalog.import_files("wiod", [path])
    assert err.value.line == 7 and err.value.column == "sector_label_corrected"


# ---------------------------------------------------------------------- KITE
def test_kite_tariffs_are_imposed_by_the_origin(catalog, fixtures):
    info = _imported(catalog, fixtures, "kite").get("kite-2014")  # the year from the folder name
    flows = catalog.read("kite-2014").set_index(["exporter", "importer", "sector"])
    # tariff.csv: origin KOR, destination USA, C01 = 1.5 -> Korea taxes US goods at 50 %
    us_to_kor = flows.loc[("USA", "KOR", "C01")]
    assert us_to_kor["tariff"] == pytest.approx(0.5)
    # spending 0.3 * 100 = 30 (tariff-inclusive), flow 30 / 1.5 = 20
    assert us_to_kor["spending"] == pytest.approx(30.0) and us_to_kor["value"] == pytest.approx(20.0)
    # origin USA, destination KOR, C01 = 1.04: the US taxes Korean goods at 4 %: 0.1 * 300 / 1.04
    assert flows.loc[("KOR", "USA", "C01"), "value"] == pytest.approx(30 / 1.04)
    assert flows.loc[("KOR", "KOR", "C01"), "value"] == pytest.approx(70.0)
    theta = catalog.read("kite-2014", "elasticity").set_index("sector")["theta"]
    assert theta["C01"] == 2.0 and theta["C23"] == 4.0  # 1 / 0.5 and 1 / 0.25
    assert any("origin imposes" in n for n in info.notes)
    countries = catalog.read("kite-2014", "countries").set_index("country")
    assert countries.loc["KOR", "trade_balance"] == -5 and countries.loc["USA", "value_added"] == 1150


def test_kite_world_has_input_output_links_and_solves(catalog, fixtures):
    _imported(catalog, fixtures, "kite")
    world = world_from_catalog(2014, flows="kite", data_dir=catalog.root)
    assert world.has_input_output and world.countries == ("KOR", "USA")
    kor, usa = world.country_index("KOR"), world.country_index("USA")
    assert world.tariffs[usa, kor, 0] == pytest.approx(0.5) and world.tariffs[kor, usa, 0] == pytest.approx(0.04)
    np.testing.assert_allclose(world.value_added_share, [[0.6, 0.55], [0.5, 0.6]])
    np.testing.assert_allclose(world.io_shares[kor, :, 0], [0.25, 0.75])
    # re-solved spending: the final shares are KITE's (consumption_share.csv) exactly
    np.testing.assert_allclose(world.final_shares, [[0.1, 0.9], [0.08, 0.92]], rtol=1e-10)
    # the trade shares are KITE's: USA's share of Korea's C01 spending stays 0.3
    gross = (1 + world.tariffs) * world.flows
    assert gross[usa, kor, 0] / gross[:, kor, 0].sum() == pytest.approx(0.3, rel=1e-12)
    assert world.deficit.sum() == pytest.approx(0.0, abs=1e-9)
    assert (world.elasticity == [2.0, 4.0]).all()
    eq, diag = solve_equilibrium(world, None, world.tariffs, closure="fixed_level", numeraire=Numeraire(),
                                 solver=SolverOptions())
    assert diag.converged
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-12)
    new = np.array(world.tariffs)
    new[kor, usa, :] += 0.05
    result = simulate(world, Shock(countries=world.countries, sectors=world.sectors, tariffs=new),
                      model=MultisectorModel())
    assert result.diagnostics.converged


@pytest.mark.parametrize(("name", "line", "column", "match"), [
    ("tariff.csv", 3, "value", "below 1: KITE stores 1 \\+ tariff"),
    ("trade_share.csv", 3, "value", "share 1.3 above 1"),
    ("factor_share.csv", 3, "value", "outside \\(0, 1\\]"),
    ("trade_elasticity.csv", 2, "value", "not positive"),
])
def test_kite_bad_cells_are_located(catalog, fixtures, tmp_path, name, line, column, match):
    folder = tmp_path / "kite_wiod2014"
    shutil.copytree(fixtures / "kite" / "kite_wiod2014", folder)
    path = folder / name
    rows = path.read_text().splitlines()
    head, *cells = rows[line - 1].split(",")
    cells[-1] = {"tariff.csv": "0.9", "trade_share.csv": "1.3", "factor_share.csv": "1.2",
                 "trade_elasticity.csv": "-0.5"}[name]
    rows[line - 1] = ",".join([head, *cells])
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("kite", sorted(folder.glob("*.csv")))
    assert (err.value.line, err.value.column) == (line, column)


def test_kite_shares_must_sum_to_one_and_files_be_complete(catalog, fixtures, tmp_path):
    folder = tmp_path / "kite_wiod2014"
    shutil.copytree(fixtures / "kite" / "kite_wiod2014", folder)
    path = folder / "trade_share.csv"
    path.write_text(path.read_text().replace("USA,KOR,C01,0.3", "USA,KOR,C01,0.2"))
    with pytest.raises(DataError, match=r"importer KOR, sector C01 sum to 0\.90000000"):
        catalog.import_files("kite", sorted(folder.glob("*.csv")))
    (folder / "tariff.csv").unlink()
    with pytest.raises(DataError, match="missing KITE files: tariff"):
        catalog.import_files("kite", sorted(folder.glob("*.csv")))
    write(folder / "notes.csv", "a\n1\n")
    with pytest.raises(DataError, match="not a KITE file name"):
        catalog.import_files("kite", sorted(folder.glob("*.csv")))


# ---------------------------------------------------------------------- IJLMS
def test_ijlms_tables_and_world(catalog, fixtures):
    _imported(catalog, fixtures, "ijlms")
    flows = catalog.read("ijlms-2023").set_index(["exporter", "importer"])["value"]
    # row = exporter, column = importer, thousand USD: CHN -> USA 400,000 = 400 USD m; blanks are zeros, left out
    assert flows[("CHN", "USA")] == 400.0 and flows[("USA", "CHN")] == 150.0 and len(flows) == 5
    countries = catalog.read("ijlms-2023", "countries").set_index("country")
    assert countries.loc["USA", "gdp"] == 2_000_000.0 and countries.loc["CHN", "us_tariff_2025"] == 0.54
    world = world_from_catalog(2023, flows="ijlms", data_dir=catalog.root)
    chn, gmb, usa = (world.country_index(c) for c in ("CHN", "GMB", "USA"))
    # output = GDP: domestic sales = GDP - exports (CHN: 1,000,000 - 0.5 - 400)
    assert world.flows[chn, chn, 0] == pytest.approx(1_000_000 - 400.5)
    assert world.output[usa] == pytest.approx(2_000_000.0)
    # Gambia exports 0.3 USD m with a GDP of 0.2: domestic sales take China's share (the smallest other)
    assert world.flows[gmb, gmb, 0] == pytest.approx(0.2 * (1 - 400.5 / 1_000_000))
    assert "GMB" in world.sources["flows"] and (world.tariffs == 0).all() and (world.elasticity == 4.0).all()


def test_ijlms_rows_follow_the_labels(catalog, fixtures, tmp_path):
    for path in (fixtures / "ijlms").glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "gdp.csv").write_text("gdp\n1e12\n2e5\n")
    with pytest.raises(DataError, match="2 rows for 3 countries"):
        catalog.import_files("ijlms", sorted(tmp_path.glob("*.csv")))
    (tmp_path / "gdp.csv").write_text("gdp\n1e12\n2e5\n2e12\n")
    (tmp_path / "trade_cepii.csv").write_text("export_ij1,export_ij2,export_ij3\n,5,-4\n")
    with pytest.raises(DataError, match="negative trade") as err:
        catalog.import_files("ijlms", sorted(tmp_path.glob("*.csv")))
    assert (err.value.line, err.value.column) == (2, "export_ij3")


# ---------------------------------------------------------------------- elasticity sets
def test_elasticity_sets_import_and_check_sigma(catalog, fixtures, copy_fixture):
    info = _imported(catalog, fixtures, "sector-elasticities").get("sector-elasticities")
    sets = catalog.read(info.name)
    assert len(sets) == 72 and set(sets["code"]) == {"CP", "U4"}
    ser = sets[(sets["dataset"] == "icio") & (sets["code"] == "CP") & (sets["sector_idx"] == 28)].iloc[0]
    assert ser["sector"] == "SER" and ser["theta"] == 9.0 and ser["sigma"] == 10.0
    path = copy_fixture("elasticities/elasticities_by_sector.csv")
    path.write_text(path.read_text() + "icio,2014,CP,caliendo_parro_2015,3,A03,5.0,3.0\n")
    with pytest.raises(DataError, match="is not sigma - 1") as err:
        catalog.import_files("sector-elasticities", [path])
    assert (err.value.line, err.value.column) == (74, "epsilon")


@pytest.mark.parametrize(("given", "expected"), [("CP", "CP"), ("cp", "CP"), ("shap", "Shap"), ("4", 4.0),
                                                 (2.5, 2.5), (" bsy ", "BSY")])
def test_elasticity_choices(given, expected):
    assert parse_elasticity_choice(given) == expected


@pytest.mark.parametrize("given", ["XYZ", "0", "-3", "inf", True])
def test_bad_elasticity_choices(given):
    with pytest.raises(DataError, match="elasticit"):
        parse_elasticity_choice(given)


def test_the_eight_sets_of_the_issue_are_named():
    assert list(ELASTICITY_SETS) == ["CP", "BSY", "FGO", "U4", "IS", "GYY", "Shap", "LL"]
