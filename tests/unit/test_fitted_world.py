"""Fitted baselines: PPML adding-up constraints and invariance to fixed-effect scale."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, fitted_world
from tariffsim.testing import random_world


def test_fitted_flows_meet_the_margins(rng):
    world = random_world(rng, 12, 2)
    T = rng.lognormal(size=(12, 12, 2))
    fitted = fitted_world(world, T)
    np.testing.assert_allclose(fitted.flows.sum(axis=1), world.flows.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(fitted.flows.sum(axis=0), world.flows.sum(axis=0), rtol=1e-12)


def test_fitted_flows_are_invariant_to_exporter_and_importer_scaling(rng):
    """Exporter and importer fixed effects absorb any row or column scale of the costs."""
    world = random_world(rng, 9, 1)
    T = rng.lognormal(size=(9, 9))
    scaled = T * rng.uniform(0.1, 10, size=(9, 1)) * rng.uniform(0.1, 10, size=(1, 9))
    np.testing.assert_allclose(fitted_world(world, T).flows, fitted_world(world, scaled).flows, rtol=1e-10)


def test_fitted_flows_with_given_margins(rng):
    world = random_world(rng, 5, 1)
    T = rng.lognormal(size=(5, 5))
    output = rng.uniform(10, 20, size=5)
    spend = rng.uniform(10, 20, size=5)
    fitted = fitted_world(world, T, output=output, expenditure=spend)
    np.testing.assert_allclose(fitted.flows.sum(axis=0)[:, 0], spend, rtol=1e-12)
    np.testing.assert_allclose(fitted.flows.sum(axis=1)[:, 0], output * spend.sum() / output.sum(), rtol=1e-12)
    with pytest.raises(ModelError, match="both"):
        fitted_world(world, T, output=output)


def test_fitted_world_rejects_bad_costs(rng):
    world = random_world(rng, 4, 1)
    with pytest.raises(ModelError, match="shape"):
        fitted_world(world, np.ones((3, 3)))
    with pytest.raises(ModelError, match="finite"):
        fitted_world(world, np.full((4, 4), np.nan))
