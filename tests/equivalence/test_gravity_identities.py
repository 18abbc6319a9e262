"""Closed-form and equivalence tests of the gravity engine.

Each expected value comes from an identity of the model or from an independent
computation written here, never from the engine's own output.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import root

from tariffsim import (
    ConvergenceError,
    GravityModel,
    ModelError,
    Numeraire,
    Shock,
    SolverOptions,
    World,
    simulate,
)
from tariffsim.models.gravity import solve_equilibrium
from tariffsim.models.gravity.data import calibrate
from tariffsim.models.gravity.equations import GravitySystem
from tariffsim.options import NumeraireRule
from tariffsim.testing import assert_equilibrium_identities, random_world

CLOSURES = ["fixed_level", "fixed_ratio", "balanced"]
NUMERAIRES = ["world_output", "wage:C01", "price_index:C02"]


def random_shock(world: World, rng: np.random.Generator, tariffs: bool = True, costs: bool = True) -> Shock:
    t = np.clip(world.tariffs + rng.uniform(-0.1, 0.8, size=world.shape), 0.0, None) if tariffs else None
    tau = rng.uniform(0.7, 1.3, size=world.shape) if costs else None
    return Shock.from_arrays(world, tariffs=t, trade_cost_hat=tau)


@pytest.mark.parametrize("closure", CLOSURES)
def test_zero_shock_gives_every_hat_exactly_one(small_world, closure):
    result = simulate(small_world, Shock.none(small_world), model=GravityModel(closure=closure))
    eq = result.equilibrium
    assert np.all(eq.wage_hat == 1.0)
    assert np.all(eq.price_index_hat == 1.0)
    assert np.all(eq.sector_price_hat == 1.0)
    np.testing.assert_array_equal(eq.flows, result.baseline.flows)
    table = result.countries
    for col in ["real_gdp_pct", "welfare_pct", "price_index_pct", "exports_pct", "imports_pct", "output_pct"]:
        assert np.all(table[col] == 0.0), col


def test_zero_shock_through_the_solver_is_one_to_machine_precision(small_world):
    eq, diag = solve_equilibrium(small_world, None, small_world.tariffs, closure="fixed_level",
                                 numeraire=Numeraire(), solver=SolverOptions())
    assert diag.iterations <= 2
    np.testing.assert_allclose(eq.wage_hat, 1.0, rtol=1e-13)
    np.testing.assert_allclose(eq.price_index_hat, 1.0, rtol=1e-13)
    np.testing.assert_allclose(eq.flows, small_world.flows, rtol=1e-12)


@pytest.mark.parametrize("closure", CLOSURES)
@pytest.mark.parametrize("numeraire", NUMERAIRES)
def test_identities_hold_to_1e10(rng, closure, numeraire):
    world = random_world(rng, 9, 3)
    result = simulate(world, random_shock(world, rng), model=GravityModel(closure=closure, numeraire=numeraire))
    assert_equilibrium_identities(result, tol=1e-10)
    eq = result.equilibrium
    if closure in ("balanced", "fixed_level"):
        world_income = eq.output.sum() + eq.tariff_revenue.sum()
        assert abs(eq.expenditure.sum() / world_income - 1.0) < 1e-10
    if closure == "balanced":
        np.testing.assert_allclose(eq.deficit, 0.0, atol=1e-10 * eq.output.sum())
    if closure == "fixed_level":
        # deficits stay fixed in units of world output: D' = D·ΣY'/ΣY whatever the numeraire
        scale = eq.output.sum() / world.output.sum()
        np.testing.assert_allclose(eq.deficit, world.deficit * scale, atol=1e-9 * eq.output.sum())
    if closure == "fixed_ratio":
        # spending net of revenue, relative to output, moves by one common factor
        ratio = (eq.expenditure - eq.tariff_revenue) / eq.output
        base = (world.expenditure - world.tariff_revenue) / world.output
        factor = ratio / base
        np.testing.assert_allclose(factor, factor[0], rtol=1e-10)


@pytest.mark.parametrize("numeraire", NUMERAIRES)
def test_numeraire_is_respected(rng, numeraire):
    world = random_world(rng, 7, 2)
    result = simulate(world, random_shock(world, rng), model=GravityModel(numeraire=numeraire))
    eq = result.equilibrium
    if numeraire == "world_output":
        assert eq.output.sum() == pytest.approx(world.output.sum(), rel=1e-12)
    elif numeraire.startswith("wage"):
        assert eq.wage_hat[1] == pytest.approx(1.0, abs=1e-12)
    else:
        assert eq.price_index_hat[2] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("closure", CLOSURES)
def test_real_outcomes_do_not_depend_on_the_numeraire(rng, closure):
    world = random_world(rng, 8, 2)
    shock = random_shock(world, rng)
    tables = [simulate(world, shock, model=GravityModel(closure=closure, numeraire=n)).countries
              for n in NUMERAIRES]
    for other in tables[1:]:
        for col in ["real_gdp_pct", "welfare_pct"]:
            np.testing.assert_allclose(other[col], tables[0][col], rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("closure", CLOSURES)
def test_homogeneity_scaling_flows_changes_no_percentage(rng, closure):
    world = random_world(rng, 8, 2)
    shock = random_shock(world, rng)
    scaled = world.replace(flows=world.flows * 1234.5)
    a = simulate(world, shock, model=GravityModel(closure=closure)).countries
    b = simulate(scaled, Shock.from_arrays(scaled, tariffs=shock.tariffs, trade_cost_hat=shock.trade_cost_hat),
                 model=GravityModel(closure=closure)).countries
    pct_cols = [c for c in a.columns if c.endswith("_pct")]
    np.testing.assert_allclose(b[pct_cols].to_numpy(), a[pct_cols].to_numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(b["output_cf"], 1234.5 * a["output_cf"], rtol=1e-10)


def test_acr_welfare_formula(rng):
    """Arkolakis, Costinot & Rodríguez-Clare (2012): with one sector, balanced trade and iceberg
    shocks only, the welfare change is π̂_jj^(−1/θ)."""
    world = random_world(rng, 10, 1, tariff_max=0.0)
    tau = rng.uniform(0.7, 1.3, size=world.shape)
    n = world.n_countries
    tau[np.arange(n), np.arange(n), :] = 1.0  # domestic costs unchanged, as the formula assumes
    shock = Shock.from_arrays(world, trade_cost_hat=tau)
    result = simulate(world, shock, model=GravityModel(closure="balanced"))
    base, eq = result.baseline, result.equilibrium
    own_base = base.flows[np.arange(n), np.arange(n), 0] / base.expenditure
    own_cf = eq.flows[np.arange(n), np.arange(n), 0] / eq.expenditure
    theta = base.elasticity[0]
    acr = (own_cf / own_base) ** (-1.0 / theta)
    np.testing.assert_allclose(1.0 + result.countries["welfare_pct"] / 100.0, acr, rtol=1e-10)


def test_sectors_with_identical_parameters_equal_the_one_sector_model(rng):
    """A world whose sectors are scaled copies of one another (same θ, same tariffs and shocks)
    is the one-sector world: aggregation is exact."""
    one = random_world(rng, 6, 1)
    shares = np.array([0.2, 0.5, 0.3])
    multi = World(countries=one.countries, sectors=("a", "b", "c"), flows=one.flows * shares[None, None, :],
                  tariffs=np.repeat(one.tariffs, 3, axis=2), elasticity=one.elasticity[0])
    t_new = np.clip(one.tariffs + rng.uniform(0, 0.5, size=one.shape), 0, None)
    tau = rng.uniform(0.8, 1.2, size=one.shape)
    r1 = simulate(one, Shock.from_arrays(one, tariffs=t_new, trade_cost_hat=tau))
    r3 = simulate(multi, Shock.from_arrays(multi, tariffs=np.repeat(t_new, 3, axis=2),
                                           trade_cost_hat=np.repeat(tau, 3, axis=2)))
    for col in ["real_gdp_pct", "welfare_pct", "factory_price_pct", "price_index_pct", "exports_pct",
                "imports_pct", "tariff_revenue_cf"]:
        np.testing.assert_allclose(r3.countries[col], r1.countries[col], rtol=1e-9, atol=1e-9)


def _independent_one_sector(world: World, tariffs_new: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Textbook one-sector model with tariff revenue, fixed deficits, world-GDP numeraire,
    solved by scipy's hybrid root finder (independent of tariffsim's solver and layout)."""
    X = world.flows[:, :, 0]
    t0 = world.tariffs[:, :, 0]
    t1 = tariffs_new[:, :, 0]
    theta = world.elasticity[0]
    spend = ((1 + t0) * X).sum(axis=0)
    lam = (1 + t0) * X / spend[None, :]
    Y = X.sum(axis=1)
    D = X.sum(axis=0) - Y
    n = len(Y)

    def excess(logw_free: np.ndarray) -> np.ndarray:
        logw = np.append(logw_free, 0.0)
        w = np.exp(logw)
        w = w * Y.sum() / (w * Y).sum()  # world GDP is the numeraire
        cost = (w[:, None] * tau[:, :, 0] * (1 + t1) / (1 + t0)) ** (-theta)
        lam1 = lam * cost / (lam * cost).sum(axis=0)[None, :]
        revenue_share = (lam1 * t1 / (1 + t1)).sum(axis=0)
        E1 = (w * Y + D) / (1 - revenue_share)
        X1 = lam1 * E1[None, :] / (1 + t1)
        return (X1.sum(axis=1) / (w * Y) - 1.0)[: n - 1]

    sol = root(excess, np.zeros(n - 1), method="hybr", tol=1e-14)
    assert sol.success, sol.message
    w = np.exp(np.append(sol.x, 0.0))
    return w * Y.sum() / (w * Y).sum()


