"""Optimal tariffs and best responses: one government maximises its objective, others' tariffs fixed.

The problem is ``max_p W_j(z(t(p)), t(p))`` over the instrument's parameters ``p``
within bounds, where ``z(t)`` is the equilibrium. Each evaluation solves the
equilibrium (warm-started from the last) and its exact gradient comes from the
implicit-function theorem (:mod:`tariffsim.games.derivatives`), so a bounded
quasi-Newton method (L-BFGS-B) applies. Several starts are tried — the profile's
own tariffs, ``1/θ`` per sector (the two-country optimal tariff with a small
partner) and the lower bound — because the problem need not be concave (Japan's in
Ossa's data has two local optima); the best is kept and all are reported.

Convergence is judged on the projected gradient (the KKT conditions of a bounded
problem): ``max_k |P(p − ∇W) − p|`` scaled by the objective, below ``kkt_tol``.
An optimum that does not meet it raises :class:`~tariffsim.errors.ConvergenceError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics, TariffsimError
from tariffsim.games.derivatives import equilibrium_jacobian
from tariffsim.games.instruments import BoundInstrument, Instrument
from tariffsim.games.objectives import Objective
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.models import simulate
from tariffsim.options import SolverOptions
from tariffsim.results import Result
from tariffsim.shock import Shock
from tariffsim.solvers.augmented import projected_gradient
from tariffsim.world import World

__all__ = ["OptimalTariffs", "optimal_tariffs", "best_response", "Player", "kkt_residual"]

FloatArray = NDArray[np.float64]

_SCALE_FLOOR = 1e-4
"""Smallest preconditioning scale: curvatures below 1e-8 of the largest are treated as 1e-8."""
_RESTARTS = 3
"""Fresh L-BFGS-B runs from where the last stopped when it stopped on its objective-change rule with
the projected gradient still above ``kkt_tol`` (near the optimum the objective, a hat close to 1,
changes by less than its rounding)."""
_GTOL = 0.1
"""L-BFGS-B's gradient tolerance as a fraction of ``kkt_tol`` (in the preconditioned variables, where
every scale is at most 1, so the stated KKT tolerance holds with room to spare)."""


@dataclass(frozen=True)
class Player:
    """A government in a game: its instrument and its objective."""

    instrument: Instrument
    objective: Objective = field(default_factory=Objective.welfare)

    @property
    def country(self) -> str:
        return self.instrument.importer


@dataclass(frozen=True, eq=False)
class OptimalTariffs:
    """A player's optimal tariffs (or best response) given everyone else's.

    Attributes
    ----------
    player
        Who chose.
    params
        The chosen parameters, (P,), fractions.
    tariffs
        ``importer, exporter, sector, tariff`` for every controlled cell.
    profile
        The whole tariff array at the optimum, (N, N, S).
    result
        The equilibrium at the optimum, as a :class:`~tariffsim.results.Result`
        (changes measured from the World the game is played on).
    objective_start, objective
        The player's objective (hat: 1 = unchanged) at the profile it started from
        and at the optimum.
    kkt_residual
        The projected-gradient residual at the optimum.
    starts
        One row per start: ``start, objective, kkt_residual, iterations, converged``.
    diagnostics
        Iterations (equilibrium solves), seconds, method.
    """

    player: Player
    params: FloatArray
    tariffs: pd.DataFrame
    profile: FloatArray
    result: Result
    objective_start: float
    objective: float
    kkt_residual: float
    starts: pd.DataFrame
    diagnostics: SolverDiagnostics
    z: FloatArray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def gain_pct(self) -> float:
        """Gain in the player's objective over its starting profile, percent."""
        return 100.0 * (self.objective / self.objective_start - 1.0)


def kkt_residual(params: FloatArray, gradient: FloatArray, bounds: list[tuple[float, float]]) -> float:
    """``max_k |clip(p_k + g_k) − p_k|`` for maximising: zero at a bounded stationary point."""
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])
    return projected_gradient(np.asarray(params, dtype=np.float64), -np.asarray(gradient), lower, upper)


