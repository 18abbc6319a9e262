"""What varies: coefficient draws with the estimated covariance, elasticities, tables of θ, scenario overlays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tariffsim.errors import ModelError, ScenarioError
from tariffsim.scenario import load_scenario
from tariffsim.testing import random_world
from tariffsim.uncertainty import (
    ActionParameter,
    Coefficients,
    Elasticity,
    ElasticityTable,
    LogNormal,
    MonteCarlo,
    Normal,
    Uniform,
)
from tariffsim.uncertainty.parameters import DrawInputs, bind_all, overlay
from tariffsim.uncertainty.published import published_elasticity_sets

from .conftest import scenario_text

COVARIANCE = np.array([[0.04, 0.012, -0.006], [0.012, 0.09, 0.0], [-0.006, 0.0, 0.01]])
MEAN = np.array([0.8, -1.1, 0.3])
TRADE_COSTS = """
[[trade_cost]]
variable = "rta"
coefficient = 0.8
exporters = ["C00"]
importers = ["C01"]

[[trade_cost]]
variable = "ln_dist"
coefficient = -1.1
exporters = ["C02"]
importers = ["C03"]

[[trade_cost]]
variable = "border"
coefficient = 0.3
exporters = ["C00"]
importers = ["C03"]
"""


def test_coefficient_draws_have_the_estimated_covariance(small):
    loaded = load_scenario(scenario_text(small, TRADE_COSTS))
    world = random_world(np.random.default_rng(0), 4, 2)
    blocks = bind_all([Coefficients(("rta", "ln_dist", "border"), MEAN, COVARIANCE)], world, loaded)
    n = 20_000
    draws = MonteCarlo(n).points(blocks, np.random.SeedSequence(2016)).values
    sample = np.cov(draws, rowvar=False)
    # sampling error of a covariance of normal variables: Var(S_ij) = (V_ij² + V_ii·V_jj) / (n − 1)
    se = np.sqrt((COVARIANCE ** 2 + np.outer(np.diag(COVARIANCE), np.diag(COVARIANCE))) / (n - 1))
    assert np.all(np.abs(sample - COVARIANCE) < 4.5 * se), (sample - COVARIANCE) / se
    assert np.all(np.abs(draws.mean(axis=0) - MEAN) < 4.5 * np.sqrt(np.diag(COVARIANCE) / n))
    # and the draws go into the scenario's trade-cost entries with those variables
    inputs = DrawInputs(theta=np.array(world.elasticity))
    blocks[0].apply(draws[0], inputs)
    changed = overlay(loaded, inputs).spec.trade_cost
    assert [tc.coefficient for tc in changed] == pytest.approx(list(draws[0]))


def test_coefficients_need_a_trade_cost_entry_that_uses_them(small):
    world = random_world(np.random.default_rng(0), 4, 2)
    with pytest.raises(ScenarioError, match="no \\[\\[trade_cost\\]\\] entry"):
        bind_all([Coefficients(("rta",), [0.5], [[0.01]])], world, load_scenario(small))


def test_a_covariance_that_is_not_positive_semi_definite_is_refused(small):
    loaded = load_scenario(scenario_text(small, TRADE_COSTS))
    world = random_world(np.random.default_rng(0), 4, 2)
    with pytest.raises(ModelError, match="positive semi-definite"):
        bind_all([Coefficients(("rta", "border"), [0.5, 0.1], [[0.01, 0.05], [0.05, 0.01]])], world, loaded)


def test_elasticity_laws_are_centred_on_the_worlds_theta():
    world = random_world(np.random.default_rng(0), 3, 3, theta=(2.0, 9.0))
    [block] = bind_all([Elasticity(LogNormal(sd_log=0.0))], world, None)
    np.testing.assert_allclose(block.sample(np.full((1, 3), 0.3))[0], world.elasticity)
    [one] = bind_all([Elasticity(Uniform(0.5, 1.5, relative=True), sectors=["S1"])], world, None)
    assert one.names == ("theta:S1",)
    assert one.sample(np.array([[0.0], [1.0]]))[:, 0] == pytest.approx([0.5 * world.elasticity[1],
                                                                         1.5 * world.elasticity[1]])
    [common] = bind_all([Elasticity(Normal(sd=1.0), common=True)], world, None)
    assert common.dims == 1
    values = common.sample(np.array([[0.8413447460685429]]))[0]  # Φ(1): one sd up in every sector
    np.testing.assert_allclose(values, np.asarray(world.elasticity) + 1.0)


def test_unknown_sectors_and_repeated_columns_are_refused():
    world = random_world(np.random.default_rng(0), 3, 2)
    with pytest.raises(ModelError, match="not sectors"):
        bind_all([Elasticity(Normal(sd=1.0), sectors=["XYZ"])], world, None)
    with pytest.raises(ModelError, match="drawn twice"):
        bind_all([Elasticity(Normal(sd=1.0)), Elasticity(Normal(sd=2.0), sectors=["S0"])], world, None)


def test_an_elasticity_table_maps_its_sectors_to_the_worlds_by_geometric_mean():
    world = random_world(np.random.default_rng(0), 3, 2)
    table = pd.DataFrame({"A": [2.0, 4.0], "B": [8.0, 1.0], "C": [3.0, 3.0]}, index=["set1", "set2"])
    [block] = bind_all([ElasticityTable(table, mapping={"S0": ["A", "B"], "S1": ["C"]})], world, None)
    inputs = DrawInputs(theta=np.array(world.elasticity))
    block.apply(np.array([0.0]), inputs)
    assert inputs.theta == pytest.approx([4.0, 3.0])  # sqrt(2·8), 3
    block.apply(np.array([1.0]), inputs)
    assert inputs.theta == pytest.approx([2.0, 3.0])  # sqrt(4·1)
    with pytest.raises(ModelError, match="no column"):
        bind_all([ElasticityTable(table)], world, None)


def test_the_published_sets_layout_reads_into_one_row_per_set():
    rows = [("icio", 2017, code, "x", k + 1, label, theta + 1, theta)
            for code, values in (("CP", (2.0, 5.0)), ("U4", (4.0, 4.0))) for k, (label, theta)
            in enumerate(zip(("A01", "C26"), values))]
    text = pd.DataFrame(rows, columns=["dataset", "year", "elasticity_code", "elasticity_source", "sector_idx",
                                       "sector_upstream_label", "sigma", "epsilon"]).to_csv(index=False).encode()
    table = published_elasticity_sets(text, mapping={"S0": ["A01"], "S1": ["C26"]})
    assert list(table.table.index) == ["CP", "U4"]
    assert table.table.loc["CP", "C26"] == 5.0
    world = random_world(np.random.default_rng(0), 3, 2)
    [block] = bind_all([table], world, None)
    assert block.labels["elasticity_set"] == ("CP", "U4")


def test_action_parameters_overlay_rates_and_dates_and_refuse_invalid_values(small):
    loaded = load_scenario(small)
    world = random_world(np.random.default_rng(0), 4, 2)
    rate, when = bind_all([ActionParameter("war", "rate", Uniform(0.1, 0.5)),
                           ActionParameter("answer", "effective", Normal(sd=30.0))], world, loaded)
    inputs = DrawInputs(theta=np.array(world.elasticity))
    rate.apply(np.array([0.4]), inputs)
    when.apply(np.array([dt.date(2018, 10, 1).toordinal()]), inputs)
    changed = overlay(loaded, inputs).spec
    assert changed.action[0].rate == pytest.approx(0.4)
    assert changed.action[1].effective == dt.date(2018, 10, 1)
    assert loaded.spec.action[0].rate == pytest.approx(0.25)  # the loaded scenario is not changed
    inputs.actions[("war", "rate")] = -1.5
    with pytest.raises(ScenarioError, match="invalid"):
        overlay(loaded, inputs)
    with pytest.raises(ScenarioError, match="no action or retaliation labelled"):
        bind_all([ActionParameter("peace", "rate", Uniform(0.0, 0.1))], world, loaded)


def test_a_law_centred_on_a_value_the_action_does_not_have_is_refused(small):
    world = random_world(np.random.default_rng(0), 4, 2)
    with pytest.raises(ScenarioError, match="no coverage to centre"):
        bind_all([ActionParameter("war", "coverage", Normal(sd=1000.0))], world, load_scenario(small))
    [block] = bind_all([ActionParameter("war", "coverage", Uniform(1000.0, 5000.0))], world, load_scenario(small))
    assert block.names == ("war:coverage",)
