"""Calibration: the baseline shares the multi-sector input-output model needs, read off a World.

Arrays here are stored sector-major, ``[s, i, j]`` (sector, exporter, importer),
so that sums over exporters are batched matrix–vector products, and the
input-output block is stored country-major, ``[i, k, s]`` (country, input,
using sector), so that the input-cost and intermediate-demand sums are batched
products over the small ``S × S`` blocks.

A World without input-output links (``value_added_share`` absent or 1) is the
special case β = 1, γ = 0: every sector's output is value added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tariffsim.world import World

__all__ = ["Calibration", "calibrate"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Calibration:
    """Baseline shares of a Caliendo–Parro (2015) world.

    Shapes: N countries, S sectors. Money in the World's units (USD millions).

    Attributes
    ----------
    lam
        ``λ[s, i, j]``: share of importer j's tariff-inclusive spending on sector
        s bought from exporter i, shape (S, N, N); columns sum to 1 where j buys s.
    tariffs
        Baseline tariffs ``t[s, i, j]`` (fractions), shape (S, N, N).
    theta
        Trade elasticities θ_s, shape (S,).
    beta
        ``β[s, i]``: value added as a share of gross output, shape (S, N).
    gamma
        ``γ[i, k, s]``: share of input k in sector s's intermediate purchases in
        country i, shape (N, S, S) (zero columns where β = 1).
    input_shares
        ``G[i, k, s] = (1 − β_is) γ_iks``: input k's share of sector s's gross
        output (its cost share), shape (N, S, S).
    alpha
        ``α[s, j]``: share of sector s in j's final spending, shape (S, N).
    sector_output
        ``Y[s, i]``: gross output at pre-tariff prices, shape (S, N).
    spending
        ``E[s, j]``: tariff-inclusive spending (intermediate and final), shape (S, N).
    value_added
        ``VA_i = Σ_s β_is Y_is`` (= ``w_i L_i``), shape (N,).
    tariff_revenue
        ``R_j = Σ_{i,s} t_ijs X_ijs``, shape (N,).
    deficit
        ``D_j`` = imports − exports at pre-tariff prices, shape (N,); sums to 0.
    income
        Final income ``I_j = VA_j + R_j + D_j``, shape (N,).
    """

    lam: FloatArray
    tariffs: FloatArray
    theta: FloatArray
    beta: FloatArray
    gamma: FloatArray
    input_shares: FloatArray
    alpha: FloatArray
    sector_output: FloatArray
    spending: FloatArray
    value_added: FloatArray
    tariff_revenue: FloatArray
    deficit: FloatArray
    income: FloatArray

    @property
    def n(self) -> int:
        return int(self.value_added.shape[0])

    @property
    def s(self) -> int:
        return int(self.theta.shape[0])

    def flows(self) -> FloatArray:
        """Baseline flows ``X[s, i, j]`` at pre-tariff prices, shape (S, N, N)."""
        return self.lam * self.spending[:, None, :] / (1.0 + self.tariffs)


def calibrate(world: World) -> Calibration:
    """Read the model's baseline shares off ``world`` (no estimation involved).

    The final-demand shares are the World's :attr:`~tariffsim.world.World.final_shares`
    (spending net of intermediate purchases over income), so that the baseline is
    an equilibrium of the model exactly.
    """
    n, s = world.n_countries, world.n_sectors
    flows = np.ascontiguousarray(np.transpose(world.flows, (2, 0, 1)))
    tariffs = np.ascontiguousarray(np.transpose(world.tariffs, (2, 0, 1)))
    gross = (1.0 + tariffs) * flows
    spending = gross.sum(axis=1)  # [s, j]
    lam = np.divide(gross, spending[:, None, :], out=np.zeros_like(gross), where=spending[:, None, :] > 0)
    sector_output = flows.sum(axis=2)  # [s, i]
    if world.value_added_share is None:
        beta = np.ones((s, n))
        gamma = np.zeros((n, s, s))
    else:
        beta = np.ascontiguousarray(np.asarray(world.value_added_share, dtype=np.float64).T)
        gamma = np.zeros((n, s, s)) if world.io_shares is None else np.array(world.io_shares, dtype=np.float64)
    input_shares = gamma * (1.0 - beta.T)[:, None, :]
    # Final shares by construction, α = (spending − intermediate purchases) / income, so that the
    # baseline solves the model exactly (round-off negatives above −1e-9 are kept, not clipped).
    alpha = np.ascontiguousarray(np.asarray(world.final_shares, dtype=np.float64).T)
    value_added = (beta * sector_output).sum(axis=0)
    revenue = (tariffs * flows).sum(axis=(0, 1))
    deficit = flows.sum(axis=(0, 1)) - flows.sum(axis=(0, 2))
    return Calibration(lam=lam, tariffs=tariffs, theta=np.array(world.elasticity, dtype=np.float64),
                       beta=beta, gamma=gamma, input_shares=input_shares, alpha=alpha,
                       sector_output=sector_output, spending=spending, value_added=value_added,
                       tariff_revenue=revenue, deficit=deficit, income=value_added + revenue + deficit)
