"""Closed forms, identities and equivalences of the multi-sector model with input-output links.

Expected values come from another model (the gravity engine, for the cases where
the two must agree), from closed forms (Arkolakis–Costinot–Rodríguez-Clare with
roundabout production), from accounting identities written out here, or from the
first-order property of Caliendo & Parro's welfare decomposition — never from the
multi-sector engine's own output.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ConvergenceError, GravityModel, Numeraire, Shock, SolverOptions, World, simulate
from tariffsim.models.multisector import MultisectorModel, purge_deficits, solve_equilibrium
from tariffsim.models.multisector.equations import accelerate
from tariffsim.testing import assert_equilibrium_identities, random_io_world, random_world

CLOSURES = ["fixed_level", "fixed_ratio", "balanced"]
NUMERAIRES = ["world_output", "wage:C01", "price_index:C02"]


def tariff_shock(world: World, rng: np.random.Generator, scale: float = 1.0, costs: bool = False) -> Shock:
    change = rng.uniform(-0.1, 0.5, size=world.shape) * scale
    tariffs = np.clip(world.tariffs + change, 0.0, None)
    tau = rng.uniform(0.8, 1.2, size=world.shape) ** scale if costs else None
    return Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=tau)


# ---------------------------------------------------------------------- equivalences
@pytest.mark.parametrize("closure", CLOSURES)
@pytest.mark.parametrize("numeraire", NUMERAIRES)
def test_without_input_output_links_the_model_is_the_gravity_model(rng, closure, numeraire):
    world = random_world(rng, 7, 3)
    shock = tariff_shock(world, rng, costs=True)
    gravity = simulate(world, shock, model=GravityModel(closure=closure, numeraire=numeraire))
    multi = simulate(world, shock, model=MultisectorModel(closure=closure, numeraire=numeraire))
    g, m = gravity.equilibrium, multi.equilibrium
    np.testing.assert_allclose(m.wage_hat, g.wage_hat, rtol=1e-9)
    np.testing.assert_allclose(m.price_index_hat, g.price_index_hat, rtol=1e-9)
    np.testing.assert_allclose(m.sector_price_hat, g.sector_price_hat, rtol=1e-9)
    np.testing.assert_allclose(m.flows, g.flows, rtol=1e-8, atol=1e-10 * g.flows.max())
    for column in ("welfare_pct", "real_income_pct", "real_gdp_pct", "exports_pct", "imports_pct"):
        np.testing.assert_allclose(multi.countries[column], gravity.countries[column], atol=1e-7, err_msg=column)
    # with β = 1 the real wage is real GDP
    np.testing.assert_allclose(multi.countries["real_wage_pct"], gravity.countries["real_gdp_pct"], atol=1e-7)


def test_value_added_share_of_one_is_the_same_as_no_input_output_data(rng):
    world = random_world(rng, 6, 2)
    explicit = world.replace(value_added_share=np.ones((6, 2)))
    shock = tariff_shock(world, rng)
    a = simulate(world, shock, model="multisector")
    b = simulate(explicit, Shock.from_arrays(explicit, tariffs=shock.tariffs), model="multisector")
    np.testing.assert_allclose(a.equilibrium.flows, b.equilibrium.flows, rtol=1e-12)


@pytest.mark.parametrize("closure", CLOSURES)
def test_one_sector_equals_the_one_sector_gravity_model(rng, closure):
    world = random_world(rng, 8, 1)
    shock = tariff_shock(world, rng, costs=True)
    gravity = simulate(world, shock, model=GravityModel(closure=closure))
    multi = simulate(world, shock, model=MultisectorModel(closure=closure))
    np.testing.assert_allclose(multi.equilibrium.wage_hat, gravity.equilibrium.wage_hat, rtol=1e-9)
    np.testing.assert_allclose(multi.countries["welfare_pct"], gravity.countries["welfare_pct"], atol=1e-7)


def test_one_sector_with_roundabout_production_follows_acr(rng):
    """One sector, inputs from itself, no tariffs, balanced trade: Ŵ_j = λ̂_jj^(−1/(θβ_j)).

    With ĉ = ŵ^β P̂^(1−β) and P̂_j = ĉ_j λ̂_jj^(1/θ) (Costinot & Rodríguez-Clare 2014, sec. 4.2).
    """
    world = random_io_world(rng, 6, 1, tariff_max=0.0)
    model = MultisectorModel(closure="balanced")
    base = purge_deficits(world)
    tau = rng.uniform(0.6, 1.4, size=base.shape)
    idx = np.arange(6)
    tau[idx, idx, :] = 1.0  # domestic costs unchanged
    result = simulate(base, Shock.from_arrays(base, trade_cost_hat=tau), model=model)
    share = lambda flows: flows[idx, idx, 0] / flows[:, :, 0].sum(axis=0)  # noqa: E731
    lam_hat = share(result.equilibrium.flows) / share(base.flows)
    theta, beta = base.elasticity[0], base.value_added_share[:, 0]
    expected = lam_hat ** (-1.0 / (theta * beta))
    np.testing.assert_allclose(1.0 + result.countries["welfare_pct"] / 100.0, expected, rtol=1e-10)
    np.testing.assert_allclose(1.0 + result.countries["real_wage_pct"] / 100.0, expected, rtol=1e-10)


# ---------------------------------------------------------------------- zero shock
@pytest.mark.parametrize("closure", CLOSURES)
def test_zero_shock_gives_every_hat_exactly_one(rng, closure):
    world = random_io_world(rng, 6, 4, non_traded=1)
    result = simulate(world, Shock.none(world), model=MultisectorModel(closure=closure))
    eq = result.equilibrium
    assert np.all(eq.wage_hat == 1.0) and np.all(eq.price_index_hat == 1.0) and np.all(eq.sector_price_hat == 1.0)
    np.testing.assert_array_equal(eq.flows, result.baseline.flows)
    table = result.countries
    for column in ("welfare_pct", "real_income_pct", "real_gdp_pct", "real_wage_pct", "terms_of_trade_pct",
                   "volume_of_trade_pct", "welfare_first_order_pct", "exports_pct", "output_pct"):
        assert np.all(table[column] == 0.0), column


def test_zero_shock_through_the_solver_is_one_to_1e12(rng):
    world = random_io_world(rng, 7, 5, non_traded=2)
    eq, diag = solve_equilibrium(world, None, world.tariffs, closure="fixed_level", numeraire=Numeraire(),
                                 solver=SolverOptions())
    assert diag.converged and diag.iterations <= 2
    np.testing.assert_allclose(eq.wage_hat, 1.0, rtol=1e-12)
    np.testing.assert_allclose(eq.price_index_hat, 1.0, rtol=1e-12)
    np.testing.assert_allclose(eq.sector_price_hat, 1.0, rtol=1e-12)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-12, atol=1e-12 * world.flows.max())


# ---------------------------------------------------------------------- identities
def expenditure_identity(world: World, eq_flows: np.ndarray, tariffs: np.ndarray, income: np.ndarray) -> np.ndarray:
    """E'_js − Σ_k γ_jsk (1 − β_jk) Y'_jk − α_js I'_j, written from the World's definitions."""
    spending = ((1.0 + tariffs) * eq_flows).sum(axis=0)  # [j, s]
    output = eq_flows.sum(axis=1)  # [j, k]
    intermediate = np.einsum("jsk,jk->js", world.io_shares, (1.0 - world.value_added_share) * output)
    return spending - intermediate - world.final_shares * income[:, None]


@pytest.mark.parametrize("closure", CLOSURES)
@pytest.mark.parametrize("numeraire", NUMERAIRES)
def test_identities_hold_to_1e10(rng, closure, numeraire):
    world = random_io_world(rng, 8, 5, non_traded=2)
    result = simulate(world, tariff_shock(world, rng, costs=True),
                      model=MultisectorModel(closure=closure, numeraire=numeraire))
    assert_equilibrium_identities(result, tol=1e-10)
    base, eq = result.baseline, result.equilibrium
    scale = eq.output.sum()
    # labour-market clearing: value added = Σ_s β Y'
    labour = (base.value_added_share * eq.flows.sum(axis=1)).sum(axis=1)
    np.testing.assert_allclose(labour, eq.value_added, rtol=1e-10)
    # income = value added + tariff revenue + deficit, and final demand plus intermediates is spending
    np.testing.assert_allclose(eq.income, eq.value_added + eq.tariff_revenue + eq.deficit, rtol=1e-12)
    gap = expenditure_identity(base, eq.flows, eq.tariffs, eq.income)
    assert np.max(np.abs(gap)) < 1e-10 * scale
    # world trade balance
    assert abs(eq.deficit.sum()) < 1e-10 * scale
    if closure == "balanced":
        np.testing.assert_allclose(eq.deficit, 0.0, atol=1e-10 * scale)
    if closure == "fixed_level":
        # fixed in units of world value added: D' = D·ΣVA'/ΣVA whatever the numeraire
        factor = eq.value_added.sum() / world.value_added.sum()
        np.testing.assert_allclose(eq.deficit, world.deficit * factor, atol=1e-10 * scale)
    if closure == "fixed_ratio":
        ratio = (eq.value_added + eq.deficit) / eq.value_added
        factor = ratio / ((world.value_added + world.deficit) / world.value_added)
        np.testing.assert_allclose(factor, factor[0], rtol=1e-10)


def test_purged_baseline_keeps_the_shares_and_balances_trade(rng):
    world = random_io_world(rng, 7, 4, non_traded=1)
    assert np.max(np.abs(world.deficit)) > 1e-3 * world.output.sum()
    purged = purge_deficits(world)
    np.testing.assert_allclose(purged.deficit, 0.0, atol=1e-10 * world.output.sum())
    np.testing.assert_allclose(purged.final_shares, world.final_shares, atol=1e-10)
    np.testing.assert_array_equal(purged.value_added_share, world.value_added_share)
    assert purge_deficits(world) is purged  # cached


def test_non_traded_sectors_stay_non_traded(rng):
    world = random_io_world(rng, 6, 5, non_traded=2)
    result = simulate(world, tariff_shock(world, rng, costs=True), model="multisector")
    flows = result.equilibrium.flows[:, :, 3:]
    off = flows.copy()
    off[np.arange(6), np.arange(6), :] = 0.0
    assert np.all(off == 0.0)
    assert np.all(flows[np.arange(6), np.arange(6), :] > 0)


def test_the_numeraire_holds(rng):
    world = random_io_world(rng, 6, 4)
    shock = tariff_shock(world, rng)
    eq = simulate(world, shock, model=MultisectorModel(numeraire="wage:C01")).equilibrium
    assert eq.wage_hat[1] == pytest.approx(1.0, abs=1e-12)
    eq = simulate(world, shock, model=MultisectorModel(numeraire="price_index:C02")).equilibrium
    assert eq.price_index_hat[2] == pytest.approx(1.0, abs=1e-10)
    eq = simulate(world, shock, model=MultisectorModel()).equilibrium
    assert eq.value_added.sum() == pytest.approx(world.value_added.sum(), rel=1e-10)


@pytest.mark.parametrize("closure", CLOSURES)
def test_real_outcomes_do_not_depend_on_the_numeraire(rng, closure):
    world = random_io_world(rng, 6, 4)
    shock = tariff_shock(world, rng)
    tables = [simulate(world, shock, model=MultisectorModel(closure=closure, numeraire=n)).countries
              for n in NUMERAIRES]
    for table in tables[1:]:
        for column in ("welfare_pct", "real_income_pct", "real_wage_pct", "real_gdp_pct", "terms_of_trade_pct",
                       "volume_of_trade_pct", "welfare_first_order_pct"):
            np.testing.assert_allclose(table[column], tables[0][column], atol=1e-8, err_msg=column)


def test_two_steps_equal_one(rng):
    """Hat algebra is transitive: shock A, then B from A's counterfactual, lands where B lands directly."""
    world = random_io_world(rng, 6, 4, non_traded=1)
    final = tariff_shock(world, rng)
    halfway = Shock.from_arrays(world, tariffs=0.5 * (world.tariffs + final.tariffs))
    first = simulate(world, halfway, model="multisector")
    middle = first.counterfactual_world
    second = simulate(middle, Shock.from_arrays(middle, tariffs=final.tariffs), model="multisector")
    direct = simulate(world, final, model="multisector")
    np.testing.assert_allclose(second.equilibrium.flows, direct.equilibrium.flows, rtol=1e-8,
                               atol=1e-10 * world.flows.max())
    np.testing.assert_allclose(first.equilibrium.wage_hat * second.equilibrium.wage_hat, direct.equilibrium.wage_hat,
                               rtol=1e-9)
    np.testing.assert_allclose(first.equilibrium.price_index_hat * second.equilibrium.price_index_hat,
                               direct.equilibrium.price_index_hat, rtol=1e-9)


