"""PPML with high-dimensional fixed effects: a thin, typed layer over pyfixest's ``fepois``.

What this layer adds to a direct ``pyfixest.fepois`` call, and nothing more:

* gravity defaults: exporter-year, importer-year and pair fixed effects, standard
  errors clustered by pair with Stata's small-sample convention (what
  ``ppml``/``ppmlhdfe`` and Yotov et al. 2016 report), tight IRLS tolerances;
* every observation left out is reported with its reason (missing values,
  separation, singletons) instead of a warning count;
* the fixed effects are recovered from the PPML first-order conditions given the
  coefficients and polished until fitted flows meet the adding-up constraints to
  1e-10 (:mod:`tariffsim.estimate.polish`) — structural gravity reads output,
  expenditure and multilateral resistances off them;
* a fit that does not converge raises :class:`~tariffsim.errors.ConvergenceError`;
* a frozen :class:`~tariffsim.estimate.results.GravityEstimate`.

The estimation itself (IRLS, demeaning, separation checks, covariances) is pyfixest's.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, DataError, ModelError, SolverDiagnostics
from tariffsim.estimate.options import PAIR_COLUMN, GravitySpec, PPMLOptions
from tariffsim.estimate.polish import balance_fixed_effects
from tariffsim.estimate.results import GravityEstimate

__all__ = ["ppml", "gravity_formula", "pair_ids", "parse_formula", "Formula"]

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------- formulas
@dataclass(frozen=True)
class Formula:
    """A parsed fixest-syntax formula ``outcome ~ covariates | fe1 + fe2^fe3``.

    Attributes
    ----------
    outcome
        Outcome column.
    covariates
        Right-hand side before ``|`` (formulaic syntax), ``"1"`` when there is none.
    fixed_effects
        Fixed-effect terms; each a column or columns joined by ``^`` (interaction).
    """

    outcome: str
    covariates: str
    fixed_effects: tuple[str, ...]

    @property
    def text(self) -> str:
        fe = " + ".join(self.fixed_effects)
        return f"{self.outcome} ~ {self.covariates}" + (f" | {fe}" if fe else "")

    def fe_columns(self, term: str) -> list[str]:
        return [part.strip() for part in term.split("^")]

    @property
    def columns(self) -> list[str]:
        """Columns the formula names directly (outcome, covariate variables, fixed effects)."""
        import formulaic

        try:
            covariate_vars = sorted(formulaic.Formula(self.covariates).required_variables)
        except Exception as exc:  # formulaic raises its own parse errors; report them as ours
            raise ModelError(f"cannot read the covariates '{self.covariates}': {exc}") from None
        fe_vars = [col for term in self.fixed_effects for col in self.fe_columns(term)]
        return list(dict.fromkeys([self.outcome, *covariate_vars, *fe_vars]))


def gravity_formula(covariates: str | Sequence[str], spec: GravitySpec | None = None) -> str:
    """The structural-gravity default formula for ``covariates``.

    Parameters
    ----------
    covariates
        Right-hand-side variables, e.g. ``"rta + rta_lag4"`` or ``["rta", "rta_lag4"]``;
        empty for fixed effects only.
    spec
        Column roles; default :class:`GravitySpec`.

    Returns
    -------
    str
        Panel (``spec.year`` set): ``outcome ~ covariates | exporter^year + importer^year + pair``;
        cross-section: ``outcome ~ covariates | exporter + importer``.
    """
    spec = spec or GravitySpec()
    rhs = covariates if isinstance(covariates, str) else " + ".join(covariates)
    rhs = rhs.strip() or "1"
    if spec.year is None:
        fe = f"{spec.exporter} + {spec.importer}"
    else:
        fe = f"{spec.exporter}^{spec.year} + {spec.importer}^{spec.year} + {spec.pair_column}"
    return f"{spec.outcome} ~ {rhs} | {fe}"


def parse_formula(formula: str, spec: GravitySpec | None = None) -> Formula:
    """Parse a fixest-syntax formula; a right-hand side alone gets the gravity defaults.

    ``"rta + rta_lag4"`` becomes :func:`gravity_formula` of it;
    ``"trade ~ rta | exporter^year + importer^year + pair_id"`` is taken as written.

    Raises
    ------
    ModelError
        On IV syntax (a second ``|``), multiple-estimation syntax (``sw``, ``csw``), or
        fixed-effect terms that are not columns or ``^`` interactions of columns.
    """
    text = str(formula).strip()
    if not text:
        raise ModelError("empty formula; write e.g. 'trade ~ rta | exporter^year + importer^year + pair_id' "
                         "or just the covariates, 'rta'")
    if "~" not in text:
        text = gravity_formula(text, spec)
    lhs, rhs = (part.strip() for part in text.split("~", 1))
    parts = [part.strip() for part in rhs.split("|")]
    if len(parts) > 2:
        raise ModelError(f"formula '{formula}': instrumental-variable syntax (a second '|') is not supported "
                         "by PPML gravity estimation")
    if "~" in rhs:
        raise ModelError(f"formula '{formula}' has more than one '~'")
    if not lhs or not lhs.isidentifier():
        raise ModelError(f"formula '{formula}': the outcome must be one column name; got '{lhs}'")
    covariates = parts[0] or "1"
    for keyword in ("sw(", "sw0(", "csw(", "csw0(", "mvsw("):
        if keyword in covariates.replace(" ", ""):
            raise ModelError(f"formula '{formula}': multiple-estimation syntax ({keyword[:-1]}) is not supported; "
                             "estimate one model at a time")
    terms: tuple[str, ...] = ()
    if len(parts) == 2 and parts[1] and parts[1] != "0":
        terms = tuple(term.strip().replace(" ", "") for term in parts[1].split("+"))
        for term in terms:
            pieces = term.split("^")
            if not all(piece.isidentifier() for piece in pieces):
                raise ModelError(f"formula '{formula}': fixed-effect term '{term}' must be a column or columns "
                                 "joined by '^' (e.g. exporter^year)")
    return Formula(outcome=lhs, covariates=covariates, fixed_effects=terms)


def _missing_border(sample: pd.DataFrame, parsed: Formula, spec: GravitySpec, X: NDArray[np.float64]) -> str:
    """A warning when domestic flows are in the sample but nothing in the model separates them from
    international ones, or ''.

    With domestic flows (exporter = importer) in the data, structural gravity needs a border term
    — an international-border dummy (possibly split by year) or pair fixed effects — or every other
    covariate absorbs the border effect (Yotov et al. 2016, ch. 1, "trade without borders"). The
    border is present when the international indicator lies in the span of the covariates (with a
    constant), or when a fixed effect is at the pair level.
    """
    if spec.exporter not in sample.columns or spec.importer not in sample.columns:
        return ""
    domestic = (sample[spec.exporter].astype(str) == sample[spec.importer].astype(str)).to_numpy()
    if not domestic.any() or domestic.all():
        return ""
    pair_level = {spec.pair_column, PAIR_COLUMN}
    for term in parsed.fixed_effects:
        columns = set(parsed.fe_columns(term))
        if columns & pair_level or {spec.exporter, spec.importer} <= columns:
            return ""
    international = (~domestic).astype(np.float64)
    design = np.column_stack([X, np.ones(len(sample))]) if X.size else np.ones((len(sample), 1))
    fit, *_ = np.linalg.lstsq(design, international, rcond=None)
    if np.max(np.abs(design @ fit - international)) < 1e-8:
        return ""
    return (f"the sample holds {int(domestic.sum())} domestic flows (exporter = importer) but the model has no "
            "border term: add an international-border dummy (e.g. intl = exporter != importer, one per year in a "
            "panel) or pair fixed effects, or the other coefficients absorb the border effect (Yotov et al. 2016, "
            "ch. 1)")


def pair_ids(
    frame: pd.DataFrame,
    *,
    exporter: str = "exporter",
    importer: str = "importer",
    symmetric: bool = True,
    domestic: str = "own",
) -> pd.Series:
    """Country-pair labels for pair fixed effects and clustering.

    Parameters
    ----------
    frame
        Data with exporter and importer columns.
    symmetric
        ``True``: ``A-B`` and ``B-A`` share one label (one effect for both directions,
        as the book's ``pair_id``); ``False``: directional pairs.
    domestic
        ``"own"``: every domestic pair (``A-A``) its own label; ``"common"``: one label
        ``"domestic"`` for all of them, the book's normalisation in ch. 2, application 2
        (all domestic trade costs equal, so pair effects are relative to domestic trade).

    Returns
    -------
    pandas.Series
        String labels aligned with ``frame``.
    """
    if domestic not in ("own", "common"):
        raise ModelError(f"pair_ids: domestic must be 'own' or 'common'; got '{domestic}'")
    missing = [c for c in (exporter, importer) if c not in frame.columns]
    if missing:
        raise DataError(f"pair_ids: missing columns {missing}", column=missing[0])
    a = frame[exporter].astype(str)
    b = frame[importer].astype(str)
    if symmetric:
        first = a.where(a <= b, b)
        second = b.where(a <= b, a)
        labels = first + "-" + second
    else:
        labels = a + "-" + b
    if domestic == "common":
        labels = labels.where(a != b, "domestic")
    return labels.rename("pair")


# ---------------------------------------------------------------------- estimation
def ppml(
    data: pd.DataFrame,
    formula: str,
    *,
    spec: GravitySpec | None = None,
    options: PPMLOptions | None = None,
    offset: str | None = None,
) -> GravityEstimate:
    """Estimate a gravity equation by PPML with high-dimensional fixed effects.

    Parameters
    ----------
    data
        Long table, one row per (exporter, importer[, year]); any index.
    formula
        fixest syntax, ``"trade ~ rta | exporter^year + importer^year + pair_id"``, or only
        the covariates, ``"rta + rta_lag4"``, which get :func:`gravity_formula`'s fixed
        effects (exporter-year, importer-year, pair; exporter and importer for a
        cross-section).
    spec
        Column roles (outcome, exporter, importer, year, pair); default :class:`GravitySpec`.
        With ``spec.pair=None`` directional pairs are built for the pair effects and clusters.
    options
        Standard errors, separation checks, tolerances; default :class:`PPMLOptions`.
    offset
        Column holding a log offset (coefficient fixed at 1), e.g. log trade costs.

    Returns
    -------
    GravityEstimate

    Raises
    ------
    DataError
        Missing columns, a negative or non-numeric outcome, no observations left.
    ModelError
        A formula pyfixest cannot estimate.
    ConvergenceError
        IRLS or the fixed-effect polish did not converge.
    """
    start = time.perf_counter()
    spec = spec or GravitySpec()
    options = options or PPMLOptions()
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"ppml needs a pandas DataFrame; got {type(data).__name__}")
    parsed = parse_formula(formula, spec)
    frame, cluster = _working_frame(data, parsed, spec, options, offset)

    bad_cells = frame.isna()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            bad_cells[column] |= np.isinf(frame[column].to_numpy())
    missing_mask = bad_cells.any(axis=1).to_numpy()
    reason = np.full(len(frame), "", dtype=object)
    detail = np.full(len(frame), "", dtype=object)
    if missing_mask.any():
        reason[missing_mask] = "missing"
        detail[missing_mask] = [", ".join(bad_cells.columns[row]) for row in bad_cells.to_numpy()[missing_mask]]
    clean_positions = np.flatnonzero(~missing_mask)
    if clean_positions.size == 0:
        raise DataError("no observations left: every row misses a variable of the model")
    clean = frame.iloc[clean_positions].reset_index(drop=True)
    outcome = pd.to_numeric(clean[parsed.outcome], errors="coerce")
    if outcome.isna().any():
        raise DataError(f"the outcome '{parsed.outcome}' is not numeric", column=parsed.outcome)
    if (outcome < 0).any():
        bad = int((outcome < 0).sum())
        raise DataError(f"the outcome '{parsed.outcome}' has {bad} negative values; trade flows must be >= 0",
                        column=parsed.outcome)

    fit, notes = _fit(clean, parsed, options, cluster, offset)
    kept = np.asarray(fit._data.index, dtype=np.intp)  # positions in `clean` (RangeIndex)
    if kept.size == 0:
        raise DataError("no observations left after the separation checks")
    sample = clean.iloc[kept].reset_index(drop=True)
    y = sample[parsed.outcome].to_numpy(dtype=np.float64)
    if not np.array_equal(np.asarray(fit._data[parsed.outcome], dtype=np.float64), y):
        raise ModelError("internal: cannot align pyfixest's estimation sample with the data")

    # Fixed-effect codes on the clean rows, once: for the drop report and the polish.
    terms = parsed.fixed_effects
    clean_codes = {term: _factorize(clean, parsed.fe_columns(term)) for term in terms}
    # Why each clean row that pyfixest left out was left out.
    left_out = np.setdiff1d(np.arange(len(clean)), kept)
    if left_out.size:
        why, what = _drop_reasons(clean, parsed, clean_codes, left_out, "ir" in options.separation)
        reason[clean_positions[left_out]] = why
        detail[clean_positions[left_out]] = what

    variables = tuple(str(name) for name in fit._coefnames)
    coef = np.asarray(fit.coef().reindex(list(fit._coefnames)).to_numpy(), dtype=np.float64)
    cov = np.asarray(fit._vcov, dtype=np.float64).reshape(len(variables), len(variables))
    if options.vcov == "hetero" and options.small_sample == "stata":
        cov = cov * kept.size / (kept.size - 1)  # Stata's robust ML variance: N/(N − 1)
    collinear = tuple(str(name) for name in (fit._collin_vars or []))
    if collinear:
        notes.append(f"dropped as collinear with the fixed effects or other covariates: {', '.join(collinear)}")

    X = _design(sample, parsed, variables)
    border = _missing_border(sample, parsed, spec, X)
    if border:
        notes.append(border)
    xi = X @ coef if variables else np.zeros(len(sample))
    if offset is not None:
        xi = xi + sample[offset].to_numpy(dtype=np.float64)
    codes: list[NDArray[np.intp]] = []
    levels: list[pd.Index] = []
    for term in terms:
        code, level = _restrict(*clean_codes[term], kept)
        codes.append(code)
        levels.append(level)
    if codes:
        balanced = balance_fixed_effects(y, xi, codes, tol=options.adding_up_tol,
                                         max_iter=options.adding_up_max_iter)
        mu = np.array(balanced.fitted)
        effects = tuple(np.array(e) for e in balanced.effects)
        adding_up = balanced.residual
        polish_diag = balanced.diagnostics
    else:
        mu = np.exp(xi)
        effects = ()
        adding_up = 0.0
        polish_diag = SolverDiagnostics(True, 0, 0.0, 0.0, "none", message="no fixed effects")

    resid = y - mu
    score = 0.0
    for k in range(X.shape[1]):
        scale = float(np.sum(np.abs(X[:, k]) * y))
        if scale > 0:
            score = max(score, abs(float(X[:, k] @ resid)) / scale)

    fitted_full = np.full(len(frame), np.nan)
    fitted_full[clean_positions[kept]] = mu
    in_sample = np.zeros(len(frame), dtype=bool)
    in_sample[clean_positions[kept]] = True
    n_clusters = int(sample[cluster].nunique()) if cluster is not None else None
    vcov_label = _vcov_label(options, cluster, n_clusters)
    irls = SolverDiagnostics(True, 0, float("nan"), 0.0, "pyfixest.fepois",
                             message=f"IRLS converged: relative change of the deviance below {options.tol:g} "
                                     "(pyfixest does not report its iteration count)")
    return GravityEstimate(
        formula=parsed.text,
        variables=variables,
        coef=coef,
        cov=cov,
        vcov_label=vcov_label,
        fixed_effect_terms=terms,
        fixed_effect_levels=tuple(levels),
        fixed_effect_values=effects,
        index=data.index.copy(),
        in_sample=in_sample,
        fitted_values=fitted_full,
        drop_reason=reason,
        drop_detail=detail,
        collinear=collinear,
        n_clusters=n_clusters,
        deviance=float(fit.deviance),
        adding_up_residual=adding_up,
        score_residual=score,
        diagnostics={"irls": irls, "adding_up": polish_diag},
        spec=spec,
        options=options,
        notes=tuple(notes),
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------- helpers
def _working_frame(data: pd.DataFrame, parsed: Formula, spec: GravitySpec, options: PPMLOptions,
                   offset: str | None) -> tuple[pd.DataFrame, str | None]:
    """The columns the fit needs, on a fresh RangeIndex, with the directional pair column built if used."""
    cluster: str | None = None
    if options.vcov == "cluster":
        cluster = options.cluster or spec.pair_column
    wanted = parsed.columns + ([cluster] if cluster else []) + ([offset] if offset else [])
    wanted = list(dict.fromkeys(wanted))
    build_pair = PAIR_COLUMN in wanted and PAIR_COLUMN not in data.columns
    if build_pair:
        lacking = [c for c in (spec.exporter, spec.importer) if c not in data.columns]
        if lacking:
            raise DataError(f"pair effects and pair clusters need the exporter and importer columns {lacking}; "
                            "name them in GravitySpec, give GravitySpec(pair=...), or use "
                            "PPMLOptions(vcov='hetero')", column=lacking[0])
    absent = [c for c in wanted if c not in data.columns and not (c == PAIR_COLUMN and build_pair)]
    if absent:
        shown = ", ".join(map(str, list(data.columns)[:15]))
        raise DataError(f"the data have no column(s) {absent} (columns: {shown}"
                        f"{' ...' if data.shape[1] > 15 else ''})", column=absent[0])
    frame = data[[c for c in wanted if c != PAIR_COLUMN or not build_pair]].reset_index(drop=True)
    if build_pair:
        frame[PAIR_COLUMN] = pair_ids(data.reset_index(drop=True), exporter=spec.exporter,
                                      importer=spec.importer, symmetric=False).to_numpy()
    return frame, cluster


def _fit(clean: pd.DataFrame, parsed: Formula, options: PPMLOptions, cluster: str | None,
         offset: str | None) -> tuple[Any, list[str]]:
    """Call pyfixest; translate its failures and warnings."""
    import pyfixest as pf
    from pyfixest.demeaners import MapDemeaner

    vcov: Any = {"CRV1": cluster} if options.vcov == "cluster" else options.vcov
    ssc = pf.ssc(k_adj=False, G_adj=True) if options.small_sample == "stata" else pf.ssc()
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = pf.fepois(
                parsed.text, data=clean, vcov=vcov, ssc=ssc, offset=offset,
                fixef_rm="singleton" if options.drop_singletons else "none",
                iwls_tol=options.tol, iwls_maxiter=options.max_iter,
                separation_check=list(options.separation),
                demeaner=MapDemeaner(fixef_tol=options.fixef_tol),
                copy_data=False,
            )
        except (ValueError, KeyError, TypeError, NotImplementedError, AssertionError, IndexError) as exc:
            raise ModelError(f"pyfixest could not estimate '{parsed.text}': {exc}") from exc
    for w in caught:
        if issubclass(w.category, DeprecationWarning | FutureWarning | PendingDeprecationWarning):
            continue
        message = str(w.message).strip()
        if "removed because of separation" in message:
            continue  # reported row by row in GravityEstimate.dropped
        notes.append(f"pyfixest: {message}")
    from pyfixest.estimation.models.fepois_ import Fepois

    if not isinstance(fit, Fepois):
        raise ModelError(f"'{parsed.text}' describes several models; estimate one at a time")
    if not fit.convergence:
        diag = SolverDiagnostics(False, options.max_iter, float(fit.deviance or np.nan), 0.0, "pyfixest.fepois",
                                 message="IRLS iteration budget exhausted")
        raise ConvergenceError(f"PPML '{parsed.text}' did not converge in {options.max_iter} IRLS iterations; "
                               "raise PPMLOptions(max_iter=...) or check for extreme values", diag)
    return fit, notes


def _factorize(frame: pd.DataFrame, columns: list[str]) -> tuple[NDArray[np.intp], pd.Index]:
    """Integer codes (levels sorted) of one fixed-effect term and its level labels.

    Interactions are coded from the columns' own codes (c1·n2 + c2 ...), which keeps the
    sorted order of the level tuples without building them row by row.
    """
    first, uniques = pd.factorize(frame[columns[0]], sort=True)
    codes = np.asarray(first, dtype=np.int64)
    parts = [pd.Index(uniques, name=columns[0])]
    for column in columns[1:]:
        more, uniques = pd.factorize(frame[column], sort=True)
        parts.append(pd.Index(uniques, name=column))
        codes = codes * len(uniques) + np.asarray(more, dtype=np.int64)
    if len(columns) == 1:
        return codes.astype(np.intp), parts[0]
    used, inverse = np.unique(codes, return_inverse=True)
    positions = []
    for part in reversed(parts):
        positions.append(used % len(part))
        used = used // len(part)
    arrays = [part[pos] for part, pos in zip(parts, reversed(positions), strict=True)]
    return inverse.astype(np.intp), pd.MultiIndex.from_arrays(arrays, names=columns)


def _restrict(codes: NDArray[np.intp], levels: pd.Index, rows: NDArray[np.intp]
              ) -> tuple[NDArray[np.intp], pd.Index]:
    """Codes and levels of a term on a subset of rows, unused levels removed."""
    used, inverse = np.unique(codes[rows], return_inverse=True)
    return inverse.astype(np.intp), levels[used]


def _design(sample: pd.DataFrame, parsed: Formula, variables: tuple[str, ...]) -> FloatArray:
    """The covariates' model matrix on the estimation sample, columns in ``variables`` order."""
    if not variables:
        return np.zeros((len(sample), 0))
    if all(v in sample.columns or v == "Intercept" for v in variables):
        return np.column_stack([np.ones(len(sample)) if v == "Intercept" and v not in sample.columns
                                else sample[v].to_numpy(dtype=np.float64) for v in variables])
    import formulaic

    matrix = formulaic.model_matrix(parsed.covariates, sample, output="pandas")
    absent = [v for v in variables if v not in matrix.columns]
    if absent:
        raise ModelError(f"cannot rebuild covariates {absent} of '{parsed.text}' for the fixed-effect polish; "
                         "write them as columns or formulaic expressions")
    return np.asarray(matrix[list(variables)], dtype=np.float64)


def _drop_reasons(clean: pd.DataFrame, parsed: Formula, clean_codes: dict[str, tuple[NDArray[np.intp], pd.Index]],
                  rows: NDArray[np.intp], rectifier: bool) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """Classify rows pyfixest left out: all-zero fixed-effect level, singleton, or the iterative rectifier."""
    positive = (clean[parsed.outcome].to_numpy(dtype=np.float64) > 0).astype(np.float64)
    why = np.full(len(rows), "separation_ir" if rectifier else "other", dtype=object)
    what = np.full(len(rows), "" if rectifier else "left out by pyfixest", dtype=object)
    open_ = np.ones(len(rows), dtype=bool)
    for term in parsed.fixed_effects:
        code, level = clean_codes[term]
        positives = np.bincount(code, weights=positive, minlength=len(level))
        counts = np.bincount(code, minlength=len(level))
        c = code[rows]
        for key, hit in (("separation_fe", positives[c] == 0), ("singleton", counts[c] == 1)):
            hit &= open_
            if not hit.any():
                continue
            labels = _level_labels(level)[c[hit]]
            why[hit] = key
            if key == "separation_fe":
                what[hit] = [f"{term} = {lab}: outcome zero in all {n} rows" for lab, n in
                             zip(labels, counts[c[hit]], strict=True)]
            else:
                what[hit] = [f"{term} = {lab}" for lab in labels]
            open_ &= ~hit
    return why, what


def _level_labels(level: pd.Index) -> NDArray[np.object_]:
    if isinstance(level, pd.MultiIndex):
        return np.array(["^".join(map(str, t)) for t in level], dtype=object)
    return level.astype(str).to_numpy(dtype=object)


def _vcov_label(options: PPMLOptions, cluster: str | None, n_clusters: int | None) -> str:
    if options.vcov == "cluster":
        name = "directional pair" if cluster == PAIR_COLUMN else cluster
        text = f"clustered by {name} ({n_clusters:,} clusters)"
    elif options.vcov == "hetero":
        text = "heteroskedasticity-robust"
    else:
        text = "iid"
    return f"{text}, {options.small_sample} small-sample correction"
