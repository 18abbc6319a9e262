"""How far apart two negotiating positions are, and where an agreement could lie.

A *position* is a scenario overlay (TOML, usually ``extends`` of a base scenario) that
says what one party demands of both sides: tariff cuts or increases, purchase
commitments, dates. :func:`position_gap` puts two positions side by side for two
parties and answers, with the May 2018 US and Chinese demands as the worked example
(docs/talks.md):

* **outcomes** — each party's welfare, real GDP, bilateral balance and the average
  tariffs each way under the status quo, position A, position B, the threat point, the
  Nash trade war and the Nash bargain;
* **individual rationality** — which outcomes each party prefers to the threat point
  (``better_than_threat``): a party will not sign what leaves it worse off than walking
  away;
* **the zone of possible agreement** — the part of the efficient frontier (over the
  parties' tariffs on each other) where both are at least as well off as under the
  threat, with its two ends (each party's best point the other still accepts);
* **the distance** between the positions — in each party's welfare (A minus B, points),
  in the trade-weighted average tariff each way (baseline weights, so the positions'
  tariffs are compared on the same trade) and in the bilateral balance;
* **the split-the-difference point** — the share α of the way from A to B, instrument by
  instrument (tariff levels and trade costs interpolated; a purchase commitment's floor
  interpolated between the positions' purchases), where both parties are at least as
  well off as under the threat: the acceptable α closest to ½, or a statement that no α
  is acceptable to both.

Every outcome is a solve of the same model on the same World; positions are run with
:func:`~tariffsim.runs.run_scenario`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.bargaining import Bargain, Lever, ThreatPoint, bilateral_instruments, nash_bargain, threat_point
from tariffsim.games.cooperative import (
    Frontier,
    JointProblem,
    constrained_optimum,
    country_column,
    efficient_frontier,
)
from tariffsim.games.instruments import Instrument, SectorMode
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import Player
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.games.targets import bilateral_balance
from tariffsim.models import simulate
from tariffsim.options import SolverOptions
from tariffsim.results import Result
from tariffsim.shock import Purchase, Shock
from tariffsim.world import World

__all__ = ["Position", "Gap", "SplitPoint", "evaluate_position", "position_gap", "split_the_difference",
           "average_tariff", "OUTCOME_COLUMNS"]

FloatArray = NDArray[np.float64]

OUTCOME_COLUMNS = ["outcome", "kind", "party", "welfare_pct", "real_gdp_pct", "balance_musd", "tariff_on_other_pct",
                   "tariff_of_other_pct", "gain_over_threat_pp", "better_than_threat"]
"""Columns of :attr:`Gap.outcomes`: ``balance_musd`` is the party's bilateral balance with the other party,
``tariff_on_other_pct`` its average tariff on the other's goods and ``tariff_of_other_pct`` the other's on its
goods (both weighted by baseline trade, percent)."""


# ---------------------------------------------------------------------- positions
@dataclass(frozen=True, eq=False)
class Position:
    """A party's position, solved: the scenario run on its evaluation date.

    Attributes
    ----------
    name
        The scenario's name.
    description
        Its description.
    result
        The equilibrium on the evaluation date.
    shock
        The compiled shock (tariff levels, trade costs, purchase commitments).
    date
        The evaluation date.
    model
        The model object it was solved with.
    """

    name: str
    description: str
    result: Result
    shock: Shock
    date: dt.date | None
    model: Any = None

    @property
    def tariffs(self) -> FloatArray:
        return np.asarray(self.shock.new_tariffs(self.result.baseline))


def evaluate_position(scenario: Any, *, world: World | str | Path | None = None, model: Any = None,
                      date: Any = None, solver: SolverOptions | None = None,
                      allow_paths: Sequence[str | Path] = ()) -> Position:
    """Run a position (a scenario file, bundled name or loaded scenario) on its last evaluation date (or ``date``)."""
    from tariffsim.runs import run_scenario

    run = run_scenario(scenario, world=world, model=model, dates=None if date is None else [date], solver=solver,
                       allow_paths=allow_paths)
    entry = run.last
    return Position(name=run.name, description=run.scenario.spec.scenario.description, result=entry.result,
                    shock=entry.compiled.shock, date=entry.date, model=run.model)


def average_tariff(result: Result, importer: str, exporter: str) -> float:
    """``importer``'s average tariff on ``exporter``'s goods at the result, weighted by baseline trade, percent."""
    world = result.baseline
    i, j = world.country_index(exporter), world.country_index(importer)
    weights = world.flows[i, j, :]
    rates = result.equilibrium.tariffs[i, j, :]
    if weights.sum() <= 0:
        return float(100.0 * rates.mean())
    return float(100.0 * (rates * weights).sum() / weights.sum())


# ---------------------------------------------------------------------- split the difference
@dataclass(frozen=True, eq=False)
class SplitPoint:
    """Where splitting the difference between two positions is acceptable to both parties.

    Attributes
    ----------
    alpha
        The acceptable share of the way from A (0) to B (1) closest to ½; ``None`` when no
        share leaves both at least as well off as under the threat.
    acceptable
        The intervals of α acceptable to both, ``((low, high), ...)``.
    path
        ``alpha, party, welfare_pct, threat_pct, acceptable``: every share evaluated.
    result
        The equilibrium at ``alpha`` (``None`` without one).
    message
        The answer in words.
    """

    alpha: float | None
    acceptable: tuple[tuple[float, float], ...]
    path: pd.DataFrame
    result: Result | None
    message: str


def _purchase_key(p: Purchase) -> tuple[str, str, tuple[str, ...]]:
    return p.importer, p.exporter, tuple(sorted(p.sectors))


def _bought_above_baseline(result: Result, p: Purchase) -> float:
    """What the importer buys from the exporter in the purchase's sectors above the baseline, in baseline USD."""
    world = result.baseline
    e, m = world.country_index(p.exporter), world.country_index(p.importer)
    sectors = [world.sector_index(s) for s in p.sectors]
    index = float(result.equilibrium.output.sum() / world.output.sum())
    return float(result.equilibrium.flows[e, m, sectors].sum()) / index - float(world.flows[e, m, sectors].sum())


