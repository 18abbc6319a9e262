"""Nash bargaining between governments over a stated set of instruments.

The Nash (1950) bargaining solution with bargaining weights β (the asymmetric
solution of Kalai 1977) picks, among the outcomes every party prefers to the
threat point ``d`` (what happens if talks fail), the one that maximises

.. math::

    \\sum_i \\beta_i \\log\\bigl(W_i(x) - d_i\\bigr), \\qquad W_i(x) > d_i \\;\\forall i,

over the instruments ``x`` on the table: each side's tariffs on the other (one rate
per sector or one uniform rate, :func:`bilateral_instruments`) and purchase
commitments (:class:`PurchaseLever`, a floor on what an importer buys from an exporter,
as in the scenario language's ``[[purchase]]``). ``W_i`` is each party's objective
(real income by default) as a hat on the baseline World; so is ``d_i``.

The threat point (:func:`threat_point`) is the Nash trade war between the parties,
the status quo, or any scenario (a file, a bundled name or a solved Result), such as
the May 2018 threat ``threat-150bn-2018-retaliation``.

Solution: first a point every party prefers to the threat (maximise the smallest gain
``min_i (W_i − d_i)``; if even that is not positive, no agreement beats the threat and
the result says so), then the weighted Nash product from there. Over tariffs only, both
steps are SLSQP with the exact Jacobian of every party's welfare
(:class:`~tariffsim.games.cooperative.JointProblem`). Purchase commitments are met by an
outer iteration inside the model (:mod:`tariffsim.models.gravity`), which the games layer's
explicit systems do not hold, so with them the two steps use the derivative-free
COBYQA (Powell 2002; Ragonneau & Zhang 2024) on the instruments scaled to [0, 1] and
every evaluation is a :func:`~tariffsim.simulate` solve.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.optimize
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.cooperative import JointProblem, country_column
from tariffsim.games.instruments import DEFAULT_UPPER, BoundInstrument, Instrument, SectorMode
from tariffsim.games.nash import NashTariffs, nash_tariffs
from tariffsim.games.objectives import Objective
from tariffsim.games.optimal import Player, kkt_residual
from tariffsim.games.systems import GameSystem, game_system
from tariffsim.models import simulate
from tariffsim.options import SolverOptions, check_choice
from tariffsim.results import Result
from tariffsim.shock import Purchase, Shock
from tariffsim.world import World

__all__ = ["PurchaseLever", "ThreatPoint", "Bargain", "bilateral_instruments", "threat_point", "nash_bargain",
           "Lever"]

FloatArray = NDArray[np.float64]

DEFAULT_PURCHASE_UPPER = 400_000.0
"""Default cap on a purchase commitment, USD millions above the baseline (twice the May 2018 demand)."""


@dataclass(frozen=True)
class PurchaseLever:
    """A purchase commitment on the table: ``importer`` buys at least ``value`` USD millions more from
    ``exporter`` in ``sectors`` than it would at the agreed tariffs without the commitment (a floor, met
    like ``[[purchase]]`` in a scenario).

    The value is bargained over within ``[0, upper]``. Measured from what the importer buys anyway
    (not from the baseline), a commitment binds as soon as it is positive, so the parties' welfare moves
    smoothly with it; each evaluation solves the model without the commitment first, then with it.
    """

    importer: str
    exporter: str
    sectors: tuple[str, ...] | None = None
    upper: float = DEFAULT_PURCHASE_UPPER
    label: str = ""

    def __post_init__(self) -> None:
        if self.sectors is not None:
            object.__setattr__(self, "sectors", tuple(self.sectors))
        if self.importer == self.exporter:
            raise ModelError(f"a purchase commitment is between two countries; got {self.importer} twice")
        if not np.isfinite(self.upper) or self.upper <= 0:
            raise ModelError(f"the cap on a purchase commitment must be a positive number of USD millions; "
                             f"got {self.upper}")

    def name(self) -> str:
        return self.label or f"{self.importer} buys from {self.exporter}"

    def purchase(self, world: World, value: float) -> Purchase:
        """The commitment at ``value`` on ``world``'s grid (every traded sector by default)."""
        world.country_index(self.importer)
        world.country_index(self.exporter)
        sectors = self.sectors if self.sectors is not None else tuple(
            s for s, traded in zip(world.sectors, world.traded, strict=True) if traded)
        for s in sectors:
            world.sector_index(s)
        return Purchase(importer=self.importer, exporter=self.exporter, sectors=sectors, value=float(value),
                        label=self.name())


