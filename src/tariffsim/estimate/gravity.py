r"""From gravity estimates to Worlds: trade costs, the two-step fill, GE baselines.

With PPML estimates of

.. math:: X_{ij,t} = \exp(\pi_{i,t} + \chi_{j,t} + \gamma_{ij} + \beta' x_{ij,t})

(exporter-year, importer-year and pair effects), the trade-cost index of the
structural gravity model for year :math:`t` is

.. math:: T_{ij,t} = t_{ij,t}^{1-\sigma} = \exp(\gamma_{ij} + \beta' x_{ij,t})

(Yotov et al. 2016, ch. 2, application 2, "Step I"). Pairs whose pair effect is
not identified (they never trade in the sample) get one from the book's second
stage (Anderson & Yotov 2016): a PPML regression of
:math:`\exp(\hat\gamma_{ij})` on exporter and importer effects and
time-invariant gravity covariates (log distance, contiguity, language, colony)
over the international pairs that have an estimate, whose predictions fill the
gaps. The baseline World is then the structural-gravity fit with these costs and
the year's observed output and expenditure
(:func:`tariffsim.fitted_world`); a counterfactual changes the time-varying
covariates (:meth:`TradeCosts.shock`).

With exporter-year and importer-year effects, pair effects are identified only up
to terms :math:`a_i + b_j` that those effects absorb. The fitted baseline, and so
every GE result, is invariant to them. The second stage is not (PPML weights each
pair by its level), so it needs the book's normalisation, under which pair effects
are unique: symmetric pairs and one pair effect shared by all domestic pairs
(:func:`~tariffsim.estimate.pair_ids` with ``domestic="common"``); pair effects are
then reported relative to domestic trade, as in the book, and :func:`trade_costs`
refuses to fill gaps under any other normalisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.costs import cost_index
from tariffsim.errors import DataError, ModelError
from tariffsim.estimate.options import PAIR_COLUMN, GravitySpec, PPMLOptions
from tariffsim.estimate.ppml import pair_ids, ppml
from tariffsim.estimate.results import GravityEstimate
from tariffsim.models.gravity import fitted_world
from tariffsim.shock import Shock
from tariffsim.world import ElasticitySpec, World

__all__ = ["PairFill", "TradeCosts", "pair_effects", "fill_pair_effects", "trade_costs", "baseline_world"]

FloatArray = NDArray[np.float64]

_PAIR_COST = "_pair_cost"


@dataclass(frozen=True)
class PairFill:
    """The second stage of the two-step trade-cost procedure.

    Parameters
    ----------
    covariates
        Time-invariant gravity variables explaining the pair effects, e.g.
        ``("ln_dist", "cntg", "lang", "clny")``; columns of the data.
    options
        PPML settings of the second stage (default: clustered by pair).
    """

    covariates: tuple[str, ...]
    options: PPMLOptions = field(default_factory=PPMLOptions)

    def __post_init__(self) -> None:
        covariates = (self.covariates,) if isinstance(self.covariates, str) else tuple(self.covariates)
        if not covariates:
            raise ModelError("PairFill needs at least one covariate, e.g. ('ln_dist', 'cntg')")
        object.__setattr__(self, "covariates", covariates)


@dataclass(frozen=True, eq=False)
class TradeCosts:
    """Bilateral trade costs for one year, built from a gravity estimate.

    Attributes
    ----------
    year
        The year (``None`` for a cross-section).
    frame
        One row per (exporter, importer): ``exporter, importer, pair_effect,
        pair_effect_source`` (``estimated``, ``predicted`` or ``none``), the
        time-varying covariates at ``year``, and ``log_cost`` = γ_ij + Σ β x_ij
        (= log T_ij = (1 − σ) log t_ij). Read it through :attr:`table` (a copy).
    coefficients
        The β applied to the covariates (``variable -> β``).
    fill
        The second-stage estimate when pair effects were predicted, else ``None``.
    spec
        Column roles.
    """

    year: int | None
    frame: pd.DataFrame
    coefficients: Mapping[str, float]
    fill: GravityEstimate | None
    spec: GravitySpec

    @property
    def table(self) -> pd.DataFrame:
        return self.frame.copy()

    @property
    def countries(self) -> list[str]:
        return sorted(set(self.frame["exporter"]) | set(self.frame["importer"]))

    def matrix(self, countries: Sequence[str] | None = None) -> FloatArray:
        """T_ij = exp(log_cost) on the grid ``countries × countries``, shape (N, N).

        Raises
        ------
        ShockError
            If a pair of the grid has no cost.
        """
        grid = list(countries) if countries is not None else self.countries
        return cost_index(self.frame, {"log_cost": 1.0}, grid)

    def with_coefficients(self, coefficients: Mapping[str, float]) -> TradeCosts:
        """The same costs with other β (e.g. a Monte Carlo draw); pair effects are held fixed."""
        unknown = [v for v in coefficients if v not in self.coefficients]
        if unknown:
            raise ModelError(f"unknown coefficients {unknown}; these costs use {list(self.coefficients)}")
        beta = {**self.coefficients, **{k: float(v) for k, v in coefficients.items()}}
        frame = self.frame.copy()
        frame["log_cost"] = _log_cost(frame, beta)
        return TradeCosts(self.year, frame, beta, self.fill, self.spec)

    def shock(self, world: World, counterfactual: pd.DataFrame, *, label: str = "") -> Shock:
        """Trade-cost changes from changed covariates, on ``world``'s grid.

        Parameters
        ----------
        world
            The baseline (e.g. from :func:`baseline_world`).
        counterfactual
            ``exporter, importer`` and the covariates that change (e.g. ``rta``), for the
            pairs that change; pairs and covariates not listed keep their values.
        label
            Shock label.

        Returns
        -------
        Shock
            τ̂_ij = exp(−Σ β (x'_ij − x_ij) / θ): the pair effects cancel.
        """
        changed = [c for c in counterfactual.columns if c not in ("exporter", "importer")]
        unknown = [c for c in changed if c not in self.coefficients]
        if unknown:
            raise ModelError(f"counterfactual changes {unknown}, which are not cost covariates of these costs "
                             f"({list(self.coefficients)})")
        base = self.frame[["exporter", "importer", *self.coefficients]]
        merged = base.merge(counterfactual, on=["exporter", "importer"], how="left", suffixes=("", "_cf"),
                            validate="one_to_one")
        cf = base.copy()
        for col in changed:
            new = merged[f"{col}_cf"]
            cf[col] = new.where(new.notna(), merged[col]).to_numpy()
        return Shock.from_cost_variables(world, base, cf, dict(self.coefficients), label=label)


# ---------------------------------------------------------------------- pair effects
def pair_effects(estimate: GravityEstimate, data: pd.DataFrame) -> pd.DataFrame:
    """The estimated pair effect γ_ij of every (exporter, importer) in ``data``.

    Parameters
    ----------
    estimate
        A fit with pair fixed effects (the spec's pair column among its fixed-effect terms).
    data
        The estimation data (any rows; only the exporter, importer and pair columns are read).

    Returns
    -------
    pandas.DataFrame
        ``exporter, importer, pair_effect`` (log scale; NaN where the pair's effect was not
        estimated, e.g. a pair that never trades). Relative to the domestic pair effect when
        all domestic pairs share one.
    """
    spec = estimate.spec
    term = spec.pair_column
    if term not in estimate.fixed_effect_terms:
        raise ModelError(f"the estimate has no pair fixed effects '{term}' (its fixed effects: "
                         f"{list(estimate.fixed_effect_terms)})")
    pairs = _pair_frame(data, spec)
    effects = estimate.fixed_effects[term]
    values = pairs["pair"].map(effects.to_dict() if not isinstance(effects.index, pd.MultiIndex) else {})
    values = pd.to_numeric(values, errors="coerce")
    domestic = pairs["exporter"] == pairs["importer"]
    domestic_labels = pairs.loc[domestic, "pair"].unique()
    if len(domestic_labels) == 1 and domestic_labels[0] in effects.index:
        values = values - float(effects[domestic_labels[0]])
    return pd.DataFrame({"exporter": pairs["exporter"].to_numpy(), "importer": pairs["importer"].to_numpy(),
                         "pair_effect": values.to_numpy(dtype=np.float64)})


def fill_pair_effects(
    pairs: pd.DataFrame,
    fill: PairFill,
    *,
    spec: GravitySpec | None = None,
) -> tuple[pd.DataFrame, GravityEstimate]:
    """Predict missing pair effects from gravity covariates (the two-step procedure's second stage).

    Parameters
    ----------
    pairs
        One row per (exporter, importer): ``exporter, importer, pair_effect`` (NaN where
        missing) and the covariates of ``fill`` (plus the spec's pair column to cluster by).
    fill
        Covariates and options of the second stage.
    spec
        Column roles (exporter, importer, pair); default :class:`GravitySpec`.

    Returns
    -------
    filled, estimate
        ``pairs`` with ``pair_effect`` completed and ``pair_effect_source`` (``estimated``
        or ``predicted``); the second-stage fit, estimated on the international pairs with
        a pair effect: ``exp(γ_ij) ~ covariates | exporter + importer``.

    Raises
    ------
    DataError
        Missing covariates, a missing domestic pair effect, or a country without any
        estimated international pair (its exporter or importer effect is unknown).
    """
    spec = spec or GravitySpec()
    need = ["exporter", "importer", "pair_effect", *fill.covariates]
    absent = [c for c in need if c not in pairs.columns]
    if absent:
        raise DataError(f"the second stage needs columns {absent}", column=absent[0])
    frame = pairs.reset_index(drop=True).copy()
    domestic = (frame["exporter"] == frame["importer"]).to_numpy()
    missing = frame["pair_effect"].isna().to_numpy()
    if (missing & domestic).any():
        holes = frame.loc[missing & domestic, "exporter"].tolist()
        raise DataError(f"domestic pair effects are missing for {holes[:8]}; every country needs domestic trade")
    frame[_PAIR_COST] = np.exp(frame["pair_effect"].to_numpy(dtype=np.float64))
    stage = GravitySpec(outcome=_PAIR_COST, exporter="exporter", importer="importer", year=None,
                        pair=spec.pair if spec.pair in frame.columns else None)
    sample = frame.loc[~domestic & ~missing]
    formula = f"{_PAIR_COST} ~ {' + '.join(fill.covariates)} | exporter + importer"
    estimate = ppml(sample, formula, spec=stage, options=fill.options)
    source = np.where(missing, "predicted", "estimated")
    if missing.any():
        fe = estimate.fixed_effects
        rows = frame.loc[missing]
        exporter_effect = rows["exporter"].map(fe["exporter"].to_dict())
        importer_effect = rows["importer"].map(fe["importer"].to_dict())
        unknown = rows.loc[exporter_effect.isna() | importer_effect.isna(), ["exporter", "importer"]]
        if len(unknown):
            raise DataError(f"cannot predict pair effects for {len(unknown)} pairs, e.g. "
                            f"{list(map(tuple, unknown.head(3).to_numpy()))}: a country has no estimated "
                            "international pair effect in the second stage")
        covariates = rows[list(estimate.variables)].to_numpy(dtype=np.float64)
        predicted = exporter_effect.to_numpy() + importer_effect.to_numpy() + covariates @ estimate.coef
        frame.loc[missing, "pair_effect"] = predicted
    frame["pair_effect_source"] = source
    return frame.drop(columns=[_PAIR_COST]), estimate


# ---------------------------------------------------------------------- costs and worlds
def trade_costs(
    estimate: GravityEstimate,
    data: pd.DataFrame,
    *,
    year: int | None = None,
    fill: PairFill | None = None,
) -> TradeCosts:
    """Trade costs log T_ij = γ_ij + Σ β x_ij,year for every pair of ``year``.

    Parameters
    ----------
    estimate
        A PPML gravity fit; with pair effects, they enter the costs (γ_ij), otherwise only
        the covariates do.
    data
        The panel (or cross-section): exporter, importer, [year], the estimate's covariates
        and, for ``fill``, its covariates.
    year
        The baseline year (required for a panel).
    fill
        Second stage for pairs without a pair effect; ``None`` raises if any is missing.

    Returns
    -------
    TradeCosts
    """
    spec = estimate.spec
    rows = _year_rows(data, spec, year)
    coefficients = {v: float(b) for v, b in zip(estimate.variables, estimate.coef, strict=True)}
    absent = [v for v in coefficients if v not in rows.columns]
    if absent:
        raise DataError(f"covariates {absent} of the estimate are not columns of the data; trade costs need "
                        "them as columns (compute transformed variables before estimating)", column=absent[0])
    frame = rows[["exporter", "importer"]].copy()
    fill_estimate: GravityEstimate | None = None
    if spec.pair_column in estimate.fixed_effect_terms:
        effects = pair_effects(estimate, data).drop_duplicates(["exporter", "importer"])
        frame = frame.merge(effects, on=["exporter", "importer"], how="left", validate="one_to_one")
        frame["pair_effect_source"] = np.where(frame["pair_effect"].isna(), "missing", "estimated")
        if frame["pair_effect"].isna().any():
            holes = frame.loc[frame["pair_effect"].isna(), ["exporter", "importer"]]
            if fill is None:
                raise DataError(f"{len(holes)} pairs have no estimated pair effect (e.g. "
                                f"{list(map(tuple, holes.head(3).to_numpy()))}: they never trade); predict them "
                                "with fill=PairFill(covariates=(...)) (the two-step procedure) or drop them")
            problem = _normalisation_problem(data, spec)
            if problem:
                raise ModelError(f"the two-step fill needs pair effects relative to domestic trade, but {problem}; "
                                 "without that normalisation they are identified only up to exporter and importer "
                                 "terms, which change the second stage. Estimate with symmetric pairs and one "
                                 "domestic pair: pair_ids(data, symmetric=True, domestic='common')")
            extra = [c for c in (*fill.covariates, spec.pair_column) if c in rows.columns and c not in frame]
            frame = pd.concat([frame.reset_index(drop=True), rows[extra].reset_index(drop=True)], axis=1)
            frame, fill_estimate = fill_pair_effects(frame, fill, spec=spec)
            frame = frame.drop(columns=extra)
    else:
        frame["pair_effect"] = 0.0
        frame["pair_effect_source"] = "none"
    for v in coefficients:
        frame[v] = rows[v].to_numpy(dtype=np.float64)
    frame["log_cost"] = _log_cost(frame, coefficients)
    if not np.all(np.isfinite(frame["log_cost"])):
        bad = frame.loc[~np.isfinite(frame["log_cost"]), ["exporter", "importer"]].head(3)
        raise DataError(f"non-finite trade costs, e.g. for {list(map(tuple, bad.to_numpy()))}; check the covariates")
    return TradeCosts(year, frame.reset_index(drop=True), coefficients, fill_estimate, spec)


def baseline_world(
    costs: TradeCosts,
    data: pd.DataFrame,
    *,
    elasticity: ElasticitySpec,
    name: str = "",
    sources: Mapping[str, str] | None = None,
) -> World:
    """The general-equilibrium baseline for the costs' year: fitted flows with observed margins.

    Flows are X̂_ij = a_i T_ij b_j with each country's observed output (sales to all
    destinations, domestic included) and expenditure in ``costs.year`` — the fitted
    values of a PPML regression with exporter and importer effects and offset log T,
    i.e. the book's baseline (:func:`tariffsim.fitted_world`).

    Parameters
    ----------
    costs
        From :func:`trade_costs`.
    data
        The data with the year's flows (outcome column of the costs' spec).
    elasticity
        θ = σ − 1 > 0 (the book's σ = 7 is θ = 6).
    name, sources
        Labels kept in the World.

    Returns
    -------
    World
        One sector (``"all"``), countries sorted, ``year`` = ``costs.year``.
    """
    spec = costs.spec
    rows = _year_rows(data, spec, costs.year)
    if spec.outcome not in rows.columns:
        raise DataError(f"the data have no outcome column '{spec.outcome}'", column=spec.outcome)
    flows = pd.DataFrame({"exporter": rows["exporter"].to_numpy(), "importer": rows["importer"].to_numpy(),
                          "value": pd.to_numeric(rows[spec.outcome], errors="coerce").fillna(0.0).to_numpy()})
    countries = sorted(set(flows["exporter"]) | set(flows["importer"]))
    observed = World.from_frames(flows, elasticity=elasticity, countries=countries, year=costs.year,
                                 name=name or f"gravity baseline {costs.year or ''}".strip(),
                                 sources=dict(sources or {}))
    fitted = fitted_world(observed, costs.matrix(countries))
    provenance = {**fitted.sources, "trade_costs": "PPML gravity estimates: pair effects and covariates "
                  f"({', '.join(costs.coefficients)})" + (", missing pair effects predicted (two-step)"
                                                           if costs.fill is not None else "")}
    return fitted.replace(sources=provenance)


# ---------------------------------------------------------------------- helpers
def _log_cost(frame: pd.DataFrame, coefficients: Mapping[str, float]) -> FloatArray:
    out = frame["pair_effect"].to_numpy(dtype=np.float64).copy()
    for v, b in coefficients.items():
        out += b * frame[v].to_numpy(dtype=np.float64)
    return out


def _pair_frame(data: pd.DataFrame, spec: GravitySpec) -> pd.DataFrame:
    """Unique (exporter, importer, pair label) of ``data``; one label per direction."""
    lacking = [c for c in (spec.exporter, spec.importer) if c not in data.columns]
    if lacking:
        raise DataError(f"missing columns {lacking}", column=lacking[0])
    if spec.pair is not None:
        if spec.pair not in data.columns:
            raise DataError(f"missing pair column '{spec.pair}'", column=spec.pair)
        label = data[spec.pair]
    else:
        label = pair_ids(data, exporter=spec.exporter, importer=spec.importer, symmetric=False)
    frame = pd.DataFrame({"exporter": data[spec.exporter].astype(str).to_numpy(),
                          "importer": data[spec.importer].astype(str).to_numpy(),
                          "pair": label.to_numpy()}).drop_duplicates()
    clash = frame.duplicated(["exporter", "importer"], keep=False)
    if clash.any():
        example = frame.loc[clash].head(2).to_numpy().tolist()
        raise DataError(f"the pair column gives one (exporter, importer) several labels, e.g. {example}",
                        column=spec.pair or PAIR_COLUMN)
    return frame.reset_index(drop=True)


def _normalisation_problem(data: pd.DataFrame, spec: GravitySpec) -> str:
    """Why the pair labels do not pin pair effects down relative to domestic trade ('' if they do)."""
    pairs = _pair_frame(data, spec)
    domestic = pairs["exporter"] == pairs["importer"]
    if pairs.loc[domestic, "pair"].nunique() != 1:
        return "domestic pairs have their own pair effects"
    reverse = pairs.merge(pairs, left_on=["exporter", "importer"], right_on=["importer", "exporter"],
                          suffixes=("", "_reverse"))
    if (reverse["pair"] != reverse["pair_reverse"]).any():
        return "pairs are directional (A-B and B-A have different pair effects)"
    return ""


def _year_rows(data: pd.DataFrame, spec: GravitySpec, year: int | None) -> pd.DataFrame:
    """The rows of ``year`` with exporter/importer renamed, one per (exporter, importer)."""
    lacking = [c for c in (spec.exporter, spec.importer) if c not in data.columns]
    if lacking:
        raise DataError(f"missing columns {lacking}", column=lacking[0])
    if spec.year is not None:
        if year is None:
            raise ModelError("a panel needs a year for its trade costs and baseline, e.g. year=1994")
        if spec.year not in data.columns:
            raise DataError(f"missing year column '{spec.year}'", column=spec.year)
        rows = data.loc[data[spec.year] == year]
        if rows.empty:
            years = sorted(pd.unique(data[spec.year]))
            raise DataError(f"no rows for year {year}; the data have years {years[:10]}"
                            f"{' ...' if len(years) > 10 else ''}", column=spec.year)
    else:
        rows = data
    rows = rows.rename(columns={spec.exporter: "exporter", spec.importer: "importer"}).reset_index(drop=True)
    rows["exporter"] = rows["exporter"].astype(str)
    rows["importer"] = rows["importer"].astype(str)
    if rows.duplicated(["exporter", "importer"]).any():
        dup = rows.loc[rows.duplicated(["exporter", "importer"], keep=False), ["exporter", "importer"]].head(2)
        raise DataError(f"several rows for the same pair in one year, e.g. {dup.to_numpy().tolist()}")
    return rows