# ---------------------------------------------------------------------- welfare decomposition
@pytest.mark.parametrize("costs", [False, True])
def test_welfare_decomposition_is_exact_to_first_order(rng, costs):
    """CP's decomposition is d ln W to first order: its error shrinks like ε² (halving ε quarters it)."""
    world = purge_deficits(random_io_world(rng, 6, 4, non_traded=1))
    change = rng.uniform(-0.5, 1.0, size=world.shape)
    change[np.arange(6), np.arange(6), :] = 0.0
    tau = rng.uniform(0.8, 1.25, size=world.shape)
    errors, sizes = [], []
    for eps in (0.02, 0.01):
        shock = Shock.from_arrays(world, tariffs=np.clip(world.tariffs + eps * change, 0.0, None),
                                  trade_cost_hat=tau**eps if costs else None)
        table = simulate(world, shock, model=MultisectorModel(closure="balanced")).countries
        exact = np.log1p(table["welfare_pct"].to_numpy() / 100.0)
        first = table["welfare_first_order_pct"].to_numpy() / 100.0
        errors.append(np.max(np.abs(first - exact)))
        sizes.append(np.max(np.abs(exact)))
        parts = table[["terms_of_trade_pct", "volume_of_trade_pct", "trade_cost_pct"]].sum(axis=1)
        np.testing.assert_allclose(parts, table["welfare_first_order_pct"], rtol=1e-12)
        if not costs:
            assert np.all(table["trade_cost_pct"] == 0.0)
    assert errors[1] < 0.05 * sizes[1]  # the decomposition explains the welfare change
    assert 3.0 < errors[0] / errors[1] < 5.0  # second-order error


