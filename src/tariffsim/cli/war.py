"""``tariffsim war``: optimal tariffs and Nash tariffs (where a trade war ends)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tariffsim.cli._console import console, err_console, path_option, print_frame, safe
from tariffsim.errors import TariffsimError

__all__ = ["war_app"]

war_app = typer.Typer(help="Trade wars: each government's optimal tariffs, and the Nash tariffs where a war ends.",
                      no_args_is_help=True)


def _source(source: str) -> tuple[Any, Any]:
    """(World, loaded scenario or None) from a World or a scenario."""
    from tariffsim.data.worlds import BUNDLED_WORLDS
    from tariffsim.scenario import bundled_scenarios

    if not (source.endswith(".toml") or (source in bundled_scenarios() and source not in BUNDLED_WORLDS)):
        from tariffsim.data import load_world

        return load_world(source), None
    from tariffsim.runs import baseline_world
    from tariffsim.scenario import load_scenario

    loaded = load_scenario(source)
    return baseline_world(loaded), loaded


def _given(value: str | None, default: str) -> str:
    """The option's value when given (empty text included: it is then an error downstream), else the default."""
    return default if value is None else value


def _play(kind: str, source: str, players: str | None, instrument: str | None, sectors: str | None,
          objective: str | None, weights: Path | None, upper: float | None, model: str | None,
          closure: str | None, date: str | None, out: Path, report: bool) -> None:
    from tariffsim.data.user_tables import read_table
    from tariffsim.games.war import GameSpec, play
    from tariffsim.models import MODELS
    from tariffsim.runs import as_date, check_output_folder

    check_output_folder(out)
    world, loaded = _source(source)
    if loaded is None and date is not None:
        raise TariffsimError("--date picks a scenario's tariffs to start from; this source is a World")
    game = None if loaded is None else loaded.spec.game
    names = [p.strip() for p in players.split(",") if p.strip()] if players is not None else (
        list(game.players) if game is not None else [])
    if not names:
        raise TariffsimError("give the players, e.g. --players USA,CHN (or a [game] table in the scenario)")
    table = None
    weights_file = weights
    if weights_file is None and game is not None and game.weights is not None:
        # A file the scenario names: inside the folders a scenario may read (docs/scenarios.md).
        from tariffsim.scenario.loader import FileRefused

        try:
            weights_file = loaded.file_access().resolve(game.weights, loaded.base_dir, "game.weights")
        except FileRefused as exc:
            raise TariffsimError(f"{loaded.path}: key 'game.weights': {exc}") from None
    if weights_file is not None:
        table = read_table(weights_file, ["country", "sector", "lambda"], text_columns=("country", "sector"))
    spec = GameSpec(
        kind=kind,  # type: ignore[arg-type]
        players=tuple(names),
        instrument=_given(instrument, game.instrument if game else "mfn"),  # type: ignore[arg-type]
        sectors=_given(sectors, game.sectors if game else "each"),  # type: ignore[arg-type]
        objective=_given(objective, game.objective if game else "welfare"),  # type: ignore[arg-type]
        weights=table,
        upper=upper if upper is not None else (game.upper if game else 2.25),
        lower=game.lower if game else 0.0,
        subsidies=game.subsidies if game else False)
    shock = None
    when = None
    label = source
    if loaded is not None:
        from tariffsim.scenario import compile_scenario

        when = as_date(date, "--date") if date is not None else (loaded.spec.scenario.evaluation_dates() or [None])[-1]
        shock = compile_scenario(loaded, world, date=when).shock
        label = loaded.spec.scenario.name
    family = _given(model, loaded.spec.scenario.model if loaded is not None else "gravity")
    if family not in MODELS:
        raise TariffsimError(f"model '{family}' is not one of {', '.join(MODELS)}")
    settings = {} if closure is None else {"closure": closure}
    if loaded is not None and closure is None and family != "ossa":
        settings = {"closure": loaded.spec.scenario.closure}
    chosen = MODELS[family](**settings)

    def progress(round_: int, player: str, change: float) -> None:
        if err_console.is_terminal:
            err_console.print(f"round {round_}: {safe(player)} moved its tariffs by up to {change:.2g}",
                              highlight=False)

    war = play(world, spec, model=chosen, scenario=shock, label=label, date=when, progress=progress)
    files = war.write(out, report=report)
    print_frame(war.tables["players"], title=f"{'Nash' if kind == 'nash' else 'Optimal'} tariffs: players "
                "(objective hats, tariffs in percent)", digits=3)
    countries = war.tables["countries"][["country", "welfare_pct", "real_gdp_pct", "imports_pct"]]
    print_frame(countries, title="Welfare by country (percent change from the baseline World)", digits=3)
    console.print(f"wrote {safe(', '.join(p.name for p in files))} to {safe(out)}", highlight=False)
    if report:
        console.print(f"report: {safe(out / 'report.html')}", highlight=False)


