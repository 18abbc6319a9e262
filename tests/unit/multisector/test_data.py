"""Calibration of the multi-sector model: every baseline share read off a World, checked by its definition."""

from __future__ import annotations

import numpy as np

from tariffsim.models.multisector.data import calibrate
from tariffsim.testing import random_io_world, random_world


def test_calibration_reads_the_world(rng):
    world = random_io_world(rng, 5, 4, non_traded=1)
    cal = calibrate(world)
    n, s = 5, 4
    assert cal.lam.shape == (s, n, n) and cal.alpha.shape == (s, n) and cal.input_shares.shape == (n, s, s)
    np.testing.assert_allclose(cal.lam.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(cal.alpha.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(cal.alpha, world.final_shares.T)
    np.testing.assert_allclose(cal.beta, world.value_added_share.T)
    np.testing.assert_allclose(cal.input_shares, world.io_shares * (1.0 - world.value_added_share)[:, None, :])
    np.testing.assert_allclose(cal.value_added, world.value_added)
    np.testing.assert_allclose(cal.income, world.value_added + world.tariff_revenue + world.deficit)
    np.testing.assert_allclose(cal.flows(), np.transpose(world.flows, (2, 0, 1)), rtol=1e-13, atol=1e-300)
    assert abs(cal.deficit.sum()) < 1e-10 * cal.value_added.sum()


def test_spending_is_intermediate_plus_final_demand(rng):
    world = random_io_world(rng, 6, 3)
    cal = calibrate(world)
    intermediate = np.einsum("jsk,kj->sj", cal.input_shares, cal.sector_output)
    np.testing.assert_allclose(cal.spending, intermediate + cal.alpha * cal.income[None, :], rtol=1e-10)


def test_a_world_without_input_output_links_has_beta_one(rng):
    world = random_world(rng, 4, 2)
    cal = calibrate(world)
    assert np.all(cal.beta == 1.0) and np.all(cal.gamma == 0.0) and np.all(cal.input_shares == 0.0)
    np.testing.assert_allclose(cal.value_added, world.output)
    np.testing.assert_allclose(cal.income, world.expenditure)
