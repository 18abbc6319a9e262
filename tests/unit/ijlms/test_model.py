"""The IJLMS family: calibration identities, the baseline reproduced, derivatives, and the gravity equivalence."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import GravityModel, Shock, SolverOptions, simulate
from tariffsim.errors import ConvergenceError, ModelError
from tariffsim.models import MODELS
from tariffsim.models.ijlms import (
    IjlmsModel,
    IjlmsNumeraire,
    IjlmsSystem,
    authors_flows,
    calibrate_flows,
    fixed_cost_shares,
    outcomes,
    pass_through,
    solve_equilibrium,
)
from tariffsim.testing import random_world

STEP = 1e-30


def _world(seed: int, n: int = 6, tariffs: float = 0.2):
    return random_world(np.random.default_rng(seed), n, 1, theta=(3.0, 6.0), tariff_max=tariffs)


def _model(**changes):
    return IjlmsModel(us="C00", **changes)


def _shock(world, seed: int, scale: float = 0.4):
    rng = np.random.default_rng(seed)
    return Shock.from_arrays(world, tariffs=np.asarray(world.tariffs) + rng.uniform(0.0, scale, world.shape))


def test_registered_and_validated():
    assert MODELS["ijlms"] is IjlmsModel
    with pytest.raises(ModelError, match="closure"):
        IjlmsModel(closure="balanced")
    with pytest.raises(ModelError, match="nu"):
        IjlmsModel(nu=1.2)
    with pytest.raises(ModelError, match="revenue"):
        IjlmsModel(revenue="subsidy")  # type: ignore[arg-type]
    world = random_world(np.random.default_rng(1), 4, 2)
    with pytest.raises(ModelError, match="one sector"):
        simulate(world, Shock.none(world), model=_model())


def test_pass_through_is_the_codes_formula():
    # main_baseline.m: theta = eps/0.67, phi = 1 + (1+theta)/((1-nu) theta) - 1/theta - 1
    nu, eps = np.array([0.0, 0.1143, 0.2705]), 4.0
    theta = eps / 0.67
    code = 1.0 + (1.0 + theta) / ((1.0 - nu) * theta) - 1.0 / theta - 1.0
    assert np.allclose(pass_through(nu, 0.67 / eps), code, rtol=0, atol=1e-15)
    assert np.allclose(pass_through(nu, 0.67 / eps, 0.25), code - 0.75, rtol=0, atol=1e-15)


def test_fixed_cost_shares_meet_the_targets():
    rng = np.random.default_rng(3)
    n = 7
    trade = rng.lognormal(0, 1, (n, n))
    np.fill_diagonal(trade, 0.0)
    gdp = 30.0 * trade.sum(axis=1) + 10.0
    others, us = fixed_cost_shares(trade, 2, gdp=gdp)
    nu = np.array([others, us])
    # The two-region aggregate, recomputed by hand.
    rest = [k for k in range(n) if k != 2]
    x12, x21 = trade[rest][:, 2].sum(), trade[2, rest].sum()
    x11 = trade[np.ix_(rest, rest)].sum()
    y = np.array([gdp[rest].sum(), gdp[2]])
    t1 = (1 - nu[0]) * (x11 + x21 - (1 - nu[0]) * x11 - (1 - nu[1]) * x12)
    t2 = (1 - nu[1]) * (x12 - (1 - nu[0]) * x21)
    e = y + np.array([t1, t2])
    r11 = (e[0] - x21) / (e[0] - x21 + x12)
    r22 = (e[1] - x12) / (e[1] - x12 + x21)
    assert abs((1 - r11) * us + r11 * others - 0.12) < 1e-14
    assert abs(r22 * us + (1 - r22) * others - 0.26) < 1e-14
    # Given the expenditure those shares imply, the World version finds the same shares.
    flows = authors_flows(trade, gdp, np.where(np.arange(n) == 2, us, others))
    again = fixed_cost_shares(trade, 2, expenditure=flows.sum(axis=0))
    assert np.allclose(again, (others, us), rtol=0, atol=1e-13)


def test_authors_flows_and_calibration_identities():
    rng = np.random.default_rng(4)
    n = 5
    trade = rng.lognormal(0, 1, (n, n))
    np.fill_diagonal(trade, 0.0)
    gdp = 20.0 * trade.sum(axis=1)
    gdp[3] = 0.5 * trade[3].sum()  # exports above GDP: domestic sales clipped to zero
    nu = np.array([0.1, 0.1, 0.3, 0.1, 0.1])
    flows = authors_flows(trade, gdp, nu)
    transfers = (1 - nu) * (trade.sum(axis=0) - (trade * (1 - nu)[None, :]).sum(axis=1))
    expected = np.maximum(gdp + transfers - trade.sum(axis=0), 0.0)
    assert np.allclose(np.diag(flows), expected, rtol=1e-14) and flows[3, 3] == 0.0
    cal = calibrate_flows(flows, nu, eps=4.0, kappa=0.5)
    # Income is GDP plus the fixed costs paid abroad to i's labour (paper, eq. (2)), where nothing is clipped.
    paid = nu * (trade * (1 - nu)[None, :]).sum(axis=1)
    keep = np.arange(n) != 3
    assert np.allclose(cal.income[keep], (gdp + paid)[keep], rtol=1e-13)
    assert abs(cal.transfers.sum()) < 1e-10 * cal.income.sum()
    assert np.allclose(cal.lam.sum(axis=0), 1.0)


@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
def test_zero_shock_reproduces_the_baseline(revenue):
    world = _world(5)
    model = _model(revenue=revenue)
    cal = model.calibrate(world)
    system = IjlmsSystem(cal, cal.tariffs, revenue=revenue)
    assert np.max(np.abs(system.conditions(np.zeros(2 * world.n_countries)))) < 1e-13
    solution = solve_equilibrium(cal, cal.tariffs, revenue=revenue)
    assert np.max(np.abs(solution.z)) < 1e-12
    table = outcomes(solution)
    assert np.max(np.abs(table.drop(columns=["country", "tariff_revenue_pct"]).to_numpy())) < 1e-9
    result = simulate(world, Shock.from_arrays(world, tariffs=world.tariffs), model=model)
    assert np.allclose(result.countries["welfare_pct"], 0.0, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gravity_is_the_special_case(seed):
    """κ = 0, ψ = 0, ν = 0, φ = 1 and a lump-sum rebate: the one-sector gravity model, fixed_level."""
    world = _world(seed, n=7)
    shock = _shock(world, seed + 10)
    tight = SolverOptions(tol=1e-13)
    ijlms = simulate(world, shock, model=IjlmsModel(nu=0.0, labour_elasticity=0.0, scale=0.0,
                                                    revenue="lump_sum", numeraire="world_output"), solver=tight)
    gravity = simulate(world, shock, model=GravityModel(closure="fixed_level", numeraire="world_output"),
                       solver=tight)
    for name in ("wage_hat", "price_index_hat", "flows", "expenditure", "tariff_revenue"):
        assert np.allclose(getattr(ijlms.equilibrium, name), getattr(gravity.equilibrium, name), rtol=1e-10,
                           atol=1e-12), name
    assert np.allclose(ijlms.countries["welfare_pct"], gravity.countries["welfare_pct"], atol=1e-9)


@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
@pytest.mark.parametrize("kind", ["world_price_index", "world_output", "price_index"])
def test_analytic_derivatives_equal_complex_steps(revenue, kind):
    world = _world(7)
    cal = _model(nu=(0.12, 0.3)).calibrate(world)
    rng = np.random.default_rng(8)
    tariffs = cal.tariffs + rng.uniform(0, 0.5, cal.tariffs.shape)
    np.fill_diagonal(tariffs, 0.0)
    tau = rng.uniform(0.9, 1.1, tariffs.shape)
    system = IjlmsSystem(cal, tariffs, tau, revenue=revenue, numeraire=IjlmsNumeraire(kind, 2))
    z = rng.normal(0, 0.05, 2 * cal.n)
    m = z.size
    numeric = np.empty((m, m))
    welfare = np.empty((cal.n, m))
    for k in range(m):
        step = z.astype(complex)
        step[k] += 1j * STEP
        numeric[:, k] = system.conditions(step).imag / STEP
        welfare[:, k] = system.welfare(step).imag / STEP
    assert np.allclose(system.jacobian(z), numeric, rtol=1e-11, atol=1e-12)
    w, gradient = system.welfare_gradient(z)
    assert np.allclose(gradient, welfare, rtol=1e-11, atol=1e-12)
    assert np.allclose(w, system.welfare(z).real, rtol=1e-14)


def test_numeraire_moves_nominal_values_only():
    world = _world(9)
    shock = _shock(world, 3)
    a = simulate(world, shock, model=_model())
    b = simulate(world, shock, model=_model(numeraire="world_output"))
    ta, tb = outcomes(a, model=_model()), outcomes(b, model=_model(numeraire="world_output"))
    for column in ("welfare_pct", "employment_pct", "exports_gdp_pct", "imports_gdp_pct"):
        assert np.allclose(ta[column], tb[column], atol=1e-9), column
    assert not np.allclose(ta["prices_pct"], tb["prices_pct"])
    assert not np.allclose(ta["deficit_pct"], tb["deficit_pct"])  # nominal: in units of the numeraire
    # The authors' numeraire: the expenditure-weighted average change in price indices is zero.
    weights = world.expenditure / world.expenditure.sum()
    assert abs(np.sum(weights * ta["prices_pct"])) < 1e-9


def test_outcomes_of_a_result_equal_those_of_the_solution():
    world = _world(11)
    shock = _shock(world, 4)
    model = _model()
    cal = model.calibrate(world)
    solution = solve_equilibrium(cal, shock.new_tariffs(world)[:, :, 0])
    direct = outcomes(solution, world.countries)
    through = outcomes(simulate(world, shock, model=model), model=model)
    numeric = [c for c in direct.columns if c != "country"]
    assert np.allclose(direct[numeric].to_numpy(), through[numeric].to_numpy(), atol=1e-9)
    result = simulate(world, shock, model=model)
    assert np.allclose(result.countries["welfare_pct"], direct["welfare_pct"], atol=1e-9)


def test_walras_law_and_budget_on_the_final_levels():
    world = _world(12)
    cal = _model().calibrate(world)
    tariffs = _shock(world, 5).new_tariffs(world)[:, :, 0]
    solution = solve_equilibrium(cal, tariffs)
    st = solution.state
    # Every labour market clears, the dropped one included (transfers sum to zero).
    assert np.max(np.abs(st.labour)) < 1e-10
    flows = st.flows.real
    spending = ((1 + tariffs) * flows).sum(axis=0)
    income_share = st.income.real.sum() / cal.income.sum()
    budget = spending - (tariffs * flows).sum(axis=0) - st.income.real - cal.transfers * income_share
    assert np.max(np.abs(budget / spending)) < 1e-10


def test_an_unconverged_solve_raises():
    world = _world(13)
    cal = _model().calibrate(world)
    tariffs = _shock(world, 6).new_tariffs(world)[:, :, 0]
    with pytest.raises(ConvergenceError):  # no double meets a relative gap of 1e-30
        solve_equilibrium(cal, tariffs, solver=SolverOptions(tol=1e-30, max_iter=5))
