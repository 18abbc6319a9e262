"""Scenario runs: one function compiles a scenario on each evaluation date and solves it.

:func:`run_scenario` is the one place a scenario run is orchestrated; the CLI,
sweeps, Monte Carlo, the games and the web app call it. It

1. loads the scenario (a path, a bundled name, a :class:`~tariffsim.scenario.LoadedScenario`
   or TOML text) and the baseline World, and builds the model from the scenario's
   header and any overrides;
2. compiles the scenario on **every** evaluation date and checks each shock against
   the World and the model **before solving any**, so that a mistake on a later date
   fails at once and leaves nothing behind;
3. solves the dates in order, each warm-started from the one before;

and returns a frozen :class:`ScenarioRun`. Nothing is written until
:meth:`ScenarioRun.write`, which writes the whole run folder atomically (a
temporary sibling folder renamed into place at the end), :meth:`ScenarioRun.record`
(the runs store) or :meth:`ScenarioRun.to_excel`.

Run folder layout (what :func:`tariffsim.report.load_run` reads):

* one evaluation date: ``countries.csv``, ``bilateral.csv``, ``sectors.csv``
  (``bilateral_sectors.csv`` with several sectors), ``coverage.csv``, ``tariffs.csv``
  and ``run.json`` in the folder itself;
* several dates: one such sub-folder per date (``2019-06-01/``) and ``timeline.csv``;
* ``report.html`` when asked for, and a workbook (``*.xlsx``) placed inside it;
* ``sensitivity.csv`` when the run was asked for it (``sensitivity=True``): the last
  date solved again under each of the eight published sets of sector trade elasticities
  (:data:`SENSITIVITY_COLUMNS`); the same rows are in that date's ``run.json``
  (``sensitivity``), which the report reads.

Trade elasticities are a choice: ``elasticity=`` (a set code such as ``"BSY"``, one θ, or θ
by sector), else the scenario's ``elasticities`` key, else the World's own; the choice is
recorded in every ``run.json`` (``elasticities``) and named in the report.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from tariffsim._json import REPORT_NAME, atomic_file, output_error
from tariffsim.errors import DataError, ModelError, ScenarioError
from tariffsim.models import MODELS, Model, simulate
from tariffsim.options import Numeraire, SolverOptions
from tariffsim.report.run import TABLES, DatedTables, RunData
from tariffsim.results import Result
from tariffsim.scenario import CompiledScenario, LoadedScenario, compile_scenario, load_scenario, parse_scenario
from tariffsim.world import World

if TYPE_CHECKING:
    from tariffsim.report.runs import RunInfo

__all__ = [
    "run_scenario",
    "ScenarioRun",
    "DatedResult",
    "RunProgress",
    "ProgressCallback",
    "as_date",
    "baseline_world",
    "check_output_folder",
    "check_workbook_path",
    "read_weights",
    "lists_folder",
    "dated_tables",
    "apply_elasticities",
    "deficit_warnings",
    "ElasticityOverride",
    "TIMELINE_COLUMNS",
    "SENSITIVITY_COLUMNS",
    "REPORT_NAME",
    "RUN_FOLDER_FILES",
]

TIMELINE_COLUMNS = ["date", "country", "welfare_pct", "real_gdp_pct", "exports_pct", "imports_pct",
                    "tariff_revenue_cf"]
"""Columns of the timeline (``timeline.csv``): one row per evaluation date and country."""

EXCEL_MAX_ROWS = 1_048_575
"""Rows a worksheet holds below its header (Excel's limit)."""

SENSITIVITY_COLUMNS = ["set", "country", "welfare_pct", "real_income_pct", "real_gdp_pct"]
"""Columns of a run's elasticity sensitivity (``sensitivity.csv``): the last evaluation date solved under each
published elasticity set (``set``: CP, BSY, ...), one row per set and country."""

_RUN_FILES = frozenset({"run.json", *(f"{t}.csv" for t in TABLES)})
RUN_FOLDER_FILES = frozenset({"timeline.csv", REPORT_NAME, "draws.parquet", "sensitivity.csv"})
"""Files a run folder may hold at its top besides the tables and ``run.json`` (and workbooks, ``*.xlsx``):
``draws.parquet`` is written by :meth:`tariffsim.uncertainty.UncertainRun.write`, ``sensitivity.csv`` by a run
asked for its elasticity sensitivity."""


# ---------------------------------------------------------------------- progress
@dataclass(frozen=True)
class RunProgress:
    """Where a run is, as reported to a ``progress`` callback.

    Attributes
    ----------
    stage
        ``"compile"`` (every date is compiled and checked first) or ``"solve"``.
    done
        Dates of this stage finished so far (``0`` to ``total``).
    total
        Dates in the run.
    date
        The date being worked on next, or the last one once ``done == total``
        (``None`` for an undated run).
    """

    stage: Literal["compile", "solve"]
    done: int
    total: int
    date: dt.date | None


ProgressCallback = Callable[[RunProgress], None]
"""Called before each date of each stage and once when the stage is done."""


# ---------------------------------------------------------------------- inputs
def as_date(value: str | dt.date | None, what: str = "date") -> dt.date | None:
    """An evaluation date from an ISO string (``"2019-06-01"``) or a date; ``None`` stays ``None``.

    The scenario language's rule (:func:`tariffsim.scenario.schema.parse_date`): numbers
    such as ``20190601`` are refused, not read as dates.

    Raises
    ------
    ScenarioError
        If the value is not an ISO date.
    """
    from tariffsim.scenario.schema import parse_date

    try:
        return parse_date(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{what} '{value}' is not a date (write it as 2019-06-01)") from None


def read_weights(path: str | Path) -> pd.DataFrame:
    """Product-level trade weights from a CSV or Parquet file (columns ``importer, exporter, product,
    value`` and optionally ``tariff``; see :data:`tariffsim.scenario.WEIGHT_COLUMNS`)."""
    from tariffsim.data.user_tables import read_table
    from tariffsim.scenario import WEIGHT_COLUMNS

    return read_table(path, WEIGHT_COLUMNS, text_columns=("product", "importer", "exporter"))


def lists_folder(path: str | Path) -> Path:
    """A folder of named product lists, checked to exist (a mistyped folder is not silently ignored)."""
    folder = Path(path).expanduser()
    if not str(path).strip() or not folder.is_dir():
        raise DataError("no such folder of product lists (NAME.csv or NAME.parquet files)", file=str(path))
    return folder


def _loaded(scenario: str | Path | LoadedScenario, allow_paths: tuple[str | Path, ...] = ()) -> LoadedScenario:
    if isinstance(scenario, LoadedScenario):
        return scenario.allowing(allow_paths)
    if isinstance(scenario, str) and ("\n" in scenario or scenario.lstrip().startswith("[")):
        return parse_scenario(scenario, allow_paths=allow_paths)
    if isinstance(scenario, str | Path):
        if not str(scenario).strip():
            raise ScenarioError("no scenario given (a file, a bundled scenario name or TOML text)")
        return load_scenario(scenario, allow_paths=allow_paths)
    raise ScenarioError(f"a scenario is a file path, a bundled scenario name, TOML text or a LoadedScenario, "
                        f"got {type(scenario).__name__}")


def baseline_world(loaded: LoadedScenario, world: str | Path | World | None = None, *,
                   allow_paths: Iterable[str | Path] = ()) -> World:
    """The baseline of a scenario: ``world`` (a World, a bundled name or a World folder chosen by the
    user) or, when ``None``, the scenario's own ``world`` key — which, like every file a scenario
    names, may only point into the scenario's folder, the bundled library, the catalog or
    ``allow_paths`` (see docs/scenarios.md, "Scenario files are untrusted input")."""
    if isinstance(world, World):
        return world
    from tariffsim.scenario import load_scenario_world

    if world is not None and not str(world).strip():
        raise DataError("the world is empty text: give a bundled world name or a World folder")
    return load_scenario_world(loaded, world, allow_paths=tuple(allow_paths))


ElasticityOverride = str | float | Mapping[str, float] | Sequence[float] | np.ndarray
"""What ``elasticity=`` accepts: a set code, one θ, θ by sector (a mapping) or in sector order."""


def apply_elasticities(world: World, choice: ElasticityOverride | None) -> World:
    """``world`` with the trade elasticities ``choice`` names (``None``: unchanged).

    Parameters
    ----------
    world
        The baseline.
    choice
        A published set (``"CP"``, ``"BSY"``, ``"FGO"``, ``"U4"``, ``"IS"``, ``"GYY"``, ``"Shap"``,
        ``"LL"``; any case) for a bundled World (``world-2017``, ``demo-2017``), whose sectors the sets
        are mapped to; one θ > 0 for every sector (a number, or a number as text); or θ by sector
        (a mapping sector → θ, or one value per sector in sector order).

    Raises
    ------
    DataError
        For an unknown set code (naming the codes), a θ that is not a finite number > 0, or a set
        code for a World the sets are not mapped to.
    """
    if choice is None:
        return world
    if isinstance(choice, str | int | float) and not isinstance(choice, bool):
        from tariffsim.data.sector_elasticities import parse_elasticity_choice, set_citation

        parsed = parse_elasticity_choice(choice)
        if isinstance(parsed, float):
            return world.replace(elasticity=parsed, sources={**world.sources, "elasticity": set_citation(parsed)})
        from tariffsim.data.worlds import BUNDLED_WORLDS, bundled_world_names, load_world

        if world.name in BUNDLED_WORLDS:
            reference = load_world(world.name, elasticities=parsed)
            if reference.sectors == world.sectors:
                return world.replace(elasticity=np.array(reference.elasticity),
                                     sources={**world.sources, "elasticity": reference.sources["elasticity"]})
        raise DataError(f"elasticity set {parsed} applies to the bundled worlds ({', '.join(bundled_world_names())}), "
                        f"whose sectors the sets are mapped to; World '{world.name or 'unnamed'}' is not one of them: "
                        "give one number (4.0) or θ by sector")
    if isinstance(choice, bool):
        raise DataError(f"elasticity must be a set code or a number > 0, got {choice}")
    return world.replace(elasticity=choice)


def _elasticity_record(world: World, choice: ElasticityOverride | None, given_by: str) -> dict[str, Any]:
    """What ``run.json`` says of the elasticities: the choice, who made it, its citation and θ's range."""
    theta = np.asarray(world.elasticity, dtype=float)
    traded = np.asarray(world.traded, dtype=bool)
    shown = theta[traded] if traded.any() else theta
    if isinstance(choice, str | int | float) and not isinstance(choice, bool):
        from tariffsim.data.sector_elasticities import parse_elasticity_choice

        named: str | float | None = parse_elasticity_choice(choice)
    else:
        named = None if choice is None else "by sector"
    return {"choice": named, "given_by": given_by, "citation": str(world.sources.get("elasticity", "")),
            "theta_min": float(shown.min()), "theta_median": float(np.median(shown)), "theta_max": float(shown.max())}


def _model(loaded: LoadedScenario, model: str | Model | None, closure: str | None,
           numeraire: str | Numeraire | None) -> Model:
    head = loaded.spec.scenario
    if model is not None and not isinstance(model, str):
        if closure is not None or numeraire is not None:
            raise ModelError("give closure and numeraire inside the model object, or give the model by name "
                             f"({', '.join(MODELS)}) with closure= and numeraire=")
        return model
    # None means "the scenario's"; anything else, empty text included, is checked as given
    name = head.model if model is None else model
    if name not in MODELS:
        raise ModelError(f"model '{name}' is not one of {', '.join(MODELS)}")
    built: Model = MODELS[name](closure=head.closure if closure is None else closure,
                                numeraire=Numeraire.parse(head.numeraire if numeraire is None else numeraire))
    return built


def _dates(loaded: LoadedScenario,
           dates: str | dt.date | Iterable[str | dt.date | None] | None) -> list[dt.date | None]:
    if dates is None:
        return loaded.spec.scenario.evaluation_dates()
    if isinstance(dates, str | dt.date) or not isinstance(dates, Iterable):
        return [as_date(dates)]
    wanted = [as_date(d) for d in dates]
    if not wanted:
        raise ScenarioError("dates is empty: give at least one evaluation date, or None for the scenario's own")
    return wanted


# ---------------------------------------------------------------------- the run
@dataclass(frozen=True, eq=False)
class DatedResult:
    """One evaluation date of a run: the compiled scenario and the solved result."""

    date: dt.date | None
    compiled: CompiledScenario
    result: Result

    @property
    def key(self) -> str:
        """The date as run folders and reports name it: ISO text, ``""`` when undated."""
        return "" if self.date is None else self.date.isoformat()


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """A scenario solved on each of its evaluation dates. Read-only; nothing is written until asked.

    Attributes
    ----------
    scenario
        The loaded scenario (after ``extends``).
    world
        The baseline World the scenario was compiled on and solved from.
    model
        The model object with its settings (``model.settings()``).
    solver
        The solver settings used.
    dated
        One :class:`DatedResult` per evaluation date, in the order solved.
    timeline
        One row per date and country: :data:`TIMELINE_COLUMNS`.
    warnings
        What the user should know, with the date in front when there are several.
    annotations
        More entries for each date's ``run.json`` (and so the runs store), set by the layers
        above: :func:`tariffsim.uncertainty.run_uncertain` adds its design and seed under
        ``uncertainty``.
    elasticities
        The trade elasticities used (``run.json``'s ``elasticities``): ``choice`` (a set code, one θ,
        ``"by sector"`` or ``None`` for the World's own), ``given_by`` (``option``, ``scenario`` or
        ``world``), ``citation``, and θ's minimum, median and maximum over traded sectors.
    sensitivity
        With ``sensitivity=True``: the last date solved under each published elasticity set
        (:data:`SENSITIVITY_COLUMNS`), else ``None``.

    Build one with :func:`run_scenario`.
    """

    scenario: LoadedScenario
    world: World
    model: Model
    solver: SolverOptions
    dated: tuple[DatedResult, ...]
    timeline: pd.DataFrame
    warnings: tuple[str, ...] = ()
    annotations: Mapping[str, Any] = field(default_factory=dict)
    elasticities: Mapping[str, Any] = field(default_factory=dict)
    sensitivity: pd.DataFrame | None = None

    # ------------------------------------------------------------------ reading
    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def dates(self) -> tuple[dt.date | None, ...]:
        """Evaluation dates in the order solved (``None``: every action, undated)."""
        return tuple(d.date for d in self.dated)

    @property
    def results(self) -> tuple[Result, ...]:
        """The result of each date."""
        return tuple(d.result for d in self.dated)

    @property
    def last(self) -> DatedResult:
        """The last evaluation date (what a report shows unless told otherwise)."""
        return self.dated[-1]

    def at(self, date: str | dt.date | None = None) -> DatedResult:
        """One evaluation date (an ISO string or a date; default the last)."""
        if date is None:
            return self.last
        when = as_date(date)
        for entry in self.dated:
            if entry.date == when:
                return entry
        raise ScenarioError(f"run '{self.name}' has no evaluation date {when} (dates: "
                            f"{', '.join(d.key or 'all actions' for d in self.dated)})")

    def result(self, date: str | dt.date | None = None) -> Result:
        """The :class:`~tariffsim.Result` on one date (default the last)."""
        return self.at(date).result

    def compiled(self, date: str | dt.date | None = None) -> CompiledScenario:
        """The :class:`~tariffsim.scenario.CompiledScenario` on one date (default the last)."""
        return self.at(date).compiled

    def record_extra(self, entry: DatedResult) -> dict[str, Any]:
        """What a run adds to each date's ``run.json`` beside the result's own record."""
        loaded = self.scenario
        extra: dict[str, Any] = {"scenario": {"name": self.name, "file": str(loaded.path) if loaded.path else "",
                                              "date": str(entry.compiled.date), "text": loaded.text},
                                 "warnings": list(entry.compiled.warnings)}
        if self.elasticities:
            extra["elasticities"] = dict(self.elasticities)
        if self.sensitivity is not None and entry is self.last:
            extra["sensitivity"] = {"date": entry.key, "columns": SENSITIVITY_COLUMNS,
                                    "rows": self.sensitivity[SENSITIVITY_COLUMNS].to_numpy().tolist()}
        return {**extra, **self.annotations}

    def run_data(self, *, source: str = "", run_id: str | None = None) -> RunData:
        """The run as the report and the runs store read it."""
        parts = [dated_tables(d.compiled, d.result, self.record_extra(d)) for d in self.dated]
        return RunData.from_dates(parts, source=source, run_id=run_id)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every result table stacked over dates (first column ``date``), and the timeline."""
        stacked = dict(self.run_data().tables)
        stacked["timeline"] = self.timeline
        return stacked

    def __repr__(self) -> str:
        dates = ", ".join(d.key or "all actions" for d in self.dated)
        return f"<ScenarioRun {self.name} on {self.world.name or 'a World'} ({self.model.name}): {dates}>"

    # ------------------------------------------------------------------ output
    def report(self, date: str | dt.date | None = None, *, source: str = "", run_id: str | None = None) -> str:
        """The HTML report of the run (on ``date``, default the last), as text."""
        from tariffsim.report.html import render_report

        return render_report(self.run_data(source=source, run_id=run_id), self._key(date))

    def write(self, folder: str | Path, *, report: bool = False, run_id: str | None = None,
              xlsx: str | Path | None = None, extra_files: Callable[[Path], list[Path]] | None = None,
              data: RunData | None = None) -> list[Path]:
        """Write the run folder (see the module docstring), atomically, and return the files written.

        Everything is written into a temporary sibling folder that is renamed into
        place at the end: a failure leaves the folder as it was. A folder holding an
        earlier run is replaced whole (no date or timeline of the old run survives);
        a folder holding anything else is refused unless it is empty.

        Parameters
        ----------
        folder
            The run folder.
        report
            Also write the HTML report, ``report.html``.
        run_id
            The run's id in the runs store, shown in the report.
        xlsx
            Also write every table into this workbook (see :meth:`to_excel`); inside
            ``folder`` it is part of the run folder, elsewhere it is replaced together
            with the folder.
        extra_files
            Writes more files into the run folder's top (called with the temporary folder,
            after the tables and before the report; returns their paths). Their names must be
            in :data:`RUN_FOLDER_FILES` or :data:`~tariffsim.report.run.TABLES`, or the folder
            could not be written again.
        data
            The run as the report shows it (default :meth:`run_data`; the uncertainty layer
            adds its quantiles).

        Raises
        ------
        DataError
            If ``folder`` is a file, holds something that is not a run, or cannot be
            written (naming the path and the reason: no space left, permission denied).
        """
        target = _output_folder(folder)
        workbook = None if xlsx is None else check_workbook_path(xlsx)
        inside = workbook is not None and workbook.parent.resolve() == target.resolve()
        tmp = target.parent / f".{target.name}.tariffsim-{uuid.uuid4().hex[:12]}.tmp"
        try:
            with ExitStack() as later:
                # a workbook beside the folder is renamed into place right after the folder, or not at all
                side = later.enter_context(atomic_file(workbook)) if workbook is not None and not inside else None
                tmp.mkdir()
                written = self._write_into(tmp, source=str(folder), report=report, run_id=run_id,
                                           extra_files=extra_files, data=data)
                if workbook is not None:
                    written.append(self._write_excel(tmp / workbook.name if inside else side or workbook))
                _swap_into_place(tmp, target)
        except OSError as exc:
            raise output_error(exc, target) from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return [target / p.relative_to(tmp) if p.is_relative_to(tmp) else workbook or p for p in written]

    def to_excel(self, path: str | Path) -> Path:
        """Write every table into one workbook (atomically): one sheet per table, stacked over dates with a
        leading ``date`` column, a ``timeline`` sheet and a ``run`` sheet with the settings.

        Raises
        ------
        DataError
            If the path does not end in ``.xlsx``, a table has more rows than a
            worksheet holds, or the file cannot be written.
        """
        target = check_workbook_path(path)
        with atomic_file(target) as tmp:
            self._write_excel(tmp)
        return target

    def record(self, data_dir: str | Path | None = None, *, source: str = "") -> RunInfo:
        """Record the run in the runs store under ``data_dir`` (default ``$TARIFFSIM_DATA_DIR``, else the
        user's data directory); ``source`` is the output folder to note with it."""
        from tariffsim.report.runs import RunStore

        try:
            return RunStore(data_dir).record(self.run_data(source=source))
        except OSError as exc:
            raise output_error(exc, Path(data_dir) if data_dir is not None else None) from None

    # ------------------------------------------------------------------ writing helpers
    def _key(self, date: str | dt.date | None) -> str | None:
        return None if date is None else self.at(date).key

    def _write_into(self, folder: Path, *, source: str, report: bool, run_id: str | None,
                    extra_files: Callable[[Path], list[Path]] | None = None,
                    data: RunData | None = None) -> list[Path]:
        written: list[Path] = []
        several = len(self.dated) > 1
        for entry in self.dated:
            where = folder / entry.key if several else folder
            written += entry.result.write(where, extra=self.record_extra(entry))
            for name, table, fmt in (("coverage", entry.compiled.coverage, None),
                                     ("tariffs", entry.compiled.tariffs, "%.6g")):
                path = where / f"{name}.csv"
                table.to_csv(path, index=False, float_format=fmt)
                written.append(path)
        if several:
            path = folder / "timeline.csv"
            self.timeline.to_csv(path, index=False, float_format="%.6g")
            written.append(path)
        if self.sensitivity is not None:
            path = folder / "sensitivity.csv"
            self.sensitivity.to_csv(path, index=False, float_format="%.10g")
            written.append(path)
        if extra_files is not None:
            written += extra_files(folder)
        if report:
            from tariffsim.report.html import write_report

            shown = data if data is not None else self.run_data(source=source, run_id=run_id)
            written.append(write_report(shown, folder / REPORT_NAME))
        return written

    def _write_excel(self, path: Path) -> Path:
        tables = self.tables()
        for name, table in tables.items():
            if len(table) > EXCEL_MAX_ROWS:
                raise DataError(f"table {name} has {len(table):,} rows, more than a worksheet holds "
                                f"({EXCEL_MAX_ROWS:,}): use the CSV files of the run folder", file=str(path))
        settings = self.settings()
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, table in tables.items():
                table.to_excel(writer, sheet_name=name, index=False)
            pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]}).to_excel(
                writer, sheet_name="run", index=False)
            for sheet in writer.book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        # text from a scenario file that starts with "=" is a label, never a formula
                        if cell.data_type == "f":
                            cell.data_type = "s"
        return path

    def settings(self) -> dict[str, object]:
        """Scenario, baseline, model, dates and fingerprints, as the workbook's ``run`` sheet lists them."""
        last = self.last.result
        out: dict[str, object] = {"scenario": self.name, "scenario file": str(self.scenario.path or ""),
                                  "baseline": self.world.name, "baseline year": self.world.year or ""}
        out.update({f"model {k}": v for k, v in self.model.settings().items()})
        out["dates"] = ", ".join(d.key or "all actions" for d in self.dated)
        out.update({f"fingerprint {k}": v for k, v in last.fingerprints.items()})
        return out


