"""Biproportional matrix balancing (RAS / Sinkhorn–Knopp).

Find positive vectors ``a`` and ``b`` such that ``X = a[:, None] * K * b[None, :]``
has given row and column sums. This is the first-order condition of a Poisson
pseudo-maximum-likelihood fit with two sets of fixed effects and a fixed offset
``log K`` (every PPML estimate with exporter and importer effects satisfies it),
so it yields PPML fixed effects exactly, without iterating on weights.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import SolverDiagnostics
from tariffsim.solvers.fixed_point import Outcome, anderson

__all__ = ["biproportional"]


def biproportional(
    K: NDArray[np.float64],
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    *,
    tol: float = 1e-13,
    max_iter: int = 10_000,
) -> tuple[NDArray[np.float64], NDArray[np.float64], SolverDiagnostics]:
    """Scale ``K`` (n × m, non-negative) to row sums ``rows`` and column sums ``cols``.

    Parameters
    ----------
    K
        Non-negative kernel; every row and column with a positive target needs a
        positive entry.
    rows, cols
        Positive targets with equal totals (relative difference < 1e-10).
    tol
        Stop when the largest relative error of any row or column sum is below ``tol``.

    Returns
    -------
    a, b, diagnostics
        ``a`` (n,), ``b`` (m,), normalised so that the last column with a positive target has
        ``b == 1``; rows and columns with zero targets get 0.

    Notes
    -----
    Iterates on ``log b`` with Sinkhorn's map ``b <- cols / K'(rows / K b)``,
    accelerated by Anderson mixing. The caller raises when ``converged`` is false.
    """
    start = time.perf_counter()
    rows = np.asarray(rows, dtype=np.float64)
    cols = np.asarray(cols, dtype=np.float64)
    total_r, total_c = rows.sum(), cols.sum()
    if not np.isclose(total_r, total_c, rtol=1e-10, atol=0):
        diag = SolverDiagnostics(False, 0, abs(total_r - total_c) / total_r, 0.0, "biproportional",
                                 message="row and column totals differ")
        return np.full(len(rows), np.nan), np.full(len(cols), np.nan), diag

    # Rows and columns with zero targets get zero scale; balance the rest.
    r_pos, c_pos = rows > 0, cols > 0
    K_sub = np.asarray(K, dtype=np.float64)[np.ix_(r_pos, c_pos)]
    rows_sub, cols_sub = rows[r_pos], cols[c_pos]

    def row_scale(b: NDArray[np.float64]) -> NDArray[np.float64]:
        return rows_sub / (K_sub @ b)

    def step(log_b: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
        b = np.exp(log_b - log_b[-1])
        a = row_scale(b)
        col_fit = (K_sub.T @ a) * b
        resid = float(np.max(np.abs(col_fit / cols_sub - 1.0)))
        new = np.log(cols_sub / (K_sub.T @ a))
        return new - new[-1], resid

    with np.errstate(divide="ignore", invalid="ignore"):
        outcome: Outcome = anderson(step, np.zeros(len(cols_sub)), tol=tol, max_iter=max_iter, memory=5,
                                    stall_window=max_iter)
    b_sub = np.exp(outcome.x - outcome.x[-1])
    a_sub = row_scale(b_sub)
    a = np.zeros(len(rows))
    b = np.zeros(len(cols))
    a[r_pos] = a_sub
    b[c_pos] = b_sub
    d = outcome.diagnostics
    diag = SolverDiagnostics(d.converged, d.iterations, d.residual, time.perf_counter() - start,
                             "biproportional", message=d.message)
    return a, b, diag
