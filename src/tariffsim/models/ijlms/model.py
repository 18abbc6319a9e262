"""The IJLMS family: settings, calibration on a World, solve, and the paper's outcome columns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.models._checks import check_equilibrium
from tariffsim.models.ijlms.data import (
    FIXED_COST_TARGETS,
    SCALE_TIMES_EPS,
    Calibration,
    calibrate_flows,
    fixed_cost_shares,
)
from tariffsim.models.ijlms.equations import IjlmsNumeraire, IjlmsState, IjlmsSystem, Revenue
from tariffsim.options import Numeraire, SolverOptions, check_choice
from tariffsim.results import Equilibrium, Result
from tariffsim.shock import Shock
from tariffsim.solvers.newton import newton
from tariffsim.solvers.strategy import solve_path
from tariffsim.world import World

__all__ = ["IjlmsModel", "IjlmsSolution", "OUTCOME_COLUMNS", "WORLD_PRICE_INDEX", "equilibrium_of", "outcomes",
           "solve_equilibrium", "solve_system"]

FloatArray = NDArray[np.float64]

WORLD_PRICE_INDEX = "world_price_index"
"""The authors' numéraire: the expenditure-weighted average change in price indices is zero,
``Σ_j E_j (P̂_j − 1) = 0``; "prices" in the paper's tables are relative to it."""

OUTCOME_COLUMNS = ("welfare_pct", "deficit_pct", "exports_gdp_pct", "imports_gdp_pct", "employment_pct",
                   "prices_pct", "tariff_revenue_pct")
"""The paper's outcome columns (the authors' ``results`` array), see :func:`outcomes`."""