def dated_tables(compiled: CompiledScenario, result: Result, record_extra: Mapping[str, Any]) -> DatedTables:
    """One evaluation date of a run as the report and the runs store read it.

    Parameters
    ----------
    compiled
        The compiled scenario of that date (its ``coverage`` and ``tariffs`` tables are kept).
    result
        The result solved on that date.
    record_extra
        What a run adds to ``run.json`` (``scenario``, ``warnings``).
    """
    tables = {"countries": result.countries, "bilateral": result.bilateral, "sectors": result.sectors,
              "coverage": compiled.coverage, "tariffs": compiled.tariffs}
    if result.baseline.n_sectors > 1:
        tables["bilateral_sectors"] = result.bilateral_sectors
    date = "" if compiled.date is None else str(compiled.date)
    return DatedTables(date=date, tables=tables, record={**result.run_record(), **record_extra})


def run_scenario(
    scenario: str | Path | LoadedScenario,
    *,
    world: str | Path | World | None = None,
    model: str | Model | None = None,
    closure: str | None = None,
    numeraire: str | Numeraire | None = None,
    elasticity: ElasticityOverride | None = None,
    dates: str | dt.date | Iterable[str | dt.date | None] | None = None,
    weights: pd.DataFrame | str | Path | None = None,
    lists_dir: str | Path | None = None,
    solver: SolverOptions | None = None,
    progress: ProgressCallback | None = None,
    allow_paths: Iterable[str | Path] = (),
    sensitivity: bool = False,
) -> ScenarioRun:
    """Compile a scenario on each evaluation date, check every date, then solve them in order.

    Parameters
    ----------
    scenario
        A scenario file, the name of a bundled scenario (``"us-china-2018-2019"``),
        scenario TOML text (anything with a line break or starting with ``[``), or a
        :class:`~tariffsim.scenario.LoadedScenario`.
    world
        The baseline: a World, a bundled world name or a World folder (relative to the
        scenario's folder); default the scenario's ``world``.
    model
        ``"gravity"`` or ``"multisector"`` (then ``closure`` and ``numeraire`` apply), or
        a model object with its own settings; default the scenario's ``model``.
    closure, numeraire
        Override the scenario's ``closure`` and ``numeraire`` (``"wage:USA"``, a
        :class:`~tariffsim.Numeraire`).
    elasticity
        The trade elasticities θ: a published set by code (``"CP"``, ``"BSY"``, ``"FGO"``, ``"U4"``,
        ``"IS"``, ``"GYY"``, ``"Shap"``, ``"LL"``; bundled Worlds), one number for every sector, one
        per sector in sector order, or a mapping sector → θ (see :func:`apply_elasticities`).
        Default the scenario's ``elasticities`` — applied to the World the scenario names or that
        ``world`` names (a World object is used with its own θ) — else the World's own.
    dates
        Evaluation dates (ISO strings or dates; one or several); default the
        scenario's ``date`` or ``dates``. ``None`` in the list evaluates every action.
    weights
        Product-level trade weights: a DataFrame or a CSV/Parquet file (see
        :func:`read_weights`).
    lists_dir
        Folder of named product lists (``NAME.csv`` / ``NAME.parquet``).
    solver
        Solver settings (default :class:`~tariffsim.SolverOptions`).
    progress
        Called with a :class:`RunProgress` before each date of each stage.
    allow_paths
        More folders the scenario's files (``extends``, product lists, ``world``) may read;
        by default only its own folder, the bundled library and the catalog.
    sensitivity
        Also solve the last date under each of the eight published elasticity sets (warm-started
        from the run's own solution) and keep what each gives every country
        (:attr:`ScenarioRun.sensitivity`, ``sensitivity.csv``): how much the headline depends on
        the elasticities. Needs a bundled World; off by default (eight more solves).

    Returns
    -------
    ScenarioRun

    Raises
    ------
    ScenarioError, DataError, WorldError, ModelError, ShockError
        Before anything is solved, for a mistake on any date.
    ConvergenceError
        If a date cannot be solved (nothing is returned, nothing was written).
    """
    allowed = tuple(allow_paths)
    loaded = _loaded(scenario, allowed)
    base = baseline_world(loaded, world, allow_paths=allowed)
    header_choice = loaded.spec.scenario.elasticities
    if elasticity is not None:
        choice, given_by = elasticity, "option"
    elif header_choice is not None and not isinstance(world, World):
        choice, given_by = header_choice, "scenario"
    else:
        choice, given_by = None, "world"
    try:
        base = apply_elasticities(base, choice)
    except DataError as exc:
        if given_by != "scenario":
            raise
        raise ScenarioError(f"elasticities: {exc}", file=str(loaded.path) if loaded.path else None,
                            key="scenario.elasticities") from None
    if sensitivity:
        _sensitivity_worlds(base)  # a World the sets do not fit fails before anything is solved
    chosen = _model(loaded, model, closure, numeraire)
    wanted = _dates(loaded, dates)
    product_weights = read_weights(weights) if isinstance(weights, str | Path) else weights
    lists = None if lists_dir is None else lists_folder(lists_dir)
    solver = solver or SolverOptions()

    compiled: list[CompiledScenario] = []
    for k, when in enumerate(wanted):
        _tell(progress, "compile", k, len(wanted), when)
        one = compile_scenario(loaded, base, date=when, weights=product_weights, lists_dir=lists)
        check = getattr(chosen, "check", None)
        if callable(check):
            check(base, one.shock)
        compiled.append(one)
    _tell(progress, "compile", len(wanted), len(wanted), wanted[-1])
    _check_dates(loaded, compiled)

    dated: list[DatedResult] = []
    previous: Result | None = None
    for k, one in enumerate(compiled):
        _tell(progress, "solve", k, len(compiled), one.date)
        previous = simulate(base, one.shock, model=chosen, solver=solver, warm_start=previous)
        dated.append(DatedResult(date=one.date, compiled=one, result=previous))
    _tell(progress, "solve", len(compiled), len(compiled), compiled[-1].date)

    timeline = pd.concat([_timeline_rows(d) for d in dated], ignore_index=True)
    several = len(dated) > 1
    found = [(d, w) for d in dated for w in (*d.compiled.warnings, *deficit_warnings(d.result))]
    warnings = tuple(dict.fromkeys(f"{d.key}: {w}" if several else w for d, w in found))
    table = None
    if sensitivity:
        table = _sensitivity(loaded, base, chosen, solver, dated[-1], product_weights, lists)
    return ScenarioRun(scenario=loaded, world=base, model=chosen, solver=solver, dated=tuple(dated),
                       timeline=timeline, warnings=warnings,
                       elasticities=_elasticity_record(base, choice, given_by), sensitivity=table)


