r"""Equilibrium conditions of the multi-sector model with input-output links, in changes.

The model is Caliendo & Parro (2015, *REStud* 82(1)): a Ricardian
(Eaton–Kortum) economy with S sectors, one factor (labour, mobile across sectors,
immobile across countries), Cobb–Douglas production combining labour and the
composite goods of every sector, Cobb–Douglas final demand, tariffs as wedges whose
revenue goes to the importer's consumers, iceberg trade costs and trade deficits
fixed in units of world value added. With β = 1 (no intermediate inputs) it is the
structural gravity model of :mod:`tariffsim.models.gravity`.

Notation: exporter i, importer j, sector s, input sector k. Hats are counterfactual
/ baseline; primes are counterfactual levels. ``κ̂_ijs = τ̂_ijs (1 + t'_ijs)/(1 + t_ijs)``.
The system is CP's "equilibrium conditions in relative changes" (their section on the
model), written with the importer's tariff-inclusive shares λ and an explicit income
equation.

.. math::

    \hat c_{is} &= \hat w_i^{\beta_{is}} \prod_k \hat P_{ik}^{(1-\beta_{is})\gamma_{iks}}
        \qquad\text{(input costs)} \\
    \hat P_{js} &= \Big(\sum_i \lambda_{ijs}\,(\hat\kappa_{ijs}\,\hat c_{is})^{-\theta_s}\Big)^{-1/\theta_s}
        \qquad\text{(sectoral price indices)} \\
    \lambda'_{ijs} &= \lambda_{ijs}\Big(\frac{\hat\kappa_{ijs}\,\hat c_{is}}{\hat P_{js}}\Big)^{-\theta_s}
        \qquad\text{(tariff-inclusive trade shares)} \\
    E'_{js} &= \sum_k (1-\beta_{jk})\,\gamma_{jsk}\,Y'_{jk} + \alpha_{js}\,I'_j,
    \qquad Y'_{is} = \sum_j \frac{\lambda'_{ijs}}{1+t'_{ijs}}\,E'_{js}
        \qquad\text{(sectoral spending and output)} \\
    I'_j &= \hat w_j\,VA_j + \sum_{i,s}\frac{t'_{ijs}}{1+t'_{ijs}}\,\lambda'_{ijs}\,E'_{js} + D'_j
        \qquad\text{(income: value added + tariff revenue + deficit)} \\
    \hat w_i\,VA_i &= \sum_s \beta_{is}\,Y'_{is}
        \qquad\text{(labour market clearing ⇔ trade balance)}

``VA_i = Σ_s β_is Y_is`` is value added (``w_i L_i``). Non-traded sectors have
``λ_iis = 1`` and stay non-traded. Deficits ``D'_j`` follow the closure:
``fixed_level`` keeps ``D'_j`` at a target (the baseline deficit by default, zero
for the ``balanced`` closure) in units of world value added, ``D'_j = D_j ΣVA'/ΣVA``,
so that real outcomes do not depend on the numeraire; ``fixed_ratio`` sets
``VA'_j + D'_j = κ φ_j VA'_j`` with ``φ_j = (VA_j + D_j)/VA_j`` and
``κ = Σ VA' / Σ φ VA'``.

How it is solved (the same inner shape as the gravity model): the unknowns are
``x = log ŵ`` (N numbers). For given wages, the price block — ``log P̂``, S·N
numbers — is a contraction with modulus ``max (1 − β)`` and is solved by an
accelerated fixed point, warm-started from the last evaluation; the spending block
is linear in ``Y'`` for given prices, a contraction with the same modulus once
final demand is closed country by country (Sherman–Morrison on the income loop),
and is solved the same way. Every step costs O(S·N² + N·S²): batched
matrix–vector products over the ``[s, i, j]`` trade blocks and the ``[i, k, s]``
input-output blocks. The outer map is the Jacobi–Newton step on the labour market.

Layout: sector-major ``[s, i, j]`` for trade, country-major ``[i, k, s]`` for the
input-output shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.models._shares import closure_spending, trade_kernels
from tariffsim.models.multisector.data import Calibration
from tariffsim.options import NumeraireRule
from tariffsim.solvers import anderson

__all__ = ["MultisectorSystem", "State", "NumeraireRule", "INNER_TOL", "accelerate"]

FloatArray = NDArray[np.float64]

INNER_TOL = 1e-13
"""Tolerance of the inner (price and spending) blocks: far below the outer 1e-11, so
that their error does not show in the market-clearing residual."""

INNER_MAX_ITER = 1000


@dataclass(frozen=True)
class Inner:
    """Outcome of an inner block: the point, its residual, the steps taken and whether it converged."""

    x: FloatArray
    residual: float
    iterations: int
    converged: bool


def accelerate(step: Callable[[FloatArray], tuple[FloatArray, float]], x0: FloatArray, *, tol: float,
               max_iter: int, memory: int) -> Inner:
    """The inner blocks' fixed points (contractions of dimension S·N), by the shared Anderson solver.

    ``step(x)`` returns ``(g(x), r(x))``; convergence when ``r(x) < tol``. A thin
    adapter over :func:`tariffsim.solvers.anderson` returning the small record the
    blocks use.
    """
    out = anderson(step, x0, tol=tol, max_iter=max_iter, memory=memory, stall_window=max_iter)
    d = out.diagnostics
    return Inner(out.x, d.residual, d.iterations, d.converged)


@dataclass
class Prices:
    """The price block solved at one wage vector. Shapes (S, N)."""

    log_cost: FloatArray  # log ĉ[s, i]
    log_price: FloatArray  # log P̂[s, j]
    v: FloatArray  # exp(−θ_s (log ĉ_si − m_s)), shifted for overflow safety
    den: FloatArray  # Σ_i B_sij v_si, importer side (1 where the importer buys nothing)
    converged: bool
    iterations: int


@dataclass
class State:
    """Everything the equilibrium conditions compute at one point ``x = log ŵ``.

    Shapes: N countries, S sectors.
    """

    x: FloatArray  # (N,) log wage changes
    prices: Prices
    spending: FloatArray  # (S, N) E'[s, j], tariff-inclusive
    output: FloatArray  # (S, N) Y'[s, i], gross output = sales
    z: FloatArray  # (S, N) E' / den
    base: FloatArray  # (N,) value added + deficit, VA'_j + D'_j
    revenue_share: FloatArray  # (S, N) Σ_i λ' t'/(1+t')
    labour_demand: FloatArray  # (N,) Σ_s β Y'
    value_added: FloatArray  # (N,) ŵ VA
    excess: FloatArray  # (N,) labour demand / supply − 1
    inner_residual: float  # largest residual of the inner blocks (relative)
    inner_iterations: int
    kappa: float  # fixed_ratio scale (1 otherwise)

    @property
    def ok(self) -> bool:
        return bool(np.all(np.isfinite(self.excess)))


class MultisectorSystem:
    """The equilibrium conditions for one (baseline, shock, closure, numeraire).

    Everything that does not move with wages is computed once here; one
    evaluation solves the price and spending blocks by accelerated fixed points,
    warm-started from the previous evaluation.

    Parameters
    ----------
    cal
        Baseline calibration.
    tau_hat
        Iceberg cost changes τ̂[s, i, j], (S, N, N), or ``None``.
    tariffs_new
        Counterfactual tariffs t'[s, i, j], (S, N, N).
    closure
        ``"fixed_level"`` or ``"fixed_ratio"`` (``balanced`` is ``fixed_level``
        with zero target deficits on a purged baseline).
    numeraire
        Which normalisation pins the price level.
    deficit_target
        ``D'`` for ``fixed_level``, (N,); defaults to the baseline deficits.
    memory
        Anderson memory of the inner blocks.
    """

    def __init__(
        self,
        cal: Calibration,
        tau_hat: FloatArray | None,
        tariffs_new: FloatArray,
        closure: Literal["fixed_level", "fixed_ratio"],
        numeraire: NumeraireRule,
        deficit_target: FloatArray | None = None,
        memory: int = 8,
    ) -> None:
        self.cal = cal
        self.closure = closure
        self.numeraire = numeraire
        self.memory = memory
        theta = cal.theta
        self.theta = theta
        self.tariffs_new = tariffs_new
        self.tau_hat = tau_hat
        # B = λ κ̂^(−θ): everything in λ' that does not move with costs.
        kernels = trade_kernels(cal.lam, cal.tariffs, tariffs_new, tau_hat, theta)
        self.B, self.B_sales, self.B_rev, self.B_sales_B = kernels.B, kernels.sales, kernels.rev, kernels.sales_B
        self.bought = self.B.sum(axis=1) > 0  # (S, N): importer j buys sector s at all
        self.beta = cal.beta
        self.G = cal.input_shares  # [i, k, s]
        self.alpha = cal.alpha
        self.value_added0 = cal.value_added
        self.deficit = cal.deficit if deficit_target is None else np.asarray(deficit_target, dtype=np.float64)
        self.phi = (cal.value_added + cal.deficit) / cal.value_added
        self.sum_value_added0 = float(cal.value_added.sum())
        self.scale = np.where(cal.sector_output > 0, cal.sector_output, 1.0)
        self._log_price = np.zeros_like(cal.sector_output)
        self._output = np.array(cal.sector_output, copy=True)

    # ------------------------------------------------------------------ price block
    def input_cost(self, x: FloatArray, log_price: FloatArray) -> FloatArray:
        """log ĉ[s, i] = β_is x_i + Σ_k (1 − β_is) γ_iks log P̂_ik (input costs), shape (S, N)."""
        inputs = np.matmul(log_price.T[:, None, :], self.G)[:, 0, :]  # [i, s] = Σ_k p[k, i] G[i, k, s]
        return self.beta * x[None, :] + inputs.T

    def _price_map(self, x: FloatArray, log_price: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                                          FloatArray]:
        """One pass of the price-index equation: (new log P̂, log ĉ, v, den)."""
        theta = self.theta[:, None]
        log_cost = self.input_cost(x, log_price)
        shift = log_cost.min(axis=1, keepdims=True)
        v = np.exp(-theta * (log_cost - shift))  # ≤ 1: no overflow for any θ
        den = np.matmul(v[:, None, :], self.B)[:, 0, :]
        good = den > 0
        den = np.where(good, den, 1.0)
        new = np.where(self.bought & good, shift - np.log(den) / theta, 0.0)
        return new, log_cost, v, den

    def solve_prices(self, x: FloatArray) -> Prices:
        """Sectoral price indices and input costs at wages ``exp(x)``.

        The fixed point of the input-cost and price-index equations, warm-started
        from the last solution.
        """
        shape = self._log_price.shape

        def step(flat: FloatArray) -> tuple[FloatArray, float]:
            new = self._price_map(x, flat.reshape(shape))[0]
            if not np.all(np.isfinite(new)):
                return np.full(flat.shape, np.nan), float("inf")
            return new.ravel(), float(np.max(np.abs(new.ravel() - flat)))

        start = self._log_price if np.all(np.isfinite(self._log_price)) else np.zeros(shape)
        out = accelerate(step, start.ravel(), tol=INNER_TOL, max_iter=INNER_MAX_ITER, memory=self.memory)
        new, log_cost, v, den = self._price_map(x, out.x.reshape(shape))
        if out.converged:
            self._log_price = new
        return Prices(log_cost=log_cost, log_price=new, v=v, den=den, converged=out.converged,
                      iterations=out.iterations)

    # ------------------------------------------------------------------ spending block
    def _spending(self, output: FloatArray, base: FloatArray, rev: FloatArray) -> FloatArray:
        """E'[s, j] from gross output Y' (the spending equation), with final demand closed country by country.

        ``E_j = u_j + α_j (r_j·E_j)`` with ``u_j = Σ_k G_jsk Y'_jk + α_j base_j`` is solved by
        Sherman–Morrison: ``r_j·E_j = r_j·u_j / (1 − r_j·α_j)``.
        """
        intermediate = np.matmul(self.G, output.T[:, :, None])[:, :, 0].T  # [s, j] = Σ_k G[j, s, k] Y'[k, j]
        u = intermediate + self.alpha * base[None, :]
        revenue = (rev * u).sum(axis=0) / (1.0 - (rev * self.alpha).sum(axis=0))
        return u + self.alpha * revenue[None, :]

    def _base(self, x: FloatArray) -> tuple[FloatArray, float]:
        """VA'_j + D'_j by closure, and κ."""
        return closure_spending(self.closure, np.exp(x) * self.value_added0, self.phi, self.deficit,
                                self.sum_value_added0)

    def evaluate(self, x: FloatArray) -> State:
        """All equilibrium quantities at ``x = log ŵ``."""
        prices = self.solve_prices(x)
        v, den = prices.v, prices.den
        rev = np.matmul(v[:, None, :], self.B_rev)[:, 0, :] / den  # Σ_i λ' t'/(1+t'), (S, N)
        base, kappa = self._base(x)
        scale = self.scale

        def sales(spending: FloatArray) -> FloatArray:
            return v * np.matmul(self.B_sales, (spending / den)[:, :, None])[:, :, 0]

        def step(flat: FloatArray) -> tuple[FloatArray, float]:
            new = sales(self._spending(flat.reshape(scale.shape) * scale, base, rev)) / scale
            if not np.all(np.isfinite(new)):
                return np.full(flat.shape, np.nan), float("inf")
            return new.ravel(), float(np.max(np.abs(new.ravel() - flat)))

        iterations = prices.iterations
        residual = 0.0 if prices.converged else float("inf")
        output = np.full_like(scale, np.nan)
        spending = np.full_like(scale, np.nan)
        if prices.converged:
            start = self._output if np.all(np.isfinite(self._output)) else self.cal.sector_output
            out = accelerate(step, (start / scale).ravel(), tol=INNER_TOL, max_iter=INNER_MAX_ITER,
                             memory=self.memory)
            iterations += out.iterations
            if out.converged:
                spending = self._spending(out.x.reshape(scale.shape) * scale, base, rev)
                output = sales(spending)
                self._output = output
                residual = out.residual
            else:
                residual = float("inf")
        value_added = np.exp(x) * self.value_added0
        labour = (self.beta * output).sum(axis=0)
        excess = labour / value_added - 1.0
        return State(x=x, prices=prices, spending=spending, output=output, z=spending / den, base=base,
                     revenue_share=rev, labour_demand=labour, value_added=value_added, excess=excess,
                     inner_residual=residual, inner_iterations=iterations, kappa=kappa)

    # ------------------------------------------------------------------ numeraire
    def log_price_index(self, log_price: FloatArray, country: int) -> float:
        """log P̂_j = Σ_s α_js log P̂_js for one country."""
        return float(np.dot(self.alpha[:, country], log_price[:, country]))

    def normalize(self, x: FloatArray) -> FloatArray:
        """Shift ``x`` (a common factor on all wages) to satisfy the numeraire.

        Prices are homogeneous of degree one in wages, so a shift ``a`` of ``x``
        moves every ``log P̂`` by ``a`` and the price-index numeraire is a shift too.
        """
        kind = self.numeraire.kind
        if kind == "world_output":
            shift = np.log(np.dot(np.exp(x), self.value_added0) / self.sum_value_added0)
        elif kind == "wage":
            shift = x[self.numeraire.index]
        else:
            prices = self.solve_prices(x)
            if not prices.converged:
                return np.full_like(x, np.nan)
            shift = self.log_price_index(prices.log_price, self.numeraire.index)
            self._log_price = prices.log_price - shift
        return x - shift

    # ------------------------------------------------------------------ fixed-point map
    def own_sales(self, st: State) -> FloatArray:
        """Σ_j X'_ijs λ'_ijs, shape (S, N): the part of sales that competes at home in each market."""
        v = st.prices.v
        return v * v * np.matmul(self.B_sales_B, (st.z / st.prices.den)[:, :, None])[:, :, 0]

    def step(self, x: FloatArray) -> tuple[FloatArray, float]:
        """One Jacobi–Newton step on log wages (labour market), then normalisation.

        The step divides each country's log excess labour demand by
        ``d_i = 1 + Σ_s θ_s β_is (Y'_is − Σ_j X'_ijs λ'_ijs) / L_i``, the own-wage
        elasticity of labour demand when every home cost moves with the wage and
        income effects are ignored (an upper bound, so steps are never too long).
        """
        st = self.evaluate(x)
        if not (st.ok and np.all(st.labour_demand > 0)):
            return np.full_like(x, np.nan), float("inf")
        resid = self.residual_of(st)
        lost = st.output - self.own_sales(st)
        d = 1.0 + (self.theta[:, None] * self.beta * lost).sum(axis=0) / st.labour_demand
        x_new = x + np.log(st.labour_demand / st.value_added) / d
        return self.normalize(x_new), resid

    def residual_of(self, st: State) -> float:
        """The convergence measure: the largest relative labour-market excess and inner-block residual."""
        if not st.ok:
            return float("inf")
        return max(float(np.max(np.abs(st.excess))), st.inner_residual)

    def residual(self, x: FloatArray) -> float:
        """:meth:`residual_of` at ``x``."""
        return self.residual_of(self.evaluate(x))

    # ------------------------------------------------------------------ Newton system
    def _drop(self) -> int:
        return int(np.argmax(self.value_added0))

    def newton_residual(self, x: FloatArray) -> FloatArray:
        """Labour-market clearing for all countries but one, plus the numeraire condition."""
        st = self.evaluate(x)
        f = st.excess.copy()
        kind = self.numeraire.kind
        r = self._drop()
        if kind == "world_output":
            f[r] = np.log(st.value_added.sum() / self.sum_value_added0)
        elif kind == "wage":
            f[r] = x[self.numeraire.index]
        else:
            f[r] = self.log_price_index(st.prices.log_price, self.numeraire.index)
        return f

    def jacobian(self, x: FloatArray, step: float = 1e-7) -> FloatArray:
        """Forward-difference Jacobian of :meth:`newton_residual`, shape (N, N).

        N evaluations, each warm-started from the last; the inner blocks are solved
        to 1e-13, so the differences carry about six digits — enough for Newton's
        method, whose answer is judged on the residual, not on the Jacobian.
        """
        f0 = self.newton_residual(x)
        n = x.shape[0]
        jac = np.empty((n, n))
        for k in range(n):
            xk = x.copy()
            xk[k] += step
            jac[:, k] = (self.newton_residual(xk) - f0) / step
        return jac

    # ------------------------------------------------------------------ explicit system (games layer)
    def explicit_state(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(log P̂, Y')`` at ``x``, both (S, N): the inner blocks' solution, for :meth:`full_residual`."""
        st = self.evaluate(x)
        return st.prices.log_price, st.output

    def full_residual(self, x: FloatArray, log_price: FloatArray, output: FloatArray) -> FloatArray:
        """Every equilibrium condition at once, with no inner solve: ``(N + 2·S·N,)``.

        The labour markets with the numeraire in place of one of them (as
        :meth:`newton_residual`), the price-index equation ``log P̂ − map(x, log P̂)``
        and the output equation ``(Y' − sales(spending(Y')))/Y`` — explicit in
        ``(x, log P̂, Y')``, so that the implicit-function theorem applies to the
        whole system and complex-step derivatives pass through (no ``float()``,
        no comparisons on the perturbed values).
        """
        new, _, v, den = self._price_map(x, log_price)
        rev = np.matmul(v[:, None, :], self.B_rev)[:, 0, :] / den
        base, _ = self._base(x)
        spending = self._spending(output, base, rev)
        sales = v * np.matmul(self.B_sales, (spending / den)[:, :, None])[:, :, 0]
        value_added = np.exp(x) * self.value_added0
        labour = (self.beta * output).sum(axis=0) / value_added - 1.0
        r = self._drop()
        kind = self.numeraire.kind
        if kind == "world_output":
            labour[r] = np.log(value_added.sum() / self.sum_value_added0)
        elif kind == "wage":
            labour[r] = x[self.numeraire.index]
        else:
            labour[r] = np.dot(self.alpha[:, self.numeraire.index], log_price[:, self.numeraire.index])
        return np.concatenate([labour, (log_price - new).ravel(), ((output - sales) / self.scale).ravel()])

    def final_income(self, x: FloatArray, log_price: FloatArray, output: FloatArray) -> FloatArray:
        """``I'_j = VA'_j + D'_j + R'_j`` (N,) from the explicit variables (complex-safe)."""
        _, _, v, den = self._price_map(x, log_price)
        rev = np.matmul(v[:, None, :], self.B_rev)[:, 0, :] / den
        base, _ = self._base(x)
        spending = self._spending(output, base, rev)
        return base + (rev * spending).sum(axis=0)

    # ------------------------------------------------------------------ results
    def shares(self, st: State) -> FloatArray:
        """λ'[s, i, j], shape (S, N, N)."""
        return self.B * st.prices.v[:, :, None] / st.prices.den[:, None, :]

    def flows(self, st: State) -> FloatArray:
        """X'[s, i, j] at pre-tariff prices, shape (S, N, N)."""
        return self.B_sales * st.prices.v[:, :, None] * st.z[:, None, :]

    def conditions_residual(self, x: FloatArray, flows: FloatArray) -> float:
        """The largest relative violation of the equilibrium conditions, measured on final levels.

        Recomputes from the counterfactual flows ``X'[s, i, j]`` and wages alone —
        not from the solver's state — gross output ``Y'_is = Σ_j X'_ijs``, spending
        ``E'_js = Σ_i (1 + t'_ijs) X'_ijs``, tariff revenue and the closure's deficits,
        and returns the largest of

        * labour-market clearing ``|Σ_s β_is Y'_is − ŵ_i VA_i| / (ŵ_i VA_i)``, and
        * the spending equation ``|E'_js − Σ_k (1 − β_jk) γ_jsk Y'_jk − α_js I'_j| / E'_j``
          with ``I'_j = ŵ_j VA_j + R'_j + D'_j`` and ``E'_j = Σ_s E'_js``.
        """
        output = flows.sum(axis=2)  # [s, i]
        spending = ((1.0 + self.tariffs_new) * flows).sum(axis=1)  # [s, j]
        revenue = (self.tariffs_new * flows).sum(axis=(0, 1))
        value_added = np.exp(x) * self.value_added0
        base, _ = self._base(x)
        income = base + revenue
        labour = np.abs((self.beta * output).sum(axis=0) / value_added - 1.0)
        intermediate = np.matmul(self.G, output.T[:, :, None])[:, :, 0].T  # [s, j]
        gap = spending - intermediate - self.alpha * income[None, :]
        total = spending.sum(axis=0)
        budget = np.abs(gap).max(axis=0) / np.where(total > 0, total, 1.0)
        return float(max(labour.max(), budget.max()))
