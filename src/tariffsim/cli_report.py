"""``tariffsim report`` and ``tariffsim runs``: HTML reports, chart exports and the runs store.

A thin shell over :mod:`tariffsim.report`. ``tariffsim run`` calls
:func:`finish_run` after solving: it records the run in the runs store (unless
``--no-record``) and writes the report (with ``--report``). Errors are
:class:`~tariffsim.errors.TariffsimError`, which the main CLI prints as one line
with exit code 2. The data directory is ``--data-dir``, else
``$TARIFFSIM_DATA_DIR``, else the user's data directory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tariffsim.errors import DataError

if TYPE_CHECKING:
    from rich.console import Console

    from tariffsim.report.run import DatedTables, RunData

runs_app = typer.Typer(help="The runs store: every `tariffsim run` is recorded under the data directory; list, "
                            "show and compare recorded runs.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory holding the runs store (default: "
                                              "$TARIFFSIM_DATA_DIR, else the user's data directory).",
                                              show_default=False)]
Date = Annotated[str | None, typer.Option("--date", help="Evaluation date to show (default: the run's last).",
                                          show_default=False)]
REPORT_NAME = "report.html"


def _console() -> Console:
    # imported when a command runs: tariffsim.cli imports this module to register it
    from tariffsim.cli import console

    return console


def _print(frame: Any, title: str = "", digits: int = 2) -> None:
    from tariffsim.cli import print_frame

    print_frame(frame, title=title, digits=digits)


# ---------------------------------------------------------------------- after `tariffsim run`
def dated_tables(compiled: Any, result: Any, record_extra: Mapping[str, Any]) -> DatedTables:
    """One evaluation date of a run as the report and the runs store read it.

    Parameters
    ----------
    compiled
        The :class:`~tariffsim.scenario.CompiledScenario` of that date (its ``coverage``
        and ``tariffs`` tables are kept).
    result
        The :class:`~tariffsim.Result` solved on that date.
    record_extra
        What ``tariffsim run`` adds to ``run.json`` (``scenario``, ``warnings``).
    """
    from tariffsim.report.run import DatedTables

    tables = {"countries": result.countries, "bilateral": result.bilateral, "sectors": result.sectors,
              "coverage": compiled.coverage, "tariffs": compiled.tariffs}
    if result.baseline.n_sectors > 1:
        tables["bilateral_sectors"] = result.bilateral_sectors
    date = "" if compiled.date is None else str(compiled.date)
    return DatedTables(date=date, tables=tables, record={**result.run_record(), **record_extra})


def finish_run(parts: Sequence[DatedTables], *, out: Path, report: bool, record: bool,
               data_dir: Path | None) -> None:
    """Record a finished run in the runs store and write its report, printing where they went.

    A run that cannot be recorded (an unwritable data directory) is still a finished
    run: that prints a warning, not an error.
    """
    from tariffsim.report.run import RunData

    console = _console()
    run = RunData.from_dates(parts, source=str(out))
    if record:
        from tariffsim.report.runs import RunStore

        store = RunStore(data_dir)
        try:
            info = store.record(run)
        except (DataError, OSError) as exc:
            console.print(f"[yellow]warning:[/yellow] run not recorded in the runs store: {exc} "
                          "(--no-record skips recording)", highlight=False)
        else:
            console.print(f"recorded run [bold]{info.run_id}[/bold] in {store.runs_dir} "
                          f"(tariffsim runs show {info.run_id})", highlight=False)
            run = RunData(name=run.name, dates=run.dates, tables=run.tables, records=run.records,
                          source=run.source, run_id=info.run_id)
    if report:
        from tariffsim.report.html import write_report

        path = write_report(run, out / REPORT_NAME)
        console.print(f"report: {path}", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------- tariffsim report
def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (the --out folder of `tariffsim run`).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help=f"HTML file to write (default RUN_DIR/{REPORT_NAME})."
                                             , show_default=False)] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Also write every chart as PNG into this folder.",
                                             show_default=False)] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Also write every chart as SVG into this folder.",
                                             show_default=False)] = None,
    date: Date = None,
) -> None:
    """Write a self-contained HTML report of a run folder (charts work offline; tables need no JavaScript)."""
    from tariffsim.report.html import write_report
    from tariffsim.report.run import load_run

    run = load_run(run_dir)
    when = run.check_date(date)
    path = write_report(run, out or run_dir / REPORT_NAME, when)
    _export(run, when, png, svg)
    _console().print(f"report: {path}", highlight=False, soft_wrap=True)


def _export(run: RunData, date: str, png: Path | None, svg: Path | None) -> None:
    from tariffsim.report.static import export_charts

    console = _console()
    for folder, fmt in ((png, "png"), (svg, "svg")):
        if folder is not None:
            files = export_charts(run, folder, formats=(fmt,), date=date)
            console.print(f"charts: {len(files)} {fmt.upper()} files in {folder} "
                          f"({', '.join(p.name for p in files)})", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------- tariffsim runs
@runs_app.command("list")
def runs_list(
    data_dir: DataDir = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many runs (newest first).")] = 50,
) -> None:
    """List recorded runs, newest first: id, time, scenario, baseline, closure, dates, output folder."""
    from tariffsim.report.runs import RunStore

    store = RunStore(data_dir)
    summary = store.summary()
    console = _console()
    if summary.empty:
        console.print(f"no runs recorded in {store.runs_dir} yet: `tariffsim run SCENARIO` records each run",
                      highlight=False)
        return
    _print(summary.head(limit), title=f"Runs in {store.runs_dir}")
    if len(summary) > limit:
        console.print(f"... {len(summary) - limit} older runs (--limit to see more)")


@runs_app.command("show")
def runs_show(
    run: Annotated[str, typer.Argument(help="Run id, a unique part of it, 'latest', 'latest~1', or a scenario "
                                            "name (its latest run).")],
    data_dir: DataDir = None,
    date: Date = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write the run's HTML report to this file.",
                                                show_default=False)] = None,
) -> None:
    """Show a recorded run: scenario, settings, fingerprints, diagnostics and effects by country."""
    from tariffsim.cli import summary_table
    from tariffsim.report.run import date_label
    from tariffsim.report.runs import RunStore

    store = RunStore(data_dir)
    data = store.load(run)
    when = data.check_date(date)
    record = data.record(when)
    console = _console()
    info = store.get(data.run_id or run)
    created = info.created_at[:19].replace("T", " ")
    console.print(f"[bold]{data.run_id}[/bold]: scenario [bold]{data.name}[/bold], recorded {created} UTC, "
                  f"output {info.source or '-'}", highlight=False)
    scenario = data.scenario
    if scenario.get("file"):
        console.print(f"scenario file: {scenario['file']}", highlight=False)
    base = record.get("baseline") or {}
    model = record.get("model") or {}
    console.print(f"baseline {base.get('name', '?')} ({base.get('year', '')}); model "
                  + ", ".join(f"{k} {v}" for k, v in model.items()), highlight=False)
    console.print("dates: " + ", ".join(date_label(d) for d in data.dates), highlight=False)
    for key, value in (record.get("fingerprints") or {}).items():
        console.print(f"fingerprint {key}: {value}", highlight=False)
    diag = record.get("diagnostics") or {}
    console.print(f"solver on {date_label(when)}: {diag.get('method', '?')}, {diag.get('iterations', '?')} "
                  f"iterations, converged {diag.get('converged')}, market-clearing residual "
                  f"{record.get('market_clearing_residual', float('nan')):.1e}", highlight=False)
    _print(summary_table(data.table("countries", when)),
           title=f"Effects by country on {date_label(when)} (percent change from baseline; trade balance and tariff "
                 "revenue in USD bn, baseline and counterfactual 'cf')")
    if report is not None:
        from tariffsim.report.html import write_report

        console.print(f"report: {write_report(data, report, when)}", highlight=False, soft_wrap=True)


@runs_app.command("compare")
def runs_compare(
    run_a: Annotated[str, typer.Argument(help="First run (A): id, unique part of it, 'latest~1', or scenario name.")],
    run_b: Annotated[str, typer.Argument(help="Second run (B).")],
    data_dir: DataDir = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluation date to compare in both runs (default: "
                                             "each run's last).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Comparison report to write (default "
                                             "out/compare-A-vs-B.html).", show_default=False)] = None,
) -> None:
    """Compare two recorded runs: a side-by-side table by country and a comparison HTML report."""
    from tariffsim.report.html import write_comparison
    from tariffsim.report.run import date_label
    from tariffsim.report.runs import RunStore
    from tariffsim.report.views import comparison_table

    store = RunStore(data_dir)
    a, b = store.load(run_a), store.load(run_b)
    if a.run_id == b.run_id:
        raise DataError(f"'{run_a}' and '{run_b}' are the same run ({a.run_id}): compare two different runs")
    wa, wb = a.check_date(date), b.check_date(date)
    console = _console()
    console.print(f"A: {a.run_id} {a.name} on {date_label(wa)}\nB: {b.run_id} {b.name} on {date_label(wb)}",
                  highlight=False)
    side = comparison_table(a, b, wa, wb)
    _print(side[["country", "welfare A (%)", "welfare B (%)", "welfare B − A (pp)", "real GDP A (%)",
                 "real GDP B (%)", "exports A (%)", "exports B (%)", "imports A (%)", "imports B (%)"]],
           title="Side by side (percent change from each run's baseline; B − A in percentage points)", digits=3)
    _print(side[["country", "trade balance A (USD bn)", "trade balance B (USD bn)", "tariff revenue A (USD bn)",
                 "tariff revenue B (USD bn)"]], title="Counterfactual trade balance and tariff revenue (USD bn)",
           digits=1)
    target = out or Path("out") / f"compare-{_slug(a.run_id or a.name)}-vs-{_slug(b.run_id or b.name)}.html"
    path = write_comparison(a, b, target, wa, wb)
    console.print(f"comparison report: {path}", highlight=False, soft_wrap=True)


@runs_app.command("remove")
def runs_remove(
    run: Annotated[str, typer.Argument(help="Run id (or a unique part of it).")],
    data_dir: DataDir = None,
) -> None:
    """Remove a recorded run from the runs store (its output folder is left alone)."""
    from tariffsim.report.runs import RunStore

    info = RunStore(data_dir).remove(run)
    _console().print(f"removed run {info.run_id} ({info.name})", highlight=False)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"