def test_one_sector_matches_an_independent_textbook_solver(rng):
    world = random_world(rng, 6, 1)
    t_new = np.clip(world.tariffs + rng.uniform(0, 0.6, size=world.shape), 0, None)
    n = world.n_countries
    t_new[np.arange(n), np.arange(n), :] = 0
    tau = rng.uniform(0.8, 1.25, size=world.shape)
    expected = _independent_one_sector(world, t_new, tau)
    result = simulate(world, Shock.from_arrays(world, tariffs=t_new, trade_cost_hat=tau))
    np.testing.assert_allclose(result.equilibrium.wage_hat, expected, rtol=1e-9)


@pytest.mark.parametrize("closure", ["fixed_level", "fixed_ratio"])
@pytest.mark.parametrize("numeraire", ["world_output", "wage", "price_index"])
def test_analytic_jacobian_matches_finite_differences(rng, closure, numeraire):
    world = random_world(rng, 6, 3)
    cal = calibrate(world)
    t_new = np.transpose(np.clip(world.tariffs + rng.uniform(0, 0.5, size=world.shape), 0, None), (2, 0, 1))
    for s in range(world.n_sectors):
        np.fill_diagonal(t_new[s], 0.0)
    tau = rng.uniform(0.8, 1.2, size=t_new.shape)
    system = GravitySystem(cal, tau, np.ascontiguousarray(t_new), closure=closure,  # type: ignore[arg-type]
                           numeraire=NumeraireRule(numeraire, 2))  # type: ignore[arg-type]
    x = rng.normal(0, 0.05, size=world.n_countries)
    J = system.jacobian(x)
    h = 1e-6
    fd = np.empty_like(J)
    for k in range(len(x)):
        e = np.zeros_like(x)
        e[k] = h
        fd[:, k] = (system.newton_residual(x + e) - system.newton_residual(x - e)) / (2 * h)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", ["anderson", "newton"])
