"""Calibration: the baseline shares the gravity model needs, read off a World.

Arrays here are stored sector-major, ``[s, i, j]`` (sector, exporter, importer),
so that the solver's sums over exporters are batched matrix–vector products.
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
    """Baseline shares of a one-factor multi-sector Armington/Eaton–Kortum world.

    Attributes
    ----------
    lam
        ``λ[s, i, j]``: share of importer j's tariff-inclusive spending on sector s
        that goes to exporter i, shape (S, N, N); columns sum to 1 where j buys s.
    alpha
        ``α[s, j]``: Cobb–Douglas share of sector s in j's spending, shape (S, N).
    output
        ``Y_i``: output (value added = gross output in this model), shape (N,).
    deficit
        ``D_j``: trade deficit, shape (N,).
    expenditure
        ``E_j``: tariff-inclusive spending, shape (N,).
    tariffs
        Baseline tariffs ``t[s, i, j]``, shape (S, N, N).
    theta
        Trade elasticities θ_s, shape (S,).
    """

    lam: FloatArray
    alpha: FloatArray
    output: FloatArray
    deficit: FloatArray
    expenditure: FloatArray
    tariffs: FloatArray
    theta: FloatArray

    @property
    def n(self) -> int:
        return int(self.output.shape[0])

    @property
    def s(self) -> int:
        return int(self.theta.shape[0])


def calibrate(world: World) -> Calibration:
    """Read the model's baseline shares off ``world`` (no estimation involved)."""
    flows = np.ascontiguousarray(np.transpose(world.flows, (2, 0, 1)))
    tariffs = np.ascontiguousarray(np.transpose(world.tariffs, (2, 0, 1)))
    gross = (1.0 + tariffs) * flows
    e_sector = gross.sum(axis=1)  # [s, j]
    lam = np.divide(gross, e_sector[:, None, :], out=np.zeros_like(gross), where=e_sector[:, None, :] > 0)
    expenditure = e_sector.sum(axis=0)
    alpha = e_sector / expenditure[None, :]
    output = flows.sum(axis=(0, 2))
    deficit = flows.sum(axis=(0, 1)) - output
    return Calibration(lam=lam, alpha=alpha, output=output, deficit=deficit, expenditure=expenditure,
                       tariffs=tariffs, theta=np.array(world.elasticity, dtype=np.float64))