@dataclass(frozen=True)
class IjlmsModel:
    """Ignatenko, Lashkaripour, Macedoni & Simonovska (2025): one sector, labour supply, fixed costs.

    Parameters
    ----------
    closure
        ``"fixed_level"`` (the paper's): the exogenous transfers T̄ are held fixed in units of
        world income; the rest of each deficit moves with trade through the fixed costs ν.
    numeraire
        ``"world_price_index"`` (default, the authors'), or any
        :class:`~tariffsim.options.Numeraire` (``"world_output"``, ``"wage:USA"``,
        ``"price_index:USA"``). Real outcomes do not depend on it.
    revenue
        ``"income_tax"`` (tariff revenue cuts the income tax, the paper's baseline) or
        ``"lump_sum"`` (rebated lump sum).
    labour_elasticity
        κ (0.5, Chetty et al. 2011); 0 fixes employment.
    scale
        ε·ψ, the scale elasticity times the trade elasticity (0.67).
    firm_pass_through
        φ̃, the firm-level pass-through (1; the authors' code also runs 0.5 and 0.25).
    nu
        Fixed-cost shares: ``"calibrate"`` (default; the paper's routine on the World,
        one share for ``us`` and one for every other economy, with the World's expenditure),
        one number for every economy (0: no fixed costs, the code's "Eaton–Kortum"
        specification), or a pair ``(others, us)``.
    us
        The economy with its own fixed-cost share.
    targets
        The fixed-cost targets (others, us) of the calibration.

    ``world.elasticity`` is the trade elasticity ε (4 in the paper); the World must have one
    sector and no input-output links.
    """

    closure: str = "fixed_level"
    numeraire: Numeraire | str = WORLD_PRICE_INDEX
    revenue: Revenue = "income_tax"
    labour_elasticity: float = 0.5
    scale: float = SCALE_TIMES_EPS
    firm_pass_through: float = 1.0
    nu: str | float | tuple[float, float] = "calibrate"
    us: str = "USA"
    targets: tuple[float, float] = field(default=FIXED_COST_TARGETS)

    name = "ijlms"

    def __post_init__(self) -> None:
        if self.closure != "fixed_level":
            raise ModelError(f"the IJLMS model's closure '{self.closure}' is not fixed_level: its deficits are "
                             "the transfers T̄ (fixed in units of world income) plus the fixed costs ν; for "
                             "Dekle-type fixed deficits give nu=0, for balanced trade change the transfers "
                             "(tariffsim.models.ijlms.solve_equilibrium(transfers=...))")
        if self.numeraire != WORLD_PRICE_INDEX:
            object.__setattr__(self, "numeraire", Numeraire.parse(self.numeraire))
        check_choice(self.revenue, Revenue, "revenue use")
        if not (np.isfinite(self.labour_elasticity) and self.labour_elasticity >= 0):
            raise ModelError(f"labour_elasticity must be >= 0; got {self.labour_elasticity}")
        if not (np.isfinite(self.scale) and self.scale >= 0):
            raise ModelError(f"scale (ε·ψ) must be >= 0; got {self.scale}")
        if not (np.isfinite(self.firm_pass_through) and self.firm_pass_through > 0):
            raise ModelError(f"firm_pass_through must be > 0; got {self.firm_pass_through}")
        nu = self.nu
        if isinstance(nu, str):
            if nu != "calibrate":
                raise ModelError(f"nu '{nu}' is not 'calibrate', a number or a pair (others, us)")
        else:
            values = np.atleast_1d(np.asarray(nu, dtype=np.float64))
            if values.size not in (1, 2) or np.any(values < 0) or np.any(values >= 1):
                raise ModelError(f"nu must be 'calibrate', one share in [0, 1) or a pair (others, us); got {nu}")
            object.__setattr__(self, "nu", float(values[0]) if values.size == 1 else
                               (float(values[0]), float(values[1])))
        object.__setattr__(self, "targets", (float(self.targets[0]), float(self.targets[1])))

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "closure": self.closure, "numeraire": str(self.numeraire),
                "revenue": self.revenue, "labour_elasticity": self.labour_elasticity, "scale": self.scale,
                "firm_pass_through": self.firm_pass_through,
                "nu": list(self.nu) if isinstance(self.nu, tuple) else self.nu, "us": self.us,
                "targets": list(self.targets)}

    def rule(self, countries: tuple[str, ...]) -> IjlmsNumeraire:
        """The numéraire in index form on a grid with these labels."""
        if self.numeraire == WORLD_PRICE_INDEX:
            return IjlmsNumeraire()
        assert isinstance(self.numeraire, Numeraire)
        rule = self.numeraire.rule(countries)
        return IjlmsNumeraire(rule.kind, rule.index)

    def check(self, world: World, shock: Shock) -> None:
        """Raise a clear error when the settings or the shock do not fit the World."""
        shock.check_fits(world)
        if world.n_sectors != 1:
            raise ModelError(f"the IJLMS model has one sector; this World has {world.n_sectors}: aggregate it "
                             "(World.aggregate(sectors={'ALL': list(world.sectors)}))")
        if world.has_input_output:
            raise ModelError("the IJLMS model has no input-output links; drop value_added_share and io_shares")
        if any(p.value != 0 for p in shock.purchases):
            raise ModelError("the IJLMS model does not meet purchase commitments; drop them or use GravityModel")
        if not isinstance(self.nu, float) and self.us not in world.countries:
            raise ModelError(f"the fixed-cost shares need the economy '{self.us}' (us=...), which is not in the "
                             "World; give nu as one number")
        self.rule(world.countries)

    def fixed_cost_shares(self, world: World) -> FloatArray:
        """ν (N,) on ``world``: calibrated, one number, or the pair (others, us)."""
        n = world.n_countries
        if isinstance(self.nu, float):
            return np.full(n, self.nu)
        us = world.country_index(self.us)
        if isinstance(self.nu, tuple):
            others, own = self.nu
        else:
            others, own = fixed_cost_shares(world.flows[:, :, 0], us, expenditure=world.expenditure,
                                            targets=self.targets)
        nu = np.full(n, others)
        nu[us] = own
        return nu

    def calibrate(self, world: World) -> Calibration:
        """The model's baseline on ``world`` (one sector): its flows, tariffs and ε, and ν."""
        return calibrate_flows(world.flows[:, :, 0], self.fixed_cost_shares(world), eps=float(world.elasticity[0]),
                               kappa=self.labour_elasticity, tariffs=world.tariffs[:, :, 0], scale=self.scale,
                               firm_pass_through=self.firm_pass_through)

    def system(self, cal: Calibration, tariffs: Any, tau_hat: FloatArray | None = None,
               countries: tuple[str, ...] | None = None) -> IjlmsSystem:
        """The conditions at ``tariffs`` (N, N) on a calibration (labels for the numéraire)."""
        rule = self.rule(countries) if countries is not None else IjlmsNumeraire()
        return IjlmsSystem(cal, tariffs, tau_hat, revenue=self.revenue, numeraire=rule)

    def solve(self, world: World, shock: Shock, solver: SolverOptions,
              warm_start: FloatArray | None = None) -> tuple[Equilibrium, SolverDiagnostics, World | None]:
        """Counterfactual equilibrium; ``warm_start`` is ``log ŵ`` (N,) or ``(log ŵ, log L̂)`` (2N,)."""
        self.check(world, shock)
        if shock.is_zero(world):
            diag = SolverDiagnostics(True, 0, 0.0, 0.0, "none", message="zero shock: the baseline is the answer")
            return Equilibrium.identity(world), diag, None
        cal = self.calibrate(world)
        tau = shock.tau_hat()
        solution = solve_equilibrium(cal, shock.new_tariffs(world)[:, :, 0], tau_hat=None if tau is None else
                                     tau[:, :, 0], revenue=self.revenue, numeraire=self.rule(world.countries),
                                     solver=solver, z0=warm_start)
        return equilibrium_of(solution, world), solution.diagnostics, None