DEFICIT_SHIFT_WARNING = 0.10
"""A country's trade deficit moving by more than this share of its spending under a closure that holds deficits
fixed is named in the run's warnings (:func:`deficit_warnings`)."""


def deficit_warnings(result: Result) -> list[str]:
    """Warnings where holding trade deficits fixed, rather than the tariffs, drives a country's outcome.

    Under ``fixed_level`` deficits are held in units of world output. When a shock moves a country's
    income far against world output (a prohibitive tariff raises the imposer's wage, and so world
    output), the same deficit becomes a much larger or smaller share of its spending, and its real
    outcome follows the deficit: a deficit country's real spending rises, and a country with a fixed
    deficit must go on importing to finance it. Each country whose deficit moves by more than
    :data:`DEFICIT_SHIFT_WARNING` of its spending is named, with the ``balanced`` closure as the remedy.
    """
    if result.model.get("closure") != "fixed_level":
        return []
    table = result.countries
    before = (-table["trade_balance_base"] / table["expenditure_base"]).to_numpy()
    after = (-table["trade_balance_cf"] / table["expenditure_cf"]).to_numpy()
    moved = [(c, b, a) for c, b, a in zip(table["country"], before, after, strict=True)
             if np.isfinite(a) and abs(a - b) > DEFICIT_SHIFT_WARNING]
    if not moved:
        return []
    named = "; ".join(f"{c} {b:.0%} → {a:.0%}" for c, b, a in moved[:6]) + ("; …" if len(moved) > 6 else "")
    return [f"the fixed_level closure holds trade deficits in units of world output, and the shock moves them far "
            f"against spending (deficit as a share of spending: {named}): these countries' real outcomes reflect "
            "the fixed deficits as much as the tariffs; compare with --closure balanced"]


