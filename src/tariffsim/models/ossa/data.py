"""Calibration: the baseline quantities Ossa's (2014) model needs, read off a World.

The trade shares, Cobb–Douglas shares, expenditure and deficits are the gravity
family's (:func:`tariffsim.models.gravity.data.calibrate`: the two models share them);
this module adds what monopolistic competition with a fixed number of firms adds —
each industry's revenue split into labour income, a share ``(σ_s − 1)/σ_s = θ_s/σ_s``,
and profits, a share ``1/σ_s`` (Ossa 2014, the model section: constant markups
``σ_s/(σ_s − 1)``).

Arrays are sector-major, ``[s, i, j]`` (sector, exporter, importer), as in the other
families.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tariffsim.models.gravity.data import calibrate as gravity_calibrate
from tariffsim.world import World

__all__ = ["Calibration", "calibrate"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Calibration:
    """Baseline of Ossa's (2014) multi-industry Krugman economy.

    Shapes: N countries, S industries. Money in the World's units (USD millions).

    Attributes
    ----------
    lam
        ``λ[s, i, j]`` (Ossa's γ): share of importer j's tariff-inclusive spending on
        industry s bought from exporter i, (S, N, N).
    alpha
        ``α[s, j]`` (Ossa's μ): Cobb–Douglas share of industry s in j's spending, (S, N).
    tariffs
        Baseline tariffs ``t[s, i, j]``, (S, N, N).
    theta
        ``θ_s = σ_s − 1``, (S,).
    sigma
        Elasticities of substitution ``σ_s``, (S,).
    sales
        ``R[s, i]``: revenue of industry s in country i (all destinations, pre-tariff), (S, N).
    labour_coef
        ``θ_s/σ_s``: labour's share of an industry's revenue, (S,).
    labour_income
        ``w_i L_i = Σ_s (θ_s/σ_s) R_si``, (N,).
    labour_share
        ``δ[s, i]``: industry s's share of country i's labour income, (S, N).
    output
        ``Y_i = Σ_s R_si`` (labour income plus profits), (N,).
    expenditure
        ``E_j``, tariff-inclusive, (N,).
    tariff_revenue
        ``TR_j = Σ_{i,s} t_ijs X_ijs``, (N,).
    deficit
        ``D_j`` = imports − exports at pre-tariff prices (Ossa's ``−NX_j``), (N,).
    """

    lam: FloatArray
    alpha: FloatArray
    tariffs: FloatArray
    theta: FloatArray
    sigma: FloatArray
    sales: FloatArray
    labour_coef: FloatArray
    labour_income: FloatArray
    labour_share: FloatArray
    output: FloatArray
    expenditure: FloatArray
    tariff_revenue: FloatArray
    deficit: FloatArray

    @property
    def n(self) -> int:
        return int(self.output.shape[0])

    @property
    def s(self) -> int:
        return int(self.theta.shape[0])

    def lobby_income(self) -> FloatArray:
        """``R_sj + δ_sj TR_j``, (S, N): each industry's revenue plus its share of tariff revenue,
        the terms of Ossa's government welfare (``mycongov.m``)."""
        return self.sales + self.labour_share * self.tariff_revenue[None, :]


def calibrate(world: World) -> Calibration:
    """Read the model's baseline off ``world`` (no estimation involved).

    ``world.elasticity`` is θ_s = σ_s − 1, the trade elasticity; σ_s = θ_s + 1.
    """
    base = gravity_calibrate(world)
    flows = np.transpose(world.flows, (2, 0, 1))  # [s, i, j]
    sales = flows.sum(axis=2)  # [s, i]
    theta = base.theta
    sigma = theta + 1.0
    labour_coef = theta / sigma
    labour_by_industry = labour_coef[:, None] * sales
    labour_income = labour_by_industry.sum(axis=0)
    share = np.divide(labour_by_industry, labour_income[None, :], out=np.zeros_like(sales),
                      where=labour_income[None, :] > 0)
    revenue = (base.tariffs * flows).sum(axis=(0, 1))
    return Calibration(lam=base.lam, alpha=base.alpha, tariffs=base.tariffs, theta=theta, sigma=sigma,
                       sales=sales, labour_coef=labour_coef, labour_income=labour_income, labour_share=share,
                       output=base.output, expenditure=base.expenditure, tariff_revenue=revenue,
                       deficit=base.deficit)
