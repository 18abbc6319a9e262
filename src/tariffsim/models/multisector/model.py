"""The multi-sector family: settings, solve, deficit purge and the welfare decomposition."""

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
from tariffsim.models.multisector.data import Calibration, calibrate
from tariffsim.models.multisector.equations import MultisectorSystem, State
from tariffsim.options import Closure, Numeraire, SolverOptions, check_choice
from tariffsim.results import Equilibrium
from tariffsim.shock import Shock
from tariffsim.solvers.strategy import solve_path
from tariffsim.world import World

__all__ = ["MultisectorModel", "solve_equilibrium", "purge_deficits", "welfare_decomposition", "EXTRA_COLUMNS"]

FloatArray = NDArray[np.float64]

EXTRA_COLUMNS = ("real_wage_pct", "terms_of_trade_pct", "volume_of_trade_pct", "trade_cost_pct",
                 "welfare_first_order_pct")
"""Columns this model adds to ``Result.countries`` (defined in :data:`tariffsim.results.COLUMNS`)."""


@dataclass(frozen=True)
class MultisectorModel:
    """Caliendo & Parro (2015): S sectors, input-output links, tariff wedges, fixed deficits.

    Parameters
    ----------
    closure
        Trade-imbalance closure; see :data:`tariffsim.options.Closure`. Default
        ``"fixed_level"`` (deficits fixed in units of the numeraire). ``"balanced"``
        first purges the deficits (Caliendo & Parro's zero-aggregate-deficit baseline).
    numeraire
        See :class:`~tariffsim.options.Numeraire`; a string such as ``"wage:USA"``
        is accepted. Default: world value added (world GDP) unchanged.

    A World without input-output links (no ``value_added_share``) is solved as the
    special case β = 1, which is the gravity model.
    """

    closure: Closure = "fixed_level"
    numeraire: Numeraire = field(default_factory=Numeraire)

    name = "multisector"

    def __post_init__(self) -> None:
        check_choice(self.closure, Closure, "closure")
        object.__setattr__(self, "numeraire", Numeraire.parse(self.numeraire))

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "closure": self.closure, "numeraire": str(self.numeraire)}

    def check(self, world: World, shock: Shock) -> None:
        """Raise a clear error when the settings or the shock do not fit the data."""
        shock.check_fits(world)
        if any(p.value != 0 for p in shock.purchases):
            raise ModelError("the multisector model does not meet purchase commitments yet; use "
                             "GravityModel for scenarios with purchases, or drop them")
        if self.numeraire.country is not None:
            world.country_index(self.numeraire.country)

    def solve(self, world: World, shock: Shock, solver: SolverOptions,
              warm_start: FloatArray | None = None) -> tuple[Equilibrium, SolverDiagnostics, World | None]:
        """Counterfactual equilibrium. Returns (equilibrium, diagnostics, purged baseline or None)."""
        self.check(world, shock)
        purged = None
        base = world
        if self.closure == "balanced":
            purged = purge_deficits(world, numeraire=self.numeraire, solver=solver)
            base = purged
        if shock.is_zero(base):
            diag = SolverDiagnostics(True, 0, 0.0, 0.0, "none", message="zero shock: the baseline is the answer")
            return identity(base), diag, purged
        target = np.zeros(base.n_countries) if self.closure == "balanced" else None
        kind = "fixed_ratio" if self.closure == "fixed_ratio" else "fixed_level"
        eq, diag = solve_equilibrium(base, shock.tau_hat(), shock.new_tariffs(base), closure=kind,
                                     numeraire=self.numeraire, solver=solver, deficit_target=target,
                                     x0=warm_start)
        return eq, diag, purged


