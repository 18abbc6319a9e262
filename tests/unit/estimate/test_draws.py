"""Coefficient draws: reproducible from explicit seeds, distributed as N(β̂, V̂)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tariffsim.errors import ModelError
from tariffsim.estimate import GravitySpec, draw_coefficients, ppml
from tests.unit.estimate._panels import panel


@pytest.fixture(scope="module")
def fit():
    frame, _ = panel(np.random.default_rng(5), countries=6, years=3)
    frame["rta_late"] = frame["rta"] * (frame["year"] == 2002)
    return ppml(frame, "rta + rta_late", spec=GravitySpec(pair="pair"))


def test_same_seed_same_draws(fit):
    first = draw_coefficients(fit, 50, seed=2016)
    again = draw_coefficients(fit, 50, seed=np.random.SeedSequence(2016))
    np.testing.assert_array_equal(first.values, again.values)
    assert first.entropy == 2016 and first.spawn_key == ()
    other = draw_coefficients(fit, 50, seed=2017)
    assert not np.array_equal(first.values, other.values)


def test_spawned_children_are_distinct_and_reproducible(fit):
    children = np.random.SeedSequence(99).spawn(2)
    a = draw_coefficients(fit, 20, seed=children[0])
    b = draw_coefficients(fit, 20, seed=children[1])
    assert not np.array_equal(a.values, b.values)
    rebuilt = draw_coefficients(fit, 20, seed=np.random.SeedSequence(99).spawn(2)[1])
    np.testing.assert_array_equal(b.values, rebuilt.values)
    assert b.spawn_key == (1,)


@pytest.mark.parametrize("seed", range(5))
def test_draws_have_the_estimated_mean_and_covariance(fit, seed):
    draws = draw_coefficients(fit, 20_000, seed=seed)
    se = np.sqrt(np.diag(fit.cov))
    # the sample mean is within 4 standard errors of the mean (sd / sqrt(n))
    assert np.all(np.abs(draws.values.mean(axis=0) - fit.coef) < 4 * se / np.sqrt(20_000))
    np.testing.assert_allclose(np.cov(draws.values, rowvar=False), fit.cov, rtol=0.05, atol=0.05 * se.max() ** 2)


def test_subset_and_accessors(fit):
    draws = draw_coefficients(fit, 3, seed=1, variables=["rta"])
    assert draws.variables == ("rta",) and draws.values.shape == (3, 1)
    assert list(draws.frame().columns) == ["rta"]
    assert set(draws.coefficients(2)) == {"rta"}
    with pytest.raises(ModelError, match="out of range"):
        draws.coefficients(3)
    with pytest.raises(ValueError):
        draws.values[0, 0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"seed": None}, "explicit seed"), ({"seed": np.random.default_rng(1)}, "explicit seed"),
     ({"seed": 1, "variables": ["nope"]}, "unknown coefficients"), ({"seed": 1, "draws": 0}, "positive")],
)
def test_bad_requests(fit, kwargs, fragment):
    arguments = {"draws": 5, **kwargs}
    with pytest.raises(ModelError, match=fragment):
        draw_coefficients(fit, **arguments)


def test_a_covariance_that_is_not_psd_is_refused(fit):
    bad = dataclasses.replace(fit, cov=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ModelError, match="positive semi-definite"):
        draw_coefficients(bad, 5, seed=1)
