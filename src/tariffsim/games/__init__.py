"""Games: optimal tariffs, best responses and Nash tariffs (trade wars) on every GE model family.

A :class:`Player` is an :class:`Instrument` (what a government controls) and an
:class:`Objective` (what it maximises). :func:`optimal_tariffs` and
:func:`best_response` solve one government's problem with exact gradients through
the equilibrium (:mod:`tariffsim.games.derivatives`); :func:`nash_tariffs` iterates
best responses to a trade war's end; :func:`nash_foc` solves Lashkaripour's (2021) one-shot
system of first-order conditions for uniform tariffs instead (gravity family).
:func:`calibrate_weights` finds Ossa's (2014) political-economy weights λ.

Trade talks: :func:`cooperative_tariffs` (Ossa's equal-gains cooperation) and
:func:`efficient_frontier`; :func:`nash_bargain` over a stated set of instruments with a
threat point; :func:`position_gap` (two negotiating positions side by side); and
:func:`find_target` (what moves a bilateral balance by a stated amount). :func:`run_talks`
answers a whole talks case.
"""

from tariffsim.games.bargaining import (
    Bargain,
    PurchaseLever,
    ThreatPoint,
    bilateral_instruments,
    nash_bargain,
    threat_point,
)
from tariffsim.games.calibration import (
    Weights,
    calibrate_weights,
    caps_for,
    foc_weights,
    heuristic_weights,
    target_pattern,
    weight_array,
)
from tariffsim.games.cooperative import CooperativeTariffs, Frontier, cooperative_tariffs, efficient_frontier
from tariffsim.games.derivatives import equilibrium_jacobian
from tariffsim.games.gap import Gap, Position, SplitPoint, evaluate_position, position_gap
from tariffsim.games.instruments import DEFAULT_UPPER, BoundInstrument, Instrument
from tariffsim.games.lashkaripour import FocNash, formula_tariffs, nash_foc, uniform_profile
from tariffsim.games.nash import NashTariffs, WarError, nash_tariffs
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import OptimalTariffs, Player, best_response, kkt_residual, optimal_tariffs
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.games.talks import TALKS_CASES, TalksCase, TalksRun, run_talks
from tariffsim.games.targets import TargetInstrument, TargetResult, UnreachableTarget, find_target, reciprocal_tariff

__all__ = [
    "DEFAULT_UPPER",
    "TALKS_CASES",
    "Bargain",
    "BoundInstrument",
    "CooperativeTariffs",
    "FocNash",
    "Frontier",
    "GameSystem",
    "Gap",
    "Instrument",
    "NashTariffs",
    "Objective",
    "OptimalTariffs",
    "Player",
    "Position",
    "PurchaseLever",
    "SplitPoint",
    "TalksCase",
    "TalksRun",
    "TargetInstrument",
    "TargetResult",
    "ThreatPoint",
    "UnreachableTarget",
    "WarError",
    "Weights",
    "best_response",
    "bilateral_instruments",
    "calibrate_weights",
    "caps_for",
    "cooperative_tariffs",
    "efficient_frontier",
    "equilibrium_jacobian",
    "evaluate_position",
    "find_target",
    "foc_weights",
    "formula_tariffs",
    "game_system",
    "heuristic_weights",
    "kkt_residual",
    "nash_bargain",
    "nash_foc",
    "nash_tariffs",
    "optimal_tariffs",
    "position_gap",
    "reciprocal_tariff",
    "run_talks",
    "target_pattern",
    "threat_point",
    "uniform_profile",
    "weight_array",
]