# ---------------------------------------------------------------------- solving
@dataclass(frozen=True, eq=False)
class IjlmsSolution:
    """A solved IJLMS equilibrium: the system, ``z = (log ŵ, log L̂)``, its state and diagnostics."""

    system: IjlmsSystem
    z: FloatArray
    state: IjlmsState
    diagnostics: SolverDiagnostics

    @property
    def welfare(self) -> FloatArray:
        """Ŵ (N,)."""
        return np.asarray(np.real(self.system.welfare_of(self.state)), dtype=np.float64)


def solve_system(system: IjlmsSystem, z0: FloatArray, solver: SolverOptions, *,
                 max_iter: int = 50) -> tuple[FloatArray, SolverDiagnostics]:
    """Newton's method with the analytic Jacobian from ``z0`` (converges in a few steps)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = newton(system.conditions, system.jacobian, system.normalize(z0),
                     residual=lambda z, _f: system.residual(z), tol=0.5 * solver.tol, max_iter=max_iter)
    return out.x, out.diagnostics


def solve_equilibrium(cal: Calibration, tariffs: Any, *, tau_hat: FloatArray | None = None,
                      transfers: FloatArray | None = None, revenue: Revenue = "income_tax",
                      numeraire: IjlmsNumeraire | None = None, solver: SolverOptions | None = None,
                      z0: FloatArray | None = None, drop: int | None = None) -> IjlmsSolution:
    """Solve the IJLMS equilibrium on a calibration.

    Parameters
    ----------
    cal
        Baseline (:func:`~tariffsim.models.ijlms.data.calibrate_flows` or :meth:`IjlmsModel.calibrate`).
    tariffs
        Counterfactual tariffs ``t'[i, j]`` (N, N), fractions.
    tau_hat
        Iceberg trade-cost changes (N, N), or ``None``.
    transfers
        Counterfactual transfers T' in baseline units (N,); default the baseline's (the
        authors' balanced-trade variant changes them).
    revenue, numeraire
        See :class:`IjlmsModel`.
    solver
        ``solver.tol`` bounds the relative labour-market and labour-supply gaps.
    z0
        Warm start: ``log ŵ`` (N,) or ``(log ŵ, log L̂)`` (2N,).
    drop
        The labour market the numéraire replaces (see :class:`~tariffsim.models.ijlms.equations.IjlmsSystem`).

    Strategy: Newton with the analytic Jacobian; if it fails, the shared strategy
    (accelerated fixed point, Newton, continuation in the size of the shock).

    Raises
    ------
    ConvergenceError
        When no strategy meets ``solver.tol``, or the final levels miss the conditions.
    """
    start = time.perf_counter()
    solver = solver or SolverOptions()
    n = cal.n
    tariffs = np.asarray(tariffs, dtype=np.float64)
    if tariffs.shape != (n, n):
        raise ModelError(f"tariffs have shape {tariffs.shape}; expected ({n}, {n})")
    target = cal.transfers if transfers is None else np.asarray(transfers, dtype=np.float64)
    numeraire = numeraire or IjlmsNumeraire()

    def system_at(fraction: float) -> IjlmsSystem:
        t = cal.tariffs + fraction * (tariffs - cal.tariffs)
        tau = None if tau_hat is None else tau_hat ** fraction
        return IjlmsSystem(cal, t, tau, cal.transfers + fraction * (target - cal.transfers), revenue, numeraire,
                           drop)

    start_z = np.zeros(2 * n)
    if z0 is not None:
        z0 = np.asarray(z0, dtype=np.float64)
        if z0.shape == (n,):
            start_z[:n] = z0
        elif z0.shape == (2 * n,):
            start_z = z0.copy()
        else:
            raise ModelError(f"warm start has shape {z0.shape}; expected ({n},) log wage changes or ({2 * n},) "
                             "log wage and labour changes")
    system = system_at(1.0)
    z, diag = solve_system(system, start_z, solver)
    if not diag.converged:
        out = solve_path(system_at, 2 * n, solver, start_z, tol=0.5 * solver.tol)
        if not out.diagnostics.converged:
            raise ConvergenceError("the IJLMS equilibrium did not converge", out.diagnostics)
        z, diag = out.x, out.diagnostics
    state = system.evaluate(z)
    residual = system.conditions_residual(state)
    if not residual < solver.tol:
        raise ConvergenceError("the IJLMS equilibrium does not reproduce on its final levels", SolverDiagnostics(
            False, diag.iterations, residual, time.perf_counter() - start, diag.method,
            message="labour-market or budget gap on the final flows"))
    return IjlmsSolution(system, z, state, replace(diag, residual=residual, seconds=time.perf_counter() - start))


def equilibrium_of(solution: IjlmsSolution, world: World) -> Equilibrium:
    """The solution as an :class:`~tariffsim.results.Equilibrium` on ``world``'s grid.

    ``output`` is sales (the World's output is the row sum of its flows); ``value_added``
    scales the World's by ``ŵ L̂`` (so ``real_gdp_pct`` is real wage income ``ŵL̂/P̂``);
    ``real_consumption_hat`` is the paper's welfare Ŵ (``welfare_pct``).
    """
    st, system = solution.state, solution.system
    flows = np.real(st.flows)
    price = np.exp(np.real(st.log_price))
    wage = np.exp(np.real(st.x))
    expenditure = np.real(st.expenditure)
    revenue = np.real(st.revenue)
    sales = flows.sum(axis=1)
    eq = Equilibrium(
        wage_hat=wage,
        price_index_hat=price,
        sector_price_hat=price[:, None],
        flows=flows[:, :, None],
        tariffs=np.real(system.tariffs)[:, :, None],
        output=sales,
        expenditure=expenditure,
        tariff_revenue=revenue,
        deficit=flows.sum(axis=0) - sales,
        real_consumption_hat=solution.welfare,
        value_added=world.output * np.exp(np.real(st.x + st.l)),
        residual=solution.diagnostics.residual,
    )
    check_equilibrium(eq, world.countries, world.sectors, closure="fixed_level")
    return eq


# ---------------------------------------------------------------------- the paper's outcomes
def _outcome_table(system: IjlmsSystem, st: IjlmsState, countries: tuple[str, ...]) -> pd.DataFrame:
    cal = system.cal
    n = cal.n
    off = 1.0 - np.eye(n)
    X0, X1 = cal.flows, np.real(st.flows)
    y0, y1 = cal.income, np.real(st.income)
    deficit0 = X0.sum(axis=0) - X0.sum(axis=1)
    deficit1 = X1.sum(axis=0) - X1.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        exports = ((X1 * off).sum(axis=1) / y1) / ((X0 * off).sum(axis=1) / y0)
        imports = ((X1 * off).sum(axis=0) / y1) / ((X0 * off).sum(axis=0) / y0)
        deficit = (deficit1 - deficit0) / np.abs(deficit0)
    return pd.DataFrame({
        "country": list(countries),
        "welfare_pct": 100.0 * (np.real(system.welfare_of(st)) - 1.0),
        "deficit_pct": 100.0 * deficit,
        "exports_gdp_pct": 100.0 * (exports - 1.0),
        "imports_gdp_pct": 100.0 * (imports - 1.0),
        "employment_pct": 100.0 * (np.exp(np.real(st.l)) - 1.0),
        "prices_pct": 100.0 * (np.exp(np.real(st.log_price)) - 1.0),
        "tariff_revenue_pct": 100.0 * np.real(st.revenue) / cal.expenditure,
        "wage_pct": 100.0 * (np.exp(np.real(st.x)) - 1.0),
        "expenditure_pct": 100.0 * (np.real(st.expenditure) / cal.expenditure - 1.0),
    })


def outcomes(solved: IjlmsSolution | Result, countries: tuple[str, ...] | None = None,
             model: IjlmsModel | None = None) -> pd.DataFrame:
    """The paper's outcome columns per economy (the authors' ``results``), percent.

    * ``welfare_pct`` — 100 (Ŵ − 1);
    * ``deficit_pct`` — change in the trade deficit ``Σ_k X_ki − Σ_j X_ij`` (pre-tariff), relative
      to its absolute baseline value;
    * ``exports_gdp_pct``, ``imports_gdp_pct`` — change in international exports (imports) relative
      to income Y (the authors' "GDP");
    * ``employment_pct`` — 100 (L̂ − 1);
    * ``prices_pct`` — 100 (P̂ − 1), relative to the numéraire (the world expenditure-weighted
      price index by default);
    * ``tariff_revenue_pct`` — counterfactual tariff revenue as a share of baseline expenditure;
    * ``wage_pct``, ``expenditure_pct`` — nominal changes, in the numéraire.

    Parameters
    ----------
    solved
        An :class:`IjlmsSolution` (then ``countries`` labels it), or a :class:`~tariffsim.results.Result`
        of :class:`IjlmsModel` (then ``model`` is the model that produced it).
    """
    if isinstance(solved, IjlmsSolution):
        labels = countries if countries is not None else tuple(f"C{k}" for k in range(solved.system.n))
        return _outcome_table(solved.system, solved.state, labels)
    if model is None:
        raise ModelError("outcomes of a Result need the IjlmsModel that produced it")
    world = solved.baseline
    cal = model.calibrate(world)
    tau = solved.shock.tau_hat()
    system = IjlmsSystem(cal, solved.shock.new_tariffs(world)[:, :, 0], None if tau is None else tau[:, :, 0],
                         revenue=model.revenue, numeraire=model.rule(world.countries))
    eq = solved.equilibrium
    x = np.log(eq.wage_hat)
    income_hat = (eq.value_added if eq.value_added is not None else eq.output) / world.output
    z = np.concatenate([x, np.log(income_hat) - x])
    return _outcome_table(system, system.evaluate(z), world.countries)