def interpolate(a: Position, b: Position, alpha: float) -> Shock:
    """The shock ``alpha`` of the way from position ``a`` to ``b``, instrument by instrument.

    Tariff levels are interpolated linearly, trade-cost changes geometrically; a purchase
    commitment's value linearly between the positions, where a position without it counts
    with what it buys anyway (so the floor fades out instead of jumping).
    """
    world = a.result.baseline
    tariffs = (1.0 - alpha) * a.tariffs + alpha * b.tariffs
    tau_a = a.shock.trade_cost_hat if a.shock.trade_cost_hat is not None else np.ones(world.shape)
    tau_b = b.shock.trade_cost_hat if b.shock.trade_cost_hat is not None else np.ones(world.shape)
    tau = None if a.shock.trade_cost_hat is None and b.shock.trade_cost_hat is None else \
        tau_a ** (1.0 - alpha) * tau_b ** alpha
    in_a = {_purchase_key(p): p for p in a.shock.purchases}
    in_b = {_purchase_key(p): p for p in b.shock.purchases}
    purchases = []
    for key in dict.fromkeys([*in_a, *in_b]):
        pa, pb = in_a.get(key), in_b.get(key)
        one = pa if pa is not None else pb
        assert one is not None
        va = pa.value if pa is not None else _bought_above_baseline(a.result, one)
        vb = pb.value if pb is not None else _bought_above_baseline(b.result, one)
        purchases.append(Purchase(one.importer, one.exporter, one.sectors, (1.0 - alpha) * va + alpha * vb,
                                  label=one.label))
    plain = Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=tau)
    return Shock(world.countries, world.sectors, tariffs=plain.tariffs, trade_cost_hat=plain.trade_cost_hat,
                 purchases=tuple(purchases), label=f"{alpha:.3f} of the way from {a.name} to {b.name}")


