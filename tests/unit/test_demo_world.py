"""The bundled 2017 demo world: world-2017 grouped into 9 regions and 8 sectors.

Every expected number is computed here from world-2017's arrays by plain sums (flows) and
trade-weighted averages (tariffs, θ) over the members that ``demo/regions.csv`` and
``demo/sectors.csv`` list — independently of :meth:`World.aggregate`, which the demo uses.
World-2017's own numbers are checked against published figures in
``tests/unit/data/test_world_2017.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim import World
from tariffsim.data import load_world
from tariffsim.data.demo import (
    DEMO_COUNTRIES,
    DEMO_SECTORS,
    DEMO_WORLD_NAME,
    GOODS_SECTORS,
    demo_regions,
    demo_sectors,
    load_demo_world,
)
from tariffsim.data.world2017 import load_world_2017

DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo_world.md"
EU28 = ("AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HRV", "HUN", "IRL",
        "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE")
"""The 28 member states of the EU in 2017."""


@pytest.fixture(scope="module")
def world() -> World:
    return load_demo_world()


@pytest.fixture(scope="module")
def base() -> World:
    return load_world_2017()


def members(base: World) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Member indices of every demo region and sector in world-2017, from the two tables."""
    placed: set[str] = set()
    regions: dict[str, list[int]] = {}
    for region, listed in zip(demo_regions()["region"], demo_regions()["members"], strict=True):
        if listed != "*":
            codes = listed.split(";")
            placed.update(codes)
            regions[region] = [base.country_index(c) for c in codes]
    regions["ROW"] = [k for k, c in enumerate(base.countries) if c not in placed]
    sectors = {s: [base.sector_index(x) for x in listed.split(";")]
               for s, listed in zip(demo_sectors()["sector"], demo_sectors()["icio_sectors"], strict=True)}
    return regions, sectors


# ---------------------------------------------------------------------- what it is
def test_loads_a_validated_immutable_world(world: World) -> None:
    assert isinstance(world, World)
    assert world.name == DEMO_WORLD_NAME == "demo-2017" and world.year == 2017
    assert world.countries == DEMO_COUNTRIES == ("USA", "CHN", "EU", "JPN", "KOR", "CAN", "MEX", "IND", "ROW")
    assert world.sectors == DEMO_SECTORS and DEMO_SECTORS[-1] == "SER" and len(GOODS_SECTORS) == 7
    assert world.shape == (9, 9, 8)
    assert load_demo_world() is world and load_world("demo-2017") is world
    assert not world.flows.flags.writeable
    assert world.sources and all(v for v in world.sources.values())


def test_regions_and_sectors_partition_world_2017(base: World) -> None:
    regions, sectors = members(base)
    assert sorted(i for m in regions.values() for i in m) == list(range(81))
    assert sorted(k for m in sectors.values() for k in m) == list(range(28))
    assert sorted(base.countries[i] for i in regions["EU"]) == sorted(EU28)
    assert len(regions["ROW"]) == 81 - 28 - 7 and "ROW" in [base.countries[i] for i in regions["ROW"]]


def test_flows_are_sums_of_world_2017(world: World, base: World) -> None:
    regions, sectors = members(base)
    for a, exporters in regions.items():
        for b, importers in regions.items():
            for s, group in sectors.items():
                expected = base.flows[np.ix_(exporters, importers, group)].sum()
                got = world.flows[world.country_index(a), world.country_index(b), world.sector_index(s)]
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-9), (a, b, s)
    assert world.flows.sum() == pytest.approx(base.flows.sum(), rel=1e-12)


def test_tariffs_are_trade_weighted_and_zero_inside_regions(world: World, base: World) -> None:
    regions, sectors = members(base)
    for a, b in (("CHN", "USA"), ("USA", "CHN"), ("EU", "USA"), ("ROW", "EU"), ("USA", "MEX")):
        for s, group in sectors.items():
            cells = np.ix_(regions[a], regions[b], group)
            value = base.flows[cells].sum()
            expected = (base.tariffs[cells] * base.flows[cells]).sum() / value if value > 0 else 0.0
            got = world.tariffs[world.country_index(a), world.country_index(b), world.sector_index(s)]
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (a, b, s)
    n = world.n_countries
    assert (world.tariffs[np.arange(n), np.arange(n), :] == 0).all()  # intra-EU and intra-ROW trade is domestic
    assert (world.tariffs[:, :, world.sector_index("SER")] == 0).all()


def test_elasticities_are_trade_weighted_members(world: World, base: World) -> None:
    _, sectors = members(base)
    international = np.array(base.flows)
    international[np.arange(81), np.arange(81), :] = 0.0
    weights = international.sum(axis=(0, 1))
    for s, group in sectors.items():
        expected = (base.elasticity[group] * weights[group]).sum() / weights[group].sum()
        assert world.elasticity[world.sector_index(s)] == pytest.approx(expected, rel=1e-12), s
    assert (load_demo_world(4.0).elasticity == 4.0).all()
    assert load_world("demo-2017", elasticities="U4") is load_demo_world("u4")


def test_us_china_trade_and_revenue_are_world_2017s(world: World, base: World) -> None:
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    goods = [world.sector_index(s) for s in GOODS_SECTORS]
    # README of the shared ICIO cubes: China -> US goods 367.8 bn, US -> China 102.9 bn (USD bn, 2017)
    assert world.flows[chn, usa, goods].sum() / 1e3 == pytest.approx(367.8, abs=0.1)
    assert world.flows[usa, chn, goods].sum() / 1e3 == pytest.approx(102.9, abs=0.1)
    # tariff revenue by importer is world-2017's: trade inside a region carries no tariff in either
    assert world.tariff_revenue[usa] == pytest.approx(base.tariff_revenue[base.country_index("USA")], rel=1e-12)
    assert world.deficit.sum() == pytest.approx(0.0, abs=1e-6)


def test_concordance_places_hs_codes_in_demo_sectors(world: World) -> None:
    codes = pd.Series(["84713000", "02031100", "87032300", "72061000", "27101200", "30049000", "61091000"])
    assert world.sector_of(codes).tolist() == ["MAC", "AGR", "VEH", "MET", "ENE", "CHM", "OTH"]
    chapters = pd.Series([f"{c:02d}" for c in range(1, 97) if c != 77])
    assert world.sector_of(chapters).notna().all()


def test_sectors_cover_each_hs_chapter_once() -> None:
    owner: dict[int, str] = {}
    for sector, chapters in zip(demo_sectors()["sector"], demo_sectors()["hs2_chapters"], strict=True):
        for part in filter(None, chapters.split(";")):
            lo, _, hi = part.partition("-")
            for chapter in range(int(lo), int(hi or lo) + 1):
                assert chapter not in owner, f"HS {chapter:02d} in {owner.get(chapter)} and {sector}"
                owner[chapter] = sector
    assert set(owner) - {77} == set(range(1, 98)) - {77}


def test_docs_describe_the_regions_and_sectors() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for sector, icio in zip(demo_sectors()["sector"], demo_sectors()["icio_sectors"], strict=True):
        assert f"`{sector}`" in text and icio.replace(";", ", ") in text, sector
    assert "world-2017" in text and "make worlds" in text
