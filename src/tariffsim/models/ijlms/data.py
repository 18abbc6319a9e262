r"""Calibration of Ignatenko, Lashkaripour, Macedoni & Simonovska (2025): the baseline the model needs.

"Making America Great Again? The Economic Impacts of Liberation Day Tariffs", *Journal of
International Economics* 157 (2025), 104138, section 4 ("Data and calibration").

Three steps, as in the paper and the authors' code (``code/analysis/main_baseline.m``):

1. **Fixed-cost shares** ν (:func:`~tariffsim.fixed_costs.fixed_cost_shares`): one value for the
   United States, one for every other economy, meeting the paper's SG&A targets (0.26 for US
   firms, 0.12 for others, Appendix F.4) on the two-region aggregate; the authors solve it with
   ``fsolve`` from (0.1, 0.24) and set negative values to 0.
2. **Transfers and domestic absorption** (:func:`~tariffsim.fixed_costs.authors_flows`, eq. (8)–(9)):
   ``E_i = GDP_i + T̄_i(ν)`` and domestic sales ``X_ii = E_i − Σ_{n≠i} X_ni``, **clipped at 0**
   (Gambia and the Marshall Islands, whose goods exports exceed their GDP, get none).
3. **Shares and income** (:func:`calibrate_flows`): ``E_i = Σ_n X_ni`` (again, after the
   clip), ``λ_ni = X_ni / E_i``, income ``Y_i = Σ_n (1 − ν_n) X_in + ν_i E_i`` (sales net of
   fixed costs paid abroad plus the fixed costs foreign firms pay in ``i``) and the
   exogenous transfer ``T_i = E_i − Y_i``.

Pass-through (section 4, "Structural parameters"): with firm-level pass-through ``φ̃``,
``φ_i = φ̃ + ν_i (1 + ψ)/(1 − ν_i)`` and ``ψ = 0.67/ε`` (the code's ``Phi``:
``φ̃ = 1``, ``0.5`` or ``0.25``).

Arrays are ``[i, j]``: exporter i, importer j (one sector).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tariffsim.errors import ModelError
from tariffsim.fixed_costs import FIXED_COST_TARGETS, authors_flows, fixed_cost_shares, transfers_implied

__all__ = ["Calibration", "FIXED_COST_TARGETS", "SCALE_TIMES_EPS", "authors_flows", "calibrate_flows",
           "fixed_cost_shares", "pass_through", "transfers_implied"]

FloatArray = NDArray[np.float64]

SCALE_TIMES_EPS = 0.67
"""ε·ψ, the scale elasticity times the trade elasticity (Lashkaripour & Lugovskyy 2023)."""


@dataclass(frozen=True)
class Calibration:
    """Baseline of the IJLMS economy; money in the units of the flows.

    Attributes
    ----------
    flows
        ``X[i, j]``, pre-tariff sales of i in j, domestic sales on the diagonal, (N, N).
    lam
        ``λ[i, j]``: share of j's tariff-inclusive spending on i's goods, (N, N).
    expenditure
        ``E_j``, tariff-inclusive, (N,).
    income
        ``Y_i = Σ_j (1 − ν_j) X_ij + ν_i Σ_k X_ki``: wage income, (N,).
    transfers
        ``T_i = E_i − Y_i − R_i``: the exogenous transfer T̄ (held fixed in units of world income), (N,).
    revenue
        Baseline tariff revenue ``R_i`` (zero in the paper), (N,).
    tariffs
        Baseline tariffs ``t[i, j]``, (N, N).
    nu
        Fixed-cost shares ``ν_i``, (N,).
    phi
        Pass-through of tariffs to the import price index ``φ_j``, (N,).
    eps, psi, kappa
        Trade elasticity ε, scale elasticity ψ, labour-supply elasticity κ.
    """

    flows: FloatArray
    lam: FloatArray
    expenditure: FloatArray
    income: FloatArray
    transfers: FloatArray
    revenue: FloatArray
    tariffs: FloatArray
    nu: FloatArray
    phi: FloatArray
    eps: float
    psi: float
    kappa: float

    @property
    def n(self) -> int:
        return int(self.expenditure.shape[0])

    @property
    def deficit(self) -> FloatArray:
        """Trade deficit at pre-tariff prices, ``Σ_k X_ki − Σ_j X_ij``, (N,)."""
        return np.asarray(self.flows.sum(axis=0) - self.flows.sum(axis=1), dtype=np.float64)


def pass_through(nu: FloatArray, psi: float, firm_pass_through: float = 1.0) -> FloatArray:
    """``φ_i = φ̃ + ν_i (1 + ψ)/(1 − ν_i)``: the firm-level pass-through plus the variety effect (section 4)."""
    nu = np.asarray(nu, dtype=np.float64)
    return firm_pass_through + nu * (1.0 + psi) / (1.0 - nu)


def calibrate_flows(flows: FloatArray, nu: FloatArray, *, eps: float, kappa: float,
                    tariffs: FloatArray | None = None, scale: float = SCALE_TIMES_EPS,
                    firm_pass_through: float = 1.0) -> Calibration:
    """The model's baseline from pre-tariff flows with domestic sales (zero domestic sales allowed).

    Parameters
    ----------
    flows
        ``X[i, j]`` (N, N), domestic sales on the diagonal.
    nu
        Fixed-cost shares (N,).
    eps, kappa
        Trade and labour-supply elasticities.
    tariffs
        Baseline tariffs (N, N); default zero (the paper's baseline).
    scale
        ε·ψ (0.67 in the paper).
    firm_pass_through
        φ̃ (1 in the paper's baseline).
    """
    X = np.asarray(flows, dtype=np.float64)
    n = X.shape[0]
    t0 = np.zeros((n, n)) if tariffs is None else np.asarray(tariffs, dtype=np.float64)
    nu = np.asarray(nu, dtype=np.float64)
    if X.shape != (n, n) or nu.shape != (n,) or t0.shape != (n, n):
        raise ModelError(f"flows {X.shape}, tariffs {t0.shape} and nu {nu.shape} do not fit one grid of {n} economies")
    if np.any(nu < 0) or np.any(nu >= 1):
        raise ModelError("fixed-cost shares must lie in [0, 1)")
    if not eps > 0 or kappa < 0:
        raise ModelError(f"the trade elasticity must be > 0 and the labour-supply elasticity >= 0; got {eps}, {kappa}")
    gross = (1.0 + t0) * X
    expenditure = gross.sum(axis=0)
    if np.any(expenditure <= 0):
        raise ModelError("every economy needs positive expenditure")
    lam = gross / expenditure[None, :]
    purchases = X.sum(axis=0)
    income = (X * (1.0 - nu)[None, :]).sum(axis=1) + nu * purchases
    revenue = (t0 * X).sum(axis=0)
    psi = scale / eps
    return Calibration(flows=X, lam=lam, expenditure=expenditure, income=income,
                       transfers=expenditure - income - revenue, revenue=revenue, tariffs=t0, nu=nu,
                       phi=pass_through(nu, psi, firm_pass_through), eps=float(eps), psi=float(psi),
                       kappa=float(kappa))
