"""The gravity model family: settings, solve, deficit purge and fitted baselines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.models._checks import check_equilibrium, closure_label
from tariffsim.models._path import ShockPath
from tariffsim.models._purge import purged_world
from tariffsim.models.gravity.data import Calibration, calibrate
from tariffsim.models.gravity.equations import GravitySystem
from tariffsim.options import Closure, Numeraire, Procedure, SolverOptions, check_choice
from tariffsim.results import Equilibrium
from tariffsim.shock import Shock
from tariffsim.solvers.balancing import biproportional
from tariffsim.solvers.strategy import solve_path
from tariffsim.world import World

__all__ = ["GravityModel", "solve_equilibrium", "purge_deficits", "fitted_world"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GravityModel:
    """Structural gravity (one factor, S sectors, no input-output links) with tariff wedges.

    Parameters
    ----------
    closure
        Trade-imbalance closure; see :data:`tariffsim.options.Closure`. Default
        ``"fixed_level"``.
    numeraire
        See :class:`~tariffsim.options.Numeraire`; a string such as
        ``"price_index:DEU"`` is accepted. Default: world output.
    procedure
        ``"exact"`` (default) or ``"book"`` (Yotov et al. 2016's iterative GEPPML
        procedure; one sector, no tariffs, ``fixed_ratio``, price-index numeraire).
    """

    closure: Closure = "fixed_level"
    numeraire: Numeraire = field(default_factory=Numeraire)
    procedure: Procedure = "exact"

    name = "gravity"

    def __post_init__(self) -> None:
        check_choice(self.closure, Closure, "closure")
        object.__setattr__(self, "numeraire", Numeraire.parse(self.numeraire))
        check_choice(self.procedure, Procedure, "procedure")
        if self.procedure == "book":
            if self.closure != "fixed_ratio" or self.numeraire.kind != "price_index":
                raise ModelError("the book procedure (Yotov et al. 2016) uses closure='fixed_ratio' and a "
                                 "price-index numeraire, e.g. numeraire='price_index:DEU'")

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "closure": self.closure, "numeraire": str(self.numeraire),
                "procedure": self.procedure}

    def check(self, world: World, shock: Shock) -> None:
        """Raise a clear error when the settings do not fit the data."""
        shock.check_fits(world)
        if world.has_input_output:
            raise ModelError("this World has input-output links (value-added shares below 1); the gravity model "
                             "has none — use the multisector model, or drop value_added_share and io_shares")
        if self.numeraire.country is not None:
            world.country_index(self.numeraire.country)
        if self.procedure == "book":
            if world.n_sectors != 1:
                raise ModelError("the book procedure has one sector; this World has "
                                 f"{world.n_sectors}. Use procedure='exact'")
            if np.any(world.tariffs != 0) or (shock.tariffs is not None and np.any(shock.tariffs != 0)):
                raise ModelError("the book procedure has no tariff wedges (tariffs enter as trade costs); "
                                 "use procedure='exact' for tariffs")

    def solve(self, world: World, shock: Shock, solver: SolverOptions,
              warm_start: FloatArray | None = None) -> tuple[Equilibrium, SolverDiagnostics, World | None]:
        """Counterfactual equilibrium. Returns (equilibrium, diagnostics, purged baseline or None)."""
        self.check(world, shock)
        if self.procedure == "book":
            from tariffsim.models.gravity.book import solve_book

            assert self.numeraire.country is not None
            eq, diag = solve_book(world, shock, reference=self.numeraire.country)
            return eq, diag, None
        purged = None
        base = world
        closure: Closure = self.closure
        if closure == "balanced":
            purged = purge_deficits(world, numeraire=self.numeraire, solver=solver)
            base = purged
        if shock.is_zero(base):
            diag = SolverDiagnostics(True, 0, 0.0, 0.0, "none", message="zero shock: the baseline is the answer")
            return Equilibrium.identity(base), diag, purged
        target = np.zeros(base.n_countries) if closure == "balanced" else None
        kind = "fixed_ratio" if closure == "fixed_ratio" else "fixed_level"
        if shock.purchases:
            eq, diag = _solve_with_purchases(base, shock, kind, self.numeraire, solver, target, warm_start)
        else:
            eq, diag = solve_equilibrium(base, shock.tau_hat(), shock.new_tariffs(base), closure=kind,
                                         numeraire=self.numeraire, solver=solver, deficit_target=target,
                                         x0=warm_start)
        return eq, diag, purged


def _solve_with_purchases(world: World, shock: Shock, closure: str, numeraire: Numeraire, solver: SolverOptions,
                          deficit_target: FloatArray | None, x0: FloatArray | None,
                          max_rounds: int = 100) -> tuple[Equilibrium, SolverDiagnostics]:
    """Meet purchase commitments with preference shifts found by an outer iteration.

    Commitment k is a floor, as the Phase One agreement's were ("no less than" the
    2017 level plus an amount): importer m buys at least ``X_k + value_k`` from
    exporter e over sectors S_k (in baseline USD; like deficits under ``fixed_level``
    the floor is held in units of world output, ``(X_k + value_k)·ΣY'/ΣY``, so that
    the real outcome does not depend on the numeraire). Where the counterfactual
    already meets the floor there is no shift (δ_k = 1); otherwise δ_k > 1 raises
    the flow to the floor exactly. Its shifter δ_k multiplies m's preference weight on e's
    goods in S_k. Since ∂ log X_k / ∂ log δ_k = 1 − λ'_k (λ'_k the exporter's share
    of m's spending on S_k), the update ``log δ_k += log(target_k / X'_k) / (1 − λ'_k)``
    is Newton's step for each commitment given the others; every inner solve is
    warm-started from the last.
    """
    start = time.perf_counter()
    cal = calibrate(world)
    cells = []
    for p in shock.purchases:
        e, m = world.country_index(p.exporter), world.country_index(p.importer)
        sectors = [world.sector_index(x) for x in p.sectors]
        base = float(world.flows[e, m, sectors].sum())
        target = base + p.value
        if target <= 0:
            continue  # a floor at or below zero never binds
        if base <= 0:
            raise ModelError(f"purchase commitment '{p.label}': {p.importer} buys nothing from {p.exporter} in "
                             f"{', '.join(p.sectors)} in the baseline, so no demand shift can raise it")
        cells.append((e, m, sectors, target))
    if not cells:
        return solve_equilibrium(world, shock.tau_hat(), shock.new_tariffs(world), closure=closure,
                                 numeraire=numeraire, solver=solver, deficit_target=deficit_target, x0=x0,
                                 calibration=cal)
    world_output = float(world.output.sum())
    log_delta = np.zeros(len(cells))
    x = x0
    total_iterations = 0
    for round_ in range(1, max_rounds + 1):
        shift = np.ones(world.shape)
        for k, (e, m, sectors, _) in enumerate(cells):
            shift[e, m, sectors] *= np.exp(log_delta[k])
        eq, diag = solve_equilibrium(world, shock.tau_hat(), shock.new_tariffs(world), closure=closure,
                                     numeraire=numeraire, solver=solver, deficit_target=deficit_target, x0=x,
                                     calibration=cal, demand_shift=shift)
        total_iterations += diag.iterations
        x = np.log(eq.wage_hat)
        world_index = float(eq.output.sum() / world_output)
        errors = np.empty(len(cells))
        binding = log_delta > 0
        for k, (e, m, sectors, target) in enumerate(cells):
            flow = float(eq.flows[e, m, sectors].sum())
            spend = float(eq.flows[:, m, sectors].sum())
            gap = float(np.log(target * world_index / flow))  # > 0: below the floor
            # Complementarity: either the shift is positive and the floor holds with equality, or there
            # is no shift and the flow is at or above the floor.
            errors[k] = gap if binding[k] else max(gap, 0.0)
            log_delta[k] = max(0.0, log_delta[k] + gap / max(1.0 - flow / spend, 1e-3))
        if np.max(np.abs(errors)) < solver.tol:
            return eq, SolverDiagnostics(True, total_iterations, diag.residual, time.perf_counter() - start,
                                         diag.method + "+purchases",
                                         message=f"{len(cells)} purchase commitments met in {round_} rounds "
                                                 f"({int(binding.sum())} binding)")
    raise ConvergenceError("purchase commitments could not be met", SolverDiagnostics(
        False, total_iterations, float(np.max(np.abs(errors))), time.perf_counter() - start, "purchases",
        message=f"relative gap to the commitments after {max_rounds} rounds"))


def solve_equilibrium(
    world: World,
    tau_hat: FloatArray | None,
    tariffs_new: FloatArray,
    *,
    closure: str,
    numeraire: Numeraire,
    solver: SolverOptions,
    deficit_target: FloatArray | None = None,
    x0: FloatArray | None = None,
    calibration: Calibration | None = None,
    demand_shift: FloatArray | None = None,
) -> tuple[Equilibrium, SolverDiagnostics]:
    """Solve the exact-hat-algebra equilibrium on ``world`` (world layout arrays in, out).

    ``demand_shift`` (N, N, S) multiplies importers' preference weights (see
    :class:`~tariffsim.models.gravity.equations.GravitySystem`).

    Strategy (``method="auto"``): the accelerated fixed point; if it stalls,
    Newton with the analytic Jacobian from the best point; if that fails too,
    continuation — the shock is applied in growing fractions λ ∈ (0, 1], each
    solve warm-started from the last — which follows the equilibrium from the
    baseline (λ = 0) when the full shock is too large for a cold start.

    Raises
    ------
    ConvergenceError
        When no strategy meets ``solver.tol``.
    """
    start = time.perf_counter()
    cal = calibration or calibrate(world)
    path = ShockPath.from_world_layout(cal.tariffs, cal.deficit, tau_hat, tariffs_new, deficit_target, demand_shift)
    rule = numeraire.rule(world.countries)
    kind: Literal["fixed_level", "fixed_ratio"] = "fixed_ratio" if closure == "fixed_ratio" else "fixed_level"

    def system_at(fraction: float) -> GravitySystem:
        tau, tariffs, target, shift = path.at(fraction)
        return GravitySystem(cal, tau, tariffs, kind, rule, target, shift)

    out = solve_path(system_at, world.n_countries, solver, x0)
    if not out.diagnostics.converged:
        raise ConvergenceError("the gravity equilibrium did not converge" + _hint(world, kind), out.diagnostics)
    eq = _equilibrium(world, system_at(1.0), out.x)
    check_equilibrium(eq, world.countries, world.sectors, closure=closure_label(kind, deficit_target))
    return eq, replace(out.diagnostics, residual=eq.market_clearing_residual(),
                       seconds=time.perf_counter() - start)


def _hint(world: World, closure: str) -> str:
    """A likely reason for a failed solve that the data show, or ''."""
    no_exports = [c for c, x in zip(world.countries, world.exports, strict=True) if x <= 0]
    if closure == "fixed_ratio" and no_exports:
        return (f" ({', '.join(no_exports)} export nothing, so under fixed_ratio they cannot run the deficits that "
                "scale with their output — there may be no equilibrium; try closure 'fixed_level' or 'balanced')")
    return ""


def _equilibrium(world: World, system: GravitySystem, x: FloatArray) -> Equilibrium:
    """Counterfactual levels at the solution ``x``, in the World's ``[i, j, s]`` layout.

    Price indices use the baseline preferences (``B_cost``, without demand
    shifts), and real consumption is the baseline-preference utility of the
    counterfactual bundle: per sector ``(Σ_i λ_ijs q̂_ijs^ρ)^(1/ρ)`` with
    ``ρ = θ/(1 + θ)`` and quantities ``q̂ = X̂ / (ŵ τ̂)``, Cobb–Douglas across
    sectors. Without demand shifts it equals ``Ê / P̂`` exactly (consumers are
    on their demand curves).
    """
    st = system.evaluate(x)
    flows_s = system.flows(st)  # (S, N, N)
    tariffs_s = system.tariffs_new
    theta = system.theta
    cal = system.cal
    den_cost = st.den if system.B is system.B_cost else np.matmul(st.v[:, None, :], system.B_cost)[:, 0, :]
    den_cost = np.where(den_cost > 0, den_cost, 1.0)
    sector_price = den_cost ** (-1.0 / theta[:, None])  # (S, N)
    price = np.exp((system.alpha * np.log(sector_price)).sum(axis=0))
    revenue = (tariffs_s * flows_s).sum(axis=(0, 1))
    if system.B is system.B_cost:
        real_consumption = (st.expenditure / cal.expenditure) / price
    else:
        base_flows = cal.lam * cal.alpha[:, None, :] * cal.expenditure[None, None, :] / (1.0 + cal.tariffs)
        price_change = np.exp(x)[None, :, None] * (1.0 if system.tau_hat is None else system.tau_hat)
        q_hat = np.divide(flows_s, base_flows * price_change, out=np.zeros_like(flows_s), where=base_flows > 0)
        rho = (theta / (1.0 + theta))[:, None, None]
        agg = (cal.lam * np.where(cal.lam > 0, q_hat, 0.0) ** rho).sum(axis=1)  # (S, N)
        u_sector = np.where(agg > 0, agg, 1.0) ** (1.0 / rho[:, :, 0])
        real_consumption = np.exp((system.alpha * np.log(u_sector)).sum(axis=0))
    to_w = (1, 2, 0)
    return Equilibrium(
        wage_hat=np.exp(x),
        price_index_hat=price,
        sector_price_hat=sector_price.T,
        flows=np.transpose(flows_s, to_w),
        tariffs=np.transpose(tariffs_s, to_w),
        output=st.output,
        expenditure=st.expenditure,
        tariff_revenue=revenue,
        deficit=st.expenditure - st.output - revenue,
        real_consumption_hat=real_consumption,
    )


# ---------------------------------------------------------------------- deficit purge
def purge_deficits(world: World, *, numeraire: Numeraire | str | None = None,
                   solver: SolverOptions | None = None) -> World:
    """The World with every trade deficit set to zero (Dekle, Eaton & Kortum 2008).

    Solves the model with the baseline policy and ``D' = 0``; the resulting
    flows become a balanced baseline. Cached by the World's fingerprint.
    """
    if world.has_input_output:
        raise ModelError("this World has input-output links: purge its deficits with "
                         "tariffsim.models.multisector.purge_deficits")
    num = Numeraire.parse(numeraire)
    opts = solver or SolverOptions()

    def balanced_flows() -> FloatArray:
        eq, _ = solve_equilibrium(world, None, world.tariffs, closure="fixed_level", numeraire=num, solver=opts,
                                  deficit_target=np.zeros(world.n_countries))
        return eq.flows

    return purged_world(world, balanced_flows, family="gravity", numeraire=str(num), tol=opts.tol)


# ---------------------------------------------------------------------- fitted baseline
def fitted_world(
    world: World,
    trade_costs: FloatArray,
    *,
    output: FloatArray | None = None,
    expenditure: FloatArray | None = None,
    tol: float = 1e-13,
) -> World:
    """Model-implied baseline flows from trade costs and observed output and expenditure.

    For each sector, finds exporter and importer terms ``a_i``, ``b_j`` such that
    ``X̂_ij = a_i · T_ij · b_j`` has the given output by exporter and (pre-tariff)
    purchases by importer. This is exactly what a PPML regression of trade on
    exporter and importer fixed effects with offset ``log T`` fits (its
    first-order conditions are these adding-up constraints), i.e. the "baseline
    = fitted flows" of Yotov et al. (2016, ch. 2).

    Parameters
    ----------
    world
        Observed World: its labels and elasticities, and by default its flows'
        margins (output and purchases by sector).
    trade_costs
        ``T_ijs = τ_ijs^(−θ_s) = exp(Σ_k β_k x_ijk)``, shape (N, N) or (N, N, S).
    output, expenditure
        One-sector only: margins to fit instead of the World's, shape (N,), e.g.
        output and expenditure columns of a gravity data set. When their totals
        differ, output is rescaled to the expenditure total (as gegravity's
        baseline does, which works with output and expenditure *shares*).

    Raises
    ------
    ConvergenceError
        If the balancing does not converge (e.g. a country with no positive cost entry).
    """
    T = np.asarray(trade_costs, dtype=np.float64)
    if T.ndim == 2:
        T = T[:, :, None]
    if T.shape[:2] != (world.n_countries, world.n_countries) or T.shape[2] not in (1, world.n_sectors):
        raise ModelError(f"trade_costs has shape {T.shape}; expected {world.shape}")
    if not np.all(np.isfinite(T)) or np.any(T < 0):
        raise ModelError("trade_costs must be finite and non-negative")
    if (output is None) != (expenditure is None):
        raise ModelError("give both output and expenditure, or neither")
    if output is not None and world.n_sectors != 1:
        raise ModelError("output/expenditure margins can only be given for a one-sector World")
    flows = np.empty(world.shape)
    for s in range(world.n_sectors):
        K = T[:, :, s if T.shape[2] > 1 else 0]
        if output is not None and expenditure is not None:
            cols = np.asarray(expenditure, dtype=np.float64)
            rows = np.asarray(output, dtype=np.float64)
            if rows.shape != (world.n_countries,) or cols.shape != (world.n_countries,):
                raise ModelError(f"output and expenditure need shape ({world.n_countries},)")
            rows = rows * cols.sum() / rows.sum()
        else:
            rows = world.flows[:, :, s].sum(axis=1)
            cols = world.flows[:, :, s].sum(axis=0)
        if rows.sum() == 0:
            flows[:, :, s] = 0.0
            continue
        a, b, diag = biproportional(K, rows, cols, tol=tol)
        if not diag.converged:
            raise ConvergenceError(f"fitting baseline flows for sector {world.sectors[s]} failed", diag)
        flows[:, :, s] = a[:, None] * K * b[None, :]
    return world.replace(flows=flows, name=(world.name + " (fitted)").strip(),
                         sources={**world.sources, "flows": "fitted: structural gravity with the given trade costs "
                                  "and observed output and expenditure"})
