"""Cooperative tariffs (trade talks) and the efficient frontier between two governments.

Ossa (2014, "Trade Wars and Trade Talks with Data", AER 104(12), section V) defines
*cooperative tariffs* as those that maximise one government's welfare subject to
every government gaining the same proportion relative to a reference — the factual
tariffs or the Nash tariffs of a trade war:

.. math::

    \\max_{t} \\; G_1(t)/G_1^{ref} \\quad \\text{s.t.} \\quad
    G_j(t)/G_j^{ref} = G_1(t)/G_1^{ref} \\quad \\forall j \\neq 1,

over every player's tariffs at once. Variants (Ossa's code has them as bounds):
``"restricted"`` — tariffs may only fall from their factual level (trade
liberalisation only); ``"free"`` — anywhere within the instruments' bounds; and, through
each player's :class:`~tariffsim.games.Instrument`, discriminatory (``partners="each"``)
or MFN (``partners="mfn"``) tariffs. The problem is solved with the exact Jacobian of every
government's welfare with respect to every controlled tariff, which
:func:`~tariffsim.games.equilibrium_jacobian` gives in one pass (one factorisation of the
equilibrium's Jacobian for all governments), by SLSQP (``method="slsqp"``, the default) or
by an augmented Lagrangian over bounded quasi-Newton steps (``method="lagrangian"``,
:func:`~tariffsim.solvers.augmented.augmented_lagrangian`): SLSQP's quadratic subproblem is
dense, O(n³) a step — seconds at Ossa's 1,386 discriminatory tariffs — while the Lagrangian
method's steps cost O(n) beyond the gradient. Either way the answer is checked: the gains
must agree, and :func:`equal_gains_kkt` reports the first-order residual.

The *efficient frontier* between two governments is traced by maximising a weighted
sum ``w·G_A + (1 − w)·G_B`` for a grid of weights (bounded quasi-Newton, exact
gradients), or by maximising ``G_A`` subject to ``G_B ≥ level`` for a grid of levels
(SLSQP); the second also finds the non-concave parts that weighted sums miss.

:class:`JointProblem` — several governments' objectives as functions of several
instruments' parameters on one game system — is the building block that
:mod:`tariffsim.games.bargaining` shares.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.derivatives import equilibrium_jacobian
from tariffsim.games.instruments import BoundInstrument, Instrument, PartnerMode, SectorMode
from tariffsim.games.nash import NashTariffs, nash_tariffs
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import Player, _scales, kkt_residual
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.models import simulate
from tariffsim.options import SolverOptions, check_choice
from tariffsim.results import Result
from tariffsim.shock import Shock
from tariffsim.solvers.augmented import augmented_lagrangian, least_squares_multipliers, projected_gradient
from tariffsim.world import World

__all__ = ["CooperativeTariffs", "Frontier", "JointProblem", "Variant", "FrontierMethod", "CooperativeMethod",
           "LAGRANGIAN_TOL", "cooperative_tariffs", "efficient_frontier", "constrained_optimum", "equal_gains_kkt",
           "country_column"]

FloatArray = NDArray[np.float64]
Variant = Literal["free", "restricted"]
FrontierMethod = Literal["weighted", "constrained"]
CooperativeMethod = Literal["slsqp", "lagrangian"]
ITERATIONS = {"slsqp": "SLSQP iterations", "lagrangian": "augmented-Lagrangian iterations"}
LAGRANGIAN_TOL = 1e-11
"""The Lagrangian method's tolerance on the equal-gains constraints (largest difference of two gains, hats)."""
Bounds = list[tuple[float, float]]


def country_column(result: Result, column: str) -> dict[str, float]:
    """One column of a result's country table, by country."""
    table = result.countries
    return dict(zip((str(c) for c in table["country"]), table[column].to_numpy(dtype=np.float64).tolist(),
                    strict=True))


