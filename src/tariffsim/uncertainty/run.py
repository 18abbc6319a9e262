"""Runs over parameter draws: :func:`run_uncertain` and what it returns, :class:`UncertainRun`.

:func:`run_uncertain` runs the scenario once at the central values with
:func:`~tariffsim.runs.run_scenario` (which compiles and checks every date), binds what
varies to that run's World and scenario, asks the design for its points, and has the
executor solve each point (:mod:`tariffsim.uncertainty._task`). It never orchestrates a
run itself: each draw is :func:`~tariffsim.models.simulate` on the central run's compiled
shocks, or :func:`~tariffsim.runs.run_scenario` when the draw changes the scenario.

Failures are data: a draw that does not solve is kept in the draws table with its
parameters, status and diagnostics, counted in every row of the quantile table
(``draws_failed``), and described in :meth:`UncertainRun.summary`, which also says whether
failures go with a parameter. Nothing is dropped or drawn again.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtri

from tariffsim.errors import DataError, ModelError
from tariffsim.report.run import QUANTILES, RunData
from tariffsim.runs import ElasticityOverride, ScenarioRun, run_scenario
from tariffsim.uncertainty._task import BILATERAL_PREFIX, DrawOutcome, Outputs, Plan
from tariffsim.uncertainty.designs import Design, DesignPoints, LatinHypercube, MonteCarlo, make_design
from tariffsim.uncertainty.executors import Executor, batches, make_executor
from tariffsim.uncertainty.parameters import Block, Parameter, bind_all

if TYPE_CHECKING:
    from tariffsim.models import Model
    from tariffsim.options import Numeraire, SolverOptions
    from tariffsim.report.runs import RunInfo
    from tariffsim.scenario import LoadedScenario
    from tariffsim.uncertainty.declared import Declared
    from tariffsim.world import World

__all__ = ["run_uncertain", "UncertainRun", "DrawProgress", "QUANTILE_COLUMNS", "DRAWS_FILE", "quantile_table"]

FloatArray = NDArray[np.float64]
QUANTILE_COLUMNS = ["date", "country", "sector", "column", "mean", "sd", "q05", "q50", "q95", "draws_ok",
                    "draws_failed"]
"""Columns of ``quantiles.csv``."""
DRAWS_FILE = "draws.parquet"
Z95 = float(ndtri(0.95))


@dataclass(frozen=True)
class DrawProgress:
    """Where the draws are: ``done`` of ``total`` solved so far, ``failed`` of them failed."""

    done: int
    total: int
    failed: int


DrawProgressCallback = Callable[[DrawProgress], None]


# ---------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class UncertainRun:
    """A scenario run at its central values and over a design's draws. Read-only.

    Attributes
    ----------
    central
        The run at the central values (the World's elasticities, the scenario as written);
        its ``run.json`` records carry the design under ``uncertainty``.
    design
        The design.
    seed
        Entropy of the :class:`numpy.random.SeedSequence` the draws came from
        (``run_uncertain(..., seed=seed)`` draws them again).
    parameters
        What varied, in words.
    draws
        One row per draw: ``draw``, ``weight`` (quadrature; else 1/D), ``status`` (``ok``,
        ``not converged``, ``invalid``), ``message``, ``iterations``, ``residual``, ``seconds``,
        then one column per parameter (``theta:SECTOR``, ``beta:VARIABLE``, ``LABEL:KEY``,
        ``elasticity_set``).
    outcomes
        One row per solved draw, date, country and sector (``""`` for the country's total):
        the result columns of that row.
    quantiles
        :data:`QUANTILE_COLUMNS`, one row per date, country, sector and column.
    executor
        The executor in words.
    seconds
        Wall-clock time of the draws.
    """

    central: ScenarioRun
    design: Design
    seed: int | Sequence[int] | None
    parameters: tuple[str, ...]
    draws: pd.DataFrame
    outcomes: pd.DataFrame
    quantiles: pd.DataFrame
    executor: str
    seconds: float

    @property
    def failures(self) -> pd.DataFrame:
        """The draws that did not solve, with their parameters, status, message and diagnostics."""
        return self.draws[self.draws["status"] != "ok"].reset_index(drop=True)

    @property
    def n_failed(self) -> int:
        return int((self.draws["status"] != "ok").sum())

    def summary(self) -> list[str]:
        """What the draws were and how many failed, and whether failures go with a parameter."""
        lines = [f"{self.design.describe()}; seed {self.seed}; {self.executor}; {self.seconds:.1f} s"]
        lines += [f"varied: {p}" for p in self.parameters]
        lines.append(failure_summary(self.draws, self.parameter_columns))
        if self.design.name == "quadrature":
            lines.append("quadrature: mean and sd are the rule's; q05, q50 and q95 are the normal approximation "
                         f"(mean ∓ {Z95:.3f} sd, the mean)")
        return lines

    @property
    def parameter_columns(self) -> list[str]:
        fixed = {"draw", "weight", "status", "message", "iterations", "residual", "seconds"}
        return [c for c in self.draws.columns if c not in fixed]

    @property
    def settings(self) -> dict[str, Any]:
        """The ``uncertainty`` entry of the run records (design, seed, draws, failures, parameters, executor)."""
        return dict(self.central.annotations.get("uncertainty") or {})

    def run_data(self, *, source: str = "", run_id: str | None = None) -> RunData:
        """The run as the report and the runs store read it: the central run's tables and the quantiles."""
        data = self.central.run_data(source=source, run_id=run_id)
        return replace(data, tables={**data.tables, QUANTILES: self.quantiles})

    def report(self, date: str | None = None, *, source: str = "", run_id: str | None = None) -> str:
        """The HTML report (bands from the quantiles), as text."""
        from tariffsim.report.html import render_report

        return render_report(self.run_data(source=source, run_id=run_id), date)

    def table(self) -> pd.DataFrame:
        """What ``draws.parquet`` holds: every draw's parameters, status and diagnostics, joined to its outcomes
        (one row per date, country and sector; a failed draw has one row without outcomes)."""
        return self.draws.merge(self.outcomes, on="draw", how="left")

    def write(self, folder: str | Path, *, report: bool = False, run_id: str | None = None,
              xlsx: str | Path | None = None) -> list[Path]:
        """Write the run folder (:meth:`ScenarioRun.write`, atomically) with ``quantiles.csv`` and
        ``draws.parquet`` at its top; the report, when asked for, shows the bands."""

        def extra(tmp: Path) -> list[Path]:
            quantiles = tmp / f"{QUANTILES}.csv"
            self.quantiles.to_csv(quantiles, index=False, float_format="%.10g")
            draws = tmp / DRAWS_FILE
            try:
                self.table().to_parquet(draws, index=False)
            except (ValueError, TypeError) as exc:  # pragma: no cover - pyarrow refusing a column type
                raise DataError(f"cannot write the draws ({exc})", file=str(draws)) from None
            return [quantiles, draws]

        return self.central.write(folder, report=report, run_id=run_id, xlsx=xlsx, extra_files=extra,
                                  data=self.run_data(source=str(folder), run_id=run_id))

    def record(self, data_dir: str | Path | None = None, *, source: str = "") -> RunInfo:
        """Record the run in the runs store (quantiles included; the store notes the design and seed)."""
        from tariffsim._json import output_error
        from tariffsim.report.runs import RunStore

        try:
            return RunStore(data_dir).record(self.run_data(source=source))
        except OSError as exc:
            raise output_error(exc, Path(data_dir) if data_dir is not None else None) from None

    def __repr__(self) -> str:
        return (f"<UncertainRun {self.central.name}: {self.design.describe()}, {self.n_failed} of "
                f"{len(self.draws)} failed>")


def uncertainty_record(design: Design, seed: Any, parameters: Sequence[str], draws: pd.DataFrame, executor: str,
                       seconds: float) -> dict[str, Any]:
    ok = int((draws["status"] == "ok").sum())
    return {"design": design.name, "design_text": design.describe(), "seed": seed if design.sampled else None,
            "draws": len(draws), "draws_ok": ok, "draws_failed": len(draws) - ok,
            "parameters": list(parameters), "executor": executor, "seconds": round(seconds, 3),
            "statistics": "sample" if design.name != "quadrature" else "quadrature (quantiles: normal approximation)"}


# ---------------------------------------------------------------------- summaries
def failure_summary(draws: pd.DataFrame, parameters: Sequence[str]) -> str:
    """How many draws failed, and the parameter whose values differ most between failed and solved draws
    (two-sided Mann–Whitney test; 'go with' when p < 0.05 after a Bonferroni correction for the parameters
    tested)."""
    from scipy.stats import mannwhitneyu

    n = len(draws)
    failed = draws["status"] != "ok"
    k = int(failed.sum())
    if k == 0:
        return f"failed draws: 0 of {n}"
    kinds = draws.loc[failed, "status"].value_counts()
    text = f"failed draws: {k} of {n} ({100 * k / n:.1f}%: " + ", ".join(f"{c} {s}" for s, c in kinds.items()) + ")"
    tests = []
    for column in parameters:
        raw = draws[column]
        values = (raw.map(lambda d: d.toordinal() if pd.notna(d) else np.nan)
                  if pd.api.types.is_datetime64_any_dtype(raw) else pd.to_numeric(raw, errors="coerce"))
        a, b = values[failed].dropna(), values[~failed].dropna()
        if len(a) < 1 or len(b) < 2 or values.nunique() < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
        shown = _shown_date if pd.api.types.is_datetime64_any_dtype(raw) else (lambda v: f"{v:.4g}")
        tests.append((p, column, shown(float(a.median())), shown(float(b.median()))))
    if not tests:
        return text + "; no parameter to compare them on"
    p, column, fail_median, ok_median = min(tests)
    if p < 0.05 / len(tests):
        return (text + f"; failures go with {column}: median {fail_median} in failed draws, {ok_median} "
                f"in solved ones (Mann–Whitney p = {p:.2g})")
    return text + f"; no parameter tells failed draws apart (smallest Mann–Whitney p = {p:.2g}, {column})"


def _shown_date(ordinal: float) -> str:
    return _date(ordinal)


def quantile_table(values: FloatArray, ok: NDArray[np.bool_], weights: FloatArray | None) -> dict[str, FloatArray]:
    """Statistics over draws of ``values`` (D, M): ``mean, sd, q05, q50, q95`` (M,) each.

    Sample designs (``weights`` None): over the draws that solved (``ok``), NaN values left out;
    ``sd`` with ``D − 1``. Quadrature (``weights``): the weighted mean and standard deviation
    over every point, NaN when any point failed (a rule with a hole is not the rule), and
    the normal approximation for the quantiles.
    """
    m = values.shape[1]
    if weights is not None:
        if not ok.all():
            nan = np.full(m, np.nan)
            return {"mean": nan, "sd": nan, "q05": nan, "q50": nan, "q95": nan}
        w = weights / weights.sum()
        mean = w @ values
        sd = np.sqrt(np.clip(w @ (values - mean) ** 2, 0.0, None))
        return {"mean": mean, "sd": sd, "q05": mean - Z95 * sd, "q50": mean, "q95": mean + Z95 * sd}
    good = values[ok]
    if good.shape[0] == 0:
        nan = np.full(m, np.nan)
        return {"mean": nan, "sd": nan, "q05": nan, "q50": nan, "q95": nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(good, axis=0)
        sd = np.nanstd(good, axis=0, ddof=1) if good.shape[0] > 1 else np.full(m, np.nan)
    q05, q50, q95 = (nan_quantile(good, p) for p in (0.05, 0.5, 0.95))
    return {"mean": mean, "sd": sd, "q05": q05, "q50": q50, "q95": q95}


def nan_quantile(values: FloatArray, p: float) -> FloatArray:
    """``np.nanquantile(values, p, axis=0)`` (linear interpolation, numpy's default), vectorised over columns:
    numpy's own loops over them one by one."""
    ordered = np.sort(values, axis=0)  # NaN last
    counts = np.sum(~np.isnan(values), axis=0)
    position = (np.maximum(counts, 1) - 1) * p
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, np.maximum(counts - 1, 0))
    below = np.take_along_axis(ordered, low[None, :], axis=0)[0]
    above = np.take_along_axis(ordered, high[None, :], axis=0)[0]
    out: FloatArray = below + (position - low) * (above - below)
    return np.where(counts > 0, out, np.nan)


# ---------------------------------------------------------------------- running
def run_uncertain(
    scenario: str | Path | LoadedScenario,
    *,
    vary: Parameter | Sequence[Parameter] | None = None,
    design: Design | str | None = None,
    draws: int | None = None,
    seed: int | np.random.SeedSequence | None = None,
    executor: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    progress: DrawProgressCallback | None = None,
    world: str | Path | World | None = None,
    model: str | Model | None = None,
    closure: str | None = None,
    numeraire: str | Numeraire | None = None,
    dates: Any = None,
    weights: pd.DataFrame | str | Path | None = None,
    lists_dir: str | Path | None = None,
    solver: SolverOptions | None = None,
    allow_paths: Iterable[str | Path] = (),
    elasticity: ElasticityOverride | None = None,
) -> UncertainRun:
    """Run a scenario at its central values and over a design's parameter draws.

    Parameters
    ----------
    scenario
        As for :func:`~tariffsim.runs.run_scenario`.
    vary
        What varies (:mod:`tariffsim.uncertainty.parameters`); default the scenario's
        ``[uncertainty]`` or ``[sweep]`` table, else :func:`default_parameters` (θ of every
        sector, lognormal around the World's, sd of log 0.48).
    design
        :class:`MonteCarlo`, :class:`LatinHypercube`, :class:`Quadrature` or :class:`Grid`, or
        one by name (``"mc"``, ``"lhs"``, ``"quadrature"``, ``"grid"``); default the scenario's,
        else Monte Carlo (a grid for a ``[sweep]``).
    draws
        Draws of a Monte Carlo or Latin hypercube design named by ``design`` or the scenario
        (overriding the scenario's ``draws``); default the scenario's, else 100.
    seed
        An int or a :class:`numpy.random.SeedSequence`; default the scenario's ``seed``, else
        fresh entropy, recorded in the result (``UncertainRun.seed``) so that the draws can
        be made again.
    executor
        ``"serial"``, ``"processes"``, ``"dask"`` or an :class:`Executor`.
    scheduler
        Dask scheduler address or scheduler file (default: a LocalCluster on this machine).
    workers
        Worker processes of ``processes`` or of the Dask LocalCluster (default one per core).
    batch_size
        Draws per task (default about four tasks per worker).
    progress
        Called with a :class:`DrawProgress` after each batch.
    world, model, closure, numeraire, dates, weights, lists_dir, solver, allow_paths, elasticity
        As for :func:`~tariffsim.runs.run_scenario`: the central run's; the draws vary θ around
        the elasticities it chose.

    Returns
    -------
    UncertainRun

    Raises
    ------
    ScenarioError, DataError, WorldError, ModelError, ShockError, ConvergenceError
        From the central run, or for parameters or a design that do not fit it (before any
        draw is solved). Draws that fail are recorded, not raised.
    """
    from tariffsim.runs import read_weights
    from tariffsim.uncertainty.declared import declared

    runner = make_executor(executor, workers=workers, scheduler=scheduler)
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int) or draws < 1):
        raise ModelError(f"draws must be a positive integer; got {draws!r}")
    if isinstance(design, str):
        make_design(design, draws)  # a wrong name fails before the central run
    product_weights = read_weights(weights) if isinstance(weights, str | Path) else weights
    central = run_scenario(scenario, world=world, model=model, closure=closure, numeraire=numeraire, dates=dates,
                           weights=product_weights, lists_dir=lists_dir, solver=solver, allow_paths=allow_paths,
                           elasticity=elasticity)
    from_file = declared(central.scenario, allow_paths=tuple(allow_paths))
    if vary is None:
        parameters: Sequence[Parameter] = (from_file.parameters if from_file is not None else []) or \
            default_parameters()
    else:
        parameters = [vary] if isinstance(vary, Parameter) else list(vary)
    design = _design(design, draws, from_file)
    sequence = _seed(seed if seed is not None else from_file.seed if from_file is not None else None)
    if not isinstance(design, Design):
        raise ModelError(f"design must be MonteCarlo, LatinHypercube, Quadrature or Grid; got {design!r}")
    blocks = bind_all(parameters, central.world, central.scenario)
    points = design.points(blocks, sequence)
    plan = _plan(central, blocks, product_weights, lists_dir)
    start = time.perf_counter()
    try:
        outcomes = _solve(plan, points, runner, batch_size, progress)
        described = runner.describe()
    finally:
        runner.close()
    seconds = time.perf_counter() - start
    table = _draws_table(blocks, points, outcomes)
    keys = tuple(d.key for d in central.dated)
    outcome_table = _outcome_table(plan, central, keys, outcomes)
    quantiles = _quantiles(plan, central, keys, outcomes, points)
    entropy = sequence.entropy
    record = uncertainty_record(design, entropy, tuple(b.description for b in blocks), table, described, seconds)
    annotated = replace(central, annotations={**central.annotations, "uncertainty": record})
    return UncertainRun(central=annotated, design=design, seed=entropy,
                        parameters=tuple(b.description for b in blocks), draws=table, outcomes=outcome_table,
                        quantiles=quantiles, executor=described, seconds=seconds)