def _sensitivity_worlds(base: World) -> dict[str, World]:
    """The baseline under each published elasticity set (set code → World)."""
    from tariffsim.data.sector_elasticities import ELASTICITY_SETS

    try:
        return {code: apply_elasticities(base, code) for code in ELASTICITY_SETS}
    except DataError as exc:
        raise DataError(f"the elasticity sensitivity solves the run under the eight published sets: {exc}") from None


def _sensitivity(loaded: LoadedScenario, base: World, model: Model, solver: SolverOptions, last: DatedResult,
                 weights: pd.DataFrame | None, lists: Path | None) -> pd.DataFrame:
    """The last date solved under each published elasticity set (:data:`SENSITIVITY_COLUMNS`).

    The shock is the run's own unless the scenario changes trade costs, whose tariff-equivalent
    depends on θ (then the date is compiled again on each set's World)."""
    frames = []
    for code, world in _sensitivity_worlds(base).items():
        shock = last.compiled.shock
        if loaded.spec.trade_cost:
            shock = compile_scenario(loaded, world, date=last.date, weights=weights, lists_dir=lists).shock
        result = simulate(world, shock, model=model, solver=solver, warm_start=last.result)
        countries = result.countries
        frames.append(pd.DataFrame({"set": code, "country": countries["country"].astype(str),
                                    **{c: countries[c].to_numpy(dtype=float) for c in SENSITIVITY_COLUMNS[2:]}}))
    return pd.concat(frames, ignore_index=True)[SENSITIVITY_COLUMNS]


