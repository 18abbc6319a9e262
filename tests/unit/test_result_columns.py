"""Every result column recomputed independently, in plain numpy, from the equilibrium's arrays.

``Result`` derives its tables from the equilibrium; this test derives each column again
from the primitives — flows, tariffs, wages (or input costs), the shock's trade-cost
changes and the baseline World — by the definition written in ``COLUMNS``, without
calling the code that builds the tables. Price indices are rebuilt from the baseline
tariff-inclusive trade shares and the change in each supplier's delivered price:
``P̂_js = (Σ_i λ_ijs p̂_ijs^(−θ_s))^(−1/θ_s)`` and ``P̂_j = Π_s P̂_js^α_js``.

A new column fails ``test_every_column_has_an_independent_recomputation`` until a
recomputation is added here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim import Shock, simulate
from tariffsim.models import GravityModel, MultisectorModel
from tariffsim.results import COLUMNS
from tariffsim.testing import random_io_world, random_world

TABLES = ("countries", "bilateral", "bilateral_sectors", "sectors")


def _pct(new, old):
    new, old = np.asarray(new, dtype=float), np.asarray(old, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(old != 0, 100.0 * (new / old - 1.0), np.nan)


def _shock(world, rng):
    n = world.n_countries
    tariffs = np.array(world.tariffs) + rng.uniform(0.0, 0.5, size=world.shape)
    tariffs[np.arange(n), np.arange(n), :] = 0.0
    tau = rng.uniform(0.85, 1.15, size=world.shape)
    tau[np.arange(n), np.arange(n), :] = 1.0
    return Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=tau)


@pytest.fixture(params=["gravity-fixed_level", "gravity-balanced", "multisector-fixed_level",
                        "multisector-fixed_ratio"])
def result(request):
    family, closure = request.param.split("-")
    rng = np.random.default_rng(7)
    if family == "gravity":
        world = random_world(rng, 5, 3, theta=(2.0, 9.0))
        model = GravityModel(closure=closure, numeraire="wage:C02")
    else:
        world = random_io_world(rng, 5, 3, non_traded=1)
        model = MultisectorModel(closure=closure, numeraire="price_index:C01")
    return simulate(world, _shock(world, rng), model=model)


def _expected(result) -> dict[str, dict[str, np.ndarray]]:
    """Every column of every table, recomputed from arrays."""
    w, eq = result.baseline, result.equilibrium
    n, s = w.n_countries, w.n_sectors
    idx = np.arange(n)
    X0, X1 = np.asarray(w.flows), np.asarray(eq.flows)
    t0, t1 = np.asarray(w.tariffs), np.asarray(eq.tariffs)
    tau = np.ones(w.shape) if result.shock.trade_cost_hat is None else np.asarray(result.shock.trade_cost_hat)
    theta = np.asarray(w.elasticity)
    io = w.value_added_share is not None
    cost = np.asarray(eq.cost_hat) if eq.cost_hat is not None else np.repeat(eq.wage_hat[:, None], s, axis=1)

    # Prices: delivered-price changes and CES price indices from baseline shares.
    p_hat = cost[:, None, :] * tau * (1.0 + t1) / (1.0 + t0)  # (N, N, S)
    gross0 = X0 * (1.0 + t0)
    spend0 = gross0.sum(axis=0)  # (N importers, S)
    lam = np.divide(gross0, spend0[None], out=np.zeros_like(gross0), where=spend0[None] > 0)
    sector_price = np.ones((n, s))
    for j in range(n):
        for k in range(s):
            if spend0[j, k] > 0:
                sector_price[j, k] = (lam[:, j, k] @ p_hat[:, j, k] ** (-theta[k])) ** (-1.0 / theta[k])
    alpha = np.asarray(w.final_shares) if io else spend0 / spend0.sum(axis=1, keepdims=True)
    price = np.exp((alpha * np.log(sector_price)).sum(axis=1))

    # National accounts.
    dom0, dom1 = X0[idx, idx, :].sum(axis=1), X1[idx, idx, :].sum(axis=1)
    exports0, exports1 = X0.sum(axis=(1, 2)) - dom0, X1.sum(axis=(1, 2)) - dom1
    imports0, imports1 = X0.sum(axis=(0, 2)) - dom0, X1.sum(axis=(0, 2)) - dom1
    revenue0, revenue1 = (t0 * X0).sum(axis=(0, 2)), (t1 * X1).sum(axis=(0, 2))
    purchases0, purchases1 = gross0.sum(axis=(0, 2)), (X1 * (1.0 + t1)).sum(axis=(0, 2))
    gross_output0, gross_output1 = X0.sum(axis=(1, 2)), X1.sum(axis=(1, 2))
    if io:
        beta = np.asarray(w.value_added_share)
        va0 = (beta * X0.sum(axis=1)).sum(axis=1)
        output0, output1 = gross_output0, gross_output1
    else:
        va0 = gross_output0
        output0, output1 = va0, gross_output1
    va1 = eq.wage_hat * va0  # one factor: value added moves with its price
    deficit0 = imports0 - exports0
    deficit1 = imports1 - exports1
    income0 = va0 + revenue0 + deficit0
    income1 = va1 + revenue1 + deficit1
    if not io:  # expenditure is income in the one-factor models
        np.testing.assert_allclose(purchases1, income1, rtol=1e-9)
    real_income = (income1 / income0) / price
    countries = {
        "country": np.asarray(w.countries, dtype=object),
        "real_income_pct": 100.0 * (real_income - 1.0),
        "welfare_pct": 100.0 * (real_income - 1.0),  # no preference shifts in these shocks
        "real_gdp_pct": 100.0 * ((va1 / va0) / price - 1.0),
        "output_pct": _pct(output1, output0),
        "factory_price_pct": 100.0 * (eq.wage_hat - 1.0),
        "price_index_pct": 100.0 * (price - 1.0),
        "exports_pct": _pct(exports1, exports0),
        "imports_pct": _pct(imports1, imports0),
        "output_base": output0, "output_cf": output1,
        "expenditure_base": purchases0, "expenditure_cf": purchases1,
        "exports_base": exports0, "exports_cf": exports1,
        "imports_base": imports0, "imports_cf": imports1,
        "trade_balance_base": exports0 - imports0, "trade_balance_cf": exports1 - imports1,
        "tariff_revenue_base": revenue0, "tariff_revenue_cf": revenue1,
        "avg_tariff_base_pct": 100.0 * revenue0 / imports0,
        "avg_tariff_cf_pct": 100.0 * revenue1 / imports1,  # counterfactual revenue over counterfactual imports
    }
    if io:
        # Caliendo & Parro's decomposition with nominal changes in units of world value added.
        index = va1.sum() / va0.sum()
        c = cost / index - 1.0  # (N, S)
        tot = np.einsum("ijs,is->i", X0, c) - np.einsum("ijs,is->j", X0, c)
        vot = np.einsum("ijs,ijs->j", t0, X1 / index - X0 * (1.0 + c)[:, None, :])
        costs = -np.einsum("ijs,ijs->j", (1.0 + t0) * X0, tau - 1.0)
        countries.update({
            "real_wage_pct": 100.0 * (eq.wage_hat / price - 1.0),
            "terms_of_trade_pct": 100.0 * tot / income0,
            "volume_of_trade_pct": 100.0 * vot / income0,
            "trade_cost_pct": 100.0 * costs / income0,
            "welfare_first_order_pct": 100.0 * (tot + vot + costs) / income0,
        })

    def weighted(values, weights):
        total = weights.sum(axis=2)
        return np.where(total > 0, (values * weights).sum(axis=2) / np.where(total > 0, total, 1.0),
                        values.mean(axis=2))

    pair_weight = gross0.sum(axis=2)
    bilateral = {
        "exporter": np.repeat(np.asarray(w.countries, dtype=object), n),
        "importer": np.tile(np.asarray(w.countries, dtype=object), n),
        "flow_base": X0.sum(axis=2).ravel(), "flow_cf": X1.sum(axis=2).ravel(),
        "flow_pct": _pct(X1.sum(axis=2), X0.sum(axis=2)).ravel(),
        "tariff_base_pct": 100.0 * (weighted(t0, X0) if s > 1 else t0[:, :, 0]).ravel(),
        "tariff_cf_pct": 100.0 * (weighted(t1, X1) if s > 1 else t1[:, :, 0]).ravel(),
        "import_price_pct": np.where(pair_weight > 0, 100.0 * ((gross0 * p_hat).sum(axis=2)
                                                                / np.where(pair_weight > 0, pair_weight, 1.0) - 1.0),
                                     np.nan).ravel(),
    }
    bilateral_sectors = {
        "exporter": np.repeat(np.asarray(w.countries, dtype=object), n * s),
        "importer": np.tile(np.repeat(np.asarray(w.countries, dtype=object), s), n),
        "sector": np.tile(np.asarray(w.sectors, dtype=object), n * n),
        "flow_base": X0.ravel(), "flow_cf": X1.ravel(), "flow_pct": _pct(X1, X0).ravel(),
        "tariff_base_pct": 100.0 * t0.ravel(), "tariff_cf_pct": 100.0 * t1.ravel(),
        "exporter_price_pct": 100.0 * (np.broadcast_to(cost[:, None, :], w.shape).ravel() - 1.0),
        "import_price_pct": 100.0 * (p_hat.ravel() - 1.0),
    }
    sector_exports0 = X0.sum(axis=1) - X0[idx, idx, :]
    sector_exports1 = X1.sum(axis=1) - X1[idx, idx, :]
    sector_imports0 = X0.sum(axis=0) - X0[idx, idx, :]
    sector_imports1 = X1.sum(axis=0) - X1[idx, idx, :]
    sectors = {
        "country": np.repeat(np.asarray(w.countries, dtype=object), s),
        "sector": np.tile(np.asarray(w.sectors, dtype=object), n),
        "sector_output_base": X0.sum(axis=1).ravel(), "sector_output_cf": X1.sum(axis=1).ravel(),
        "sector_output_pct": _pct(X1.sum(axis=1), X0.sum(axis=1)).ravel(),
        "sector_price_index_pct": 100.0 * (sector_price.ravel() - 1.0),
        "exports_base": sector_exports0.ravel(), "exports_cf": sector_exports1.ravel(),
        "exports_pct": _pct(sector_exports1, sector_exports0).ravel(),
        "imports_base": sector_imports0.ravel(), "imports_cf": sector_imports1.ravel(),
        "imports_pct": _pct(sector_imports1, sector_imports0).ravel(),
    }
    return {"countries": countries, "bilateral": bilateral, "bilateral_sectors": bilateral_sectors,
            "sectors": sectors}


def test_every_column_has_an_independent_recomputation(result):
    expected = _expected(result)
    for table in TABLES:
        frame = getattr(result, table)
        missing = [c for c in frame.columns if c not in expected[table]]
        assert not missing, f"{table}: no independent recomputation of {missing} in this test"
        assert all(c in COLUMNS for c in frame.columns)


@pytest.mark.parametrize("table", TABLES)
def test_every_column_matches_its_recomputation(result, table):
    frame: pd.DataFrame = getattr(result, table)
    expected = _expected(result)[table]
    for column in frame.columns:
        got = frame[column].to_numpy()
        want = expected[column]
        if got.dtype == object:
            assert list(got) == list(want), f"{table}.{column}"
            continue
        np.testing.assert_allclose(got.astype(float), np.asarray(want, dtype=float), rtol=1e-8, atol=1e-8,
                                   equal_nan=True, err_msg=f"{table}.{column}")
