"""Public test helpers: hypothesis strategies for valid Worlds and shocks, and assertions.

Downstream code (and tariffsim's own tests) can generate small valid worlds::

    from hypothesis import given
    from tariffsim.testing import worlds

    @given(worlds())
    def test_something(world): ...
"""

from tariffsim.testing.assertions import assert_equilibrium_identities
from tariffsim.testing.strategies import random_io_world, random_world, scenarios, shocks, worlds

__all__ = [
    "assert_equilibrium_identities",
    "random_io_world",
    "random_world", "scenarios", "shocks", "worlds"]