def split_the_difference(a: Position, b: Position, parties: Sequence[str], threat: ThreatPoint, *, model: Any,
                         solver: SolverOptions | None = None, points: int = 11, tol: float = 1e-4) -> SplitPoint:
    """The acceptable share α of the way from ``a`` to ``b`` closest to ½ (see :class:`SplitPoint`).

    ``points`` evenly spaced shares are solved first; each change of acceptability between
    two neighbours is then located by bisection to ``tol``.
    """
    if points < 2:
        raise ModelError(f"split the difference needs at least 2 points; got {points}")
    world = a.result.baseline
    d = np.array([threat.values[p] for p in parties])
    results: dict[float, Result] = {}
    last: list[Result | None] = [a.result]

    def margins(alpha: float) -> FloatArray:
        """Each party's welfare minus its threat value (hats)."""
        shock = interpolate(a, b, alpha)
        try:
            result = simulate(world, shock, model=model, solver=solver, warm_start=last[-1])
        except ConvergenceError:
            result = simulate(world, shock, model=model, solver=solver)
        last.append(result)
        results[alpha] = result
        welfare = country_column(result, "welfare_pct")
        return np.array([1.0 + welfare[p] / 100.0 for p in parties]) - d

    grid = list(np.linspace(0.0, 1.0, points))
    values = {alpha: margins(alpha) for alpha in grid}
    slack = 1e-12
    ok = {alpha: bool(np.all(m >= -slack)) for alpha, m in values.items()}
    edges: list[float] = []
    for left, right in itertools.pairwise(grid):
        if ok[left] == ok[right]:
            continue
        lo, hi = left, right
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            values[mid] = margins(mid)
            ok[mid] = bool(np.all(values[mid] >= -slack))
            if ok[mid] == ok[lo]:
                lo = mid
            else:
                hi = mid
        edges.append(hi if ok[hi] else lo)  # the acceptable side of the change
    intervals = _intervals(grid, ok, edges)
    rows = [{"alpha": alpha, "party": p, "welfare_pct": 100.0 * (m[k] + d[k] - 1.0), "threat_pct": 100.0 * (d[k] - 1),
             "acceptable": ok[alpha]} for alpha, m in sorted(values.items()) for k, p in enumerate(parties)]
    path = pd.DataFrame(rows, columns=["alpha", "party", "welfare_pct", "threat_pct", "acceptable"])
    if not intervals:
        worst = {p: float(max(values[alpha][k] for alpha in values)) for k, p in enumerate(parties)}
        who = [p for p, m in worst.items() if m < 0]
        message = (f"no share of the way from {a.name} to {b.name} leaves both parties at least as well off as under "
                   f"the threat ({', '.join(who) or 'one party'} is worse off at every share)")
        return SplitPoint(None, (), path, None, message)
    alpha = min((min(max(0.5, lo), hi) for lo, hi in intervals), key=lambda x: abs(x - 0.5))
    if alpha not in results:
        margins(alpha)
    spans = ", ".join(f"[{lo:.3f}, {hi:.3f}]" for lo, hi in intervals)
    where = "exactly half-way" if alpha == 0.5 else "not half-way"
    message = (f"both parties are at least as well off as under the threat for α in {spans}; the acceptable "
               f"split closest to half-way is α = {alpha:.3f} ({where})")
    return SplitPoint(float(alpha), tuple(intervals), path, results[alpha], message)


def _intervals(grid: list[float], ok: dict[float, bool], edges: list[float]) -> list[tuple[float, float]]:
    """Acceptable intervals from the grid's acceptability and the located changes."""
    points = sorted(set(grid) | set(edges))
    out: list[tuple[float, float]] = []
    start: float | None = None
    prev = points[0]
    for x in points:
        good = ok[x]
        if good and start is None:
            start = x
        if not good and start is not None:
            out.append((start, prev))
            start = None
        prev = x
    if start is not None:
        out.append((start, points[-1]))
    return out


