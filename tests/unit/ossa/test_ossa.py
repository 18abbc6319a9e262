"""Ossa's (2014) model: closed forms, identities, an independent solve, equivalences and gradients.

Where the expected values come from:

* an independent dense transcription of Ossa's conditions (``myconditions.m``: his
  ``EQUILIBRIUMCONDITION1`` and ``2`` in levels of Ê and ŵ, his labour-income
  numéraire), solved here with ``scipy.optimize.fsolve`` — not the family's code;
* identities of the model read off ``Result`` tables (budget: spending = output +
  tariff revenue under balanced trade; labour market: Σ_s (σ_s−1)/σ_s R'_s = ŵ wL);
* equivalences: with one industry, or one σ for all industries, the model is the
  gravity model (profits are then a constant share of income);
* the two-country one-industry optimal tariff ``1/(θ λ_FF)`` (Costinot &
  Rodríguez-Clare 2014, eq. 27; Gros 1987 for Krugman with a fixed number of firms);
* finite differences of the games layer's objectives (its gradients are exact).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from tariffsim import ModelError, Shock, SolverOptions, World, simulate
from tariffsim.games import Instrument, Objective, Player, game_system, optimal_tariffs
from tariffsim.games.optimal import _Problem
from tariffsim.models import GravityModel, OssaModel
from tariffsim.models.ossa import purge_deficits
from tariffsim.models.ossa.data import calibrate
from tariffsim.models.ossa.equations import STEP, OssaSystem, _kernels
from tariffsim.models.ossa.model import solve_equilibrium
from tariffsim.testing import random_io_world, random_world


def _balanced(seed: int, n: int = 4, s: int = 3, theta: tuple[float, float] = (1.5, 8.0)) -> World:
    return purge_deficits(random_world(np.random.default_rng(seed), n, s, theta=theta))


def _shock(world: World, seed: int, high: float = 0.8) -> Shock:
    rng = np.random.default_rng(seed)
    tariffs = rng.uniform(0.0, high, size=world.shape)
    tariffs[np.arange(world.n_countries), np.arange(world.n_countries), :] = 0.0
    return Shock.from_arrays(world, tariffs=tariffs)


def _ossa_by_hand(world: World, tariffs_new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ossa's conditions transcribed densely in his notation ([i, j, s], levels of Ê and ŵ),
    solved with fsolve; returns (ŵ, Ê, P̂). Independent of tariffsim's family code."""
    X, t, sigma = world.flows, world.tariffs, np.asarray(world.elasticity) + 1.0
    n = X.shape[0]
    alpha = X / X.sum(axis=1, keepdims=True)  # exporter i's sales shares by destination
    gamma = (1 + t) * X / ((1 + t) * X).sum(axis=0, keepdims=True)  # importer's shares
    adj = (sigma - 1) / sigma * X
    delta = adj.sum(axis=1) / adj.sum(axis=(1, 2))[:, None]  # (N, S) industry share of labour income
    mu = ((1 + t) * X).sum(axis=0) / ((1 + t) * X).sum(axis=(0, 2))[:, None]  # (N, S)
    expenditure = ((1 + t) * X).sum(axis=(0, 2))
    profits = X.sum(axis=1) / sigma  # (N, S)
    nx = X.sum(axis=(1, 2)) - X.sum(axis=(0, 2))
    revenue = (t * X).sum(axis=(0, 2))
    labour = expenditure + nx - revenue - profits.sum(axis=1)
    tau = (1 + tariffs_new) / (1 + t)

    def parts(e_hat: np.ndarray, w_hat: np.ndarray):
        p_adj = 1.0 / np.einsum("ijs,ijs->js", gamma, (w_hat[:, None, None] * tau) ** (1 - sigma))
        temp1 = w_hat[:, None, None] ** (1 - sigma) * tau ** (-sigma) * p_adj[None, :, :]
        profits_hat = np.einsum("ijs,ijs->is", alpha, temp1 * e_hat[None, :, None])
        return p_adj, temp1, profits_hat

    def conditions(x: np.ndarray) -> np.ndarray:
        e_hat, w_hat = x[:n], x[n:]
        _, temp1, profits_hat = parts(e_hat, w_hat)
        c1 = w_hat - (delta * profits_hat).sum(axis=1)
        tariff_share = np.einsum("ijs,ijs->j", X / expenditure[None, :, None] * tariffs_new, temp1)
        c2 = e_hat - (labour / expenditure * w_hat + (profits / expenditure[:, None] * profits_hat).sum(axis=1)) / (
            1 - tariff_share)
        numeraire = (labour / labour.sum() * w_hat).sum() - 1
        return np.concatenate([c1[1:], c2, [numeraire]])

    x, _, ok, msg = scipy.optimize.fsolve(conditions, np.ones(2 * n), xtol=1e-13, full_output=True)
    assert ok == 1, msg
    e_hat, w_hat = x[:n], x[n:]
    p_adj, _, _ = parts(e_hat, w_hat)
    price = np.prod((p_adj ** (1 / (sigma - 1))) ** mu, axis=1)
    return w_hat, e_hat, price


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counterfactual_matches_an_independent_transcription_of_ossas_conditions(seed):
    world = _balanced(seed)
    shock = _shock(world, seed + 10)
    result = simulate(world, shock, model=OssaModel())
    w_hat, e_hat, price = _ossa_by_hand(world, shock.new_tariffs(world))
    eq = result.equilibrium
    np.testing.assert_allclose(eq.wage_hat, w_hat, rtol=1e-9)
    np.testing.assert_allclose(eq.expenditure / world.expenditure, e_hat, rtol=1e-9)
    np.testing.assert_allclose(eq.price_index_hat, price, rtol=1e-9)
    np.testing.assert_allclose(1 + result.countries["welfare_pct"] / 100, e_hat / price, rtol=1e-9)


