"""The exact model with finite supply elasticities and the GSIM-style global model.

Expected values come from an independent solve of the same equations with
``scipy.optimize.root``, from equivalences between the two settings, or from identities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import root

from tariffsim.errors import ConvergenceError, ModelError
from tariffsim.models.pe import GsimSettings, PESolverOptions, ProductTrade, SmartSettings, simulate_pe

from ._factory import raise_some, random_trade

SIGMA = pd.Series([2.0, 4.0, 0.7], index=pd.Index(["010010", "020110", "030210"], name="product"))
EPS = pd.Series([1.5, 3.0, 0.8, 2.0, 5.0], index=pd.Index([f"C{i}" for i in range(5)], name="exporter"))


def _reference_world_prices(trade: ProductTrade, new: np.ndarray, eta: float) -> np.ndarray:
    """ŵ of every row from scipy's root finder on ε ln ŵ = ln(Σ M q̂ / Σ M), written from scratch."""
    f = trade.frame()
    product = f["product"].astype(str)
    sigma = product.map(SIGMA).to_numpy(dtype=float)
    eps = f["exporter"].astype(str).map(EPS).to_numpy(dtype=float)
    unit = pd.factorize(f["exporter"].astype(str) + "|" + product)[0]
    market = pd.factorize(f["importer"].astype(str) + "|" + product)[0]
    value, t0 = f["value_usd"].to_numpy(), f["tariff"].to_numpy()
    gross = (1 + t0) * value
    theta = gross / np.bincount(market, gross)[market]
    eps_unit = np.zeros(unit.max() + 1)
    eps_unit[unit] = eps
    sigma_market = np.bincount(market, sigma) / np.bincount(market)

    def excess(x: np.ndarray) -> np.ndarray:
        log_p = np.log((1 + new) / (1 + t0)) + x[unit]
        total = np.bincount(market, theta * np.exp((1 - sigma) * log_p))
        log_P = (np.log(total) / (1 - sigma_market))[market]
        q = value * np.exp(-sigma * (log_p - log_P) - eta * log_P)
        return eps_unit * x - np.log(np.bincount(unit, q) / np.bincount(unit, value))

    sol = root(excess, np.zeros(unit.max() + 1), tol=1e-14)
    assert np.max(np.abs(excess(sol.x))) < 1e-12
    return np.exp(sol.x[unit])


def test_global_model_matches_an_independent_root_finder():
    rng = np.random.default_rng(3)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    result = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA))
    assert result.diagnostics.converged
    np.testing.assert_allclose(result.world_price_hat, _reference_world_prices(trade, new, 1.3), rtol=1e-9)


def test_supply_equals_demand_for_every_exporter_and_product():
    rng = np.random.default_rng(4)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    result = simulate_pe(trade, new, GsimSettings(0.9, EPS, SIGMA, solver=PESolverOptions(tol=1e-12)))
    rows = result.products.assign(eps=result.products["exporter"].astype(str).map(EPS))
    rows["quantity_cf"] = rows["imports_base_usd"] * (1 + rows["quantity_pct"] / 100)
    rows["w"] = 1 + rows["world_price_pct"] / 100
    units = rows.groupby(["exporter", "product"], observed=True)
    supplied = units["imports_base_usd"].sum() * units["w"].first() ** units["eps"].first()
    np.testing.assert_allclose(units["quantity_cf"].sum(), supplied, rtol=1e-10)


def test_one_market_per_exporter_makes_the_global_model_smart():
    # When every exporter sells a product to one importer only, GSIM's supply curves are SMART's.
    frame = pd.DataFrame({"importer": ["A", "A", "B", "B"], "exporter": ["X", "Y", "Z", "W"],
                          "product": "010010", "value_usd": [5.0, 3.0, 2.0, 7.0], "tariff": 0.05})
    trade = ProductTrade.from_frame(frame)
    new = trade.tariff + np.array([0.2, 0.0, 0.1, 0.0])
    gsim = simulate_pe(trade, new, GsimSettings(1.1, 2.5, 3.0, solver=PESolverOptions(tol=1e-13)))
    smart = simulate_pe(trade, new, SmartSettings(1.1, 3.0, 2.5, form="exact",
                                                  solver=PESolverOptions(tol=1e-13)))
    np.testing.assert_allclose(gsim.quantity_hat, smart.quantity_hat, rtol=1e-11)
    np.testing.assert_allclose(gsim.world_price_hat, smart.world_price_hat, rtol=1e-11)


def test_with_infinite_supply_global_and_single_market_models_coincide():
    rng = np.random.default_rng(5)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    gsim = simulate_pe(trade, new, GsimSettings(1.3, 99.0, SIGMA))
    smart = simulate_pe(trade, new, SmartSettings(1.3, SIGMA, form="exact"))
    assert gsim.diagnostics.method == "closed_form"
    np.testing.assert_allclose(gsim.quantity_hat, smart.quantity_hat, rtol=1e-14)
    np.testing.assert_array_equal(gsim.world_price_hat, 1.0)


