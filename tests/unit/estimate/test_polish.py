"""Balancing fixed effects to the PPML adding-up constraints.

Expected values: the two-way case is biproportional scaling (tariffsim.solvers.balancing,
an independent routine) and the constraints themselves (identities).
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim.errors import ConvergenceError, ModelError
from tariffsim.estimate import adding_up_residual, balance_fixed_effects
from tariffsim.solvers.balancing import biproportional


def test_two_way_balancing_is_biproportional_scaling():
    rng = np.random.default_rng(11)
    n = 9
    kernel = np.exp(rng.normal(0.0, 1.0, (n, n)))
    flows = rng.gamma(2.0, 50.0, (n, n))
    rows, cols = flows.sum(axis=1), flows.sum(axis=0)
    a, b, diag = biproportional(kernel, rows, cols, tol=1e-14)
    assert diag.converged
    exporter, importer = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    out = balance_fixed_effects(flows.ravel(), np.log(kernel).ravel(), [exporter.ravel(), importer.ravel()])
    np.testing.assert_allclose(out.fitted.reshape(n, n), a[:, None] * kernel * b[None, :], rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_three_way_constraints_hold(seed):
    rng = np.random.default_rng(seed)
    n_obs = 600
    codes = [rng.integers(0, size, n_obs) for size in (12, 15, 40)]
    codes = [np.unique(c, return_inverse=True)[1] for c in codes]  # every level used
    y = rng.poisson(np.exp(rng.normal(1.0, 1.0, n_obs))).astype(float)
    for c in codes:  # no level with a zero total
        y[np.flatnonzero(np.bincount(c, weights=y)[c] == 0)] = 1.0
    xi = rng.normal(0.0, 2.0, n_obs)
    out = balance_fixed_effects(y, xi, codes)
    assert out.residual < 1e-10
    assert adding_up_residual(y, out.fitted, codes) == pytest.approx(out.residual)
    for c in codes:
        np.testing.assert_allclose(np.bincount(c, weights=out.fitted), np.bincount(c, weights=y), rtol=1e-10)
    eta = xi + sum(effect[c] for effect, c in zip(out.effects, codes, strict=True))
    np.testing.assert_allclose(np.exp(eta), out.fitted, rtol=1e-12)
    assert out.diagnostics.converged and not out.fitted.flags.writeable


def test_a_level_with_zero_outcome_is_refused():
    y = np.array([0.0, 0.0, 1.0, 2.0])
    codes = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    with pytest.raises(ModelError, match="zero throughout"):
        balance_fixed_effects(y, np.zeros(4), codes)


def test_budget_exhaustion_raises():
    rng = np.random.default_rng(2)
    codes = [rng.integers(0, 20, 500), rng.integers(0, 20, 500), rng.integers(0, 60, 500)]
    codes = [np.unique(c, return_inverse=True)[1] for c in codes]
    y = rng.poisson(5.0, 500).astype(float) + 1.0
    with pytest.raises(ConvergenceError):
        balance_fixed_effects(y, rng.normal(0.0, 3.0, 500), codes, max_iter=2)


def test_shapes_are_checked():
    with pytest.raises(ModelError, match="shape"):
        balance_fixed_effects(np.ones(3), np.zeros(4), [np.zeros(3, dtype=int)])


def test_no_fixed_effects_is_the_linear_predictor():
    out = balance_fixed_effects(np.array([1.0, 2.0]), np.array([0.0, 1.0]), [])
    np.testing.assert_allclose(out.fitted, np.exp([0.0, 1.0]))
    assert out.effects == () and out.residual == 0.0
