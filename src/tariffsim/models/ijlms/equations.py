r"""Equilibrium conditions of Ignatenko, Lashkaripour, Macedoni & Simonovska (2025), in changes.

The model of section 2 and Appendix E of "Making America Great Again? The Economic Impacts of
Liberation Day Tariffs" (*JIE* 157, 2025), as the authors' ``Balanced_Trade_EQ`` writes it:
one sector, trade elasticity ε, scale elasticity ψ (variety gains from employment),
labour supply with elasticity κ, fixed costs ν paid to labour in the destination (the
endogenous part of deficits), exogenous transfers T̄ held fixed in units of world income
(Dekle, Eaton & Kortum 2007), and tariff revenue returned as income-tax relief or as a
lump-sum rebate. Exporter i, importer j; hats are counterfactual/baseline; primes levels.

.. math::

    \hat\lambda_{ij} &\propto \big(\hat w_i \hat L_i^{-\psi}\big)^{-\varepsilon}
        \Big(\tfrac{1+t'_{ij}}{1+t_{ij}}\Big)^{-\varepsilon\varphi_j}\hat\tau_{ij}^{-\varepsilon},
        \qquad \lambda'_{ij} = \frac{\lambda_{ij} a_{ij}}{S_j},\;
        S_j = \sum_k \lambda_{kj} a_{kj} \qquad\text{(eq. (1))} \\
    \hat P_j &= (\hat E_j / \hat w_j)^{1-\varphi_j}\, S_j^{-1/\varepsilon} \qquad\text{(eq. (4))} \\
    X'_{ij} &= \frac{\lambda'_{ij} E'_j}{1 + t'_{ij}}, \qquad
        R'_j = \sum_i \frac{t'_{ij}}{1+t'_{ij}} \lambda'_{ij} E'_j = \rho_j E'_j \qquad\text{(eq. (6))} \\
    Y'_i &= \hat w_i \hat L_i Y_i = \sum_j (1-\nu_j) X'_{ij} + \nu_i \sum_k X'_{ki}
        \qquad\text{(labour market, eq. (2))} \\
    E'_j &= Y'_j + R'_j + T_j\,\frac{\sum Y'}{\sum Y} = \frac{Y'_j + T_j \sum Y'/\sum Y}{1 - \rho_j}
        \qquad\text{(budget, eq. (5))} \\
    \hat L_i &= \big(\hat\tau^L_i\, \hat w_i / \hat P_i\big)^{\kappa}
        \qquad\text{(labour supply, eq. (3))}

with income-tax relief ``τ̂^L_i = (1 − R_i/Y_i)/(1 − R'_i/Y'_i)`` (tariff revenue cuts the
income tax; the paper's baseline has ``R = 0``) or, for a lump-sum rebate, ``τ̂^L = 1``.
Welfare (Appendix E; the code's ``W_i_h``), with ``τ = R'/Y'`` (0 for the rebate) and
``δ_i = E_i / (E_i − κ (1 − τ_i) Y_i / (1 + κ))``:

.. math:: \hat W_i = \delta_i\, \hat E_i / \hat P_i + (1 - \delta_i)\, \hat w_i \hat L_i / \hat P_i .

The budget equation is solved for E' explicitly, so the unknowns are ``z = (log ŵ, log L̂)``,
2N numbers; the numéraire replaces the labour market of the economy with the largest
income (Walras' law makes one redundant). The authors' numéraire is the world
expenditure-weighted price index, ``Σ_j E_j (P̂_j − 1) = 0``.

With κ = 0, ψ = 0, ν = 0, φ = 1 and a lump-sum rebate the conditions are the one-sector
gravity model's under the ``fixed_level`` closure (the equivalence tests check it): the
kernels are :func:`tariffsim.models._shares.trade_kernels` and the spending rule
:func:`tariffsim.models._shares.closure_spending`.

Every function takes complex ``z`` and tariffs (complex-step derivatives in the games
layer); :meth:`IjlmsSystem.jacobian` and :meth:`IjlmsSystem.welfare_gradient` are analytic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tariffsim.models._shares import closure_spending, trade_kernels
from tariffsim.models.ijlms.data import Calibration

__all__ = ["IjlmsNumeraire", "IjlmsState", "IjlmsSystem", "Revenue"]

FloatArray = NDArray[np.float64]
Array = NDArray[Any]
Revenue = Literal["income_tax", "lump_sum"]


@dataclass(frozen=True)
class IjlmsNumeraire:
    """The normalisation in index form: ``world_price_index`` (the authors': ``Σ_j E_j P̂_j = Σ_j E_j``),
    ``world_output`` (``Σ Y' = Σ Y``), or the ``wage`` or ``price_index`` of economy ``index``."""

    kind: Literal["world_price_index", "world_output", "wage", "price_index"] = "world_price_index"
    index: int = -1


@dataclass
class IjlmsState:
    """Everything the conditions compute at one point; (N,) vectors, (N, N) matrices."""

    x: Array  # log ŵ
    l: Array  # log L̂
    lam: Array  # λ'[i, j]
    S: Array  # Σ_k λ_kj a_kj
    rho: Array  # tariff revenue / expenditure
    income: Array  # Y'
    expenditure: Array  # E'
    flows: Array  # X'[i, j], pre-tariff
    purchases: Array  # Σ_k X'_kj
    demand: Array  # labour demand, Σ_j (1 − ν_j) X'_ij + ν_i Σ_k X'_ki
    revenue: Array  # R'
    tax: Array  # τ = R'/Y' (0 for a lump-sum rebate)
    log_tax_hat: Array  # log τ̂^L
    log_price: Array  # log P̂
    labour: Array  # demand / Y' − 1
    supply: Array  # l − κ (log τ̂ + x − log P̂)


class IjlmsSystem:
    """The conditions for one (calibration, policy, transfers, revenue use, numéraire).

    Parameters
    ----------
    cal
        Baseline calibration.
    tariffs
        Counterfactual tariffs ``t'[i, j]`` (N, N), real or complex.
    tau_hat
        Iceberg trade-cost changes (N, N), or ``None``.
    transfers
        Counterfactual transfers T' in baseline units (N,), held in units of world income;
        default the baseline's.
    revenue
        ``"income_tax"`` (relief of the income tax) or ``"lump_sum"``.
    numeraire
        The normalisation.
    drop
        The economy whose labour market the numéraire replaces (default the largest income).
        Walras' law makes it redundant when the transfers sum to zero; when they do not (the
        authors' balanced-trade variant), that labour market absorbs the difference and the
        choice matters (the authors drop the last economy's).
    """

    def __init__(self, cal: Calibration, tariffs: Array, tau_hat: FloatArray | None = None,
                 transfers: FloatArray | None = None, revenue: Revenue = "income_tax",
                 numeraire: IjlmsNumeraire | None = None, drop: int | None = None) -> None:
        self.cal = cal
        self.n = cal.n
        self.tariffs = tariffs
        self.tau_hat = tau_hat
        self.revenue = revenue
        self.numeraire = numeraire or IjlmsNumeraire()
        self.transfers = cal.transfers if transfers is None else np.asarray(transfers, dtype=np.float64)
        self.B = self.kernel(tariffs)
        self.m = tariffs / (1.0 + tariffs)  # revenue share of a tariff-inclusive purchase
        self.c = 1.0 / (1.0 + tariffs)  # pre-tariff share
        self.income0 = float(cal.income.sum())
        self.tax0 = np.log1p(-cal.revenue / cal.income)
        self._evaluated: tuple[Array, IjlmsState] | None = None
        self.drop = int(np.argmax(cal.income)) if drop is None else int(drop)
        self.clears = np.ones(self.n, dtype=bool)  # the labour markets the conditions require to clear
        if abs(float(self.transfers.sum())) > 1e-9 * self.income0:
            self.clears[self.drop] = False

    def kernel(self, tariffs: Array) -> Array:
        """``B_ij = λ_ij τ̂_ij^(−ε) ((1 + t')/(1 + t))^(−ε φ_j)``: the gravity family's kernel
        (:func:`~tariffsim.models._shares.trade_kernels`, pass-through 1) times the importer's
        pass-through correction ``((1 + t')/(1 + t))^(−ε (φ_j − 1))``."""
        cal = self.cal
        tau = None if self.tau_hat is None else self.tau_hat[None]
        base = trade_kernels(cal.lam[None], cal.tariffs[None], tariffs[None], tau, np.array([cal.eps])).B[0]
        wedge = (1.0 + tariffs) / (1.0 + cal.tariffs)
        return base * wedge ** (-cal.eps * (cal.phi[None, :] - 1.0))

    # ------------------------------------------------------------------ the conditions
    def evaluate(self, z: Array) -> IjlmsState:
        """All quantities at ``z = (log ŵ, log L̂)`` (2N,); the last point's are kept (Newton asks for the
        conditions and the residual at the same point)."""
        last = self._evaluated
        if last is not None and last[0].shape == np.shape(z) and last[0].dtype == np.asarray(z).dtype \
                and np.array_equal(last[0], z):
            return last[1]
        state = self._evaluate(z)
        self._evaluated = (np.array(z, copy=True), state)
        return state

    def _evaluate(self, z: Array) -> IjlmsState:
        cal, n = self.cal, self.n
        x, l = z[:n], z[n:]
        a = self.B * np.exp(-cal.eps * (x - cal.psi * l))[:, None]
        S = a.sum(axis=0)
        lam = a / S[None, :]
        rho = (lam * self.m).sum(axis=0)
        income = np.exp(x + l) * cal.income
        spending, _ = closure_spending("fixed_level", income, income, self.transfers, self.income0)
        expenditure = spending / (1.0 - rho)
        flows = lam * self.c * expenditure[None, :]
        purchases = flows.sum(axis=0)
        demand = (flows * (1.0 - cal.nu)[None, :]).sum(axis=1) + cal.nu * purchases
        revenue = rho * expenditure
        if self.revenue == "income_tax":
            tax = revenue / income
            log_tax_hat = self.tax0 - np.log(1.0 - tax)
        else:
            tax = np.zeros_like(income)
            log_tax_hat = np.zeros_like(income)
        log_e = np.log(expenditure / cal.expenditure)
        log_price = (1.0 - cal.phi) * (log_e - x) - np.log(S) / cal.eps
        return IjlmsState(x=x, l=l, lam=lam, S=S, rho=rho, income=income, expenditure=expenditure, flows=flows,
                          purchases=purchases, demand=demand, revenue=revenue, tax=tax, log_tax_hat=log_tax_hat,
                          log_price=log_price, labour=demand / income - 1.0,
                          supply=l - cal.kappa * (log_tax_hat + x - log_price))

    def numeraire_value(self, st: IjlmsState) -> Any:
        """The numéraire condition (zero when it holds). No ``float()``: complex steps pass through."""
        kind = self.numeraire.kind
        if kind == "world_price_index":
            E = self.cal.expenditure
            return np.log((E * np.exp(st.log_price)).sum() / E.sum())
        if kind == "world_output":
            return np.log(st.income.sum() / self.income0)
        if kind == "wage":
            return st.x[self.numeraire.index]
        return st.log_price[self.numeraire.index]

    def conditions(self, z: Array) -> Array:
        """The 2N conditions: labour markets (the numéraire in place of one), then labour supply."""
        return self.conditions_of(self.evaluate(z))

    def conditions_of(self, st: IjlmsState) -> Array:
        labour = st.labour.copy()
        labour[self.drop] = self.numeraire_value(st)
        return np.concatenate([labour, st.supply])

    newton_residual = conditions

    def residual(self, z: FloatArray) -> float:
        """max |labour-market and labour-supply conditions|, ``inf`` where undefined (without the
        dropped labour market when the transfers do not sum to zero)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            st = self.evaluate(z)
        worst = np.max(np.abs(np.concatenate([st.labour[self.clears], st.supply, [self.numeraire_value(st)]])))
        return float(worst) if np.isfinite(worst) else float("inf")

    def normalize(self, z: FloatArray) -> FloatArray:
        """Shift ``log ŵ`` by one constant onto the numéraire (nominal values are homogeneous of
        degree one in wages; ``L̂`` is real)."""
        n, kind = self.n, self.numeraire.kind
        if kind == "wage":
            shift = z[self.numeraire.index]
        elif kind == "world_output":
            shift = np.log(np.dot(np.exp(z[:n] + z[n:]), self.cal.income) / self.income0)
        else:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                shift = float(np.real(self.numeraire_value(self.evaluate(z))))
        out = np.array(z, dtype=np.float64, copy=True)
        out[:n] -= shift
        return out

    def step(self, z: FloatArray) -> tuple[FloatArray, float]:
        """One pass of a fixed-point map (the fallback of :func:`~tariffsim.solvers.strategy.solve_path`):
        wages by a Jacobi–Newton step on the labour market, dividing its log excess demand by
        ``1 + ε Σ_j (1 − ν_j) X'_ij (1 − λ'_ij) / demand_i``; labour by its supply condition."""
        n, cal = self.n, self.cal
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            st = self.evaluate(z)
            if not (np.all(np.isfinite(st.demand)) and np.all(st.demand > 0) and np.all(st.expenditure > 0)):
                return np.full_like(z, np.nan), float("inf")
            resid = float(np.max(np.abs(np.concatenate([st.labour, st.supply]))))
            own = (st.flows * (1.0 - cal.nu)[None, :] * (1.0 - st.lam)).sum(axis=1)
            d = 1.0 + cal.eps * own / st.demand
            x = z[:n] + np.log(st.demand / st.income) / d
            l = cal.kappa * (st.log_tax_hat + z[:n] - st.log_price)
        return self.normalize(np.concatenate([x, l])), resid

    # ------------------------------------------------------------------ derivatives
    def _derivatives(self, st: IjlmsState) -> dict[str, tuple[FloatArray, FloatArray]]:
        """∂/∂x and ∂/∂l of the quantities the conditions and welfare use, (N, N) blocks each (analytic).

        ``log_y`` (∂ log Y' = identity in both blocks) is left implicit."""
        cal, n = self.cal, self.n
        eps, psi = cal.eps, cal.psi
        lam, E = st.lam, st.expenditure
        diag = np.arange(n)
        # u = −ε (x − ψ l) moves with one entry of x or l: ∂u/∂x = −ε, ∂u/∂l = εψ (the blocks scale).
        scales = (-eps, eps * psi)
        lam_t = np.ascontiguousarray(lam.T)
        rho_u = np.ascontiguousarray((lam * (self.m - st.rho[None, :])).T)  # ∂ρ_j/∂u_k
        inv = 1.0 / (1.0 - st.rho)
        # ∂(Y' + T s)/(1 − ρ) by x (= by l): a diagonal plus a rank-one term, kept apart.
        num_diag = st.income * inv
        num_left, num_right = self.transfers * inv, st.income / self.income0
        num = np.outer(num_left, num_right)
        num[diag, diag] += num_diag
        e_u = (E * inv)[:, None] * rho_u  # ∂E'_j/∂u_k through ρ
        weighted = st.flows * (1.0 - cal.nu)[None, :]
        demand_u = cal.nu[:, None] * (st.flows.T - lam_t * st.purchases[:, None]) - weighted @ lam_t
        demand_u[diag, diag] += weighted.sum(axis=1)
        own = cal.nu * st.purchases / E  # ∂demand_i/∂E'_j = (1 − ν_j) X'_ij / E'_j + [i = j] ν_i Σ_k X'_ki / E'_i
        through_num = (weighted * (num_diag / E)[None, :] + np.outer(weighted @ (num_left / E), num_right)
                       + own[:, None] * num)
        through_rho = weighted @ (rho_u * inv[:, None]) + own[:, None] * e_u + demand_u
        out: dict[str, tuple[FloatArray, FloatArray]] = {}
        blocks: dict[str, list[FloatArray]] = {"log_e": [], "log_p": [], "demand": [], "tax": [], "log_tax_hat": []}
        for b, a in enumerate(scales):
            e = num + a * e_u
            log_e = e / E[:, None]
            log_p = (1.0 - cal.phi)[:, None] * log_e - (a / eps) * lam_t
            if b == 0:
                log_p[diag, diag] -= 1.0 - cal.phi
            blocks["log_e"].append(log_e)
            blocks["log_p"].append(log_p)
            blocks["demand"].append(a * through_rho + through_num)
            if self.revenue == "income_tax":
                tax = (E[:, None] * a * rho_u + st.rho[:, None] * e) / st.income[:, None]
                tax[diag, diag] -= st.tax
                blocks["tax"].append(tax)
                blocks["log_tax_hat"].append(tax / (1.0 - st.tax)[:, None])
            else:
                blocks["tax"].append(np.zeros((n, n)))
                blocks["log_tax_hat"].append(np.zeros((n, n)))
        for key, pair in blocks.items():
            out[key] = (pair[0], pair[1])
        return out

    def jacobian(self, z: FloatArray) -> FloatArray:
        """Analytic ``∂conditions/∂z`` (2N, 2N). Cost O(N³)."""
        st = self.evaluate(z)
        return self._jacobian_of(st, self._derivatives(st))

    def linearize(self, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """The conditions (2N,), their Jacobian (2N, 2N), welfare (N,) and its gradient (N, 2N) at
        ``z``, from one evaluation (what a gradient of the games layer needs)."""
        st = self.evaluate(z)
        d = self._derivatives(st)
        w, grad = self._welfare_gradient_of(st, d)
        return np.real(self.conditions_of(st)), self._jacobian_of(st, d), w, grad

    def _jacobian_of(self, st: IjlmsState, d: dict[str, tuple[FloatArray, FloatArray]]) -> FloatArray:
        n, kappa = self.n, self.cal.kappa
        diag = np.arange(n)
        ratio = st.demand / st.income
        J = np.empty((2 * n, 2 * n))
        for b in range(2):
            cols = slice(b * n, (b + 1) * n)
            labour = d["demand"][b] / st.income[:, None]
            labour[diag, diag] -= ratio
            J[:n, cols] = np.real(labour)
            supply = -kappa * (d["log_tax_hat"][b] - d["log_p"][b])
            supply[diag, diag] += -kappa if b == 0 else 1.0
            J[n:, cols] = np.real(supply)
        J[self.drop] = self._numeraire_row(st, d)
        return J

    def _numeraire_row(self, st: IjlmsState, d: dict[str, tuple[FloatArray, FloatArray]]) -> FloatArray:
        n, kind = self.n, self.numeraire.kind
        if kind == "world_price_index":
            weights = self.cal.expenditure * np.exp(st.log_price)
            return np.real(np.concatenate([weights @ block for block in d["log_p"]]) / weights.sum())
        if kind == "world_output":
            share = st.income / st.income.sum()
            return np.real(np.concatenate([share, share]))
        if kind == "wage":
            row = np.zeros(2 * n)
            row[self.numeraire.index] = 1.0
            return row
        index = self.numeraire.index
        return np.real(np.concatenate([block[index] for block in d["log_p"]]))

    # ------------------------------------------------------------------ outcomes
    def welfare_of(self, st: IjlmsState) -> Array:
        """``Ŵ_i = δ_i Ê_i/P̂_i + (1 − δ_i) ŵ_i L̂_i/P̂_i`` (N,)."""
        cal = self.cal
        k = cal.kappa / (1.0 + cal.kappa)
        taxed = k * (1.0 - st.tax) * cal.income
        inv_price = np.exp(-st.log_price)
        return (st.expenditure - taxed * st.income / cal.income) * inv_price / (cal.expenditure - taxed)

    def welfare(self, z: Array) -> Array:
        return self.welfare_of(self.evaluate(z))

    def welfare_gradient(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Welfare (N,) and its analytic derivative in ``z`` (N, 2N)."""
        st = self.evaluate(z)
        return self._welfare_gradient_of(st, self._derivatives(st))

    def _welfare_gradient_of(self, st: IjlmsState,
                             d: dict[str, tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
        cal, n = self.cal, self.n
        diag = np.arange(n)
        k = cal.kappa / (1.0 + cal.kappa)
        inv_price = np.exp(-st.log_price)
        den = cal.expenditure - k * (1.0 - st.tax) * cal.income
        a = st.expenditure * inv_price
        b = k * (1.0 - st.tax) * st.income * inv_price
        w = (a - b) / den
        grad = np.empty((n, 2 * n))
        for block in range(2):
            log_p, tax = d["log_p"][block], d["tax"][block]
            da = a[:, None] * (d["log_e"][block] - log_p)
            db = -b[:, None] * log_p - (k * st.income * inv_price)[:, None] * tax
            db[diag, diag] += b
            dden = (k * cal.income)[:, None] * tax
            grad[:, block * n:(block + 1) * n] = np.real((da - db) / den[:, None] - (w / den)[:, None] * dden)
        return np.asarray(np.real(w), dtype=np.float64), grad

    def conditions_residual(self, st: IjlmsState) -> float:
        """The conditions recomputed from the final flows: the largest relative gap of the labour
        market ``|Σ_j (1 − ν_j) X'_ij + ν_i Σ_k X'_ki − Y'_i| / Y'_i`` (each that must clear) and of the budget
        ``|Σ_i (1 + t'_ij) X'_ij − Y'_j − Σ_i t'_ij X'_ij − T_j ΣY'/ΣY| / E'_j``."""
        cal = self.cal
        flows = np.real(st.flows)
        income = np.real(st.income)
        demand = (flows * (1.0 - cal.nu)[None, :]).sum(axis=1) + cal.nu * flows.sum(axis=0)
        tariffs = np.real(self.tariffs)
        spending = ((1.0 + tariffs) * flows).sum(axis=0)
        budget = spending - income - (tariffs * flows).sum(axis=0) - self.transfers * income.sum() / self.income0
        return float(max(np.max(np.abs(demand / income - 1.0)[self.clears]), np.max(np.abs(budget / spending))))
