"""Generic solvers: Anderson, Newton, biproportional balancing."""

from __future__ import annotations

import numpy as np

from tariffsim.solvers import anderson, newton
from tariffsim.solvers.balancing import biproportional


def test_anderson_solves_a_linear_contraction_faster_than_plain_iteration():
    rng = np.random.default_rng(3)
    A = rng.uniform(-1, 1, size=(20, 20))
    A *= 0.95 / np.max(np.abs(np.linalg.eigvals(A)))
    b = rng.normal(size=20)
    exact = np.linalg.solve(np.eye(20) - A, b)

    def step(x):
        g = A @ x + b
        return g, float(np.max(np.abs(g - x)))

    fast = anderson(step, np.zeros(20), tol=1e-12, max_iter=500, memory=6)
    plain = anderson(step, np.zeros(20), tol=1e-12, max_iter=5000, memory=0, stall_window=5000)
    assert fast.diagnostics.converged and plain.diagnostics.converged
    np.testing.assert_allclose(fast.x, exact, atol=1e-10)
    assert fast.diagnostics.iterations < plain.diagnostics.iterations / 3


def test_anderson_reports_non_convergence_without_raising():
    def step(x):
        return x + 1.0, 1.0

    out = anderson(step, np.zeros(3), tol=1e-9, max_iter=20, memory=0, stall_window=5)
    assert not out.diagnostics.converged
    assert "stalled" in out.diagnostics.message


def test_newton_finds_the_root_quadratically():
    def f(x):
        return np.array([x[0] ** 2 + x[1] ** 2 - 4.0, x[0] - x[1]])

    def j(x):
        return np.array([[2 * x[0], 2 * x[1]], [1.0, -1.0]])

    out = newton(f, j, np.array([1.0, 0.5]), residual=lambda x, fx: float(np.max(np.abs(fx))), tol=1e-14)
    assert out.diagnostics.converged
    np.testing.assert_allclose(out.x, [np.sqrt(2), np.sqrt(2)], rtol=1e-14)
    assert out.diagnostics.iterations <= 8


def test_biproportional_meets_margins():
    rng = np.random.default_rng(5)
    K = rng.lognormal(size=(8, 6))
    K[0, 3] = 0.0
    rows = rng.uniform(1, 5, size=8)
    cols = rng.uniform(1, 5, size=6)
    cols *= rows.sum() / cols.sum()
    a, b, diag = biproportional(K, rows, cols)
    assert diag.converged
    X = a[:, None] * K * b[None, :]
    np.testing.assert_allclose(X.sum(axis=1), rows, rtol=1e-12)
    np.testing.assert_allclose(X.sum(axis=0), cols, rtol=1e-12)


def test_biproportional_refuses_inconsistent_totals():
    _a, _b, diag = biproportional(np.ones((2, 2)), np.array([1.0, 1.0]), np.array([1.0, 2.0]))
    assert not diag.converged
    assert "totals differ" in diag.message
