"""Property tests: on arbitrary small tables the PE models keep their accounts and signs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim.models.pe import GsimSettings, ProductTrade, SmartSettings, simulate_pe


@st.composite
def tables(draw: st.DrawFn) -> tuple[ProductTrade, np.ndarray]:
    """A small random table (2–4 countries, 1–3 products) and new tariffs."""
    n_countries = draw(st.integers(2, 4))
    n_products = draw(st.integers(1, 3))
    rows = []
    for p in range(n_products):
        for j in range(n_countries):
            for i in range(n_countries):
                if i != j and draw(st.booleans()):
                    rows.append((f"C{j}", f"C{i}", f"0{p + 1}0000",
                                 draw(st.floats(0.0, 1e6, allow_nan=False)),
                                 draw(st.sampled_from([0.0, 0.02, 0.1, 0.3]))))
    if not rows:
        rows.append(("C0", "C1", "010000", 1.0, 0.0))
    frame = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value_usd", "tariff"])
    trade = ProductTrade.from_frame(frame)
    changes = draw(st.lists(st.sampled_from([-0.05, 0.0, 0.1, 0.25, 1.0]), min_size=trade.n_rows,
                            max_size=trade.n_rows))
    return trade, np.maximum(trade.tariff + np.array(changes), 0.0)


ELASTICITIES = st.tuples(st.floats(0.0, 5.0), st.floats(0.0, 12.0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tables(), elasticities=ELASTICITIES)
def test_linear_smart_keeps_flows_non_negative_and_diversion_zero_sum(case, elasticities):
    trade, new = case
    eta, sigma = elasticities
    result = simulate_pe(trade, new, SmartSettings(eta, sigma))
    rows = result.products
    assert np.all(rows["imports_cf_usd"] >= -1e-9 * max(trade.value.max(), 1.0))
    assert np.abs(result.markets["trade_diversion_usd"]).max() <= 1e-9 * max(trade.value.sum(), 1.0)
    # creation has the opposite sign of the tariff change
    change = new - trade.tariff
    assert np.all(result.trade_creation * change <= 1e-12 * max(trade.value.max(), 1.0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tables(), elasticities=ELASTICITIES, supply=st.floats(0.3, 20.0))
def test_global_model_converges_and_keeps_the_welfare_accounts(case, elasticities, supply):
    trade, new = case
    eta, sigma = elasticities
    result = simulate_pe(trade, new, GsimSettings(eta, supply, sigma))
    assert result.diagnostics.converged
    assert np.all(result.quantity_hat >= 0) and np.all(np.isfinite(result.quantity_hat))
    totals = result.totals.iloc[0]
    welfare = totals["consumer_surplus_change_usd"] + totals["tariff_revenue_change_usd"]
    np.testing.assert_allclose(totals["deadweight_loss_usd"], totals["terms_of_trade_gain_usd"] - welfare,
                               rtol=1e-9, atol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tables(), eta=st.floats(0.0, 5.0), supply=st.floats(0.3, 20.0))
def test_single_source_pass_through_is_eps_over_eps_plus_eta(case, eta, supply):
    # One source, its own supply curve (SMART): p̂ = τ̂^(ε/(ε+η)), so pass-through lies in [0, 1].
    trade, new = case
    result = simulate_pe(trade, new, SmartSettings(eta, 1.5, supply, form="exact"))
    rows = result.products
    one_source = rows.groupby(["importer", "product"], observed=True)["exporter"].transform("size") == 1
    single = rows.loc[one_source & rows["pass_through"].notna()]
    tau = (1 + single["tariff_cf_pct"] / 100) / (1 + single["tariff_base_pct"] / 100)
    np.testing.assert_allclose(1 + single["import_price_pct"] / 100, tau ** (supply / (supply + eta)), rtol=1e-8)
    assert np.all((single["pass_through"] >= -1e-9) & (single["pass_through"] <= 1 + 1e-9))


@settings(max_examples=30, deadline=None)
@given(case=tables(), elasticities=ELASTICITIES)
def test_exact_diversion_sums_to_zero_in_every_market(case, elasticities):
    trade, new = case
    eta, sigma = elasticities
    result = simulate_pe(trade, new, SmartSettings(eta, sigma, form="exact"))
    assert np.abs(result.markets["trade_diversion_usd"]).max() <= 1e-9 * max(trade.value.sum(), 1.0)


def test_every_seed_of_a_random_trade_war_converges():
    """Like the gravity seed sweep: the global solver must not depend on a lucky draw."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = 6
        rows = [(f"C{j}", f"C{i}", f"{p:06d}", rng.lognormal(2, 2), rng.choice([0.0, 0.05]))
                for p in range(4) for j in range(n) for i in range(n) if i != j and rng.random() < 0.7]
        trade = ProductTrade.from_frame(pd.DataFrame(rows, columns=["importer", "exporter", "product", "value_usd",
                                                                    "tariff"]))
        new = np.where(rng.random(trade.n_rows) < 0.3, trade.tariff + 0.25, trade.tariff)
        sigma = pd.Series(rng.uniform(0.5, 15.0, 4), index=pd.Index(list(trade.products), name="product"))
        result = simulate_pe(trade, new, GsimSettings(float(rng.uniform(0.2, 3)), float(rng.uniform(0.5, 5)), sigma))
        assert result.diagnostics.converged, seed
