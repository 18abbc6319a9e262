"""``tariffsim talks``: trade talks — the gap between two positions, what a balance target takes, a whole case.

A thin shell over :mod:`tariffsim.games` (:func:`~tariffsim.games.gap.position_gap`,
:func:`~tariffsim.games.targets.find_target`, :func:`~tariffsim.games.talks.run_talks`):
inputs are checked before anything is solved, and every library error is one line and
exit code 2 (unknown party, a target out of reach, an instrument that does not move the
balance).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tariffsim.cli._console import console, path_option, print_frame, safe, warn
from tariffsim.errors import TariffsimError

if TYPE_CHECKING:
    import pandas as pd

    from tariffsim.games.gap import Gap
    from tariffsim.games.targets import TargetResult

__all__ = ["talks_app"]

talks_app = typer.Typer(help="Trade talks: how far apart two positions are, what a balance target takes, and a "
                             "whole talks case with its report.", no_args_is_help=True)


def _names(text: str | None, what: str) -> list[str] | None:
    if text is None:
        return None
    names = [p.strip() for p in text.split(",")]
    if len(names) != 2 or not all(names):
        raise TariffsimError(f"{what} are two country labels separated by a comma (e.g. USA,CHN); got '{text}'")
    return names


def _weights(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        raise TariffsimError(f"--weights are two numbers separated by a comma (e.g. 1,1); got '{text}'") from None
    if len(values) != 2:
        raise TariffsimError(f"--weights are two numbers, one per party; got '{text}'")
    return values


def _check_threat(threat: str, allow_paths: tuple[Path, ...]) -> None:
    """A threat scenario is read now, so that a mistyped one fails before anything is solved."""
    if threat in ("nash", "status-quo"):
        return
    if not threat.strip():
        raise TariffsimError("--threat is nash, status-quo or a scenario (file or bundled name); got empty text")
    from tariffsim.scenario import load_scenario

    load_scenario(threat, allow_paths=allow_paths)


@talks_app.command("gap")
def gap_command(
    position_a: Annotated[str, typer.Argument(help="Position A: scenario file or bundled scenario name.")],
    position_b: Annotated[str, typer.Argument(help="Position B: scenario file or bundled scenario name.")],
    world: Annotated[str | None, typer.Option("--world", help="Baseline world (bundled name or World folder); "
                                              "default position A's.")] = None,
    threat: Annotated[str, typer.Option("--threat", help="What happens if talks fail: nash (the two parties' "
                                        "Nash trade war), status-quo, or a scenario.")] = "nash",
    parties: Annotated[str | None, typer.Option("--parties", help="The two parties, e.g. USA,CHN (default: the "
                                                "two countries the positions involve).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model: gravity, multisector or ossa (default "
                                              "position A's).", show_default=False)] = None,
    date: Annotated[str | None, typer.Option("--date", help="Evaluate the positions (and a threat scenario) on "
                                             "this date (YYYY-MM-DD).")] = None,
    sectors: Annotated[str, typer.Option("--sectors", help="Bargain over one tariff per sector (each) or one "
                                         "uniform tariff (uniform) per side.")] = "uniform",
    weights: Annotated[str | None, typer.Option("--weights", help="Bargaining weights of the two parties, e.g. "
                                                "1,1.")] = None,
    out: Annotated[Path | None, path_option("--out", "-o", help="Also write the gap's tables into this folder.",
                                            show_default=False)] = None,
    allow_path: Annotated[list[Path] | None, path_option("--allow-path", help="A folder the positions' files may "
                                                          "also read; repeatable.", show_default=False)] = None,
) -> None:
    """How far apart two positions are: each party's outcome under the status quo, both positions, the threat,
    the Nash trade war and the Nash bargain; who prefers what to the threat; the zone of possible agreement;
    the distance; the split-the-difference point."""
    from tariffsim._json import check_folder_target
    from tariffsim.games.gap import position_gap
    from tariffsim.games.instruments import SectorMode
    from tariffsim.options import check_choice
    from tariffsim.runs import as_date

    if out is not None:
        check_folder_target(out)
    check_choice(sectors, SectorMode, "--sectors")
    when = as_date(date, "--date") if date is not None else None
    pair = _names(parties, "--parties")
    beta = _weights(weights)
    allowed = tuple(allow_path or ())
    _check_threat(threat, allowed)
    gap = position_gap(position_a, position_b, world=world, parties=pair, threat=threat, model=model, date=when,
                       sectors=sectors, weights=beta, allow_paths=allowed)  # type: ignore[arg-type]
    _print_gap(gap)
    if out is not None:
        files = _write_tables(out, gap.tables())
        console.print(f"wrote {safe(', '.join(p.name for p in files))} to {safe(out)}", highlight=False,
                      soft_wrap=True)


def _print_gap(gap: Gap) -> None:
    a, b = gap.parties
    names = [p.name for p in gap.positions]
    console.print(f"[bold]{safe(names[0])}[/bold] vs [bold]{safe(names[1])}[/bold]: parties {safe(a)} and "
                  f"{safe(b)}; threat: {safe(gap.threat.label)}", highlight=False, soft_wrap=True)
    shown = gap.outcomes.drop(columns=["kind"]).rename(columns={
        "welfare_pct": "welfare %", "real_gdp_pct": "real GDP %", "balance_musd": "balance $m",
        "tariff_on_other_pct": "tariff on other %", "tariff_of_other_pct": "other's tariff %",
        "gain_over_threat_pp": "gain vs threat (pts)", "better_than_threat": "prefers to threat"})
    print_frame(shown, title="Outcomes (percent change from baseline; balance with the other party in USD "
                             "millions; tariffs weighted by baseline trade)", digits=4)
    print_frame(gap.distance, title="Distance between the positions (A minus B)", digits=3)
    print_frame(gap.zone, title="Zone of possible agreement on the frontier (welfare, percent)", digits=4)
    bargain = gap.bargain
    console.print(f"bargain: {safe(bargain.message)}", highlight=False, soft_wrap=True)
    print_frame(bargain.gains, title="Nash bargain: welfare under the threat and the bargain (percent)", digits=4)
    console.print(f"split the difference: {safe(gap.split.message)}", highlight=False, soft_wrap=True)


def _write_tables(out: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    from tariffsim._json import atomic_file, output_error

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, out) from None
    files = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        with atomic_file(path) as tmp:
            table.to_csv(tmp, index=False, float_format="%.10g")
        files.append(path)
    return files


@talks_app.command("target")
def target_command(
    pair: Annotated[str, typer.Option("--pair", help="The balance of A with B (A's exports to B minus its imports "
                                      "from B), e.g. CHN:USA.")],
    balance_change: Annotated[float, typer.Option("--balance-change", help="The change asked for, USD millions "
                                                  "(e.g. -200000).")],
    instrument: Annotated[list[str], typer.Option("--instrument", help="tariff:A:B (A's additional tariff on B), "
                                                  "purchase:A:B (A buys more from B) or tariff-cut:A:B (A cuts its "
                                                  "tariffs on B), optionally =UPPER; repeat it for a combination "
                                                  "scaled by one number.")],
    world: Annotated[str | None, typer.Option("--world", help="Baseline world (bundled name or World folder); "
                                              "default demo-2017, or the base scenario's.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="The date the target is demanded by (YYYY-MM-DD): the base "
                                           "scenario is evaluated then.")] = None,
    base: Annotated[str | None, typer.Option("--base", help="A scenario the instrument is added to (default the "
                                             "status quo).", show_default=False)] = None,
    sectors: Annotated[str | None, typer.Option("--sectors", help="Restrict the instruments to these sectors, "
                                                "e.g. AGR,ENE.", show_default=False)] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model: gravity, multisector or ossa.",
                                              show_default=False)] = None,
    max_solves: Annotated[int, typer.Option("--max-solves", help="Budget of equilibrium solves.")] = 20,
    out: Annotated[Path | None, path_option("--out", "-o", help="Write target.csv (and the costs and the search "
                                            "path) into this folder.", show_default=False)] = None,
) -> None:
    """The smallest value of an instrument that moves a bilateral balance by a stated amount, and what it costs
    each side; a target out of reach is an error that gives the closest reachable change."""
    from tariffsim._json import check_folder_target
    from tariffsim.games.targets import TargetInstrument, UnreachableTarget, find_target
    from tariffsim.runs import as_date

    if out is not None:
        check_folder_target(out)
    when = as_date(by, "--by") if by is not None else None
    chosen = [s.strip() for s in sectors.split(",")] if sectors is not None else None
    if chosen is not None and not all(chosen):
        raise TariffsimError(f"--sectors are sector labels separated by commas; got '{sectors}'")
    instruments = [TargetInstrument.parse(text, chosen) for text in instrument]
    if not instruments:
        raise TariffsimError("give an instrument, e.g. --instrument purchase:CHN:USA")
    grid = world if world is not None or base is not None else "demo-2017"
    try:
        answer = find_target(grid, pair, balance_change, instruments, base=base, by=when, model=model,
                             max_solves=max_solves)
    except UnreachableTarget as exc:
        if out is not None:
            _write_target(out, exc.result)
        raise
    _print_target(answer)
    if out is not None:
        files = _write_target(out, answer)
        console.print(f"wrote {safe(', '.join(p.name for p in files))} to {safe(out)}", highlight=False,
                      soft_wrap=True)


def _print_target(answer: TargetResult) -> None:
    console.print(f"[bold]{safe(answer.describe())}[/bold] (base: {safe(answer.base)}; {answer.diagnostics.iterations} "
                  "solves)", highlight=False, soft_wrap=True)
    print_frame(answer.costs, title="What it costs each side (change from the base: welfare and real GDP in percent, "
                                    "tariff revenue and overall trade balance in USD millions)", digits=4)
    row = answer.diversion.iloc[0]
    console.print(f"diversion: {100 * row['diversion_share']:.1f}% of the bilateral change is mirrored by "
                  f"{safe(row['country'])}'s balances with third countries (its overall balance moves by "
                  f"{row['aggregate_change_musd']:,.1f} USD m)", highlight=False, soft_wrap=True)
    if answer.pe_tariff == answer.pe_tariff:  # not NaN
        console.print(f"partial-equilibrium closed form (USTR 2025, ε = 4, φ = 0.25): {100 * answer.pe_tariff:.1f} "
                      "points", highlight=False)


def _write_target(out: Path, answer: TargetResult) -> list[Path]:
    costs = answer.costs.copy()
    costs.insert(0, "instrument", " + ".join(i.name for i in answer.instruments))
    return _write_tables(out, {"target": answer.table(), "target_costs": costs, "target_path": answer.path})


@talks_app.command("run")
def run_command(
    case: Annotated[str, typer.Argument(help="A bundled talks case (talks-may-2018) or a talks case file.")],
    world: Annotated[str | None, typer.Option("--world", help="Override the case's baseline world (bundled name "
                                              "or World folder).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model: gravity, multisector or ossa (default the "
                                              "first position's).", show_default=False)] = None,
    report: Annotated[bool, typer.Option("--report", help="Also write the HTML report (report.html).")] = False,
    out: Annotated[Path, path_option("--out", "-o", help="Output folder for the tables, talks.json and the "
                                     "report.")] = Path("out/talks"),
    allow_path: Annotated[list[Path] | None, path_option("--allow-path", help="A folder the case's files may also "
                                                          "read; repeatable.", show_default=False)] = None,
) -> None:
    """Answer a whole talks case: the threat, the target, each side under each position, the war, the bargain
    and the gap; write its tables (and --report the HTML report)."""
    from tariffsim._json import check_folder_target
    from tariffsim.games.talks import run_talks, talks_case

    check_folder_target(out)
    allowed = tuple(allow_path or ())
    chosen = talks_case(case, allow_paths=allowed)
    run = run_talks(chosen, world=world, model=model, allow_paths=allowed)
    _print_gap(run.gap)
    for answer in run.targets:
        line = answer.describe()
        if answer.reached:
            console.print(f"target: {safe(line)}", highlight=False, soft_wrap=True)
        else:
            warn(f"target: {line}")
    files = run.write(out, report=report)
    console.print(f"wrote {len(files)} files to {safe(out)}", highlight=False, soft_wrap=True)
    if report:
        console.print(f"report: {safe(out / 'report.html')}", highlight=False, soft_wrap=True)
