"""The US–China trade war on world-2017's sectors: the Section 301 list values, each list's coverage beside them,
and the bundled scenario against a rebuild from the shared data.

Published figures (cited where used):

* the lists' announced values: USTR, 83 FR 28710 (List 1, "approximately $34 billion"), 83 FR 40823
  (List 2, $16 billion), 83 FR 47974 (List 3, $200 billion), 84 FR 43304 and the Phase One fact sheet
  of 13 December 2019 (List 4A, about $120 billion);
* the 2018 US Census values of the lists' lines, as issue 13 quotes them: $32.0, 15.3, 191.8 and
  110.1 billion;
* C. P. Bown, "US-China Trade War Tariffs: An Up-to-Date Chart" (PIIE), after 14 February 2020:
  special US tariffs cover 66.4 % of US imports from China, China's cover 58.3 % of its imports from
  the US.

Tolerance of the coverage shares: Bown's US share counts Sections 232 and 201 as well and weighs by
2017 Census lines; here the Section 301 pieces alone, placed by HS2 Census shares on ICIO's sectors
(docs/scenarios.md, "Bundled scenarios"): within 5 points. China's share here comes from the PIIE
line-level weights over ICIO's flows, whose sector mix differs from China's customs statistics: within
12 points (it is 67.8 % against 58.3 %; the docs say why).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.data import load_world
from tariffsim.data import us_china_2018 as lists_module
from tariffsim.data.us_china_2018 import LIST_COVERAGE_COLUMNS, list_coverage, section301_values
from tariffsim.scenario import compile_scenario, load_scenario
from tests.conftest import data_root

ANNOUNCED = {"list1": 34_000.0, "list2": 16_000.0, "list3": 200_000.0, "list4a": 120_000.0}  # USTR, USD m
CENSUS_2018 = {"list1": 32_000.0, "list2": 15_300.0, "list3": 191_800.0, "list4a": 110_100.0}  # US Census, USD m


def test_the_list_values_are_the_published_ones():
    table = section301_values().set_index("code")
    for code, value in ANNOUNCED.items():
        assert table.at[code, "announced_usd_m"] == value
        assert table.at[code, "census_2018_usd_m"] == CENSUS_2018[code]
    assert np.isnan(table.at["list4b", "census_2018_usd_m"])  # suspended: no Census value of its lines
    assert all(table["announced_source"].str.contains("FR"))


def test_list_coverage_sums_the_trade_each_list_takes():
    rows = pd.DataFrame([
        # two sector pieces of List 1, and a later rate change on the same trade (stacks_on)
        {"label": "Section 301 List 1: C26", "list": "list1_34b", "basis": "coverage by trade", "stacks_on": "",
         "covered_value_usd_m": 100.0},
        {"label": "Section 301 List 1: C28", "list": "list1_34b", "basis": "coverage by trade", "stacks_on": "",
         "covered_value_usd_m": 50.0},
        {"label": "Section 301 List 1 raised", "list": "list1_34b", "basis": "coverage by trade",
         "stacks_on": "Section 301 List 1: C26", "covered_value_usd_m": 100.0},
        # a list placed by its lines: each product-level row covers the list's lines, counted once
        {"label": "Section 301 List 3", "list": "list3_200b", "basis": "products", "stacks_on": "",
         "covered_value_usd_m": 700.0},
        {"label": "Section 301 List 3 at 25%", "list": "list3_200b", "basis": "products", "stacks_on": "",
         "covered_value_usd_m": 700.0},
        {"label": "Steel", "list": "", "basis": "sectors", "stacks_on": "", "covered_value_usd_m": 9.0},
    ])
    values = section301_values().set_index("list")
    rows["announced_usd_m"] = rows["list"].map(values["announced_usd_m"])
    rows["census_2018_usd_m"] = rows["list"].map(values["census_2018_usd_m"])
    table = list_coverage(rows).set_index("list")
    assert list(table.reset_index().columns) == LIST_COVERAGE_COLUMNS and list(table.index) == ["list1_34b",
                                                                                                "list3_200b"]
    assert table.at["list1_34b", "covered_value_usd_m"] == 150.0 and table.at["list1_34b", "actions"] == 3
    assert table.at["list3_200b", "covered_value_usd_m"] == 700.0
    assert table.at["list1_34b", "covered_to_announced"] == pytest.approx(150.0 / 34_000.0)
    assert table.at["list3_200b", "covered_to_census"] == pytest.approx(700.0 / 191_800.0)


@pytest.fixture(scope="module")
def phase_one():
    """The bundled scenario compiled on world-2017 on 14 February 2020 (every list in force, List 4A at 7.5 %)."""
    world = load_world("world-2017")
    name = lists_module.SCENARIO_FILE.removesuffix(".toml")
    return world, compile_scenario(load_scenario(name), world, date="2020-02-14")


def test_each_list_is_reported_beside_its_announced_and_census_values(phase_one):
    world, compiled = phase_one
    table = list_coverage(compiled.coverage).set_index("list")
    codes = section301_values().set_index("list")["code"]
    assert sorted(codes[table.index]) == sorted(ANNOUNCED)  # List 4B is suspended: not in force
    for name, row in table.iterrows():
        code = codes[name]
        assert (row["announced_usd_m"], row["census_2018_usd_m"]) == (ANNOUNCED[code], CENSUS_2018[code])
        # ICIO's flows from China are smaller than Census's (world-2017's baseline test): less is covered here
        assert 0 < row["covered_value_usd_m"] < row["census_2018_usd_m"]
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    goods = [k for k, s in enumerate(world.sectors) if s != "SER"]
    share = table["covered_value_usd_m"].sum() / world.flows[chn, usa, goods].sum()
    assert share == pytest.approx(0.664, abs=0.05)  # Bown (PIIE): 66.4 % of US imports from China


def test_chinas_pieces_cover_about_what_bown_counts(phase_one):
    world, compiled = phase_one
    coverage = compiled.coverage
    china = coverage[(coverage["imposer"] == "CHN") & (coverage["stacks_on"].fillna("") == "")]
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    goods = [k for k, s in enumerate(world.sectors) if s != "SER"]
    share = china["covered_value_usd_m"].sum() / world.flows[usa, chn, goods].sum()
    assert share == pytest.approx(0.583, abs=0.12)  # Bown (PIIE): 58.3 % of China's imports from the US


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_bundled_scenario_is_a_rebuild_of_the_shared_data():
    shared = data_root(*lists_module.INPUTS.values())
    text = lists_module.bundled_scenario().read_text(encoding="utf-8")
    assert lists_module.replace_block(text, lists_module.build_block(shared)) == text, (
        "the bundled scenario differs from a rebuild: run `python -m tariffsim.data.us_china_2018`")