def _tell(progress: ProgressCallback | None, stage: Literal["compile", "solve"], done: int, total: int,
          date: dt.date | None) -> None:
    if progress is not None:
        progress(RunProgress(stage=stage, done=done, total=total, date=date))


def _check_dates(loaded: LoadedScenario, compiled: list[CompiledScenario]) -> None:
    if len(compiled) < 2:
        return
    if any(c.date is None for c in compiled):
        raise ScenarioError("an undated evaluation (every action at once) can only be run alone, not among "
                            "several dates", file=str(loaded.path) if loaded.path else None)
    seen = [c.date for c in compiled]
    repeated = sorted({str(d) for d in seen if seen.count(d) > 1})
    if repeated:
        raise ScenarioError(f"evaluation date {', '.join(repeated)} is given twice",
                            file=str(loaded.path) if loaded.path else None)


def _timeline_rows(entry: DatedResult) -> pd.DataFrame:
    table = entry.result.countries[TIMELINE_COLUMNS[1:]].copy()
    table["country"] = table["country"].astype(str)
    table.insert(0, "date", str(entry.compiled.date))
    return table


# ---------------------------------------------------------------------- folders
def check_output_folder(folder: str | Path) -> Path:
    """The absolute run folder ``folder`` names, after refusing what a run must not replace; writes nothing.

    A run folder may be new, empty, or hold an earlier run (then it is replaced whole);
    anything else is refused.

    Raises
    ------
    DataError
        If ``folder`` is empty text, a file, the current folder (or one holding it), or a
        folder holding files that are not part of a run (naming them).
    """
    if not str(folder).strip():
        raise DataError("the output folder is empty text: give a folder name, e.g. out/run")
    target = Path(folder).expanduser()
    if target.is_symlink():
        target = target.resolve()
    target = target.absolute()
    if target.exists() and not target.is_dir():
        raise DataError("is a file, not a folder: give a new or empty folder, or the folder of an earlier run",
                        file=str(folder))
    cwd = Path.cwd().resolve()
    if target.resolve() == cwd or target.resolve() in cwd.parents:
        raise DataError("is the current folder or holds it: give a sub-folder, e.g. out/run", file=str(folder))
    if target.is_dir():
        strangers = _not_run_entries(target)
        if strangers:
            shown = ", ".join(strangers[:5]) + (f" and {len(strangers) - 5} more" if len(strangers) > 5 else "")
            raise DataError(f"holds files that are not part of a tariffsim run ({shown}): give a new or empty "
                            "folder, or move them away", file=str(folder))
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"{parent} is a file, not a folder", file=str(folder))
            break
    return target