# ---------------------------------------------------------------------- the gap
@dataclass(frozen=True, eq=False)
class Gap:
    """Two positions side by side for two parties.

    Attributes
    ----------
    parties
        The two parties.
    positions
        Position A and position B.
    threat
        The threat point.
    war
        The Nash trade war between the parties (the threat itself when the threat is ``nash``).
    bargain
        The Nash bargain over the parties' tariffs on each other (and any other instruments
        given), with the threat as disagreement point.
    frontier
        The efficient frontier between the parties over their tariffs on each other.
    outcomes
        One row per (outcome, party): :data:`OUTCOME_COLUMNS`.
    distance
        ``measure, unit, a, b, difference``: the positions' distance (A minus B).
    zone
        The zone of possible agreement: ``point, source, objective_a_pct, objective_b_pct``
        (the frontier's points both prefer to the threat, and the zone's two ends); empty
        when the frontier holds no such point.
    split
        The split-the-difference point.
    results
        The equilibrium of each outcome, by outcome name.
    diagnostics
        Seconds.
    """

    parties: tuple[str, str]
    positions: tuple[Position, Position]
    threat: ThreatPoint
    war: ThreatPoint
    bargain: Bargain
    frontier: Frontier
    outcomes: pd.DataFrame
    distance: pd.DataFrame
    zone: pd.DataFrame
    split: SplitPoint
    results: dict[str, Result]
    diagnostics: SolverDiagnostics

    def tables(self) -> dict[str, pd.DataFrame]:
        """The gap as tables, by file name without ``.csv``: ``outcomes``, ``countries`` (every country under
        every outcome), ``distance``, ``frontier``, ``zone``, ``bargain`` (agreed instruments),
        ``bargain_gains`` and ``split`` (welfare at each share α)."""
        countries = []
        for outcome, result in self.results.items():
            part = result.countries[["country", "welfare_pct", "real_gdp_pct", "trade_balance_base",
                                     "trade_balance_cf", "tariff_revenue_base", "tariff_revenue_cf"]].copy()
            part.insert(0, "outcome", outcome)
            countries.append(part)
        return {"outcomes": self.outcomes, "countries": pd.concat(countries, ignore_index=True),
                "distance": self.distance, "frontier": self.frontier.points, "zone": self.zone,
                "bargain": self.bargain.instruments, "bargain_gains": self.bargain.gains, "split": self.split.path}

    def acceptable(self, party: str) -> list[str]:
        """The outcomes ``party`` prefers (at least weakly) to the threat."""
        rows = self.outcomes[(self.outcomes["party"] == party) & self.outcomes["better_than_threat"]]
        return [str(o) for o in rows["outcome"]]


def _parties(a: Position, b: Position) -> tuple[str, str]:
    world = a.result.baseline
    involved: set[str] = set()
    for position in (a, b):
        changed = np.abs(position.tariffs - world.tariffs) > 1e-12
        exporters, importers, _ = np.nonzero(changed)
        involved |= {world.countries[i] for i in exporters} | {world.countries[j] for j in importers}
        for p in position.shock.purchases:
            involved |= {p.importer, p.exporter}
    if len(involved) != 2:
        found = ", ".join(c for c in world.countries if c in involved) or "none"
        raise ModelError(f"the positions involve {len(involved)} countries ({found}), not two: name the two parties "
                         "(parties=, --parties A,B)")
    first, second = (c for c in world.countries if c in involved)
    return first, second


def _outcome_rows(name: str, kind: str, result: Result, parties: tuple[str, str], threat: ThreatPoint
                  ) -> list[dict[str, Any]]:
    welfare_of = country_column(result, "welfare_pct")
    gdp_of = country_column(result, "real_gdp_pct")
    rows = []
    for k, party in enumerate(parties):
        other = parties[1 - k]
        welfare = welfare_of[party]
        gain = welfare - threat.pct(party)
        rows.append({"outcome": name, "kind": kind, "party": party, "welfare_pct": welfare,
                     "real_gdp_pct": gdp_of[party],
                     "balance_musd": bilateral_balance(result, party, other),
                     "tariff_on_other_pct": average_tariff(result, party, other),
                     "tariff_of_other_pct": average_tariff(result, other, party),
                     "gain_over_threat_pp": gain, "better_than_threat": bool(gain >= -1e-10)})
    return rows