DEFAULT_SD_LOG = 0.48
"""Default spread of the trade elasticities: the standard deviation of log θ.

0.48 is the median, over the 28 sectors of the OECD ICIO, of the standard deviation of
log θ across the eight published elasticity sets that Lashkaripour (2021, "The cost of a
global tariff war: a sufficient statistics approach", JIE 131) compiles: in-sample,
uniform 4, Caliendo–Parro (2015), Bagwell–Staiger–Yurukoglu (2021), Giri–Yi–Yilmazkuday
(2021), Shapiro (2016), Fontagné–Guimbard–Orefice (2022) and Lashkaripour–Lugovskyy
(2023) (``icio_wiod_lashkaripour/elasticities_by_sector.csv`` in the shared data; a test
recomputes it there). A sector's θ is then within a factor of 2.2 of the World's in 90 %
of draws. The sets disagree mostly sector by sector (a common shift explains little of
the spread), so sectors are drawn independently.
"""


def default_parameters() -> list[Parameter]:
    """What varies when nothing is declared: θ of every sector, independently lognormal with median the
    World's θ and sd of log :data:`DEFAULT_SD_LOG`."""
    from tariffsim.uncertainty.laws import LogNormal
    from tariffsim.uncertainty.parameters import Elasticity

    return [Elasticity(LogNormal(sd_log=DEFAULT_SD_LOG))]


