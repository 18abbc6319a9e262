"""Scenario compiler: stacking, dates, coverage, product-level weights, retaliation, overlays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim import ScenarioError, World
from tariffsim.scenario import compile_scenario, load_scenario, parse_rate, parse_scenario
from tariffsim.testing import random_world

HEADER = '[scenario]\nname = "t"\n\n'


@pytest.fixture
def world() -> World:
    w = random_world(np.random.default_rng(7), 4, 3)
    return w.replace(concordance={"01": "S0", "02": "S0", "84": "S1", "85": "S1", "87": "S2"})


def compile_text(text: str, world: World, **kw):
    return compile_scenario(parse_scenario(HEADER + text), world, **kw)


def test_rates_are_fractions_or_percent_strings():
    assert parse_rate("25%") == 0.25
    assert parse_rate(0.075) == 0.075
    assert parse_rate("-7.5%") == pytest.approx(-0.075)
    for bad in [25, "25", "-100%", -1.5, True, None]:
        with pytest.raises(ValueError):
            parse_rate(bad)  # type: ignore[arg-type]


def test_no_actions_compile_to_the_zero_shock(world):
    compiled = compile_scenario(parse_scenario(HEADER), world)
    assert compiled.shock.is_zero(world)
    assert compiled.coverage.empty


def test_set_then_add_stack_in_date_order(world):
    text = """
[[action]]
label = "later add"
imposer = "C00"
target = "all"
sectors = "all"
rate = "5%"
effective = 2019-01-01

[[action]]
label = "earlier set"
imposer = "C00"
target = ["C01", "C02"]
sectors = ["S1"]
rate = "10%"
mode = "set"
effective = 2018-01-01
"""
    t0 = world.tariffs
    shock = compile_text(text, world).shock  # default date: the latest effective date
    assert shock.tariffs is not None
    assert shock.tariffs[1, 0, 1] == pytest.approx(0.15)  # set to 10 %, then +5 %
    assert shock.tariffs[1, 0, 0] == pytest.approx(t0[1, 0, 0] + 0.05)
    assert shock.tariffs[3, 0, 2] == pytest.approx(t0[3, 0, 2] + 0.05)
    np.testing.assert_array_equal(shock.tariffs[:, 1:, :], t0[:, 1:, :])
    early = compile_text(text, world, date=dt.date(2018, 6, 1)).shock
    assert early.tariffs is not None
    assert early.tariffs[1, 0, 1] == pytest.approx(0.10)
    assert early.tariffs[1, 0, 0] == pytest.approx(t0[1, 0, 0])
    before = compile_text(text, world, date=dt.date(2017, 1, 1)).shock
    assert before.is_zero(world)


def test_until_ends_an_action_and_suspended_actions_are_listed_not_applied(world):
    text = """
[[action]]
label = "temporary"
imposer = "C00"
target = ["C01"]
sectors = ["S0"]
rate = 0.2
effective = 2018-01-01
until = 2019-01-01

[[action]]
label = "suspended"
imposer = "C00"
target = ["C02"]
sectors = ["S0"]
rate = 0.2
effective = 2018-06-01
suspended = true
"""
    during = compile_text(text, world, date=dt.date(2018, 7, 1))
    assert during.shock.tariffs is not None
    assert during.shock.tariffs[1, 0, 0] == pytest.approx(world.tariffs[1, 0, 0] + 0.2)
    assert during.shock.tariffs[2, 0, 0] == world.tariffs[2, 0, 0]
    assert any("suspended" in w for w in during.warnings)
    after = compile_text(text, world, date=dt.date(2019, 1, 1))
    assert after.shock.is_zero(world)


def test_coverage_spreads_over_sectors_in_proportion_to_trade(world):
    trade = world.flows[1, 0, :2]
    coverage = 0.5 * trade.sum()
    text = f"""
[[action]]
imposer = "C00"
target = ["C01"]
sectors = ["S0", "S1"]
coverage = {coverage}
rate = 0.2
"""
    compiled = compile_text(text, world)
    t = compiled.shock.tariffs
    assert t is not None
    # half of each sector's trade is covered: the sector tariff rises by half the rate
    np.testing.assert_allclose(t[1, 0, :2] - world.tariffs[1, 0, :2], 0.1, rtol=1e-12)
    assert compiled.coverage.loc[0, "covered_value_usd_m"] == pytest.approx(coverage)
    assert compiled.coverage.loc[0, "basis"] == "coverage by trade"


def test_coverage_above_trade_is_capped_with_a_warning(world):
    text = """
