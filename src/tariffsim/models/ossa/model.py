"""Ossa's (2014) family: settings, solve and the deficit purge."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.models._checks import check_equilibrium
from tariffsim.models._path import ShockPath
from tariffsim.models._purge import purged_world
from tariffsim.models.ossa.data import Calibration, calibrate
from tariffsim.models.ossa.equations import OssaNumeraire, OssaSystem
from tariffsim.options import Numeraire, SolverOptions
from tariffsim.results import Equilibrium
from tariffsim.shock import Shock
from tariffsim.solvers.newton import newton
from tariffsim.solvers.strategy import solve_path
from tariffsim.world import World

__all__ = ["OssaModel", "OssaClosure", "LABOUR_INCOME", "solve_equilibrium", "solve_system", "equilibrium_of",
           "purge_deficits"]

FloatArray = NDArray[np.float64]
OssaClosure = Literal["balanced", "fixed_level"]

LABOUR_INCOME = "labour_income"
"""Ossa's numéraire: world labour income unchanged, ``Σ_i w_i L_i ŵ_i / Σ_i w_i L_i = 1``."""


@dataclass(frozen=True)
class OssaModel:
    """Ossa (2014): S Krugman industries with a fixed number of firms, labour mobile across industries.

    Parameters
    ----------
    closure
        ``"balanced"`` (default; Ossa's ``NXC = 0``): deficits are purged first and
        stay zero. ``"fixed_level"``: deficits held in units of world output, as in
        the other families.
    numeraire
        ``"labour_income"`` (default; Ossa's: world labour income unchanged), or any
        :class:`~tariffsim.options.Numeraire` (``"world_output"``, ``"wage:Japan"``,
        ``"price_index:US"``). Real outcomes do not depend on it.

    ``world.elasticity`` is θ_s = σ_s − 1; profits are the share ``1/σ_s`` of each
    industry's revenue.
    """

    closure: OssaClosure = "balanced"
    numeraire: Numeraire | str = LABOUR_INCOME

    name = "ossa"

    def __post_init__(self) -> None:
        if self.closure not in ("balanced", "fixed_level"):
            raise ModelError(f"the Ossa model's closure '{self.closure}' is not one of balanced (Ossa's net exports "
                             "of zero), fixed_level")
        if self.numeraire != LABOUR_INCOME:
            object.__setattr__(self, "numeraire", Numeraire.parse(self.numeraire))

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "closure": self.closure, "numeraire": str(self.numeraire)}

    def rule(self, countries: tuple[str, ...]) -> OssaNumeraire:
        """The numéraire in index form on a grid with these labels."""
        if self.numeraire == LABOUR_INCOME:
            return OssaNumeraire()
        assert isinstance(self.numeraire, Numeraire)
        rule = self.numeraire.rule(countries)
        return OssaNumeraire(rule.kind, rule.index)

    def check(self, world: World, shock: Shock) -> None:
        """Raise a clear error when the settings or the shock do not fit the data."""
        shock.check_fits(world)
        if world.has_input_output:
            raise ModelError("this World has input-output links; Ossa's model has none — use the multisector "
                             "model, or drop value_added_share and io_shares")
        if any(p.value != 0 for p in shock.purchases):
            raise ModelError("the Ossa model does not meet purchase commitments; use GravityModel for scenarios "
                             "with purchases, or drop them")
        self.rule(world.countries)

    def solve(self, world: World, shock: Shock, solver: SolverOptions,
              warm_start: FloatArray | None = None) -> tuple[Equilibrium, SolverDiagnostics, World | None]:
        """Counterfactual equilibrium. Returns (equilibrium, diagnostics, purged baseline or None).

        ``warm_start`` may be ``z = (log ŵ, log Ê)`` (2N,) or log wage changes alone (N,).
        """
        self.check(world, shock)
        purged = None
        base = world
        if self.closure == "balanced":
            base = purge_deficits(world, numeraire=self.numeraire, solver=solver)
            purged = None if base is world else base
        if shock.is_zero(base):
            diag = SolverDiagnostics(True, 0, 0.0, 0.0, "none", message="zero shock: the baseline is the answer")
            return Equilibrium.identity(base), diag, purged
        target = np.zeros(base.n_countries) if self.closure == "balanced" else None
        eq, diag, _ = solve_equilibrium(base, shock.tau_hat(), shock.new_tariffs(base), numeraire=self.rule(
            base.countries), solver=solver, deficit_target=target, x0=warm_start, closure=self.closure)
        return eq, diag, purged


