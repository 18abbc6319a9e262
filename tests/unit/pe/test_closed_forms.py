"""Textbook closed forms of SMART and of the constant-elasticity model.

Expected numbers are computed here from the formulas of Laird & Yeats (1986) and
Jammes & Olarreaga (2005), or from the Harberger triangle, independently of the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim.models.pe import SmartSettings, simulate_pe

from ._factory import one_market


def test_trade_creation_with_infinite_supply_is_elasticity_times_imports_times_dt_over_1_plus_t():
    trade = one_market([14e9, 20e9, 5e9], [0.03, 0.03, 0.08])
    new = np.array([0.03, 0.03, 0.08])
    new[trade.exporter == trade.countries.index("S0")] = 0.28
    eta = 1.7
    result = simulate_pe(trade, new, SmartSettings(import_demand_elasticity=eta))
    expected = -eta * trade.value * (new - trade.tariff) / (1.0 + trade.tariff)
    np.testing.assert_allclose(result.trade_creation, expected, rtol=1e-14)
    assert result.trade_creation[new > trade.tariff][0] == pytest.approx(-eta * 14e9 * 0.25 / 1.03, rel=1e-14)


def test_trade_creation_with_finite_supply_is_damped_by_one_plus_eta_over_eps():
    trade = one_market([10.0, 30.0], [0.0, 0.05])
    new = trade.tariff + np.array([0.2, 0.1])
    eta, eps = 1.2, 3.0
    result = simulate_pe(trade, new, SmartSettings(eta, supply_elasticity=eps))
    pi = (new - trade.tariff) / (1.0 + trade.tariff)
    np.testing.assert_allclose(result.trade_creation, -eta * trade.value * pi / (1 + eta / eps), rtol=1e-14)
    # world price falls by π η/(ε + η); the domestic price rises by π ε/(ε + η): pass-through ε/(ε + η)
    np.testing.assert_allclose(result.world_price_hat - 1, -pi * eta / (eps + eta), rtol=1e-14)
    np.testing.assert_allclose(result.products["pass_through"], eps / (eps + eta), rtol=1e-12)


def test_diversion_sums_to_zero_and_there_is_no_creation_when_import_demand_elasticity_is_zero():
    trade = one_market([14e9, 20e9, 5e9, 1e9], [0.03, 0.03, 0.0, 0.1])
    new = trade.tariff + np.array([0.25, 0.0, 0.1, -0.05])
    result = simulate_pe(trade, new, SmartSettings(import_demand_elasticity=0.0, substitution_elasticity=2.5))
    assert np.all(result.trade_creation == 0.0)
    assert abs(result.trade_diversion.sum()) < 1e-6 * trade.value.sum()
    assert result.products["imports_cf_usd"].sum() == pytest.approx(trade.value.sum(), rel=1e-13)


def test_two_source_diversion_is_the_laird_yeats_substitution_formula():
    # One source's tariff rises; diversion away from it is −σ M_A M_B π / (M_A + M_B) (first order),
    # i.e. Laird & Yeats's expression without its second-order denominator term.
    m_a, m_b, sigma = 14.0, 20.0, 1.5
    trade = one_market([m_a, m_b], [0.03, 0.03])
    new = np.array([0.28, 0.03])
    result = simulate_pe(trade, new, SmartSettings(0.5, substitution_elasticity=sigma))
    pi = 0.25 / 1.03
    row_a = int(np.flatnonzero(trade.exporter == trade.countries.index("S0"))[0])
    expected = -sigma * m_a * m_b * pi / (m_a + m_b)
    assert result.trade_diversion[row_a] == pytest.approx(expected, rel=1e-13)
    # ... and Laird & Yeats with the denominator agree to first order in π
    for small in (1e-2, 1e-4):
        trade_small = one_market([m_a, m_b], [0.0, 0.0])
        res = simulate_pe(trade_small, np.array([small, 0.0]), SmartSettings(0.5, substitution_elasticity=sigma))
        laird_yeats = -m_a * m_b * sigma * small / (m_a + m_b - m_a * sigma * small)
        assert res.trade_diversion[0] == pytest.approx(laird_yeats, rel=2 * sigma * small)


def test_diversion_and_creation_are_bounded_by_existing_trade():
    trade = one_market([10.0, 1.0, 5.0], [0.0, 0.0, 0.0])
    new = np.array([1.0, 0.0, 0.0])  # a 100-point tariff on the first source
    result = simulate_pe(trade, new, SmartSettings(import_demand_elasticity=4.0, substitution_elasticity=30.0))
    flows = result.products["imports_cf_usd"].to_numpy()
    assert np.all(flows >= 0.0)
    assert flows[0] == 0.0 and result.bounded[0]
    assert abs(result.trade_diversion.sum()) < 1e-12


def test_revenue_and_deadweight_loss_identities_linear_single_source():
    # Harberger: with infinite supply DWL = −(ΔCS + ΔR) = ½ (t0 + t1)(M0 − M1) for linear demand.
    t0, t1, m0, eta = 0.05, 0.30, 100.0, 2.0
    trade = one_market([m0], [t0])
    result = simulate_pe(trade, np.array([t1]), SmartSettings(eta))
    m1 = m0 * (1 - eta * (t1 - t0) / (1 + t0))
    totals = result.totals.iloc[0]
    assert totals["imports_cf_usd"] == pytest.approx(m1, rel=1e-14)
    assert totals["tariff_revenue_cf_usd"] == pytest.approx(t1 * m1, rel=1e-14)
    assert totals["tariff_revenue_change_usd"] == pytest.approx(t1 * m1 - t0 * m0, rel=1e-14)
    assert totals["deadweight_loss_usd"] == pytest.approx(0.5 * (t0 + t1) * (m0 - m1), rel=1e-12)
    assert totals["deadweight_loss_usd"] == pytest.approx(
        -(totals["consumer_surplus_change_usd"] + totals["tariff_revenue_change_usd"]), rel=1e-14)
    assert totals["terms_of_trade_gain_usd"] == 0.0


def test_exact_single_source_matches_constant_elasticity_demand():
    t0, t1, m0, eta = 0.0, 0.25, 100.0, 1.6
    trade = one_market([m0], [t0])
    result = simulate_pe(trade, np.array([t1]), SmartSettings(eta, form="exact"))
    tau = (1 + t1) / (1 + t0)
    m1 = m0 * tau ** (-eta)
    totals = result.totals.iloc[0]
    assert totals["imports_cf_usd"] == pytest.approx(m1, rel=1e-14)
    cs = -m0 * (1 + t0) * (tau ** (1 - eta) - 1) / (1 - eta)  # −∫ Q dP with Q = A P^(−η)
    assert totals["consumer_surplus_change_usd"] == pytest.approx(cs, rel=1e-13)
    assert totals["deadweight_loss_usd"] == pytest.approx(-(cs + t1 * m1), rel=1e-13)


@pytest.mark.parametrize("form", ["linear", "exact"])
def test_small_tariff_deadweight_loss_is_the_harberger_triangle(form):
    m0, eta, t = 1e9, 1.3, 1e-3
    trade = one_market([m0], [0.0])
    result = simulate_pe(trade, np.array([t]), SmartSettings(eta, form=form))  # type: ignore[arg-type]
    assert result.totals.iloc[0]["deadweight_loss_usd"] == pytest.approx(0.5 * eta * m0 * t**2, rel=5e-3)


def test_exact_form_with_unit_elasticities_uses_the_log_limits():
    trade = one_market([3.0, 7.0], [0.0, 0.1])
    new = trade.tariff + np.array([0.2, 0.0])
    result = simulate_pe(trade, new, SmartSettings(1.0, substitution_elasticity=1.0, form="exact"))
    theta = np.array([3.0, 7.7]) / 10.7
    log_p = np.log((1 + new) / (1 + trade.tariff))
    log_P = float(theta @ log_p)  # Cobb-Douglas aggregate
    assert result.price_index_hat[0] == pytest.approx(np.exp(log_P), rel=1e-14)
    assert result.consumer_surplus_change[0] == pytest.approx(-10.7 * log_P, rel=1e-13)  # −V ln P̂ at η = 1


@pytest.mark.parametrize("form", ["linear", "exact"])
def test_zero_shock_changes_nothing(form):
    trade = one_market([14e9, 20e9, 5e9], [0.03, 0.03, 0.08])
    result = simulate_pe(trade, trade.tariff, SmartSettings(1.2, form=form))  # type: ignore[arg-type]
    np.testing.assert_array_equal(result.quantity_hat, 1.0)
    np.testing.assert_array_equal(result.world_price_hat, 1.0)
    totals = result.totals.iloc[0]
    for col in ("trade_creation_usd", "trade_diversion_usd", "consumer_surplus_change_usd", "deadweight_loss_usd",
                "tariff_revenue_change_usd"):
        assert totals[col] == 0.0, col