# ---------------------------------------------------------------------- the joint problem
class JointProblem:
    """Several governments' objectives as functions of several instruments' parameters.

    Parameters
    ----------
    game
        The model family's explicit system (:func:`~tariffsim.games.game_system`).
    levers
        Bound instruments; their parameters are stacked in order into one vector
        ``x`` of :attr:`size` entries. No two may control the same tariff.
    countries, objectives
        Whose objectives are evaluated (K of them), and what each maximises
        (``welfare`` or ``political``; custom objectives have no exact gradient).
    profile
        Every tariff (N, N, S); cells no lever controls stay there.

    :meth:`evaluate` returns the K objectives (hats: 1 = the game's baseline) and their
    exact Jacobian (K, size) by the implicit-function theorem; evaluations are
    warm-started from the last equilibrium and the last few are cached.
    """

    def __init__(self, game: GameSystem, levers: Sequence[BoundInstrument], countries: Sequence[str],
                 objectives: Sequence[Objective], profile: FloatArray) -> None:
        world = game.world
        if not levers:
            raise ModelError("a joint problem needs at least one instrument")
        if len(countries) != len(objectives):
            raise ModelError("one objective per country")
        for objective in objectives:
            if objective.kind == "custom":
                raise ModelError("cooperative tariffs, frontiers and bargains need welfare or political objectives "
                                 "(a custom objective has no exact gradient)")
        self.game = game
        self.levers = tuple(levers)
        self.countries = tuple(countries)
        self.objectives = tuple(objectives)
        self.index = [world.country_index(c) for c in countries]
        self.weights = [o.weight_array(world) if o.kind == "political" else None for o in objectives]
        # One evaluation per distinct objective (real income, or political with one λ array): every government's
        # objective comes out of it, so governments sharing λ (Ossa's calibration) share the evaluation.
        self._kinds: list[FloatArray | None] = []
        self._kind_of = [self._kind(w) for w in self.weights]
        self.profile = np.array(profile, dtype=np.float64)
        if self.profile.shape != world.shape:
            raise ModelError(f"tariff profile has shape {self.profile.shape}; expected {world.shape}")
        sizes = [lever.size for lever in self.levers]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.size = int(self.offsets[-1])
        directions = [lever.direction(k) for lever in self.levers for k in range(lever.size)]
        cover = np.sum(directions, axis=0)
        if np.any(cover > 1):
            raise ModelError("two instruments control the same tariff: give each tariff to one instrument")
        self.batched = bool(getattr(game, "batched", False))
        self.directions: Any = np.stack(directions) if self.batched else directions
        self.z: FloatArray | None = None
        self.solves = 0
        self._cache: dict[bytes, tuple[FloatArray, FloatArray]] = {}

    # ------------------------------------------------------------------ parameters
    def split(self, x: FloatArray) -> list[FloatArray]:
        """``x`` cut into each lever's parameters."""
        return [np.asarray(x[self.offsets[k]:self.offsets[k + 1]], dtype=np.float64) for k in range(len(self.levers))]

    def apply(self, x: FloatArray) -> FloatArray:
        """The tariff profile (N, N, S) at parameters ``x``."""
        out = self.profile
        for lever, part in zip(self.levers, self.split(np.asarray(x)), strict=True):
            out = lever.apply(part, out)
        return out

    def read(self, tariffs: FloatArray) -> FloatArray:
        """The parameters that reproduce ``tariffs`` as closely as the levers allow (clipped to bounds)."""
        return np.concatenate([lever.read(tariffs) for lever in self.levers])

    def bounds(self) -> Bounds:
        """(lower, upper) per parameter."""
        return [b for lever in self.levers for b in lever.bounds()]

    def scales(self) -> FloatArray:
        """The optimisers' preconditioner per parameter (see :class:`_Free`)."""
        return np.concatenate([_scales(lever, self.game.world, self.profile) for lever in self.levers])

    def table(self, x: FloatArray) -> pd.DataFrame:
        """``importer, exporter, sector, tariff`` for every controlled cell."""
        parts = [lever.table(p) for lever, p in zip(self.levers, self.split(np.asarray(x)), strict=True)]
        return pd.concat(parts, ignore_index=True)

    def labels(self) -> list[str]:
        """A readable name per parameter."""
        return [name for lever in self.levers for name in lever.labels()]

    # ------------------------------------------------------------------ objectives
    def _kind(self, weights: FloatArray | None) -> int:
        for k, known in enumerate(self._kinds):
            if (known is None and weights is None) or (known is not None and weights is not None
                                                       and np.array_equal(known, weights)):
                return k
        self._kinds.append(weights)
        return len(self._kinds) - 1

    def values(self, tariffs: Any, z: Any) -> Any:
        """The K objectives at ``(tariffs, z)``, complex-safe (and batch-aware for batched families)."""
        arrays: dict[int, Any] = {}
        out = []
        for index, kind in zip(self.index, self._kind_of, strict=True):
            if kind not in arrays:
                weights = self._kinds[kind]
                arrays[kind] = np.asarray(self.game.welfare(tariffs, z) if weights is None
                                          else self.game.political(tariffs, z, weights))
            out.append(arrays[kind][..., index])
        return np.stack(out, axis=-1)

    def _solve(self, tariffs: FloatArray) -> FloatArray:
        try:
            z, _, _ = self.game.solve(tariffs, self.z)
        except ConvergenceError:
            z, _, _ = self.game.solve(tariffs, None)  # a cold start with continuation
        self.solves += 1
        self.z = z
        return z

    def evaluate(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Objectives (K,) and their Jacobian (K, size) at ``x``."""
        x = np.asarray(x, dtype=np.float64)
        key = x.tobytes()
        if key in self._cache:
            return self._cache[key]
        tariffs = self.apply(x)
        z = self._solve(tariffs)
        if self.batched:  # one batch per lever: a batched family then steps only that importer's column
            groups = [slice(self.offsets[k], self.offsets[k + 1]) for k in range(len(self.levers))]
            w, jac = equilibrium_jacobian(self.game.residual, self.values, tariffs, z, self.directions, batched=True,
                                          corrected=True, groups=groups)
        else:
            w, jac = equilibrium_jacobian(self.game.residual, self.values, tariffs, z, self.directions, corrected=True)
        if len(self._cache) > 8:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (w, jac)
        return w, jac

    def value_at(self, x: FloatArray) -> FloatArray:
        """Objectives (K,) at ``x`` (no gradient)."""
        return self.value_of(self.apply(np.asarray(x, dtype=np.float64)))

    def value_of(self, tariffs: FloatArray) -> FloatArray:
        """Objectives (K,) at any tariff profile (N, N, S)."""
        z = self._solve(np.asarray(tariffs, dtype=np.float64))
        return np.asarray(self.values(tariffs, z)).real

    def result(self, x: FloatArray, label: str) -> Result:
        """The equilibrium at ``x`` as a :class:`~tariffsim.results.Result`."""
        world = self.game.world
        shock = Shock.from_arrays(world, tariffs=self.apply(np.asarray(x)), trade_cost_hat=getattr(self.game, "tau_hat",
                                                                                                  None), label=label)
        return simulate(world, shock, model=self.game.model, solver=getattr(self.game, "solver", None))


# ---------------------------------------------------------------------- optimisers over a joint problem
class _Free:
    """The free parameters of a problem whose bounds fix some (lower = upper), scaled: the optimisers see
    ``u = x[free] · scale[free]`` only.

    The scale is the games layer's preconditioner (:func:`~tariffsim.games.optimal._scales`): the square root
    of each parameter's share of the importer's import-demand curvature, so that tariffs on small flows — whose
    gradients are tiny — do not stall a quasi-Newton method.
    """

    def __init__(self, bounds: Bounds, scale: FloatArray | None = None) -> None:
        lower = np.array([b[0] for b in bounds], dtype=np.float64)
        upper = np.array([b[1] for b in bounds], dtype=np.float64)
        self.lower, self.upper = lower, upper
        self.free = np.flatnonzero(upper - lower > 1e-14)
        self.scale = (np.ones(len(bounds)) if scale is None else np.asarray(scale, dtype=np.float64))[self.free]

    def full(self, u: FloatArray, x: FloatArray) -> FloatArray:
        out = np.clip(np.array(x, dtype=np.float64), self.lower, self.upper)
        out[self.free] = np.clip(np.asarray(u) / self.scale, self.lower[self.free], self.upper[self.free])
        return out

    def start(self, x: FloatArray) -> FloatArray:
        return np.clip(np.asarray(x, dtype=np.float64), self.lower, self.upper)[self.free] * self.scale

    def gradient(self, grad: FloatArray) -> FloatArray:
        """∂/∂u of a function whose gradient in x is ``grad`` (last axis)."""
        return np.asarray(grad)[..., self.free] / self.scale

    def bounds(self) -> Bounds:
        return [(float(self.lower[k] * c), float(self.upper[k] * c)) for k, c in zip(self.free, self.scale,
                                                                                     strict=True)]


def _slsqp(objective: Callable[[FloatArray], tuple[float, FloatArray]],
           constraints: Sequence[tuple[str, Callable[[FloatArray], FloatArray], Callable[[FloatArray], FloatArray]]],
           x0: FloatArray, bounds: Bounds, *, tol: float, max_iter: int,
           scale: FloatArray | None = None) -> scipy.optimize.OptimizeResult:
    """SLSQP over the free, scaled parameters; constraints are (kind, values, jacobian) on the full vector."""
    space = _Free(bounds, scale)
    start = np.clip(np.asarray(x0, dtype=np.float64), space.lower, space.upper)
    if space.free.size == 0:
        return scipy.optimize.OptimizeResult(x=start, success=True, message="every parameter is fixed by its bounds",
                                             nit=0)

    def fun(u: FloatArray) -> tuple[float, FloatArray]:
        value, grad = objective(space.full(u, start))
        return value, space.gradient(grad)

    cons = [{"type": kind, "fun": (lambda u, f=f: np.atleast_1d(f(space.full(u, start)))),
             "jac": (lambda u, j=j: space.gradient(np.atleast_2d(j(space.full(u, start)))))}
            for kind, f, j in constraints]
    out = scipy.optimize.minimize(fun, space.start(start), jac=True, method="SLSQP", bounds=space.bounds(),
                                  constraints=cons, options={"ftol": tol, "maxiter": max_iter})
    out.x = space.full(out.x, start)
    return out


def _equal_gains(problem: JointProblem, m: int, reference: FloatArray, x0: FloatArray, bounds: Bounds, *,
                 tol: float, kkt_tol: float, max_calls: int) -> scipy.optimize.OptimizeResult:
    """Equal gains by the augmented Lagrangian: maximise government ``m``'s gain subject to every other gain
    equal to it, over the free, preconditioned parameters (see :class:`_Free`), gains in percent."""
    space = _Free(bounds, problem.scales())
    start = np.clip(np.asarray(x0, dtype=np.float64), space.lower, space.upper)
    if space.free.size == 0:
        return scipy.optimize.OptimizeResult(x=start, success=True, message="every parameter is fixed by its bounds",
                                             nit=0)
    others = [k for k in range(len(reference)) if k != m]

    def gains(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        w, jac = problem.evaluate(space.full(u, start))
        return 100.0 * (w / reference - 1.0), space.gradient(100.0 * jac / reference[:, None])

    def fun(u: FloatArray) -> tuple[float, FloatArray]:
        p, jac = gains(u)
        return -float(p[m]), -jac[m]

    def cons(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        p, jac = gains(u)
        return p[others] - p[m], jac[others] - jac[m]

    lower, upper = (np.array([b[k] for b in space.bounds()]) for k in (0, 1))
    out = augmented_lagrangian(fun, cons, space.start(start), lower, upper, tol=100.0 * tol, kkt_tol=100.0 * kkt_tol,
                               max_calls=max_calls)
    return scipy.optimize.OptimizeResult(x=space.full(out.x, start), success=out.diagnostics.converged,
                                         message=out.diagnostics.message, nit=len(out.diagnostics.history))


def equal_gains_kkt(problem: JointProblem, m: int, reference: FloatArray, x: FloatArray, bounds: Bounds) -> float:
    """First-order residual of the equal-gains problem at ``x``: the projected gradient of its Lagrangian
    ``ĝ_m + Σ_k λ_k (ĝ_k − ĝ_m)`` (gains as hats over ``reference``, preconditioned parameters as the optimisers
    see them), with the multipliers λ fitted by least squares on the parameters inside their bounds. Zero at a
    first-order point, whichever method found it."""
    space = _Free(bounds, problem.scales())
    if space.free.size == 0:
        return 0.0
    _, jac = problem.evaluate(np.asarray(x, dtype=np.float64))
    grad = space.gradient(jac / reference[:, None])
    others = [k for k in range(len(reference)) if k != m]
    u = space.start(x)
    lower, upper = (np.array([b[k] for b in space.bounds()]) for k in (0, 1))
    differences = grad[others] - grad[m]  # minimising −ĝ_m subject to ĝ_k − ĝ_m = 0
    multipliers = least_squares_multipliers(-grad[m], differences, u, lower, upper)
    return projected_gradient(u, -grad[m] - multipliers @ differences, lower, upper)


def constrained_optimum(problem: JointProblem, maximise: int, floors: dict[int, float], x0: FloatArray, *,
                        tol: float = 1e-11, max_iter: int = 300) -> tuple[FloatArray, FloatArray]:
    """Maximise objective ``maximise`` subject to objective ``k ≥ floors[k]``; returns (x, objectives).

    Raises
    ------
    ConvergenceError
        When SLSQP does not converge or ends short of a floor.
    """
    bounds = problem.bounds()

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        w, jac = problem.evaluate(x)
        return -float(w[maximise]), -jac[maximise]

    cons = [("ineq", (lambda x, k=k, f=f: problem.evaluate(x)[0][k] - f),
             (lambda x, k=k: problem.evaluate(x)[1][k])) for k, f in floors.items()]
    out = _slsqp(objective, cons, x0, bounds, tol=tol, max_iter=max_iter, scale=problem.scales())
    values = problem.value_at(out.x)
    short = max((f - values[k] for k, f in floors.items()), default=0.0)
    if not out.success or short > 1e-9:
        raise ConvergenceError(f"the constrained optimum of {problem.countries[maximise]} was not found "
                               f"({out.message}; largest shortfall {short:.2g})",
                               SolverDiagnostics(False, problem.solves, max(short, 0.0), 0.0, "SLSQP"))
    return out.x, values


# ---------------------------------------------------------------------- cooperative tariffs
@dataclass(frozen=True, eq=False)
class CooperativeTariffs:
    """Ossa's cooperative tariffs: the most one government can gain when every government gains alike.

    Attributes
    ----------
    players
        The governments at the table (all choose their tariffs jointly).
    maximised
        The government whose welfare is maximised.
    reference
        ``"factual"``, ``"nash"`` or ``"given"``: what the equal gains are measured from.
    variant
        ``"free"`` or ``"restricted"`` (tariffs may only fall from their factual level).
    params
        The chosen parameters of all players, stacked in player order.
    tariffs
        ``importer, exporter, sector, tariff`` (fractions) for every controlled cell.
    profile
        The whole tariff array at the cooperative point, (N, N, S).
    reference_profile
        The tariffs of the reference point, (N, N, S).
    gains
        ``country, objective_reference, objective_cooperative, gain_pct`` (hats: 1 = the
        game's baseline; ``gain_pct`` = 100·(cooperative/reference − 1)).
    common_gain_pct
        The common gain of every government over the reference, percent.
    constraint_residual
        Largest difference between two governments' gains (hat ratios) at the solution.
    kkt_residual
        The first-order residual at the solution (:func:`equal_gains_kkt`): the projected gradient of the
        problem's Lagrangian, multipliers fitted by least squares.
    attempts
        One row per start: ``start, converged, common_gain_pct, gains_differ, solves, message`` (the
        answer is the converged start with the highest common gain).
    result
        The equilibrium at the cooperative tariffs (changes from the game's baseline).
    diagnostics
        SLSQP's iterations (equilibrium solves), seconds.
    """

    players: tuple[Player, ...]
    maximised: str
    reference: str
    variant: str
    params: FloatArray
    tariffs: pd.DataFrame
    profile: FloatArray
    reference_profile: FloatArray
    gains: pd.DataFrame
    common_gain_pct: float
    constraint_residual: float
    result: Result
    diagnostics: SolverDiagnostics
    kkt_residual: float = float("nan")
    attempts: pd.DataFrame | None = None


def _players(players: Sequence[Player | Instrument | str], partners: PartnerMode, sectors: SectorMode,
             upper: float) -> list[Player]:
    """Players from labels (tariffs on the other players only), instruments or players."""
    labels = [p for p in players if isinstance(p, str)]
    out = []
    for p in players:
        if isinstance(p, str):
            others = tuple(c for c in labels if c != p) or None
            out.append(Player(Instrument(p, partners=partners, sectors=sectors, upper=upper, targets=others)))
        elif isinstance(p, Instrument):
            out.append(Player(p))
        elif isinstance(p, Player):
            out.append(p)
        else:
            raise ModelError(f"a player is a country label, an Instrument or a Player; got {type(p).__name__}")
    names = [p.country for p in out]
    if len(set(names)) != len(names):
        raise ModelError(f"each country plays once; got {names}")
    return out


def _game(world: World | GameSystem, model: Any, solver: SolverOptions | None) -> GameSystem:
    return game_system(world, model, solver=solver) if isinstance(world, World) else world


def restricted_bounds(problem: JointProblem, factual: FloatArray) -> Bounds:
    """Bounds that allow only cuts from the factual tariffs: each parameter's upper bound is its factual value."""
    levels = problem.read(factual)
    return [(lo, float(min(hi, max(lo, level)))) for (lo, hi), level in zip(problem.bounds(), levels, strict=True)]


def _from_start(problem: JointProblem, m: int, r: FloatArray, x0: FloatArray, bounds: Bounds, method: str,
                tol: float, kkt_tol: float, max_iter: int) -> tuple[scipy.optimize.OptimizeResult, FloatArray, int]:
    """One start of the equal-gains problem: (the solver's answer, every government's objective over ``r`` at it,
    the equilibrium solves it took). Module-level, so that a process pool can run several starts at once."""
    solves = problem.solves
    if method == "lagrangian":
        out = _equal_gains(problem, m, r, x0, bounds, tol=LAGRANGIAN_TOL, kkt_tol=kkt_tol, max_calls=10 * max_iter)
    else:
        others = [k for k in range(len(r)) if k != m]

        def objective(x: FloatArray) -> tuple[float, FloatArray]:
            w, jac = problem.evaluate(x)
            return -float(w[m] / r[m]), -jac[m] / r[m]

        def equal(x: FloatArray) -> FloatArray:
            w, _ = problem.evaluate(x)
            return np.array([w[k] / r[k] - w[m] / r[m] for k in others])

        def equal_jac(x: FloatArray) -> FloatArray:
            _, jac = problem.evaluate(x)
            return np.array([jac[k] / r[k] - jac[m] / r[m] for k in others]).reshape(len(others), -1)

        constraints = [("eq", equal, equal_jac)] if others else []
        out = _slsqp(objective, constraints, x0, bounds, tol=tol, max_iter=max_iter, scale=problem.scales())
    return out, problem.value_at(out.x) / r, problem.solves - solves


def _from_start_task(args: tuple[Any, ...]) -> tuple[scipy.optimize.OptimizeResult, FloatArray, int]:
    return _from_start(*args)


def _solve_starts(problem: JointProblem, m: int, r: FloatArray, starts: list[FloatArray], bounds: Bounds,
                  method: str, tol: float, kkt_tol: float, max_iter: int,
                  workers: int) -> list[tuple[scipy.optimize.OptimizeResult, FloatArray, int]]:
    """Every start, in order: serially, or on ``workers`` spawned processes (each gets a pickled copy of the
    problem; a fresh interpreter, never a fork of a parent that may hold threads)."""
    tasks = [(problem, m, r, x0, bounds, method, tol, kkt_tol, max_iter) for x0 in starts]
    if workers <= 1 or len(tasks) <= 1:
        return [_from_start(*task) for task in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        answers = list(pool.map(_from_start_task, tasks))
    problem.solves += sum(solves for _, _, solves in answers)
    return answers


def cooperative_tariffs(
    world: World | GameSystem,
    players: Sequence[Player | Instrument | str],
    *,
    reference: Literal["factual", "nash"] | NashTariffs | FloatArray = "factual",
    maximise: str | None = None,
    variant: Variant = "free",
    profile: FloatArray | None = None,
    partners: PartnerMode = "mfn",
    sectors: SectorMode = "each",
    upper: float = 2.25,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    start: FloatArray | Sequence[FloatArray] | None = None,
    method: CooperativeMethod = "slsqp",
    kkt_tol: float = 1e-7,
    workers: int = 1,
) -> CooperativeTariffs:
    """Cooperative tariffs: maximise one government's welfare with equal proportional gains for all.

    Parameters
    ----------
    world
        The baseline World (or a game system).
    players
        The governments at the table: :class:`Player` objects, instruments, or country
        labels (then instruments with ``partners``, ``sectors`` and ``upper``).
    reference
        ``"factual"`` (gains from the factual tariffs, ``profile``), ``"nash"`` (from the
        Nash tariffs of a trade war among the players, computed here), a
        :class:`~tariffsim.games.NashTariffs`, or a tariff array (N, N, S).
    maximise
        The government whose welfare is maximised (default the first player); with
        equal gains the choice matters only through which constraint binds.
    variant
        ``"free"`` (anywhere within the instruments' bounds) or ``"restricted"`` (tariffs
        may only fall from their factual level, Ossa's liberalisation-only talks).
    profile
        Factual tariffs (N, N, S); default the World's.
    tol, max_iter
        SLSQP's tolerance on the objective and its iteration budget (the Lagrangian method's budget is
        ``10 · max_iter`` evaluations of the objectives with their gradients).
    method
        ``"slsqp"`` (SLSQP with the equal-gains constraints; its quadratic subproblem is dense, O(n³) a step in
        the n parameters) or ``"lagrangian"`` (an augmented Lagrangian over L-BFGS-B steps, O(n) a step beyond the
        gradient: for hundreds of parameters and more, e.g. discriminatory tariffs among many governments). The
        Lagrangian method stops when the gains differ by at most :data:`LAGRANGIAN_TOL` and the first-order
        residual is below ``kkt_tol``.
    kkt_tol
        The Lagrangian method's tolerance on the first-order residual (see :func:`equal_gains_kkt`).
    start
        A tariff profile (N, N, S) to start from (default the reference's tariffs), or a list of
        profiles: the problem is not concave and can have several first-order points (on Ossa's
        data with λ = 1 and MFN tariffs, one where every government loses 0.6 %), so each start
        is solved and the converged point with the highest common gain is kept;
        :attr:`CooperativeTariffs.attempts` lists every start's outcome.
    workers
        Processes for the starts (1: one after the other in this process; more: spawned
        processes, one start each, as many at once as ``workers``).

    Raises
    ------
    ConvergenceError
        When no start leads to a point where every government gains alike (and, for the Lagrangian
        method, where the first-order conditions hold); or when the best point found leaves every
        government worse off than the reference while the instruments can reproduce the reference
        (whose equal gains of zero are then better: a local answer, not the cooperative one).
    """
    begin = time.perf_counter()
    check_choice(variant, Variant, "cooperative variant")
    check_choice(method, CooperativeMethod, "cooperative method")
    game = _game(world, model, solver)
    base = game.world
    chosen = _players(players, partners, sectors, upper)
    factual = np.array(base.tariffs if profile is None else profile, dtype=np.float64)
    if isinstance(reference, str):
        check_choice(reference, Literal["factual", "nash"], "reference")
        if reference == "factual":
            ref_profile, ref_label = factual, "factual"
        else:
            ref_profile, ref_label = nash_tariffs(game, chosen, profile=factual).profile, "nash"
    elif isinstance(reference, NashTariffs):
        ref_profile, ref_label = np.array(reference.profile), "nash"
    else:
        ref_profile, ref_label = np.array(reference, dtype=np.float64), "given"
    levers = [p.instrument.bind(base) for p in chosen]
    problem = JointProblem(game, levers, [p.country for p in chosen], [p.objective for p in chosen], ref_profile)
    names = [p.country for p in chosen]
    if maximise is not None and maximise not in names:
        raise ModelError(f"maximise '{maximise}' is not a player ({', '.join(names)})")
    m = 0 if maximise is None else names.index(maximise)
    bounds = restricted_bounds(problem, factual) if variant == "restricted" else problem.bounds()
    r = problem.value_of(ref_profile)
    low, high = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    if start is None:
        profiles: list[FloatArray] = [ref_profile]
    elif isinstance(start, np.ndarray) and start.ndim == 3:
        profiles = [start]
    else:
        profiles = [np.asarray(p, dtype=np.float64) for p in start]
    if not profiles:
        raise ModelError("cooperative tariffs need at least one start")
    if workers < 1:
        raise ModelError(f"workers must be at least 1; got {workers}")
    attempts: list[dict[str, Any]] = []
    best: tuple[scipy.optimize.OptimizeResult, FloatArray, float] | None = None  # answer, objectives / r, spread
    starts = [np.clip(problem.read(np.asarray(p, dtype=np.float64)), low, high) for p in profiles]
    answers = _solve_starts(problem, m, r, starts, bounds, method, tol, kkt_tol, max_iter, workers)
    for number, (out, ratio, solves) in enumerate(answers, 1):
        residual = float(ratio.max() - ratio.min())
        found = bool(out.success) and residual <= 1e-8
        attempts.append({"start": number, "converged": found, "common_gain_pct": 100.0 * (float(ratio[m]) - 1.0),
                         "gains_differ": residual, "solves": solves, "message": str(out.message)})
        if found and (best is None or ratio[m] > best[1][m]):
            best = (out, ratio, residual)
    table = pd.DataFrame(attempts, columns=["start", "converged", "common_gain_pct", "gains_differ", "solves",
                                            "message"])
    seconds = time.perf_counter() - begin
    if best is None:
        last = attempts[-1]
        raise ConvergenceError(f"cooperative tariffs of {', '.join(names)} not found from {len(attempts)} start(s) "
                               f"(last: {last['message']}; the gains differ by {last['gains_differ']:.2g})",
                               SolverDiagnostics(False, problem.solves, float(last["gains_differ"]), seconds,
                                                 str(method)))
    out, ratio, residual = best
    x_reference = problem.read(ref_profile)
    representable = (bool(np.all((x_reference >= low - 1e-12) & (x_reference <= high + 1e-12)))
                     and bool(np.allclose(problem.apply(x_reference), ref_profile, rtol=0.0, atol=1e-12)))
    if representable and ratio[m] < 1.0 - 1e-10:
        raise ConvergenceError(f"cooperative tariffs of {', '.join(names)}: the best of {len(attempts)} start(s) "
                               f"leaves every government {100.0 * (1.0 - ratio[m]):.3g} % worse off than the "
                               f"{ref_label} tariffs, which the instruments allow: a local point, not the "
                               "cooperative one; give other starts",
                               SolverDiagnostics(False, problem.solves, residual, seconds, str(method)))
    values = ratio * r  # the objectives at the answer, solved once by its start
    kkt = equal_gains_kkt(problem, m, r, out.x, bounds)
    gains = pd.DataFrame({"country": names, "objective_reference": r, "objective_cooperative": values,
                          "gain_pct": 100.0 * (ratio - 1.0)})
    return CooperativeTariffs(
        players=tuple(chosen), maximised=names[m], reference=ref_label, variant=variant, params=out.x,
        tariffs=problem.table(out.x), profile=problem.apply(out.x), reference_profile=ref_profile, gains=gains,
        common_gain_pct=float(100.0 * (ratio[m] - 1.0)), constraint_residual=residual, kkt_residual=kkt,
        result=problem.result(out.x, "cooperative tariffs"),
        diagnostics=SolverDiagnostics(True, problem.solves, residual, seconds, method,
                                      message=f"{int(out.nit)} {ITERATIONS[method]}"
                                              + (f"; best of {len(attempts)} starts" if len(attempts) > 1 else "")),
        attempts=table)


# ---------------------------------------------------------------------- the efficient frontier
@dataclass(frozen=True, eq=False)
class Frontier:
    """The efficient frontier between two governments over a set of instruments.

    Attributes
    ----------
    countries
        The two governments (A, B).
    points
        One row per point, ordered by A's objective: ``point, method, weight, country_a,
        country_b, objective_a, objective_b, objective_a_pct, objective_b_pct`` (objectives
        as hats, 1 = the game's baseline; ``*_pct`` = 100·(hat − 1)). ``weight`` is A's
        weight for the weighted-sum method, NaN for the constrained one.
    tariffs
        ``point, importer, exporter, sector, tariff`` for every controlled cell at every point.
    start
        Both objectives at the profile the instruments started from (the status quo), hats.
    diagnostics
        Equilibrium solves and seconds.
    """

    countries: tuple[str, str]
    points: pd.DataFrame
    tariffs: pd.DataFrame
    start: tuple[float, float]
    diagnostics: SolverDiagnostics


def _weighted(problem: JointProblem, weight: float, x0: FloatArray, kkt_tol: float) -> tuple[FloatArray, float]:
    bounds = problem.bounds()

    def negative(x: FloatArray) -> tuple[float, FloatArray]:
        w, jac = problem.evaluate(x)
        return -float(weight * w[0] + (1 - weight) * w[1]), -(weight * jac[0] + (1 - weight) * jac[1])

    out = scipy.optimize.minimize(negative, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"maxiter": 1000, "ftol": 1e-15, "gtol": 0.1 * kkt_tol})
    _, grad = negative(out.x)
    return out.x, kkt_residual(out.x, -grad, bounds)


def efficient_frontier(
    world: World | GameSystem,
    players: Sequence[Player | Instrument | str],
    *,
    points: int = 9,
    method: FrontierMethod = "weighted",
    countries: Sequence[str] | None = None,
    profile: FloatArray | None = None,
    partners: PartnerMode = "each",
    sectors: SectorMode = "uniform",
    upper: float = 2.25,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    kkt_tol: float = 1e-7,
) -> Frontier:
    """The efficient frontier between two governments.

    Parameters
    ----------
    world
        The baseline World (or a game system).
    players
        The instruments that move along the frontier (each player's tariffs); country
        labels give instruments with ``partners``, ``sectors`` and ``upper``.
    points
        Number of points (at least 2).
    method
        ``"weighted"``: maximise ``w·G_A + (1 − w)·G_B`` for ``w`` evenly spaced in
        [0, 1]. ``"constrained"``: the two ends as above, then ``max G_A`` subject to
        ``G_B ≥ level`` for levels evenly spaced between them.
    countries
        The two governments whose objectives span the frontier (default the first two
        players', with their objectives; others get real income).
    profile
        Tariffs no instrument controls, and the status quo; default the World's.

    Raises
    ------
    ConvergenceError
        When a point is not found.
    """
    begin = time.perf_counter()
    check_choice(method, FrontierMethod, "frontier method")
    if points < 2:
        raise ModelError(f"a frontier needs at least 2 points; got {points}")
    game = _game(world, model, solver)
    base = game.world
    chosen = _players(players, partners, sectors, upper)
    pair = tuple(countries) if countries is not None else tuple(p.country for p in chosen[:2])
    if len(pair) != 2 or pair[0] == pair[1]:
        raise ModelError(f"a frontier is between two different governments; got {list(pair)}")
    by_country = {p.country: p.objective for p in chosen}
    objectives = [by_country.get(c, Objective.welfare()) for c in pair]
    start_profile = np.array(base.tariffs if profile is None else profile, dtype=np.float64)
    problem = JointProblem(game, [p.instrument.bind(base) for p in chosen], pair, objectives, start_profile)
    x_start = problem.read(start_profile)
    start_values = problem.value_of(start_profile)
    rows: list[tuple[str, float, FloatArray]] = []
    if method == "weighted":
        x = x_start
        for weight in np.linspace(1.0, 0.0, points):
            x, kkt = _weighted(problem, float(weight), x, kkt_tol)
            if kkt > kkt_tol:  # a second try from the status quo
                x, kkt = _weighted(problem, float(weight), x_start, kkt_tol)
            if kkt > kkt_tol:
                raise ConvergenceError(f"frontier point with weight {weight:.2f} not found (projected gradient "
                                       f"{kkt:.2g})", SolverDiagnostics(False, problem.solves, kkt,
                                                                        time.perf_counter() - begin, "L-BFGS-B"))
            rows.append(("weighted", float(weight), x))
    else:
        x_a, _ = _weighted(problem, 1.0, x_start, kkt_tol)
        x_b, _ = _weighted(problem, 0.0, x_start, kkt_tol)
        low, high = problem.value_at(x_a)[1], problem.value_at(x_b)[1]
        rows.append(("constrained", np.nan, x_a))
        x = x_a
        for level in np.linspace(low, high, points)[1:-1]:
            x, _ = constrained_optimum(problem, 0, {1: float(level)}, x)
            rows.append(("constrained", np.nan, x))
        rows.append(("constrained", np.nan, x_b))
    table_rows, tariff_parts = [], []
    for method_name, weight, x in rows:
        w = problem.value_at(x)
        table_rows.append({"method": method_name, "weight": weight, "country_a": pair[0], "country_b": pair[1],
                           "objective_a": w[0], "objective_b": w[1], "x": x})
    frame = pd.DataFrame(table_rows).sort_values("objective_a", kind="stable").reset_index(drop=True)
    frame.insert(0, "point", np.arange(len(frame)))
    for point, x in zip(frame["point"].tolist(), frame["x"], strict=True):
        part = problem.table(x)
        part.insert(0, "point", int(point))
        tariff_parts.append(part)
    frame["objective_a_pct"] = 100.0 * (frame["objective_a"] - 1.0)
    frame["objective_b_pct"] = 100.0 * (frame["objective_b"] - 1.0)
    frame = frame.drop(columns="x")
    return Frontier(countries=(pair[0], pair[1]), points=frame, tariffs=pd.concat(tariff_parts, ignore_index=True),
                    start=(float(start_values[0]), float(start_values[1])),
                    diagnostics=SolverDiagnostics(True, problem.solves, 0.0, time.perf_counter() - begin, method,
                                                  message=f"{len(frame)} points"))