# ---------------------------------------------------------------------- solving
def solve_system(system: OssaSystem, z0: FloatArray, solver: SolverOptions, *,
                 newton_max_iter: int = 30) -> tuple[FloatArray, SolverDiagnostics]:
    """Newton's method on the 2N conditions from a warm start (the games' inner solve).

    Converges in two or three steps from a nearby point; the caller falls back to
    :func:`solve_equilibrium` (fixed point, Newton, continuation) when it does not.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = newton(system.conditions, system.jacobian, system.normalize(z0),
                     residual=lambda z, _f: system.residual(z), tol=0.5 * solver.tol, max_iter=newton_max_iter)
    return out.x, out.diagnostics


def solve_equilibrium(
    world: World,
    tau_hat: FloatArray | None,
    tariffs_new: FloatArray,
    *,
    numeraire: OssaNumeraire,
    solver: SolverOptions,
    deficit_target: FloatArray | None = None,
    x0: FloatArray | None = None,
    calibration: Calibration | None = None,
    closure: str = "balanced",
) -> tuple[Equilibrium, SolverDiagnostics, FloatArray]:
    """Solve Ossa's equilibrium in changes on ``world`` (world-layout ``[i, j, s]`` arrays in and out).

    Parameters
    ----------
    world
        Baseline.
    tau_hat
        Iceberg cost changes (N, N, S), or ``None``.
    tariffs_new
        Counterfactual tariffs (N, N, S), fractions.
    numeraire
        The normalisation.
    solver
        Solver settings; ``solver.tol`` bounds the relative labour-market and budget gaps.
    deficit_target
        ``D'`` (N,), held in units of world output; default the baseline deficits.
    x0
        Warm start, ``(log ŵ, log Ê)`` (2N,) or ``log ŵ`` (N,).
    closure
        For messages only: the closure the caller runs.

    Strategy: the shared one (:func:`tariffsim.solvers.strategy.solve_path`) — the
    accelerated fixed point, Newton with the complex-step Jacobian if it stalls,
    continuation in the size of the shock if both fail.

    Returns
    -------
    equilibrium, diagnostics, z
        ``z = (log ŵ, log Ê)`` at the solution.

    Raises
    ------
    ConvergenceError
        When no strategy meets ``solver.tol``.
    """
    start = time.perf_counter()
    cal = calibration or calibrate(world)
    n = world.n_countries
    target = cal.deficit if deficit_target is None else np.asarray(deficit_target, dtype=np.float64)
    path = ShockPath.from_world_layout(cal.tariffs, cal.deficit, tau_hat, tariffs_new, target)

    def system_at(fraction: float) -> OssaSystem:
        tau, tariffs, deficits, _ = path.at(fraction)
        assert deficits is not None
        return OssaSystem(cal, tau, tariffs, deficits, numeraire)

    z0 = None
    if x0 is not None:
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.shape == (n,):
            z0 = np.concatenate([x0, np.zeros(n)])
        elif x0.shape == (2 * n,):
            z0 = x0
        else:
            raise ModelError(f"warm start has shape {x0.shape}; expected ({n},) log wage changes or ({2 * n},) "
                             "log wage and spending changes")
    out = solve_path(system_at, 2 * n, solver, z0, tol=0.5 * solver.tol, newton_max_iter=50)
    if not out.diagnostics.converged:
        raise ConvergenceError("the Ossa equilibrium did not converge", out.diagnostics)
    system = system_at(1.0)
    eq = equilibrium_of(system, out.x, world, closure, tol=solver.tol)
    return eq, replace(out.diagnostics, residual=eq.market_clearing_residual(),
                       seconds=time.perf_counter() - start), out.x


def equilibrium_of(system: OssaSystem, z: FloatArray, world: World, closure: str = "balanced", *,
                   tol: float = 1e-11) -> Equilibrium:
    """Counterfactual levels at the solution ``z``, in the World's ``[i, j, s]`` layout.

    Raises :class:`ConvergenceError` when the levels, recomputed from the final flows,
    miss the conditions by ``tol`` or more (a solve that has not converged), and
    :class:`ModelError` when they are not an economy.
    """
    st = system.evaluate(z)
    flows_s = system.flows(st)
    tariffs_s = system.tariffs_new
    log_sector_price = system.log_sector_price(st)
    revenue = (tariffs_s * flows_s).sum(axis=(0, 1))
    output = flows_s.sum(axis=(0, 2))
    expenditure = ((1.0 + tariffs_s) * flows_s).sum(axis=(0, 1))
    residual = system.conditions_residual(z, flows_s)
    to_w = (1, 2, 0)
    eq = Equilibrium(
        wage_hat=np.exp(z[:system.n]),
        price_index_hat=np.exp(system.log_price_index(st)),
        sector_price_hat=np.exp(log_sector_price).T,
        flows=np.transpose(flows_s, to_w),
        tariffs=np.transpose(tariffs_s, to_w),
        output=output,
        expenditure=expenditure,
        tariff_revenue=revenue,
        deficit=expenditure - output - revenue,
        residual=residual,
    )
    if not residual < tol:
        raise ConvergenceError("the Ossa equilibrium does not reproduce on its final levels", SolverDiagnostics(
            False, 0, residual, 0.0, "check", message="labour-market or budget gap on the final flows"))
    check_equilibrium(eq, world.countries, world.sectors, closure=closure)
    return eq


# ---------------------------------------------------------------------- deficit purge
def purge_deficits(world: World, *, numeraire: Numeraire | str = LABOUR_INCOME,
                   solver: SolverOptions | None = None) -> World:
    """The World with every trade deficit set to zero, by Ossa's model (his ``NXC = 0``).

    Solves the model at the baseline tariffs with ``D' = 0``; the resulting flows
    become a balanced baseline. A World whose deficits are already zero is returned
    as it is. Cached by the World's fingerprint.
    """
    opts = solver or SolverOptions()
    model = OssaModel(numeraire=numeraire)

    def balanced_flows() -> FloatArray:
        eq, _, _ = solve_equilibrium(world, None, world.tariffs, numeraire=model.rule(world.countries),
                                     solver=opts, deficit_target=np.zeros(world.n_countries))
        return eq.flows

    return purged_world(world, balanced_flows, family="ossa", numeraire=str(model.numeraire), tol=opts.tol,
                        model_name="Ossa model")
