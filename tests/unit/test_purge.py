"""The deficit purge every family offers (models/_purge.py): balanced, cached per family, the same where
the families coincide."""

from __future__ import annotations

import numpy as np

from tariffsim.models.gravity import purge_deficits as gravity_purge
from tariffsim.models.multisector import purge_deficits as multisector_purge
from tariffsim.testing.strategies import random_world


def _world(seed: int = 3):
    return random_world(np.random.default_rng(seed), 5, 2)


def test_a_purged_world_is_balanced_and_keeps_the_tariffs():
    world = _world()
    assert np.abs(world.deficit).max() > 1e-3 * world.flows.sum() / world.n_countries  # something to purge
    purged = gravity_purge(world)
    # identity: deficits are expenditure minus output; zero to solver tolerance relative to output
    assert np.abs(purged.deficit).max() < 1e-8 * purged.flows.sum()
    np.testing.assert_array_equal(purged.tariffs, world.tariffs)
    assert "zero deficits" in purged.sources["deficits"]
    assert purged.name.endswith("(deficits purged)")


def test_the_purge_is_cached_per_family_and_a_balanced_world_comes_back_as_it_is():
    world = _world(4)
    first = gravity_purge(world)
    assert gravity_purge(world) is first
    other = multisector_purge(world)
    assert other is not first  # each family keys its own purge
    assert "multisector model" in other.sources["deficits"]
    assert gravity_purge(first) is first  # already balanced


def test_gravity_and_multisector_purges_agree_without_input_output_links():
    # Without input-output links the multisector model is the gravity model (tests/equivalence), so the
    # balanced baselines the two purges find are the same flows.
    world = _world(5)
    np.testing.assert_allclose(multisector_purge(world).flows, gravity_purge(world).flows, rtol=1e-7)