Source = Annotated[str, typer.Argument(help="A World (bundled name or folder) or a scenario (TOML file or bundled "
                                       "name) whose tariffs on --date are the start and whose \\[game] table gives "
                                       "defaults.")]
Players = Annotated[str | None, typer.Option("--players", help="The governments that choose, e.g. USA,CHN; every "
                                             "other country keeps its tariffs.", show_default=False)]
InstrumentOpt = Annotated[str | None, typer.Option("--instrument", help="mfn (one rate per sector for all partners, "
                                                   "default) or bilateral (one per partner).", show_default=False)]
Sectors = Annotated[str | None, typer.Option("--sectors", help="each (one rate per sector, default) or uniform.",
                                             show_default=False)]
ObjectiveOpt = Annotated[str | None, typer.Option("--objective", help="welfare (real income, default) or political "
                                                  "(Ossa's government welfare; needs --weights).",
                                                  show_default=False)]
Weights = Annotated[Path | None, path_option("--weights", help="Political weights: CSV with country, sector, "
                                             "lambda.", show_default=False)]
Upper = Annotated[float | None, typer.Option("--upper", help="Cap on every tariff, fraction (default 2.25 = 225 %).",
                                             show_default=False)]
ModelOpt = Annotated[str | None, typer.Option("--model", help="gravity, multisector or ossa (default the "
                                              "scenario's, else gravity).", show_default=False)]
ClosureOpt = Annotated[str | None, typer.Option("--closure", help="fixed_level, fixed_ratio or balanced.",
                                                show_default=False)]
DateOpt = Annotated[str | None, typer.Option("--date", help="Scenario date whose tariffs start the game "
                                             "(YYYY-MM-DD; default its last).", show_default=False)]
Out = Annotated[Path, path_option("--out", "-o", help="Output folder (new, empty, or an earlier war's).")]
Report = Annotated[bool, typer.Option("--report", help="Also write report.html into the output folder.")]


@war_app.command("nash")
def war_nash(source: Source, players: Players = None, instrument: InstrumentOpt = None, sectors: Sectors = None,
             objective: ObjectiveOpt = None, weights: Weights = None, upper: Upper = None, model: ModelOpt = None,
             closure: ClosureOpt = None, date: DateOpt = None, out: Out = Path("out/war"),
             report: Report = False) -> None:
    """Nash tariffs: every player best-responds to the others until no tariff moves (a trade war's end)."""
    _play("nash", source, players, instrument, sectors, objective, weights, upper, model, closure, date, out, report)


@war_app.command("optimal")
def war_optimal(source: Source, players: Players = None, instrument: InstrumentOpt = None, sectors: Sectors = None,
                objective: ObjectiveOpt = None, weights: Weights = None, upper: Upper = None,
                model: ModelOpt = None, closure: ClosureOpt = None, date: DateOpt = None,
                out: Out = Path("out/war"), report: Report = False) -> None:
    """Each player's optimal tariffs with every other tariff at the start (no retaliation)."""
    _play("optimal", source, players, instrument, sectors, objective, weights, upper, model, closure, date, out,
          report)

