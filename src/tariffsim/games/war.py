"""A trade war (or one government's optimal tariffs) as one call, with tables to write and report.

:func:`play` is what the ``tariffsim war`` command, the scenario language's ``[game]``
table and the web app call: it builds the players from a :class:`GameSpec`, starts
from the World's tariffs or a scenario's on a date, runs :func:`nash_tariffs` (or
:func:`optimal_tariffs` for each player with the others passive) and returns a
:class:`WarRun` whose :meth:`WarRun.write` lays out a folder the report reads.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim._json import check_folder_target, dumps, output_error
from tariffsim.errors import DataError, ModelError
from tariffsim.games.instruments import DEFAULT_UPPER, Instrument
from tariffsim.games.nash import NashTariffs, nash_tariffs
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import OptimalTariffs, Player, best_response
from tariffsim.games.systems import game_system
from tariffsim.options import SolverOptions, check_choice
from tariffsim.report.war import WAR_TABLES, write_war_report
from tariffsim.results import Result
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["GameSpec", "WarRun", "play", "WAR_TABLES", "GameKind", "InstrumentKind"]

FloatArray = NDArray[np.float64]
GameKind = Literal["nash", "optimal"]
InstrumentKind = Literal["mfn", "bilateral"]
SectorKind = Literal["each", "uniform"]
ObjectiveKind = Literal["welfare", "political"]



@dataclass(frozen=True, eq=False)
class GameSpec:
    """What is played.

    Parameters
    ----------
    kind
        ``"nash"`` (every player best-responds until no one moves) or ``"optimal"``
        (each player's optimal tariffs with everyone else at the starting profile).
    players
        The governments that choose; every other country keeps its tariffs.
    instrument
        ``"mfn"`` (one rate per sector for all partners) or ``"bilateral"`` (one per partner).
    sectors
        ``"each"`` (one rate per sector) or ``"uniform"`` (one rate for all sectors).
    objective
        ``"welfare"`` (real income) or ``"political"`` (Ossa's government welfare with ``weights``).
    weights
        Political weights: a table ``country, sector, lambda`` (missing rows are 1).
    upper, lower, subsidies
        Bounds of every controlled rate (fractions); negative ``lower`` needs ``subsidies``.
    update, damping
        Best-response iteration settings (:func:`~tariffsim.games.nash_tariffs`).
    """

    kind: GameKind = "nash"
    players: tuple[str, ...] = ()
    instrument: InstrumentKind = "mfn"
    sectors: SectorKind = "each"
    objective: ObjectiveKind = "welfare"
    weights: pd.DataFrame | None = None
    upper: float = DEFAULT_UPPER
    lower: float = 0.0
    subsidies: bool = False
    update: Literal["simultaneous", "sequential"] = "simultaneous"
    damping: float = 1.0

    def __post_init__(self) -> None:
        check_choice(self.kind, GameKind, "game kind")
        check_choice(self.instrument, InstrumentKind, "instrument")
        check_choice(self.sectors, SectorKind, "sectors")
        check_choice(self.objective, ObjectiveKind, "objective")
        object.__setattr__(self, "players", tuple(self.players))
        if not self.players:
            raise ModelError("a game needs at least one player, e.g. players=('USA', 'CHN')")
        if len(set(self.players)) != len(self.players):
            raise ModelError(f"each country plays once; got {', '.join(self.players)}")
        if self.objective == "political" and self.weights is None:
            raise ModelError("the political objective needs weights: a table country, sector, lambda")

    def build(self) -> list[Player]:
        """The players, each with its instrument and objective."""
        objective = (Objective.political(self.weights) if self.objective == "political" and self.weights is not None
                     else Objective.welfare())
        partners: Literal["each", "mfn"] = "each" if self.instrument == "bilateral" else "mfn"
        return [Player(Instrument(country, partners=partners, sectors=self.sectors, lower=self.lower,
                                  upper=self.upper, subsidies=self.subsidies), objective)
                for country in self.players]

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "players": list(self.players), "instrument": self.instrument,
                "sectors": self.sectors, "objective": self.objective, "upper": self.upper, "lower": self.lower,
                "subsidies": self.subsidies, "update": self.update, "damping": self.damping}


@dataclass(frozen=True, eq=False)
class WarRun:
    """A played game: the outcome, its tables and what it was played on. Read-only until written."""

    spec: GameSpec
    world: World
    model: dict[str, Any]
    start: FloatArray
    result: Result
    tables: dict[str, pd.DataFrame]
    diagnostics: dict[str, Any]
    label: str = ""
    date: dt.date | None = None
    outcome: Any = field(default=None, repr=False)

    def record(self) -> dict[str, Any]:
        """Everything about the game except its tables, JSON-serialisable (``war.json``)."""
        return {"label": self.label, "date": None if self.date is None else self.date.isoformat(),
                "game": self.spec.record(), "model": self.model,
                "world": {"name": self.world.name, "year": self.world.year, "countries": self.world.n_countries,
                          "sectors": self.world.n_sectors, "sources": dict(self.world.sources)},
                "diagnostics": self.diagnostics}

    def write(self, folder: str | Path, *, report: bool = False) -> list[Path]:
        """Write ``war.json`` and the tables (and ``report.html``) into ``folder``, atomically: the
        folder appears whole or not at all; an earlier war folder there is replaced, anything else refused."""
        target = check_folder_target(folder)
        if target.exists() and any(target.iterdir()) and not (target / "war.json").exists():
            raise DataError("the folder holds files that are not a war's; choose an empty or new folder",
                            file=str(target))
        tmp = target.with_name(f".{target.name}.war-{uuid.uuid4().hex}.tmp")
        try:
            tmp.mkdir(parents=True)
            (tmp / "war.json").write_text(dumps(self.record()), encoding="utf-8")
            for name, table in self.tables.items():
                table.to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
            if report:
                write_war_report(tmp, tmp / "report.html")
            if target.exists():
                old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}.tmp")
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except OSError as exc:
            raise output_error(exc, target) from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return sorted(target.iterdir())


def play(
    world: World,
    spec: GameSpec,
    *,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    scenario: Shock | None = None,
    label: str = "",
    date: dt.date | None = None,
    progress: Any = None,
) -> WarRun:
    """Play ``spec`` on ``world``, starting from ``scenario``'s tariffs (default the World's).

    The scenario's iceberg trade-cost changes stay in force; its tariffs are the
    starting profile, from which non-players never move.
    """
    game = game_system(world, model, solver=solver, scenario=scenario)
    base = game.world
    start = np.array(base.tariffs if scenario is None or scenario.tariffs is None else scenario.new_tariffs(base),
                     dtype=np.float64)
    players = spec.build()
    for player in players:
        base.country_index(player.country)
    settings = dict(game.model.settings())
    if spec.kind == "nash":
        outcome: NashTariffs | list[OptimalTariffs] = nash_tariffs(
            game, players, profile=start, update=spec.update, damping=spec.damping, progress=progress)
        assert isinstance(outcome, NashTariffs)
        result = outcome.result
        end = outcome.profile
        responses = outcome.responses
        path = outcome.history
        diagnostics = outcome.diagnostics.as_dict()
        objectives = {str(c): (float(a), float(b)) for c, a, b in zip(outcome.objectives["country"],
                                                                       outcome.objectives["objective_start"],
                                                                       outcome.objectives["objective_nash"],
                                                                       strict=True)}
    else:
        responses = {}
        for k, player in enumerate(players):
            if progress is not None:
                progress(1, player.country, float(k))
            responses[player.country] = best_response(game, player, start)
        end = start.copy()
        for player in players:
            bound = player.instrument.bind(base)
            end = bound.apply(responses[player.country].params, end)
        result = responses[players[0].country].result if len(players) == 1 else None  # type: ignore[assignment]
        path = pd.DataFrame(columns=["round", "player", "max_change", "objective"])
        diagnostics = {"converged": True, "players": {c: r.diagnostics.as_dict() for c, r in responses.items()}}
        objectives = {c: (r.objective_start, r.objective) for c, r in responses.items()}
        if result is None:  # several players' optima taken together: the equilibrium at that profile
            from tariffsim.models import simulate

            result = simulate(base, Shock.from_arrays(base, tariffs=end, trade_cost_hat=getattr(game, "tau_hat",
                                                                                                 None)),
                              model=game.model, solver=solver)
    tables = _tables(base, players, start, end, result, responses, objectives, path)
    return WarRun(spec=spec, world=base, model=settings, start=start, result=result, tables=tables,
                  diagnostics=diagnostics, label=label, date=date,
                  outcome=outcome if spec.kind == "nash" else responses)


def _tables(world: World, players: list[Player], start: FloatArray, end: FloatArray, result: Result,
            responses: dict[str, OptimalTariffs], objectives: dict[str, tuple[float, float]],
            path: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rows = []
    summary = []
    flows = np.asarray(world.flows)
    for player in players:
        bound = player.instrument.bind(world)
        j = bound.importer
        cells = [(i, s) for i in bound.partners for s in bound.sectors]
        for i, s in cells:
            rows.append({"importer": player.country, "exporter": world.countries[i], "sector": world.sectors[s],
                         "tariff_start_pct": 100.0 * start[i, j, s], "tariff_pct": 100.0 * end[i, j, s],
                         "trade_base_usd_m": flows[i, j, s]})
        values = np.array([end[i, j, s] for i, s in cells])
        weights = np.array([flows[i, j, s] for i, s in cells])
        response = responses[player.country]
        before, after = objectives[player.country]
        summary.append({
            "country": player.country, "objective": str(player.objective),
            "objective_start": before, "objective_end": after,
            "objective_change_pct": 100.0 * (after / before - 1.0),
            "median_tariff_pct": 100.0 * float(np.median(values)),
            "trade_weighted_tariff_pct": 100.0 * float((values * weights).sum() / weights.sum())
            if weights.sum() > 0 else float("nan"),
            "kkt_residual": response.kkt_residual})
    starts = pd.concat([r.starts.assign(player=c) for c, r in responses.items()], ignore_index=True)
    starts = starts[["player", *[c for c in starts.columns if c != "player"]]]
    return {"tariffs": pd.DataFrame(rows), "players": pd.DataFrame(summary), "countries": result.countries,
            "path": path, "starts": starts}
