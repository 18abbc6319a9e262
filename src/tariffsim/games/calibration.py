r"""Ossa's (2014) political-economy weights λ, calibrated to the target tariffs' cross-industry pattern.

Ossa (2014; the calibration of his political-economy weights, ``mylambdaj.m``)
chooses, for each region j, weights λ_js (mean 1 over industries; government
welfare is homogeneous of degree zero in them, so only their pattern matters)
such that j's optimal MFN tariffs — others' tariffs at their factual levels — have
the cross-industry pattern of the tariffs j applies
(``target_tariff_by_industry_region.csv``): the optimal tariffs equal the targets
shifted by a common level,

.. math:: t^*_{js}(c) = \max\{\min\{T_{js} - \bar T_{j} + c,\ u_{js} - 0.03\},\ 0\},

with ``T`` the targets, ``T̄_j`` their mean over the industries that are neither
prohibitive (``T > 2.25``) nor pushed above the cap by the shift, ``u_js =
max(T_js + 0.03, 2.25)`` Ossa's bounds, and prohibitive targets matched as they are
(``t* = T``). The level ``c`` is not a target: it is whatever the model gives
(Ossa: the mean of the optimal tariffs over those industries).

Two ways to find λ:

* ``foc`` (the default): the weights and the level that make the targets an
  optimum, read off the first-order conditions. Government welfare is
  ``G_j = Σ_s λ_s A'_s / Σ_s λ_s A_s / P̂_j`` with ``A_s = R_js + δ_js TR_j``, so
  at the tariffs ``t*(c)`` the conditions ``∂G_j/∂t_k = 0`` read

  .. math:: \sum_s \lambda_s \Big(\frac{dA'_s}{dt_k} - A'_s \frac{d\log\hat P_j}{dt_k}\Big) = 0,
            \qquad k = 1..S,

  a homogeneous linear system ``M(c) λ = 0``: ``M`` (S × S) comes from one
  equilibrium solve and one exact (implicit-function) Jacobian, and ``c`` is the
  level at which ``M(c)`` is singular with a positive null vector — a
  one-dimensional root (Brent's method on the signed smallest singular value),
  bracketed by a scan. About 0.1–1 s per region.
* ``heuristic``: Ossa's own iteration (``mylambdaj.m``): solve j's optimal MFN
  tariffs at the current λ, compare them with the shifted targets, move each
  λ_s up or down by a step that shrinks as the gap closes (0.1 down to 5·10⁻⁵),
  renormalise, repeat (at most 250 rounds); λ that reach zero stay there. One
  optimal-tariff problem per round: minutes per region.

The ``foc`` weights are the exact solution of the calibration problem the heuristic
approaches by steps (its stopping rule leaves gaps up to 0.003 in the tariffs), so
the two agree to the heuristic's precision — which is why ``foc`` is the default.

Both work on Ossa's game system (:func:`~tariffsim.games.game_system` with
``OssaModel``), whose government welfare they invert; the reproductions
``ossa2014-optimal``, ``-nash`` and ``-talks`` call :func:`calibrate_weights`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.derivatives import equilibrium_jacobian
from tariffsim.games.instruments import Instrument
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import Player, best_response
from tariffsim.games.systems import GameSystem

__all__ = ["WeightMethod", "Weights", "calibrate_weights", "foc_weights", "heuristic_weights", "target_pattern",
           "caps_for", "weight_array", "PROHIBITIVE", "MARGIN"]

FloatArray = NDArray[np.float64]
WeightMethod = Literal["foc", "heuristic"]

PROHIBITIVE = 2.25
"""Ossa's cap on tariffs; targets above it are 'prohibitive' and matched as they are."""
MARGIN = 0.03
"""Ossa's margin between a prohibitive target and its bound (``UB = max(target + 0.03, 2.25)``)."""

_STEPS = (0.00005, 0.00005, 0.0005, 0.005, 0.05, 0.1)
"""``mylambdaj.m``'s MULT: the λ step for each closeness class (largest gap above 0.1·2^(v−6))."""


