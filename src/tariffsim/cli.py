"""The ``tariffsim`` command: a thin shell over the library.

Every library error becomes one line on stderr and exit code 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tariffsim import __version__
from tariffsim.errors import TariffsimError

app = typer.Typer(
    name="tariffsim",
    help="Numbers on trade wars and trade talks: run tariff scenarios through general-equilibrium models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
world_app = typer.Typer(help="Inspect baseline Worlds.", no_args_is_help=True)
app.add_typer(world_app, name="world")

# Wide output when piped (rich assumes 80 columns without a terminal), so tables stay readable in logs.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

_STATE = {"debug": False}


def _version(value: bool) -> None:
    if value:
        console.print(f"tariffsim {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """tariffsim: numbers on trade wars and trade talks."""
    _STATE["debug"] = debug


# ---------------------------------------------------------------------- tables
def _fmt(value: object, digits: int = 2) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:,.{digits}f}"
    return str(value)


def print_frame(frame: pd.DataFrame, title: str = "", digits: int = 2, max_rows: int = 60) -> None:
    """Print a DataFrame as a rich table (numbers right-aligned)."""
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    for _, row in frame.head(max_rows).iterrows():
        table.add_row(*[_fmt(v, digits) for v in row.to_list()])
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"... {len(frame) - max_rows} more rows")


# ---------------------------------------------------------------------- world
@world_app.command("show")
def world_show(
    world: Annotated[str, typer.Argument(help="Bundled world name or World folder.")] = "demo-2017",
) -> None:
    """Print a World's countries: output, trade, balance, tariffs."""
    from tariffsim.data import load_world

    w = load_world(world)
    console.print(f"[bold]{w.name or world}[/bold] {w.year or ''}: {w.n_countries} countries × "
                  f"{w.n_sectors} sectors ({', '.join(w.sectors)}); USD millions")
    print_frame(w.summary(), digits=1)
    elast = ", ".join(f"{s} {t:g}" for s, t in zip(w.sectors, w.elasticity, strict=True))
    console.print(f"trade elasticities θ: {elast}")
    if w.sources:
        console.print("sources: " + "; ".join(f"{k}: {v}" for k, v in w.sources.items()))


# ---------------------------------------------------------------------- run
def summary_table(countries: pd.DataFrame) -> pd.DataFrame:
    """The printed summary: percent changes, and balances and tariff revenue in USD billions."""
    out = countries[["country", "welfare_pct", "real_gdp_pct", "price_index_pct", "exports_pct",
                     "imports_pct"]].copy()
    for name, short in (("trade_balance", "balance"), ("tariff_revenue", "revenue")):
        out[f"{short} $bn"] = countries[f"{name}_base"] / 1e3
        out[f"{short} cf $bn"] = countries[f"{name}_cf"] / 1e3
    return out.rename(columns={"welfare_pct": "welfare %", "real_gdp_pct": "real GDP %",
                               "price_index_pct": "prices %", "exports_pct": "exports %", "imports_pct": "imports %"})


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TariffsimError(f"--date '{text}' is not a date (write 2019-06-01)") from None


