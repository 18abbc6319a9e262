r"""The fixed costs of Ignatenko, Lashkaripour, Macedoni & Simonovska (2025) and the deficits they imply.

Arithmetic on a matrix of trade that both the World builder (:mod:`tariffsim.data.ijlms_world`,
which needs the fixed-cost shares to set domestic sales as the authors do) and the model
(:mod:`tariffsim.models.ijlms`, which calibrates them on any World) need; it sits below both
so that data/ never imports models/. Section 4 and Appendix F.4 of "Making America Great
Again? The Economic Impacts of Liberation Day Tariffs", *Journal of International Economics*
157 (2025), and the authors' ``solveNu`` (``code/analysis/main_baseline.m``).

* :func:`fixed_cost_shares` — ν, one value for the United States and one for every other
  economy, so that the sales-weighted average share of fixed costs in the sales of US firms
  is 0.26 and of other firms 0.12. On the two-region aggregate (US, rest of the world), with
  ``r_11`` the domestic share of the rest's sales and ``r_22`` that of the US's:

  .. math:: (1-r_{11})\,\nu_{US} + r_{11}\,\nu_{RoW} = 0.12, \qquad
            r_{22}\,\nu_{US} + (1-r_{22})\,\nu_{RoW} = 0.26,

  where the shares depend on expenditure ``E = GDP + T̄(ν)``;
* :func:`transfers_implied` — ``T̄_i = (1 − ν_i)(Σ_n X_ni − Σ_n (1 − ν_n) X_in)`` (eq. (8));
* :func:`authors_flows` — domestic sales ``X_ii = GDP_i + T̄_i − Σ_{n≠i} X_ni`` clipped at 0 (eq. (9)).

Arrays are ``[i, j]``: exporter i, importer j.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics

__all__ = ["FIXED_COST_TARGETS", "authors_flows", "fixed_cost_shares", "two_regions", "transfers_implied"]

FloatArray = NDArray[np.float64]

FIXED_COST_TARGETS = (0.12, 0.26)
"""Sales-weighted fixed-cost shares of non-US and US firms (COMPUSTAT/WORLDSCOPE 2020, Appendix F.4)."""

_NU_START = (0.1, 0.24)
"""The authors' starting point for ν (non-US, US)."""


def transfers_implied(trade: FloatArray, nu: FloatArray) -> FloatArray:
    """``T̄_i = (1 − ν_i)(Σ_n X_ni − Σ_n (1 − ν_n) X_in)`` on a matrix of trade (eq. (8)), (N,)."""
    return np.asarray((1.0 - nu) * (trade.sum(axis=0) - (trade * (1.0 - nu)[None, :]).sum(axis=1)),
                      dtype=np.float64)


def two_regions(n: int, us: int) -> FloatArray:
    """Aggregation matrix (2, N): row 0 sums every economy but ``us``, row 1 is ``us``."""
    agg = np.zeros((2, n))
    agg[0, :] = 1.0
    agg[0, us] = 0.0
    agg[1, us] = 1.0
    return agg


def fixed_cost_shares(trade: FloatArray, us: int, *, gdp: FloatArray | None = None,
                      expenditure: FloatArray | None = None,
                      targets: tuple[float, float] = FIXED_COST_TARGETS) -> tuple[float, float]:
    """The paper's fixed-cost shares ``(ν_others, ν_US)`` (the authors' ``solveNu``).

    Parameters
    ----------
    trade
        International trade ``X[i, j]`` (N, N); the diagonal is ignored.
    us
        Index of the economy with its own share.
    gdp
        GDP (N,): the authors' routine, expenditure ``E = GDP + T̄(ν)`` moves with ν.
    expenditure
        Expenditure (N,) taken as data instead (a World whose domestic sales are given).
    targets
        Sales-weighted shares (others, US).

    Solved by Newton's method on the two conditions to machine precision (the authors'
    ``fsolve`` stops at 1e-10), negative values set to zero.

    Raises
    ------
    ConvergenceError
        If Newton's method does not converge.
    """
    if (gdp is None) == (expenditure is None):
        raise ModelError("fixed_cost_shares needs gdp (the authors' routine) or expenditure (given), not both")
    X = np.array(trade, dtype=np.float64, copy=True)
    np.fill_diagonal(X, 0.0)
    agg = two_regions(X.shape[0], us)
    X2 = agg @ X @ agg.T
    level = agg @ np.asarray(gdp if gdp is not None else expenditure, dtype=np.float64)

    def conditions(nu: Any) -> Any:
        if gdp is not None:
            e = level + (1.0 - nu) * (X2.sum(axis=0) - ((1.0 - nu)[None, :] * X2).sum(axis=1))
        else:
            e = level
        r11 = (e[0] - X2[1, 0]) / (e[0] - X2[1, 0] + X2[0, 1])
        r22 = (e[1] - X2[0, 1]) / (e[1] - X2[0, 1] + X2[1, 0])
        return np.array([(1.0 - r11) * nu[1] + r11 * nu[0] - targets[0],
                         r22 * nu[1] + (1.0 - r22) * nu[0] - targets[1]])

    nu = np.array(_NU_START, dtype=np.float64)
    iterations = 0
    while True:
        f = conditions(nu)
        if np.max(np.abs(f)) < 1e-15:  # the conditions are shares of order 0.1: this is rounding
            break
        iterations += 1
        if iterations > 50:
            raise ConvergenceError("the fixed-cost shares did not converge", SolverDiagnostics(
                False, iterations, float(np.max(np.abs(f))), 0.0, "newton", message="fixed-cost shares"))
        jac = np.empty((2, 2))
        for k in range(2):
            step = nu.astype(np.complex128)
            step[k] += 1e-30j
            jac[:, k] = conditions(step).imag / 1e-30
        step_nu = np.linalg.solve(jac, f)
        nu = nu - step_nu
        if np.max(np.abs(step_nu)) < 1e-16:
            break
    nu = np.where(nu < 0, 0.0, nu)
    return float(nu[0]), float(nu[1])


def authors_flows(trade: FloatArray, gdp: FloatArray, nu: FloatArray) -> FloatArray:
    """Trade with domestic sales on the diagonal, built the authors' way (eq. (8)–(9)).

    ``X_ii = GDP_i + T̄_i(ν) − Σ_{n≠i} X_ni``, clipped at 0, (N, N).
    """
    X = np.array(trade, dtype=np.float64, copy=True)
    np.fill_diagonal(X, 0.0)
    domestic = np.asarray(gdp, dtype=np.float64) + transfers_implied(X, np.asarray(nu)) - X.sum(axis=0)
    np.fill_diagonal(X, np.where(domestic < 0, 0.0, domestic))
    return X
