"""Games: optimal tariffs, best responses and Nash tariffs (trade wars) on every GE model family.

A :class:`Player` is an :class:`Instrument` (what a government controls) and an
:class:`Objective` (what it maximises). :func:`optimal_tariffs` and
:func:`best_response` solve one government's problem with exact gradients through
the equilibrium (:mod:`tariffsim.games.derivatives`); :func:`nash_tariffs` iterates
best responses to a trade war's end.
"""

from tariffsim.games.derivatives import equilibrium_jacobian
from tariffsim.games.instruments import DEFAULT_UPPER, BoundInstrument, Instrument
from tariffsim.games.nash import NashTariffs, WarError, nash_tariffs
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import OptimalTariffs, Player, best_response, kkt_residual, optimal_tariffs
from tariffsim.games.systems import GameSystem, game_system

__all__ = [
    "DEFAULT_UPPER",
    "BoundInstrument",
    "GameSystem",
    "Instrument",
    "NashTariffs",
    "Objective",
    "OptimalTariffs",
    "Player",
    "WarError",
    "best_response",
    "equilibrium_jacobian",
    "game_system",
    "kkt_residual",
    "nash_tariffs",
    "optimal_tariffs",
]