Lever = Instrument | PurchaseLever


def bilateral_instruments(parties: Sequence[str], *, sectors: SectorMode = "uniform", upper: float = DEFAULT_UPPER,
                          lower: float = 0.0) -> list[Instrument]:
    """Each party's tariffs on the other parties' goods (one rate per partner; per sector or uniform)."""
    if len(parties) < 2:
        raise ModelError(f"bargaining needs at least two parties; got {list(parties)}")
    if len(set(parties)) != len(parties):
        raise ModelError(f"each party once; got {list(parties)}")
    return [Instrument(p, partners="each", sectors=sectors, targets=tuple(q for q in parties if q != p),
                       lower=lower, upper=upper, subsidies=lower < 0) for p in parties]


# ---------------------------------------------------------------------- threat points
@dataclass(frozen=True, eq=False)
class ThreatPoint:
    """What each party gets if talks fail.

    Attributes
    ----------
    label
        ``"status quo"``, ``"Nash trade war"`` or the scenario's name.
    values
        Party → objective (a hat: 1 = the baseline World).
    profile
        The tariffs of the threat, (N, N, S), when known.
    result
        The equilibrium of the threat, when solved.
    nash
        The trade war, for the Nash threat.
    """

    label: str
    values: Mapping[str, float]
    profile: FloatArray | None = None
    result: Result | None = None
    nash: NashTariffs | None = field(default=None, repr=False)

    def pct(self, party: str) -> float:
        return 100.0 * (self.values[party] - 1.0)


def _welfare_hats(result: Result, parties: Sequence[str]) -> dict[str, float]:
    welfare = country_column(result, "welfare_pct")
    return {p: 1.0 + welfare[p] / 100.0 for p in parties}


def threat_point(
    world: World | GameSystem,
    parties: Sequence[str],
    threat: Any = "status-quo",
    *,
    instruments: Sequence[Lever] | None = None,
    sectors: SectorMode = "uniform",
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    date: Any = None,
    allow_paths: Sequence[str | Path] = (),
) -> ThreatPoint:
    """The threat point of a bargain.

    Parameters
    ----------
    threat
        ``"status-quo"`` (the baseline World: every objective 1), ``"nash"`` (the Nash
        trade war of the parties with their tariff instruments), a scenario (a file, a
        bundled scenario name, or a :class:`~tariffsim.scenario.LoadedScenario`, run with
        :func:`~tariffsim.runs.run_scenario` on ``world`` with the game's model, on
        ``date`` or its own last evaluation date), a solved
        :class:`~tariffsim.results.Result`, a :class:`~tariffsim.games.NashTariffs`, or a
        :class:`ThreatPoint` (returned as it is).
    instruments
        For the Nash threat: the instruments of the war (default :func:`bilateral_instruments`).
    """
    if isinstance(threat, ThreatPoint):
        return threat
    game = game_system(world, model, solver=solver) if isinstance(world, World) else world
    base = game.world
    for p in parties:
        base.country_index(p)
    if isinstance(threat, Result):
        return ThreatPoint(threat.shock.label or "scenario", _welfare_hats(threat, parties),
                           np.array(threat.equilibrium.tariffs), threat)
    if isinstance(threat, NashTariffs):
        return ThreatPoint("Nash trade war", _welfare_hats(threat.result, parties), np.array(threat.profile),
                           threat.result, threat)
    if isinstance(threat, str) and threat in ("status-quo", "status quo"):
        return ThreatPoint("status quo", {p: 1.0 for p in parties}, np.array(base.tariffs))
    if isinstance(threat, str) and threat == "nash":
        levers = list(instruments) if instruments is not None else bilateral_instruments(parties, sectors=sectors)
        tariff_levers = [lev for lev in levers if isinstance(lev, Instrument)]
        players = [Player(lev) for lev in tariff_levers]
        missing = [p for p in parties if p not in {pl.country for pl in players}]
        if missing:
            raise ModelError(f"a Nash trade war needs a tariff instrument for every party; none for "
                             f"{', '.join(missing)}")
        war = nash_tariffs(game, players)
        return ThreatPoint("Nash trade war", _welfare_hats(war.result, parties), np.array(war.profile), war.result,
                           war)
    from tariffsim.runs import run_scenario

    if not isinstance(threat, str | Path) and type(threat).__name__ != "LoadedScenario":
        raise ModelError(f"a threat point is 'nash', 'status-quo', a scenario, a Result or a NashTariffs; got "
                         f"{type(threat).__name__}")
    run = run_scenario(threat, world=base, model=game.model, dates=date, allow_paths=allow_paths)
    result = run.last.result
    return ThreatPoint(run.name, _welfare_hats(result, parties), np.array(result.equilibrium.tariffs), result)


