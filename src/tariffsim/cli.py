"""The ``tariffsim`` command: a thin shell over the library.

Every library error becomes one line on stderr and exit code 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

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


@app.command("run")
def run_command(
    scenario: Annotated[str | None, typer.Argument(help="Scenario TOML file or bundled scenario name.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/run"),
    demo: Annotated[bool, typer.Option("--demo", help="Run the bundled demo scenario.")] = False,
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
) -> None:
    """Run a scenario: compile it, solve the counterfactual, write tables and run.json."""
    from tariffsim.data import load_world
    from tariffsim.models import GravityModel, simulate
    from tariffsim.options import Numeraire
    from tariffsim.scenario import bundled_scenario_path, compile_scenario, load_scenario

    if scenario is None:
        if not demo:
            raise TariffsimError("give a scenario file, or --demo for the bundled demo scenario")
        scenario = str(bundled_scenario_path("demo"))
    loaded = load_scenario(scenario)
    head = loaded.spec.scenario
    base = load_world(world or head.world, base_dir=loaded.base_dir)
    shock = compile_scenario(loaded, base)
    model = GravityModel(closure=head.closure, numeraire=Numeraire.parse(head.numeraire))
    result = simulate(base, shock, model=model)
    files = result.write(out, extra={"scenario": {"name": head.name, "file": str(loaded.path),
                                                  "text": loaded.text}})
    console.print(f"[bold]{head.name}[/bold]: {head.description}".rstrip(": "))
    console.print(f"baseline {base.name} ({base.year}); model {model.name}, closure {model.closure}, "
                  f"numeraire {model.numeraire}")
    print_frame(summary_table(result.countries),
                title="Effects by country (percent change from baseline; trade balance and tariff revenue "
                "in USD bn, baseline and counterfactual 'cf')")
    d = result.diagnostics
    console.print(f"solver: {d.method}, {d.iterations} iterations, market-clearing residual "
                  f"{result.equilibrium.market_clearing_residual():.1e}, {d.seconds * 1e3:.0f} ms")
    console.print(f"wrote {', '.join(p.name for p in files)} to {out}")


# ---------------------------------------------------------------------- replicate
@app.command("replicate")
def replicate_command(
    name: Annotated[str | None, typer.Argument(help="Reproduction name; omit to list them.")] = None,
    data: Annotated[Path, typer.Option("--data", help="Data root (e.g. ../shared/data).")] = Path("../shared/data"),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default out/replicate/NAME).")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="Mode, where a reproduction has several "
                                             "(yotov2016-app1: exact or book).")] = None,
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
    except Exception as exc:  # click usage errors and unexpected failures
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return 2
        if debug:
            raise
        err_console.print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                          markup=False, highlight=False, soft_wrap=True)
        return 1
    return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
