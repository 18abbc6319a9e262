"""Designs: quadrature against closed-form moments, Monte Carlo seeds per draw, Latin hypercube strata, grids."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tariffsim.errors import ModelError
from tariffsim.uncertainty import Choice, Grid, LatinHypercube, MonteCarlo, Normal, Quadrature, Uniform
from tariffsim.uncertainty.designs import gauss_tensor, stroud3
from tariffsim.uncertainty.parameters import _LawBlock
from tariffsim.uncertainty.run import quantile_table


def block(*laws, centres=None, names=None):
    """Independent columns with these laws (centres 0 unless given)."""
    names = names or tuple(f"p{k}" for k in range(len(laws)))
    return _LawBlock(names=tuple(names), laws=tuple(laws), centres=tuple(centres or (0.0,) * len(laws)),
                     target=tuple(range(len(laws))), kinds=tuple("number" for _ in laws))


def normal_moment(power: int) -> float:
    """E[z^p] for a standard normal z: 0 for odd p, (p − 1)!! for even p."""
    return 0.0 if power % 2 else float(math.prod(range(power - 1, 0, -2)))


@pytest.mark.parametrize("dims", [1, 2, 3, 4, 5, 7])
def test_stroud3_integrates_every_monomial_of_degree_three_exactly(dims):
    nodes, weights = stroud3(dims)
    assert nodes.shape == (2 * dims, dims)
    assert weights.sum() == pytest.approx(1.0)
    for degree in range(4):
        for powers in itertools.product(range(degree + 1), repeat=dims):
            if sum(powers) != degree:
                continue
            rule = float(weights @ np.prod(nodes ** np.array(powers), axis=1))
            exact = math.prod(normal_moment(p) for p in powers)  # independent coordinates
            assert rule == pytest.approx(exact, abs=1e-12), powers
    assert np.abs(nodes).max() <= math.sqrt(2) + 1e-12  # inside a unit-variance uniform's support, ±√3


def test_gauss_tensor_gives_the_mean_and_variance_of_a_polynomial_of_normal_parameters():
    """p1 ~ N(1, 0.5²), p2 ~ N(−2, 0.3²); f = 3 + 2·p1 + p2² + p1·p2 has degree 2, f² degree 4 ≤ 2·3 − 1."""
    mu1, s1, mu2, s2 = 1.0, 0.5, -2.0, 0.3
    design = Quadrature(rule="gauss", order=3)
    points = design.points([block(Normal(s1, mean=mu1), Normal(s2, mean=mu2))], np.random.SeedSequence(0))
    assert points.n == 9
    p1, p2 = points.values.T
    f = 3 + 2 * p1 + p2 ** 2 + p1 * p2
    stats = quantile_table(f[:, None], np.ones(points.n, dtype=bool), points.weights)
    # closed form with p1 = mu1 + s1·z1, p2 = mu2 + s2·z2: expand and use E[z] = 0, E[z²] = 1, E[z⁴] = 3
    mean = 3 + 2 * mu1 + (mu2 ** 2 + s2 ** 2) + mu1 * mu2
    # f − E f = a·z1 + b·z2 + c·(z2² − 1) + d·z1·z2 with uncorrelated terms
    a, b, c, d = 2 * s1 + s1 * mu2, 2 * mu2 * s2 + mu1 * s2, s2 ** 2, s1 * s2
    variance = a ** 2 + b ** 2 + 2 * c ** 2 + d ** 2
    assert stats["mean"][0] == pytest.approx(mean, rel=1e-12)
    assert stats["sd"][0] ** 2 == pytest.approx(variance, rel=1e-10)


def test_gauss_legendre_for_uniform_parameters_matches_the_uniform_moments():
    """p ~ U(1, 4): E p⁴ = (4⁵ − 1⁵) / (5 · 3) exactly with 3 points (degree 4 ≤ 5)."""
    points = Quadrature(rule="gauss", order=3).points([block(Uniform(1.0, 4.0))], np.random.SeedSequence(0))
    assert float(points.weights @ points.values[:, 0] ** 4) == pytest.approx((4 ** 5 - 1) / 15, rel=1e-12)
    assert points.values.min() >= 1.0 and points.values.max() <= 4.0


def test_stroud3_gives_the_exact_variance_of_a_linear_function_in_2n_solves():
    laws = (Normal(0.2, mean=5.0), Uniform(2.0, 6.0), Normal(1.5, mean=-1.0))
    points = Quadrature().points([block(*laws)], np.random.SeedSequence(0))
    assert points.n == 6  # GTAP's ~2N solves
    coefficients = np.array([1.0, -3.0, 0.5])
    f = points.values @ coefficients
    stats = quantile_table(f[:, None], np.ones(points.n, dtype=bool), points.weights)
    variances = np.array([0.2 ** 2, (6.0 - 2.0) ** 2 / 12, 1.5 ** 2])
    assert stats["mean"][0] == pytest.approx(coefficients @ np.array([5.0, 4.0, -1.0]), rel=1e-12)
    assert stats["sd"][0] == pytest.approx(math.sqrt(coefficients ** 2 @ variances), rel=1e-12)


def test_a_failed_quadrature_point_leaves_no_statistic():
    points = Quadrature().points([block(Normal(1.0))], np.random.SeedSequence(0))
    stats = quantile_table(points.values, np.array([True, False]), points.weights)
    assert all(np.isnan(v).all() for v in stats.values())


def test_quadrature_refuses_choices():
    with pytest.raises(ModelError, match="continuous"):
        Quadrature().points([block(Choice([1.0, 2.0]))], np.random.SeedSequence(0))


def test_a_monte_carlo_draw_depends_on_the_seed_and_its_index_only():
    laws = block(Normal(1.0), Uniform(0.0, 1.0))
    few = MonteCarlo(5).points([laws], np.random.SeedSequence(7)).values
    many = MonteCarlo(50).points([laws], np.random.SeedSequence(7)).values
    np.testing.assert_array_equal(few, many[:5])
    seed = np.random.SeedSequence(7)
    np.testing.assert_array_equal(MonteCarlo(5).points([laws], seed).values,
                                  MonteCarlo(5).points([laws], seed).values)  # spawning does not use the seed up
    other = MonteCarlo(5).points([laws], np.random.SeedSequence(8)).values
    assert not np.allclose(few, other)
    # draw k is drawn from its own child sequence
    child = np.random.SeedSequence(7).spawn(5)[3]
    u = np.random.default_rng(child).random(2)
    assert few[3, 1] == pytest.approx(u[1])


def test_a_latin_hypercube_puts_one_point_in_each_stratum_of_every_coordinate():
    n = 40
    values = LatinHypercube(n).points([block(Uniform(0.0, 1.0), Uniform(0.0, 1.0), Uniform(0.0, 1.0))],
                                      np.random.SeedSequence(1)).values
    for column in values.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


def test_a_grid_takes_each_choice_once_and_mid_quantiles_of_continuous_laws():
    points = Grid(levels=2).points([block(Choice([1.0, 2.0, 3.0]), Uniform(0.0, 4.0))], np.random.SeedSequence(0))
    assert points.n == 6
    assert sorted(set(points.values[:, 0])) == [1.0, 2.0, 3.0]
    assert sorted(set(points.values[:, 1])) == [1.0, 3.0]  # u = 0.25, 0.75


def test_gauss_tensor_refuses_too_many_points():
    with pytest.raises(ModelError, match="stroud3"):
        gauss_tensor(["hermite"] * 12, 10)


def test_quantiles_leave_out_missing_values_as_numpy_does():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(37, 50))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 3] = np.nan  # a column without any value
    values[1:, 4] = np.nan  # a column with one
    from tariffsim.uncertainty.run import nan_quantile

    for p in (0.05, 0.5, 0.95):
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
            expected = np.nanquantile(values, p, axis=0)
        np.testing.assert_allclose(nan_quantile(values, p), expected, rtol=1e-13, equal_nan=True)
