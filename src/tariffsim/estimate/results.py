"""The frozen record of a PPML gravity fit: :class:`GravityEstimate`.

Arrays are stored read-only; the pandas views (``coefficients``,
``covariance``, ``fixed_effects``, ``fitted``, ``dropped``) are built fresh on
every access, so nothing a caller does to them reaches the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from tariffsim.errors import ModelError, SolverDiagnostics
from tariffsim.estimate.options import GravitySpec, PPMLOptions

__all__ = ["GravityEstimate", "TABLE_COLUMNS", "DROP_REASONS"]

FloatArray = NDArray[np.float64]

TABLE_COLUMNS = ["variable", "coef", "se", "z", "p_value", "ci_low", "ci_high"]
"""Columns of :meth:`GravityEstimate.table` (and of ``tariffsim estimate --out``)."""

DROP_REASONS = {
    "missing": "a variable of the model is missing (NaN) or infinite in this row",
    "separation_fe": "separated: the outcome is zero for every observation of one of its fixed-effect levels "
                     "(e.g. a pair that never trades), so that level's effect is -inf",
    "separation_ir": "separated: found by the iterative rectifier (the regressors predict a zero exactly)",
    "singleton": "alone in a fixed-effect level (dropped because drop_singletons=True)",
    "other": "left out by pyfixest for a reason tariffsim could not identify",
}
"""Every reason an observation can be left out of a fit, with its meaning."""


@dataclass(frozen=True, eq=False)
class GravityEstimate:
    """A PPML fit with high-dimensional fixed effects, polished to the adding-up constraints.

    Attributes
    ----------
    formula
        The fixest-syntax formula estimated, e.g.
        ``"trade ~ rta | exporter^year + importer^year + pair_id"``.
    variables
        Names of the estimated coefficients, length K (collinear covariates removed).
    coef
        β, shape (K,), on log outcome.
    cov
        Covariance of β, shape (K, K).
    vcov_label
        How ``cov`` was computed, e.g. ``"cluster by pair_id (2,339 clusters), stata small-sample"``.
    fixed_effect_terms
        The fixed-effect terms, e.g. ``("exporter^year", "importer^year", "pair_id")``.
    fixed_effect_levels
        Levels of each term (a MultiIndex for interactions), same order as ``fixed_effect_values``.
    fixed_effect_values
        α per term, shape (levels_k,), log scale; identified up to the collinearity of the
        terms (fitted values are unique).
    index
        The input frame's index, shape (n_input,).
    in_sample
        Whether each input row is in the estimation sample, shape (n_input,).
    fitted_values
        μ for each input row, NaN outside the sample, shape (n_input,), outcome units.
    drop_reason
        Reason key (see :data:`DROP_REASONS`) per input row, ``""`` in the sample.
    drop_detail
        Details per input row (which variable is missing, which level is separated).
    collinear
        Covariates dropped by pyfixest as collinear with the fixed effects or each other.
    n_clusters
        Number of clusters (clustered errors only).
    deviance
        Poisson deviance at the answer.
    adding_up_residual
        max over fixed-effect levels of |Σ μ / Σ y − 1| (≤ 1e-10 by construction).
    score_residual
        max_k |Σ_n x_nk (y_n − μ_n)| / Σ_n |x_nk| y_n: how well the coefficients' own
        first-order conditions hold with the polished fixed effects.
    diagnostics
        IRLS convergence (pyfixest) and the polish.
    spec, options
        The column roles and settings used.
    notes
        Warnings and remarks (pyfixest's messages, collinear covariates, ...).
    seconds
        Wall-clock time of the whole estimation.
    """

    formula: str
    variables: tuple[str, ...]
    coef: FloatArray
    cov: FloatArray
    vcov_label: str
    fixed_effect_terms: tuple[str, ...]
    fixed_effect_levels: tuple[pd.Index, ...]
    fixed_effect_values: tuple[FloatArray, ...]
    index: pd.Index
    in_sample: NDArray[np.bool_]
    fitted_values: FloatArray
    drop_reason: NDArray[np.object_]
    drop_detail: NDArray[np.object_]
    collinear: tuple[str, ...]
    n_clusters: int | None
    deviance: float
    adding_up_residual: float
    score_residual: float
    diagnostics: Mapping[str, SolverDiagnostics]
    spec: GravitySpec
    options: PPMLOptions
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def __post_init__(self) -> None:
        k = len(self.variables)
        if self.coef.shape != (k,) or self.cov.shape != (k, k):
            raise ModelError(f"GravityEstimate: coef {self.coef.shape} / cov {self.cov.shape} do not match "
                             f"{k} variables")
        for array in (self.coef, self.cov, self.in_sample, self.fitted_values, *self.fixed_effect_values):
            array.flags.writeable = False

    # ------------------------------------------------------------------ views
    @property
    def n_obs(self) -> int:
        """Number of observations in the estimation sample."""
        return int(self.in_sample.sum())

    @property
    def coefficients(self) -> pd.Series:
        """β by variable (log-outcome units)."""
        return pd.Series(np.array(self.coef), index=list(self.variables), name="coef")

    @property
    def covariance(self) -> pd.DataFrame:
        """Covariance of β, variables × variables."""
        return pd.DataFrame(np.array(self.cov), index=list(self.variables), columns=list(self.variables))

    @property
    def standard_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=list(self.variables), name="se")

    @property
    def fixed_effects(self) -> dict[str, pd.Series]:
        """α per fixed-effect term, indexed by its levels (log scale)."""
        return {term: pd.Series(np.array(values), index=levels, name=term)
                for term, levels, values in zip(self.fixed_effect_terms, self.fixed_effect_levels,
                                                self.fixed_effect_values, strict=True)}

    @property
    def fitted(self) -> pd.Series:
        """μ for every input row (NaN outside the estimation sample), aligned with the input index."""
        return pd.Series(np.array(self.fitted_values), index=self.index, name="fitted")

    @property
    def dropped(self) -> pd.DataFrame:
        """One row per input row left out: ``row`` (input index), ``reason`` (a key of
        :data:`DROP_REASONS`) and ``detail``."""
        out = ~self.in_sample
        return pd.DataFrame({"row": self.index[out], "reason": self.drop_reason[out].astype(str),
                             "detail": self.drop_detail[out].astype(str)})

    def dropped_summary(self) -> pd.DataFrame:
        """Number of rows left out by reason, with the reason's meaning."""
        dropped = self.dropped
        counts = dropped["reason"].value_counts()
        return pd.DataFrame({"reason": counts.index, "rows": counts.to_numpy(),
                             "meaning": [DROP_REASONS.get(r, r) for r in counts.index]})

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Regression table: ``variable, coef, se, z, p_value, ci_low, ci_high`` (normal inference)."""
        if not (0 < level < 1):
            raise ModelError(f"confidence level must be in (0, 1); got {level}")
        se = np.sqrt(np.diag(self.cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.coef / se
        crit = stats.norm.ppf(0.5 + level / 2)
        return pd.DataFrame({
            "variable": list(self.variables),
            "coef": self.coef,
            "se": se,
            "z": z,
            "p_value": 2.0 * stats.norm.sf(np.abs(z)),
            "ci_low": self.coef - crit * se,
            "ci_high": self.coef + crit * se,
        })

    def summary(self) -> dict[str, Any]:
        """Fit statistics for a run record or a printed footer."""
        return {
            "formula": self.formula,
            "observations": self.n_obs,
            "dropped": int((~self.in_sample).sum()),
            "vcov": self.vcov_label,
            "deviance": self.deviance,
            "adding_up_residual": self.adding_up_residual,
            "score_residual": self.score_residual,
            "converged": all(d.converged for d in self.diagnostics.values()),
            "seconds": self.seconds,
            "options": self.options.settings(),
        }

    def __repr__(self) -> str:
        coefs = ", ".join(f"{v} {c:.4g}" for v, c in zip(self.variables[:4], self.coef[:4], strict=False))
        more = " ..." if len(self.variables) > 4 else ""
        return (f"<GravityEstimate {self.formula!r}: {coefs}{more}; N={self.n_obs}, "
                f"{int((~self.in_sample).sum())} dropped; adding-up residual {self.adding_up_residual:.1e}>")
