"""Coverage spreading, worked by hand: which trade each action occupies, caps, stacking on the same lines.

One small World with round numbers. The importer IMP buys from X1 and X2 (USD millions):

    sector (HS)      X1 -> IMP   X2 -> IMP
    AGR (01)            100         100
    MET (72)            200          50
    MAC (84)            300         100
    OTH (61)            600         200

Baseline tariffs are 2 % everywhere (5 % on IMP's AGR imports). Each test says which
trade each action covers and works out the sector tariffs from it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tariffsim import World
from tariffsim.scenario import compile_scenario, load_scenario, parse_scenario

HEADER = '[scenario]\nname = "t"\n\n'
IMP, X1, X2 = 0, 1, 2
AGR, MET, MAC, OTH = 0, 1, 2, 3


@pytest.fixture
def world() -> World:
    flows = np.full((3, 3, 4), 10.0)
    flows[np.arange(3), np.arange(3), :] = 1000.0
    flows[X1, IMP, :] = [100.0, 200.0, 300.0, 600.0]
    flows[X2, IMP, :] = [100.0, 50.0, 100.0, 200.0]
    tariffs = np.full((3, 3, 4), 0.02)
    tariffs[np.arange(3), np.arange(3), :] = 0.0
    tariffs[X1, IMP, AGR] = tariffs[X2, IMP, AGR] = 0.05
    return World(countries=("IMP", "X1", "X2"), sectors=("AGR", "MET", "MAC", "OTH"), flows=flows,
                 tariffs=tariffs, elasticity=np.full(4, 4.0),
                 concordance={"01": "AGR", "72": "MET", "84": "MAC", "61": "OTH"})


def action(label: str, rate: str, *, coverage: float | None = None, target: str = '["X1"]', **keys: str) -> str:
    lines = [f'[[action]]\nlabel = "{label}"\nimposer = "IMP"\ntarget = {target}\nrate = "{rate}"']
    if coverage is not None:
        lines.append(f"coverage = {coverage}")
    lines += [f"{k} = {v}" for k, v in keys.items()]
    return "\n".join(lines) + "\n\n"


def compile_text(text: str, world: World, **kw):
    return compile_scenario(parse_scenario(HEADER + text), world, **kw)


def rise(compiled, world: World) -> np.ndarray:
    assert compiled.shock.tariffs is not None
    return compiled.shock.tariffs - world.tariffs


ALL = '["AGR", "MET", "MAC", "OTH"]'


def test_disjoint_actions_share_a_cell_without_covering_more_than_all_of_it(world):
    # A covers 720 of X1's 1,200: 60 % of every cell. B names other lines, so it can only take the
    # 40 % left (480 of its 800): capped. Every line then carries exactly one 25 % tariff: +25 pp.
    text = action("A", "25%", coverage=720, sectors=ALL) + action("B", "25%", coverage=800, sectors=ALL)
    compiled = compile_text(text, world)
    np.testing.assert_allclose(rise(compiled, world)[X1, IMP, :], 0.25, rtol=1e-12)
    assert compiled.coverage["covered_value_usd_m"].tolist() == pytest.approx([720.0, 480.0])
    [warning] = compiled.warnings
    assert warning.startswith("'B'") and "capped at 480" in warning and "'A'" in warning
    for sector in ("AGR", "MET", "MAC", "OTH"):
        assert f"{sector} from X1" in warning


def test_a_later_action_takes_the_trade_left_in_proportion_to_it(world):
    # A covers 300 of X1's AGR+MAC (100+300): 75 % of each. B (other lines, 60 over AGR and MAC) takes the
    # 25 % left in proportion to it: AGR 25 -> 15, MAC 75 -> 45, i.e. 60 % of the open trade of each cell.
    text = (action("A", "20%", coverage=300, sectors='["AGR", "MAC"]')
            + action("B", "10%", coverage=60, sectors='["AGR", "MAC"]'))
    compiled = compile_text(text, world)
    d = rise(compiled, world)
    assert d[X1, IMP, AGR] == pytest.approx(0.75 * 0.20 + 15 / 100 * 0.10)  # 0.165
    assert d[X1, IMP, MAC] == pytest.approx(0.75 * 0.20 + 45 / 300 * 0.10)  # 0.165
    assert compiled.warnings == ()


def test_actions_on_the_same_list_stack_on_the_same_trade(world):
    # "L" at 10 % on 400 of X1's 1,200 (a third of each cell), then raised by 15 pp on the same list:
    # the same third now carries 25 %. "M" names other lines: it takes 400 of the 800 left (half of
    # what is open in each cell) at 20 %. Rise: 1/3 * 0.25 + 1/3 * 0.20 = 0.15.
    text = (action("L", "10%", coverage=400, sectors=ALL, product_list='"L"')
            + action("L raised", "15%", coverage=400, sectors=ALL, product_list='"L"')
            + action("M", "20%", coverage=400, sectors=ALL, product_list='"M"'))
    compiled = compile_text(text, world)
    np.testing.assert_allclose(rise(compiled, world)[X1, IMP, :], 0.25 / 3 + 0.20 / 3, rtol=1e-12)
    assert compiled.coverage["stacks_on"].tolist() == ["", "L", ""]
    assert compiled.coverage["covered_value_usd_m"].tolist() == pytest.approx([400.0, 400.0, 400.0])
    assert compiled.warnings == ()


def test_listed_lines_fill_the_small_sector_and_spread_the_rest(world):
    # Three listed lines in AGR and one in MAC: weights 3 : 1, so 300 would go 225 / 75. AGR has only
    # 100 of trade: it is full (+30 pp), and the 125 it cannot take goes to MAC: 75 + 125 = 200 of 300.
    products = '["01012100", "01022100", "01031000", "84713000"]'
    compiled = compile_text(action("lines", "30%", coverage=300, products=products), world)
    d = rise(compiled, world)
    assert d[X1, IMP, AGR] == pytest.approx(0.30)
    assert d[X1, IMP, MAC] == pytest.approx(200 / 300 * 0.30)  # 0.20
    assert d[X1, IMP, MET] == 0 and d[X1, IMP, OTH] == 0
    row = compiled.coverage.iloc[0]
    assert row["basis"] == "coverage by listed lines" and row["lines"] == 4
    assert row["covered_value_usd_m"] == pytest.approx(300.0)
    assert compiled.warnings == ()  # it all fits: nothing is capped


def test_listed_lines_split_across_exporters_by_their_trade_in_each_sector(world):
    # One line in AGR and one in MAC: 100 of the 200 covered per sector. Within a sector the same
    # lines come from both exporters in proportion to their trade: AGR 100:100 -> 50 + 50, MAC
    # 300:100 -> 75 + 25. Each exporter then has the same share of its sector covered.
    products = '["01012100", "84713000"]'
    compiled = compile_text(action("two", "20%", coverage=200, products=products, target='["X1", "X2"]'), world)
    d = rise(compiled, world)
    assert d[X1, IMP, AGR] == pytest.approx(50 / 100 * 0.20)  # 0.10
    assert d[X2, IMP, AGR] == pytest.approx(50 / 100 * 0.20)
    assert d[X1, IMP, MAC] == pytest.approx(75 / 300 * 0.20)  # 0.05
    assert d[X2, IMP, MAC] == pytest.approx(25 / 100 * 0.20)


def test_coverage_by_trade_on_two_exporters_takes_the_same_share_of_every_cell(world):
    # 200 of the 600 traded in AGR and MAC from both exporters (100 + 300 + 100 + 100): a third of each cell.
    compiled = compile_text(action("two", "30%", coverage=200, sectors='["AGR", "MAC"]', target='["X1", "X2"]'),
                            world)
    d = rise(compiled, world)
    np.testing.assert_allclose(d[[X1, X2], IMP][:, [AGR, MAC]], 0.10, rtol=1e-12)
    assert d[X1, IMP, OTH] == 0


def test_shared_lines_stack_and_new_lines_take_uncovered_trade(world):
    # "232" covers 40 of X1's MET (200) at 25 %. "301" lists four HTS8 lines: two inside 7208 (the lines
    # of "232"), two not. Weights 2 : 2 ask 50 / 50 of its 100; the shared lines only hold 40, so they
    # take 40 (now at 35 %) and the new lines 60 of the 160 uncovered (at 10 %).
    # MET rise = (40 * 0.35 + 60 * 0.10) / 200 = 0.10; no line carries more than 25 + 10 = 35 pp.
    text = (action("232", "25%", coverage=40, products='["7208"]')
            + action("301", "10%", coverage=100, products='["72081000", "72082500", "72101100", "72101200"]'))
    compiled = compile_text(text, world)
    assert rise(compiled, world)[X1, IMP, MET] == pytest.approx(0.10)
    assert compiled.coverage["stacks_on"].tolist() == ["", "232"]
    assert compiled.coverage["lines"].iloc[1] == 4 and np.isnan(compiled.coverage["lines"].iloc[0])
    assert compiled.warnings == ()


def test_a_whole_sector_action_reaches_covered_and_uncovered_lines_alike(world):
    # Every line of X1's MAC pays 5 % more; the list's half (150 of 300) pays 20 % more on top.
    text = action("all MAC", "5%", sectors='["MAC"]') + action("list", "20%", coverage=150, sectors='["MAC"]')
    assert rise(compile_text(text, world), world)[X1, IMP, MAC] == pytest.approx(0.05 + 0.5 * 0.20)


def test_set_on_new_lines_replaces_the_rate_of_those_lines_only(world):
    # A (add 10 %) covers half of X1's OTH (300 of 600); B sets 30 % on other lines: 150 of the 300 left,
    # which were at the baseline 2 %. OTH: 0.5 * 0.12 + 0.25 * 0.30 + 0.25 * 0.02 = 0.14.
    text = (action("A", "10%", coverage=300, sectors='["OTH"]')
            + action("B", "30%", coverage=150, sectors='["OTH"]', mode='"set"'))
    compiled = compile_text(text, world)
    assert compiled.shock.tariffs is not None
    assert compiled.shock.tariffs[X1, IMP, OTH] == pytest.approx(0.14)


def test_two_set_actions_on_the_same_lines_are_an_error(world):
    from tariffsim import ScenarioError

    text = (action("A", "10%", coverage=100, sectors='["OTH"]', product_list='"L"', mode='"set"')
            + action("B", "30%", coverage=100, sectors='["OTH"]', product_list='"L"', mode='"set"'))
    with pytest.raises(ScenarioError, match="overlapping set actions: 'B' and 'A'"):
        compile_text(text, world)


def test_product_level_set_replaces_each_line_rate(world):
    # X1's MAC lines: 8471.30 (30, at 10 %), 8471.41 (10, at 30 %), 8481.10 (60, at 0 %, not listed).
    # Setting 8471 to 25 %: +15 pp on 30 and -5 pp on 10; the sector moves by (4.5 - 0.5) / 100 = +4 pp.
    weights = pd.DataFrame({"importer": "IMP", "exporter": "X1", "product": ["84713000", "84714100", "84811000"],
                            "value": [30.0, 10.0, 60.0], "tariff": [0.10, 0.30, 0.0]})
    compiled = compile_text(action("set", "25%", products='["8471"]', mode='"set"'), world, weights=weights)
    assert rise(compiled, world)[X1, IMP, MAC] == pytest.approx(0.04)
    lines = compiled.product_tariffs
    assert lines is not None
    assert lines["tariff_after"].tolist() == pytest.approx([0.25, 0.25, 0.0])
    assert compiled.coverage.iloc[0]["lines"] == 2


def test_product_level_lines_are_counted_once_across_exporters(world):
    weights = pd.DataFrame({"importer": "IMP", "exporter": ["X1", "X1", "X2"],
                            "product": ["84713000", "84714100", "84713000"], "value": [30.0, 10.0, 5.0]})
    compiled = compile_text(action("tech", "25%", products='["8471"]', target='["X1", "X2"]'), world,
                            weights=weights)
    assert compiled.coverage.iloc[0]["lines"] == 2  # two tariff lines, three (exporter, line) rows


def test_bundled_threat_with_retaliation_covers_no_cell_more_than_once():
    """China's answers total $150bn against $130bn of US exports, all at 25 %: no sector can rise by more."""
    from tariffsim.data import load_world

    loaded = load_scenario("threat-150bn-2018-retaliation")
    world = load_world(loaded.spec.scenario.world)
    compiled = compile_scenario(loaded, world)
    d = rise(compiled, world)
    assert d.max() <= 0.25 + 1e-12
    usa, chn, agr = world.country_index("USA"), world.country_index("CHN"), world.sector_index("AGR")
    assert d[usa, chn, agr] == pytest.approx(0.25)  # was 15.6 -> 55.8 %: 160 % of the cell covered
    assert any(w.startswith("'China: answer to the further $100bn'") and "capped" in w for w in compiled.warnings)


