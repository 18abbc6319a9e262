r"""Pieces of the equilibrium conditions that every general-equilibrium family shares.

* :func:`trade_kernels` — the part of the trade shares that does not move with
  wages or input costs. With cost changes ``ĉ_i`` and the shock's wedge
  ``κ̂_ijs = τ̂_ijs (1 + t'_ijs)/(1 + t_ijs)``,

  .. math:: \lambda'_{ijs} = \frac{B_{ijs}\,\hat c_{is}^{-\theta_s}}{\sum_k B_{kjs}\,\hat c_{ks}^{-\theta_s}},
            \qquad B_{ijs} = \lambda_{ijs}\,\delta_{ijs}\,\hat\kappa_{ijs}^{-\theta_s},

  so the sums over exporters are matrix–vector products with ``B`` and its
  tariff-weighted versions (Dekle, Eaton & Kortum 2008; Caliendo & Parro 2015).
* :func:`closure_spending` — income net of tariff revenue under the deficit closure.

Layout: sector-major ``[s, i, j]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["TradeKernels", "closure_spending", "trade_kernels"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TradeKernels:
    """``B`` and the products the solvers need, shape (S, N, N) each.

    Attributes
    ----------
    cost
        ``λ κ̂^(−θ)``: ``B`` without preference shifts (price indices at baseline preferences).
    B
        ``cost`` times the preference shifts δ (the same array when there are none).
    revenue_share
        ``m = t'/(1 + t')``: the share of a tariff-inclusive purchase that is revenue.
    rev, sales, sales_B
        ``B m``, ``B / (1 + t')`` and ``(B / (1 + t')) B``.
    """

    cost: FloatArray
    B: FloatArray
    revenue_share: FloatArray
    rev: FloatArray
    sales: FloatArray
    sales_B: FloatArray


def trade_kernels(lam: FloatArray, tariffs0: FloatArray, tariffs_new: FloatArray, tau_hat: FloatArray | None,
                  theta: FloatArray, demand_shift: FloatArray | None = None) -> TradeKernels:
    """Precompute ``B = λ δ κ̂^(−θ)`` and its tariff-weighted versions for one shock."""
    factor = (1.0 + tariffs_new) / (1.0 + tariffs0)
    if tau_hat is not None:
        factor = factor * tau_hat
    cost = lam * factor ** (-theta[:, None, None])
    B = cost if demand_shift is None else cost * demand_shift
    revenue_share = tariffs_new / (1.0 + tariffs_new)
    sales = B / (1.0 + tariffs_new)
    return TradeKernels(cost=cost, B=B, revenue_share=revenue_share, rev=B * revenue_share, sales=sales,
                        sales_B=sales * B)


def closure_spending(closure: Literal["fixed_level", "fixed_ratio"], income: FloatArray, phi: FloatArray,
                     deficit: FloatArray, world_income0: float) -> tuple[FloatArray, Any]:
    """Spending net of tariff revenue, ``Y' + D'``, and the world scalar κ.

    ``income`` is factor income (output, or value added with input-output links)
    and ``world_income0`` its baseline world total.

    * ``fixed_level``: ``Y' + D·(ΣY'/ΣY)`` (κ = 1): deficits are fixed in units of
      world income (Dekle, Eaton & Kortum 2008, who hold them fixed as a share of
      world GDP), so that every real outcome is the same whatever numeraire the
      nominal values are reported in. With the default world-output numeraire
      ΣY' = ΣY and the deficits keep their baseline dollar values.
    * ``fixed_ratio``: ``κ φ Y'`` with ``κ = Σ Y' / Σ φ Y'``, so that world
      spending equals world income.

    Both are homogeneous of degree one in factor prices. Complex ``income`` passes
    through unchanged in kind (the games layer differentiates by complex steps).
    """
    if closure == "fixed_ratio":
        phi_income = phi * income
        kappa = income.sum() / phi_income.sum()  # no float(): complex-step derivatives pass through
        return kappa * phi_income, kappa
    return income + deficit * (income.sum() / world_income0), 1.0