def caps_for(targets: FloatArray) -> FloatArray:
    """Ossa's upper bounds ``max(target + 0.03, 2.25)``, (S,)."""
    return np.maximum(np.asarray(targets, dtype=np.float64) + MARGIN, PROHIBITIVE)


def target_pattern(targets: FloatArray, caps: FloatArray, level: float,
                   prelim_level: float | None = None) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The tariffs the weights must make optimal: the targets shifted to ``level`` (Ossa's SHOULDBE).

    Parameters
    ----------
    targets, caps
        Target tariffs and upper bounds, (S,).
    level
        ``c``: the mean the shifted targets take over the industries in the level set.
    prelim_level
        The level used to decide which industries the shift pushes above their cap
        (Ossa uses the mean optimal tariff over all non-prohibitive industries there,
        and over the level set afterwards); default ``level``.

    Returns
    -------
    pattern, level_set
        ``t*`` (S,) and the industries whose mean defines the level (non-prohibitive,
        not capped).
    """
    targets = np.asarray(targets, dtype=np.float64)
    caps = np.asarray(caps, dtype=np.float64)
    open_ = targets <= PROHIBITIVE
    if not open_.any():
        raise ModelError("every target tariff is prohibitive (above 2.25): there is no pattern to match")
    prelim = targets - targets[open_].mean() + (level if prelim_level is None else prelim_level)
    level_set = open_ & (prelim <= caps)
    if not level_set.any():
        level_set = open_
    pattern = np.where(level_set, targets - targets[level_set].mean() + level, caps - MARGIN)
    return np.maximum(np.minimum(pattern, caps - MARGIN), 0.0), level_set


@dataclass(frozen=True)
class Weights:
    """One region's calibrated weights.

    Attributes
    ----------
    region
        The government.
    weights
        λ by industry (S,), mean 1.
    level
        ``c``, the level of the matched tariffs.
    pattern
        The tariffs the weights make optimal, (S,) (the shifted targets).
    method
        ``foc`` or ``heuristic``.
    gap
        ``foc``: the largest first-order condition at the pattern, relative to its row
        (zero at an exact solution); ``heuristic``: the largest gap between the optimal
        tariffs and the pattern at the round kept.
    iterations
        Level evaluations (``foc``) or rounds (``heuristic``).
    seconds
        Time taken.
    clipped
        Industries whose weight reached zero (their tariff is then not matched).
    optimal
        ``heuristic``: the optimal MFN tariffs at the weights kept, (S,).
    """

    region: str
    weights: FloatArray
    level: float
    pattern: FloatArray
    method: WeightMethod
    gap: float
    iterations: int
    seconds: float
    clipped: tuple[str, ...] = ()
    optimal: FloatArray | None = field(default=None, repr=False)


def _political_player(region: str, caps: FloatArray, game: GameSystem, lam: FloatArray) -> Player:
    world = game.world
    weights = np.ones((world.n_countries, world.n_sectors))
    weights[world.country_index(region)] = lam
    upper = {s: float(u) for s, u in zip(world.sectors, caps, strict=True)}
    return Player(Instrument(region, partners="mfn", upper=upper), Objective.political(weights))


def foc_weights(game: GameSystem, region: str, targets: FloatArray, *, scan: Sequence[float] | None = None,
                xtol: float = 1e-12, kkt_tol: float = 1e-7, max_rounds: int = 20) -> Weights:
    """λ of ``region`` from the first-order conditions at the shifted targets (see the module docstring).

    Where the conditions need a negative weight for an industry (the tariff the
    pattern asks of it is below its optimal tariff even when the government
    ignores the industry altogether), its weight is set to zero, as Ossa's
    iteration does; its tariff is then its optimum at the other weights (one
    optimal-tariff problem per round, until those tariffs settle) and the other
    industries' conditions are solved again with it.

    Parameters
    ----------
    game
        Ossa's game system (:func:`~tariffsim.games.game_system` with ``OssaModel``);
        others' tariffs stay at the World's.
    region
        The government.
    targets
        Its target tariffs by industry, (S,).
    scan
        Levels tried to bracket the root (default 0.05, 0.10, …, 2.20).
    xtol
        Tolerance on the level.
    kkt_tol, max_rounds
        Tolerance of the optimal-tariff problems and the number of rounds for
        industries with zero weight.

    Raises
    ------
    ModelError
        A game without Ossa's government welfare terms, or industries that are not traded.
    ConvergenceError
        No level at which the conditions have a non-negative solution.
    """
    begin = time.perf_counter()
    if not hasattr(game, "lobby_income"):
        raise ModelError("the first-order calibration of λ needs Ossa's model (game_system(world, OssaModel()))")
    world = game.world
    j = world.country_index(region)
    targets = np.asarray(targets, dtype=np.float64)
    caps = caps_for(targets)
    bound = Instrument(region, partners="mfn").bind(world)
    s_count = world.n_sectors
    if len(bound.sectors) != s_count:
        raise ModelError(f"{region}: every industry must be traded to calibrate its weight")
    directions = np.stack([bound.direction(k) for k in range(bound.size)])
    batched = bool(getattr(game, "batched", False))
    base = np.array(world.tariffs)
    state: dict[str, Any] = {"z": None, "calls": 0}
    zero = np.zeros(s_count, dtype=bool)  # industries whose weight is zero
    fixed = np.zeros(s_count)  # their tariffs

    ossa: Any = game  # an OssaGame (checked above): its welfare terms

    def values(tariffs: Any, z: Any) -> Any:
        lobby = ossa.lobby_income(tariffs, z)[..., j, :]
        log_price = ossa.log_price_index(tariffs, z)[..., j]
        return np.concatenate([lobby, log_price[..., None]], axis=-1)

    def conditions(level: float) -> tuple[FloatArray, FloatArray]:
        """The conditions ∂G/∂t_k as rows k, one column per weight s, scaled rows; and the tariffs."""
        pattern = np.where(zero, fixed, target_pattern(targets, caps, level)[0])
        tariffs = bound.apply(pattern, base)
        z, _, _ = game.solve(tariffs, state["z"])
        state["z"] = z
        state["calls"] += 1
        v, jac = equilibrium_jacobian(game.residual, values, tariffs, z, directions if batched else list(directions),
                                      batched=batched)
        lobby, d_lobby, d_log_price = v[:s_count], jac[:s_count], jac[s_count]
        m = d_lobby.T - lobby[None, :] * d_log_price[:, None]
        return m / np.linalg.norm(m, axis=1, keepdims=True), pattern

    def null_of(m: FloatArray) -> tuple[float, FloatArray]:
        """Signed smallest singular value of the free block and the weights (zeros where fixed)."""
        free = ~zero
        block = m[np.ix_(free, free)]
        _, singular, vt = np.linalg.svd(block)
        null = vt[-1] * np.sign(vt[-1].sum())
        lam = np.zeros(s_count)
        lam[free] = null / null.mean()
        return float(np.sign(np.linalg.det(block)) * singular[-1]), lam

    def signed(level: float) -> float:
        return null_of(conditions(level)[0])[0]

    def solve_level(near: float | None) -> float | None:
        """The level at which the free block is singular: a bracket by a scan (the grid, or steps of 0.05
        out from the last root), then Brent's method."""
        if near is not None:
            low, high = near - 0.05, near + 0.05
            f_low, f_high = signed(low), signed(high)
            for _ in range(40):
                if np.sign(f_low) != np.sign(f_high):
                    return float(scipy.optimize.brentq(signed, low, high, xtol=xtol))
                low, high = max(low - 0.05, 0.0), high + 0.05
                f_low, f_high = signed(low), signed(high)
            return None
        grid = list(scan) if scan is not None else [0.05 * k for k in range(1, 45)]
        previous: tuple[float, float] | None = None
        for level in grid:
            value = signed(level)
            if previous is not None and np.sign(value) != np.sign(previous[1]):
                return float(scipy.optimize.brentq(signed, previous[0], level, xtol=xtol))
            previous = (level, value)
        return None

    level = None
    for _ in range(max_rounds):
        level = solve_level(level)
        if level is None:
            raise ConvergenceError(f"no level makes {region}'s target pattern an optimum",
                                   SolverDiagnostics(False, state["calls"], float("nan"),
                                                     time.perf_counter() - begin, "first-order conditions"))
        m, pattern = conditions(level)
        _, lam = null_of(m)
        if lam.min() < -1e-9:
            worst = int(np.argmin(lam))
            zero[worst] = True
            fixed[worst] = pattern[worst]
        elif not zero.any():
            break
        # Industries with zero weight: their tariffs are their optimum at the current weights.
        response = best_response(game, _political_player(region, caps, game, np.maximum(lam, 0.0)), start=pattern,
                                 starts="given", kkt_tol=kkt_tol)
        moved = float(np.max(np.abs(response.params[zero] - fixed[zero])))
        fixed[zero] = response.params[zero]
        if moved < 1e-7 and lam.min() >= -1e-9:
            break
    else:
        raise ConvergenceError(f"{region}: the tariffs of the industries with zero weight did not settle",
                               SolverDiagnostics(False, state["calls"], float("nan"), time.perf_counter() - begin,
                                                 "first-order conditions"))
    assert level is not None
    m, pattern = conditions(level)
    _, lam = null_of(m)
    lam = np.maximum(lam, 0.0)
    lam = lam / lam.mean()
    gap = float(np.max(np.abs((m @ lam)[~zero])))
    clipped = tuple(world.sectors[s] for s in np.flatnonzero(zero))
    return Weights(region=region, weights=lam, level=level, pattern=pattern, method="foc", gap=gap,
                   iterations=state["calls"], seconds=time.perf_counter() - begin, clipped=clipped)


def heuristic_weights(game: GameSystem, region: str, targets: FloatArray, *, max_iter: int = 250,
                      kkt_tol: float = 1e-7, guess_targets: bool = False) -> Weights:
    """λ of ``region`` by Ossa's iteration (``mylambdaj.m``), with the optimal MFN tariffs of each round.

    The rounds follow Ossa's code: start from λ = 1 and tariffs of 10 %; compare the
    optimal tariffs with the targets shifted to their mean; step each λ_s by the
    closeness class of the largest gap (steps 0.1 … 5·10⁻⁵, a schedule that changes
    after rounds 75, 125 and 175); renormalise to mean 1 with λ ≥ 0 (a λ that reaches
    zero stays there); stop when every gap is below 0.003125 (or a coarser class
    after rounds 100, 150, 200); keep the round with the smallest sum of squared
    gaps. Each round's optimal tariffs start from the last round's (the first ten)
    or from the shifted targets (after; from the targets themselves with
    ``guess_targets``, which Ossa used for Japan: "works better for Japan").

    Raises
    ------
    ConvergenceError
        An optimal-tariff problem that does not converge.
    """
    begin = time.perf_counter()
    world = game.world
    targets = np.asarray(targets, dtype=np.float64)
    s_count = world.n_sectors
    caps = caps_for(targets)
    open_ = targets <= PROHIBITIVE
    lam = np.ones(s_count)
    positive = np.ones(s_count, dtype=bool)
    guess = np.full(s_count, 0.1)
    history: list[tuple[float, FloatArray, FloatArray, FloatArray, float]] = []
    for round_ in range(max_iter):
        response = best_response(game, _political_player(region, caps, game, lam), start=guess, starts="given",
                                 kkt_tol=kkt_tol)
        optimal = response.params
        prelim = float(optimal[open_].mean())
        _, level_set = target_pattern(targets, caps, prelim)
        level = float(optimal[level_set].mean())
        pattern, _ = target_pattern(targets, caps, level, prelim_level=prelim)
        gaps = positive * (optimal - pattern)
        history.append((float(np.sum(gaps ** 2)), lam.copy(), optimal.copy(), pattern, level))
        # Closeness class: the largest v with max|gap| above 0.1/2^(6−v); signs of the gaps beyond it.
        cutoffs = 0.1 / 2.0 ** (6 - np.arange(1, 7))
        close = int(np.sum(np.max(np.abs(gaps)) > cutoffs))
        if close == 0 or (close == 1 and round_ > 100) or (close == 2 and round_ > 150) or (
                close == 3 and round_ > 200):
            break
        if round_ < 75:
            pick_step, pick_sign = max(close, 3), close
        elif round_ < 125:
            pick_step = pick_sign = min(close, 3)
        elif round_ < 175:
            pick_step = pick_sign = min(close, 2)
        else:
            pick_step, pick_sign = min(close, 4), close
        cutoff = cutoffs[pick_sign - 1]
        direction = np.where(gaps < -cutoff, 1.0, np.where(gaps > cutoff, -1.0, 0.0))
        correction = positive * _STEPS[pick_step - 1] * direction
        positive = lam > 0
        moved = positive * (lam + correction - np.mean(lam + correction) + 1.0)
        moved = np.maximum(moved, 0.0)
        lam = moved / moved.mean()
        guess = optimal if round_ < 10 else (targets if guess_targets else pattern)
    best = min(range(len(history)), key=lambda k: history[k][0])
    _, lam_kept, optimal, pattern, level = history[best]
    return Weights(region=region, weights=lam_kept, level=level, pattern=pattern, method="heuristic",
                   gap=float(np.max(np.abs(optimal - pattern))), iterations=len(history),
                   seconds=time.perf_counter() - begin,
                   clipped=tuple(world.sectors[s] for s in np.flatnonzero(lam_kept == 0.0)), optimal=optimal)


def calibrate_weights(game: GameSystem, targets: FloatArray, *, method: WeightMethod = "foc",
                      regions: Sequence[str] | None = None, guess_targets: Sequence[str] = (),
                      **options: Any) -> tuple[pd.DataFrame, list[Weights]]:
    """λ for every region (or ``regions``): the table ``region, industry, lambda`` and each region's record.

    ``targets`` are (N, S) on the game's World grid. Regions not calibrated keep
    λ = 1 (they are not in the table). ``guess_targets`` names the regions whose
    heuristic rounds start from the targets (Ossa's choice for Japan); ``options``
    go to :func:`foc_weights` or :func:`heuristic_weights`.
    """
    if method not in ("foc", "heuristic"):
        raise ModelError(f"λ calibration method '{method}' is not one of foc, heuristic")
    world = game.world
    targets = np.asarray(targets, dtype=np.float64)
    if targets.shape != (world.n_countries, world.n_sectors):
        raise ModelError(f"target tariffs have shape {targets.shape}; expected "
                         f"{(world.n_countries, world.n_sectors)}")
    chosen = list(regions) if regions is not None else list(world.countries)
    records = [foc_weights(game, region, targets[world.country_index(region)], **options) if method == "foc"
               else heuristic_weights(game, region, targets[world.country_index(region)],
                                      guess_targets=region in guess_targets, **options)
               for region in chosen]
    table = pd.DataFrame({"region": np.repeat(np.asarray(chosen, dtype=object), world.n_sectors),
                          "industry": np.tile(np.asarray(world.sectors, dtype=object), len(chosen)),
                          "lambda": np.concatenate([r.weights for r in records])})
    return table, records


def weight_array(table: pd.DataFrame, countries: Sequence[str], sectors: Sequence[str]) -> FloatArray:
    """``region, industry, lambda`` as an (N, S) array (1 where a cell is missing)."""
    out = np.ones((len(countries), len(sectors)))
    ci = {c: k for k, c in enumerate(countries)}
    si = {s: k for k, s in enumerate(sectors)}
    for region, industry, value in zip(table["region"], table["industry"], table["lambda"], strict=True):
        out[ci[str(region)], si[str(industry)]] = float(value)
    return out