def test_us_lists_on_china_raise_no_sector_above_the_largest_line_rise():
    """Issue 11, second reproducer: the real USTR lists (`--lists`), on 1 September 2019.

    Bound per sector, line by line from the USTR annexes and the published rates: 25 pp on
    Lists 1, 2 and 3 (83 FR 28710, 83 FR 40823; List 3 at 25 % from May 2019, 84 FR 20459),
    15 pp on List 4A (84 FR 45821), summed where a line is on two lists; plus 25 pp in MET,
    where Section 232 steel (Proclamation 9705) stacks on List 4A's steel lines. Before the
    fix OTH rose by 35.8 pp and AGR by 30.7 pp, though no line carried more than 25 pp.
    """
    from tariffsim.data import load_world
    from tests.conftest import data_root

    root = data_root("us_china_tariffs/section301_lists_hts8_ustr_annexes.csv") / "us_china_tariffs"
    annex = pd.read_csv(root / "section301_lists_hts8_ustr_annexes.csv", dtype=str)
    published = {"list1_34b": 0.25, "list2_16b": 0.25, "list3_200b": 0.25, "list4a_300b_annexA": 0.15}
    annex["rate"] = annex["list"].map(published)  # List 4B: suspended
    line_rate = annex.dropna(subset=["rate"]).groupby("hts8")["rate"].sum()
    loaded = load_scenario("us-china-2018-2019")
    world = load_world(loaded.spec.scenario.world)
    bound = line_rate.groupby(world.sector_of(line_rate.index.to_series())).max()
    assert bound["AGR"] == pytest.approx(0.25) and bound["OTH"] == pytest.approx(0.25)
    bound["MET"] += 0.25
    compiled = compile_scenario(loaded, world, date=dt.date(2019, 9, 1), lists_dir=root)
    d = rise(compiled, world)
    usa, chn = world.country_index("USA"), world.country_index("CHN")
    for sector, largest in bound.items():
        assert d[chn, usa, world.sector_index(str(sector))] <= largest + 1e-9, sector