# ---------------------------------------------------------------------- solver
def test_newton_and_anderson_reach_the_same_equilibrium(rng):
    world = random_io_world(rng, 6, 4)
    shock = tariff_shock(world, rng)
    a = simulate(world, shock, model="multisector", solver=SolverOptions(method="anderson"))
    n = simulate(world, shock, model="multisector", solver=SolverOptions(method="newton"))
    assert n.diagnostics.method == "newton"
    np.testing.assert_allclose(n.equilibrium.wage_hat, a.equilibrium.wage_hat, rtol=1e-10)


def test_warm_start_gives_the_same_answer_in_fewer_iterations(rng):
    world = random_io_world(rng, 8, 5)
    shock = tariff_shock(world, rng)
    cold = simulate(world, shock, model="multisector")
    warm = simulate(world, shock, model="multisector", warm_start=cold)
    np.testing.assert_allclose(warm.equilibrium.wage_hat, cold.equilibrium.wage_hat, rtol=1e-10)
    assert warm.diagnostics.iterations < cold.diagnostics.iterations


def test_an_unconverged_solve_raises(rng):
    world = random_io_world(rng, 6, 3)
    with pytest.raises(ConvergenceError):
        simulate(world, tariff_shock(world, rng, scale=3.0), model="multisector",
                 solver=SolverOptions(method="anderson", max_iter=2))


def test_inner_acceleration_solves_a_linear_contraction(rng):
    """x = A x + b with ‖A‖ < 1: the answer is (I − A)⁻¹ b (numpy's solve, independent)."""
    n = 200
    a = rng.uniform(0.0, 1.0, size=(n, n))
    a *= 0.95 / a.sum(axis=1, keepdims=True)
    b = rng.uniform(size=n) / 20.0  # a solution of order 1

    def step(x: np.ndarray) -> tuple[np.ndarray, float]:
        g = a @ x + b
        return g, float(np.max(np.abs(g - x)))

    out = accelerate(step, np.zeros(n), tol=1e-13, max_iter=500, memory=8)
    assert out.converged and out.iterations < 60
    np.testing.assert_allclose(out.x, np.linalg.solve(np.eye(n) - a, b), rtol=1e-11)