# ---------------------------------------------------------------------- solving
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
) -> tuple[Equilibrium, SolverDiagnostics]:
    """Solve the Caliendo–Parro equilibrium in changes on ``world`` (world layout arrays in, out).

    Parameters
    ----------
    world
        Baseline (with or without input-output links).
    tau_hat
        Iceberg cost changes ``[i, j, s]`` (N, N, S), or ``None``.
    tariffs_new
        Counterfactual tariffs ``[i, j, s]`` (N, N, S), fractions.
    closure
        ``"fixed_level"`` or ``"fixed_ratio"``.
    numeraire, solver
        Normalisation and solver settings.
    deficit_target
        ``D'`` (N,) for ``fixed_level``; default the baseline deficits.
    x0
        Warm start: log wage changes (N,).

    Strategy (``method="auto"``), as for the gravity model: the accelerated
    fixed point on log wages; if it stalls, Newton's method (finite-difference
    Jacobian) from the best point; if that fails too, continuation in the size of
    the shock. Convergence is judged on the relative labour-market (equivalently
    trade-balance) residual ``max_i |Σ_s β_is Y'_is − ŵ_i VA_i| / (ŵ_i VA_i)`` and
    on the inner blocks' residuals, against ``solver.tol``.

    Raises
    ------
    ConvergenceError
        When no strategy meets ``solver.tol``.
    """
    start = time.perf_counter()
    cal = calibration or calibrate(world)
    path = ShockPath.from_world_layout(cal.tariffs, cal.deficit, tau_hat, tariffs_new, deficit_target)
    rule = numeraire.rule(world.countries)
    kind: Literal["fixed_level", "fixed_ratio"] = "fixed_ratio" if closure == "fixed_ratio" else "fixed_level"
    memory = max(solver.memory, 8)

    def system_at(fraction: float) -> MultisectorSystem:
        tau, tariffs, target, _ = path.at(fraction)
        return MultisectorSystem(cal, tau, tariffs, kind, rule, target, memory)

    # Aim at half the tolerance: the answer is evaluated afresh at the end, with inner blocks that start
    # from elsewhere and so differ by up to their own tolerance.
    out = solve_path(system_at, world.n_countries, solver, x0, tol=0.5 * solver.tol, newton_max_iter=50)
    if not out.diagnostics.converged:
        raise ConvergenceError("the multisector equilibrium did not converge", out.diagnostics)
    system = system_at(1.0)
    st = system.evaluate(out.x)
    residual = system.residual_of(st)
    if not residual < solver.tol:
        raise ConvergenceError("the multisector equilibrium did not converge", replace(
            out.diagnostics, converged=False, residual=residual, seconds=time.perf_counter() - start,
            message="the solution did not reproduce on a fresh evaluation"))
    eq = _equilibrium(system, st)
    eq = replace(eq, residual=system.conditions_residual(st.x, system.flows(st)))
    check_equilibrium(eq, world.countries, world.sectors, closure=closure_label(kind, deficit_target))
    return eq, replace(out.diagnostics, residual=max(residual, eq.market_clearing_residual()),
                       seconds=time.perf_counter() - start)


# ---------------------------------------------------------------------- outputs
def _equilibrium(system: MultisectorSystem, st: State) -> Equilibrium:
    """Counterfactual levels at the solution, in the World's ``[i, j, s]`` layout, with the extras."""
    cal = system.cal
    flows_s = system.flows(st)  # (S, N, N)
    tariffs_s = system.tariffs_new
    log_price = st.prices.log_price
    price = np.exp((cal.alpha * log_price).sum(axis=0))
    output = flows_s.sum(axis=(0, 2))
    expenditure = st.spending.sum(axis=0)
    revenue = (tariffs_s * flows_s).sum(axis=(0, 1))
    deficit = expenditure - output - revenue
    income = st.value_added + revenue + deficit
    wage_hat = np.exp(st.x)
    # The decomposition is first order in nominal changes: measure them in units of world value added
    # (Caliendo & Parro's numeraire), so that it too is the same whatever numeraire the user reports in.
    world_index = float(st.value_added.sum() / cal.value_added.sum())
    decomposition = welfare_decomposition(cal, flows_s / world_index, np.exp(st.prices.log_cost) / world_index,
                                          system.tau_hat)
    extras = {"real_wage_pct": 100.0 * (wage_hat / price - 1.0), **decomposition}
    to_w = (1, 2, 0)
    return Equilibrium(
        wage_hat=wage_hat,
        price_index_hat=price,
        sector_price_hat=np.exp(log_price).T,
        flows=np.transpose(flows_s, to_w),
        tariffs=np.transpose(tariffs_s, to_w),
        output=output,
        expenditure=expenditure,
        tariff_revenue=revenue,
        deficit=deficit,
        real_consumption_hat=(income / cal.income) / price,
        value_added=st.value_added,
        income=income,
        country_extras=extras,
        cost_hat=np.exp(st.prices.log_cost).T,
    )


