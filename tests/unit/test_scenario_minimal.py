"""The scenario language's sector-level actions, compiled to shocks."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ScenarioError
from tariffsim.scenario import compile_scenario, parse_rate, parse_scenario

HEADER = '[scenario]\nname = "t"\n\n'


def test_rates_are_fractions_or_percent_strings():
    assert parse_rate("25%") == 0.25
    assert parse_rate(0.075) == 0.075
    assert parse_rate("-7.5%") == pytest.approx(-0.075)
    for bad in [25, "25", "-100%", -1.5, True]:
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_add_and_set_stack_in_file_order(small_world):
    text = HEADER + """
[[action]]
imposer = "C00"
target = ["C01", "C02"]
sectors = ["S1"]
rate = "10%"
mode = "set"

[[action]]
imposer = "C00"
target = "all"
sectors = "all"
rate = "5%"
"""
    shock = compile_scenario(parse_scenario(text), small_world)
    t0 = small_world.tariffs
    assert shock.tariffs is not None
    assert shock.tariffs[1, 0, 1] == pytest.approx(0.15)
    assert shock.tariffs[1, 0, 0] == pytest.approx(t0[1, 0, 0] + 0.05)
    assert shock.tariffs[3, 0, 2] == pytest.approx(t0[3, 0, 2] + 0.05)
    # other importers untouched, domestic sales untouched
    np.testing.assert_array_equal(shock.tariffs[:, 1:, :], t0[:, 1:, :])
    assert np.all(shock.tariffs[0, 0, :] == 0.0)


def test_no_actions_compile_to_the_zero_shock(small_world):
    shock = compile_scenario(parse_scenario(HEADER), small_world)
    assert shock.is_zero(small_world)


@pytest.mark.parametrize(
    ("action", "fragment"),
    [
        ('imposer = "C00"\ntarget = ["C00"]\nrate = 0.1', "on itself"),
        ('imposer = "C00"\ntarget = ["C01"]\nsectors = ["ZZ"]\nrate = 0.1', "unknown sectors"),
        ('imposer = "C00"\ntarget = ["QQ"]\nrate = 0.1', "unknown countries"),
        ('imposer = "C00"\ntarget = ["C01"]\nrate = "-60%"\n\n[[action]]\nimposer = "C00"\ntarget = ["C01"]\n'
         'rate = "-60%"', "-100%"),
    ],
)
def test_compile_errors_name_the_key(small_world, action, fragment):
    text = HEADER + "[[action]]\n" + action + "\n"
    with pytest.raises(ScenarioError, match=fragment) as info:
        compile_scenario(parse_scenario(text), small_world)
    assert info.value.key is not None and info.value.key.startswith("action.")
    assert info.value.line is not None


def test_parse_errors_are_scenario_errors():
    for text in ["", "[scenario]\n", "[scenario]\nname='x'\nclosure='weird'\n", "x = [", "\x00"]:
        with pytest.raises(ScenarioError):
            parse_scenario(text)
