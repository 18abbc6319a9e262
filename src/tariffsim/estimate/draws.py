"""Coefficient draws from an estimate's sampling distribution, with explicit seeds.

For Monte Carlo over trade-cost parameters: β^(d) ~ N(β̂, V̂), d = 1 … D, where V̂
is the estimate's covariance (clustered by pair by default). The generator is
built from an explicit :class:`numpy.random.SeedSequence` whose entropy is kept
in the result, so any set of draws can be rebuilt; there is no global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ModelError
from tariffsim.estimate.results import GravityEstimate

__all__ = ["CoefficientDraws", "draw_coefficients", "covariance_root"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CoefficientDraws:
    """Draws of β from N(β̂, V̂).

    Attributes
    ----------
    variables
        Names of the drawn coefficients, length K.
    values
        Shape (D, K): one row per draw, log-outcome units.
    mean, covariance
        β̂ (K,) and V̂ (K, K) they were drawn from.
    entropy
        The SeedSequence's entropy: ``draw_coefficients(..., seed=entropy)`` rebuilds the draws.
    spawn_key
        The SeedSequence's spawn key (non-empty for a child sequence).
    """

    variables: tuple[str, ...]
    values: FloatArray
    mean: FloatArray
    covariance: FloatArray
    entropy: int | Sequence[int] | None
    spawn_key: tuple[int, ...]

    def __post_init__(self) -> None:
        for array in (self.values, self.mean, self.covariance):
            array.flags.writeable = False

    @property
    def n_draws(self) -> int:
        return int(self.values.shape[0])

    def frame(self) -> pd.DataFrame:
        """Draws as a table: one row per draw, one column per variable."""
        return pd.DataFrame(np.array(self.values), columns=list(self.variables))

    def coefficients(self, draw: int) -> dict[str, float]:
        """Draw ``draw`` as ``variable -> β``."""
        if not (0 <= draw < self.n_draws):
            raise ModelError(f"draw {draw} out of range; there are {self.n_draws} draws")
        return {v: float(b) for v, b in zip(self.variables, self.values[draw], strict=True)}


def draw_coefficients(
    estimate: GravityEstimate,
    draws: int,
    seed: int | np.random.SeedSequence,
    *,
    variables: Sequence[str] | None = None,
) -> CoefficientDraws:
    """Draw coefficient vectors from the estimate's normal sampling distribution.

    Parameters
    ----------
    estimate
        A PPML fit.
    draws
        Number of draws D ≥ 1.
    seed
        Entropy (an int) or a :class:`numpy.random.SeedSequence` (e.g. a child from
        ``SeedSequence(...).spawn``). Required: draws are never seeded implicitly.
    variables
        Subset of coefficients to draw (default: all), jointly from their block of V̂.

    Returns
    -------
    CoefficientDraws
        Shape (D, K) draws; identical for identical seeds on every platform numpy supports.

    Raises
    ------
    ModelError
        Unknown variables, D < 1, or a covariance that is not positive semi-definite.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.random.SeedSequence):
        raise ModelError("draw_coefficients needs an explicit seed: an int or a numpy.random.SeedSequence; got "
                         f"{type(seed).__name__}")
    if not isinstance(draws, int) or draws < 1:
        raise ModelError(f"draws must be a positive integer; got {draws!r}")
    names = list(estimate.variables) if variables is None else [str(v) for v in variables]
    unknown = [v for v in names if v not in estimate.variables]
    if unknown:
        raise ModelError(f"unknown coefficients {unknown}; the estimate has {list(estimate.variables)}")
    if not names:
        raise ModelError("the estimate has no coefficients to draw")
    pos = [estimate.variables.index(v) for v in names]
    mean = np.array(estimate.coef[pos], dtype=np.float64)
    cov = np.array(estimate.cov[np.ix_(pos, pos)], dtype=np.float64)
    cov = 0.5 * (cov + cov.T)
    root = covariance_root(cov, names)
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(sequence)
    standard = rng.standard_normal((draws, len(names)))
    values = mean[None, :] + standard @ root.T
    return CoefficientDraws(variables=tuple(names), values=values, mean=mean, covariance=cov,
                            entropy=sequence.entropy, spawn_key=tuple(sequence.spawn_key))


def covariance_root(covariance: FloatArray, names: Sequence[str]) -> FloatArray:
    """A square root ``L`` of a covariance matrix, ``L @ L.T == V``, from its eigen-decomposition (so that a
    singular, positive semi-definite ``V`` works too): ``mean + L @ z`` with standard normal ``z`` is N(mean, V).

    Raises
    ------
    ModelError
        If ``V`` is not square, not finite or not positive semi-definite (naming ``names``).
    """
    cov = np.asarray(covariance, dtype=np.float64)
    if cov.ndim != 2 or cov.shape != (len(names), len(names)) or not np.all(np.isfinite(cov)):
        raise ModelError(f"the covariance of {list(names)} must be a finite {len(names)} x {len(names)} matrix; "
                         f"got shape {cov.shape}")
    cov = 0.5 * (cov + cov.T)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    if eigenvalues.min() < -1e-10 * max(1.0, float(eigenvalues.max())):
        raise ModelError(f"the covariance of {list(names)} is not positive semi-definite (smallest eigenvalue "
                         f"{eigenvalues.min():.3g}); cannot draw")
    root: FloatArray = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    return root