def test_the_factual_tariffs_reproduce_the_baseline():
    world = _balanced(4)
    # Through simulate (the zero shock) and through a full solve at the factual tariffs (no shortcut).
    result = simulate(world, Shock.none(world), model=OssaModel())
    assert np.all(result.equilibrium.wage_hat == 1.0)
    eq, _, z = solve_equilibrium(world, None, world.tariffs, numeraire=OssaModel().rule(world.countries),
                                 solver=SolverOptions(), deficit_target=np.zeros(4))
    np.testing.assert_allclose(z, 0.0, atol=1e-10)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-10)
    # the conditions hold at z = 0 to the purge's tolerance (the solver's 1e-11)
    system = OssaSystem(calibrate(world), None, np.transpose(world.tariffs, (2, 0, 1)), np.zeros(4))
    np.testing.assert_allclose(system.conditions(np.zeros(8)), 0.0, atol=1e-11)


def test_budget_and_labour_market_identities_hold_in_the_result_tables():
    world = _balanced(5)
    result = simulate(world, _shock(world, 6), model=OssaModel())
    table = result.countries
    # balanced trade: spending = revenue of all industries (wages + profits) + tariff revenue
    np.testing.assert_allclose(table["expenditure_cf"], table["output_cf"] + table["tariff_revenue_cf"], rtol=1e-10)
    np.testing.assert_allclose(table["trade_balance_cf"], 0.0, atol=1e-9 * table["output_cf"].max())
    # labour market: Σ_s (σ_s − 1)/σ_s R'_s = ŵ · w L, with w L from the baseline sector table
    sectors = result.sectors
    theta = np.asarray(world.elasticity)
    share = np.tile(theta / (theta + 1), world.n_countries)
    labour_cf = (sectors["sector_output_cf"] * share).groupby(sectors["country"], sort=False).sum().to_numpy()
    labour_base = (sectors["sector_output_base"] * share).groupby(sectors["country"], sort=False).sum().to_numpy()
    np.testing.assert_allclose(labour_cf, labour_base * (1 + table["factory_price_pct"].to_numpy() / 100), rtol=1e-10)
    # Ossa's numéraire: world labour income unchanged
    assert labour_cf.sum() == pytest.approx(labour_base.sum(), rel=1e-11)


@pytest.mark.parametrize("case", ["one industry", "one sigma"])
def test_with_one_industry_or_one_sigma_it_is_the_gravity_model(case):
    rng = np.random.default_rng(7)
    world = random_world(rng, 5, 1 if case == "one industry" else 3, theta=(3.0, 3.0) if case == "one sigma"
                         else (2.0, 6.0))
    shock = _shock(world, 8)
    ossa = simulate(world, shock, model=OssaModel(numeraire="world_output"))
    gravity = simulate(world, shock, model=GravityModel(closure="balanced"))
    np.testing.assert_allclose(ossa.equilibrium.flows, gravity.equilibrium.flows, rtol=1e-8)
    np.testing.assert_allclose(ossa.countries["welfare_pct"], gravity.countries["welfare_pct"], atol=1e-8)