[[action]]
imposer = "C00"
target = ["C01"]
sectors = ["S0"]
coverage = 1e9
rate = 0.2
"""
    compiled = compile_text(text, world)
    assert compiled.shock.tariffs is not None
    assert compiled.shock.tariffs[1, 0, 0] == pytest.approx(world.tariffs[1, 0, 0] + 0.2)
    assert any("capped" in w for w in compiled.warnings)


def test_product_level_weights_move_sector_tariffs_by_the_trade_weighted_change(world):
    weights = pd.DataFrame({
        "importer": ["C00"] * 4 + ["C02"],
        "exporter": ["C01"] * 4 + ["C01"],
        "product": ["84713000", "84714100", "85171200", "87032300", "84713000"],
        "value": [30.0, 10.0, 60.0, 5.0, 99.0],
    })
    text = """
[[action]]
label = "tech"
imposer = "C00"
target = ["C01"]
products = ["8471"]
rate = "25%"
"""
    compiled = compile_text(text, world, weights=weights)
    t = compiled.shock.tariffs
    assert t is not None
    # S1 lines: 8471 (40 of 100 USD m) taxed 25 pp more -> +10 pp on the sector
    assert t[1, 0, 1] - world.tariffs[1, 0, 1] == pytest.approx(0.10)
    assert t[1, 0, 2] == world.tariffs[1, 0, 2]
    assert t[1, 2, 1] == world.tariffs[1, 2, 1]  # another importer's lines are untouched
    row = compiled.coverage.iloc[0]
    assert row["basis"] == "products" and row["lines"] == 2 and row["covered_value_usd_m"] == pytest.approx(40.0)
    products = compiled.product_tariffs
    assert products is not None
    assert (products.loc[products["product"].str.startswith("8471") & (products["importer"] == "C00"),
                         "tariff_after"] - world.tariffs[1, 0, 1]).round(12).eq(0.25).all()


def test_exclusions_and_ranges(world):
    weights = pd.DataFrame({"importer": "C00", "exporter": "C01",
                            "product": ["01011000", "01021000", "02011000", "02031100"], "value": 1.0})
    text = """
[[action]]
imposer = "C00"
target = ["C01"]
products = ["0101-0203"]
exclude = ["0201"]
rate = 0.4
"""
    compiled = compile_text(text, world, weights=weights)
    assert compiled.coverage.iloc[0]["lines"] == 3
    assert compiled.shock.tariffs is not None
    assert compiled.shock.tariffs[1, 0, 0] - world.tariffs[1, 0, 0] == pytest.approx(0.3)


def test_retaliation_answers_an_action(world):
    text = """
[[action]]
label = "hit"
imposer = "C00"
target = ["C01"]
sectors = ["S1"]
rate = 0.25

[[retaliation]]
answers = "hit"
sectors = ["S0"]
rate = 0.25
"""
    compiled = compile_text(text, world)
    t = compiled.shock.tariffs
    assert t is not None
    assert t[0, 1, 0] == pytest.approx(world.tariffs[0, 1, 0] + 0.25)  # C01 taxes C00's S0 goods
    assert compiled.coverage["imposer"].tolist() == ["C00", "C01"]


def test_regions_and_all_except(world):
    text = """
[regions]
BLOC = ["C02", "C03"]

[[action]]
imposer = "C00"
target = ["BLOC"]
sectors = ["S2"]
rate = 0.1

[[action]]
imposer = "C01"
target = {all_except = ["C00"]}
sectors = ["S2"]
rate = 0.1
"""
    t = compile_text(text, world).shock.tariffs
    assert t is not None
    d = t - world.tariffs
    assert d[2, 0, 2] == pytest.approx(0.1) and d[3, 0, 2] == pytest.approx(0.1) and d[1, 0, 2] == 0
    assert d[0, 1, 2] == 0 and d[2, 1, 2] == pytest.approx(0.1) and d[3, 1, 2] == pytest.approx(0.1)


def test_trade_cost_actions_follow_the_gravity_formula(world):
    text = """
[[trade_cost]]
variable = "rta"
coefficient = 0.5
change = 1
exporters = ["C00"]
importers = ["C01"]
"""
    shock = compile_text(text, world).shock
    tau = shock.trade_cost_hat
    assert tau is not None
    np.testing.assert_allclose(tau[0, 1, :] ** (-world.elasticity), np.exp(0.5), rtol=1e-12)
    np.testing.assert_allclose(tau[1, 0, :] ** (-world.elasticity), np.exp(0.5), rtol=1e-12)  # symmetric
    assert np.sum(tau != 1.0) == 2 * world.n_sectors


def test_purchase_commitments_become_shock_purchases(world):
    text = """
