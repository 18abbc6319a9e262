"""Option vocabularies of gravity estimation, named once, and the typed objects that carry them.

* :class:`GravitySpec` says which column plays which role in a gravity panel
  (outcome, exporter, importer, year, pair);
* :class:`PPMLOptions` carries every setting of a PPML fit (standard errors,
  separation checks, tolerances). Both are frozen and validated at
  construction, so a bad option fails where it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from tariffsim.errors import ModelError

__all__ = [
    "GravitySpec",
    "PPMLOptions",
    "VcovType",
    "SmallSample",
    "SeparationMethod",
    "PAIR_COLUMN",
]

VcovType = Literal["cluster", "hetero", "iid"]
"""Standard errors: clustered (by pair unless ``cluster`` says otherwise), heteroskedasticity-robust, or iid."""

SmallSample = Literal["stata", "fixest"]
"""Small-sample correction of the covariance.

* ``stata`` (default): Stata's convention for ML estimators: G/(G − 1) for clustered
  errors, N/(N − 1) for heteroskedasticity-robust ones, no factor for iid. This is what
  ``ppml``, ``ppmlhdfe`` and ``ppml_panel_sg`` report, and so what Yotov et al. (2016)
  publish.
* ``fixest``: pyfixest's default, which also scales by the number of parameters K
  (coefficients and non-redundant fixed effects): N/(N − K) for heteroskedasticity-robust
  errors, (N − 1)/(N − K)·G/(G − 1) for clustered ones.
"""

SeparationMethod = Literal["fe", "ir"]
"""Checks for observations whose PPML estimate does not exist (Correia, Guimarães & Zylkin 2021).

* ``fe``: drop every observation of a fixed-effect level whose outcome is zero throughout
  (e.g. a pair that never trades); cheap, and what the book's ``ppml`` does;
* ``ir``: the iterative rectifier, which also finds separation by the regressors (slower).
"""

PAIR_COLUMN = "_gravity_pair"
"""Name of the directional pair column built when :attr:`GravitySpec.pair` is ``None``."""


@dataclass(frozen=True)
class GravitySpec:
    """Roles of the columns of a gravity data set.

    Parameters
    ----------
    outcome
        Trade flows (USD, any scale; zeros allowed, negatives not).
    exporter, importer
        Country labels (origin, destination).
    year
        Time column of a panel; ``None`` for one cross-section.
    pair
        Column identifying country pairs for pair fixed effects and clustering, e.g.
        a symmetric ``pair_id``; ``None`` builds directional pairs exporter→importer
        (column :data:`PAIR_COLUMN`). See :func:`tariffsim.estimate.pair_ids`.

    With the default formula (:func:`tariffsim.estimate.gravity_formula`) a panel
    gets exporter-year, importer-year and pair fixed effects; a cross-section
    exporter and importer fixed effects.
    """

    outcome: str = "trade"
    exporter: str = "exporter"
    importer: str = "importer"
    year: str | None = "year"
    pair: str | None = None

    def __post_init__(self) -> None:
        for role in ("outcome", "exporter", "importer", "year", "pair"):
            value = getattr(self, role)
            if value is None and role in ("year", "pair"):
                continue
            if not isinstance(value, str) or not value.strip():
                raise ModelError(f"GravitySpec.{role} must be a column name; got {value!r}")
        if self.exporter == self.importer:
            raise ModelError(f"GravitySpec: exporter and importer are the same column '{self.exporter}'")

    @property
    def pair_column(self) -> str:
        """The pair column used in formulas: :attr:`pair`, or :data:`PAIR_COLUMN` when it is built."""
        return self.pair if self.pair is not None else PAIR_COLUMN


@dataclass(frozen=True)
class PPMLOptions:
    """Settings of a PPML fit with high-dimensional fixed effects.

    Parameters
    ----------
    vcov
        ``"cluster"`` (default), ``"hetero"`` or ``"iid"``; see :data:`VcovType`.
    cluster
        Column to cluster by; ``None`` (default) uses the spec's pair column.
    small_sample
        ``"stata"`` (default) or ``"fixest"``; see :data:`SmallSample`.
    separation
        Separation checks run before the fit; see :data:`SeparationMethod`. Default
        ``("fe",)``. Every observation dropped is reported with the reason.
    drop_singletons
        Drop observations alone in a fixed-effect level (ppmlhdfe's default; the
        book's ``ppml`` keeps them). Point estimates are the same either way.
    tol
        Convergence tolerance of the IRLS iterations: relative change of the
        deviance between iterations (pyfixest's ``iwls_tol``). Default 1e-10.
    max_iter
        IRLS iteration budget; a fit that does not converge raises
        :class:`~tariffsim.errors.ConvergenceError`. Default 100.
    fixef_tol
        Tolerance of pyfixest's demeaning (alternating projections). Default 1e-9.
    adding_up_tol
        After the fit, the fixed effects are balanced given the coefficients until every
        fixed-effect level's fitted total matches its observed total to this relative
        tolerance (the PPML first-order conditions, e.g. fitted output = observed
        output). Default 1e-12; results are guaranteed to 1e-10.
    adding_up_max_iter
        Iteration budget of that balancing.
    """

    vcov: VcovType = "cluster"
    cluster: str | None = None
    small_sample: SmallSample = "stata"
    separation: tuple[SeparationMethod, ...] = ("fe",)
    drop_singletons: bool = False
    tol: float = 1e-10
    max_iter: int = 100
    fixef_tol: float = 1e-9
    adding_up_tol: float = 1e-12
    adding_up_max_iter: int = 10_000

    def __post_init__(self) -> None:
        if self.vcov not in get_args(VcovType):
            raise ModelError(f"PPMLOptions.vcov '{self.vcov}' is not one of {', '.join(get_args(VcovType))}")
        if self.cluster is not None and self.vcov != "cluster":
            raise ModelError(f"PPMLOptions.cluster='{self.cluster}' needs vcov='cluster'; got vcov='{self.vcov}'")
        if self.small_sample not in get_args(SmallSample):
            raise ModelError(f"PPMLOptions.small_sample '{self.small_sample}' is not one of "
                             f"{', '.join(get_args(SmallSample))}")
        separation = (self.separation,) if isinstance(self.separation, str) else tuple(self.separation)
        bad = [m for m in separation if m not in get_args(SeparationMethod)]
        if bad:
            raise ModelError(f"PPMLOptions.separation: unknown methods {bad}; allowed: "
                             f"{', '.join(get_args(SeparationMethod))}")
        object.__setattr__(self, "separation", tuple(dict.fromkeys(separation)))
        for name, upper in (("tol", 1e-2), ("fixef_tol", 1e-2), ("adding_up_tol", 1e-10)):
            value = getattr(self, name)
            if not (0 < value <= upper):
                raise ModelError(f"PPMLOptions.{name} must be in (0, {upper:g}]; got {value}")
        for name in ("max_iter", "adding_up_max_iter"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ModelError(f"PPMLOptions.{name} must be a positive integer; got {value!r}")

    def settings(self) -> dict[str, object]:
        """The options as a plain dictionary (for run records)."""
        return {"vcov": self.vcov, "cluster": self.cluster, "small_sample": self.small_sample,
                "separation": list(self.separation), "drop_singletons": self.drop_singletons, "tol": self.tol,
                "max_iter": self.max_iter, "fixef_tol": self.fixef_tol, "adding_up_tol": self.adding_up_tol}