def test_with_several_sigmas_profits_make_it_differ_from_gravity():
    world = _balanced(9, theta=(1.5, 9.0))
    shock = _shock(world, 10)
    ossa = simulate(world, shock, model=OssaModel(numeraire="world_output"))
    gravity = simulate(world, shock, model=GravityModel(closure="balanced"))
    assert np.max(np.abs(ossa.countries["welfare_pct"] - gravity.countries["welfare_pct"])) > 1e-3


def test_the_numeraire_changes_nominal_values_only():
    world = _balanced(11)
    shock = _shock(world, 12)
    a = simulate(world, shock, model=OssaModel())
    b = simulate(world, shock, model=OssaModel(numeraire="wage:C02"))
    np.testing.assert_allclose(a.countries["welfare_pct"], b.countries["welfare_pct"], atol=1e-9)
    assert b.equilibrium.wage_hat[2] == pytest.approx(1.0, abs=1e-12)
    assert abs(a.equilibrium.wage_hat[2] - 1.0) > 1e-4


def test_deficits_are_purged_first_and_fixed_level_keeps_them():
    world = random_world(np.random.default_rng(13), 4, 2)
    shock = _shock(world, 14)
    balanced = simulate(world, shock, model=OssaModel())
    assert balanced.observed is world and np.allclose(balanced.baseline.deficit, 0.0, atol=1e-9)
    fixed = simulate(world, shock, model=OssaModel(closure="fixed_level", numeraire="world_output"))
    eq = fixed.equilibrium
    np.testing.assert_allclose(eq.deficit, world.deficit * eq.output.sum() / world.output.sum(), rtol=1e-8,
                               atol=1e-9 * world.output.sum())


def test_bad_settings_are_refused():
    world = random_world(np.random.default_rng(15), 3, 2)
    with pytest.raises(ModelError, match="closure"):
        OssaModel(closure="fixed_ratio")
    with pytest.raises(ModelError, match="input-output"):
        simulate(random_io_world(np.random.default_rng(16), 3, 2), model=OssaModel())
    with pytest.raises(ModelError, match="numeraire"):
        simulate(world, model=OssaModel(numeraire="wage:XXX"))


def test_complex_step_kernels_equal_complex_arithmetic():
    world = _balanced(17)
    cal = calibrate(world)
    rng = np.random.default_rng(18)
    base = np.transpose(world.tariffs, (2, 0, 1))
    tariffs = base[None] + 1j * STEP * rng.random((5, *base.shape))
    fast = _kernels(cal, tariffs, None)
    from tariffsim.models._shares import trade_kernels

    slow = trade_kernels(cal.lam, cal.tariffs, tariffs, None, cal.theta)
    assert fast[3] is None  # steps in every column: the whole batch
    for a, b in zip(fast[:3], (slow.B, slow.sales, slow.rev), strict=True):
        np.testing.assert_allclose(a.real, b.real, rtol=1e-14, atol=1e-50)  # complex arithmetic leaves h² terms
        np.testing.assert_allclose(a.imag, b.imag, rtol=1e-12, atol=1e-300)