def test_retaliation_spills_over_to_third_markets_only_in_the_global_model():
    # B taxes X; with a global supply curve X's price falls and X sells more to A (no tariff change there).
    frame = pd.DataFrame({"importer": ["A", "A", "B", "B"], "exporter": ["X", "Y", "X", "Y"],
                          "product": "120190", "value_usd": [10.0, 10.0, 10.0, 10.0], "tariff": 0.0})
    trade = ProductTrade.from_frame(frame)
    new = pd.DataFrame({"importer": ["B"], "exporter": ["X"], "product": ["120190"], "tariff_new": [0.25]})
    gsim = simulate_pe(trade, new, GsimSettings(1.0, 2.0, 4.0)).products.set_index(["importer", "exporter"])
    smart = simulate_pe(trade, new, SmartSettings(1.0, 4.0, 2.0, form="exact")).products.set_index(
        ["importer", "exporter"])
    assert gsim.loc[("A", "X"), "imports_pct"] > 0.5
    assert gsim.loc[("A", "Y"), "imports_pct"] < 0.0
    assert gsim.loc[("B", "X"), "world_price_pct"] == pytest.approx(gsim.loc[("A", "X"), "world_price_pct"])
    assert smart.loc[("A", "X"), "imports_pct"] == pytest.approx(0.0, abs=1e-12)


def test_welfare_accounts_add_up():
    rng = np.random.default_rng(6)
    trade = random_trade(rng, sectors=True)
    new = raise_some(trade, rng)
    result = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA))
    totals = result.totals.iloc[0]
    countries = result.countries
    assert countries["welfare_change_usd"].sum() == pytest.approx(totals["world_welfare_change_usd"], rel=1e-12)
    assert countries["producer_surplus_change_usd"].sum() == pytest.approx(totals["producer_surplus_change_usd"])
    welfare = totals["consumer_surplus_change_usd"] + totals["tariff_revenue_change_usd"]
    assert totals["deadweight_loss_usd"] == pytest.approx(totals["terms_of_trade_gain_usd"] - welfare, rel=1e-12)
    # tariffs raised from low levels: the world as a whole loses
    assert totals["world_welfare_change_usd"] < 0
    # the decomposition adds up row by row: ΔM = TC + TD + price effect
    rows = result.products
    np.testing.assert_allclose(rows["imports_cf_usd"] - rows["imports_base_usd"],
                               rows["trade_creation_usd"] + rows["trade_diversion_usd"] + rows["price_effect_usd"],
                               atol=1e-9 * trade.value.max())
    markets = result.markets
    assert np.abs(markets["trade_diversion_usd"]).max() < 1e-9 * trade.value.sum()


@pytest.mark.parametrize("scale", [1e-3, 1e6])
def test_results_scale_with_trade_values(scale):
    rng = np.random.default_rng(7)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    scaled = ProductTrade.from_codes(trade.countries, trade.products, trade.importer, trade.exporter, trade.product,
                                     trade.value * scale, trade.tariff)
    base = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA))
    other = simulate_pe(scaled, new, GsimSettings(1.3, EPS, SIGMA))
    np.testing.assert_allclose(other.world_price_hat, base.world_price_hat, rtol=1e-8)
    assert other.totals.iloc[0]["deadweight_loss_usd"] == pytest.approx(
        scale * base.totals.iloc[0]["deadweight_loss_usd"], rel=1e-7)


def test_blocks_and_threads_do_not_change_the_answer():
    rng = np.random.default_rng(8)
    trade = random_trade(rng, products=3)
    new = raise_some(trade, rng)
    one = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA, solver=PESolverOptions(threads=1,
                                                                                     block_rows=10**6)))
    many = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA, solver=PESolverOptions(threads=2,
                                                                                      block_rows=5)))
    np.testing.assert_allclose(many.world_price_hat, one.world_price_hat, rtol=1e-9)
    assert "blocks" in many.diagnostics.message


def test_jacobi_steps_converge_to_the_same_answer():
    rng = np.random.default_rng(9)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    anderson = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA))
    jacobi = simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA, solver=PESolverOptions(method="jacobi",
                                                                                        max_iter=5000)))
    assert jacobi.diagnostics.method == "jacobi"
    np.testing.assert_allclose(jacobi.world_price_hat, anderson.world_price_hat, rtol=1e-9)


def test_non_convergence_raises_with_diagnostics():
    rng = np.random.default_rng(10)
    trade = random_trade(rng)
    new = raise_some(trade, rng)
    with pytest.raises(ConvergenceError) as info:
        simulate_pe(trade, new, GsimSettings(1.3, EPS, SIGMA, solver=PESolverOptions(max_iter=2)))
    diag = info.value.diagnostics
    assert not diag.converged and diag.iterations == 2 and diag.residual > 1e-10


def test_bad_settings_are_rejected_with_the_allowed_values():
    with pytest.raises(ModelError, match="linear, exact"):
        SmartSettings(1.0, form="quadratic")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=">= 0"):
        SmartSettings(-1.2)
    with pytest.raises(ModelError, match="> 0"):
        GsimSettings(1.0, supply_elasticity=0.0)
    with pytest.raises(ModelError, match="anderson, jacobi"):
        PESolverOptions(method="newton")  # type: ignore[arg-type]
    rng = np.random.default_rng(11)
    trade = random_trade(rng)
    missing = SIGMA.iloc[:2]
    with pytest.raises(ModelError, match="no value for"):
        simulate_pe(trade, trade.tariff, SmartSettings(1.0, missing))