def _weights(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    from tariffsim.data.user_tables import read_table
    from tariffsim.scenario import WEIGHT_COLUMNS

    return read_table(path, WEIGHT_COLUMNS, text_columns=("product", "importer", "exporter"))


def _scenario_path(scenario: str | None, demo: bool) -> str:
    from tariffsim.scenario import bundled_scenario_path

    if scenario is None:
        if not demo:
            raise TariffsimError("give a scenario file, or --demo for the bundled demo scenario")
        return str(bundled_scenario_path(DEMO_SCENARIO))
    return scenario


DEMO_SCENARIO = "us-china-2018-2019"
"""The bundled scenario that ``tariffsim run --demo`` (and ``make demo``) runs."""


@app.command("run")
def run_command(
    scenario: Annotated[str | None, typer.Argument(help="Scenario TOML file or bundled scenario name.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/run"),
    demo: Annotated[bool, typer.Option("--demo", help=f"Run the bundled scenario {DEMO_SCENARIO}.")] = False,
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluate on this date only (YYYY-MM-DD).")] = None,
    weights: Annotated[Path | None, typer.Option("--weights", help="Product-level trade weights (CSV/Parquet: "
                                                 "importer, exporter, product, value [, tariff]).")] = None,
    lists: Annotated[Path | None, typer.Option("--lists", help="Folder of named product lists.")] = None,
    report: Annotated[bool, typer.Option("--report", help="Also write an HTML report (report.html) into the "
                                         "output folder and print its path.")] = False,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record the run in the runs store "
                                            "(for scripts).")] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Data directory of the runs store (default: "
                                                  "$TARIFFSIM_DATA_DIR, else the user's data directory).",
                                                  show_default=False)] = None,
) -> None:
    """Run a scenario: compile it on each evaluation date, solve, write tables and run.json; record the run in
    the runs store (see `tariffsim runs`)."""
    from tariffsim.cli_report import dated_tables, finish_run
    from tariffsim.data import load_world
    from tariffsim.models import MODELS, simulate
    from tariffsim.options import Numeraire
    from tariffsim.scenario import compile_scenario, load_scenario

    loaded = load_scenario(_scenario_path(scenario, demo))
    head = loaded.spec.scenario
    base = load_world(world or head.world, base_dir=loaded.base_dir)
    model = MODELS[head.model](closure=head.closure, numeraire=Numeraire.parse(head.numeraire))
    dates = [_parse_date(date)] if date else head.evaluation_dates()
    product_weights = _weights(weights)
    console.print(f"[bold]{head.name}[/bold]" + (f": {head.description}" if head.description else ""))
    console.print(f"baseline {base.name} ({base.year}); model {model.name}, closure {model.closure}, "
                  f"numeraire {model.numeraire}")
    timeline = []
    parts = []
    previous = None
    for when in dates:
        compiled = compile_scenario(loaded, base, date=when, weights=product_weights, lists_dir=lists)
        result = simulate(base, compiled.shock, model=model, warm_start=previous)
        previous = result
        folder = out if len(dates) == 1 else out / str(compiled.date)
        extra = {"scenario": {"name": head.name, "file": str(loaded.path), "date": str(compiled.date),
                              "text": loaded.text},
                 "warnings": list(compiled.warnings)}
        files = result.write(folder, extra=extra)
        parts.append(dated_tables(compiled, result, extra))
        compiled.coverage.to_csv(folder / "coverage.csv", index=False)
        compiled.tariffs.to_csv(folder / "tariffs.csv", index=False, float_format="%.6g")
        timeline.append(_timeline_rows(compiled, result))
        console.print(f"{compiled.date or 'all actions'}: wrote {', '.join(p.name for p in files)}, coverage.csv, "
                      f"tariffs.csv to {folder}")
        for warning in compiled.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}")
    if len(dates) > 1:
        frame = pd.concat(timeline, ignore_index=True)
        frame.to_csv(out / "timeline.csv", index=False, float_format="%.6g")
        pivot = frame.pivot_table(index="date", columns="country", values="welfare_pct", sort=False)
        print_frame(pivot.reset_index(), title="Welfare by evaluation date (percent change from baseline)", digits=3)
        console.print(f"wrote timeline.csv to {out}")
    print_frame(summary_table(result.countries),
                title=f"Effects by country on {compiled.date or 'all actions'} (percent change from baseline; "
                "trade balance and tariff revenue in USD bn, baseline and counterfactual 'cf')")
    d = result.diagnostics
    console.print(f"solver: {d.method}, {d.iterations} iterations, market-clearing residual "
                  f"{result.equilibrium.market_clearing_residual():.1e}, {d.seconds * 1e3:.0f} ms")
    finish_run(parts, out=out, report=report, record=not no_record, data_dir=data_dir)


def _timeline_rows(compiled: object, result: object) -> pd.DataFrame:
    from tariffsim.results import Result
    from tariffsim.scenario import CompiledScenario

    assert isinstance(compiled, CompiledScenario) and isinstance(result, Result)
    table = result.countries[["country", "welfare_pct", "real_gdp_pct", "exports_pct", "imports_pct",
                              "tariff_revenue_cf"]].copy()
    table.insert(0, "date", str(compiled.date))
    return table


