"""Augmented Lagrangian for smooth problems with a few equality constraints and many bounds.

Minimise ``f(x)`` subject to ``c(x) = 0`` (m constraints, m small) and ``lower ≤ x ≤ upper``
(n bounds, n large). Each outer iteration minimises the augmented Lagrangian

.. math::

    L_A(x; \\lambda, \\rho) = f(x) - \\lambda^\\top c(x) + \\tfrac{\\rho}{2} \\lVert c(x) \\rVert^2

over the bounds by L-BFGS-B (warm-started from the last outer iterate), then updates the
multipliers ``λ ← λ − ρ c(x)`` and multiplies ``ρ`` by ``growth`` when ``‖c‖`` fell by less than
a quarter (Conn, Gould & Toint's bound-constrained LANCELOT scheme as in Nocedal & Wright 2006,
*Numerical Optimization*, Algorithm 17.4, with the practical update of Birgin & Martínez 2014,
*Practical Augmented Lagrangian Methods for Constrained Optimization*, ch. 4: the multipliers move
every iteration). The cost of an iteration beyond the function and gradient is O(n·memory): no
dense n × n matrix is formed, unlike SQP methods whose quadratic subproblem is O(n³) a step.

Convergence is judged on the first-order (KKT) conditions of the original problem: the largest
constraint violation ``‖c(x)‖∞ ≤ tol`` and the projected gradient of the Lagrangian
``max_k |P(x − ∇L) − x|`` with ``∇L = ∇f − J(x)ᵀλ`` below ``kkt_tol``. As every solver here, it
reports ``converged=False`` rather than raising; the caller raises.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from numpy.typing import NDArray

from tariffsim.errors import SolverDiagnostics

__all__ = ["Constrained", "augmented_lagrangian", "least_squares_multipliers", "projected_gradient"]

Vector = NDArray[np.float64]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Constrained:
    """An augmented-Lagrangian answer: the point, the constraints' multipliers, the two residuals."""

    x: Vector
    multipliers: Vector
    violation: float
    kkt: float
    diagnostics: SolverDiagnostics


def projected_gradient(x: Vector, gradient: Vector, lower: Vector, upper: Vector) -> float:
    """``max_k |clip(x_k − g_k) − x_k|`` (minimising): zero exactly at a bounded stationary point."""
    return float(np.max(np.abs(np.clip(x - gradient, lower, upper) - x))) if x.size else 0.0


def _kkt(fun: Callable[[Vector], tuple[float, Vector]], x: Vector, jac: NDArray[np.float64], lam: Vector,
         lower: Vector, upper: Vector) -> float:
    _, grad = fun(x)
    return projected_gradient(x, np.asarray(grad) - np.asarray(jac).T @ lam, lower, upper)


def least_squares_multipliers(gradient: Vector, jac: NDArray[np.float64], x: Vector, lower: Vector,
                              upper: Vector) -> Vector:
    """The multipliers that best meet ``∇f = Jᵀλ`` on the parameters inside their bounds (zero if none): at a
    first-order point, its multipliers; near one — a warm start — close to them."""
    jac = np.atleast_2d(np.asarray(jac, dtype=np.float64))
    inside = (x - lower > 1e-12) & (upper - x > 1e-12)
    if not inside.any() or jac.shape[0] == 0:
        return np.zeros(jac.shape[0])
    return np.asarray(np.linalg.lstsq(jac[:, inside].T, np.asarray(gradient)[inside], rcond=None)[0],
                      dtype=np.float64)


def _restore(constraints: Callable[[Vector], tuple[Vector, NDArray[np.float64]]], x: Vector, c: Vector,
             jac: NDArray[np.float64], lower: Vector, upper: Vector, tol: float,
             steps: int = 5) -> tuple[Vector, float, NDArray[np.float64]]:
    """Gauss–Newton steps onto ``c = 0`` (least-norm, in the parameters inside their bounds) from a point the
    augmented Lagrangian left within rounding of the optimum but short of the constraint tolerance."""
    violation = float(np.max(np.abs(c))) if len(c) else 0.0
    for _ in range(steps):
        if violation <= tol:
            break
        inside = (x - lower > 1e-12) & (upper - x > 1e-12)
        if not inside.any():
            break
        step = np.zeros_like(x)
        step[inside] = -np.linalg.lstsq(np.asarray(jac)[:, inside], c, rcond=None)[0]
        trial = np.clip(x + step, lower, upper)
        c_trial, jac_trial = constraints(trial)
        v_trial = float(np.max(np.abs(c_trial)))
        if not v_trial < violation:
            break
        x, c, jac, violation = trial, c_trial, jac_trial, v_trial
    return x, violation, jac


