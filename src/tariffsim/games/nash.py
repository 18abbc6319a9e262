"""Nash tariffs: where a trade war ends, by iterating best responses.

Each round every player chooses its best response (:func:`~tariffsim.games.best_response`)
to the current profile — all from the same profile (``"simultaneous"``, Jacobi) or
each seeing the players before it (``"sequential"``, Gauss–Seidel) — optionally
damped, ``p ← p + d·(BR(p) − p)``. The first round tries several starts per player;
later rounds start from the player's previous choice. The war has ended when the
largest change of any player's tariff in a round is below ``tol`` (1e-5; Ossa's own
code stopped on a mean change below 1e-2). A war that has not ended after
``max_rounds`` raises :class:`~tariffsim.errors.ConvergenceError` carrying the
round-by-round history.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.optimal import OptimalTariffs, Player, best_response
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.models import simulate
from tariffsim.options import SolverOptions, check_choice
from tariffsim.results import Result
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["NashTariffs", "WarError", "nash_tariffs", "Update"]

FloatArray = NDArray[np.float64]
Update = Literal["simultaneous", "sequential"]


class WarError(ConvergenceError):
    """A trade war whose best-response iteration did not settle; ``history`` holds the rounds."""

    def __init__(self, message: str, diagnostics: SolverDiagnostics, history: pd.DataFrame) -> None:
        super().__init__(message, diagnostics)
        self.history = history


@dataclass(frozen=True, eq=False)
class NashTariffs:
    """The end of a trade war.

    Attributes
    ----------
    players
        The players, in update order.
    profile
        Every tariff at the Nash equilibrium, (N, N, S).
    tariffs
        ``importer, exporter, sector, tariff`` for every cell a player controls.
    result
        The equilibrium at the Nash profile (changes from the World the war starts in).
    responses
        Each player's last best response (with its KKT residual and starts).
    objectives
        ``country, objective_start, objective_nash, change_pct``: each player's objective
        at the start and at the end of the war.
    history
        One row per (round, player): ``round, player, max_change, objective``.
    diagnostics
        Rounds, the last round's largest change, seconds.
    """

    players: tuple[Player, ...]
    profile: FloatArray
    tariffs: pd.DataFrame
    result: Result
    responses: dict[str, OptimalTariffs]
    objectives: pd.DataFrame
    history: pd.DataFrame
    diagnostics: SolverDiagnostics


def nash_tariffs(
    world: World | GameSystem,
    players: Sequence[Player],
    *,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    profile: FloatArray | None = None,
    update: Update = "simultaneous",
    damping: float = 1.0,
    tol: float = 1e-5,
    max_rounds: int = 100,
    kkt_tol: float = 1e-6,
    progress: Any = None,
) -> NashTariffs:
    """Nash tariffs of ``players`` by best-response iteration.

    Parameters
    ----------
    world
        Baseline World (or a game system). Non-players keep their tariffs.
    players
        At least one :class:`Player`; each country at most once.
    profile
        Starting tariffs (N, N, S); default the World's.
    update
        ``"simultaneous"`` or ``"sequential"``.
    damping
        Step towards the best response, in (0, 1].
    tol
        Largest change of any controlled tariff in a round at which the war has ended.
    max_rounds
        Round budget.
    kkt_tol
        Tolerance of each best response.
    progress
        Optional callable ``progress(round, player, max_change)`` after each best response.

    Raises
    ------
    ConvergenceError
        (``WarError``, with ``.history``) when the iteration does not settle.
    """
    begin = time.perf_counter()
    check_choice(update, Update, "update")
    if not (0 < damping <= 1):
        raise ModelError(f"damping must be in (0, 1]; got {damping}")
    if not players:
        raise ModelError("a trade war needs at least one player")
    countries = [p.country for p in players]
    if len(set(countries)) != len(countries):
        raise ModelError(f"each country plays once; got {countries}")
    game = world if not isinstance(world, World) else game_system(world, model, solver=solver)
    base = game.world
    current = np.array(base.tariffs if profile is None else profile, dtype=np.float64)
    bounds = {p.country: p.instrument.bind(base) for p in players}
    params = {p.country: bounds[p.country].read(current) for p in players}
    start_profile = current.copy()
    rows: list[dict[str, Any]] = []
    responses: dict[str, OptimalTariffs] = {}
    largest = np.inf
    for round_ in range(1, max_rounds + 1):
        seen = current.copy()
        new_params: dict[str, FloatArray] = {}
        largest = 0.0
        for player in players:
            c = player.country
            against = seen if update == "simultaneous" else current
            response = best_response(game, player, against, start=params[c], starts="all" if round_ == 1 else "given",
                                     kkt_tol=kkt_tol)
            responses[c] = response
            step = params[c] + damping * (response.params - params[c])
            change = float(np.max(np.abs(step - params[c])))
            largest = max(largest, change)
            new_params[c] = step
            rows.append({"round": round_, "player": c, "max_change": change, "objective": response.objective})
            if update == "sequential":
                current = bounds[c].apply(step, current)
                params[c] = step
            if progress is not None:
                progress(round_, c, change)
        if update == "simultaneous":
            for player in players:
                c = player.country
                current = bounds[c].apply(new_params[c], current)
                params[c] = new_params[c]
        if largest < tol:
            break
    history = pd.DataFrame(rows, columns=["round", "player", "max_change", "objective"])
    seconds = time.perf_counter() - begin
    if largest >= tol:
        raise WarError(f"the trade war did not settle in {max_rounds} rounds (largest tariff change in the last "
                       f"round {largest:.2g} > {tol:g}); try update='sequential' or damping < 1",
                       SolverDiagnostics(False, max_rounds, largest, seconds, f"best responses ({update})"), history)
    tau = getattr(game, "tau_hat", None)
    result = simulate(base, Shock.from_arrays(base, tariffs=current, trade_cost_hat=tau, label="Nash tariffs"),
                      model=game.model, solver=getattr(game, "solver", None))
    tables = [bounds[p.country].table(params[p.country]) for p in players]
    start_values = {p.country: _objective_at(game, p, start_profile) for p in players}
    objectives = pd.DataFrame([{"country": p.country, "objective_start": start_values[p.country],
                                "objective_nash": responses[p.country].objective,
                                "change_pct": 100.0 * (responses[p.country].objective / start_values[p.country] - 1.0)}
                               for p in players])
    return NashTariffs(players=tuple(players), profile=current, tariffs=pd.concat(tables, ignore_index=True),
                       result=result, responses=responses, objectives=objectives, history=history,
                       diagnostics=SolverDiagnostics(True, int(history["round"].max()), largest, seconds,
                                                     f"best responses ({update})",
                                                     message=f"largest change in the last round {largest:.1e}"))


def _objective_at(game: GameSystem, player: Player, tariffs: FloatArray) -> float:
    z, _, _ = game.solve(tariffs, None)
    index = game.world.country_index(player.country)
    if player.objective.kind == "political":
        values = game.political(tariffs, z, player.objective.weight_array(game.world))
    elif player.objective.kind == "custom":
        assert player.objective.function is not None
        return float(player.objective.function(simulate(game.world, Shock.from_arrays(game.world, tariffs=tariffs),
                                                         model=game.model)))
    else:
        values = game.welfare(tariffs, z)
    return float(np.asarray(values).real[index])
