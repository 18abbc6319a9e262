"""Property tests of the scenario language (round trips, zero shocks, only ScenarioErrors)."""

from __future__ import annotations

import numpy as np
import pytest
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


# ---------------------------------------------------------------------- coverage spreading
@st.composite
def _spread_inputs(draw):
    n = draw(st.integers(1, 8))
    values = st.floats(1e-3, 1e4)  # trade values or line counts, USD millions or lines
    weight = np.array(draw(st.lists(st.one_of(st.just(0.0), values), min_size=n, max_size=n)))
    cap = np.array(draw(st.lists(st.one_of(st.just(0.0), values), min_size=n, max_size=n)))
    total = draw(st.one_of(st.just(0.0), values, st.floats(0.0, 1e5)))
    return total, weight, cap


@settings(max_examples=150, deadline=None)
@given(inputs=_spread_inputs())
def test_spreading_fills_in_proportion_to_weights_up_to_the_caps(inputs):
    from tariffsim.scenario.compiler import _spread

    total, weight, cap = inputs
    out, short = _spread(total, weight, cap)
    reachable = float(cap[weight > 0].sum())
    tol = 1e-9 * max(total, reachable, 1.0)
    assert np.all(out >= 0) and np.all(out <= cap + tol)
    assert np.all(out[weight == 0] == 0)
    assert out.sum() == pytest.approx(min(total, reachable), abs=tol)
    assert short == (total > reachable + tol) or abs(total - reachable) <= tol
    # water filling: every cell not at its cap has the same amount per unit of weight, and no
    # capped cell would have got more than its cap at that level
    open_cells = (weight > 0) & (out < cap - tol)
    if open_cells.any():
        level = out[open_cells] / weight[open_cells]
        np.testing.assert_allclose(level, level[0], rtol=1e-9)
        capped = (weight > 0) & ~open_cells
        assert np.all(cap[capped] <= level[0] * weight[capped] * (1 + 1e-9) + tol)


SECTORS = [f"S{k}" for k in range(WORLD.n_sectors)]


@st.composite
def _stacking_scenarios(draw):
    """Positive add actions by C00 on C01/C02: whole sectors, or coverage (often more than the trade)
    on new lines or on one of two named lists."""
    actions = []
    for k in range(draw(st.integers(1, 6))):
        sectors = draw(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=len(SECTORS), unique=True))
        targets = draw(st.lists(st.sampled_from(["C01", "C02"]), min_size=1, max_size=2, unique=True))
        kind = draw(st.sampled_from(["whole", "new", "L1", "L2"]))
        coverage = draw(st.floats(0.0, 3.0)) * float(WORLD.flows[1:3, 0, :].sum())
        actions.append({"label": f"a{k}", "sectors": sectors, "targets": targets, "kind": kind,
                        "rate": draw(st.sampled_from([0.05, 0.1, 0.15, 0.25, 0.4])),
                        "coverage": None if kind == "whole" else coverage})
    return actions


def _toml(actions) -> str:
    text = '[scenario]\nname = "stack"\n\n'
    for a in actions:
        text += (f'[[action]]\nlabel = "{a["label"]}"\nimposer = "C00"\ntarget = {a["targets"]!r}\n'
                 f'sectors = {a["sectors"]!r}\nrate = {a["rate"]}\n').replace("'", '"')
        if a["coverage"] is not None:
            text += f'coverage = {a["coverage"]!r}\n'
        if a["kind"] in ("L1", "L2"):
            text += f'product_list = "{a["kind"]}"\n'
    return text


@settings(max_examples=60, deadline=None)
@given(actions=_stacking_scenarios())
def test_no_cell_rises_by_more_than_the_rates_that_can_stack_on_one_line(actions):
    """Issue 11: separate actions cannot cover more than all of a cell. A cell's tariff rises by at most
    the rates of the whole-sector actions plus the largest sum over one line set: actions on the same
    named list stack, every other coverage action has lines of its own."""
    compiled = compile_scenario(parse_scenario(_toml(actions)), WORLD)
    assert compiled.shock.tariffs is not None
    rise = compiled.shock.tariffs - WORLD.tariffs
    for i, exporter in ((1, "C01"), (2, "C02")):
        for s, sector in enumerate(SECTORS):
            covering = [a for a in actions if exporter in a["targets"] and sector in a["sectors"]]
            whole = sum(a["rate"] for a in covering if a["kind"] == "whole")
            stacks = [sum(a["rate"] for a in covering if a["kind"] == name) for name in ("L1", "L2")]
            single = [a["rate"] for a in covering if a["kind"] == "new"]
            bound = whole + max([0.0, *stacks, *single])
            assert -1e-12 <= rise[i, 0, s] <= bound + 1e-12, (exporter, sector, rise[i, 0, s], bound)