def augmented_lagrangian(
    fun: Callable[[Vector], tuple[float, Vector]],
    constraints: Callable[[Vector], tuple[Vector, NDArray[np.float64]]],
    x0: Vector,
    lower: Vector,
    upper: Vector,
    *,
    tol: float,
    kkt_tol: float,
    rho: float = 10.0,
    growth: float = 10.0,
    max_outer: int = 40,
    max_inner: int = 2000,
    max_calls: int | None = None,
    memory: int = 30,
) -> Constrained:
    """Minimise ``fun`` subject to ``constraints(x) = 0`` within ``[lower, upper]``.

    Parameters
    ----------
    fun
        ``x -> (f, ∇f)``.
    constraints
        ``x -> (c, J)``: the m constraint values and their Jacobian (m, n).
    x0, lower, upper
        Start and bounds (the start is clipped into them).
    tol, kkt_tol
        Stopping rule: ``‖c‖∞ ≤ tol`` and the Lagrangian's projected gradient ``≤ kkt_tol``.
    rho, growth
        The first penalty and its growth factor when ``‖c‖`` falls too slowly.
    max_outer, max_inner, max_calls
        Budgets: outer iterations, L-BFGS-B iterations per outer iteration, and calls of
        ``fun`` in all (no limit when None).
    memory
        L-BFGS-B's number of correction pairs.

    Returns
    -------
    Constrained
        The last outer iterate; ``diagnostics.converged`` says whether the rule was met,
        ``diagnostics.iterations`` counts calls of ``fun`` (each also calls ``constraints``
        at the same point: a caller caches) and ``history`` the violation per outer iteration.
    """
    begin = time.perf_counter()
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    x = np.clip(np.asarray(x0, dtype=np.float64), lower, upper)
    bounds = list(zip(lower.tolist(), upper.tolist(), strict=True))
    c, jac = constraints(x)
    lam = least_squares_multipliers(fun(x)[1], jac, x, lower, upper)  # the first iteration keeps a warm start
    calls = 0
    history: list[float] = []
    inner_tol = max(1e3 * kkt_tol, 1e-3)
    last = float(np.max(np.abs(c))) if len(c) else 0.0
    violation, kkt = last, np.inf

    def merit(v: Vector) -> tuple[float, Vector]:
        nonlocal calls
        calls += 1
        f, grad = fun(v)
        cv, jv = constraints(v)
        shifted = lam - rho * cv
        return float(f - lam @ cv + 0.5 * rho * cv @ cv), np.asarray(grad) - np.asarray(jv).T @ shifted

    message = "outer iteration budget spent"
    for _ in range(max_outer):
        if max_calls is not None and calls >= max_calls:
            message = f"evaluation budget of {max_calls} spent"
            break
        budget = {} if max_calls is None else {"maxfun": max_calls - calls}
        inner = scipy.optimize.minimize(merit, x, jac=True, method="L-BFGS-B", bounds=bounds,
                                        options={"maxiter": max_inner, "maxcor": memory, "ftol": 0.0,
                                                 "gtol": inner_tol, **budget})
        x = np.clip(inner.x, lower, upper)
        c, jac = constraints(x)
        violation = float(np.max(np.abs(c))) if len(c) else 0.0
        history.append(violation)
        lam = lam - rho * c
        kkt = _kkt(fun, x, jac, lam, lower, upper)
        logger.info("outer %d: %d calls, rho %.0e, violation %.2e, projected gradient %.2e (%s)", len(history), calls,
                    rho, violation, kkt, inner.message)
        if kkt <= kkt_tol:  # first-order conditions met: step onto the constraints (checked again there)
            x, violation, jac = _restore(constraints, x, c, jac, lower, upper, tol)
            kkt = _kkt(fun, x, jac, lam, lower, upper)
            if violation <= tol and kkt <= kkt_tol:
                message = f"converged: constraints within {violation:.1e}, projected gradient {kkt:.1e}"
                break
        if violation > 0.25 * last and violation > kkt_tol:
            rho *= growth
        last = violation
        inner_tol = max(0.1 * kkt_tol, 0.1 * inner_tol)
    converged = violation <= tol and kkt <= kkt_tol
    return Constrained(x=x, multipliers=lam, violation=violation, kkt=kkt,
                       diagnostics=SolverDiagnostics(converged, calls, max(violation, kkt), time.perf_counter() - begin,
                                                     "augmented-lagrangian", history=tuple(history),
                                                     message=message))