def _distance(a: Position, b: Position, parties: tuple[str, str]) -> pd.DataFrame:
    p, q = parties
    ra, rb = a.result, b.result

    def welfare(result: Result, party: str) -> float:
        return country_column(result, "welfare_pct")[party]

    def purchases(position: Position, importer: str, exporter: str) -> float:
        return float(sum(x.value for x in position.shock.purchases if x.importer == importer
                         and x.exporter == exporter))

    rows = [
        (f"welfare of {p}", "percent change from baseline", welfare(ra, p), welfare(rb, p)),
        (f"welfare of {q}", "percent change from baseline", welfare(ra, q), welfare(rb, q)),
        (f"average tariff of {p} on {q}", "percent, baseline trade weights", average_tariff(ra, p, q),
         average_tariff(rb, p, q)),
        (f"average tariff of {q} on {p}", "percent, baseline trade weights", average_tariff(ra, q, p),
         average_tariff(rb, q, p)),
        (f"bilateral balance of {p} with {q}", "USD millions", bilateral_balance(ra, p, q),
         bilateral_balance(rb, p, q)),
        (f"purchase commitments of {p} from {q}", "USD millions above baseline", purchases(a, p, q),
         purchases(b, p, q)),
        (f"purchase commitments of {q} from {p}", "USD millions above baseline", purchases(a, q, p),
         purchases(b, q, p)),
    ]
    frame = pd.DataFrame(rows, columns=["measure", "unit", "a", "b"])
    frame["difference"] = frame["a"] - frame["b"]
    return frame


def _zone(game: GameSystem, frontier: Frontier, bargain: Bargain, threat: ThreatPoint, parties: tuple[str, str],
          levers: Sequence[Instrument], profile: FloatArray) -> pd.DataFrame:
    """The frontier points both prefer to the threat, and the zone's ends (each party's best acceptable point)."""
    d = (threat.values[parties[0]], threat.values[parties[1]])
    inside = frontier.points[(frontier.points["objective_a"] >= d[0]) & (frontier.points["objective_b"] >= d[1])]
    rows = [{"source": "frontier", "objective_a_pct": r.objective_a_pct, "objective_b_pct": r.objective_b_pct}
            for r in inside.itertuples()]
    if bargain.agreement:
        problem = JointProblem(game, [lev.bind(game.world) for lev in levers], parties,
                               [Objective.welfare(), Objective.welfare()], profile)
        x0 = problem.read(bargain.profile)
        for k in (0, 1):
            try:
                _, values = constrained_optimum(problem, k, {1 - k: d[1 - k]}, x0)
            except ConvergenceError:
                continue
            rows.append({"source": f"best for {parties[k]}", "objective_a_pct": 100.0 * (values[0] - 1.0),
                         "objective_b_pct": 100.0 * (values[1] - 1.0)})
    frame = pd.DataFrame(rows, columns=["source", "objective_a_pct", "objective_b_pct"])
    frame = frame.sort_values("objective_a_pct", kind="stable").reset_index(drop=True)
    frame.insert(0, "point", np.arange(len(frame)))
    return frame


