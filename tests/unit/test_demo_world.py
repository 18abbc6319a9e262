"""The bundled 2017 demo world: it loads, validates, and reproduces its sourced figures.

Tolerances. Sourced figures enter the build as they are published (USD billions,
rounded to 0.1 bn or 1 bn); the build reproduces them up to floating point and the
balancing tolerance (relative 1e-13), so comparisons use ``rel=1e-9``. The one
check against a number quoted by a second source (US imports from China, 505.5 per
the Census Bureau's revised annual figure) allows the rounding difference of 0.15 bn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim import World
from tariffsim.data import demo
from tariffsim.data.demo import (
    DEMO_COUNTRIES,
    DEMO_SECTORS,
    DEMO_WORLD_NAME,
    GOODS_SECTORS,
    demo_build_report,
    demo_figures,
    demo_sectors,
    load_demo_world,
)

REL = 1e-9
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo_world.md"


@pytest.fixture(scope="module")
def world() -> World:
    return load_demo_world()


@dataclass(frozen=True)
class Figures:
    """The sources table as plain typed lookups by figure id."""

    value: dict[str, float]
    unit: dict[str, str]
    status: dict[str, str]
    description: dict[str, str]

    @property
    def ids(self) -> list[str]:
        return list(self.value)

    def usd_millions(self, figure_id: str) -> float:
        factor = {"USD billions": 1000.0, "USD millions": 1.0,
                  "EUR billions": 1000.0 * self.value["eur_usd_2017"]}[self.unit[figure_id]]
        return self.value[figure_id] * factor


@pytest.fixture(scope="module")
def figures() -> Figures:
    table = demo_figures()
    ids = [str(x) for x in table["id"]]

    def column(name: str) -> dict[str, str]:
        return dict(zip(ids, (str(x) for x in table[name]), strict=True))

    return Figures(value=dict(zip(ids, (float(x) for x in table["value"]), strict=True)), unit=column("unit"),
                   status=column("status"), description=column("description"))


@pytest.fixture(scope="module")
def report() -> pd.DataFrame:
    return demo_build_report()


def flow(world: World, exporter: str, importer: str) -> float:
    return float(world.flows[world.country_index(exporter), world.country_index(importer)].sum())


# ---------------------------------------------------------------------- loading and validity
def test_loads_a_validated_immutable_world(world: World) -> None:
    assert isinstance(world, World)
    assert world.name == DEMO_WORLD_NAME == "demo-2017"
    assert world.year == 2017
    assert world.countries == DEMO_COUNTRIES == ("USA", "CHN", "EU", "JPN", "KOR", "CAN", "MEX", "IND", "ROW")
    assert world.sectors == DEMO_SECTORS
    assert 5 <= len(GOODS_SECTORS) <= 7 and DEMO_SECTORS[-1] == "SER"
    assert world.shape == (9, 9, 8)
    assert load_demo_world() is world
    assert not world.flows.flags.writeable
    assert world.sources and all(v for v in world.sources.values())


def test_passes_validation_again(world: World) -> None:
    rebuilt = World(countries=world.countries, sectors=world.sectors, flows=np.array(world.flows),
                    elasticity=np.array(world.elasticity), tariffs=np.array(world.tariffs),
                    concordance=world.concordance)
    assert rebuilt.fingerprint == world.fingerprint
    assert (world.flows >= 0).all()
    assert (world.domestic_sales > 0).all()
    assert ((world.tariffs >= 0) & (world.tariffs <= 10)).all()
    assert (world.elasticity > 0).all()


def test_build_is_deterministic() -> None:
    # How long a build takes is measured by benchmarks/world_build.py, not asserted here.
    builds = [demo._build_uncached() for _ in range(2)]
    assert len({b.world.fingerprint for b in builds}) == 1


def test_services_are_non_traded_and_untaxed(world: World) -> None:
    ser = world.sector_index("SER")
    assert not world.traded[ser]
    assert world.traded[:ser].all()
    assert (world.tariffs[:, :, ser] == 0).all()
    n = world.n_countries
    assert (world.tariffs[np.arange(n), np.arange(n), :] == 0).all()


# ---------------------------------------------------------------------- sourced figures reproduced
def test_us_imports_from_china(world: World, figures: Figures) -> None:
    value = flow(world, "CHN", "USA")
    assert value == pytest.approx(figures.usd_millions("flow_CHN_USA"), rel=REL)
    assert abs(value / 1000 - 505.5) <= 0.15  # Census revised figure; USITC publishes 505.6
    assert flow(world, "USA", "CHN") / 1000 == pytest.approx(130.4, rel=REL)


def test_every_sourced_bilateral_flow_is_reproduced(world: World, figures: Figures) -> None:
    ids = [i for i in figures.ids if re.fullmatch(r"flow_[A-Z]+_[A-Z]+", i)]
    assert len(ids) == 10
    for figure_id in ids:
        _, exporter, importer = figure_id.split("_")
        assert flow(world, exporter, importer) == pytest.approx(figures.usd_millions(figure_id), rel=REL)


def test_eu_bilateral_flows_follow_eurostat_totals_and_balances(world: World, figures: Figures) -> None:
    for partner in ("USA", "CHN"):
        total = figures.usd_millions(f"total_EU_{partner}_eur")
        balance = figures.usd_millions(f"balance_EU_{partner}_eur")
        assert flow(world, "EU", partner) + flow(world, partner, "EU") == pytest.approx(total, rel=REL)
        assert flow(world, "EU", partner) - flow(world, partner, "EU") == pytest.approx(balance, rel=REL)


def test_gdp_equals_sourced_gdp(world: World, figures: Figures) -> None:
    for country in DEMO_COUNTRIES:
        if country in ("EU", "ROW"):
            continue
        assert world.output[world.country_index(country)] == pytest.approx(
            figures.usd_millions(f"gdp_{country}"), rel=REL)
    assert world.output[world.country_index("EU")] == pytest.approx(figures.usd_millions("gdp_EU_eur"), rel=REL)
    assert world.output.sum() == pytest.approx(figures.usd_millions("gdp_WORLD"), rel=REL)


def test_goods_exports_and_imports_match_sourced_totals(world: World, figures: Figures) -> None:
    for country in ("USA", "CHN", "JPN", "KOR", "CAN", "MEX", "IND"):
        k = world.country_index(country)
        assert world.exports[k] == pytest.approx(figures.usd_millions(f"exports_{country}"), rel=REL)
        assert world.imports[k] == pytest.approx(figures.usd_millions(f"imports_{country}"), rel=REL)
    eu = world.country_index("EU")
    assert world.exports[eu] == pytest.approx(figures.usd_millions("exports_EU_extra_eur"), rel=REL)
    assert world.exports[eu] - world.imports[eu] == pytest.approx(figures.usd_millions("balance_EU_extra_eur"),
                                                                  rel=REL)
    # USITC publishes the 2017 US goods deficit as 796.2 bn.
    assert world.deficit[world.country_index("USA")] / 1000 == pytest.approx(796.2, abs=0.05)
    assert world.deficit.sum() == pytest.approx(0.0, abs=1e-6)


def test_sector_mix_is_the_published_us_export_mix(world: World, figures: Figures) -> None:
    sectors = demo_sectors()
    members = [m for ids in sectors["trade_mix_ids"] if ids for m in ids.split(";")]
    assert len(members) == len(set(members)) == 12
    # The twelve USITC sectors add up to the published US total (1,546.7 bn, rounded).
    assert sum(figures.usd_millions(m) for m in members) / 1000 == pytest.approx(
        figures.value["exports_USA"], abs=0.05)
    ser = world.sector_index("SER")
    usa = world.flows[world.country_index("USA"), :, :ser].sum(axis=0)
    usa -= world.flows[world.country_index("USA"), world.country_index("USA"), :ser]
    for sector, ids in zip(sectors["sector"], sectors["trade_mix_ids"], strict=True):
        if sector == "SER":
            continue
        expected = sum(figures.usd_millions(m) for m in ids.split(";"))
        share = usa[world.sector_index(sector)] / usa.sum()
        assert share == pytest.approx(expected / sum(figures.usd_millions(m) for m in members), rel=REL)


def test_tariffs_follow_the_table(world: World, figures: Figures) -> None:
    agr = world.sector_index("AGR")
    mac = world.sector_index("MAC")
    chn, usa, eu, can, mex = (world.country_index(c) for c in ("CHN", "USA", "EU", "CAN", "MEX"))
    assert world.tariffs[chn, usa, mac] == pytest.approx(figures.value["tariff_non_agricultural_USA"] / 100)
    assert world.tariffs[usa, chn, agr] == pytest.approx(figures.value["tariff_agricultural_CHN"] / 100)
    assert world.tariffs[usa, eu, agr] == pytest.approx(figures.value["tariff_agricultural_EU"] / 100)
    for a in (usa, can, mex):
        for b in (usa, can, mex):
            assert (world.tariffs[a, b, :] == 0).all()


# ---------------------------------------------------------------------- the sources table
def test_every_figure_has_a_source(figures: Figures) -> None:
    table = demo_figures()
    assert list(table.columns) == ["id", "value", "unit", "description", "source", "url", "status"]
    assert table["id"].is_unique
    for column in ("unit", "description", "source", "url"):
        assert (table[column].str.strip() != "").all(), column
    assert set(table["status"]) == {"sourced", "assumption"}
    assert table["url"].str.match(r"https?://").all()
    assert np.isfinite(table["value"]).all()


def test_assumptions_say_they_are_choices(figures: Figures) -> None:
    assumptions = {i for i, status in figures.status.items() if status == "assumption"}
    assert {"goods_output_share", "domestic_sales_floor", "trade_elasticity", "tariff_NAFTA"} <= assumptions
    # Tariffs that were not verified say so in their description.
    for country in ("CAN", "MEX", "IND", "ROW"):
        for group in ("agricultural", "non_agricultural"):
            figure_id = f"tariff_{group}_{country}"
            assert figure_id in assumptions and "IMPUTED" in figures.description[figure_id]


def test_figures_table_is_a_copy() -> None:
    table = demo_figures()
    table.loc[:, "value"] = 0.0
    assert (demo_figures()["value"] != 0).any()


def test_elasticities_match_the_stated_assumption(world: World, figures: Figures) -> None:
    sectors = demo_sectors()
    assert (sectors["elasticity_source"].str.strip() != "").all()
    assert np.allclose(world.elasticity, figures.value["trade_elasticity"])


def test_sectors_cover_each_hs_chapter_once() -> None:
    owner: dict[int, str] = {}
    for sector, chapters in zip(demo_sectors()["sector"], demo_sectors()["hs2_chapters"], strict=True):
        for part in filter(None, chapters.split(";")):
            lo, _, hi = part.partition("-")
            for chapter in range(int(lo), int(hi or lo) + 1):
                assert chapter not in owner, f"HS {chapter:02d} in {owner.get(chapter)} and {sector}"
                owner[chapter] = sector
    # Chapter 77 is reserved in the HS; the range 68-83 may include it harmlessly.
    assert set(owner) - {77} == set(range(1, 98)) - {77}


def test_docs_list_every_figure() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [i for i in demo_figures()["id"] if f"`{i}`" not in text]
    assert not missing


# ---------------------------------------------------------------------- the build report
def test_report_flags_every_cell(world: World, report: pd.DataFrame) -> None:
    assert set(report["status"]) <= {"sourced", "derived", "imputed"}
    cells = report[report["kind"] == "flow"]
    assert len(cells) == world.flows.size
    assert not cells.duplicated(["exporter", "importer", "sector"]).any()
    # No sector-level figure is used: every sector cell is imputed.
    assert (cells["status"] == "imputed").all()
    for exporter, importer, sector, value in zip(cells["exporter"], cells["importer"], cells["sector"],
                                                 cells["value"], strict=True):
        i, j = world.country_index(str(exporter)), world.country_index(str(importer))
        assert value == world.flows[i, j, world.sector_index(str(sector))]
    assert (cells["rule"].str.strip() != "").all()


def test_report_bilateral_status(world: World, report: pd.DataFrame, figures: Figures) -> None:
    bilateral = report[report["kind"] == "bilateral"]
    assert len(bilateral) == 9 * 8
    sourced = bilateral[bilateral["status"] == "sourced"]
    assert sorted(sourced["figure_ids"]) == sorted(i for i in figures.ids if re.fullmatch(r"flow_[A-Z]+_[A-Z]+", i))
    assert set(bilateral.loc[bilateral["status"] == "derived", ["exporter", "importer"]].itertuples(
        index=False, name=None)) == {("EU", "USA"), ("USA", "EU"), ("EU", "CHN"), ("CHN", "EU"), ("KOR", "CHN")}
    assert (bilateral["status"] == "imputed").sum() == 57
    for exporter, importer, value in zip(bilateral["exporter"], bilateral["importer"], bilateral["value"],
                                         strict=True):
        assert value == pytest.approx(flow(world, str(exporter), str(importer)), rel=REL)


def test_report_aggregates(report: pd.DataFrame) -> None:
    gdp = report[report["kind"] == "gdp"].set_index("country")["status"]
    assert gdp.drop(["EU", "ROW"]).eq("sourced").all()
    assert gdp["EU"] == "derived" and gdp["ROW"] == "derived"
    exports = report[report["kind"] == "exports"].set_index("country")["status"]
    assert exports["ROW"] == "imputed"
    tariffs = report[report["kind"] == "tariff"]
    assert len(tariffs) == 9 * 8
    sourced = set(tariffs.loc[tariffs["status"] == "sourced", "importer"])
    assert sourced == {"USA", "EU", "CHN", "JPN", "KOR"}


def test_internal_trade_fits_in_domestic_sales(world: World, report: pd.DataFrame) -> None:
    ser = world.sector_index("SER")
    intra = report[report["kind"] == "intra_region"].set_index("country")["value"]
    for region in ("EU", "ROW"):
        k = world.country_index(region)
        assert 0 < intra[region] < world.flows[k, k, :ser].sum()


def test_concordance_maps_every_hs_chapter_of_the_goods_sectors(world: World) -> None:
    import pandas as pd

    chapters = pd.Series([f"{c:02d}" for c in range(1, 98) if c != 77])
    sectors = world.sector_of(chapters)
    assert sectors.notna().all()
    assert set(sectors) == set(GOODS_SECTORS)
    assert world.sector_of(pd.Series(["84713000", "02031100", "87032300"])).tolist() == ["MAC", "AGR", "VEH"]
