r"""The iterative GEPPML procedure of Yotov, Piermartini, Monteiro & Larch (2016).

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*
(WTO/UNCTAD), chapter 2, "full endowment general equilibrium effects"
(Anderson, Larch & Yotov 2018's GEPPML). The book's Stata code re-estimates a
PPML regression with exporter and importer fixed effects and the counterfactual
trade costs as offset at each pass, updates factory-gate prices from the change
in exporter effects,

.. math:: \Delta p_i = \Big(\frac{\exp\hat\pi_i^{(s)}/\exp\hat\pi_i^{(s-1)}}
                               {E_R^{(s)}/E_R^{(s-1)}}\Big)^{1/(1-\sigma)},

rescales trade by :math:`\Delta p_i\,\Delta p_j/(\Delta\Pi_i\,\Delta P_j)` and
stops when the standard deviation and the absolute maximum of the difference
between successive price changes are both below 0.01. That rule stops after a
few passes, before full convergence, and the final accounting mixes quantities
of different passes (output from prices, expenditure from the last pass), so
the result is not an exact equilibrium: its market-clearing residual is
reported in the diagnostics. :func:`solve_book` follows the procedure step by
step; a PPML fit with only two-way fixed effects and an offset is computed
exactly by biproportional balancing (its first-order conditions), which is what
the book's ``ppml`` converges to.

Use it to reproduce the book's numbers; use the ``exact`` procedure for answers.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, SolverDiagnostics
from tariffsim.results import Equilibrium
from tariffsim.shock import Shock
from tariffsim.solvers.balancing import biproportional
from tariffsim.world import World

__all__ = ["solve_book", "BOOK_TOLERANCE"]

FloatArray = NDArray[np.float64]

BOOK_TOLERANCE = 0.01
"""The book's stopping threshold on successive factory-gate price changes."""

_MAX_PASSES = 500


