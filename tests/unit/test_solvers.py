"""Generic solvers: Anderson, Newton, biproportional balancing, the augmented Lagrangian."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim.solvers import anderson, newton
from tariffsim.solvers.augmented import augmented_lagrangian
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


def _sum(x):
    return float(x[0] + x[1]), np.array([1.0, 1.0])


def _circle(x):
    return np.array([x[0] ** 2 + x[1] ** 2 - 2.0]), np.array([[2 * x[0], 2 * x[1]]])


def test_augmented_lagrangian_solves_textbook_problems():
    # Nocedal & Wright (2006), Example 17.1: min x1 + x2 s.t. x1² + x2² = 2 → (−1, −1), multiplier −1/2
    out = augmented_lagrangian(_sum, _circle, np.array([0.5, 0.2]), np.full(2, -5.0), np.full(2, 5.0), tol=1e-12,
                               kkt_tol=1e-10)
    assert out.diagnostics.converged
    np.testing.assert_allclose(out.x, [-1.0, -1.0], atol=1e-9)
    assert out.multipliers[0] == pytest.approx(-0.5, abs=1e-9)
    assert out.violation <= 1e-12 and out.kkt <= 1e-10

    # an active bound: min (x1 − 2)² + (x2 − 1)² s.t. x1 + x2 = 1, x1 ≤ 0.5 → (0.5, 0.5), multiplier −1 (from the
    # free x2: 2(x2 − 1) = λ), and x1 held by its bound (2(x1 − 2) − λ = −2 < 0)
    def g(x):
        return float((x[0] - 2) ** 2 + (x[1] - 1) ** 2), np.array([2 * (x[0] - 2), 2 * (x[1] - 1)])

    def line(x):
        return np.array([x[0] + x[1] - 1.0]), np.array([[1.0, 1.0]])

    out = augmented_lagrangian(g, line, np.zeros(2), np.array([-5.0, -5.0]), np.array([0.5, 5.0]), tol=1e-12,
                               kkt_tol=1e-10)
    assert out.diagnostics.converged
    np.testing.assert_allclose(out.x, [0.5, 0.5], atol=1e-10)
    assert out.multipliers[0] == pytest.approx(-1.0, abs=1e-9)


def test_augmented_lagrangian_reports_non_convergence_without_raising():
    out = augmented_lagrangian(_sum, _circle, np.array([0.5, 0.2]), np.full(2, -5.0), np.full(2, 5.0), tol=1e-12,
                               kkt_tol=1e-10, max_outer=1)
    assert not out.diagnostics.converged
    assert out.diagnostics.residual > 1e-10
    out = augmented_lagrangian(_sum, _circle, np.array([0.5, 0.2]), np.full(2, -5.0), np.full(2, 5.0), tol=1e-12,
                               kkt_tol=1e-10, max_calls=5)
    assert not out.diagnostics.converged
    assert out.diagnostics.iterations <= 6 and "budget" in out.diagnostics.message
