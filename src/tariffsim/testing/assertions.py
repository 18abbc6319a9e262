"""Assertions on equilibria: the accounting identities every counterfactual must satisfy."""

from __future__ import annotations

import numpy as np

from tariffsim.results import Result

__all__ = ["assert_equilibrium_identities"]


def assert_equilibrium_identities(result: Result, tol: float = 1e-10) -> None:
    """Check market clearing and national accounts of ``result`` to relative tolerance ``tol``.

    * every country's sales equal its output;
    * expenditure = output + tariff revenue + deficit, country by country;
    * tariff revenue = Σ t' X' by importer;
    * world deficits sum to zero, so world income (output + revenue) equals world expenditure.
    """
    eq = result.equilibrium
    sales = eq.flows.sum(axis=(1, 2))
    np.testing.assert_allclose(sales, eq.output, rtol=tol, err_msg="sales differ from output")
    revenue = (eq.tariffs * eq.flows).sum(axis=(0, 2))
    np.testing.assert_allclose(revenue, eq.tariff_revenue, rtol=tol, atol=tol * eq.output.sum(),
                               err_msg="tariff revenue differs from Σ t'X'")
    purchases = eq.flows.sum(axis=(0, 2))
    np.testing.assert_allclose(eq.expenditure, purchases + revenue, rtol=tol,
                               err_msg="expenditure differs from purchases + tariff revenue")
    world_income = eq.output.sum() + eq.tariff_revenue.sum()
    assert abs(eq.expenditure.sum() - world_income) <= tol * world_income, "world income differs from expenditure"
