"""What the app's jobs do: each calls the library once (``run_scenario`` or ``run_uncertain``, ``play``,
``position_gap``, ``find_target``) and keeps what the result pages show.

Nothing here orchestrates a run: the options a person gives in the browser are checked, turned into
the library's arguments, and handed over; progress comes back through the library's callbacks, and
cancellation rides on them (:meth:`tariffsim.web.jobs.Job.report`).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tariffsim.errors import ModelError, TariffsimError
from tariffsim.report.views import Section, Table
from tariffsim.web.jobs import Job
from tariffsim.web.worlds import WorldShelf

if TYPE_CHECKING:
    from tariffsim.runs import RunProgress
    from tariffsim.scenario import LoadedScenario
    from tariffsim.uncertainty import DrawProgress

__all__ = ["RunOptions", "GameResult", "run_work", "war_work", "gap_work", "target_work", "parse_players",
           "RECORD_LOCK"]

RECORD_LOCK = threading.Lock()
"""One recording into the runs store at a time from this app (the store is safe across processes; this keeps its
view database from being rebuilt by two threads at once)."""


@dataclass(frozen=True)
class RunOptions:
    """What a run adds to its scenario: the evaluation date, other trade elasticities, parameter draws.

    Attributes
    ----------
    date
        Evaluate on this date only (ISO text; empty: the scenario's dates).
    elasticity
        Other trade elasticities: a set code (``BSY``; bundled Worlds) or one θ for every sector; empty:
        the World's own.
    draws
        Parameter draws (0: none; with draws the report shows bands; see docs/uncertainty.md).
    seed
        Seed of the draws (``None``: fresh entropy, recorded).
    """

    date: str = ""
    elasticity: str = ""
    draws: int = 0
    seed: int | None = None

    def checked(self, max_draws: int) -> RunOptions:
        """The options, refused with one line when they cannot be run."""
        from tariffsim.runs import as_date

        if self.date.strip():
            as_date(self.date, "date")
        if self.elasticity.strip():
            from tariffsim.data.sector_elasticities import parse_elasticity_choice

            parse_elasticity_choice(self.elasticity)
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or not 0 <= self.draws <= max_draws:
            raise TariffsimError(f"draws must be a whole number from 0 to {max_draws}; got {self.draws!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0):
            raise TariffsimError(f"seed must be a non-negative whole number; got {self.seed!r}")
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date, "elasticity": self.elasticity, "draws": self.draws, "seed": self.seed}


def _elasticity(text: str) -> str | float | None:
    if not text.strip():
        return None
    from tariffsim.data.sector_elasticities import parse_elasticity_choice

    return parse_elasticity_choice(text)


def run_work(loaded: LoadedScenario, options: RunOptions, worlds: WorldShelf, *, data_dir: Path | None,
             lists_dir: Path | None, executor: str = "serial") -> Any:
    """The work of a run job: solve the scenario (over draws when asked), record it in the runs store, return
    the run's id there."""

    def work(job: Job) -> str:
        world = worlds.load(loaded.spec.scenario.world, _elasticity(options.elasticity))
        dates = options.date.strip() or None
        if options.draws or loaded.spec.uncertainty is not None or loaded.spec.sweep is not None:
            from tariffsim.uncertainty import run_uncertain

            def draws(step: DrawProgress) -> None:
                job.report("draws", step.done, step.total, f"{step.failed} failed" if step.failed else "")

            job.report("central run", 0, 1)
            run: Any = run_uncertain(loaded, draws=options.draws or None, seed=options.seed, executor=executor,
                                     progress=draws, world=world, dates=dates, lists_dir=lists_dir)
        else:
            from tariffsim.runs import run_scenario

            def progress(step: RunProgress) -> None:
                when = "all actions" if step.date is None else step.date.isoformat()
                job.report(step.stage, step.done, step.total, when)

            run = run_scenario(loaded, world=world, dates=dates, lists_dir=lists_dir, progress=progress)
        job.report("record", 0, 1)
        with RECORD_LOCK:
            info = run.record(data_dir, source="tariffsim serve")
        job.report("record", 1, 1)
        return info.run_id

    return work


# ---------------------------------------------------------------------- games
@dataclass(frozen=True)
class GameResult:
    """What a game's page shows: a title, a line under it, report sections, tables for the API, and (talks) the
    standalone report."""

    title: str
    subtitle: str
    sections: list[Section]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    page: str = ""


def parse_players(text: str | Sequence[str], world_countries: Sequence[str]) -> tuple[str, ...]:
    """Players given as a list or comma-separated text, each a country of the World."""
    names = [p.strip() for p in (text.split(",") if isinstance(text, str) else text) if p and p.strip()]
    if not names:
        raise ModelError("choose at least one player")
    unknown = [n for n in names if n not in world_countries]
    if unknown:
        raise ModelError(f"players {', '.join(unknown[:5])} are not countries of the World "
                         f"({', '.join(world_countries)})")
    return tuple(names)


def war_work(world_name: str, worlds: WorldShelf, *, kind: str, players: tuple[str, ...], instrument: str,
             sectors: str, upper: float, model: str, start: LoadedScenario | None = None) -> Any:
    """The work of a trade-war job (:func:`tariffsim.games.war.play`)."""
    from tariffsim.games.war import GameSpec, play
    from tariffsim.models import MODELS

    if model not in MODELS:
        raise ModelError(f"model '{model}' is not one of {', '.join(MODELS)}")
    if not (math.isfinite(upper) and 0 < upper <= 10):
        raise ModelError(f"the cap on tariffs is a fraction above 0 and at most 10 (1000 %); got {upper}")
    spec = GameSpec(kind=kind, players=players, instrument=instrument, sectors=sectors,  # type: ignore[arg-type]
                    upper=upper)

    def work(job: Job) -> GameResult:
        from tariffsim.report.war import war_sections

        world = worlds.load(world_name)
        shock = None
        when: dt.date | None = None
        label = world_name
        if start is not None:
            from tariffsim.scenario import compile_scenario

            when = start.spec.scenario.evaluation_dates()[-1]
            shock = compile_scenario(start, world, date=when).shock
            label = start.name
        chosen = MODELS[model]()

        def progress(round_: int, player: str, change: float) -> None:
            job.report("best responses", round_, 0, f"round {round_}: {player} moved by up to {change:.2g}")

        job.report("solving", 0, 0)
        war = play(world, spec, model=chosen, scenario=shock, label=label, date=when, progress=progress)
        what = "Nash tariffs" if kind == "nash" else "Optimal tariffs"
        return GameResult(f"{what}: {', '.join(players)}", f"{label} · {world.name}" + (f" · {when}" if when else ""),
                          war_sections(war.record(), war.tables), dict(war.tables))

    return work


def gap_work(a: LoadedScenario, b: LoadedScenario, worlds: WorldShelf, *, parties: tuple[str, str] | None,
             threat: str | LoadedScenario, sectors: str) -> Any:
    """The work of a talks job: the gap between two positions (:func:`tariffsim.games.gap.position_gap`), shown as
    the talks report shows a case."""
    from tariffsim.games.instruments import SectorMode
    from tariffsim.options import check_choice

    check_choice(sectors, SectorMode, "sectors")

    def work(job: Job) -> GameResult:
        from tariffsim.games.gap import position_gap
        from tariffsim.games.talks import TalksCase, TalksRun
        from tariffsim.report.talks import MARK, render_talks_report, talks_sections

        world = worlds.load(a.spec.scenario.world)
        job.report("positions, threat, war, bargain, frontier", 0, 0)
        gap = position_gap(a, b, world=world, parties=parties, threat=threat, sectors=sectors)  # type: ignore[arg-type]
        threat_name = threat if isinstance(threat, str) else threat.name
        case = TalksCase(name=f"{a.name} vs {b.name}", parties=gap.parties, positions=(a.name, b.name),
                         threat=threat_name, sectors=sectors)  # type: ignore[arg-type]
        talks = TalksRun(case=case, gap=gap, targets=(), world=world, seconds=gap.diagnostics.seconds,
                         model=dict(gap.positions[0].model.settings()) if gap.positions[0].model is not None else {})
        record, tables = talks.record(), talks.tables()
        sections, _ = talks_sections(record, tables)
        shown = [replace(s, paragraphs=tuple(p for p in s.paragraphs if not p.startswith(MARK))) for s in sections]
        return GameResult(f"Talks: {a.name} vs {b.name}", f"parties {', '.join(gap.parties)} · threat "
                          f"{gap.threat.label} · {world.name}", shown, tables, render_talks_report(record, tables))

    return work


def target_work(world_name: str, worlds: WorldShelf, *, pair: tuple[str, str], balance_change: float,
                instruments: list[str], by: dt.date | None, base: LoadedScenario | None) -> Any:
    """The work of a target job (:func:`tariffsim.games.targets.find_target`)."""
    from tariffsim.games.targets import TargetInstrument

    if not math.isfinite(balance_change) or balance_change == 0:
        raise ModelError(f"the balance change is a non-zero number of USD millions; got {balance_change}")
    parsed = [TargetInstrument.parse(text) for text in instruments]
    if not parsed:
        raise ModelError("give an instrument, e.g. purchase:CHN:USA")

    def work(job: Job) -> GameResult:
        from tariffsim.games.targets import find_target

        world = worlds.load(world_name)
        job.report("searching", 0, 0)
        answer = find_target(world, pair, balance_change, parsed, base=base, by=by, allow_unreached=True)
        costs = answer.costs
        sections = [Section("target", "Target", bullets=(answer.describe(),) + ((answer.message,) if answer.message
                                                                                else ()),
                            paragraphs=(f"Base: {answer.base}; {answer.diagnostics.iterations} equilibrium solves.",),
                            tables=(Table("The answer", answer.table()),
                                    Table("What it costs each side (change from the base: welfare and real GDP in "
                                          "percent, tariff revenue and trade balance in USD millions)", costs,
                                          digits=dict.fromkeys(costs.columns[1:], 3)),
                                    Table("Diversion to third countries", answer.diversion),
                                    Table("Search path", answer.path)))]
        return GameResult(f"Target: {pair[0]}'s balance with {pair[1]}", f"{world.name}" + (f" · by {by}" if by else
                                                                                            ""),
                          sections, {"target": answer.table(), "costs": costs, "path": answer.path})

    return work
