"""``tariffsim scenario``: list the bundled scenarios, check a scenario, show its coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from tariffsim._json import check_folder_target, write_csv
from tariffsim.cli._console import console, path_option, print_frame, safe, warn

__all__ = ["scenario_app"]

scenario_app = typer.Typer(help="Check scenarios and their coverage.", no_args_is_help=True)


@scenario_app.command("list")
def scenario_list() -> None:
    """List the bundled scenarios."""
    from tariffsim.scenario import bundled_scenario_path, bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        head = load_scenario(bundled_scenario_path(name)).spec.scenario
        console.print(f"[bold]{safe(name)}[/bold]  {safe(head.description)}", highlight=False)


@scenario_app.command("check")
def scenario_check(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file or bundled scenario name.")],
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    lists: Annotated[Path | None, path_option("--lists", help="Folder of named product lists.")] = None,
    allow_path: Annotated[list[Path] | None, path_option("--allow-path", help="A folder the scenario's files may "
                                                          "also read (repeatable).", show_default=False)] = None,
) -> None:
    """Validate a scenario: print its actions, their coverage on each evaluation date, and warnings."""
    from tariffsim.runs import baseline_world, lists_folder
    from tariffsim.scenario import compile_scenario, load_scenario

    lists = None if lists is None else lists_folder(lists)
    allowed = tuple(allow_path or ())
    loaded = load_scenario(scenario, allow_paths=allowed)
    spec = loaded.spec
    base = baseline_world(loaded, world, allow_paths=allowed)
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
    console.print(f"[bold]{safe(spec.scenario.name)}[/bold]: {len(spec.action)} actions, {len(spec.retaliation)} "
                  f"retaliations, {len(spec.trade_cost)} trade-cost changes, {len(spec.purchase)} purchase "
                  f"commitments; world {safe(base.name)}")
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
            warn(warning)
    console.print("[green]ok[/green]")


@scenario_app.command("coverage")
def scenario_coverage(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file or bundled scenario name.")],
    weights: Annotated[Path | None, path_option("--weights", help="Product-level trade weights (CSV/Parquet).")
                       ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluation date (YYYY-MM-DD).")] = None,
    world: Annotated[str | None, typer.Option("--world", help="Override the scenario's baseline world.")] = None,
    lists: Annotated[Path | None, path_option("--lists", help="Folder of named product lists.")] = None,
    out: Annotated[Path | None, path_option("--out", "-o", help="Also write coverage.csv and tariffs.csv here.")
                   ] = None,
    allow_path: Annotated[list[Path] | None, path_option("--allow-path", help="A folder the scenario's files may "
                                                          "also read (repeatable).", show_default=False)] = None,
) -> None:
    """Value of trade each action covers on a date, each Section 301 list's covered value beside its announced
    and 2018 Census values, and average tariffs before and after."""
    from tariffsim.runs import as_date, baseline_world, lists_folder, read_weights
    from tariffsim.scenario import compile_scenario, load_scenario
    from tariffsim.scenario.compiler import list_coverage

    when = as_date(date, "--date")
    if out is not None:
        check_folder_target(out)
    lists = None if lists is None else lists_folder(lists)
    allowed = tuple(allow_path or ())
    loaded = load_scenario(scenario, allow_paths=allowed)
    base = baseline_world(loaded, world, allow_paths=allowed)
    compiled = compile_scenario(loaded, base, date=when, weights=None if weights is None else read_weights(weights),
                                lists_dir=lists)
    print_frame(compiled.coverage.drop(columns=["date", "list", "announced_usd_m", "census_2018_usd_m"]),
                title=f"Coverage on {compiled.date or 'all actions'} (USD millions)", digits=1)
    lists_table = list_coverage(compiled.coverage)
    if len(lists_table):
        print_frame(lists_table, digits=2,
                    title=f"Section 301 lists on {compiled.date or 'all actions'}: trade covered in the World "
                    f"({base.name or 'baseline'}) beside the announced value (USTR) and 2018 US Census value "
                    "(USD millions; the World's flows may be smaller than Census's: docs/scenarios.md)")
    print_frame(compiled.tariffs, title="Trade-weighted average tariffs (percent)", digits=2, max_rows=200)
    for warning in compiled.warnings:
        warn(warning)
    if out is not None:
        tables = {"coverage.csv": (compiled.coverage, None), "tariffs.csv": (compiled.tariffs, "%.6g")}
        if len(lists_table):
            tables["lists.csv"] = (lists_table, None)
        _write_tables(out, tables)
        console.print(f"wrote {', '.join(tables)} to {safe(out)}", highlight=False, soft_wrap=True)


def _write_tables(folder: Path, tables: dict[str, tuple[pd.DataFrame, str | None]]) -> None:
    """Write CSV files into ``folder``, each atomically."""
    check_folder_target(folder)
    for name, (table, fmt) in tables.items():
        write_csv(folder / name, table, float_format=fmt)


def _short(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if hasattr(value, "all_except"):
        return "all except " + ", ".join(value.all_except)
    return str(value)