# ---------------------------------------------------------------------- scenario
scenario_app = typer.Typer(help="Check scenarios and their coverage.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("list")
def scenario_list() -> None:
    """List the bundled scenarios."""
    from tariffsim.scenario import bundled_scenario_path, bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        head = load_scenario(bundled_scenario_path(name)).spec.scenario
        console.print(f"[bold]{name}[/bold]  {head.description}")


@scenario_app.command("check")
def scenario_check(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file or bundled scenario name.")],
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    lists: Annotated[Path | None, typer.Option("--lists", help="Folder of named product lists.")] = None,
) -> None:
    """Validate a scenario: print its actions, their coverage on each evaluation date, and warnings."""
    from tariffsim.data import load_world
    from tariffsim.scenario import compile_scenario, load_scenario

    loaded = load_scenario(scenario)
    spec = loaded.spec
    base = load_world(world or spec.scenario.world, base_dir=loaded.base_dir)
    rows = []
    for kind, entries in (("action", spec.action), ("retaliation", spec.retaliation)):
        for e in entries:
            covers = (", ".join(e.products) if e.products else "") or (
                str(e.product_list) if e.product_list else "") or (
                ", ".join(e.sectors) if isinstance(e.sectors, list) else str(e.sectors))
            who = getattr(e, "imposer", None) or f"answers '{getattr(e, 'answers', '')}'"
            rows.append({"kind": kind, "label": e.label, "imposer": who,
                         "target": _short(getattr(e, "target", "")), "effective": str(e.effective or ""),
                         "until": str(e.until or ""), "rate_pct": 100 * e.rate, "mode": e.mode,
                         "covers": covers[:40], "coverage_usd_bn": (e.coverage or float("nan")) / 1e3,
                         "suspended": "yes" if e.suspended else ""})
    console.print(f"[bold]{spec.scenario.name}[/bold]: {len(spec.action)} actions, {len(spec.retaliation)} "
                  f"retaliations, {len(spec.trade_cost)} trade-cost changes, {len(spec.purchase)} purchase "
                  f"commitments; world {base.name}")
    if rows:
        print_frame(pd.DataFrame(rows), title="Actions", digits=1)
    for when in spec.scenario.evaluation_dates():
        compiled = compile_scenario(loaded, base, date=when, lists_dir=lists)
        if not compiled.coverage.empty:
            print_frame(compiled.coverage.drop(columns=["date"]),
                        title=f"Coverage on {compiled.date or 'all actions'} (USD millions)", digits=1)
            totals = compiled.tariffs[compiled.tariffs["sector"] == "all"]
            print_frame(totals.drop(columns=["sector"]), title="Trade-weighted average tariffs (percent)", digits=2)
        for warning in compiled.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print("[green]ok[/green]")


@scenario_app.command("coverage")
def scenario_coverage(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file or bundled scenario name.")],
    weights: Annotated[Path | None, typer.Option("--weights", help="Product-level trade weights (CSV/Parquet).")
                       ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluation date (YYYY-MM-DD).")] = None,
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    lists: Annotated[Path | None, typer.Option("--lists", help="Folder of named product lists.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write coverage.csv and tariffs.csv here.")
                   ] = None,
) -> None:
    """Value of trade each action covers on a date, and average tariffs before and after."""
    from tariffsim.data import load_world
    from tariffsim.scenario import compile_scenario, load_scenario

    loaded = load_scenario(scenario)
    base = load_world(world or loaded.spec.scenario.world, base_dir=loaded.base_dir)
    compiled = compile_scenario(loaded, base, date=_parse_date(date), weights=_weights(weights), lists_dir=lists)
    print_frame(compiled.coverage.drop(columns=["date"]),
                title=f"Coverage on {compiled.date or 'all actions'} (USD millions)", digits=1)
    print_frame(compiled.tariffs, title="Trade-weighted average tariffs (percent)", digits=2, max_rows=200)
    for warning in compiled.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        compiled.coverage.to_csv(out / "coverage.csv", index=False)
        compiled.tariffs.to_csv(out / "tariffs.csv", index=False, float_format="%.6g")
        console.print(f"wrote coverage.csv and tariffs.csv to {out}")


def _short(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if hasattr(value, "all_except"):
        return "all except " + ", ".join(value.all_except)
    return str(value)


# ---------------------------------------------------------------------- data
def _register_data() -> None:
    from tariffsim.cli_data import data_app

    app.add_typer(data_app, name="data")


_register_data()


# ---------------------------------------------------------------------- report, runs
def _register_report() -> None:
    from tariffsim.cli_report import report_command, runs_app

    app.command("report")(report_command)
    app.add_typer(runs_app, name="runs")


_register_report()


# ---------------------------------------------------------------------- estimate
def _register_estimate() -> None:
    from tariffsim.cli_estimate import estimate_command

    app.command("estimate")(estimate_command)


_register_estimate()


# ---------------------------------------------------------------------- replicate
@app.command("replicate")
def replicate_command(
    name: Annotated[str | None, typer.Argument(help="Reproduction name; omit to list them.")] = None,
    data: Annotated[Path, typer.Option("--data", help="Data root (e.g. ../shared/data).")] = Path("../shared/data"),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default out/replicate/NAME).")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="Mode, where a reproduction has several "
                                             "(yotov2016-app1: exact or book; cp2015-nafta: original or tidy; "
                                             "china-retaliation-2018: exact or linear; us-2018-deadweight: "
                                             "china_and_others or china_only).")] = None,
) -> None:
    """Rerun a published analysis from public data and compare with the published numbers."""
    from tariffsim import replicate

    if name is None:
        for key in replicate.available():
            module = replicate.get(key)
            console.print(f"[bold]{key}[/bold]  {module.TITLE}")
        return
    options = {} if mode is None else {"mode": mode}
    target = out or Path("out/replicate") / name
    rep = replicate.run(name, data, target, **options)
    print_frame(rep.comparison, title=f"{name}: ours beside the published numbers", digits=4)
    for note in rep.notes:
        console.print(note)
    console.print(f"wrote {', '.join(p.name for p in rep.files)} to {target}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning library errors into one line and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="tariffsim", standalone_mode=False)
    except TariffsimError as exc:
        if debug:
            traceback.print_exc()
        else:
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except typer.TyperException as exc:  # usage errors: unknown command, bad option
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"error: {exc}", markup=False, highlight=False)
        return int(getattr(exc, "exit_code", 2) or 2)
    except Exception as exc:  # an unexpected failure: one line, or the traceback with --debug
        if debug:
            raise
        err_console.print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                          markup=False, highlight=False, soft_wrap=True)
        return 1
    return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