# ---------------------------------------------------------------------- the bargain
@dataclass(frozen=True, eq=False)
class Bargain:
    """The Nash bargaining solution.

    Attributes
    ----------
    parties, weights
        Who bargains, and their bargaining weights (summing to 1).
    threat
        The threat point.
    agreement
        Whether some agreement makes every party better off than the threat; when not,
        the threat is the outcome and ``params`` are the instruments at the status quo.
    params
        The agreed instruments' values, stacked in instrument order (tariffs as
        fractions, purchase commitments in USD millions).
    instruments
        ``instrument, importer, exporter, sector, value, unit``: the agreed instruments.
    profile
        Every tariff at the agreement, (N, N, S).
    purchases
        The agreed purchase commitments, as the model meets them (floors above the baseline).
    gains
        ``party, weight, threat_pct, bargain_pct, gain_pp, gain_pct``: objectives as
        percent changes from the baseline World under the threat and the agreement; the
        gain over the threat in percentage points and as a percent of the threat's level.
    result
        The equilibrium at the agreement.
    log_nash_product
        ``Σ β_i log(W_i − d_i)`` at the agreement (−inf without one).
    kkt_residual
        Projected gradient of the Nash product at the agreement, scaled by the mean gain
        (tariffs only; NaN for the derivative-free method).
    diagnostics
        Method, equilibrium solves, seconds.
    message
        What happened, in words.
    """

    parties: tuple[str, ...]
    weights: tuple[float, ...]
    threat: ThreatPoint
    agreement: bool
    params: FloatArray
    instruments: pd.DataFrame
    profile: FloatArray
    purchases: tuple[Purchase, ...]
    gains: pd.DataFrame
    result: Result
    log_nash_product: float
    kkt_residual: float
    diagnostics: SolverDiagnostics
    message: str = ""

    def gain(self, party: str) -> float:
        """The party's gain over the threat, percentage points of welfare."""
        return dict(zip(self.gains["party"], self.gains["gain_pp"].to_numpy(dtype=np.float64).tolist(),
                        strict=True))[party]


def _weights(parties: Sequence[str], weights: Sequence[float] | Mapping[str, float] | None) -> FloatArray:
    if weights is None:
        beta = np.ones(len(parties))
    elif isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(parties))
        if unknown:
            raise ModelError(f"bargaining weights name countries that do not bargain: {unknown}")
        beta = np.array([float(weights.get(p, 1.0)) for p in parties])
    else:
        beta = np.asarray(weights, dtype=np.float64)
        if beta.shape != (len(parties),):
            raise ModelError(f"one bargaining weight per party ({len(parties)}); got {len(beta)}")
    if not np.all(np.isfinite(beta)) or np.any(beta <= 0):
        raise ModelError(f"bargaining weights must be positive numbers; got {beta.tolist()}")
    return beta / beta.sum()