def position_gap(
    a: Any,
    b: Any,
    *,
    world: World | str | Path | None = None,
    parties: Sequence[str] | None = None,
    threat: Any = "nash",
    model: Any = None,
    date: Any = None,
    instruments: Sequence[Lever] | None = None,
    sectors: SectorMode = "uniform",
    weights: Sequence[float] | None = None,
    frontier_points: int = 9,
    split_points: int = 11,
    solver: SolverOptions | None = None,
    allow_paths: Sequence[str | Path] = (),
) -> Gap:
    """The gap between two positions (see the module docstring).

    Parameters
    ----------
    a, b
        The positions: scenario files, bundled scenario names, loaded scenarios or
        :class:`Position` objects.
    world
        The baseline (default the first position's World).
    parties
        The two parties (default: the two countries whose tariffs or purchases the positions
        change).
    threat
        ``"nash"`` (the Nash trade war of the parties), ``"status-quo"``, or a scenario; see
        :func:`~tariffsim.games.bargaining.threat_point`.
    model
        Model name or object (default the first position's).
    date
        Evaluation date of the positions and of a threat scenario (default their own).
    instruments
        What the bargain is over (default each party's tariffs on the other,
        :func:`~tariffsim.games.bargaining.bilateral_instruments` with ``sectors``).
    weights
        Bargaining weights (default equal).
    frontier_points, split_points
        Points of the frontier and of the first pass of the split.
    """
    begin = time.perf_counter()
    pos_a = a if isinstance(a, Position) else evaluate_position(a, world=world, model=model, date=date, solver=solver,
                                                                allow_paths=allow_paths)
    base = pos_a.result.baseline
    model_obj = _model_of(pos_a, model)
    pos_b = b if isinstance(b, Position) else evaluate_position(b, world=base, model=model_obj, date=date,
                                                                solver=solver, allow_paths=allow_paths)
    if pos_b.result.baseline.fingerprint != base.fingerprint:
        raise ModelError(f"positions {pos_a.name} and {pos_b.name} are on different Worlds; give --world")
    pair = tuple(parties) if parties is not None else _parties(pos_a, pos_b)
    if len(pair) != 2 or pair[0] == pair[1]:
        raise ModelError(f"a gap is between two different parties; got {list(pair)}")
    for party in pair:
        base.country_index(party)
    parties2 = (str(pair[0]), str(pair[1]))
    game = game_system(base, model_obj, solver=solver)
    levers = list(instruments) if instruments is not None else bilateral_instruments(parties2, sectors=sectors)
    tariff_levers = [lev for lev in levers if isinstance(lev, Instrument)]
    if not tariff_levers:
        raise ModelError("the bargain needs at least the parties' tariffs on the table")
    is_war = isinstance(threat, str) and threat == "nash"
    given = None if is_war else threat_point(game, parties2, threat, date=date, allow_paths=allow_paths)
    war_point = threat_point(game, parties2, "nash", instruments=tariff_levers)
    point = war_point if given is None else given
    bargain = nash_bargain(game, parties2, instruments=levers, threat=point, weights=weights)
    frontier = efficient_frontier(game, [Player(lev) for lev in tariff_levers], countries=parties2,
                                  points=frontier_points)
    status_quo = simulate(base, None, model=model_obj, solver=solver)
    results: dict[str, Result] = {"status quo": status_quo, pos_a.name: pos_a.result, pos_b.name: pos_b.result}
    rows = _outcome_rows("status quo", "status quo", status_quo, parties2, point)
    rows += _outcome_rows(pos_a.name, "position A", pos_a.result, parties2, point)
    rows += _outcome_rows(pos_b.name, "position B", pos_b.result, parties2, point)
    if point is not war_point and point.result is not None and point.label != "status quo":
        results[point.label] = point.result
        rows += _outcome_rows(point.label, "threat", point.result, parties2, point)
    assert war_point.result is not None
    results["Nash trade war"] = war_point.result
    rows += _outcome_rows("Nash trade war", "threat" if point is war_point else "trade war", war_point.result,
                          parties2, point)
    results["Nash bargain"] = bargain.result
    rows += _outcome_rows("Nash bargain", "bargain", bargain.result, parties2, point)
    split = split_the_difference(pos_a, pos_b, parties2, point, model=model_obj, solver=solver, points=split_points)
    if split.result is not None:
        results["split the difference"] = split.result
        rows += _outcome_rows("split the difference", "split", split.result, parties2, point)
    outcomes = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    zone = _zone(game, frontier, bargain, point, parties2, tariff_levers, np.array(base.tariffs))
    return Gap(parties=parties2, positions=(pos_a, pos_b), threat=point, war=war_point, bargain=bargain,
               frontier=frontier, outcomes=outcomes, distance=_distance(pos_a, pos_b, parties2), zone=zone,
               split=split, results=results,
               diagnostics=SolverDiagnostics(True, 0, 0.0, time.perf_counter() - begin, "gap"))


def _model_of(position: Position, model: Any) -> Any:
    """The model every outcome is solved with: the one given, else the first position's."""
    if model is not None and not isinstance(model, str):
        return model
    if model is None and position.model is not None:
        return position.model
    from tariffsim.models import MODELS

    name = "gravity" if model is None else model
    if name not in MODELS:
        raise ModelError(f"model '{name}' is not one of {', '.join(MODELS)}")
    return MODELS[name]()