def _design(design: Design | str | None, draws: int | None, from_file: Declared | None) -> Design:
    """The design given, by name, declared by the scenario (with ``draws`` overriding its draws), or Monte
    Carlo."""
    if isinstance(design, Design):
        return design
    settings = from_file.settings if from_file is not None else {}
    if isinstance(design, str):
        return make_design(design, draws or settings.get("draws") or 100, levels=settings.get("levels", 3),
                           rule=settings.get("rule", "stroud3"), order=settings.get("order", 3))
    if design is not None:
        raise ModelError(f"design must be MonteCarlo, LatinHypercube, Quadrature, Grid or a name; got {design!r}")
    if from_file is not None and from_file.design is not None:
        if draws is not None and isinstance(from_file.design, MonteCarlo | LatinHypercube):
            return replace(from_file.design, draws=draws)
        return from_file.design
    return MonteCarlo(draws or 100)


def _seed(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ModelError(f"seed must be a non-negative integer or a numpy.random.SeedSequence; got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _plan(central: ScenarioRun, blocks: Sequence[Block], weights: pd.DataFrame | None,
          lists_dir: str | Path | None) -> Plan:
    # trade-cost shocks are exp(−β·change/θ): they move with θ, so such scenarios compile again for each draw
    recompile = any(b.scenario for b in blocks) or bool(central.scenario.spec.trade_cost)
    return Plan(world=central.world, model=central.model, solver=central.solver, dates=central.dates,
                shocks=tuple(d.compiled.shock for d in central.dated),
                warm=tuple(np.log(d.result.equilibrium.wage_hat) for d in central.dated),
                scenario=central.scenario, weights=weights, lists_dir=None if lists_dir is None else Path(lists_dir),
                blocks=tuple(blocks), outputs=Outputs.of(central.last.result), recompile=recompile)


def _solve(plan: Plan, points: DesignPoints, runner: Executor, batch_size: int | None,
           progress: DrawProgressCallback | None) -> list[DrawOutcome]:
    n = points.n
    found: dict[int, DrawOutcome] = {}
    failed = 0
    size = batch_size if batch_size is not None or runner.name != "serial" else max(1, -(-n // 100))
    work = batches(list(range(n)), points.values, runner.workers, size)

    def collect(outcomes: list[DrawOutcome]) -> None:
        nonlocal failed
        for outcome in outcomes:
            found[outcome.draw] = outcome
            failed += outcome.status != "ok"
        if progress is not None:
            progress(DrawProgress(done=len(found), total=n, failed=failed))

    if progress is not None:
        progress(DrawProgress(done=0, total=n, failed=0))
    runner.run(plan, work, collect)
    missing = [k for k in range(n) if k not in found]
    if missing:  # pragma: no cover - every executor returns every batch or raises
        raise ModelError(f"the executor returned no result for draws {missing[:5]}")
    return [found[k] for k in range(n)]


def _draws_table(blocks: Sequence[Block], points: DesignPoints, outcomes: Sequence[DrawOutcome]) -> pd.DataFrame:
    n = points.n
    table = pd.DataFrame({
        "draw": np.arange(n),
        "weight": points.weights if points.weights is not None else np.full(n, 1.0 / n),
        "status": [o.status for o in outcomes],
        "message": [o.message for o in outcomes],
        "iterations": [o.iterations for o in outcomes],
        "residual": [o.residual for o in outcomes],
        "seconds": [o.seconds for o in outcomes],
    })
    at = 0
    for block in blocks:
        for name, kind in zip(block.names, block.kinds, strict=True):
            column = points.values[:, at]
            if kind == "date":
                table[name] = pd.to_datetime([_date(v) for v in column])
            elif kind == "label":
                labels = block.labels[name]
                table[name] = [labels[int(v)] for v in column]
            else:
                table[name] = column
            at += 1
    return table


def _date(value: float) -> str:
    import datetime as dt

    return dt.date.fromordinal(int(np.floor(value + 0.5))).isoformat()


def _stack(outcomes: Sequence[DrawOutcome], which: str, shape: tuple[int, ...]) -> FloatArray:
    out = np.full((len(outcomes), *shape), np.nan)
    for k, outcome in enumerate(outcomes):
        values = getattr(outcome, which)
        if values is not None:
            out[k] = values
    return out


def _labels(central: ScenarioRun, keys: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    world = central.last.result.baseline
    return list(keys), list(world.countries), list(world.sectors)


def _outcome_table(plan: Plan, central: ScenarioRun, keys: Sequence[str],
                   outcomes: Sequence[DrawOutcome]) -> pd.DataFrame:
    dates, countries, sectors = _labels(central, keys)
    solved = [o for o in outcomes if o.countries is not None and o.sectors is not None]
    if not solved:
        return pd.DataFrame(columns=["draw", "date", "country", "sector"])
    d, t, n, s = len(solved), len(dates), len(countries), len(sectors)
    draws = np.array([o.draw for o in solved])
    totals = np.stack([o.countries for o in solved])  # type: ignore[misc]  # (D, T, N, columns)
    detail = np.stack([o.sectors for o in solved])  # type: ignore[misc]  # (D, T, N·S, columns)
    rows = pd.DataFrame(totals.reshape(d * t * n, -1), columns=list(plan.outputs.country_names(countries)))
    rows.insert(0, "sector", "")
    rows.insert(0, "country", np.tile(countries, d * t))
    rows.insert(0, "date", np.tile(np.repeat(dates, n), d))
    rows.insert(0, "draw", np.repeat(draws, t * n))
    by_sector = pd.DataFrame(detail.reshape(d * t * n * s, -1), columns=list(plan.outputs.sector_columns))
    by_sector.insert(0, "sector", np.tile(sectors, d * t * n))
    by_sector.insert(0, "country", np.tile(np.repeat(countries, s), d * t))
    by_sector.insert(0, "date", np.tile(np.repeat(dates, n * s), d))
    by_sector.insert(0, "draw", np.repeat(draws, t * n * s))
    return pd.concat([rows, by_sector], ignore_index=True).sort_values(["draw", "date"], kind="stable",
                                                                       ignore_index=True)


def _quantiles(plan: Plan, central: ScenarioRun, keys: Sequence[str], outcomes: Sequence[DrawOutcome],
               points: DesignPoints) -> pd.DataFrame:
    dates, countries, sectors = _labels(central, keys)
    t, n, s = len(dates), len(countries), len(sectors)
    ok = np.array([o.status == "ok" for o in outcomes])
    country_names = list(plan.outputs.country_names(countries))
    parts = []
    for which, names, rows in (("countries", country_names, n), ("sectors", list(plan.outputs.sector_columns),
                                                                  n * s)):
        values = _stack(outcomes, which, (t, rows, len(names)))
        stats = quantile_table(values.reshape(len(outcomes), -1), ok, points.weights)
        grid_country = np.repeat(countries, s) if which == "sectors" else np.asarray(countries)
        grid_sector = np.tile(sectors, n) if which == "sectors" else np.full(n, "")
        frame = pd.DataFrame({
            "date": np.repeat(dates, rows * len(names)),
            "country": np.tile(np.repeat(grid_country, len(names)), t),
            "sector": np.tile(np.repeat(grid_sector, len(names)), t),
            "column": np.tile(names, t * rows),
            **stats,
        })
        if which == "countries" and plan.outputs.bilateral:  # a country's balance with itself is no number
            frame = frame[frame["column"] != BILATERAL_PREFIX + frame["country"]]
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    table["draws_ok"] = int(ok.sum())
    table["draws_failed"] = int((~ok).sum())
    return table[QUANTILE_COLUMNS]

