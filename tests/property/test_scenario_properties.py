"""Property tests of the scenario language (round trips, zero shocks, only ScenarioErrors)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim import ScenarioError
from tariffsim.scenario import Header, Scenario, compile_scenario, parse_scenario, to_toml
from tariffsim.scenario.loader import LoadedScenario
from tariffsim.testing import random_world, scenarios

WORLD = random_world(np.random.default_rng(3), 5, 3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=scenarios(WORLD))
def test_a_valid_scenario_round_trips_through_toml(spec):
    text = to_toml(spec)
    again = parse_scenario(text).spec
    assert again == spec
    assert to_toml(again) == text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=scenarios(WORLD))
def test_valid_scenarios_compile_or_fail_only_with_scenario_errors(spec):
    loaded = LoadedScenario(spec=spec, path=None, text=to_toml(spec))
    try:
        compiled = compile_scenario(loaded, WORLD)
    except ScenarioError:
        return
    assert compiled.shock.tariffs is not None
    assert np.all(compiled.shock.tariffs > -1.0)


@given(name=st.text(min_size=1).filter(lambda s: s.strip() != ""))
def test_a_scenario_without_actions_compiles_to_the_zero_shock(name):
    spec = Scenario(scenario=Header(name=name))
    compiled = compile_scenario(LoadedScenario(spec=spec, path=None, text=""), WORLD)
    assert compiled.shock.is_zero(WORLD)


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_arbitrary_text_raises_nothing_but_scenario_error(text):
    try:
        parse_scenario(text)
    except ScenarioError:
        pass


TOML_VALUES = st.recursive(
    st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=10), st.dates()),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
KEYS = st.sampled_from(["name", "imposer", "target", "rate", "sectors", "products", "mode", "effective", "until",
                        "coverage", "label", "answers", "value", "importer", "exporter", "world", "dates", "x"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.dictionaries(KEYS, TOML_VALUES, max_size=5),
       actions=st.lists(st.dictionaries(KEYS, TOML_VALUES, max_size=7), max_size=3),
       table=st.sampled_from(["action", "retaliation", "trade_cost", "purchase", "regions"]))
def test_random_toml_raises_nothing_but_scenario_error(header, actions, table):
    from tariffsim.scenario.writer import _table

    lines = ["[scenario]", *_safe(_table, header)]
    for entry in actions:
        lines += [f"[[{table}]]" if table != "regions" else "[regions]", *_safe(_table, entry)]
    text = "\n".join(lines)
    try:
        loaded = parse_scenario(text)
    except ScenarioError:
        return
    try:
        compile_scenario(loaded, WORLD)
    except ScenarioError:
        pass


def _safe(writer, data):
    try:
        return writer(data)
    except TypeError:
        return []