def _output_folder(folder: str | Path) -> Path:
    """:func:`check_output_folder`, then its parent created."""
    target = check_output_folder(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, target.parent) from None
    return target


def _not_run_entries(folder: Path) -> list[str]:
    """What in ``folder`` is not part of a run folder (sorted names; empty for an empty folder or a run)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise DataError(f"cannot read the folder ({exc.strerror or exc})", file=str(folder)) from None
    strangers = []
    for entry in entries:
        name = entry.name
        if entry.is_symlink():
            strangers.append(name)
        elif entry.is_file():
            if name not in _RUN_FILES and name not in RUN_FOLDER_FILES and not name.endswith(".xlsx"):
                strangers.append(name)
        elif entry.is_dir() and _is_date(name):
            inner = [p for p in entry.iterdir() if p.is_symlink() or not p.is_file() or p.name not in _RUN_FILES]
            strangers += [f"{name}/{p.name}" for p in sorted(inner)]
        else:
            strangers.append(name + ("/" if entry.is_dir() else ""))
    return strangers


def _is_date(name: str) -> bool:
    try:
        dt.date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; an existing ``target`` (empty, or an earlier run) is replaced whole."""
    try:
        os.rename(tmp, target)
        return
    except FileNotFoundError:
        raise
    except OSError:
        if not target.exists():
            raise
    old = target.parent / f".{target.name}.tariffsim-{uuid.uuid4().hex[:12]}.old"
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def check_workbook_path(path: str | Path) -> Path:
    """The absolute path of a workbook to write, after refusing empty text, a folder or a name not ending in
    ``.xlsx``; writes nothing."""
    if not str(path).strip():
        raise DataError("the workbook path is empty text: give a file name ending in .xlsx")
    target = Path(path).expanduser()
    if target.suffix.lower() != ".xlsx":
        raise DataError("a workbook file name ends in .xlsx", file=str(path))
    if target.is_dir():
        raise DataError("is a folder: give a file name ending in .xlsx", file=str(path))
    return target.absolute()

