"""Dates and numbers in scenarios: no timestamps, no infinite or boolean coverage, `date` over `dates`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffsim import ScenarioError, World
from tariffsim.scenario import compile_scenario, evaluation_date, load_scenario, parse_date, parse_scenario, to_toml
from tariffsim.testing import random_world

HEADER = '[scenario]\nname = "t"\n'
ACTION = '\n[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = ["S0"]\nrate = 0.1\n'


@pytest.fixture
def world() -> World:
    return random_world(np.random.default_rng(5), 3, 2)


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        (HEADER + "date = 1559347200\n", "scenario.date", 3),  # 2019-06-01 as a Unix timestamp
        (HEADER + "date = 20190601\n", "scenario.date", 3),
        (HEADER + "dates = [2019-01-01, 1559347200]\n", "scenario.dates", 3),
        (HEADER + "date = true\n", "scenario.date", 3),
        (HEADER + "date = 07:32:00\n", "scenario.date", 3),  # a TOML time of day
        (HEADER + ACTION + "effective = 1530835200\n", "action.0.effective", 9),
        (HEADER + ACTION + "until = 2019.5\n", "action.0.until", 9),
    ],
)
def test_numeric_dates_are_errors_naming_the_key_and_line(text, key, line):
    with pytest.raises(ScenarioError, match="a date is written 2018-07-06") as info:
        parse_scenario(text)
    assert info.value.key == key
    assert info.value.line == line


@pytest.mark.parametrize("written", ["2019-06-01", '"2019-06-01"', "2019-06-01T08:00:00", '" 2019-06-01 "'])
def test_dates_are_toml_dates_iso_strings_or_date_times(written):
    spec = parse_scenario(HEADER + f"date = {written}\n").spec
    assert spec.scenario.date == dt.date(2019, 6, 1)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("true", "valid number"),
        ("false", "valid number"),
        ("inf", "finite number"),
        ("-inf", "finite number"),
        ("nan", "finite number"),
        ("1e400", "finite number"),  # overflows to infinity
        ("-1", "greater than or equal to 0"),
        ('"34000"', "valid number"),
    ],
)
def test_coverage_is_a_finite_number_of_at_least_zero(value, fragment):
    with pytest.raises(ScenarioError, match=fragment) as info:
        parse_scenario(HEADER + ACTION + f"coverage = {value}\n")
    assert info.value.key == "action.0.coverage"
    assert info.value.line == 9


def test_valid_coverage_is_kept():
    assert parse_scenario(HEADER + ACTION + "coverage = 34000\n").spec.action[0].coverage == 34000.0
    assert parse_scenario(HEADER + ACTION + "coverage = 0\n").spec.action[0].coverage == 0.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (HEADER + ACTION.replace("rate = 0.1", 'rate = "inf%"'), "action.0.rate"),
        (HEADER + ACTION.replace("rate = 0.1", 'rate = "1e400%"'), "action.0.rate"),
        (HEADER + ACTION.replace("rate = 0.1", 'rate = "nan%"'), "action.0.rate"),
        (HEADER + '\n[[trade_cost]]\nvariable = "rta"\ncoefficient = inf\nexporters = "all"\nimporters = "all"\n',
         "trade_cost.0.coefficient"),
        (HEADER + '\n[[trade_cost]]\nvariable = "rta"\ncoefficient = 0.5\nchange = true\nexporters = "all"\n'
                  'importers = "all"\n', "trade_cost.0.change"),
        (HEADER + '\n[[purchase]]\nimporter = "C00"\nexporter = "C01"\nvalue = nan\n', "purchase.0.value"),
    ],
)
def test_rates_and_other_numbers_must_be_finite(text, key):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text)
    assert info.value.key == key


# ---------------------------------------------------------------------- date over dates in overlays
def test_a_child_date_overrides_the_parents_dates(tmp_path):
    (tmp_path / "base.toml").write_text('[scenario]\nname = "base"\ndates = [2018-07-06, 2019-06-01]\n')
    (tmp_path / "one.toml").write_text('[scenario]\nname = "one"\nextends = "base.toml"\ndate = 2019-09-01\n')
    head = load_scenario(tmp_path / "one.toml").spec.scenario
    assert head.date == dt.date(2019, 9, 1) and head.dates is None
    assert head.evaluation_dates() == [dt.date(2019, 9, 1)]


def test_child_dates_override_the_parents_date_and_unset_keys_are_inherited(tmp_path):
    (tmp_path / "base.toml").write_text('[scenario]\nname = "base"\ndate = 2018-07-06\nclosure = "balanced"\n')
    (tmp_path / "many.toml").write_text('[scenario]\nname = "many"\nextends = "base.toml"\n'
                                        'dates = [2019-01-01, 2019-06-01]\n')
    (tmp_path / "same.toml").write_text('[scenario]\nname = "same"\nextends = "base.toml"\n')
    many = load_scenario(tmp_path / "many.toml").spec.scenario
    assert many.evaluation_dates() == [dt.date(2019, 1, 1), dt.date(2019, 6, 1)]
    assert many.date is None and many.closure == "balanced"
    assert load_scenario(tmp_path / "same.toml").spec.scenario.evaluation_dates() == [dt.date(2018, 7, 6)]


# ---------------------------------------------------------------------- ISO strings in the Python API
def test_compile_scenario_accepts_iso_date_strings(world):
    text = HEADER + ACTION + "effective = 2019-01-01\n"
    loaded = parse_scenario(text)
    before = compile_scenario(loaded, world, date="2018-12-31")
    after = compile_scenario(loaded, world, date="2019-01-01")
    assert before.date == dt.date(2018, 12, 31) and after.date == dt.date(2019, 1, 1)
    assert before.shock.is_zero(world)
    # C00 taxes C01's S0 goods from 2019-01-01: +0.1 on the tariff of exporter C01 into importer C00.
    change = after.shock.tariffs - world.tariffs  # type: ignore[operator]
    assert change[1, 0, 0] == pytest.approx(0.1)
    assert np.count_nonzero(change) == 1
    assert np.array_equal(after.shock.tariffs, compile_scenario(loaded, world, date=dt.date(2019, 1, 1)).shock.tariffs)


@pytest.mark.parametrize("bad", ["junk", "2019-13-01", 20190601, 1559347200.0])
def test_a_bad_evaluation_date_is_a_scenario_error(world, bad):
    with pytest.raises(ScenarioError, match="evaluation date"):
        compile_scenario(parse_scenario(HEADER), world, date=bad)


def test_evaluation_date_accepts_strings():
    spec = parse_scenario(HEADER + ACTION + "effective = 2019-01-01\n").spec
    assert evaluation_date(spec, "2020-02-14") == dt.date(2020, 2, 14)
    assert evaluation_date(spec, None) == dt.date(2019, 1, 1)


@given(day=st.dates())
def test_dates_round_trip_through_iso_text_and_toml(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(dt.datetime.combine(day, dt.time(23, 59))) == day
    spec = parse_scenario(HEADER + f"dates = [{day.isoformat()}]\n").spec
    assert spec.scenario.dates == [day]
    assert parse_scenario(to_toml(spec)).spec == spec
