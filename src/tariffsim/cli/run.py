"""``tariffsim run``: a thin shell over :func:`tariffsim.runs.run_scenario`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tariffsim._json import REPORT_NAME
from tariffsim.cli._console import (
    console,
    err_console,
    path_option,
    print_frame,
    run_progress,
    safe,
    summary_table,
    warn,
)
from tariffsim.errors import DataError, TariffsimError

if TYPE_CHECKING:
    from tariffsim.report.runs import RunInfo
    from tariffsim.runs import ScenarioRun
    from tariffsim.scenario import LoadedScenario
    from tariffsim.uncertainty import DrawProgress, UncertainRun

__all__ = ["run_command", "DEMO_SCENARIO"]

DEMO_SCENARIO = "us-china-2018-2019-world-2017"
"""The bundled scenario that ``tariffsim run --demo`` (and ``make demo``) runs: the US–China trade war on the
81 economies and 28 ICIO sectors of world-2017."""

MAX_PRINTED_COUNTRIES = 12
"""Worlds with more countries print the welfare timeline of the countries that change most (the rest is in
timeline.csv)."""


def run_command(
    scenario: Annotated[str | None, typer.Argument(help="Scenario TOML file or bundled scenario name.")] = None,
    out: Annotated[Path, path_option("--out", "-o", help="Output folder: new, empty, or the folder of an earlier "
                                      "run (replaced whole).")] = Path("out/run"),
    demo: Annotated[bool, typer.Option("--demo", help=f"Run the bundled scenario {DEMO_SCENARIO}.")] = False,
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Override the scenario's model: gravity or "
                                              "multisector.", show_default=False)] = None,
    closure: Annotated[str | None, typer.Option("--closure", help="Override the scenario's closure: fixed_level, "
                                                "fixed_ratio or balanced.", show_default=False)] = None,
    numeraire: Annotated[str | None, typer.Option("--numeraire", help="Override the scenario's numeraire: "
                                                  "world_output, wage:ISO3 or price_index:ISO3.",
                                                  show_default=False)] = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluate on this date only (YYYY-MM-DD).")] = None,
    elasticities: Annotated[str | None, typer.Option(
        "--elasticities", help="Trade elasticities: a published set (CP, BSY, FGO, U4, IS, GYY, Shap, LL; bundled "
        "worlds) or one number for every sector; overrides the scenario's elasticities key.",
        show_default=False)] = None,
    sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="Also solve the last date under each of the eight published elasticity sets and "
        "write sensitivity.csv; the report says how much the headline moves.")] = False,
    weights: Annotated[Path | None, path_option("--weights", help="Product-level trade weights (CSV/Parquet: "
                                                 "importer, exporter, product, value [, tariff]).")] = None,
    lists: Annotated[Path | None, path_option("--lists", help="Folder of named product lists.")] = None,
    allow_path: Annotated[list[Path] | None, path_option("--allow-path", help="A folder the scenario's files "
                                                          "(extends, product lists, world) may also read; "
                                                          "repeatable. By default only the scenario's folder, the "
                                                          "bundled library and the catalog.",
                                                          show_default=False)] = None,
    report: Annotated[bool, typer.Option("--report", help="Also write an HTML report (report.html) into the "
                                         "output folder and print its path.")] = False,
    xlsx: Annotated[Path | None, path_option("--xlsx", help="Also write every result table into this Excel "
                                              "workbook (one sheet per table).", show_default=False)] = None,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record the run in the runs store "
                                            "(for scripts).")] = False,
    data_dir: Annotated[Path | None, path_option("--data-dir", help="Data directory of the runs store (default: "
                                                  "$TARIFFSIM_DATA_DIR, else the user's data directory).",
                                                  show_default=False)] = None,
    draws: Annotated[int | None, typer.Option("--draws", help="Also solve N draws of the uncertain parameters (the "
                                              "scenario's \\[uncertainty], else every sector's trade elasticity, "
                                              "lognormal, sd of log 0.48; docs/uncertainty.md) and write "
                                              "quantiles.csv and draws.parquet.", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the draws (default the scenario's, else fresh "
                                             "entropy, printed and recorded).", show_default=False)] = None,
    design: Annotated[str | None, typer.Option("--design", help="Design of the draws: mc (Monte Carlo, default), "
                                               "lhs (Latin hypercube), quadrature (2N points) or grid.",
                                               show_default=False)] = None,
    executor: Annotated[str | None, typer.Option("--executor", help="Where draws are solved: serial (default), "
                                                 "processes (one per core) or dask.", show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://HOST:8786) or "
                                                  "scheduler file; default a LocalCluster on this machine.",
                                                  show_default=False)] = None,
) -> None:
    """Run a scenario: compile it on each evaluation date, solve, write tables and run.json; record the run in
    the runs store (see `tariffsim runs`). The output folder is written whole or not at all. With --draws (or a
    scenario with \\[uncertainty] or \\[sweep]) the run is repeated over parameter draws and the report shows bands."""
    from tariffsim.data.sector_elasticities import parse_elasticity_choice
    from tariffsim.runs import check_output_folder, check_workbook_path, run_scenario
    from tariffsim.scenario import load_scenario

    if scenario is None and not demo:
        raise TariffsimError("give a scenario file, or --demo for the bundled demo scenario")
    check_output_folder(out)  # refuse a wrong folder before solving anything
    if xlsx is not None:
        check_workbook_path(xlsx)
    choice = None if elasticities is None else parse_elasticity_choice(elasticities)
    options = check_draw_options(draws, seed, design, executor, scheduler)
    loaded = load_scenario(DEMO_SCENARIO if scenario is None else scenario, allow_paths=allow_path or ())
    if options is not None or loaded.spec.uncertainty is not None or loaded.spec.sweep is not None:
        if sensitivity:
            raise TariffsimError("--sensitivity is for runs without parameter draws (draws vary the elasticities "
                                 "themselves): leave out --sensitivity, or the draws")
        _run_draws(loaded, out, options or {}, world=world, model=model, closure=closure, numeraire=numeraire,
                   date=date, weights=weights, lists=lists, allow_path=allow_path, report=report, xlsx=xlsx,
                   no_record=no_record, data_dir=data_dir, elasticities=choice)
        return
    with run_progress(err_console.is_terminal) as progress:
        run = run_scenario(loaded, world=world, model=model, closure=closure,
                           numeraire=numeraire, dates=date, weights=weights, lists_dir=lists, progress=progress,
                           allow_paths=allow_path or (), elasticity=choice, sensitivity=sensitivity)
    _print_run(run)
    _finish(run, out, report=report, xlsx=xlsx, no_record=no_record, data_dir=data_dir)


def _finish(run: ScenarioRun | UncertainRun, out: Path, *, report: bool, xlsx: Path | None, no_record: bool,
            data_dir: Path | None) -> None:
    """Record the run, write its folder (the recording is undone if the folder cannot be written), say where."""
    info = _record(run, out, data_dir) if not no_record else None
    try:
        files = run.write(out, report=report, run_id=info.run_id if info else None, xlsx=xlsx)
    except TariffsimError:
        if info is not None:  # the run is recorded together with its folder, or not at all
            from tariffsim.report.runs import RunStore

            try:
                RunStore(data_dir).remove(info.run_id)
            except (TariffsimError, OSError) as exc:  # the write's error is the one to report
                warn(f"run {info.run_id} stays in the runs store ({exc}); `tariffsim runs remove` removes it")
        raise
    from tariffsim.runs import ScenarioRun as Plain

    _print_files(run if isinstance(run, Plain) else run.central, out, files)
    if info is not None:
        console.print(f"recorded run [bold]{info.run_id}[/bold] in {safe(info.folder.parent)} "
                      f"(tariffsim runs show {info.run_id})", highlight=False, soft_wrap=True)
    if report:
        console.print(f"report: {safe(out / REPORT_NAME)}", highlight=False, soft_wrap=True)
    if xlsx is not None:
        console.print(f"workbook: {safe(xlsx)}", highlight=False, soft_wrap=True)


def _print_run(run: ScenarioRun) -> None:
    head = run.scenario.spec.scenario
    console.print(f"[bold]{safe(run.name)}[/bold]" + (f": {safe(head.description)}" if head.description else ""))
    settings = run.model.settings()
    console.print(f"baseline {safe(run.world.name)} ({run.world.year}); model {safe(settings.get('name'))}, "
                  f"closure {safe(settings.get('closure'))}, numeraire {safe(settings.get('numeraire'))}",
                  highlight=False)
    elasticities = run.elasticities
    if elasticities:
        chosen = elasticities.get("choice")
        console.print(f"trade elasticities: {safe(elasticities.get('citation') or 'the World’s own')}"
                      + ("" if chosen is None else f" (chosen by the {elasticities.get('given_by')})"),
                      highlight=False, soft_wrap=True)
    for warning in run.warnings:
        warn(warning)
    focus = _focus(run)
    many = len(focus) > MAX_PRINTED_COUNTRIES
    if len(run.dated) > 1:
        pivot = run.timeline.pivot_table(index="date", columns="country", values="welfare_pct", sort=False)
        title = "Welfare by evaluation date (percent change from baseline)"
        if many:
            pivot = pivot[focus[:MAX_PRINTED_COUNTRIES]]
            title += f": {FOCUS_WORDS.format(MAX_PRINTED_COUNTRIES)} (every country in timeline.csv)"
        print_frame(pivot.reset_index(), title=title, digits=3)
    last = run.last
    summary = summary_table(last.result.countries)
    title = (f"Effects by country on {last.key or 'all actions'} (percent change from baseline; trade balance and "
             "tariff revenue in USD bn, baseline and counterfactual 'cf')")
    if many:
        summary = summary.set_index("country").loc[focus[:MAX_PRINTED_COUNTRIES]].reset_index()
        title += f": {FOCUS_WORDS.format(MAX_PRINTED_COUNTRIES)} (every country in countries.csv)"
    print_frame(summary, title=title)
    d = last.result.diagnostics
    console.print(f"solver: {d.method}, {d.iterations} iterations, market-clearing residual "
                  f"{last.result.equilibrium.market_clearing_residual():.1e}, {d.seconds * 1e3:.0f} ms")
    if run.sensitivity is not None:
        table = run.sensitivity.pivot_table(index="set", columns="country", values="welfare_pct", sort=False)
        print_frame(table[focus[:6]].reset_index(),
                    title=f"Welfare on {last.key or 'all actions'} under each published elasticity set (percent "
                    f"change from baseline; {FOCUS_WORDS.format(6)}; every country in sensitivity.csv)", digits=3)


FOCUS_WORDS = "the pair in conflict and the largest welfare changes on the last date, {} countries"


def _focus(run: ScenarioRun) -> list[str]:
    """Every country of the run, the pair in conflict first (the imposer and target of the largest tariff change
    on the last date, by trade), then by the size of their welfare change on the last date."""
    last = run.last
    tariffs = last.compiled.tariffs
    moved = tariffs[(tariffs["sector"] == "all") & (tariffs["tariff_after_pct"] != tariffs["tariff_before_pct"])]
    pair = [] if moved.empty else [str(x) for x in moved.sort_values(
        "trade_usd_m", ascending=False, kind="stable").iloc[0][["imposer", "target"]]]
    movers = last.result.countries.set_index("country")["welfare_pct"].abs().sort_values(
        ascending=False, kind="stable").index
    return list(dict.fromkeys([*pair, *(str(c) for c in movers)]))


def _record(run: ScenarioRun | UncertainRun, out: Path, data_dir: Path | None) -> RunInfo | None:
    """Record the run; a run that cannot be recorded (an unwritable data directory) is still a finished run."""
    try:
        return run.record(data_dir, source=str(out))
    except (DataError, OSError) as exc:
        warn(f"run not recorded in the runs store: {exc} (--no-record skips recording)")
        return None


def _print_files(run: ScenarioRun, out: Path, files: list[Path]) -> None:
    if len(run.dated) == 1:
        names = [p.name for p in files if p.suffix in (".csv", ".json")]
        console.print(f"wrote {safe(', '.join(names))} to {safe(out)}", highlight=False, soft_wrap=True)
        return
    first = run.dated[0].key
    names = [p.name for p in files if p.parent.name == first]
    dates = {d.key for d in run.dated}
    top = [p.name for p in files if p.parent.name not in dates and p.suffix == ".csv"]
    console.print(f"wrote {len(run.dated)} date folders {run.dated[0].key} ... {run.last.key} (each with "
                  f"{safe(', '.join(names))}) and {safe(' and '.join(top))} to {safe(out)}", highlight=False,
                  soft_wrap=True)


# ---------------------------------------------------------------------- runs over parameter draws
def check_draw_options(draws: int | None, seed: int | None, design: str | None, executor: str | None,
                       scheduler: str | None) -> dict[str, Any] | None:
    """The options of a run over draws, checked before anything is solved; ``None`` when none is given."""
    from tariffsim.uncertainty import make_design, make_executor

    given = {"draws": draws, "seed": seed, "design": design, "executor": executor, "scheduler": scheduler}
    if all(v is None for v in given.values()):
        return None
    if draws is not None and draws < 1:
        raise TariffsimError(f"--draws must be at least 1; got {draws}")
    if seed is not None and seed < 0:
        raise TariffsimError(f"--seed must be a non-negative integer; got {seed}")
    if design is not None:
        make_design(design, draws)
    make_executor(executor if executor is not None else "dask" if scheduler is not None else "serial",
                  scheduler=scheduler)
    return {k: v for k, v in given.items() if v is not None}


def _run_draws(loaded: LoadedScenario, out: Path, options: dict[str, Any], *, world: str | None, model: str | None,
               closure: str | None, numeraire: str | None, date: str | None, weights: Path | None,
               lists: Path | None, allow_path: list[Path] | None, report: bool, xlsx: Path | None, no_record: bool,
               data_dir: Path | None, elasticities: str | float | None = None) -> None:
    from tariffsim.uncertainty import run_uncertain

    executor = options.get("executor", "dask" if "scheduler" in options else "serial")
    with draw_progress(err_console.is_terminal) as progress:
        run = run_uncertain(loaded, draws=options.get("draws"), seed=options.get("seed"),
                            design=options.get("design"), executor=executor, scheduler=options.get("scheduler"),
                            progress=progress, world=world, model=model, closure=closure, numeraire=numeraire,
                            dates=date, weights=weights, lists_dir=lists, allow_paths=allow_path or (),
                            elasticity=elasticities)
    _print_run(run.central)
    _print_draws(run)
    _finish(run, out, report=report, xlsx=xlsx, no_record=no_record, data_dir=data_dir)
    console.print(f"quantiles over the draws: {safe(out / 'quantiles.csv')}; every draw: {safe(out / 'draws.parquet')}",
                  highlight=False, soft_wrap=True)


def _print_draws(run: UncertainRun) -> None:
    import pandas as pd

    for line in run.summary():
        console.print(safe(line), highlight=False, soft_wrap=True)
    last = run.central.last
    quantiles = run.quantiles
    rows = quantiles[(quantiles["date"] == last.key) & (quantiles["sector"] == "")
                     & (quantiles["column"] == "welfare_pct")].set_index("country")
    central = last.result.countries.set_index("country")["welfare_pct"]
    order = [str(c) for c in central.index]
    frame = pd.DataFrame({"country": order, "central": central.to_numpy(),
                          **{k: rows[k].reindex(order).to_numpy() for k in ("mean", "sd", "q05", "q50", "q95")}})
    solved = int(rows["draws_ok"].iloc[0]) if len(rows) else 0
    print_frame(frame, title=f"Welfare on {last.key or 'all actions'} across draws (percent change from baseline: "
                f"the central run, and mean, sd and percentiles over {solved} solved draws)", digits=3)


@contextmanager
def draw_progress(enabled: bool) -> Iterator[Callable[[DrawProgress], None] | None]:
    """A rich progress bar of the draws on stderr (solved, failed, elapsed), or ``None`` when not ``enabled``."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("draws", total=None)

        def update(step: DrawProgress) -> None:
            failed = f" ({step.failed} failed)" if step.failed else ""
            bar.update(task, total=step.total, completed=step.done, description=f"draws{failed}")

        yield update
