"""Each model family's equilibrium as an explicit system, for optimisation over tariffs.

The games layer needs three things of a model family, for a tariff profile
``t'[i, j, s]``:

* ``solve(t', z0)`` — the equilibrium (warm-started), as the vector ``z`` of the
  family's endogenous variables and an :class:`~tariffsim.results.Equilibrium`;
* ``residual(t', z)`` — every equilibrium condition ``G(z, t') = 0`` written
  explicitly, with no inner iteration, so that the implicit-function theorem
  applies: ``dz/dt = −G_z⁻¹ G_t``;
* ``welfare(t', z)`` and ``political(t', z, λ)`` — each country's objective.

``residual``, ``welfare`` and ``political`` accept complex ``z`` and ``t'``: their
derivatives are taken by complex steps (``Im f(x + ih)/h`` with ``h = 1e-30``),
which is forward-mode differentiation — exact to rounding, with no step-size error
and no cancellation (Squire & Trapp 1998; Martins, Sturdza & Alonso 2003). That is
why the model code avoids ``float()`` and ``abs`` on the quantities these functions
touch.

Families:

* gravity (``z = log ŵ``, N unknowns): market clearing with the numeraire in
  place of one condition (:meth:`GravitySystem.newton_residual`);
* multisector with input-output links (``z = (log ŵ, log P̂, Y'/Y)``,
  N + 2·S·N unknowns): :meth:`MultisectorSystem.full_residual`;
* Ossa (2014) (``z = (log ŵ, log Ê)``, 2N unknowns): :meth:`OssaSystem.conditions`.
  Its functions also take a leading batch axis (``batched = True``), so that the
  directions of one gradient are one evaluation.
* Ignatenko, Lashkaripour, Macedoni & Simonovska (2025) (``z = (log ŵ, log L̂)``, 2N
  unknowns): :meth:`IjlmsSystem.conditions`, batched; a batch of complex steps in ``z``
  is answered from the analytic Jacobian and welfare gradient (forward mode, exact).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ModelError, SolverDiagnostics
from tariffsim.models import GravityModel, IjlmsModel, MultisectorModel, OssaModel
from tariffsim.models.gravity.data import calibrate as gravity_calibrate
from tariffsim.models.gravity.equations import GravitySystem, State
from tariffsim.models.gravity.model import purge_deficits as gravity_purge
from tariffsim.models.gravity.model import solve_equilibrium as gravity_solve
from tariffsim.models.ijlms.data import Calibration as IjlmsCalibration
from tariffsim.models.ijlms.equations import IjlmsSystem
from tariffsim.models.ijlms.model import IjlmsSolution
from tariffsim.models.ijlms.model import equilibrium_of as ijlms_equilibrium
from tariffsim.models.ijlms.model import solve_equilibrium as ijlms_solve
from tariffsim.models.ijlms.model import solve_system as ijlms_newton
from tariffsim.models.multisector.data import calibrate as multisector_calibrate
from tariffsim.models.multisector.equations import MultisectorSystem
from tariffsim.models.multisector.model import purge_deficits as multisector_purge
from tariffsim.models.multisector.model import solve_equilibrium as multisector_solve
from tariffsim.models.ossa.data import calibrate as ossa_calibrate
from tariffsim.models.ossa.equations import OssaState, OssaSystem
from tariffsim.models.ossa.model import equilibrium_of as ossa_equilibrium
from tariffsim.models.ossa.model import purge_deficits as ossa_purge
from tariffsim.models.ossa.model import solve_equilibrium as ossa_solve
from tariffsim.models.ossa.model import solve_system as ossa_newton
from tariffsim.options import SolverOptions
from tariffsim.results import Equilibrium
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["GameSystem", "game_system", "GravityGame", "IjlmsGame", "MultisectorGame", "OssaGame"]

FloatArray = NDArray[np.float64]
Array = NDArray[Any]
_SM = (2, 0, 1)  # [i, j, s] -> [s, i, j]


class GameSystem(Protocol):
    """What the games layer needs of a model family (see the module docstring)."""

    world: World
    model: Any

    def solve(self, tariffs: FloatArray, z0: FloatArray | None = None) -> tuple[FloatArray, Equilibrium,
                                                                               SolverDiagnostics]: ...

    def residual(self, tariffs: Array, z: Array) -> Array: ...

    def welfare(self, tariffs: Array, z: Array) -> Array: ...

    def political(self, tariffs: Array, z: Array, weights: FloatArray) -> Array: ...


def _sector_major(array: Array) -> Array:
    return np.ascontiguousarray(np.transpose(array, _SM))


def _closure_kind(closure: str) -> Literal["fixed_level", "fixed_ratio"]:
    return "fixed_ratio" if closure == "fixed_ratio" else "fixed_level"


def _check_shock(world: World, shock: Shock | None) -> FloatArray | None:
    if shock is None:
        return None
    shock.check_fits(world)
    if shock.purchases:
        raise ModelError("the games layer does not take purchase commitments in the base scenario yet; "
                         "drop them or fold them into the World")
    return shock.tau_hat()


@dataclass(eq=False)
class GravityGame:
    """The gravity family as an explicit system: ``z = log ŵ`` (N,)."""

    world: World
    model: GravityModel
    solver: SolverOptions
    tau_hat: FloatArray | None = None
    _last: tuple[Array, GravitySystem] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.cal = gravity_calibrate(self.world)
        self.kind = _closure_kind(self.model.closure)
        self.target = np.zeros(self.world.n_countries) if self.model.closure == "balanced" else None
        self.rule = self.model.numeraire.rule(self.world.countries)
        self.tau_sm = None if self.tau_hat is None else _sector_major(self.tau_hat)
        # Sector incomes and the sectors' shares of factor income, baseline (political objective).
        sales0 = self.world.flows.sum(axis=1).T  # (S, N)
        self.sector_income0 = sales0
        self.revenue0 = self.world.tariff_revenue

    def system(self, tariffs: Array) -> GravitySystem:
        """The equation system at ``tariffs`` (the last one is kept: gradients evaluate one profile many times)."""
        if self._last is not None and self._last[0] is tariffs:
            return self._last[1]
        system = GravitySystem(self.cal, self.tau_sm, _sector_major(tariffs), self.kind, self.rule, self.target)
        self._last = (tariffs, system)
        return system

    def solve(self, tariffs: FloatArray, z0: FloatArray | None = None) -> tuple[FloatArray, Equilibrium,
                                                                               SolverDiagnostics]:
        eq, diag = gravity_solve(self.world, self.tau_hat, tariffs, closure=self.kind,
                                 numeraire=self.model.numeraire, solver=self.solver, deficit_target=self.target,
                                 x0=z0, calibration=self.cal)
        return np.log(eq.wage_hat), eq, diag

    def residual(self, tariffs: Array, z: Array) -> Array:
        return self.system(tariffs).newton_residual(z)

    def _levels(self, tariffs: Array, z: Array) -> tuple[State, Array, GravitySystem]:
        system = self.system(tariffs)
        st = system.evaluate(z)
        log_price = (system.alpha * (-np.log(st.den) / system.theta[:, None])).sum(axis=0)
        return st, log_price, system

    def welfare(self, tariffs: Array, z: Array) -> Array:
        """Real income ``Ê_j / P̂_j`` (N,)."""
        st, log_price, _ = self._levels(tariffs, z)
        return st.expenditure / self.cal.expenditure * np.exp(-log_price)

    def political(self, tariffs: Array, z: Array, weights: FloatArray) -> Array:
        """Government welfare with sector weights λ (N, S), in the spirit of Ossa (2014):
        ``Σ_s λ_js (Y'_js + δ'_js R'_j) / Σ_s λ_js (Y_js + δ_js R_j) / P̂_j`` with ``Y_js`` the
        sector's income and ``δ_js`` its share of factor income. λ = 1 gives ``(Y' + R')/(Y + R)/P̂``,
        real income when trade is balanced."""
        st, log_price, _ = self._levels(tariffs, z)
        income = st.sales_s  # (S, N)
        revenue = st.rho * st.expenditure
        share = income / income.sum(axis=0)
        share0 = self.sector_income0 / self.sector_income0.sum(axis=0)
        lam = np.asarray(weights, dtype=np.float64).T  # (S, N)
        new = (lam * (income + share * revenue[None, :])).sum(axis=0)
        old = (lam * (self.sector_income0 + share0 * self.revenue0[None, :])).sum(axis=0)
        return new / old * np.exp(-log_price)


@dataclass(eq=False)
class MultisectorGame:
    """The multisector family as an explicit system: ``z = (log ŵ, log P̂, Y'/Y)``, N + 2·S·N."""

    world: World
    model: MultisectorModel
    solver: SolverOptions
    tau_hat: FloatArray | None = None
    _last: tuple[Array, MultisectorSystem] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.cal = multisector_calibrate(self.world)
        self.kind = _closure_kind(self.model.closure)
        self.target = np.zeros(self.world.n_countries) if self.model.closure == "balanced" else None
        self.rule = self.model.numeraire.rule(self.world.countries)
        self.tau_sm = None if self.tau_hat is None else _sector_major(self.tau_hat)
        self.n, self.s = self.world.n_countries, self.world.n_sectors

    def system(self, tariffs: Array) -> MultisectorSystem:
        """The equation system at ``tariffs`` (the last one is kept, as for the gravity game)."""
        if self._last is not None and self._last[0] is tariffs:
            return self._last[1]
        system = MultisectorSystem(self.cal, self.tau_sm, _sector_major(tariffs), self.kind, self.rule,
                                   self.target)
        self._last = (tariffs, system)
        return system

    def _split(self, z: Array) -> tuple[Array, Array, Array]:
        n, s = self.n, self.s
        scale = np.where(self.cal.sector_output > 0, self.cal.sector_output, 1.0)
        return z[:n], z[n:n + s * n].reshape(s, n), z[n + s * n:].reshape(s, n) * scale

    def solve(self, tariffs: FloatArray, z0: FloatArray | None = None) -> tuple[FloatArray, Equilibrium,
                                                                               SolverDiagnostics]:
        x0 = None if z0 is None else z0[:self.n]
        eq, diag = multisector_solve(self.world, self.tau_hat, tariffs, closure=self.kind,
                                     numeraire=self.model.numeraire, solver=self.solver,
                                     deficit_target=self.target, x0=x0, calibration=self.cal)
        x = np.log(eq.wage_hat)
        log_price, output = self.system(tariffs).explicit_state(x)
        scale = np.where(self.cal.sector_output > 0, self.cal.sector_output, 1.0)
        return np.concatenate([x, log_price.ravel(), (output / scale).ravel()]), eq, diag

    def residual(self, tariffs: Array, z: Array) -> Array:
        return self.system(tariffs).full_residual(*self._split(z))

    def welfare(self, tariffs: Array, z: Array) -> Array:
        """Real final income ``Î_j / P̂_j`` (N,)."""
        x, log_price, output = self._split(z)
        income = self.system(tariffs).final_income(x, log_price, output)
        return income / self.cal.income * np.exp(-(self.cal.alpha * log_price).sum(axis=0))

    def political(self, tariffs: Array, z: Array, weights: FloatArray) -> Array:
        """As :meth:`GravityGame.political`, with each sector's value added ``β_s Y'_s`` as its income."""
        x, log_price, output = self._split(z)
        system = self.system(tariffs)
        income = system.final_income(x, log_price, output)
        base, _ = system._base(x)
        revenue = income - base
        sector_va = self.cal.beta * output
        sector_va0 = self.cal.beta * self.cal.sector_output
        lam = np.asarray(weights, dtype=np.float64).T
        new = (lam * (sector_va + sector_va / sector_va.sum(axis=0) * revenue[None, :])).sum(axis=0)
        old = (lam * (sector_va0 + sector_va0 / sector_va0.sum(axis=0) * self.cal.tariff_revenue[None, :])).sum(axis=0)
        return new / old * np.exp(-(self.cal.alpha * log_price).sum(axis=0))


@dataclass(eq=False)
class OssaGame:
    """Ossa's (2014) model as an explicit system: ``z = (log ŵ, log Ê)``, 2N unknowns.

    ``residual``, ``welfare`` and ``political`` take leading batch axes on ``z``
    (..., 2N) and on the tariffs (..., N, N, S) (``batched = True``): the games layer
    then evaluates every complex-step direction of a gradient at once.
    """

    world: World
    model: OssaModel
    solver: SolverOptions
    tau_hat: FloatArray | None = None
    _last: tuple[Array, OssaSystem] | None = field(default=None, repr=False)
    _state: tuple[Array, Array, OssaState] | None = field(default=None, repr=False)

    batched = True

    def __post_init__(self) -> None:
        self.cal = ossa_calibrate(self.world)
        self.rule = self.model.rule(self.world.countries)
        self.target = np.zeros(self.world.n_countries) if self.model.closure == "balanced" else self.cal.deficit
        self.tau_sm = None if self.tau_hat is None else _sector_major(self.tau_hat)

    def system(self, tariffs: Array) -> OssaSystem:
        """The conditions at ``tariffs`` (..., N, N, S) (the last system is kept, as for the gravity game)."""
        if self._last is not None and self._last[0] is tariffs:
            return self._last[1]
        sector_major = np.moveaxis(tariffs, -1, -3)
        if np.ndim(tariffs) == 3:  # one profile: contiguous for the products; a batch of steps is only sliced
            sector_major = np.ascontiguousarray(sector_major)
        system = OssaSystem(self.cal, self.tau_sm, sector_major, self.target, self.rule)
        self._last = (tariffs, system)
        return system

    def solve(self, tariffs: FloatArray, z0: FloatArray | None = None) -> tuple[FloatArray, Equilibrium,
                                                                               SolverDiagnostics]:
        """Newton from ``z0`` (two or three steps from a neighbouring profile); the full strategy
        (fixed point, Newton, continuation) when there is no warm start or Newton fails."""
        system = self.system(tariffs)
        if z0 is not None:
            z, diag = ossa_newton(system, np.asarray(z0, dtype=np.float64), self.solver)
            if diag.converged:
                return z, ossa_equilibrium(system, z, self.world, self.model.closure, tol=self.solver.tol), diag
        eq, diag, z = ossa_solve(self.world, self.tau_hat, tariffs, numeraire=self.rule, solver=self.solver,
                                 deficit_target=self.target, x0=z0, calibration=self.cal,
                                 closure=self.model.closure)
        return z, eq, diag

    def evaluate(self, tariffs: Array, z: Array) -> tuple[OssaSystem, OssaState]:
        """The system at ``tariffs`` and its state at ``z``; the last state is kept, because a gradient
        evaluates the conditions and the objectives at the same points (checked by value, not identity)."""
        system = self.system(tariffs)
        last = self._state
        if last is not None and last[0] is tariffs and last[1].shape == np.shape(z) and np.array_equal(last[1], z):
            return system, last[2]
        state = system.evaluate(z)
        self._state = (tariffs, np.array(z, copy=True), state)
        return system, state

    def residual(self, tariffs: Array, z: Array) -> Array:
        system, state = self.evaluate(tariffs, z)
        return system.conditions_of(state)

    def welfare(self, tariffs: Array, z: Array) -> Array:
        """Real income ``Ê_j / P̂_j`` (..., N)."""
        system, state = self.evaluate(tariffs, z)
        return system.real_income_of(state)

    def political(self, tariffs: Array, z: Array, weights: FloatArray) -> Array:
        """Ossa's government welfare with weights λ (N, S), (..., N): see
        :meth:`~tariffsim.models.ossa.equations.OssaSystem.government_welfare`."""
        system, state = self.evaluate(tariffs, z)
        return system.government_welfare_of(state, weights)

    def lobby_income(self, tariffs: Array, z: Array) -> Array:
        """``R'_js + δ'_js TR'_j`` (..., N, S): the terms government welfare weighs by λ."""
        system, state = self.evaluate(tariffs, z)
        return np.swapaxes(system.lobby_income(state), -1, -2)

    def log_price_index(self, tariffs: Array, z: Array) -> Array:
        """``log P̂_j`` (..., N)."""
        system, state = self.evaluate(tariffs, z)
        return system.log_price_index(state)


@dataclass(eq=False)
class IjlmsGame:
    """Ignatenko et al.'s (2025) model as an explicit system: ``z = (log ŵ, log L̂)``, 2N unknowns.

    ``residual`` and ``welfare`` take a leading batch axis (``batched = True``): a batch of
    complex steps in ``z`` at one real point — the directions of one gradient — is answered
    from the analytic Jacobian and welfare gradient, ``f(z + ih·e) = f(z) + ih·∇f·e`` to rounding
    (the step's square is below every double); a batch of tariff profiles is evaluated one by
    one. ``calibration`` overrides the World's (e.g. the authors' exact baseline); the World
    then only names the economies.
    """

    world: World
    model: IjlmsModel
    solver: SolverOptions
    tau_hat: FloatArray | None = None
    calibration: IjlmsCalibration | None = None
    _last: tuple[Array, IjlmsSystem] | None = field(default=None, repr=False)
    _linear: tuple[Array, FloatArray, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] | None = field(
        default=None, repr=False)

    batched = True

    def __post_init__(self) -> None:
        self.cal = self.calibration if self.calibration is not None else self.model.calibrate(self.world)
        if self.cal.n != self.world.n_countries:
            raise ModelError(f"the calibration has {self.cal.n} economies; the World {self.world.n_countries}")
        self.rule = self.model.rule(self.world.countries)
        self.tau = None if self.tau_hat is None else self.tau_hat[:, :, 0]

    def system(self, tariffs: Array) -> IjlmsSystem:
        """The conditions at one profile (N, N, 1) (the last system is kept, as for the gravity game)."""
        if self._last is not None and self._last[0] is tariffs:
            return self._last[1]
        system = IjlmsSystem(self.cal, tariffs[..., 0], self.tau, revenue=self.model.revenue, numeraire=self.rule)
        self._last = (tariffs, system)
        return system

    def solve(self, tariffs: FloatArray, z0: FloatArray | None = None) -> tuple[FloatArray, Equilibrium,
                                                                               SolverDiagnostics]:
        """Newton from ``z0``; the full strategy when there is no warm start or Newton fails."""
        if z0 is not None:
            system = self.system(tariffs)
            z, diag = ijlms_newton(system, np.asarray(z0, dtype=np.float64), self.solver)
            if diag.converged:
                state = system.evaluate(z)
                diag = replace(diag, residual=system.conditions_residual(state))
                return z, ijlms_equilibrium(IjlmsSolution(system, z, state, diag), self.world), diag
        solution = ijlms_solve(self.cal, np.asarray(tariffs)[..., 0], tau_hat=self.tau, revenue=self.model.revenue,
                               numeraire=self.rule, solver=self.solver, z0=z0)
        return solution.z, ijlms_equilibrium(solution, self.world), solution.diagnostics

    def _linearized(self, tariffs: Array, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        last = self._linear
        if last is not None and last[0] is tariffs and np.array_equal(last[1], z):
            return last[2]
        out = self.system(tariffs).linearize(z)
        self._linear = (tariffs, np.array(z, copy=True), out)
        return out

    def _steps(self, tariffs: Array, z: Array) -> FloatArray | None:
        """The common real point of a batch of complex steps in ``z`` (imaginary parts of step size), else None."""
        if np.ndim(tariffs) != 3 or np.iscomplexobj(tariffs) or np.ndim(z) != 2:
            return None
        real = np.real(z)
        if not (np.max(np.abs(np.imag(z)), initial=0.0) < 1e-20 and np.array_equal(real, np.broadcast_to(
                real[0], real.shape))):
            return None
        return np.asarray(real[0], dtype=np.float64)

    def _each(self, tariffs: Array, z: Array, what: str) -> Array:
        """``what`` ("conditions" or "welfare") over a batch of profiles or points, one by one."""
        if np.ndim(tariffs) == 4:
            out = [getattr(IjlmsSystem(self.cal, t[..., 0], self.tau, revenue=self.model.revenue,
                                       numeraire=self.rule), what)(z if np.ndim(z) == 1 else z[k])
                   for k, t in enumerate(tariffs)]
            return np.stack(out)
        system = self.system(tariffs)
        if np.ndim(z) == 2:
            return np.stack([getattr(system, what)(row) for row in z])
        return getattr(system, what)(z)

    @staticmethod
    def _directional(value: FloatArray, gradient: FloatArray, steps: FloatArray) -> Array:
        """``value + i·steps·∇ᵀ`` for a batch of steps (k, m); one step per unknown (the usual batch,
        ``h·I``) is a scaled transpose, without the product."""
        if steps.shape[0] == steps.shape[1] and np.count_nonzero(steps) == steps.shape[0] \
                and np.count_nonzero(np.diagonal(steps)) == steps.shape[0]:
            return value[None, :] + 1j * (np.diagonal(steps)[:, None] * gradient.T)
        return value[None, :] + 1j * (steps @ gradient.T)

    def residual(self, tariffs: Array, z: Array) -> Array:
        base = self._steps(tariffs, z)
        if base is not None:
            conditions, jacobian, _, _ = self._linearized(tariffs, base)
            return self._directional(conditions, jacobian, np.imag(z))
        return self._each(tariffs, z, "conditions")

    def welfare(self, tariffs: Array, z: Array) -> Array:
        """The paper's welfare Ŵ (..., N)."""
        base = self._steps(tariffs, z)
        if base is not None:
            _, _, w, gradient = self._linearized(tariffs, base)
            return self._directional(w, gradient, np.imag(z))
        return self._each(tariffs, z, "welfare")

    def political(self, tariffs: Array, z: Array, weights: FloatArray) -> Array:
        """Government welfare with weights λ (N, 1), as :meth:`GravityGame.political`: with one sector,
        ``(Y' + R')/(Y + R)/P̂`` for every λ > 0 (factor income plus tariff revenue, deflated)."""
        lam = np.asarray(weights, dtype=np.float64)[:, 0]
        if np.ndim(tariffs) == 4 or np.ndim(z) == 2:
            rows = [self.political(tariffs[k] if np.ndim(tariffs) == 4 else tariffs,
                                   z[k] if np.ndim(z) == 2 else z, weights)
                    for k in range(len(tariffs) if np.ndim(tariffs) == 4 else len(z))]
            return np.stack(rows)
        st = self.system(tariffs).evaluate(z)
        new = lam * (st.income + st.revenue)
        old = lam * (self.cal.income + self.cal.revenue)
        return new / old * np.exp(-st.log_price)


def game_system(world: World, model: Any = "gravity", *, solver: SolverOptions | None = None,
                scenario: Shock | None = None) -> GameSystem:
    """The explicit system of ``model``'s family on ``world``.

    Parameters
    ----------
    world
        The baseline. With the ``balanced`` closure, its deficits are purged first
        and the game is played on the purged World.
    model
        A model object or family name (``"gravity"``, ``"multisector"``, ``"ossa"``, ``"ijlms"``).
    solver
        Solver settings.
    scenario
        A base shock whose iceberg trade-cost changes stay in force throughout the
        game (its tariffs are the profile the game starts from, see the callers).
    """
    solver = solver or SolverOptions()
    if isinstance(model, str):
        model = {"gravity": GravityModel, "multisector": MultisectorModel, "ossa": OssaModel,
                 "ijlms": IjlmsModel}.get(model, lambda: None)()
        if model is None:
            raise ModelError("the games layer knows the families gravity, multisector, ossa and ijlms")
    tau = _check_shock(world, scenario)
    if isinstance(model, GravityModel):
        model.check(world, scenario or Shock.none(world))
        if model.procedure != "exact":
            raise ModelError("games need the exact gravity procedure")
        base = gravity_purge(world, numeraire=model.numeraire, solver=solver) if model.closure == "balanced" \
            else world
        return GravityGame(base, model, solver, tau)
    if isinstance(model, MultisectorModel):
        model.check(world, scenario or Shock.none(world))
        base = multisector_purge(world, numeraire=model.numeraire, solver=solver) \
            if model.closure == "balanced" else world
        return MultisectorGame(base, model, solver, tau)
    if isinstance(model, OssaModel):
        model.check(world, scenario or Shock.none(world))
        base = ossa_purge(world, numeraire=model.numeraire, solver=solver) if model.closure == "balanced" else world
        return OssaGame(base, model, solver, tau)
    if isinstance(model, IjlmsModel):
        model.check(world, scenario or Shock.none(world))
        return IjlmsGame(world, model, solver, tau)
    raise ModelError(f"the games layer has no explicit system for model {getattr(model, 'name', model)!r}")