class _Evaluator:
    """Parties' objectives as functions of the instruments' values, via :func:`simulate` (purchases)."""

    def __init__(self, game: GameSystem, tariff_levers: Sequence[BoundInstrument], purchases: Sequence[PurchaseLever],
                 parties: Sequence[str], profile: FloatArray) -> None:
        self.game, self.world = game, game.world
        self.tariff_levers, self.purchase_levers = list(tariff_levers), list(purchases)
        self.parties = list(parties)
        self.profile = profile
        self.sizes = [lev.size for lev in self.tariff_levers]
        self.size = sum(self.sizes) + len(self.purchase_levers)
        self.last: Result | None = None
        self.purchases: list[Purchase] = []
        self.solves = 0
        self._cache: dict[bytes, FloatArray] = {}

    def bounds(self) -> list[tuple[float, float]]:
        out = [b for lev in self.tariff_levers for b in lev.bounds()]
        return out + [(0.0, lev.upper) for lev in self.purchase_levers]

    def parts(self, x: FloatArray, anyway: Result | None = None) -> tuple[FloatArray, list[Purchase]]:
        """Tariffs (N, N, S) and purchase commitments at ``x``; the commitments' floors are set above what
        the importer buys in ``anyway`` (the equilibrium without them)."""
        tariffs, start = self.profile, 0
        for lev, size in zip(self.tariff_levers, self.sizes, strict=True):
            tariffs = lev.apply(x[start:start + size], tariffs)
            start += size
        purchases = []
        for purchase_lever, v in zip(self.purchase_levers, x[start:], strict=True):
            one = purchase_lever.purchase(self.world, float(v))
            if anyway is not None:
                e, m = self.world.country_index(one.exporter), self.world.country_index(one.importer)
                sectors = [self.world.sector_index(s) for s in one.sectors]
                index = float(anyway.equilibrium.output.sum() / self.world.output.sum())
                bought = float(anyway.equilibrium.flows[e, m, sectors].sum()) / index
                one = Purchase(one.importer, one.exporter, one.sectors,
                               bought - float(self.world.flows[e, m, sectors].sum()) + float(v), label=one.label)
            purchases.append(one)
        return tariffs, purchases

    def _solve(self, tariffs: FloatArray, purchases: Sequence[Purchase], label: str) -> Result:
        plain = Shock.from_arrays(self.world, tariffs=tariffs, trade_cost_hat=getattr(self.game, "tau_hat", None))
        shock = Shock(self.world.countries, self.world.sectors, tariffs=plain.tariffs,
                      trade_cost_hat=plain.trade_cost_hat, purchases=tuple(purchases), label=label)
        solver = getattr(self.game, "solver", None)
        try:
            out = simulate(self.world, shock, model=self.game.model, solver=solver, warm_start=self.last)
        except ConvergenceError:
            out = simulate(self.world, shock, model=self.game.model, solver=solver)
        self.solves += 1
        self.last = out
        return out

    def result(self, x: FloatArray, label: str = "") -> Result:
        """The equilibrium at ``x``: without the commitments, then (when any is positive) with them."""
        x = np.asarray(x, dtype=np.float64)
        tariffs, _ = self.parts(x)
        anyway = self._solve(tariffs, [], label)
        if not self.purchase_levers or not np.any(x[sum(self.sizes):] > 0):
            self.purchases = []
            return anyway
        tariffs, purchases = self.parts(x, anyway)
        self.purchases = purchases
        return self._solve(tariffs, purchases, label)

    def values(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        key = x.tobytes()
        if key not in self._cache:
            hats = _welfare_hats(self.result(x), self.parties)
            self._cache[key] = np.array([hats[p] for p in self.parties])
        return self._cache[key]

    def table(self, x: FloatArray) -> pd.DataFrame:
        rows = []
        start = 0
        for lev, size in zip(self.tariff_levers, self.sizes, strict=True):
            part = lev.table(x[start:start + size])
            for r in part.itertuples():
                rows.append({"instrument": f"tariff of {r.importer} on {r.exporter}", "importer": r.importer,
                             "exporter": r.exporter, "sector": r.sector, "value": r.tariff, "unit": "fraction"})
            start += size
        for purchase_lever, v in zip(self.purchase_levers, x[start:], strict=True):
            names = "all traded" if purchase_lever.sectors is None else ", ".join(purchase_lever.sectors)
            rows.append({"instrument": purchase_lever.name(), "importer": purchase_lever.importer,
                         "exporter": purchase_lever.exporter,
                         "sector": names, "value": float(v), "unit": "USD m above purchases without it"})
        return pd.DataFrame(rows, columns=["instrument", "importer", "exporter", "sector", "value", "unit"])


def _log_product(gaps: FloatArray, beta: FloatArray) -> float:
    return float(np.sum(beta * np.log(gaps))) if np.all(gaps > 0) else -np.inf


def _extended_log(gap: FloatArray, floor: float) -> tuple[FloatArray, FloatArray]:
    """log(g) above ``floor``, its tangent line below (finite everywhere, so line searches never see NaN)."""
    safe = np.maximum(gap, floor)
    value = np.where(gap >= floor, np.log(safe), np.log(floor) + (gap - floor) / floor)
    slope = np.where(gap >= floor, 1.0 / safe, 1.0 / floor)
    return value, slope


def _gradient_bargain(problem: JointProblem, d: FloatArray, beta: FloatArray, starts: Sequence[FloatArray],
                      kkt_tol: float) -> tuple[FloatArray | None, float, str]:
    """(x, kkt residual, message) of the weighted Nash product over tariffs; x None without an agreement."""
    bounds = problem.bounds()
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])
    best: tuple[float, FloatArray] | None = None
    best_gap = -np.inf
    for x0 in starts:
        x1 = np.clip(x0, lower, upper)
        gap = float(np.min(problem.evaluate(x1)[0] - d))
        if gap <= 0:
            x1, gap = _most_acceptable(problem, d, x1, gap, bounds)
        best_gap = max(best_gap, gap)
        if gap <= 0:
            continue
        # Step 2: the weighted Nash product from a point every party prefers to the threat. Scaled by the
        # smallest gain, its gradient is of the size of the objectives' own; log(g) is a barrier at g = 0. A
        # restart rescales at the new point when the first run stops short of the tolerance.
        x2 = x1
        for _ in range(3):
            scale = float(np.min(problem.evaluate(x2)[0] - d))
            floor = 1e-8 * scale

            def negative(x: FloatArray, floor: float = floor, scale: float = scale) -> tuple[float, FloatArray]:
                w, jac = problem.evaluate(x)
                value, slope = _extended_log(w - d, floor)
                return -scale * float(beta @ value), -scale * ((beta * slope) @ jac)

            out = scipy.optimize.minimize(negative, x2, jac=True, method="L-BFGS-B", bounds=bounds,
                                          options={"maxiter": 1000, "ftol": 1e-15, "gtol": 0.1 * kkt_tol})
            x2 = np.clip(out.x, lower, upper)
            if _bargain_kkt(problem, d, beta, x2, bounds) <= kkt_tol:
                break
        value = _log_product(problem.evaluate(x2)[0] - d, beta)
        if np.isfinite(value) and (best is None or value > best[0]):
            best = (value, x2)
    if best is None:
        return None, np.nan, (f"no agreement over these instruments makes every party better off than the threat "
                              f"(the largest smallest gain is {100 * best_gap:.4f} percentage points)")
    x = best[1]
    kkt = _bargain_kkt(problem, d, beta, x, bounds)
    if kkt > kkt_tol:
        raise ConvergenceError(f"the Nash bargain was not found (projected gradient {kkt:.2g} > {kkt_tol:g})",
                               SolverDiagnostics(False, problem.solves, kkt, 0.0, "L-BFGS-B"))
    return x, kkt, "agreement: the weighted Nash product is at its maximum"


