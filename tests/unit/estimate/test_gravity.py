"""From estimates to Worlds: pair effects, the two-step fill, trade costs, baselines, shocks.

The data are noiseless and built from known pair effects γ_ij = a_i + a_j − 0.8 ln d_ij
(γ_ii = 0), so every expected number is the truth that generated them, or an identity
of the fitted baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.errors import DataError, ModelError
from tariffsim.estimate import (
    GravitySpec,
    PairFill,
    PPMLOptions,
    baseline_world,
    fill_pair_effects,
    pair_effects,
    pair_ids,
    ppml,
    trade_costs,
)

BETA = 0.35
DELTA = -0.8
N = 7
NAMES = [f"C{i}" for i in range(N)]
NEVER = ("C2", "C5")  # a pair that never trades


def _truth(seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    location = rng.uniform(0.0, 10.0, (N, 2))
    ln_dist = np.log(np.sqrt(((location[:, None] - location[None]) ** 2).sum(-1)) + 1.0)
    a = rng.normal(0.0, 0.4, N)
    gamma = a[:, None] + a[None, :] + DELTA * ln_dist
    np.fill_diagonal(gamma, 0.0)
    rows = []
    for t in range(3):
        size_x, size_m = rng.normal(4.0, 1.0, N), rng.normal(4.0, 1.0, N)
        for i in range(N):
            for j in range(N):
                rta = float(i != j and (i * j + t) % 4 == 1)
                flow = np.exp(size_x[i] + size_m[j] + gamma[i, j] + BETA * rta)
                if {NAMES[i], NAMES[j]} == set(NEVER):
                    flow = 0.0
                rows.append((NAMES[i], NAMES[j], 2000 + t, flow, rta, ln_dist[i, j]))
    frame = pd.DataFrame(rows, columns=["exporter", "importer", "year", "trade", "rta", "ln_dist"])
    a_, b_ = frame["exporter"], frame["importer"]
    frame["pair"] = np.where(a_ == b_, "domestic", np.where(a_ < b_, a_ + "-" + b_, b_ + "-" + a_))
    return frame, gamma


@pytest.fixture(scope="module")
def data():
    return _truth()


@pytest.fixture(scope="module")
def stage1(data):
    frame, _ = data
    return ppml(frame, "rta", spec=GravitySpec(pair="pair"))


@pytest.fixture(scope="module")
def costs(data, stage1):
    frame, _ = data
    return trade_costs(stage1, frame, year=2001, fill=PairFill(("ln_dist",)))


def test_pair_effects_are_the_truth_relative_to_domestic(data, stage1):
    frame, gamma = data
    effects = pair_effects(stage1, frame).set_index(["exporter", "importer"])["pair_effect"]
    for i in range(N):
        for j in range(N):
            value = effects[(NAMES[i], NAMES[j])]
            if {NAMES[i], NAMES[j]} == set(NEVER):
                assert np.isnan(value)
            else:
                assert value == pytest.approx(gamma[i, j], abs=1e-7), (i, j)


def test_two_step_predicts_the_missing_pair(data, costs):
    _, gamma = data
    table = costs.table.set_index(["exporter", "importer"])
    i, j = (NAMES.index(c) for c in NEVER)
    for pair in ((NEVER[0], NEVER[1]), (NEVER[1], NEVER[0])):
        assert table.loc[pair, "pair_effect_source"] == "predicted"
        assert table.loc[pair, "pair_effect"] == pytest.approx(gamma[i, j], abs=1e-6)
    assert (table["pair_effect_source"] == "predicted").sum() == 2
    assert costs.fill is not None
    assert costs.fill.coefficients["ln_dist"] == pytest.approx(DELTA, abs=1e-7)
    assert costs.fill.n_obs == N * (N - 1) - 2


def test_log_costs_add_pair_effects_and_covariates(costs):
    table = costs.table
    np.testing.assert_allclose(table["log_cost"], table["pair_effect"] + costs.coefficients["rta"] * table["rta"])
    assert costs.coefficients["rta"] == pytest.approx(BETA, abs=1e-8)
    T = costs.matrix(NAMES)
    assert T.shape == (N, N) and np.allclose(np.diag(T), 1.0)


def test_missing_pair_effects_need_a_fill(data, stage1):
    frame, _ = data
    with pytest.raises(DataError, match="PairFill"):
        trade_costs(stage1, frame, year=2001)
    with pytest.raises(ModelError, match="year"):
        trade_costs(stage1, frame, fill=PairFill(("ln_dist",)))
    with pytest.raises(DataError, match="no rows for year 1999"):
        trade_costs(stage1, frame, year=1999, fill=PairFill(("ln_dist",)))
    with pytest.raises(ModelError, match="covariate"):
        PairFill(())


def test_baseline_world_keeps_observed_margins_and_gravity_structure(data, costs):
    frame, _ = data
    world = baseline_world(costs, frame, elasticity=6.0)
    year = frame[frame["year"] == 2001]
    output = year.groupby("exporter")["trade"].sum().reindex(NAMES).to_numpy()
    expenditure = year.groupby("importer")["trade"].sum().reindex(NAMES).to_numpy()
    np.testing.assert_allclose(world.output, output, rtol=1e-10)
    np.testing.assert_allclose(world.expenditure, expenditure, rtol=1e-10)
    # X = a_i T_ij b_j: log X - log T is additive in exporter and importer
    residual = np.log(world.flows[:, :, 0]) - np.log(costs.matrix(NAMES))
    double = residual - residual[:, :1] - residual[:1, :] + residual[0, 0]
    assert np.max(np.abs(double)) < 1e-9
    assert world.year == 2001 and "trade_costs" in world.sources
    # the pair that never trades gets a positive fitted flow from its predicted cost, as in the book
    i, j = (NAMES.index(c) for c in NEVER)
    assert world.flows[i, j, 0] > 0 and world.flows[j, i, 0] > 0


def test_shock_changes_only_the_listed_pairs(data, costs):
    frame, _ = data
    world = baseline_world(costs, frame, elasticity=6.0)
    table = costs.table
    members = table[(table["rta"] == 1.0)].head(2)[["exporter", "importer"]]
    shock = costs.shock(world, members.assign(rta=0.0), label="end two RTAs")
    tau = shock.trade_cost_hat[:, :, 0]
    expected = np.ones((N, N))
    for exporter, importer in members.to_numpy():
        expected[NAMES.index(exporter), NAMES.index(importer)] = np.exp(BETA / 6.0)
    np.testing.assert_allclose(tau, expected, rtol=1e-7)
    with pytest.raises(ModelError, match="not cost covariates"):
        costs.shock(world, members.assign(ln_dist=0.0))


def test_with_coefficients_recomputes_costs(costs):
    other = costs.with_coefficients({"rta": 1.0})
    delta = other.table["log_cost"] - costs.table["log_cost"]
    np.testing.assert_allclose(delta, (1.0 - costs.coefficients["rta"]) * costs.table["rta"], atol=1e-12)
    with pytest.raises(ModelError, match="unknown"):
        costs.with_coefficients({"tariff": 1.0})


def test_costs_without_pair_effects(data):
    frame, _ = data
    year = frame[frame["year"] == 2001]
    fit = ppml(year, "trade ~ ln_dist + rta | exporter + importer",
               spec=GravitySpec(year=None, pair="pair"), options=PPMLOptions(vcov="hetero"))
    costs = trade_costs(fit, year)
    table = costs.table
    assert (table["pair_effect_source"] == "none").all()
    np.testing.assert_allclose(table["log_cost"], fit.coefficients["ln_dist"] * table["ln_dist"]
                               + fit.coefficients["rta"] * table["rta"])
    with pytest.raises(ModelError, match="no pair fixed effects"):
        pair_effects(fit, year)


def test_fill_refuses_pair_effects_that_are_not_relative_to_domestic(data):
    frame, _ = data
    for labels in (pair_ids(frame, symmetric=True, domestic="own"), pair_ids(frame, symmetric=False,
                                                                            domestic="common")):
        relabelled = frame.assign(pair=labels)
        fit = ppml(relabelled, "rta", spec=GravitySpec(pair="pair"))
        with pytest.raises(ModelError, match="relative to domestic trade"):
            trade_costs(fit, relabelled, year=2001, fill=PairFill(("ln_dist",)))


def test_fill_requires_its_columns(data):
    frame, _ = data
    pairs = frame[frame["year"] == 2000][["exporter", "importer"]].assign(pair_effect=0.0)
    with pytest.raises(DataError, match="ln_dist"):
        fill_pair_effects(pairs, PairFill(("ln_dist",)))
