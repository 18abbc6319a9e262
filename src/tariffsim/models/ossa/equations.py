r"""Equilibrium conditions of Ossa's (2014) model, in changes.

The model is Ossa (2014, *AER* 104(12), "Trade Wars and Trade Talks with Data",
the model section): S industries of Krugman (1980) monopolistic competition with a *fixed*
number of firms, so that profits ``R_is/σ_s`` are rents; labour the only factor,
mobile across industries and immobile across countries; a Cobb–Douglas upper tier
with shares μ_js (here ``α``) and CES within industries (elasticity σ_s); tariffs
as wedges whose revenue the importer's government rebates to its consumers;
counterfactual net exports fixed (zero in Ossa's experiments). Ossa's MATLAB code
(``myconditions.m``, ``mycalculations.m``) writes the same conditions.

Notation: exporter i, importer j, industry s; hats are counterfactual/baseline,
primes counterfactual levels; ``θ_s = σ_s − 1``;
``κ̂_ijs = τ̂_ijs (1 + t'_ijs)/(1 + t_ijs)``. Prices are a constant markup over
wages, and the number of firms does not move, so the industry price index and the
trade shares move with wages and tariffs only — exactly as in the gravity family:

.. math::

    \hat P_{js} &= \Big(\sum_i \lambda_{ijs}\,(\hat w_i\,\hat\kappa_{ijs})^{-\theta_s}\Big)^{-1/\theta_s},
    \qquad \hat P_j = \prod_s \hat P_{js}^{\alpha_{js}} \\
    \lambda'_{ijs} &= \lambda_{ijs}\,(\hat w_i\,\hat\kappa_{ijs})^{-\theta_s}\,\hat P_{js}^{\theta_s}
        \qquad\text{(tariff-inclusive trade shares)} \\
    X'_{ijs} &= \frac{\lambda'_{ijs}\,\alpha_{js}\,\hat E_j E_j}{1+t'_{ijs}}, \qquad
    R'_{is} = \sum_j X'_{ijs}
        \qquad\text{(flows at pre-tariff prices; industry revenue)} \\
    \hat w_i\, w_i L_i &= \sum_s \frac{\sigma_s-1}{\sigma_s}\,R'_{is}
        \qquad\text{(labour market: Ossa's } \hat w_i = \textstyle\sum_s \delta_{is}\hat R_{is}) \\
    \hat E_j E_j &= \hat w_j\, w_j L_j + \sum_s \frac{R'_{js}}{\sigma_s}
        + \sum_{i,s} t'_{ijs} X'_{ijs} + D'_j
        \qquad\text{(budget: wages + profits + tariff revenue + deficit)}

with ``δ_is = (θ_s/σ_s) R_is / w_i L_i`` industry s's share of labour income.
Where the two families differ: the gravity model's income is ``ŵ_i Y_i`` and its
market clearing ``Σ_{j,s} X'_ijs = ŵ_i Y_i``; here income includes profits that move
with each industry's revenue, and only the labour part of revenue must equal the
wage bill. With one industry, or the same σ in every industry, the two coincide
(``δ_is = R_is/Y_i``), which the equivalence tests check.

Deficits ``D'_j`` (Ossa's ``−NXC_j``): zero (``balanced``, Ossa's choice) or the
baseline's held in units of world output, ``D_j Σ Y'/Σ Y`` (``fixed_level``).

The unknowns are ``z = (log ŵ, log Ê)``, 2N numbers, as in Ossa's code; the
numéraire replaces one labour-market condition (Walras' law makes one redundant).
Ossa's numéraire is world labour income, ``Σ_i w_i L_i ŵ_i / Σ_i w_i L_i = 1``.

Every function here accepts complex ``z`` and tariffs and leading batch axes
(``z`` of shape (..., 2N), tariffs (..., S, N, N)): the games layer differentiates
by complex steps and batches the directions of one gradient into one evaluation.

Layout: sector-major ``[s, i, j]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.models._shares import trade_kernels
from tariffsim.models.ossa.data import Calibration

__all__ = ["OssaSystem", "OssaState", "OssaNumeraire", "STEP"]

FloatArray = NDArray[np.float64]
Array = NDArray[Any]

STEP = 1e-30
"""Complex step of the Jacobian: ``∂F/∂z_k = Im F(z + i·STEP·e_k)/STEP`` to rounding."""


@dataclass(frozen=True)
class OssaNumeraire:
    """The normalisation in index form.

    ``kind``: ``labour_income`` (Ossa's: world labour income unchanged), ``world_output``
    (world revenue = GDP unchanged), ``wage`` or ``price_index`` (of country ``index``).
    """

    kind: Literal["labour_income", "world_output", "wage", "price_index"] = "labour_income"
    index: int = -1


@dataclass
class OssaState:
    """Everything the conditions compute at one point; shapes (..., S, N) or (..., N)."""

    log_wage: Array  # (..., N) log ŵ
    log_spending: Array  # (..., N) log Ê
    v: Array  # (..., S, N) ŵ_i^(−θ_s)
    den: Array  # (..., S, N) Σ_i B_sij v_si (1 where the importer buys nothing of s)
    q: Array  # (..., S, N) α_sj E'_j / den_sj
    sales: Array  # (..., S, N) R'_si
    spending: Array  # (..., N) E'_j
    tariff_revenue: Array  # (..., N)
    labour_demand: Array  # (..., N) Σ_s (θ_s/σ_s) R'_si
    output: Array  # (..., N) Σ_s R'_si
    deficit: Array  # (..., N) D'_j
    income: Array  # (..., N) ŵ wL + profits + tariff revenue + D'
    labour: Array  # (..., N) labour demand / supply − 1
    budget: Array  # (..., N) income / E' − 1


@dataclass(frozen=True)
class _Column:
    """A batch of complex steps confined to one importer's tariffs: the kernels of that column only.

    ``B``, ``sales`` and ``rev`` are (P, S, N), indexed ``[p, s, exporter]``: the
    complex kernels of importer ``j``'s column for each of the P directions. Every
    other column is the real base (the system's ``B``), so that one direction costs
    O(S·N) instead of O(S·N²).
    """

    j: int
    B: Array
    sales: Array
    rev: Array


def _kernels(cal: Calibration, tariffs: Array, tau_hat: FloatArray | None) -> tuple[Array, Array, Array,
                                                                                    _Column | None]:
    """``B``, ``B/(1 + t')``, ``B t'/(1 + t')`` (:func:`~tariffsim.models._shares.trade_kernels`) and,
    for a batch of complex steps in one importer's column, that column's batched kernels.

    Tariffs with an imaginary part of complex-step size (below 1e-20: the games
    layer's derivatives) get the kernels at their real part plus ``i·Im(t')`` times
    the kernels' derivatives in t' — what the complex arithmetic gives, to rounding,
    since the step's square is below every double — without complex powers; a
    batch whose real parts are all equal (the directions of one gradient) shares
    one real evaluation, and when its steps all fall in one importer's column (one
    player's instrument) only that column is batched.
    """
    size = np.abs(tariffs.imag) if np.iscomplexobj(tariffs) else None
    if size is None or not np.max(size, initial=0.0) < 1e-20:
        k = trade_kernels(cal.lam, cal.tariffs, tariffs, tau_hat, cal.theta)
        return k.B, k.sales, k.rev, None
    real, step = tariffs.real, tariffs.imag
    first = real[(0,) * (real.ndim - 3)] if real.ndim > 3 else real
    if real.ndim > 3 and not np.array_equal(real, np.broadcast_to(first, real.shape)):
        first = real
    k = trade_kernels(cal.lam, cal.tariffs, first, tau_hat, cal.theta)
    inverse = 1.0 / (1.0 + first)
    d_b = -cal.theta[:, None, None] * k.B * inverse
    d_sales = (d_b - k.sales) * inverse
    d_rev = d_b * k.revenue_share + k.B * inverse * inverse
    columns = np.flatnonzero(size.max(axis=tuple(range(step.ndim - 1))))
    if real.ndim == 4 and first.ndim == 3 and len(columns) == 1:
        j = int(columns[0])
        col = step[..., j]  # (P, S, N)
        return k.B, k.sales, k.rev, _Column(j, k.B[:, :, j] + 1j * col * d_b[:, :, j],
                                             k.sales[:, :, j] + 1j * col * d_sales[:, :, j],
                                             k.rev[:, :, j] + 1j * col * d_rev[:, :, j])
    return k.B + 1j * step * d_b, k.sales + 1j * step * d_sales, k.rev + 1j * step * d_rev, None


class OssaSystem:
    """Ossa's equilibrium conditions for one (baseline, policy, closure, numéraire).

    Parameters
    ----------
    cal
        Baseline calibration.
    tau_hat
        Iceberg cost changes τ̂[s, i, j], (S, N, N), or ``None``.
    tariffs_new
        Counterfactual tariffs t'[s, i, j], (..., S, N, N): a leading batch axis is
        allowed (complex steps in several directions at once).
    deficit_target
        ``D'`` in baseline units, (N,): zero for Ossa's ``NXC = 0``; held in units of
        world output (``D' · ΣY'/ΣY``).
    numeraire
        The normalisation.
    """

    def __init__(self, cal: Calibration, tau_hat: FloatArray | None, tariffs_new: Array,
                 deficit_target: FloatArray, numeraire: OssaNumeraire | None = None) -> None:
        self.cal = cal
        self.n = cal.n
        self.numeraire = numeraire or OssaNumeraire()
        self.tariffs_new = tariffs_new
        self.tau_hat = tau_hat
        self.theta = cal.theta
        self.B, self.B_sales, self.B_rev, self._column = _kernels(cal, tariffs_new, tau_hat)
        self.bought = cal.lam.sum(axis=1) > 0  # (S, N): importer j buys industry s at all
        self.deficit_target = np.asarray(deficit_target, dtype=np.float64)
        self.sum_output0 = float(cal.output.sum())
        self.sum_labour0 = float(cal.labour_income.sum())
        self.drop = int(np.argmax(cal.labour_income))
        self._inv_sigma = (1.0 / cal.sigma)[:, None]
        self._labour = cal.labour_coef[:, None]
        self._neg_theta = -cal.theta[:, None]
        self._inv_theta = (1.0 / cal.theta)[:, None]

    # ------------------------------------------------------------------ the conditions
    def evaluate(self, z: Array) -> OssaState:
        """All quantities at ``z = (log ŵ, log Ê)``, (..., 2N)."""
        cal, n = self.cal, self.n
        log_w, log_e = z[..., :n], z[..., n:]
        w = np.exp(log_w)
        v = np.exp(self._neg_theta * log_w[..., None, :])  # (..., S, N)
        den = np.matmul(v[..., :, None, :], self.B)[..., 0, :]  # Σ_i v_si B_sij
        den = np.where(self.bought, den, 1.0)
        spending = np.exp(log_e) * cal.expenditure
        q = cal.alpha * spending[..., None, :] / den
        sales = v * np.matmul(self.B_sales, q[..., :, :, None])[..., 0]
        revenue = (np.matmul(v[..., :, None, :], self.B_rev)[..., 0, :] * q).sum(axis=-2)
        if self._column is not None:
            den, q, sales, revenue = self._batched_column(v, spending, den, q, sales, revenue)
        labour_demand = (self._labour * sales).sum(axis=-2)
        profits = (self._inv_sigma * sales).sum(axis=-2)
        output = sales.sum(axis=-2)
        deficit = self.deficit_target * (output.sum(axis=-1) / self.sum_output0)[..., None]
        wage_bill = w * cal.labour_income
        income = wage_bill + profits + revenue + deficit
        return OssaState(log_wage=log_w, log_spending=log_e, v=v, den=den, q=q, sales=sales, spending=spending,
                         tariff_revenue=revenue, labour_demand=labour_demand, output=output, deficit=deficit,
                         income=income, labour=labour_demand / wage_bill - 1.0, budget=income / spending - 1.0)

    def _batched_column(self, v: Array, spending: Array, den: Array, q: Array, sales: Array,
                        revenue: Array) -> tuple[Array, Array, Array, Array]:
        """Importer j's column replaced by each direction's: ``den``, ``q`` (P, S, N), sales (P, S, N)
        and tariff revenue (P, N), from the base values at one real ``z``."""
        col = self._column
        assert col is not None and v.ndim == 2, "a batch of tariff directions takes one real z"
        j = col.j
        den_j = np.einsum("si,psi->ps", v, col.B)
        den_j = np.where(self.bought[:, j], den_j, 1.0)
        q_j = self.cal.alpha[:, j] * spending[j] / den_j  # (P, S)
        sales_b = sales + v * (col.sales * q_j[:, :, None] - self.B_sales[:, :, j] * q[:, j][:, None])
        den_b = np.repeat(den[None], den_j.shape[0], axis=0).astype(den_j.dtype)
        den_b[:, :, j] = den_j
        q_b = np.repeat(q[None], q_j.shape[0], axis=0).astype(q_j.dtype)
        q_b[:, :, j] = q_j
        revenue_b = np.repeat(revenue[None], q_j.shape[0], axis=0).astype(q_j.dtype)
        revenue_b[:, j] = np.einsum("psi,si,ps->p", col.rev, v, q_j)
        return den_b, q_b, sales_b, revenue_b

    def log_sector_price(self, st: OssaState) -> Array:
        """``log P̂_js = −log(den_js)/θ_s`` (zero where j buys nothing of s), (..., S, N)."""
        return -np.log(st.den) * self._inv_theta

    def log_price_index(self, st: OssaState) -> Array:
        """``log P̂_j = Σ_s α_js log P̂_js``, (..., N)."""
        return (self.cal.alpha * self.log_sector_price(st)).sum(axis=-2)

    def numeraire_value(self, st: OssaState) -> Array:
        """The numéraire condition (zero when it holds), (...,). No float(): complex steps pass through."""
        kind = self.numeraire.kind
        if kind == "labour_income":
            return np.log((np.exp(st.log_wage) * self.cal.labour_income).sum(axis=-1) / self.sum_labour0)
        if kind == "world_output":
            return np.log(st.output.sum(axis=-1) / self.sum_output0)
        if kind == "wage":
            return st.log_wage[..., self.numeraire.index]
        return self.log_price_index(st)[..., self.numeraire.index]

    def conditions(self, z: Array) -> Array:
        """The 2N conditions, labour market first, with the numéraire in place of the labour
        market of the country with the largest wage bill, (..., 2N)."""
        return self.conditions_of(self.evaluate(z))

    def conditions_of(self, st: OssaState) -> Array:
        """:meth:`conditions` from an evaluated state."""
        labour = st.labour.copy()
        labour[..., self.drop] = self.numeraire_value(st)
        return np.concatenate([labour, st.budget], axis=-1)

    # ------------------------------------------------------------------ the solver's view
    newton_residual = conditions

    def jacobian(self, z: FloatArray) -> FloatArray:
        """``∂conditions/∂z``, (2N, 2N), by complex steps (all 2N directions in one evaluation)."""
        m = z.shape[0]
        zc = z[None, :] + 1j * STEP * np.eye(m)
        return np.asarray(self.conditions(zc).imag.T / STEP, dtype=np.float64)

    def residual(self, z: FloatArray) -> float:
        """max |labour-market and budget conditions| (relative), ``inf`` where undefined."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            st = self.evaluate(z)
        worst = np.max(np.abs(np.concatenate([st.labour, st.budget])))
        return float(worst) if np.isfinite(worst) else float("inf")

    def normalize(self, z: FloatArray) -> FloatArray:
        """Shift ``log ŵ`` and ``log Ê`` by one constant so that the numéraire holds (every nominal
        quantity is homogeneous of degree one in wages and spending)."""
        kind = self.numeraire.kind
        n = self.n
        if kind == "labour_income":
            shift = np.log(np.dot(np.exp(z[:n]), self.cal.labour_income) / self.sum_labour0)
        elif kind == "wage":
            shift = z[self.numeraire.index]
        else:
            shift = float(np.real(self.numeraire_value(self.evaluate(z))))
        return np.asarray(z - shift, dtype=np.float64)

    def step(self, z: FloatArray) -> tuple[FloatArray, float]:
        """One pass of the fixed-point map, then normalisation.

        Wages: a Jacobi–Newton step on the labour market, dividing the log excess
        demand by the own-wage elasticity of labour demand without income effects,
        ``1 + Σ_s θ_s (θ_s/σ_s) Σ_j X'_ijs (1 − λ'_ijs) / L^d_i`` (as the gravity family
        does for its market clearing). Spending: ``Ê ← income / E`` (Ossa's condition 2).
        """
        n = self.n
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            st = self.evaluate(z)
            if not (np.all(np.isfinite(st.income)) and np.all(st.sales.sum(axis=0) > 0)
                    and np.all(st.income > 0)):
                return np.full_like(z, np.nan), float("inf")
            resid = float(np.max(np.abs(np.concatenate([st.labour, st.budget]))))
            own = st.v * st.v * np.matmul(self.B_sales * self.B, (st.q / st.den)[:, :, None])[:, :, 0]
            d = 1.0 + (self.theta[:, None] * self._labour * (st.sales - own)).sum(axis=0) / st.labour_demand
            log_w = z[:n] + np.log1p(st.labour) / d
            log_e = np.log(st.income / self.cal.expenditure)
        return self.normalize(np.concatenate([log_w, log_e])), resid

    # ------------------------------------------------------------------ outcomes
    def flows(self, st: OssaState) -> Array:
        """X'[s, i, j] at pre-tariff prices, (..., S, N, N)."""
        assert self._column is None, "flows of a batch of tariff directions are not needed (nor kept)"
        return self.B_sales * st.v[..., :, :, None] * st.q[..., :, None, :]

    def real_income(self, z: Array) -> Array:
        """``Ê_j / P̂_j``, (..., N): Ossa's ``WELFAREHAT``."""
        return self.real_income_of(self.evaluate(z))

    def real_income_of(self, st: OssaState) -> Array:
        """:meth:`real_income` from an evaluated state."""
        return np.exp(st.log_spending - self.log_price_index(st))

    def lobby_income(self, st: OssaState) -> Array:
        """``R'_js + δ'_js TR'_j``, (..., S, N): industry revenue plus its labour share of tariff revenue."""
        share = self._labour * st.sales / st.labour_demand[..., None, :]
        return st.sales + share * st.tariff_revenue[..., None, :]

    def government_welfare(self, z: Array, weights: FloatArray) -> Array:
        r"""Ossa's government welfare, (..., N) (``mycongov.m``):

        .. math::

            \hat G_j = \frac{\sum_s \lambda_{js}\,(R'_{js} + \delta'_{js}\,TR'_j)}
                            {\sum_s \lambda_{js}\,(R_{js} + \delta_{js}\,TR_j)} \Big/ \hat P_j

        ``weights`` λ, (N, S). With λ = 1 and balanced trade the numerator is
        ``Y' + TR' = E'`` and ``Ĝ`` is real income.
        """
        return self.government_welfare_of(self.evaluate(z), weights)

    def government_welfare_of(self, st: OssaState, weights: FloatArray) -> Array:
        """:meth:`government_welfare` from an evaluated state."""
        lam = np.asarray(weights, dtype=np.float64).T  # (S, N)
        new = (lam * self.lobby_income(st)).sum(axis=-2)
        old = (lam * self.cal.lobby_income()).sum(axis=-2)
        return new / old * np.exp(-self.log_price_index(st))

    def conditions_residual(self, z: FloatArray, flows: FloatArray) -> float:
        """The conditions recomputed from the final flows ``X'[s, i, j]`` and ``z`` alone (not the
        solver's intermediate arrays): the largest of the relative labour-market gap
        ``|Σ_s (θ_s/σ_s) Σ_j X'_ijs − ŵ_i w_i L_i| / ŵ_i w_i L_i`` and budget gap
        ``|Σ_{i,s}(1 + t')X'_ijs − ŵ_j w_j L_j − Σ_s R'_js/σ_s − Σ t' X' − D'_j| / E'_j``."""
        cal, n = self.cal, self.n
        sales = flows.sum(axis=2)
        wage_bill = np.exp(z[:n]) * cal.labour_income
        labour = np.abs((cal.labour_coef[:, None] * sales).sum(axis=0) / wage_bill - 1.0)
        spending = ((1.0 + self.tariffs_new) * flows).sum(axis=(0, 1))
        revenue = (self.tariffs_new * flows).sum(axis=(0, 1))
        deficit = self.deficit_target * (sales.sum() / self.sum_output0)
        income = wage_bill + (sales / cal.sigma[:, None]).sum(axis=0) + revenue + deficit
        budget = np.abs(spending - income) / spending
        return float(max(labour.max(), budget.max()))
