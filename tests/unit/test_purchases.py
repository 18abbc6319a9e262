"""Purchase commitments ("China buys $200bn more") solved as an equilibrium and checked independently.

The model meets a commitment with a preference shift of the importer toward the
exporter's goods; welfare is the baseline-preference utility of the counterfactual
bundle. Every expected number here is recomputed in plain numpy from the
equilibrium's levels, with the CES utility written out from its primitives.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, Shock, simulate
from tariffsim.models import GravityModel
from tariffsim.shock import Purchase
from tariffsim.testing import assert_equilibrium_identities, random_world

NUMERAIRES = ["world_output", "wage:C01", "price_index:C02"]


def _world(rng):
    return random_world(rng, 6, 3, theta=(2.0, 8.0))


def _raised(world, by):
    tariffs = np.array(world.tariffs) + by
    idx = np.arange(world.n_countries)
    tariffs[idx, idx, :] = 0.0
    return tariffs


def _shock(world, value, sectors=("S0", "S2"), tariffs=None):
    purchase = Purchase(importer="C01", exporter="C03", sectors=sectors, value=value, label="deal")
    return Shock(world.countries, world.sectors, tariffs=tariffs, purchases=(purchase,))


def _baseline_preference_welfare(world, eq, tau_hat=None):
    """Utility of the counterfactual bundle under the baseline CES-Cobb-Douglas preferences.

    Primitives: within sector s importer j's utility is (Σ_i a_ijs^(1/σ) q_ijs^((σ−1)/σ))^(σ/(σ−1))
    with σ_s = θ_s + 1; baseline consumer prices (pre-tariff price 1 by the choice of units) are
    p = 1 + t, so CES demand q = a p^(−σ) E P^(σ−1) gives a_ijs ∝ q_ijs p_ijs^σ. Counterfactual
    quantities are X'/(ŵ τ̂) in the same units. Sectors aggregate Cobb-Douglas with the baseline
    spending shares.
    """
    n, s = world.n_countries, world.n_sectors
    sigma = np.asarray(world.elasticity) + 1.0
    q0 = np.asarray(world.flows)  # baseline pre-tariff price 1: quantity = value
    p0 = 1.0 + np.asarray(world.tariffs)
    tau = np.ones(world.shape) if tau_hat is None else tau_hat
    q1 = np.asarray(eq.flows) / (np.asarray(eq.wage_hat)[:, None, None] * tau)
    out = np.ones(n)
    spend = (p0 * q0).sum(axis=0)  # (N, S) tariff-inclusive spending by importer and sector
    share = spend / spend.sum(axis=1, keepdims=True)
    for j in range(n):
        for k in range(s):
            a = q0[:, j, k] * p0[:, j, k] ** sigma[k]
            r = (sigma[k] - 1.0) / sigma[k]

            def u(q, a=a, r=r, sig=sigma[k]):
                return (a ** (1.0 / sig) * q ** r).sum() ** (1.0 / r)

            out[j] *= (u(q1[:, j, k]) / u(q0[:, j, k])) ** share[j, k]
    return out


@pytest.mark.parametrize("numeraire", NUMERAIRES)
def test_the_committed_flow_is_baseline_plus_the_commitment(rng, numeraire):
    world = _world(rng)
    base = world.flows[3, 1, [0, 2]].sum()
    value = 0.8 * base
    result = simulate(world, _shock(world, value), model=GravityModel(numeraire=numeraire))
    eq = result.equilibrium
    # Held in units of world output: in baseline dollars whatever the numeraire.
    world_index = eq.output.sum() / world.output.sum()
    committed = eq.flows[3, 1, [0, 2]].sum() / world_index
    assert committed == pytest.approx(base + value, rel=1e-9)
    assert_equilibrium_identities(result, tol=1e-9)


def test_real_outcomes_with_a_purchase_do_not_depend_on_the_numeraire(rng):
    world = _world(rng)
    value = 0.5 * world.flows[3, 1, [0, 2]].sum()
    tables = [simulate(world, _shock(world, value), model=GravityModel(numeraire=n)).countries
              for n in NUMERAIRES]
    for other in tables[1:]:
        for column in ("welfare_pct", "real_income_pct", "real_gdp_pct"):
            np.testing.assert_allclose(other[column], tables[0][column], atol=1e-8, err_msg=column)


def test_a_zero_commitment_is_the_no_purchase_equilibrium(rng):
    """A floor at the baseline flow does not bind when the flow rises anyway (C01 cuts its tariffs
    on C03), so the answer is the no-purchase equilibrium."""
    world = _world(rng)
    tariffs = np.array(world.tariffs)
    tariffs[3, 1, :] = 0.0
    with_zero = simulate(world, _shock(world, 0.0, tariffs=tariffs))
    without = simulate(world, Shock.from_arrays(world, tariffs=tariffs))
    assert without.equilibrium.flows[3, 1, [0, 2]].sum() > world.flows[3, 1, [0, 2]].sum()
    for column in ("welfare_pct", "real_gdp_pct", "exports_pct", "imports_pct", "tariff_revenue_cf"):
        np.testing.assert_allclose(with_zero.countries[column], without.countries[column], rtol=1e-9, atol=1e-9,
                                   err_msg=column)
    # No other shock: the zero commitment is the baseline itself.
    alone = simulate(world, _shock(world, 0.0))
    np.testing.assert_allclose(alone.countries["welfare_pct"], 0.0, atol=1e-9)


def test_a_commitment_binds_only_below_its_floor(rng):
    """C01 taxes everyone: its purchases from C03 fall; a zero commitment then holds them at the
    baseline exactly, and a commitment below the new flow changes nothing."""
    world = _world(rng)
    tariffs = _raised(world, 0.3)
    free = simulate(world, Shock.from_arrays(world, tariffs=tariffs))
    base = world.flows[3, 1, [0, 2]].sum()
    fallen = free.equilibrium.flows[3, 1, [0, 2]].sum()
    assert fallen < base
    held = simulate(world, _shock(world, 0.0, tariffs=tariffs))
    assert held.equilibrium.flows[3, 1, [0, 2]].sum() == pytest.approx(base, rel=1e-9)
    slack = simulate(world, _shock(world, 1.5 * (fallen - base), tariffs=tariffs))  # floor below the new flow
    np.testing.assert_allclose(slack.countries["welfare_pct"], free.countries["welfare_pct"], atol=1e-9)


@pytest.mark.parametrize("closure", ["fixed_level", "fixed_ratio", "balanced"])
def test_welfare_is_the_baseline_preference_utility_of_the_new_bundle(rng, closure):
    world = _world(rng)
    value = 0.6 * world.flows[3, 1, [0, 2]].sum()
    tariffs = _raised(world, 0.05)
    result = simulate(world, _shock(world, value, tariffs=tariffs), model=GravityModel(closure=closure))
    expected = _baseline_preference_welfare(result.baseline, result.equilibrium)
    np.testing.assert_allclose(result.countries["welfare_pct"], 100.0 * (expected - 1.0), rtol=1e-8, atol=1e-8)
    # The buyer is pushed off its demand curve: its welfare is below its real income E/P.
    buyer = result.countries.set_index("country").loc["C01"]
    assert buyer["welfare_pct"] < buyer["real_income_pct"]


def test_without_a_demand_shift_welfare_is_real_income(rng):
    """With no preference shift consumers are on their demand curves and U' / U = Ê / P̂."""
    world = _world(rng)
    tariffs = _raised(world, rng.uniform(0.0, 0.4, size=world.shape))
    result = simulate(world, Shock.from_arrays(world, tariffs=tariffs))
    eq = result.equilibrium
    expected = _baseline_preference_welfare(world, eq)
    np.testing.assert_allclose(expected, (eq.expenditure / world.expenditure) / eq.price_index_hat, rtol=1e-9)
    np.testing.assert_allclose(result.countries["welfare_pct"], 100.0 * (expected - 1.0), rtol=1e-8, atol=1e-8)


def test_a_floor_at_or_below_zero_never_binds(rng):
    world = _world(rng)
    tariffs = _raised(world, 0.2)
    base = world.flows[3, 1, [0, 2]].sum()
    free = simulate(world, Shock.from_arrays(world, tariffs=tariffs)).countries
    vacuous = simulate(world, _shock(world, -1.5 * base, tariffs=tariffs)).countries
    np.testing.assert_allclose(vacuous["welfare_pct"], free["welfare_pct"], atol=1e-12)


def test_a_commitment_on_a_flow_that_does_not_exist_is_refused(rng):
    world = _world(rng)
    flows = np.array(world.flows)
    flows[3, 1, 0] = flows[3, 1, 2] = 0.0
    empty = world.replace(flows=flows)
    with pytest.raises(ModelError, match="buys nothing"):
        simulate(empty, _shock(empty, 1.0))