def test_a_batch_of_steps_in_one_importers_column_equals_the_whole_batch():
    world = _balanced(25)
    cal = calibrate(world)
    rng = np.random.default_rng(26)
    base = np.transpose(_shock(world, 27).new_tariffs(world), (2, 0, 1))
    steps = np.zeros((6, *base.shape))
    steps[:, :, :, 2] = rng.random((6, 3, 4))  # importer C02's column only
    steps[:, :, 2, 2] = 0.0
    z = rng.normal(0.0, 0.05, 8)
    column = OssaSystem(cal, None, base[None] + 1j * STEP * steps, np.zeros(4))
    assert column._column is not None
    weights = np.full((4, 3), 1.5) + np.eye(4, 3)
    # the same directions one at a time, with the kernels from complex powers (plain complex arithmetic)
    from tariffsim.models._shares import trade_kernels

    for p in range(6):
        one = OssaSystem(cal, None, base + 1j * STEP * steps[p], np.zeros(4))
        k = trade_kernels(cal.lam, cal.tariffs, base + 1j * STEP * steps[p], None, cal.theta)
        one.B, one.B_sales, one.B_rev = k.B, k.sales, k.rev
        np.testing.assert_allclose(column.conditions(z)[p].imag, one.conditions(z).imag, rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(column.government_welfare(z, weights)[p].imag,
                                   one.government_welfare(z, weights).imag, rtol=1e-10, atol=1e-300)


# ---------------------------------------------------------------------- the games layer
def test_government_welfare_with_unit_weights_is_real_income():
    world = _balanced(19)
    game = game_system(world, OssaModel())
    tariffs = _shock(world, 20).new_tariffs(world)
    z, _, _ = game.solve(tariffs)
    # equal at an equilibrium (the budget makes Σ_s R' + TR' = E'), to the solver's tolerance
    np.testing.assert_allclose(game.political(tariffs, z, np.ones((4, 3))), game.welfare(tariffs, z), rtol=1e-10)
    weights = np.random.default_rng(21).uniform(0.5, 2.0, (4, 3))
    assert not np.allclose(game.political(tariffs, z, weights), game.welfare(tariffs, z), rtol=1e-6)
    # and real income is the Result's welfare
    result = simulate(world, Shock.from_arrays(world, tariffs=tariffs), model=OssaModel())
    np.testing.assert_allclose(game.welfare(tariffs, z), 1 + result.countries["welfare_pct"] / 100, rtol=1e-10)


@pytest.mark.parametrize("partners", ["mfn", "each"])
@pytest.mark.parametrize("kind", ["welfare", "political"])
def test_gradients_match_finite_differences(partners, kind):
    world = _balanced(22, n=4, s=3)
    rng = np.random.default_rng(23)
    objective = Objective.welfare() if kind == "welfare" else Objective.political(rng.uniform(0.5, 1.5, (4, 3)))
    # a tight inner tolerance: the finite differences, not the exact gradient, need it
    game = game_system(world, OssaModel(), solver=SolverOptions(tol=1e-14))
    player = Player(Instrument("C01", partners=partners), objective)
    bound = player.instrument.bind(game.world)
    weights = objective.weight_array(game.world) if kind == "political" else None
    problem = _Problem(game, player, bound, np.array(game.world.tariffs), weights)
    p = bound.read(game.world.tariffs) + 0.2
    _, grad = problem.value_and_gradient(p)
    fd = np.empty_like(grad)
    for k in range(p.size):
        def diff(h, k=k):
            e = np.zeros_like(p)
            e[k] = h
            return (problem.value_and_gradient(p + e)[0] - problem.value_and_gradient(p - e)[0]) / (2 * h)
        fd[k] = (4 * diff(1e-3) - diff(2e-3)) / 3  # Richardson: error O(h⁴)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("sigma", [3.0, 5.0])
def test_two_country_one_industry_optimal_tariff_is_one_over_theta_lambda_ff(sigma):
    flows = np.array([[[90.0], [15.0]], [[15.0], [200.0]]])
    world = World(countries=("HOM", "FOR"), sectors=("G",), flows=flows, tariffs=np.zeros((2, 2, 1)),
                  elasticity=sigma - 1.0)
    opt = optimal_tariffs(world, "HOM", model=OssaModel(), kkt_tol=1e-9)
    eq = opt.result.equilibrium
    lam_ff = eq.flows[1, 1, 0] / (eq.flows[:, 1, 0] * (1.0 + eq.tariffs[:, 1, 0])).sum()
    assert opt.params[0] == pytest.approx(1.0 / ((sigma - 1.0) * lam_ff), rel=1e-6)
    # with unit political weights the government's optimum is the same
    political = optimal_tariffs(world, Player(Instrument("HOM"), Objective.political(np.ones((2, 1)))),
                                model=OssaModel(), kkt_tol=1e-9)
    assert political.params[0] == pytest.approx(opt.params[0], rel=1e-6)


def test_game_system_dispatches_on_the_name_and_purges_deficits():
    world = random_world(np.random.default_rng(24), 3, 2)
    game = game_system(world, "ossa")
    assert type(game).__name__ == "OssaGame"
    assert np.allclose(game.world.deficit, 0.0, atol=1e-9 * world.output.sum())
    z, _, diag = game.solve(np.array(game.world.tariffs))
    assert diag.converged and np.allclose(z, 0.0, atol=1e-10)
