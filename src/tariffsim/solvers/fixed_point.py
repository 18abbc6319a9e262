"""Accelerated fixed-point iteration (Anderson mixing with safeguards).

Reference: Walker & Ni (2011), "Anderson acceleration for fixed-point
iterations", SIAM J. Numer. Anal. 49(4); the safeguarded restart follows
Zhang, O'Donoghue & Boyd (2020), "Globally convergent type-I Anderson
acceleration for nonsmooth fixed-point iterations", SIAM J. Optim. 30(4), in
spirit: an accelerated step is kept only while the residual keeps falling.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import SolverDiagnostics

__all__ = ["Outcome", "anderson"]

Vector = NDArray[np.float64]


@dataclass(frozen=True)
class Outcome:
    """A solver's answer and what it did to get there."""

    x: Vector
    diagnostics: SolverDiagnostics


def anderson(
    step: Callable[[Vector], tuple[Vector, float]],
    x0: Vector,
    *,
    tol: float,
    max_iter: int,
    memory: int = 6,
    stall_window: int = 60,
) -> Outcome:
    """Solve ``x = g(x)`` by Anderson-accelerated iteration (type II).

    Parameters
    ----------
    step
        ``x -> (g(x), r(x))``: the fixed-point map and the residual *at x* in the
        caller's norm (convergence when ``r(x) < tol``).
    x0
        Starting point, shape (n,).
    tol, max_iter
        Stopping rule and budget (number of ``step`` calls).
    memory
        Number of past differences mixed (0 = plain iteration).
    stall_window
        Give up early when the best residual has not improved by 10 % in this
        many steps (the caller may then switch method).

    Returns
    -------
    Outcome
        ``x`` is the best point found (the one with the smallest residual).

    Notes
    -----
    The last ``memory`` differences of iterates and residuals live in ring
    buffers, and the mixing weights solve the small ``m × m`` normal equations
    (with a tiny ridge), so one step costs O(n·m) beyond ``step`` itself — cheap
    for the million-unknown product-level models. Non-finite values, or a
    residual 100 times the best so far, restart the mixing from the best point.
    """
    start = time.perf_counter()
    x = np.array(x0, dtype=np.float64, copy=True)
    n, m = x.shape[0], max(int(memory), 0)
    d_x = np.empty((n, m))
    d_f = np.empty((n, m))
    gram = np.empty((m, m))
    filled = pos = 0
    prev_x: Vector | None = None
    prev_f: Vector | None = None
    history: list[float] = []
    best_x, best_r = x.copy(), np.inf
    last_improve, last_best = 0, np.inf
    message = "iteration budget exhausted"
    converged = False
    k = 0
    for k in range(1, max_iter + 1):
        g, r = step(x)
        if not np.isfinite(r) or not np.all(np.isfinite(g)) or r > 1e2 * best_r:
            history.append(float(r) if np.isfinite(r) else float("nan"))
            if not np.isfinite(best_r):
                message = "the fixed-point map returned non-finite values at the starting point"
                break
            # The accelerated sequence went astray: restart plain iteration from the best point.
            filled = pos = 0
            prev_x = prev_f = None
            x = best_x.copy()
            continue
        history.append(float(r))
        if r < best_r:
            best_x, best_r = x.copy(), float(r)
        if r < tol:
            converged = True
            message = "residual below tolerance"
            break
        if best_r < 0.9 * last_best:
            last_best, last_improve = best_r, k
        elif k - last_improve > stall_window:
            message = f"stalled: no 10% improvement in {stall_window} steps"
            break
        f = g - x
        if m == 0 or prev_x is None or prev_f is None:
            prev_x, prev_f = x, f
            x = g
            continue
        d_x[:, pos] = x - prev_x
        d_f[:, pos] = f - prev_f
        filled = min(filled + 1, m)
        prev_x, prev_f = x, f
        row = d_f[:, :filled].T @ d_f[:, pos]
        gram[pos, :filled] = row
        gram[:filled, pos] = row
        pos = (pos + 1) % m
        ridge = 1e-12 * float(np.trace(gram[:filled, :filled])) + 1e-300
        try:
            gamma = np.linalg.solve(gram[:filled, :filled] + ridge * np.eye(filled), d_f[:, :filled].T @ f)
        except np.linalg.LinAlgError:
            filled = pos = 0
            x = g
            continue
        x_new = x + f - (d_x[:, :filled] + d_f[:, :filled]) @ gamma
        x = x_new if np.all(np.isfinite(x_new)) else g
    diag = SolverDiagnostics(
        converged=converged,
        iterations=k,
        residual=float(best_r),
        seconds=time.perf_counter() - start,
        method="anderson" if m else "fixed_point",
        history=tuple(history),
        message=message,
    )
    return Outcome(x=best_x, diagnostics=diag)
