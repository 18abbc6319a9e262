"""Newton's method with an analytic Jacobian and a backtracking line search."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import SolverDiagnostics
from tariffsim.solvers.fixed_point import Outcome

__all__ = ["newton"]

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]


def newton(
    fun: Callable[[Vector], Vector],
    jac: Callable[[Vector], Matrix],
    x0: Vector,
    *,
    residual: Callable[[Vector, Vector], float],
    tol: float,
    max_iter: int = 50,
) -> Outcome:
    """Solve ``F(x) = 0`` by damped Newton steps.

    Parameters
    ----------
    fun
        ``x -> F(x)``, shape (n,).
    jac
        ``x -> dF/dx``, shape (n, n).
    x0
        Starting point.
    residual
        ``(x, F(x)) -> r``: the caller's convergence measure (``r < tol`` stops).
    tol, max_iter
        Stopping rule and budget (Jacobian factorisations).

    Notes
    -----
    The step is halved (up to 30 times) until ``||F||_2`` falls, the standard
    Armijo-free backtracking for well-scaled systems; a singular Jacobian falls
    back to a least-squares step.
    """
    start = time.perf_counter()
    x = np.array(x0, dtype=np.float64, copy=True)
    f = fun(x)
    r = residual(x, f) if np.all(np.isfinite(f)) else np.inf
    history = [float(r)]
    converged = bool(r < tol)
    message = "residual below tolerance" if converged else "iteration budget exhausted"
    k = 0
    while not converged and k < max_iter:
        k += 1
        J = jac(x)
        try:
            dx = np.linalg.solve(J, -f)
        except np.linalg.LinAlgError:
            dx, *_ = np.linalg.lstsq(J, -f, rcond=None)
        norm0 = float(np.linalg.norm(f))
        step = 1.0
        accepted = False
        for _ in range(30):
            x_try = x + step * dx
            f_try = fun(x_try)
            if np.all(np.isfinite(f_try)) and np.linalg.norm(f_try) < norm0:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            message = "line search failed: no step reduces the residual"
            break
        x, f = x_try, f_try
        r = residual(x, f)
        history.append(float(r))
        if r < tol:
            converged = True
            message = "residual below tolerance"
    diag = SolverDiagnostics(
        converged=converged,
        iterations=k,
        residual=float(r),
        seconds=time.perf_counter() - start,
        method="newton",
        history=tuple(history),
        message=message,
    )
    return Outcome(x=x, diagnostics=diag)