def _bargain_kkt(problem: JointProblem, d: FloatArray, beta: FloatArray, x: FloatArray,
                 bounds: list[tuple[float, float]]) -> float:
    """Projected gradient of the log Nash product, scaled by the smallest gain (a gradient of welfare hats)."""
    w, jac = problem.evaluate(x)
    gaps = w - d
    return kkt_residual(x, ((beta / gaps) @ jac) * float(np.min(gaps)), bounds)


def _most_acceptable(problem: JointProblem, d: FloatArray, x0: FloatArray, s0: float,
                     bounds: list[tuple[float, float]]) -> tuple[FloatArray, float]:
    """The point whose smallest gain over the threat is largest, ``max s`` s.t. ``W_i(x) − d_i ≥ s`` (SLSQP),
    with ``s`` in units of its starting size (at least 1e-5, a small welfare change) so that it is scaled like
    the tariffs."""
    scale = max(abs(s0), 1e-5)
    n = problem.size

    def objective(v: FloatArray) -> tuple[float, FloatArray]:
        grad = np.zeros(n + 1)
        grad[-1] = -1.0
        return -float(v[-1]), grad

    cons = [{"type": "ineq", "fun": lambda v: (problem.evaluate(v[:-1])[0] - d) / scale - v[-1],
             "jac": lambda v: np.hstack([problem.evaluate(v[:-1])[1] / scale, -np.ones((len(d), 1))])}]
    out = scipy.optimize.minimize(objective, np.concatenate([x0, [s0 / scale]]), jac=True, method="SLSQP",
                                  bounds=[*bounds, (s0 / scale - 1.0, 1e6)], constraints=cons,
                                  options={"ftol": 1e-8, "maxiter": 300})
    x = np.clip(out.x[:-1], [b[0] for b in bounds], [b[1] for b in bounds])
    return x, float(np.min(problem.evaluate(x)[0] - d))


