"""The deficit purge every general-equilibrium family offers, with one cache.

Purging (Dekle, Eaton & Kortum 2008) solves a family's model at the baseline policy with
every trade deficit set to zero; the counterfactual flows become a balanced baseline. The
families differ only in that solve: :func:`purged_world` takes it as a function and does
the rest — a World already balanced is returned as it is, the result is named and sourced,
and it is cached by the family, the World's fingerprint, the numeraire and the tolerance
(the newest :data:`CACHE_SIZE` purges).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tariffsim.world import World

__all__ = ["purged_world", "CACHE_SIZE"]

CACHE_SIZE = 16
"""How many purged Worlds are kept (least recently used first out)."""

_PURGED: OrderedDict[tuple[str, str, str, float], World] = OrderedDict()


def purged_world(world: World, balanced_flows: Callable[[], NDArray[np.float64]], *, family: str, numeraire: str,
                 tol: float, model_name: str | None = None) -> World:
    """``world`` with the flows ``balanced_flows()`` returns (the family's solve with zero deficits).

    Parameters
    ----------
    world
        The baseline; returned unchanged when every deficit is already zero (within ``tol`` of world
        spending, so that a purged World purged again stays as it is).
    balanced_flows
        The family's counterfactual flows at the baseline policy with ``D' = 0`` (world layout).
    family, numeraire, tol
        The cache key beside the World's fingerprint.
    model_name
        Named in the purged World's sources (``"(Ossa model)"``), if given.
    """
    key = (family, world.fingerprint, numeraire, tol)
    if key in _PURGED:
        _PURGED.move_to_end(key)
        return _PURGED[key]
    if np.all(np.abs(world.deficit) <= tol * float(np.sum(world.flows))):
        return world  # balanced already (a purged World is, to the solver's tolerance)
    note = "purged: counterfactual with zero deficits" + ("" if model_name is None else f" ({model_name})")
    purged = world.replace(flows=balanced_flows(), name=(world.name + " (deficits purged)").strip(),
                           sources={**world.sources, "deficits": note})
    _PURGED[key] = purged
    while len(_PURGED) > CACHE_SIZE:
        _PURGED.popitem(last=False)
    return purged
