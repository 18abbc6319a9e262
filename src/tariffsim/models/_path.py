"""A shock in the equation systems' sector-major layout, applied in fractions for continuation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ShockPath"]

FloatArray = NDArray[np.float64]
_TO_SECTOR_MAJOR = (2, 0, 1)


def _sector_major(array: FloatArray | None) -> FloatArray | None:
    return None if array is None else np.ascontiguousarray(np.transpose(array, _TO_SECTOR_MAJOR))


@dataclass(frozen=True)
class ShockPath:
    """Baseline and counterfactual policy ``[s, i, j]``; :meth:`at` interpolates between them.

    At fraction λ: iceberg costs τ̂^λ, tariffs t + λ (t' − t), deficit targets
    D + λ (D' − D) and preference shifts δ^λ — so λ = 0 is the baseline and
    λ = 1 the whole shock.
    """

    tariffs0: FloatArray
    deficit0: FloatArray
    tau_hat: FloatArray | None
    tariffs: FloatArray
    deficit_target: FloatArray | None = None
    demand_shift: FloatArray | None = None

    @classmethod
    def from_world_layout(cls, tariffs0: FloatArray, deficit0: FloatArray, tau_hat: FloatArray | None,
                          tariffs_new: FloatArray, deficit_target: FloatArray | None = None,
                          demand_shift: FloatArray | None = None) -> ShockPath:
        """From ``[i, j, s]`` shock arrays; ``tariffs0`` (S, N, N) and ``deficit0`` (N,) from a calibration."""
        tariffs = _sector_major(tariffs_new)
        assert tariffs is not None
        return cls(tariffs0, deficit0, _sector_major(tau_hat), tariffs, deficit_target, _sector_major(demand_shift))

    def at(self, fraction: float) -> tuple[FloatArray | None, FloatArray, FloatArray | None, FloatArray | None]:
        """``(tau_hat, tariffs, deficit_target, demand_shift)`` with ``fraction`` of the shock applied."""
        if fraction == 1.0:
            return self.tau_hat, self.tariffs, self.deficit_target, self.demand_shift
        tau = None if self.tau_hat is None else self.tau_hat**fraction
        tariffs = self.tariffs0 + fraction * (self.tariffs - self.tariffs0)
        target = None if self.deficit_target is None else self.deficit0 + fraction * (self.deficit_target
                                                                                      - self.deficit0)
        shift = None if self.demand_shift is None else self.demand_shift**fraction
        return tau, tariffs, target, shift
