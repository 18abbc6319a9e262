"""Property tests: the engine converges and keeps the accounts on arbitrary small worlds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim import GravityModel, Shock, simulate
from tariffsim.testing import assert_equilibrium_identities, random_world, shocks, worlds

CLOSURES = st.sampled_from(["fixed_level", "fixed_ratio", "balanced"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), closure=CLOSURES)
def test_random_shocks_converge_and_keep_the_accounts(data, closure):
    world = data.draw(worlds())
    shock = data.draw(shocks(world))
    result = simulate(world, shock, model=GravityModel(closure=closure))
    assert result.diagnostics.converged
    assert_equilibrium_identities(result, tol=1e-9)
    assert np.all(result.equilibrium.wage_hat > 0)
    assert np.all(np.isfinite(result.countries.select_dtypes("number").drop(
        columns=["exports_pct", "imports_pct"]).to_numpy()))


@settings(max_examples=30, deadline=None)
@given(world=worlds(max_countries=6), scale=st.floats(1e-3, 1e6))
def test_zero_shock_is_the_identity_at_any_scale(world, scale):
    scaled = world.replace(flows=world.flows * scale)
    result = simulate(scaled, Shock.none(scaled))
    assert np.all(result.equilibrium.wage_hat == 1.0)


@pytest.mark.parametrize("seed", range(100))
def test_every_seed_converges(seed):
    """Like scikit-learn's seed sweep: the solver must not depend on a lucky draw."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    s = int(rng.integers(1, 4))
    world = random_world(rng, n, s, tariff_max=0.3)
    t_new = rng.uniform(0, 1.0, size=world.shape)
    tau = rng.uniform(0.6, 1.5, size=world.shape)
    closure = ["fixed_level", "fixed_ratio", "balanced"][seed % 3]
    result = simulate(world, Shock.from_arrays(world, tariffs=t_new, trade_cost_hat=tau),
                      model=GravityModel(closure=closure))
    assert result.equilibrium.market_clearing_residual() < 1e-9
