"""HS codes across digit levels and the HS → sector groupings (and their agreement with the demo World)."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pyarrow as pa
import pytest

from tariffsim.data.concordance import (
    HS_CHAPTERS,
    aggregate_hs,
    hs_pad,
    hs_pad_array,
    hs_sectors,
    hs_truncate,
    itpde_industries,
    parse_chapters,
    sector_grouping,
)
from tariffsim.errors import DataError


def test_hs_pad_restores_dropped_zeros():
    assert hs_pad(10121) == "010121"
    assert hs_pad("870323") == "870323"
    assert hs_pad_array(pa.array(["10121", " 870323"]), 6).to_pylist() == ["010121", "870323"]
    with pytest.raises(DataError):
        hs_pad("1234567")
    with pytest.raises(DataError):
        hs_pad("12a4")


def test_hs_truncate():
    assert hs_truncate("8703231110", 6) == "870323"
    assert hs_truncate("87032311", 2) == "87"
    with pytest.raises(DataError):
        hs_truncate("8703", 6)


def test_aggregate_hs_sums_to_coarser_levels():
    frame = pd.DataFrame({"importer": ["CHN"] * 3, "hs8": ["12019010", "12019020", "87032311"],
                          "value": [11800.0, 200.0, 5000.0]})
    out = aggregate_hs(frame, "hs8", 6, ["value"], by=["importer"])
    assert out.to_dict("records") == [{"importer": "CHN", "hs8": "120190", "value": 12000.0},
                                      {"importer": "CHN", "hs8": "870323", "value": 5000.0}]
    assert aggregate_hs(frame, "hs8", 2, ["value"])["value"].sum() == frame["value"].sum()


def test_parse_chapters():
    assert parse_chapters("01-03;27") == ["01", "02", "03", "27"]
    assert parse_chapters(["76-78"]) == ["76", "78"]  # 77 is reserved
    for bad in ("1-", "30-20", "00", "abc"):
        with pytest.raises(DataError):
            parse_chapters(bad)


def test_hs20_covers_every_chapter_once_and_follows_hs_sections():
    grouping = sector_grouping("hs20")
    assert len(grouping.sectors) == 20
    assert sorted(grouping.chapters) == list(HS_CHAPTERS)  # 01-99 without 77, each once
    # WCO HS 2017 sections: I = 01-05, XI = 50-63, XVI = 84-85, XVII = 86-89
    assert {grouping.sector_of(c) for c in ("01", "05")} == {"ANI"}
    assert {grouping.sector_of(c) for c in ("50", "63")} == {"TEX"}
    assert grouping.sector_of("8471300100") == "MCH"
    assert grouping.sector_of("870323") == "TRN"


def test_broad_is_a_coarsening_of_hs20():
    fine = sector_grouping("hs20")
    broad = sector_grouping("broad")
    parent = dict(zip(hs_sectors()["sector"], hs_sectors()["broad"], strict=True))
    for chapter, sector in fine.chapters.items():
        assert broad.chapters[chapter] == parent[sector]
    assert broad.sectors == ("AGR", "ENE", "CHM", "MET", "MAC", "VEH", "OTH")


def test_broad_matches_the_demo_worlds_sectors_file():
    """The default grouping is the demo World's (data/demo/sectors.csv, chapters 01-97)."""
    path = resources.files("tariffsim.data").joinpath("demo", "sectors.csv")
    if not path.is_file():
        pytest.skip("the demo World's sectors.csv is not there")
    with path.open() as handle:
        demo = pd.read_csv(handle, dtype=str, keep_default_na=False)
    broad = sector_grouping("broad")
    for sector, chapters in zip(demo["sector"], demo["hs2_chapters"], strict=True):
        listed = parse_chapters(chapters) if chapters else []
        ours = [c for c, s in broad.chapters.items() if s == sector and c < "98"]
        assert listed == ours, sector


def test_custom_grouping_is_validated():
    grouping = sector_grouping({"AGR": "01-24", "IND": ["25-97"]})
    assert grouping.sectors == ("AGR", "IND")
    with pytest.raises(DataError, match="leaves out HS chapters 25-97"):
        sector_grouping({"AGR": "01-24"})
    with pytest.raises(DataError, match="in two sectors"):
        sector_grouping({"A": "01-50", "B": "50-97"})
    with pytest.raises(DataError, match="unknown sector grouping"):
        sector_grouping("gtap")


def test_itpde_industries_map_goods_to_chapters():
    table = itpde_industries()
    assert table["industry_id"].tolist() == list(range(1, 171))
    goods = table[table["broad_sector"] != "Services"]
    assert len(goods) == 153 and goods["hs2"].isin(HS_CHAPTERS).all()
    assert (table[table["broad_sector"] == "Services"]["hs2"] == "").all()
    hs = dict(zip(table["industry_id"], table["hs2"], strict=True))
    assert (hs[6], hs[38], hs[138], hs[144]) == ("12", "04", "87", "88")  # soybeans, dairy, motor vehicles, aircraft