def test_both_methods_reach_the_same_equilibrium(rng, method):
    world = random_world(rng, 12, 2)
    shock = random_shock(world, rng)
    ref = simulate(world, shock)
    other = simulate(world, shock, solver=SolverOptions(method=method))
    assert other.diagnostics.method == method
    np.testing.assert_allclose(other.equilibrium.wage_hat, ref.equilibrium.wage_hat, rtol=1e-10)


def test_non_convergence_raises_with_diagnostics(rng):
    world = random_world(rng, 10, 2)
    with pytest.raises(ConvergenceError) as info:
        simulate(world, random_shock(world, rng), solver=SolverOptions(method="anderson", max_iter=2))
    diag = info.value.diagnostics
    assert not diag.converged
    assert diag.iterations == 2
    assert diag.residual > 0


def test_warm_start_saves_iterations(rng):
    world = random_world(rng, 20, 2)
    shock = random_shock(world, rng)
    cold = simulate(world, shock)
    warm = simulate(world, shock, warm_start=cold)
    assert warm.diagnostics.iterations < cold.diagnostics.iterations
    np.testing.assert_allclose(warm.equilibrium.wage_hat, cold.equilibrium.wage_hat, rtol=1e-10)


def test_a_unilateral_tariff_raises_revenue_and_cuts_imports(rng):
    world = random_world(rng, 6, 1, tariff_max=0.0)
    t = np.zeros(world.shape)
    t[:, 0, 0] = 0.25  # country 0 taxes every import at 25 %
    t[0, 0, 0] = 0.0
    table = simulate(world, Shock.from_arrays(world, tariffs=t)).countries
    assert table.loc[0, "tariff_revenue_cf"] > 0
    assert table.loc[0, "imports_pct"] < 0
    assert table.loc[0, "factory_price_pct"] > table.loc[1:, "factory_price_pct"].max()