def welfare_decomposition(cal: Calibration, flows_new: FloatArray, cost_hat: FloatArray,
                          tau_hat: FloatArray | None = None) -> dict[str, FloatArray]:
    r"""Caliendo & Parro's (2015) first-order welfare decomposition, percent of baseline income.

    .. math::

        d\ln W_n = \underbrace{\frac{1}{I_n}\sum_{s,i}\big(X_{nis}\,d\ln c_{ns} - X_{ins}\,d\ln c_{is}\big)}_{
                   \text{terms of trade}}
                 + \underbrace{\frac{1}{I_n}\sum_{s,i} t_{ins}\,X_{ins}\,\big(d\ln X_{ins} - d\ln c_{is}\big)}_{
                   \text{volume of trade}}
                 - \underbrace{\frac{1}{I_n}\sum_{s,i}(1+t_{ins})\,X_{ins}\,d\ln\tau_{ins}}_{
                   \text{trade costs}}

    with baseline flows ``X`` (pre-tariff; ``X_nis`` exports of n to i, ``X_ins`` its
    imports from i), baseline tariffs ``t`` and income ``I``; the log changes are
    evaluated as ``x̂ − 1``, as in Caliendo & Parro's code, so that the sum
    reproduces the published numbers. It is exact to first order only; the exact
    welfare change is the change in real income ``Î/P̂``.

    Parameters
    ----------
    cal
        Baseline calibration.
    flows_new
        Counterfactual flows ``X'[s, i, j]``, (S, N, N).
    cost_hat
        ĉ[s, i], change in input-bundle costs, (S, N).
    tau_hat
        Iceberg changes τ̂[s, i, j], (S, N, N), or ``None``.

    Returns
    -------
    dict
        ``terms_of_trade_pct``, ``volume_of_trade_pct``, ``trade_cost_pct`` and
        their sum ``welfare_first_order_pct``, each (N,).
    """
    flows = cal.flows()
    change = cost_hat - 1.0  # (S, N)
    exports_gain = np.einsum("sij,si->i", flows, change)
    imports_cost = np.einsum("sij,si->j", flows, change)
    tot = exports_gain - imports_cost
    vot = np.einsum("sij,sij->j", cal.tariffs, flows_new - flows * cost_hat[:, :, None])
    if tau_hat is None:
        costs = np.zeros_like(tot)
    else:
        costs = -np.einsum("sij,sij->j", (1.0 + cal.tariffs) * flows, tau_hat - 1.0)
    scale = 100.0 / cal.income
    out = {"terms_of_trade_pct": tot * scale, "volume_of_trade_pct": vot * scale, "trade_cost_pct": costs * scale}
    out["welfare_first_order_pct"] = out["terms_of_trade_pct"] + out["volume_of_trade_pct"] + out["trade_cost_pct"]
    return out


def identity(world: World) -> Equilibrium:
    """The baseline itself, every hat exactly 1, with this model's extras (all zero)."""
    n, s = world.n_countries, world.n_sectors
    income = world.value_added + world.tariff_revenue + world.deficit
    return Equilibrium(wage_hat=np.ones(n), price_index_hat=np.ones(n), sector_price_hat=np.ones((n, s)),
                       flows=world.flows, tariffs=world.tariffs, output=world.output,
                       expenditure=world.expenditure, tariff_revenue=world.tariff_revenue, deficit=world.deficit,
                       real_consumption_hat=np.ones(n), value_added=world.value_added, income=income,
                       country_extras={name: np.zeros(n) for name in EXTRA_COLUMNS})


# ---------------------------------------------------------------------- deficit purge
def purge_deficits(world: World, *, numeraire: Numeraire | str | None = None,
                   solver: SolverOptions | None = None) -> World:
    """The World with every trade deficit set to zero (Dekle, Eaton & Kortum 2008; Caliendo & Parro 2015).

    Solves the multisector model with the baseline policy and ``D' = 0``; the
    resulting flows become a balanced baseline with the same value-added,
    input-output and final-demand shares. Cached by the World's fingerprint.
    """
    num = Numeraire.parse(numeraire)
    opts = solver or SolverOptions()

    def balanced_flows() -> FloatArray:
        eq, _ = solve_equilibrium(world, None, world.tariffs, closure="fixed_level", numeraire=num, solver=opts,
                                  deficit_target=np.zeros(world.n_countries))
        return eq.flows

    return purged_world(world, balanced_flows, family="multisector", numeraire=str(num), tol=opts.tol,
                        model_name="multisector model")