[[purchase]]
label = "deal"
importer = "C01"
exporter = "C00"
sectors = ["S0", "S2"]
value = 12.5
"""
    shock = compile_text(text, world).shock
    assert len(shock.purchases) == 1
    p = shock.purchases[0]
    assert (p.importer, p.exporter, p.sectors, p.value) == ("C01", "C00", ("S0", "S2"), 12.5)


@pytest.mark.parametrize(
    ("text", "fragment", "key"),
    [
        ('[[action]]\nimposer = "C00"\ntarget = ["C00"]\nsectors = "all"\nrate = 0.1', "on itself", "target"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["ZZ"]\nrate = 0.1', "unknown sectors", "sectors"),
        ('[[action]]\nimposer = "C00"\ntarget = ["QQ"]\nsectors = "all"\nrate = 0.1', "unknown country", "target"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nproducts = ["8471"]\nrate = 0.1', "weights", "products"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nproduct_list = "nope.csv"\nrate = 0.1', "not found",
         "product_list"),
        ('[[action]]\nlabel = "a"\nimposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = 0.1\nmode = "set"\n\n'
         '[[action]]\nlabel = "b"\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = 0.2\nmode = "set"',
         "overlapping set actions", "mode"),
        ('[[retaliation]]\nanswers = "ghost"\nsectors = "all"\nrate = 0.1', "not the label", "answers"),
    ],
)
def test_compile_errors_name_the_line_and_key(world, text, fragment, key):
    with pytest.raises(ScenarioError, match=fragment) as info:
        compile_text(text, world)
    assert info.value.key is not None and info.value.key.endswith(key)
    assert info.value.line is not None


def test_stacked_rates_below_minus_100_percent_are_refused(world):
    text = ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = "-60%"\n\n'
            '[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = "-60%"\n')
    with pytest.raises(ScenarioError, match="-100%"):
        compile_text(text, world)


@pytest.mark.parametrize(
    "text",
    ["", "[scenario]\n", "[scenario]\nname='x'\nclosure='weird'\n", "x = [", "\x00",
     "[scenario]\nname='x'\ndate=2019-13-01\n", "[scenario]\nname='x'\ndates=[2019-02-01, 2019-01-01]\n",
     HEADER + '[[action]]\nimposer="A"\ntarget="all"\nsectors="all"\nrate=0.1\neffective=2019-01-01\n'
              'until=2018-01-01\n',
     HEADER + '[[action]]\nimposer="A"\ntarget="all"\nrate=0.1\n',
     HEADER + '[[action]]\nimposer="A"\ntarget="all"\nproducts=["84x1"]\nrate=0.1\n'],
)
def test_invalid_files_raise_scenario_errors(text):
    with pytest.raises(ScenarioError):
        parse_scenario(text)


def test_extends_overlays_by_label(tmp_path: Path, world):
    from tariffsim.data import write_world

    write_world(world, tmp_path / "w")
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "base"\nworld = "w"\nclosure = "balanced"\n\n'
        '[[action]]\nlabel = "A"\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = 0.1\n\n'
        '[[action]]\nlabel = "B"\nimposer = "C00"\ntarget = ["C02"]\nsectors = ["S0"]\nrate = 0.1\n')
    (tmp_path / "child.toml").write_text(
        '[scenario]\nname = "child"\nextends = "base.toml"\n\n'
        '[[action]]\nlabel = "A"\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = 0.3\n\n'
        '[[action]]\nlabel = "C"\nimposer = "C00"\ntarget = ["C03"]\nsectors = ["S0"]\nrate = 0.1\n')
    loaded = load_scenario(tmp_path / "child.toml")
    assert loaded.spec.scenario.name == "child"
    assert loaded.spec.scenario.closure == "balanced"  # inherited
    assert [a.label for a in loaded.spec.action] == ["A", "B", "C"]
    assert loaded.spec.action[0].rate == 0.3
    d = compile_scenario(loaded, world).shock.tariffs - world.tariffs  # type: ignore[operator]
    np.testing.assert_allclose(d[1:, 0, 0], [0.3, 0.1, 0.1])


def test_extends_cycles_are_refused(tmp_path: Path):
    (tmp_path / "a.toml").write_text('[scenario]\nname = "a"\nextends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('[scenario]\nname = "b"\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_product_lists_from_files_and_a_lists_folder(tmp_path: Path, world):
    (tmp_path / "mine.csv").write_text("hts8,note\n84713000,x\n87032300,y\n")
    (tmp_path / "combined.csv").write_text("hts8,list\n85171200,alpha\n84713000,beta\n")
    weights = pd.DataFrame({"importer": "C00", "exporter": "C01",
                            "product": ["84713000", "85171200", "87032300"], "value": [1.0, 1.0, 1.0]})
    text = ('[[action]]\nlabel = "file"\nimposer = "C00"\ntarget = ["C01"]\nproduct_list = "mine.csv"\nrate = 0.1\n\n'
            '[[action]]\nlabel = "named"\nimposer = "C00"\ntarget = ["C01"]\nproduct_list = "alpha"\n'
            'sectors = ["S1"]\ncoverage = 1\nrate = 0.1\n')
    loaded = parse_scenario(HEADER + text, path=tmp_path / "s.toml")
    compiled = compile_scenario(loaded, world, weights=weights, lists_dir=tmp_path)
    assert compiled.coverage["lines"].tolist() == [2, 1]
    # without a lists folder the named list falls back to its sectors and coverage
    fallback = compile_scenario(loaded, world, weights=weights)
    assert fallback.coverage["basis"].tolist() == ["products", "coverage by trade"]