class _Problem:
    """One player's problem on a game system: evaluations with warm starts and a count."""

    def __init__(self, game: GameSystem, player: Player, bound: BoundInstrument, profile: FloatArray,
                 weights: FloatArray | None) -> None:
        self.game, self.player, self.bound, self.profile = game, player, bound, profile
        self.weights = weights
        self.index = game.world.country_index(player.country)
        self.z: FloatArray | None = None
        self.solves = 0
        self.batched = bool(getattr(game, "batched", False))
        directions = [bound.direction(k) for k in range(bound.size)]
        self.directions: Any = np.stack(directions) if self.batched else directions

    def values(self, tariffs: Any, z: Any) -> Any:
        if self.player.objective.kind == "political":
            assert self.weights is not None
            return self.game.political(tariffs, z, self.weights)
        return self.game.welfare(tariffs, z)

    def solve(self, params: FloatArray) -> tuple[FloatArray, FloatArray]:
        tariffs = self.bound.apply(params, self.profile)
        try:
            z, _, _ = self.game.solve(tariffs, self.z)
        except ConvergenceError:
            z, _, _ = self.game.solve(tariffs, None)  # a cold start with continuation
        self.solves += 1
        self.z = z
        return tariffs, z

    def value_and_gradient(self, params: FloatArray) -> tuple[float, FloatArray]:
        tariffs, z = self.solve(params)
        w, jac = equilibrium_jacobian(self.game.residual, self.values, tariffs, z, self.directions,
                                      batched=self.batched)
        return float(w[self.index]), jac[self.index]

    def negative(self, params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = self.value_and_gradient(params)
        return -value, -gradient

    def value_at(self, tariffs: FloatArray) -> float:
        z, _, _ = self.game.solve(tariffs, None)
        return float(np.asarray(self.values(tariffs, z)).real[self.index])


def _scales(bound: BoundInstrument, world: World, profile: FloatArray) -> FloatArray:
    """Diagonal preconditioner of the optimiser, (P,) in [1e-4, 1]: the square root of each parameter's
    share of the player's import-demand curvature.

    The objective's curvature in the tariff on a cell is roughly ``θ_s (1 + t) X_ijs / E_j`` (the
    deadweight loss of the import volume it taxes), which spans orders of magnitude across cells; in
    ``u = p · sqrt(curvature)`` the problem is about equally curved in every direction, so that
    L-BFGS-B does not crawl along the directions of tiny flows, and its stopping rule
    (``|∂W/∂u| < gtol``, with every scale at most 1) implies the stated one in ``p``.
    """
    theta = np.asarray(world.elasticity)
    cells = world.flows[np.ix_(bound.partners, [bound.importer], bound.sectors)][:, 0, :]
    rates = profile[np.ix_(bound.partners, [bound.importer], bound.sectors)][:, 0, :]
    curvature = theta[list(bound.sectors)][None, :] * (1.0 + rates) * cells / world.expenditure[bound.importer]
    total = np.zeros(bound.size)
    np.add.at(total, bound._cells, curvature)
    top = total.max()
    if not top > 0:
        return np.ones(bound.size)
    return np.asarray(np.clip(np.sqrt(total / top), _SCALE_FLOOR, 1.0), dtype=np.float64)


def _starts(bound: BoundInstrument, world: World, profile: FloatArray,
            extra: FloatArray | None) -> dict[str, FloatArray]:
    bounds = np.array(bound.bounds())
    theta = np.asarray(world.elasticity)
    inverse = np.zeros(bound.size)
    count = np.zeros(bound.size)
    for b, s in enumerate(bound.sectors):
        cells = bound._cells[:, b]
        np.add.at(inverse, cells, 1.0 / theta[s])
        np.add.at(count, cells, 1.0)
    starts = {"profile": bound.read(profile), "1/theta": np.clip(inverse / count, bounds[:, 0], bounds[:, 1]),
              "lower bound": bounds[:, 0].copy()}
    if extra is not None:
        starts = {"given": np.clip(np.asarray(extra, dtype=np.float64), bounds[:, 0], bounds[:, 1]), **starts}
    unique: dict[str, FloatArray] = {}
    for name, p in starts.items():
        if not any(np.allclose(p, q, atol=1e-9) for q in unique.values()):
            unique[name] = p
    return unique


def best_response(
    world: World | GameSystem,
    player: Player,
    profile: FloatArray | None = None,
    *,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    start: FloatArray | None = None,
    starts: str = "all",
    kkt_tol: float = 1e-6,
    max_iter: int = 500,
) -> OptimalTariffs:
    """The player's best response to a tariff profile (others' tariffs fixed at ``profile``).

    Parameters
    ----------
    world
        The baseline World, or a game system from :func:`~tariffsim.games.game_system`
        (reused across calls, as trade wars do).
    player
        Instrument and objective.
    profile
        Everyone's tariffs (N, N, S), fractions; default the World's.
    model, solver
        Model family and solver settings (ignored when ``world`` is a game system).
    start
        A starting point for the player's parameters, tried first (warm start).
    starts
        ``"all"`` (the given start, the profile's own tariffs, 1/θ and the lower
        bound) or ``"given"`` (only ``start``, else the profile's tariffs).
    kkt_tol
        Tolerance on the projected gradient of the objective (a hat, so relative).
    max_iter
        L-BFGS-B iterations per start.

    Raises
    ------
    ConvergenceError
        When no start reaches ``kkt_tol``.
    ModelError
        Bad instrument or objective for this World.
    """
    begin = time.perf_counter()
    game = world if not isinstance(world, World) else game_system(world, model, solver=solver)
    base = game.world
    profile = np.array(base.tariffs if profile is None else profile, dtype=np.float64)
    if profile.shape != base.shape:
        raise ModelError(f"tariff profile has shape {profile.shape}; expected {base.shape}")
    bound = player.instrument.bind(base)
    weights = player.objective.weight_array(base) if player.objective.kind == "political" else None
    if player.objective.kind == "custom":
        return _custom(game, player, bound, profile, start, model, solver, begin)
    problem = _Problem(game, player, bound, profile, weights)
    bounds = bound.bounds()
    scale = _scales(bound, base, profile)
    scaled_bounds = [(lo * k, hi * k) for (lo, hi), k in zip(bounds, scale, strict=True)]

    def scaled(u: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = problem.negative(u / scale)
        return value, gradient / scale

    w_start = problem.value_at(profile)
    tried = _starts(bound, base, profile, start) if starts == "all" else {
        "given": np.asarray(start if start is not None else bound.read(profile), dtype=np.float64)}
    rows = []
    best: tuple[float, FloatArray, float] | None = None
    for name, p0 in tried.items():
        solves_before = problem.solves
        try:
            u = p0 * scale
            for _ in range(_RESTARTS + 1):
                out = scipy.optimize.minimize(scaled, u, jac=True, method="L-BFGS-B", bounds=scaled_bounds,
                                              options={"maxiter": max_iter, "ftol": 1e-15, "gtol": _GTOL * kkt_tol})
                u = out.x
                out.x = np.clip(out.x / scale, [b[0] for b in bounds], [b[1] for b in bounds])
                value, grad = problem.value_and_gradient(out.x)
                kkt = kkt_residual(out.x, grad, bounds)
                if kkt < kkt_tol or out.nit == 0:
                    break
        except TariffsimError as exc:
            rows.append({"start": name, "objective": np.nan, "kkt_residual": np.nan,
                         "iterations": problem.solves - solves_before, "converged": False, "message": str(exc)})
            continue
        rows.append({"start": name, "objective": value, "kkt_residual": kkt,
                     "iterations": problem.solves - solves_before, "converged": kkt < kkt_tol,
                     "message": str(out.message)})
        if kkt < kkt_tol and (best is None or value > best[0] + 1e-12):
            best = (value, out.x.copy(), kkt)
    table = pd.DataFrame(rows, columns=["start", "objective", "kkt_residual", "iterations", "converged", "message"])
    seconds = time.perf_counter() - begin
    if best is None:
        finite = table["kkt_residual"].dropna()
        raise ConvergenceError(
            f"no start reached an optimum for {player.country} (projected gradient below {kkt_tol:g}); "
            f"starts: {', '.join(f'{r.start}: {r.kkt_residual:.2g}' for r in table.itertuples())}",
            SolverDiagnostics(False, problem.solves, float(finite.min()) if len(finite) else float('inf'), seconds,
                              "L-BFGS-B", message="optimal tariffs"))
    value, params, kkt = best
    return _finish(game, player, bound, profile, params, w_start, value, kkt, table, problem.solves, begin)


def _finish(game: GameSystem, player: Player, bound: BoundInstrument, profile: FloatArray, params: FloatArray,
            w_start: float, value: float, kkt: float, table: pd.DataFrame, solves: int, begin: float,
            method: str = "L-BFGS-B") -> OptimalTariffs:
    tariffs = bound.apply(params, profile)
    world = game.world
    result = simulate(world, Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=getattr(game, "tau_hat", None),
                                               label=f"{player.country} optimal tariffs"),
                      model=game.model, solver=getattr(game, "solver", None))
    z, _, _ = game.solve(tariffs, None)
    diag = SolverDiagnostics(True, solves, kkt, time.perf_counter() - begin, method,
                             message=f"best of {len(table)} starts")
    return OptimalTariffs(player=player, params=np.asarray(params, dtype=np.float64), tariffs=bound.table(params),
                          profile=tariffs, result=result, objective_start=w_start, objective=value,
                          kkt_residual=kkt, starts=table, diagnostics=diag, z=z)


def _custom(game: GameSystem, player: Player, bound: BoundInstrument, profile: FloatArray,
            start: FloatArray | None, model: Any, solver: SolverOptions | None, begin: float) -> OptimalTariffs:
    """A custom objective (a callable of a Result): Powell's derivative-free method within bounds."""
    assert player.objective.function is not None
    function = player.objective.function
    world = game.world
    tau = getattr(game, "tau_hat", None)
    evaluations = 0

    def negative(p: FloatArray) -> float:
        nonlocal evaluations
        evaluations += 1
        shock = Shock.from_arrays(world, tariffs=bound.apply(p, profile), trade_cost_hat=tau)
        return -float(function(simulate(world, shock, model=game.model)))

    p0 = np.asarray(start if start is not None else bound.read(profile), dtype=np.float64)
    w_start = -negative(p0)
    out = scipy.optimize.minimize(negative, p0, method="Powell", bounds=bound.bounds(),
                                  options={"xtol": 1e-8, "ftol": 1e-12, "maxfev": 20000})
    if not out.success:
        raise ConvergenceError(f"the custom objective's optimum for {player.country} was not found: {out.message}",
                               SolverDiagnostics(False, evaluations, float("nan"), time.perf_counter() - begin,
                                                 "Powell"))
    table = pd.DataFrame([{"start": "given" if start is not None else "profile", "objective": -out.fun,
                           "kkt_residual": np.nan, "iterations": evaluations, "converged": True,
                           "message": str(out.message)}])
    return _finish(game, player, bound, profile, out.x, w_start, -float(out.fun), float("nan"), table, evaluations,
                   begin, method="Powell")


def optimal_tariffs(
    world: World | GameSystem,
    player: Player | Instrument | str,
    *,
    objective: Objective | None = None,
    profile: FloatArray | None = None,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    kkt_tol: float = 1e-6,
) -> OptimalTariffs:
    """A government's optimal tariffs with every other tariff at ``profile`` (default: the World's).

    ``player`` may be a :class:`Player`, an :class:`Instrument` or a country label
    (then MFN tariffs, one per sector, with the default bounds). See
    :func:`best_response` for the rest.
    """
    if isinstance(player, str):
        player = Player(Instrument(player), objective or Objective.welfare())
    elif isinstance(player, Instrument):
        player = Player(player, objective or Objective.welfare())
    elif objective is not None:
        player = Player(player.instrument, objective)
    return best_response(world, player, profile, model=model, solver=solver, kkt_tol=kkt_tol)
