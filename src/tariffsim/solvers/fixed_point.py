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
    """Solve ``x = g(x)`` by Anderson-accelerated iteration.

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
    """
    start = time.perf_counter()
    x = np.array(x0, dtype=np.float64, copy=True)
    history: list[float] = []
    dF: list[Vector] = []
    dG: list[Vector] = []
    best_x, best_r = x.copy(), np.inf
    last_improve, last_best = 0, np.inf
    prev_f: Vector | None = None
    prev_g: Vector | None = None
    message = "iteration budget exhausted"
    converged = False
    k = 0
    for k in range(1, max_iter + 1):
        g, r = step(x)
        if not np.isfinite(r) or not np.all(np.isfinite(g)):
            # An accelerated step went somewhere the map is undefined: restart from the best point.
            if best_r == np.inf:
                message = "the fixed-point map returned non-finite values at the starting point"
                break
            dF.clear()
            dG.clear()
            prev_f = prev_g = None
            x = best_x.copy()
            history.append(float("nan"))
            continue
        history.append(float(r))
        if r < best_r:
            best_x, best_r = x.copy(), r
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
        if memory > 0 and prev_f is not None and prev_g is not None:
            dF.append(f - prev_f)
            dG.append(g - prev_g)
            if len(dF) > memory:
                dF.pop(0)
                dG.pop(0)
        prev_f, prev_g = f, g
        if memory > 0 and dF and r <= 1e3 * best_r:
            mat_f = np.column_stack(dF)
            gamma, *_ = np.linalg.lstsq(mat_f, f, rcond=None)
            x_new = g - np.column_stack(dG) @ gamma
            if not np.all(np.isfinite(x_new)):
                x_new = g
        else:
            if r > 1e3 * best_r:
                # Safeguard: the accelerated sequence diverged; restart plain iteration from the best point.
                dF.clear()
                dG.clear()
                prev_f = prev_g = None
                g, _ = step(best_x)
            x_new = g
        x = x_new
    diag = SolverDiagnostics(
        converged=converged,
        iterations=k,
        residual=float(best_r),
        seconds=time.perf_counter() - start,
        method="anderson",
        history=tuple(history),
        message=message,
    )
    return Outcome(x=best_x, diagnostics=diag)