def _free_bargain(evaluator: _Evaluator, d: FloatArray, beta: FloatArray, starts: Sequence[FloatArray],
                  max_evaluations: int) -> tuple[FloatArray | None, str]:
    """(x, message) of the weighted Nash product by COBYQA on the instruments scaled to [0, 1]."""
    bounds = np.array(evaluator.bounds())
    lower, width = bounds[:, 0], bounds[:, 1] - bounds[:, 0]

    def full(u: FloatArray) -> FloatArray:
        return lower + width * np.clip(u, 0.0, 1.0)

    def gaps(u: FloatArray) -> FloatArray:
        return evaluator.values(full(u)) - d

    unit = scipy.optimize.Bounds(np.zeros(len(lower)), np.ones(len(lower)))
    best: tuple[float, FloatArray, bool, str] | None = None
    best_gap = -np.inf
    for x0 in starts:
        u0 = np.clip((np.asarray(x0) - lower) / width, 0.0, 1.0)
        s0 = float(np.min(gaps(u0)))
        if s0 <= 0:
            scale = max(abs(s0), 1e-6)
            cons = scipy.optimize.NonlinearConstraint(lambda v, scale=scale: gaps(v[:-1]) - v[-1] * scale, 0.0,
                                                      np.inf)
            out1 = scipy.optimize.minimize(lambda v: -v[-1], np.concatenate([u0, [s0 / scale]]), method="COBYQA",
                                           bounds=scipy.optimize.Bounds(np.append(unit.lb, -1e3),
                                                                        np.append(unit.ub, 1e3)),
                                           constraints=[cons],
                                           options={"maxfev": max_evaluations // 2, "initial_tr_radius": 0.2,
                                                    "final_tr_radius": 1e-6})
            u0 = np.clip(out1.x[:-1], 0.0, 1.0)
            s0 = float(np.min(gaps(u0)))
        best_gap = max(best_gap, s0)
        if s0 <= 0:
            continue
        floor = 1e-6 * s0

        # log(g) is a barrier at g = 0 (extended by its tangent below a tiny floor): only the bounds bind
        def negative(u: FloatArray, floor: float = floor) -> float:
            value, _ = _extended_log(gaps(u), floor)
            return -float(beta @ value)

        out2 = scipy.optimize.minimize(negative, u0, method="COBYQA", bounds=unit,
                                       options={"maxfev": max_evaluations, "initial_tr_radius": 0.05,
                                                "final_tr_radius": 1e-8})
        u2 = np.clip(out2.x, 0.0, 1.0)
        value = _log_product(gaps(u2), beta)
        if np.isfinite(value) and (best is None or value > best[0]):
            best = (value, full(u2), bool(out2.success), str(out2.message))
    if best is None:
        return None, (f"no agreement over these instruments makes every party better off than the threat (the "
                      f"largest smallest gain found is {100 * best_gap:.4f} percentage points)")
    if not best[2]:
        raise ConvergenceError(f"the Nash bargain was not found by the derivative-free search ({best[3]}); raise "
                               "max_evaluations", SolverDiagnostics(False, evaluator.solves, float("nan"), 0.0,
                                                                    "COBYQA"))
    return best[1], "agreement: the weighted Nash product is at its maximum (derivative-free)"


