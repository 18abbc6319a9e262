"""``tariffsim report`` and ``tariffsim runs``: HTML reports, chart exports and the runs store.

A thin shell over :mod:`tariffsim.report` (``tariffsim run`` records runs and writes
their reports through :class:`tariffsim.runs.ScenarioRun`). Errors are
:class:`~tariffsim.errors.TariffsimError`, which the main CLI prints as one line
with exit code 2. The data directory is ``--data-dir``, else
``$TARIFFSIM_DATA_DIR``, else the user's data directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tariffsim._json import REPORT_NAME
from tariffsim.cli._console import console, path_argument, path_option, print_frame, safe, summary_table
from tariffsim.errors import DataError

if TYPE_CHECKING:
    from tariffsim.report.run import RunData

runs_app = typer.Typer(help="The runs store: every `tariffsim run` is recorded under the data directory; list, "
                            "show and compare recorded runs.", no_args_is_help=True)

DataDir = Annotated[Path | None, path_option("--data-dir", help="Data directory holding the runs store (default: "
                                              "$TARIFFSIM_DATA_DIR, else the user's data directory).",
                                              show_default=False)]
Date = Annotated[str | None, typer.Option("--date", help="Evaluation date to show (default: the run's last).",
                                          show_default=False)]


# ---------------------------------------------------------------------- tariffsim report
def report_command(
    run_dir: Annotated[Path, path_argument(help="A run folder (the --out folder of `tariffsim run`).")],
    out: Annotated[Path | None, path_option("--out", "-o", help=f"HTML file to write (default RUN_DIR/{REPORT_NAME})."
                                             , show_default=False)] = None,
    png: Annotated[Path | None, path_option("--png", help="Also write every chart as PNG into this folder.",
                                             show_default=False)] = None,
    svg: Annotated[Path | None, path_option("--svg", help="Also write every chart as SVG into this folder.",
                                             show_default=False)] = None,
    date: Date = None,
) -> None:
    """Write a self-contained HTML report of a run folder (charts work offline; tables need no JavaScript)."""
    from tariffsim.report.html import write_report
    from tariffsim.report.run import load_run

    _check_targets(files=[out], folders=[png, svg])
    run = load_run(run_dir)
    when = run.check_date(date)
    path = write_report(run, out or run_dir / REPORT_NAME, when)
    _export(run, when, png, svg)
    console.print(f"report: {safe(path)}", highlight=False, soft_wrap=True)


def _check_targets(files: list[Path | None], folders: list[Path | None]) -> None:
    """Refuse wrong output paths before a report is rendered (seconds of work)."""
    from tariffsim._json import check_file_target, check_folder_target

    for path in files:
        if path is not None:
            check_file_target(path)
    for path in folders:
        if path is not None:
            check_folder_target(path)


def _export(run: RunData, date: str, png: Path | None, svg: Path | None) -> None:
    from tariffsim.report.static import export_charts

    for folder, fmt in ((png, "png"), (svg, "svg")):
        if folder is not None:
            files = export_charts(run, folder, formats=(fmt,), date=date)
            console.print(f"charts: {len(files)} {fmt.upper()} files in {safe(folder)} "
                          f"({safe(', '.join(p.name for p in files))})", highlight=False, soft_wrap=True)


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
    if summary.empty:
        console.print(f"no runs recorded in {safe(store.runs_dir)} yet: `tariffsim run SCENARIO` records each run",
                      highlight=False)
        return
    print_frame(summary.head(limit), title=f"Runs in {store.runs_dir}")
    if len(summary) > limit:
        console.print(f"... {len(summary) - limit} older runs (--limit to see more)")


@runs_app.command("show")
def runs_show(
    run: Annotated[str, typer.Argument(help="Run id, a unique part of it, 'latest', 'latest~1', or a scenario "
                                            "name (its latest run).")],
    data_dir: DataDir = None,
    date: Date = None,
    report: Annotated[Path | None, path_option("--report", help="Also write the run's HTML report to this file.",
                                                show_default=False)] = None,
) -> None:
    """Show a recorded run: scenario, settings, fingerprints, diagnostics and effects by country."""
    from tariffsim.report.run import date_label
    from tariffsim.report.runs import RunStore

    _check_targets(files=[report], folders=[])
    store = RunStore(data_dir)
    data = store.load(run)
    when = data.check_date(date)
    record = data.record(when)
    info = store.get(data.run_id or run)
    created = info.created_at[:19].replace("T", " ")
    console.print(f"[bold]{safe(data.run_id)}[/bold]: scenario [bold]{safe(data.name)}[/bold], recorded "
                  f"{safe(created)} UTC, output {safe(info.source or '-')}", highlight=False)
    scenario = data.scenario
    if scenario.get("file"):
        console.print(f"scenario file: {safe(scenario['file'])}", highlight=False)
    base = record.get("baseline") or {}
    model = record.get("model") or {}
    console.print(f"baseline {safe(base.get('name', '?'))} ({safe(base.get('year', ''))}); model "
                  + safe(", ".join(f"{k} {v}" for k, v in model.items())), highlight=False)
    console.print("dates: " + safe(", ".join(date_label(d) for d in data.dates)), highlight=False)
    for key, value in (record.get("fingerprints") or {}).items():
        console.print(f"fingerprint {safe(key)}: {safe(value)}", highlight=False)
    diag = record.get("diagnostics") or {}
    console.print(f"solver on {safe(date_label(when))}: {safe(diag.get('method', '?'))}, "
                  f"{safe(diag.get('iterations', '?'))} iterations, converged {safe(diag.get('converged'))}, "
                  "market-clearing residual "
                  f"{record.get('market_clearing_residual', float('nan')):.1e}", highlight=False)
    print_frame(summary_table(data.table("countries", when)),
                title=f"Effects by country on {date_label(when)} (percent change from baseline; trade balance "
                      "and tariff revenue in USD bn, baseline and counterfactual 'cf')")
    if report is not None:
        from tariffsim.report.html import write_report

        console.print(f"report: {safe(write_report(data, report, when))}", highlight=False, soft_wrap=True)


@runs_app.command("compare")
def runs_compare(
    run_a: Annotated[str, typer.Argument(help="First run (A): id, unique part of it, 'latest~1', or scenario name.")],
    run_b: Annotated[str, typer.Argument(help="Second run (B).")],
    data_dir: DataDir = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluation date to compare in both runs (default: "
                                             "each run's last).", show_default=False)] = None,
    out: Annotated[Path | None, path_option("--out", "-o", help="Comparison report to write (default "
                                             "out/compare-A-vs-B.html).", show_default=False)] = None,
) -> None:
    """Compare two recorded runs: a side-by-side table by country and a comparison HTML report."""
    from tariffsim.report.html import write_comparison
    from tariffsim.report.run import date_label
    from tariffsim.report.runs import RunStore
    from tariffsim.report.views import comparison_table

    _check_targets(files=[out], folders=[])
    store = RunStore(data_dir)
    a, b = store.load(run_a), store.load(run_b)
    if a.run_id == b.run_id:
        raise DataError(f"'{run_a}' and '{run_b}' are the same run ({a.run_id}): compare two different runs")
    wa, wb = a.check_date(date), b.check_date(date)
    console.print(f"A: {safe(a.run_id)} {safe(a.name)} on {safe(date_label(wa))}\n"
                  f"B: {safe(b.run_id)} {safe(b.name)} on {safe(date_label(wb))}", highlight=False)
    side = comparison_table(a, b, wa, wb)
    print_frame(side[["country", "welfare A (%)", "welfare B (%)", "welfare B − A (pp)", "real GDP A (%)",
                 "real GDP B (%)", "exports A (%)", "exports B (%)", "imports A (%)", "imports B (%)"]],
           title="Side by side (percent change from each run's baseline; B − A in percentage points)", digits=3)
    print_frame(side[["country", "trade balance A (USD bn)", "trade balance B (USD bn)", "tariff revenue A (USD bn)",
                 "tariff revenue B (USD bn)"]], title="Counterfactual trade balance and tariff revenue (USD bn)",
           digits=1)
    target = out or Path("out") / f"compare-{_slug(a.run_id or a.name)}-vs-{_slug(b.run_id or b.name)}.html"
    path = write_comparison(a, b, target, wa, wb)
    console.print(f"comparison report: {safe(path)}", highlight=False, soft_wrap=True)


@runs_app.command("remove")
def runs_remove(
    run: Annotated[str, typer.Argument(help="Run id (or a unique part of it).")],
    data_dir: DataDir = None,
) -> None:
    """Remove a recorded run from the runs store (its output folder is left alone)."""
    from tariffsim.report.runs import RunStore

    info = RunStore(data_dir).remove(run)
    console.print(f"removed run {safe(info.run_id)} ({safe(info.name)})", highlight=False)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"
