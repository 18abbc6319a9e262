"""The solve strategy every equilibrium model shares: accelerated fixed point, Newton, continuation.

A model supplies a *system* (the :class:`EquilibriumSystem` protocol) and, for
continuation, a way to build the system with a fraction of its shock applied.
Knows nothing of trade: "shock fraction" is just the homotopy parameter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ModelError, SolverDiagnostics
from tariffsim.options import SolverOptions
from tariffsim.solvers.fixed_point import Outcome, anderson
from tariffsim.solvers.newton import newton

__all__ = ["EquilibriumSystem", "continuation", "solve_path", "solve_with_fallbacks"]

Vector = NDArray[np.float64]


class EquilibriumSystem(Protocol):
    """What the strategy needs of a system of equilibrium conditions in the unknowns ``x``."""

    def step(self, x: Vector) -> tuple[Vector, float]:
        """The fixed-point map and the residual at ``x``."""
        ...

    def normalize(self, x: Vector) -> Vector:
        """``x`` moved onto the normalisation (numeraire)."""
        ...

    def newton_residual(self, x: Vector) -> Vector:
        """Square system for Newton (conditions with the normalisation replacing one)."""
        ...

    def jacobian(self, x: Vector) -> NDArray[np.float64]:
        """Jacobian of :meth:`newton_residual`."""
        ...

    def residual(self, x: Vector) -> float:
        """The convergence measure at ``x`` (``inf`` where undefined)."""
        ...


def solve_with_fallbacks(system: EquilibriumSystem, x: Vector, solver: SolverOptions,
                         tried: list[SolverDiagnostics], *, tol: float | None = None,
                         newton_max_iter: int = 100) -> tuple[Vector, SolverDiagnostics] | None:
    """Accelerated fixed point; if it stalls, Newton from its best point.

    Appends every attempt's diagnostics to ``tried``; returns ``(x, diagnostics)``
    of the successful attempt, or ``None``. ``tol`` defaults to ``solver.tol``.
    """
    tol = solver.tol if tol is None else tol
    if solver.method in ("auto", "anderson"):
        out = anderson(system.step, x, tol=tol, max_iter=solver.max_iter, memory=solver.memory,
                       stall_window=60 if solver.method == "auto" else solver.max_iter)
        tried.append(out.diagnostics)
        if out.diagnostics.converged:
            return out.x, out.diagnostics
        if np.all(np.isfinite(out.x)):
            x = out.x
    if solver.method in ("auto", "newton"):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = newton(system.newton_residual, system.jacobian, x,
                         residual=lambda xv, _f: system.residual(xv), tol=tol,
                         max_iter=min(solver.max_iter, newton_max_iter))
        tried.append(out.diagnostics)
        if out.diagnostics.converged:
            return system.normalize(out.x), out.diagnostics
    return None


def continuation(system_at: Callable[[float], EquilibriumSystem], n: int, solver: SolverOptions,
                 tried: list[SolverDiagnostics], *, tol: float | None = None,
                 newton_max_iter: int = 100) -> tuple[Vector, SolverDiagnostics] | None:
    """Follow the solution from fraction 0 (``x = 0``) to the full problem in adaptive steps.

    Each step is solved by :func:`solve_with_fallbacks` from the last solution; a
    failed step is halved (down to 1/4096), a successful one grows by half.
    """
    done, step = 0.0, 0.25
    x = np.zeros(n)
    local = SolverOptions(method="auto", tol=solver.tol, max_iter=min(solver.max_iter, 500),
                          memory=solver.memory, damping=solver.damping)
    diag: SolverDiagnostics | None = None
    while done < 1.0:
        target = min(1.0, done + step)
        attempt: list[SolverDiagnostics] = []
        solved = solve_with_fallbacks(system_at(target), x, local, attempt, tol=tol, newton_max_iter=newton_max_iter)
        tried.extend(attempt)
        if solved is None:
            step /= 2.0
            if step < 1.0 / 4096:
                tried.append(SolverDiagnostics(False, 0, attempt[-1].residual, 0.0, "continuation",
                                               message=f"step collapsed at fraction {done:.4f}"))
                return None
            continue
        x, diag = solved
        done = target
        step = min(1.0, step * 1.5)
    assert diag is not None
    tried.append(SolverDiagnostics(True, 0, diag.residual, 0.0, "continuation", message="reached the full shock"))
    return x, diag


def solve_path(system_at: Callable[[float], EquilibriumSystem], n: int, solver: SolverOptions,
               x0: Vector | None = None, *, tol: float | None = None, newton_max_iter: int = 100) -> Outcome:
    """The whole strategy on a family of systems indexed by the fraction of the problem applied.

    Starts from ``x0`` (or zeros) on the full problem (``system_at(1.0)``): the
    accelerated fixed point, then Newton; with ``method="auto"``, continuation from
    fraction 0 if both fail. Returns an :class:`Outcome` whose diagnostics sum the
    iterations and join the methods of every attempt. On failure ``converged`` is
    false and ``residual`` is the best reached *on the full problem* (continuation's
    steps solve smaller ones); the caller raises.

    Raises
    ------
    ModelError
        When ``x0`` is not a vector of length ``n``.
    """
    start = time.perf_counter()
    system = system_at(1.0)
    if x0 is None:
        x = system.normalize(np.zeros(n))
    else:
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.shape != (n,):
            raise ModelError(f"warm start has shape {x0.shape}; expected ({n},) log wage changes")
        x = system.normalize(x0)
    tried: list[SolverDiagnostics] = []
    solved = solve_with_fallbacks(system, x, solver, tried, tol=tol, newton_max_iter=newton_max_iter)
    full_problem = list(tried)
    if solved is None and solver.method == "auto":
        solved = continuation(system_at, n, solver, tried, tol=tol, newton_max_iter=newton_max_iter)
    iterations = sum(d.iterations for d in tried)
    methods = "+".join(dict.fromkeys(d.method for d in tried))
    if solved is None:
        return Outcome(x=x, diagnostics=SolverDiagnostics(
            False, iterations, min(d.residual for d in full_problem), time.perf_counter() - start, methods,
            message="; ".join(f"{d.method}: {d.message}" for d in tried[-3:])))
    x, diag = solved
    return Outcome(x=x, diagnostics=SolverDiagnostics(True, iterations, diag.residual, time.perf_counter() - start,
                                                      methods, history=diag.history, message=diag.message))
