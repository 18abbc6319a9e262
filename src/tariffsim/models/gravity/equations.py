r"""Equilibrium conditions of the structural gravity model, in changes.

The model is the one-factor Armington / Eaton–Kortum economy with S sectors, a
Cobb–Douglas upper tier and no input-output links (Costinot & Rodríguez-Clare
2014, sec. 3.4; with S = 1 it is the model of Anderson & van Wincoop 2003,
Dekle, Eaton & Kortum 2008 and Yotov et al. 2016, ch. 2). Tariffs are a wedge
between the exporter's price and the importer's, their revenue rebated to the
importer. Hats are counterfactual / baseline; primes are counterfactual levels.

With ``ŵ_i`` the change in country i's wage (its factory-gate price),
``τ̂_ijs`` the change in iceberg costs and ``t_ijs → t'_ijs`` the tariffs:

.. math::

    c_{ijs} &= \hat w_i\,\hat\tau_{ijs}\,\frac{1+t'_{ijs}}{1+t_{ijs}} \\
    \lambda'_{ijs} &= \frac{\lambda_{ijs}\,c_{ijs}^{-\theta_s}}
                          {\sum_k \lambda_{kjs}\,c_{kjs}^{-\theta_s}}
        \qquad\text{(trade shares, tariff-inclusive)} \\
    \hat P_{js} &= \Big(\sum_k \lambda_{kjs}\,c_{kjs}^{-\theta_s}\Big)^{-1/\theta_s},
    \qquad \hat P_j = \prod_s \hat P_{js}^{\alpha_{js}} \\
    R'_j &= \sum_{i,s} \frac{t'_{ijs}}{1+t'_{ijs}}\,\lambda'_{ijs}\,\alpha_{js}\,E'_j
        \qquad\text{(tariff revenue)} \\
    E'_j &= Y'_j + D'_j + R'_j = \frac{Y'_j + D'_j}{1-\rho_j},\quad
        \rho_j = \sum_s \alpha_{js} \sum_i \frac{t'_{ijs}}{1+t'_{ijs}}\lambda'_{ijs} \\
    X'_{ijs} &= \frac{\lambda'_{ijs}\,\alpha_{js}\,E'_j}{1+t'_{ijs}}
        \qquad\text{(flows at pre-tariff prices)} \\
    \hat w_i Y_i &= \sum_{j,s} X'_{ijs} \qquad\text{(market clearing)}

Deficits ``D'_j`` follow the closure: ``fixed_level`` keeps ``D'_j = D_j ΣY'/ΣY``
(fixed in units of world output, so that real outcomes do not depend on the
numeraire; with the default world-output numeraire ``D'_j = D_j``); ``fixed_ratio``
sets ``Y'_j + D'_j = κ φ_j Y'_j`` with
``φ_j = (Y_j + D_j)/Y_j`` and ``κ = Σ Y' / Σ φ Y'``.

The unknowns are ``x = log ŵ`` (N of them); one degree of freedom is pinned by the
numeraire, and Walras' law makes one market-clearing condition redundant.

Layout: sector-major ``[s, i, j]`` throughout, so the sums over exporters are
batched matrix–vector products (``v @ B``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.models._shares import closure_spending, trade_kernels
from tariffsim.models.gravity.data import Calibration
from tariffsim.options import NumeraireRule

__all__ = ["GravitySystem", "State", "NumeraireRule"]

FloatArray = NDArray[np.float64]


@dataclass
class State:
    """Everything the equilibrium conditions compute at one point ``x = log ŵ``.

    Shapes: N countries, S sectors.
    """

    x: FloatArray  # (N,) log wage changes
    v: FloatArray  # (S, N) ŵ_i^(−θ_s)
    den: FloatArray  # (S, N) Σ_k λ_kjs c_kjs^(−θ_s), importer-side
    rho: FloatArray  # (N,) tariff revenue / expenditure
    output: FloatArray  # (N,) Y'
    spending: FloatArray  # (N,) Y' + D'
    expenditure: FloatArray  # (N,) E'
    z: FloatArray  # (S, N) α_js E'_j / den_js
    sales_s: FloatArray  # (S, N) sales by exporter and sector
    sales: FloatArray  # (N,)
    excess: FloatArray  # (N,) sales / Y' − 1
    kappa: float  # fixed_ratio scale (1 otherwise)


class GravitySystem:
    """The equilibrium conditions for one (baseline, shock, closure, numeraire).

    Everything that does not depend on wages is computed once here, so that one
    evaluation costs three batched matrix–vector products, O(S·N²).

    Parameters
    ----------
    cal
        Baseline calibration.
    tau_hat
        Iceberg cost changes, (S, N, N), or ``None``.
    tariffs_new
        Counterfactual tariffs, (S, N, N).
    closure
        ``"fixed_level"`` or ``"fixed_ratio"`` (``balanced`` is ``fixed_level``
        with zero target deficits on a purged baseline).
    deficit_target
        ``D'`` for ``fixed_level``, (N,); defaults to the baseline deficits.
    numeraire
        Which normalisation pins the price level.
    demand_shift
        Preference shifters δ[s, i, j] > 0 (1 = none), (S, N, N): importer j's
        CES weight on exporter i's goods is multiplied by δ, so λ' ∝ λ δ c^(−θ).
        Used to meet purchase commitments; welfare is then measured with the
        baseline preferences.
    """

    def __init__(
        self,
        cal: Calibration,
        tau_hat: FloatArray | None,
        tariffs_new: FloatArray,
        closure: Literal["fixed_level", "fixed_ratio"],
        numeraire: NumeraireRule,
        deficit_target: FloatArray | None = None,
        demand_shift: FloatArray | None = None,
    ) -> None:
        self.cal = cal
        self.closure = closure
        self.numeraire = numeraire
        theta = cal.theta
        self.theta = theta
        self.tariffs_new = tariffs_new
        self.tau_hat = tau_hat
        # B = λ δ c^(−θ) at ŵ = 1: everything in λ' that does not move with wages.
        kernels = trade_kernels(cal.lam, cal.tariffs, tariffs_new, tau_hat, theta, demand_shift)
        self.B_cost, self.B, self.share_revenue = kernels.cost, kernels.B, kernels.revenue_share
        self.B_rev, self.B_sales, self.B_sales_B = kernels.rev, kernels.sales, kernels.sales_B
        self.alpha = cal.alpha
        self.output0 = cal.output
        self.deficit = cal.deficit if deficit_target is None else np.asarray(deficit_target, dtype=np.float64)
        self.phi = (cal.output + cal.deficit) / cal.output
        self.sum_output0 = float(cal.output.sum())

    # ------------------------------------------------------------------ core evaluation
    def evaluate(self, x: FloatArray) -> State:
        """All equilibrium quantities at ``x = log ŵ``."""
        theta = self.theta
        v = np.exp(-theta[:, None] * x[None, :])  # (S, N)
        den = np.matmul(v[:, None, :], self.B)[:, 0, :]  # Σ_i v_si B_sij -> (S, N)
        den_safe = np.where(den > 0, den, 1.0)
        rev = np.matmul(v[:, None, :], self.B_rev)[:, 0, :]
        rho = (self.alpha * rev / den_safe).sum(axis=0)
        output = np.exp(x) * self.output0
        spending, kappa = closure_spending(self.closure, output, self.phi, self.deficit, self.sum_output0)
        expenditure = spending / (1.0 - rho)
        z = self.alpha * expenditure[None, :] / den_safe
        sales_s = v * np.matmul(self.B_sales, z[:, :, None])[:, :, 0]
        sales = sales_s.sum(axis=0)
        excess = sales / output - 1.0
        return State(x=x, v=v, den=den_safe, rho=rho, output=output, spending=spending,
                     expenditure=expenditure, z=z, sales_s=sales_s, sales=sales, excess=excess, kappa=kappa)

    def log_price_index(self, x: FloatArray, country: int) -> float:
        """log P̂_j for one importer, O(S·N) (used by the price-index numeraire)."""
        theta = self.theta
        v = np.exp(-theta[:, None] * x[None, :])
        den = np.einsum("si,si->s", v, self.B[:, :, country])
        alpha = self.alpha[:, country]
        mask = alpha > 0
        return float(np.sum(alpha[mask] * (-np.log(den[mask]) / theta[mask])))

    def normalize(self, x: FloatArray) -> FloatArray:
        """Shift ``x`` (a common factor on all wages) to satisfy the numeraire."""
        kind = self.numeraire.kind
        if kind == "world_output":
            shift = np.log(np.dot(np.exp(x), self.output0) / self.sum_output0)
        elif kind == "wage":
            shift = x[self.numeraire.index]
        else:
            # P̂_j is homogeneous of degree one in wages: a shift c moves log P̂ by c.
            shift = self.log_price_index(x, self.numeraire.index)
        return x - shift

    # ------------------------------------------------------------------ fixed-point map
    def step(self, x: FloatArray) -> tuple[FloatArray, float]:
        """One Jacobi–Newton step on log wages, then normalisation.

        The step divides each country's log excess demand by an estimate of the
        diagonal of the Jacobian, ``1 + Σ_{j,s} θ_s (X'_ijs / sales_i)(1 − λ'_ijs)``,
        which is the own-wage elasticity of relative excess supply when income
        effects are ignored; this makes the iteration converge without user scaling
        for any θ.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            st = self.evaluate(x)
        if not (np.all(st.sales > 0) and np.all(np.isfinite(st.sales))):
            return np.full_like(x, np.nan), float("inf")
        resid = float(np.max(np.abs(st.excess)))
        # Σ_j X'_sij λ'_sij = v_si² Σ_j (B_sales B)_sij z_sj / den_sj
        own = st.v * st.v * np.matmul(self.B_sales_B, (st.z / st.den)[:, :, None])[:, :, 0]
        d = 1.0 + (self.theta[:, None] * (st.sales_s - own)).sum(axis=0) / st.sales
        x_new = x + np.log(st.sales / st.output) / d
        return self.normalize(x_new), resid

    def residual(self, x: FloatArray) -> float:
        """Relative market-clearing residual max_i |sales_i − Y'_i| / Y'_i (``inf`` where undefined)."""
        st = self.evaluate(x)
        return float(np.max(np.abs(st.excess))) if np.all(np.isfinite(st.excess)) else float("inf")

    # ------------------------------------------------------------------ Newton system
    def _drop(self) -> int:
        return int(np.argmax(self.output0))

    def newton_residual(self, x: FloatArray) -> FloatArray:
        """Market clearing for all countries but one, plus the numeraire condition."""
        st = self.evaluate(x)
        f = st.excess.copy()
        f[self._drop()] = self._numeraire_value(x, st)
        return f

    def _numeraire_value(self, x: FloatArray, st: State) -> Any:
        # No float(): complex-step derivatives (the games layer) pass through.
        kind = self.numeraire.kind
        if kind == "world_output":
            return np.log(st.output.sum() / self.sum_output0)
        if kind == "wage":
            return x[self.numeraire.index]
        c = self.numeraire.index
        mask = self.alpha[:, c] > 0
        return np.sum(self.alpha[mask, c] * (-np.log(st.den[mask, c]) / self.theta[mask]))

    def shares(self, st: State) -> FloatArray:
        """λ'[s, i, j], shape (S, N, N)."""
        return self.B * st.v[:, :, None] / st.den[:, None, :]

    def flows(self, st: State) -> FloatArray:
        """X'[s, i, j] at pre-tariff prices, shape (S, N, N)."""
        return self.B_sales * st.v[:, :, None] * st.z[:, None, :]

    def jacobian(self, x: FloatArray) -> FloatArray:
        """Analytic Jacobian of :meth:`newton_residual`, shape (N, N). Cost O(S·N³)."""
        st = self.evaluate(x)
        theta = self.theta
        lam = self.shares(st)  # (S, N, N)
        X = self.flows(st)  # (S, N, N)
        n = x.shape[0]
        # ∂sales_i/∂x_k through trade shares: −δ_ik Σ_s θ_s sales_si + Σ_s θ_s Σ_j X_sij λ_skj
        H = np.einsum("s,sij,skj->ik", theta, X, lam, optimize=True)
        dsales = H - np.diag((theta[:, None] * st.sales_s).sum(axis=0))
        # ∂ρ_j/∂x_k = −Σ_s α_sj θ_s λ_skj (m_skj − μ_sj)
        m = self.share_revenue
        mu = (m * lam).sum(axis=1)  # (S, N) over exporters
        drho = -np.einsum("sj,s,skj->jk", self.alpha, theta, lam * (m - mu[:, None, :]), optimize=True)
        # ∂(Y' + D')_j/∂x_k
        if self.closure == "fixed_ratio":
            phi_y = self.phi * st.output
            dkappa = st.output * (1.0 - st.kappa * self.phi) / phi_y.sum()
            dspend = st.kappa * np.diag(phi_y) + np.outer(phi_y, dkappa)
        else:  # Y' + D·ΣY'/ΣY: ∂/∂x_k = δ_jk Y'_k + D_j Y'_k / ΣY
            dspend = np.diag(st.output) + np.outer(self.deficit, st.output) / self.sum_output0
        one_minus = 1.0 - st.rho
        dE = (dspend + st.expenditure[:, None] * drho) / one_minus[:, None]
        G = X.sum(axis=0) / st.expenditure[None, :]  # ∂sales_i/∂E_j
        dsales = dsales + G @ dE
        J = dsales / st.output[:, None] - np.diag(st.sales / st.output)
        # numeraire row
        r = self._drop()
        kind = self.numeraire.kind
        if kind == "world_output":
            J[r] = st.output / st.output.sum()
        elif kind == "wage":
            J[r] = 0.0
            J[r, self.numeraire.index] = 1.0
        else:
            c = self.numeraire.index
            J[r] = np.einsum("s,sk->k", self.alpha[:, c], lam[:, :, c])
        assert J.shape == (n, n)
        return J