def test_book_procedure_refuses_what_it_cannot_do(small_world):
    with pytest.raises(ModelError, match="fixed_ratio"):
        GravityModel(procedure="book")
    model = GravityModel(procedure="book", closure="fixed_ratio", numeraire="price_index:C00")
    with pytest.raises(ModelError, match="one sector"):
        simulate(small_world, Shock.none(small_world), model=model)


def test_a_shock_too_large_for_a_cold_start_is_solved_by_continuation():
    """Found by hypothesis: θ ≈ 11.4, domestic cost cuts of 20-25 % and fixed deficits defeat both
    the fixed point and Newton from the baseline; following the shock from zero reaches it."""
    flows = np.array([[11.14082279, 1.38130802, 0.36773677], [0.17419829, 144.80503837, 0.54886429],
                      [1.37019525, 1.33601931, 33.79251146]])[:, :, None]
    t0 = np.array([[0, 0.47730971, 0.24314072], [0.33192426, 0, 0.1471963], [0.22158929, 0.0429825, 0]])
    t1 = np.array([[0, 0.61888068, 0.80858543], [0.40309127, 0, 0.59912998], [0.76494163, 0.4384423, 0]])
    tau = np.array([[0.75921029, 1.38740221, 0.87456178], [1.00070961, 1.04437702, 0.90131743],
                    [0.79923731, 1.39506515, 0.81996197]])
    world = World(countries=("A", "B", "C"), sectors=("S",), flows=flows, tariffs=t0[:, :, None],
                  elasticity=11.44355052)
    result = simulate(world, Shock.from_arrays(world, tariffs=t1[:, :, None], trade_cost_hat=tau[:, :, None]))
    assert "continuation" in result.diagnostics.method
    assert_equilibrium_identities(result, tol=1e-10)
    np.testing.assert_allclose(result.equilibrium.deficit, world.deficit, atol=1e-9)


def test_no_equilibrium_under_fixed_ratio_raises_with_the_reason():
    """Country B exports nothing and runs a deficit. Its market clearing under fixed_ratio needs an
    import share λ'_CB = (κφ_B − 1)/(κφ_B − m) ≥ 0 (m = t'/(1 + t')), i.e. κφ_B ≥ 1; the shock moves
    output toward A (a deficit country) so that κ < 1/φ_B: no equilibrium exists. Found by hypothesis."""
    flows = np.array([[44.03421224, 0, 4.37994289], [0, 126.98787053, 0],
                      [8.84736241, 0.37060182, 50.83485419]])[:, :, None]
    t0 = np.array([[0, 0.14613219, 0.28315553], [0.31732081, 0, 0.17818381], [0.19618148, 0.13866719, 0]])
    t1 = np.array([[0, 0.26978671, 0.04097352], [0.01652764, 0, 0.91275558], [0.60663578, 0.72949656, 0]])
    world = World(countries=("A", "B", "C"), sectors=("S",), flows=flows, tariffs=t0[:, :, None],
                  elasticity=12.96528019)
    shock = Shock.from_arrays(world, tariffs=t1[:, :, None])
    with pytest.raises(ConvergenceError, match="B export nothing") as info:
        simulate(world, shock, model=GravityModel(closure="fixed_ratio"))
    assert info.value.diagnostics.residual > 1e-4
    # the same shock under fixed deficits has an equilibrium
    assert simulate(world, shock, model=GravityModel(closure="fixed_level")).diagnostics.converged