def _fe_fit(kernel: FloatArray, rows: FloatArray, cols: FloatArray, ref: int
            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """PPML with exporter and importer effects and offset log(kernel); importer ``ref``'s effect is 0.

    Returns exp(exporter effects), exp(importer effects), fitted flows.
    """
    a, b, diag = biproportional(kernel, rows, cols, tol=1e-14)
    if not diag.converged:
        raise ConvergenceError("a fixed-effects fit in the book procedure failed", diag)
    a = a * b[ref]
    b = b / b[ref]
    return a, b, a[:, None] * kernel * b[None, :]


def _stata_sd(values: FloatArray, repeat: int) -> float:
    """Standard deviation (n − 1 denominator) of ``values`` each repeated ``repeat`` times,
    as Stata's ``summarize`` computes it on the book's pair-level data."""
    n = values.size * repeat
    mean = values.mean()
    return float(np.sqrt(repeat * np.sum((values - mean) ** 2) / (n - 1)))


def solve_book(world: World, shock: Shock, *, reference: str,
               tolerance: float = BOOK_TOLERANCE) -> tuple[Equilibrium, SolverDiagnostics]:
    """Counterfactual by the book's iterative procedure.

    Parameters
    ----------
    world
        One-sector World without tariffs; its flows are taken as the baseline
        (pass fitted flows, :func:`~tariffsim.models.gravity.fitted_world`, to
        follow the book, whose baseline is the PPML fit).
    shock
        Iceberg trade-cost changes only.
    reference
        The reference importer (its inward multilateral resistance is 1).
    tolerance
        The stopping threshold (the book's 0.01).
    """
    start = time.perf_counter()
    theta = float(world.elasticity[0])
    sigma = theta + 1.0
    power = 1.0 / (1.0 - sigma)
    ref = world.country_index(reference)
    n = world.n_countries
    X0 = world.flows[:, :, 0]
    Y = X0.sum(axis=1)
    E = X0.sum(axis=0)
    tau = shock.tau_hat()
    # Trade-cost kernels: the baseline flows themselves stand for the baseline costs (fixed effects are
    # identified only up to the kernel's row and column scale, and every quantity used is a ratio of them).
    K0 = X0
    K1 = X0 if tau is None else X0 * tau[:, :, 0] ** (-theta)

    # Step I: baseline fixed effects and indexes.
    pi0, chi0, _ = _fe_fit(K0, Y, E, ref)
    E_R0 = E[ref]
    imr_bln = E / (chi0 * E_R0)
    phi = E / Y

    # Step III.a: conditional equilibrium (same margins, counterfactual costs).
    pi1, chi1, fit1 = _fe_fit(K1, Y, E, ref)

    exp_pi = {0: pi0, 1: pi1}
    exp_chi = {0: chi0, 1: chi1}
    E_R = {0: E_R0, 1: E_R0}
    out = {0: Y, 1: Y}
    spend = {0: E, 1: E}
    tradehat = {1: fit1}
    dprice = {0: np.zeros(n), 1: ((pi1 / pi0) / (E_R[1] / E_R[0])) ** power}
    omr = {1: Y * E_R0 / pi1}
    imr = {1: E / (chi1 * E_R0)}
    domr = {1: np.ones(n)}
    dimr = {1: np.ones(n)}

    s = 3
    sd_dif = max_dif = 1.0
    passes = 0
    while sd_dif > tolerance or max_dif > tolerance:
        passes += 1
        if passes > _MAX_PASSES:
            diag = SolverDiagnostics(False, passes, max(sd_dif, max_dif), time.perf_counter() - start, "book",
                                     message="the book's stopping rule was not met")
            raise ConvergenceError("the book procedure did not meet its stopping rule", diag)
        s1, s2, s3 = s - 1, s - 2, s - 3
        trade = tradehat[s2] * np.outer(dprice[s2], dprice[s2]) / np.outer(domr[s2], dimr[s2])
        pi, chi, fit = _fe_fit(K1, trade.sum(axis=1), trade.sum(axis=0), ref)
        tradehat[s1] = fit
        out[s1] = fit.sum(axis=1)
        spend[s1] = phi * out[s1]
        E_R[s1] = spend[s1][ref]
        exp_pi[s1], exp_chi[s1] = pi, chi
        dprice[s1] = ((pi / exp_pi[s2]) / (E_R[s1] / E_R[s2])) ** power
        omr[s1] = out[s1] * E_R[s1] / pi
        domr[s1] = omr[s1] / omr[s2]
        imr[s1] = spend[s1] / (chi * E_R[s1])
        dimr[s1] = imr[s1] / imr[s2]
        dif = dprice[s2] - dprice[s3]
        sd_dif = _stata_sd(dif, n)
        max_dif = abs(float(dif.max()))  # the book takes abs(r(max)), not the largest absolute value
        s += 1
    S = s - 2

    price_full = ((exp_pi[S] / exp_pi[0]) / (E_R[S] / E_R[0])) ** power
    Y_full = price_full * Y
    E_full = phi * Y_full
    imr_full = spend[S] / (exp_chi[S] * E_R[S])
    # The book's X_FULL = Y_FULL E_FULL t_CFL / (IMR_FULL OMR_FULL) with OMR_FULL = Y_FULL E_R / exp(π) and
    # IMR_FULL = E_S / (exp(χ) E_R) reduces to the last pass's fit rescaled by E_FULL / E_S.
    X_full = tradehat[S] * (E_full / spend[S])[None, :]
    p_hat = (imr_full / imr_bln) ** power
    eq = Equilibrium(
        wage_hat=price_full,
        price_index_hat=p_hat,
        sector_price_hat=p_hat[:, None],
        flows=X_full[:, :, None],
        tariffs=np.zeros((n, n, 1)),
        output=Y_full,
        expenditure=E_full,
        tariff_revenue=np.zeros(n),
        deficit=E_full - Y_full,
    )
    diag = SolverDiagnostics(True, passes, eq.market_clearing_residual(), time.perf_counter() - start, "book",
                             message=f"book stopping rule met after {passes} passes (sd {sd_dif:.3g}, "
                                     f"max {max_dif:.3g}); residual is market clearing, not an exact equilibrium")
    return eq, diag
