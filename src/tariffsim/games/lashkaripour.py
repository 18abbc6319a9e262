r"""Lashkaripour's (2021) Nash tariffs from first-order conditions: one uniform tariff per country, one system.

Lashkaripour, A. (2021), *The cost of a global tariff war: a sufficient statistics
approach*, Journal of International Economics 131, 103419. In his baseline model — one
factor, multi-industry Eaton–Kortum (equivalently Armington) trade, a Cobb–Douglas upper
tier, tariff revenue rebated: tariffsim's gravity family — a country's optimal import
tariff is uniform across partners and industries (Proposition 1) and, to the paper's
approximation (its eq. 8: a country's tariff moves welfare through its own wage only,
``r_ni / r_ii ≈ 0``), it is

.. math::

    t_i^* = \Big[\sum_k \sum_{j \ne i} \chi_{ij,k}\,\epsilon_k\,
            \big(1 - (1 - \delta_{j,k})\,\lambda_{ij,k}\big)\Big]^{-1},
    \qquad \chi_{ij,k} = \frac{X_{ij,k}}{\sum_{n \ne i} \sum_g X_{in,g}}

(eq. 12) with ``X_ij,k`` i's exports to j at producer prices, ``λ_ij,k`` their share of j's
spending on industry k and ``ε_k`` the trade elasticity (θ here), all at the
counterfactual equilibrium. ``δ_j,k = t_j λ_jj,k e_j,k / (1 + t_j λ_jj)`` carries the
effect of i's tariff on j's tariff revenue, hence on j's spending; the author's code
(``Trade_War_Baseline.m``, kept in the package ``ahmadlp/tariffwar`` as
``+solver/trade_war_baseline.m``) sets it to zero, and so does the default here
(``revenue_effect=False``). With ``revenue_effect=True`` the term is the one the model
implies: j's income is ``(1 + t_j) w_j L_j / (1 + t_j λ_jj)``, so a rise in i's wage lowers
j's spending on *every* industry by ``Σ_g ε_g λ_ij,g δ_j,g``, which enters i's export
elasticity weighted by ``Σ_k χ_ij,k`` (eq. 12 as printed pairs ``δ_j,k`` with industry k
alone; the two agree with one industry). With two countries eq. 8 drops nothing (there is
one relative wage) and the formula with this term is the exact first-order condition:
the one-shot tariffs then equal the best-response war's (tests/unit/games).

The Nash tariffs solve market clearing (eq. 5), the budget constraint (eq. 6) and the
formula for every country at once — "one simple step", no optimisation. Here the first
two are the gravity family's own conditions (:class:`~tariffsim.models.gravity.equations.
GravitySystem`), so the unknowns are ``(log ŵ, t)``, 2N of them, solved by Newton's
method with a complex-step Jacobian. (The package floors the formula's denominator at 1, capping
tariffs at 100 % for nearly closed economies; no floor here: a tariff outside Ossa's [0, 2.25] is
a :class:`~tariffsim.errors.ConvergenceError`. On WIOD 2014 the largest is 81 %, so the floor never
binds.) Because of the approximation, these tariffs differ
slightly from exact best responses (:func:`~tariffsim.games.nash_tariffs`); how much is
a measured fact of a World (see docs/games.md), not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.derivatives import STEP
from tariffsim.games.instruments import DEFAULT_UPPER
from tariffsim.games.systems import GameSystem, GravityGame, game_system
from tariffsim.models import GravityModel
from tariffsim.options import SolverOptions
from tariffsim.solvers.newton import newton
from tariffsim.world import World

__all__ = ["FocNash", "uniform_profile", "formula_tariffs", "nash_foc"]

FloatArray = NDArray[np.float64]
Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class FocNash:
    """Nash tariffs from the one-shot system of first-order conditions.

    Attributes
    ----------
    tariffs
        Each country's uniform Nash tariff, (N,), fractions.
    profile
        The tariff array at the Nash tariffs, (N, N, S): ``t_j`` on every import of j, zero
        on domestic sales.
    z
        The equilibrium (``log ŵ``), (N,).
    welfare
        Real income at the Nash tariffs relative to the World's, (N,) hats.
    diagnostics
        Newton iterations, the largest residual, seconds.
    """

    tariffs: FloatArray
    profile: FloatArray
    z: FloatArray
    welfare: FloatArray
    diagnostics: SolverDiagnostics


def uniform_profile(world: World, rates: Array) -> Array:
    """The tariff array (N, N, S) with ``rates[j]`` on every import of j and zero on domestic sales."""
    n, s = world.n_countries, world.n_sectors
    rates = np.asarray(rates)
    off = 1.0 - np.eye(n)
    return np.broadcast_to((off * rates[None, :])[:, :, None], (n, n, s)).copy()


def _formula(game: GravityGame, tariffs: Array, rates: Array, x: Array, revenue_effect: bool) -> Array:
    """The right side of eq. 12 at ``(x, tariffs)``, (N,); complex-safe."""
    system = game.system(tariffs)
    state = system.evaluate(x)
    lam = system.shares(state)  # [k, i, j]
    exports = system.flows(state) * (1.0 - np.eye(game.world.n_countries))[None, :, :]
    theta = system.theta[:, None, None]
    weighted = (theta * exports * (1.0 - lam)).sum(axis=(0, 2))
    if revenue_effect:
        # j's income is (1 + t_j) w_j L_j / (1 + t_j λ_jj): when i's wage rises, λ_jj,g rises by
        # ε_g λ_jj,g λ_ij,g, and j's spending on every sector falls by Σ_g ε_g λ_ij,g δ_j,g.
        own = np.diagonal(lam, axis1=1, axis2=2)  # λ_jj,g, (S, N)
        alpha = system.alpha  # e_j,g, (S, N)
        own_total = (alpha * own).sum(axis=0)  # λ_jj: j's domestic share of all its spending
        delta = rates[None, :] * own * alpha / (1.0 + rates[None, :] * own_total[None, :])  # δ_j,g
        income = (theta * lam * delta[:, None, :]).sum(axis=0)  # [i, j]: Σ_g ε_g λ_ij,g δ_j,g
        weighted = weighted + (exports.sum(axis=0) * income).sum(axis=1)
    return exports.sum(axis=(0, 2)) / weighted


def formula_tariffs(game: GameSystem, tariffs: FloatArray, z: FloatArray | None = None, *,
                    revenue_effect: bool = False) -> FloatArray:
    """Each country's optimal uniform tariff by eq. 12 at the equilibrium of ``tariffs``, (N,).

    ``z`` is the equilibrium (``log ŵ``) if known. At an exact best response the player's
    own entry is its chosen tariff up to the paper's approximation.
    """
    gravity = _gravity(game)
    if z is None:
        z, _, _ = gravity.solve(tariffs, None)
    rates = _importer_rates(tariffs)
    return np.asarray(_formula(gravity, tariffs, rates, z, revenue_effect).real, dtype=np.float64)


def _importer_rates(tariffs: FloatArray) -> FloatArray:
    """The mean tariff each importer levies on imports (the uniform rate of a uniform profile)."""
    n = tariffs.shape[0]
    off = (1.0 - np.eye(n))[:, :, None]
    return np.asarray((tariffs * off).sum(axis=(0, 2)) / (off.sum() / n * tariffs.shape[2]), dtype=np.float64)


def _gravity(game: GameSystem) -> GravityGame:
    if not isinstance(game, GravityGame):
        raise ModelError("Lashkaripour's first-order conditions are those of the gravity family (one factor, no "
                         "input-output links); build the game with model='gravity'")
    return game


def nash_foc(
    world: World | GameSystem,
    *,
    model: Any = None,
    solver: SolverOptions | None = None,
    revenue_effect: bool = False,
    start: FloatArray | None = None,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> FocNash:
    """Nash tariffs of every country (one uniform tariff each) from the one-shot system.

    Parameters
    ----------
    world
        The baseline World, or a gravity game system (e.g. with its deficits purged, as
        ``game_system(world, GravityModel(closure="balanced"))`` does and as Lashkaripour
        does before solving).
    model
        A :class:`~tariffsim.models.GravityModel` (default: the balanced closure).
    revenue_effect
        Keep the ``δ`` term of eq. 12 (``True``, summed over j's industries as the model
        implies) or drop it as the author's code does (default).
    start
        Starting tariffs (N,); default the formula at the World's tariffs.
    tol
        Largest absolute residual (relative market clearing, tariff gap) accepted.

    Raises
    ------
    ConvergenceError
        When Newton's method does not reach ``tol`` or a tariff leaves [0, 2.25].
    """
    game = _gravity(world if not isinstance(world, World) else
                    game_system(world, model or GravityModel(closure="balanced"), solver=solver))
    base = game.world
    n = base.n_countries

    def residual(u: Array) -> Array:
        x, rates = u[:n], u[n:]
        tariffs = uniform_profile(base, rates)
        market = game.system(tariffs).newton_residual(x)
        return np.concatenate([market, rates - _formula(game, tariffs, rates, x, revenue_effect)])

    def jacobian(u: FloatArray) -> FloatArray:
        out = np.empty((2 * n, 2 * n))
        uc = u.astype(np.complex128)
        for k in range(2 * n):
            uc[k] += 1j * STEP
            out[:, k] = residual(uc).imag / STEP
            uc[k] = u[k]
        return out

    z0, _, _ = game.solve(np.asarray(base.tariffs), None)
    rates0 = np.asarray(start, dtype=np.float64) if start is not None else \
        formula_tariffs(game, np.asarray(base.tariffs), z0, revenue_effect=revenue_effect)
    x0 = np.zeros(n)
    outcome = newton(lambda u: np.asarray(residual(u).real, dtype=np.float64), jacobian,
                     np.concatenate([x0, rates0]), residual=lambda u, f: float(np.max(np.abs(f))), tol=tol,
                     max_iter=max_iter)
    diag = outcome.diagnostics
    rates = outcome.x[n:]
    if not diag.converged or np.any(rates < 0) or np.any(rates > DEFAULT_UPPER):
        raise ConvergenceError(f"Lashkaripour's Nash system did not converge ({diag.message}; largest residual "
                               f"{diag.residual:.2g}, tariffs {rates.min():.3g} to {rates.max():.3g})", diag)
    profile = uniform_profile(base, rates)
    z = outcome.x[:n]
    welfare = np.asarray(game.welfare(profile, z), dtype=np.float64) / np.asarray(
        game.welfare(np.asarray(base.tariffs), z0), dtype=np.float64)
    return FocNash(tariffs=rates.copy(), profile=profile, z=z.copy(), welfare=welfare,
                   diagnostics=SolverDiagnostics(True, diag.iterations, diag.residual, diag.seconds,
                                                 "newton (one-shot first-order conditions)",
                                                 history=diag.history))