def nash_bargain(
    world: World | GameSystem,
    parties: Sequence[str],
    *,
    instruments: Sequence[Lever] | None = None,
    threat: Any = "status-quo",
    weights: Sequence[float] | Mapping[str, float] | None = None,
    objectives: Mapping[str, Objective] | None = None,
    sectors: SectorMode = "uniform",
    profile: FloatArray | None = None,
    model: Any = "gravity",
    solver: SolverOptions | None = None,
    kkt_tol: float = 1e-7,
    max_evaluations: int = 500,
    method: Literal["auto", "gradient", "derivative-free"] = "auto",
) -> Bargain:
    """The Nash bargaining solution between ``parties`` over ``instruments``.

    Parameters
    ----------
    world
        The baseline World (or a game system).
    parties
        Two or more countries.
    instruments
        What is on the table: :class:`~tariffsim.games.Instrument` objects (a party's
        tariffs; the cells they control are bargained over, every other tariff stays at
        ``profile``) and :class:`PurchaseLever` objects. Default
        :func:`bilateral_instruments` (each party's tariffs on the others, ``sectors``).
    threat
        The threat point: see :func:`threat_point` (default the status quo).
    weights
        Bargaining weights β (default equal), a sequence in party order or a mapping.
    objectives
        Party → objective (default real income); political objectives need a tariff-only
        instrument set.
    profile
        The status quo tariffs (N, N, S); default the World's.
    kkt_tol
        Tolerance on the projected gradient of the log Nash product, scaled by the smallest
        gain (tariffs only; the gradient method).
    max_evaluations
        Budget of model solves per step of the derivative-free method (with purchases).
    method
        ``"auto"`` (exact gradients over tariffs; derivative-free with purchases),
        ``"gradient"`` or ``"derivative-free"`` (the latter also over tariffs alone, e.g. to
        cross-check).

    Raises
    ------
    ModelError
        Unknown parties or instruments that do not fit the World.
    """
    begin = time.perf_counter()
    game = game_system(world, model, solver=solver) if isinstance(world, World) else world
    base = game.world
    parties = list(parties)
    if len(parties) < 2 or len(set(parties)) != len(parties):
        raise ModelError(f"bargaining needs two or more different parties; got {parties}")
    for p in parties:
        base.country_index(p)
    beta = _weights(parties, weights)
    levers = list(instruments) if instruments is not None else bilateral_instruments(parties, sectors=sectors)
    if not levers:
        raise ModelError("nothing on the table: give at least one instrument")
    tariff_levers = [lev.bind(base) for lev in levers if isinstance(lev, Instrument)]
    purchase_levers = [lev for lev in levers if isinstance(lev, PurchaseLever)]
    others = [lev for lev in levers if not isinstance(lev, Instrument | PurchaseLever)]
    if others:
        raise ModelError(f"an instrument on the table is an Instrument or a PurchaseLever; got "
                         f"{type(others[0]).__name__}")
    for lev in purchase_levers:
        lev.purchase(base, 0.0)  # labels checked now
    status_quo = np.array(base.tariffs if profile is None else profile, dtype=np.float64)
    point = threat_point(game, parties, threat, instruments=levers, sectors=sectors)
    d = np.array([point.values[p] for p in parties])
    chosen = {p: (objectives or {}).get(p, Objective.welfare()) for p in parties}
    evaluator = _Evaluator(game, tariff_levers, purchase_levers, parties, status_quo)
    bounds = np.array(evaluator.bounds())
    x_status = np.concatenate([*(lev.read(status_quo) for lev in tariff_levers), np.zeros(len(purchase_levers))])
    x_open = bounds[:, 0].copy()
    starts = [x_status] + ([x_open] if not np.allclose(x_open, x_status) else [])
    kkt = np.nan
    solves = 0
    check_choice(method, Literal["auto", "gradient", "derivative-free"], "bargaining method")
    if method == "gradient" and purchase_levers:
        raise ModelError("purchase commitments have no exact gradient: use method 'auto' or 'derivative-free'")
    if not purchase_levers and method != "derivative-free":
        problem = JointProblem(game, tariff_levers, parties, [chosen[p] for p in parties], status_quo)
        x, kkt, message = _gradient_bargain(problem, d, beta, starts, kkt_tol)
        solves = problem.solves
        used = "L-BFGS-B (exact gradients)"
    else:
        if any(o.kind != "welfare" for o in chosen.values()):
            raise ModelError("with purchase commitments on the table the parties' objective is real income")
        if tariff_levers and purchase_levers:
            # the bargain over the tariffs alone (exact gradients) is a point both prefer to the threat, and
            # usually close: the derivative-free search over everything starts there
            problem = JointProblem(game, tariff_levers, parties, [chosen[p] for p in parties], status_quo)
            x_tariffs, _, _ = _gradient_bargain(problem, d, beta, [x[:problem.size] for x in starts], kkt_tol)
            solves += problem.solves
            if x_tariffs is not None:
                starts = [np.concatenate([x_tariffs, np.zeros(len(purchase_levers))])]
        x, message = _free_bargain(evaluator, d, beta, starts, max_evaluations)
        used = "COBYQA (derivative-free)"
    agreement = x is not None
    agreed = x if x is not None else x_status
    result = evaluator.result(agreed, "Nash bargain" if agreement else "no agreement: status quo instruments")
    purchases = list(evaluator.purchases)
    solves += evaluator.solves
    hats = _welfare_hats(result, parties) if all(o.kind == "welfare" for o in chosen.values()) else dict(
        zip(parties, JointProblem(game, tariff_levers, parties, [chosen[p] for p in parties],
                                  status_quo).value_at(agreed), strict=True))
    w = np.array([hats[p] for p in parties])
    tariffs, _ = evaluator.parts(agreed)
    gains = pd.DataFrame({"party": parties, "weight": beta, "threat_pct": 100.0 * (d - 1.0),
                          "bargain_pct": 100.0 * (w - 1.0), "gain_pp": 100.0 * (w - d),
                          "gain_pct": 100.0 * (w / d - 1.0)})
    if agreement and np.any(w <= d):
        raise ConvergenceError("the bargain leaves a party no better off than the threat",
                               SolverDiagnostics(False, solves, float(np.min(w - d)), time.perf_counter() - begin,
                                                 used))
    return Bargain(parties=tuple(parties), weights=tuple(float(b) for b in beta), threat=point, agreement=agreement,
                   params=np.asarray(agreed, dtype=np.float64), instruments=evaluator.table(agreed), profile=tariffs,
                   purchases=tuple(purchases), gains=gains, result=result,
                   log_nash_product=_log_product(w - d, beta) if agreement else -np.inf, kkt_residual=float(kkt),
                   diagnostics=SolverDiagnostics(agreement, solves, float(kkt) if np.isfinite(kkt) else 0.0,
                                                 time.perf_counter() - begin, used, message=message),
                   message=message)
