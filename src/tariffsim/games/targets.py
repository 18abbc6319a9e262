"""What it takes to move a bilateral trade balance by a stated amount — and whether it can be done.

The May 2018 US demand was an outcome, not a policy: "cut [China's] annual trade surplus
with the U.S. by at least $200 billion by the end of 2020". :func:`find_target` turns
such a demand into the smallest value of one instrument that reaches it in a
general-equilibrium model:

* ``tariff:USA:CHN`` — a uniform additional tariff of the first country on the second's
  goods (fraction, 0.10 = 10 points; optionally in some sectors only);
* ``purchase:CHN:USA`` — a purchase commitment of the first country from the second
  (USD millions above what it buys under the base, a floor as ``[[purchase]]``);
* ``tariff-cut:CHN:USA`` — a uniform cut of the first country's tariffs on the second's
  goods (the share of each tariff removed, 1 = all);
* several at once — a combination scaled by one number ``s ∈ [0, 1]``, each instrument
  at ``s`` times its stated full value (``purchase:CHN:USA=200000``).

The bilateral balance of ``A`` with ``B`` is ``A``'s exports to ``B`` minus its imports
from ``B`` (pre-tariff, USD millions; :attr:`~tariffsim.results.Result.bilateral`), and
its change is measured from the base (the baseline World, or a scenario on a date).

The search is a bracketed root finding on the instrument's whole range: both ends are
solved first; a target outside the range they span is out of reach — the answer then
says so and gives the closest reachable change and its cost, never an extrapolation.
Inside, regula falsi with the Illinois modification (Dowell & Jarratt 1971), with a
bisection step whenever the bracket does not shrink enough, reaches a relative
tolerance of 1e-3 in a handful of solves (at most 20 by default); every solve is checked
to keep the balance monotone in the instrument, and a violation is an error, not a
guess. Each solve is warm-started from the last.

:func:`reciprocal_tariff` is the partial-equilibrium closed form of the 2025 US
"reciprocal" tariffs, ``Δτ = (x − m)/(ε·φ·m)``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.games.cooperative import country_column
from tariffsim.models import GravityModel, Model, simulate
from tariffsim.options import SolverOptions, check_choice
from tariffsim.results import Result
from tariffsim.shock import Purchase, Shock
from tariffsim.world import World

__all__ = ["TargetInstrument", "TargetResult", "UnreachableTarget", "TargetKind", "find_target",
           "reciprocal_tariff", "pe_tariff_for_balance", "bilateral_balance", "money", "TARGET_COLUMNS", "EPSILON",
           "PHI"]

FloatArray = NDArray[np.float64]
TargetKind = Literal["tariff", "purchase", "tariff-cut"]

EPSILON = 4.0
"""Import-demand elasticity (magnitude) of USTR's 2025 reciprocal-tariff formula."""
PHI = 0.25
"""Pass-through of tariffs to import prices in USTR's 2025 formula."""

TARGET_COLUMNS = ["instrument", "value", "unit", "balance_change_musd", "target_musd", "reached"]
"""Leading columns of ``target.csv``; ``welfare_pct_<party>`` follow, one per party of the pair."""

UNITS = {"tariff": "additional tariff (fraction)", "purchase": "USD m above the base's purchases",
         "tariff-cut": "share of the tariffs removed"}
DEFAULT_UPPER = {"tariff": 1.0, "purchase": 400_000.0, "tariff-cut": 1.0}
"""The range searched when none is given: up to 100 points of tariff, $400 bn of purchases, every tariff."""


# ---------------------------------------------------------------------- the closed form
def reciprocal_tariff(exports: float, imports: float, *, elasticity: float = EPSILON,
                      passthrough: float = PHI) -> float:
    """The tariff change that balances bilateral trade in USTR's partial-equilibrium formula.

    USTR, "Reciprocal Tariff Calculations" (2 April 2025): with ``x`` US exports to and
    ``m`` US imports from a partner, ``ε`` the elasticity of imports with respect to import
    prices and ``φ`` the pass-through of tariffs to import prices,

    .. math:: \\Delta\\tau = \\frac{x - m}{\\varepsilon \\, \\varphi \\, m},

    with ε < 0 in USTR's notation; its stated values are |ε| = 4 and φ = 0.25, so
    ``ε·φ = −1`` and ``Δτ = (m − x)/m``. ``elasticity`` is the magnitude |ε|.

    Parameters
    ----------
    exports, imports
        ``x`` and ``m``, in the same units (USD).
    elasticity, passthrough
        |ε| and φ.

    Returns
    -------
    float
        Δτ as a fraction (0.67 = 67 points); negative for a surplus.
    """
    if not (np.isfinite(imports) and imports > 0):
        raise ModelError(f"imports must be a positive number; got {imports}")
    if not (np.isfinite(exports) and exports >= 0):
        raise ModelError(f"exports must be a number >= 0; got {exports}")
    if not (elasticity > 0 and passthrough > 0):
        raise ModelError(f"the elasticity and the pass-through are positive; got {elasticity}, {passthrough}")
    return float((exports - imports) / (-elasticity * passthrough * imports))


def pe_tariff_for_balance(imports: float, balance_change: float, *, elasticity: float = EPSILON,
                          passthrough: float = PHI) -> float:
    """The tariff change on ``imports`` that moves the importer's bilateral balance by ``balance_change``
    in the same partial-equilibrium logic: imports fall by ``|ε|·φ·Δτ·m``, so ``Δτ = Δb/(|ε|·φ·m)``
    (:func:`reciprocal_tariff` is the case ``Δb = m − x``)."""
    return reciprocal_tariff(max(imports - balance_change, 0.0), imports, elasticity=elasticity,
                             passthrough=passthrough)


# ---------------------------------------------------------------------- instruments
@dataclass(frozen=True)
class TargetInstrument:
    """One instrument of the target finder.

    Parameters
    ----------
    kind
        ``"tariff"`` (``actor``'s additional tariff on ``partner``'s goods),
        ``"purchase"`` (``actor`` commits to buy more from ``partner``) or
        ``"tariff-cut"`` (``actor`` cuts its tariffs on ``partner``'s goods).
    actor, partner
        Countries.
    sectors
        Sectors it applies to (default every traded sector).
    upper
        The largest value searched (default :data:`DEFAULT_UPPER`); in a combination,
        the value at full scale.
    """

    kind: TargetKind
    actor: str
    partner: str
    sectors: tuple[str, ...] | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        check_choice(self.kind, TargetKind, "target instrument kind")
        if self.actor == self.partner:
            raise ModelError(f"instrument {self.kind}:{self.actor}:{self.partner} names one country twice")
        if self.sectors is not None:
            object.__setattr__(self, "sectors", tuple(self.sectors))
            if not self.sectors:
                raise ModelError(f"instrument {self.name}: no sectors")
        if self.upper is not None:
            if not np.isfinite(self.upper) or self.upper <= 0:
                raise ModelError(f"instrument {self.name}: the largest value must be a positive number; got "
                                 f"{self.upper}")
            if self.kind == "tariff-cut" and self.upper > 1:
                raise ModelError(f"instrument {self.name}: a cut removes at most all of a tariff (1); got "
                                 f"{self.upper}")

    @classmethod
    def parse(cls, text: str, sectors: Sequence[str] | None = None) -> TargetInstrument:
        """``KIND:ACTOR:PARTNER`` or ``KIND:ACTOR:PARTNER=UPPER`` (``tariff:USA:CHN=0.5``)."""
        match = re.fullmatch(r"\s*([a-z-]+):([^:=\s]+):([^:=\s]+)\s*(?:=\s*(\S+))?\s*", text or "")
        if match is None:
            raise ModelError(f"instrument '{text}' is not KIND:ACTOR:PARTNER[=UPPER] with KIND one of "
                             "tariff, purchase, tariff-cut (e.g. tariff:USA:CHN, purchase:CHN:USA=200000)")
        kind, actor, partner, upper = match.groups()
        if kind not in UNITS:
            raise ModelError(f"instrument kind '{kind}' is not one of {', '.join(UNITS)}")
        value = None
        if upper is not None:
            try:
                value = float(upper.rstrip("%")) / (100.0 if upper.endswith("%") else 1.0)
            except ValueError:
                raise ModelError(f"instrument '{text}': '{upper}' is not a number") from None
        return cls(kind, actor, partner, tuple(sectors) if sectors else None, value)  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.actor}:{self.partner}"

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def top(self, world: World) -> float:
        """The largest value searched: ``upper``, else :data:`DEFAULT_UPPER` — for a purchase at most half of
        what the actor imports from third countries in the sectors (a commitment can only divert purchases)."""
        if self.upper is not None:
            return float(self.upper)
        if self.kind != "purchase":
            return DEFAULT_UPPER[self.kind]
        a, b = world.country_index(self.actor), world.country_index(self.partner)
        sectors = self.sector_indices(world)
        others = [i for i in range(world.n_countries) if i not in (a, b)]
        third = float(world.flows[np.ix_(others, [a], sectors)].sum())
        if third <= 0:
            raise ModelError(f"instrument {self.name}: {self.actor} imports nothing from third countries in these "
                             "sectors, so a purchase commitment has nothing to divert")
        return min(DEFAULT_UPPER["purchase"], 0.5 * third)

    def describe(self, value: float) -> str:
        """The instrument at ``value`` in words."""
        where = "" if self.sectors is None else f" ({', '.join(self.sectors)})"
        if self.kind == "tariff":
            return f"{self.actor} raises its tariffs on {self.partner} by {100 * value:.1f} points{where}"
        if self.kind == "tariff-cut":
            return f"{self.actor} cuts its tariffs on {self.partner} by {100 * value:.1f} %{where}"
        return f"{self.actor} buys {money(value).lstrip('+')} more from {self.partner}{where}"

    def sector_indices(self, world: World) -> list[int]:
        if self.sectors is None:
            return [s for s in range(world.n_sectors) if world.traded[s]]
        return [world.sector_index(s) for s in self.sectors]


@dataclass(frozen=True, eq=False)
class _Base:
    """Where the instruments start: the base's tariffs, trade costs and purchases, and its solved result."""

    world: World
    model: Model
    tariffs: FloatArray
    trade_cost_hat: FloatArray | None
    purchases: tuple[Purchase, ...]
    result: Result
    label: str
    date: dt.date | None


def _shock(base: _Base, instruments: Sequence[TargetInstrument], values: Sequence[float]) -> Shock:
    world = base.world
    tariffs = np.array(base.tariffs, dtype=np.float64, copy=True)
    purchases = list(base.purchases)
    world_output = float(world.output.sum())
    index = float(base.result.equilibrium.output.sum()) / world_output
    for inst, value in zip(instruments, values, strict=True):
        a, b = world.country_index(inst.actor), world.country_index(inst.partner)
        sectors = inst.sector_indices(world)
        if inst.kind == "tariff":
            tariffs[b, a, sectors] += value
        elif inst.kind == "tariff-cut":
            tariffs[b, a, sectors] *= 1.0 - value
        else:
            # a floor `value` above what the actor buys under the base (in baseline USD: the floor is held in units
            # of world output, as the model holds it), so that a commitment of 0 changes nothing
            bought = float(base.result.equilibrium.flows[b, a, sectors].sum()) / index
            already = float(world.flows[b, a, sectors].sum())
            purchases.append(Purchase(importer=inst.actor, exporter=inst.partner,
                                      sectors=tuple(world.sectors[s] for s in sectors), value=bought - already + value,
                                      label=f"target: {inst.name}"))
    plain = Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=base.trade_cost_hat)
    return Shock(world.countries, world.sectors, tariffs=plain.tariffs, trade_cost_hat=plain.trade_cost_hat,
                 purchases=tuple(purchases), label="target: " + ", ".join(i.name for i in instruments))


def bilateral_balance(result: Result, a: str, b: str, column: str = "flow_cf") -> float:
    """``a``'s exports to ``b`` minus its imports from ``b`` (USD millions; ``column`` flow_cf or flow_base)."""
    table = result.bilateral
    out = table.loc[(table["exporter"] == a) & (table["importer"] == b), column].sum()
    into = table.loc[(table["exporter"] == b) & (table["importer"] == a), column].sum()
    return float(out - into)


# ---------------------------------------------------------------------- the answer
class UnreachableTarget(ModelError):
    """The target lies outside what the instrument can reach within its range; ``result`` holds the closest
    reachable change and its cost."""

    def __init__(self, message: str, result: TargetResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True, eq=False)
class TargetResult:
    """What reaching a bilateral-balance target takes, and costs.

    Attributes
    ----------
    pair
        ``(A, B)``: the balance of A with B (A's exports to B minus its imports from B).
    target
        The change asked for, USD millions.
    instruments
        The instrument(s) moved; with several, one number ``scale`` moves them all.
    scale
        The value found (single instrument) or the scale in [0, 1] (combination).
    values
        Each instrument's value at ``scale``.
    reached
        Whether the target was reached (within tolerance); if not, the values are those
        of the closest reachable change.
    balance_change
        The change achieved, USD millions.
    base_balance
        The balance under the base, USD millions.
    costs
        ``party, welfare_pct, real_gdp_pct, tariff_revenue_change_musd,
        trade_balance_change_musd`` for both parties: changes from the base (welfare and
        real GDP as percent changes relative to the base's levels).
    diversion
        ``bilateral_change_musd, aggregate_change_musd, diversion_musd, diversion_share``:
        how much of A's bilateral change is mirrored by its balances with third countries
        (diversion) rather than a change of A's overall balance.
    path
        One row per solve: ``solve, scale, balance_change_musd``.
    result, base_result
        The equilibria at the answer and under the base.
    pe_tariff
        For a single tariff instrument: the partial-equilibrium closed form's tariff
        (:func:`pe_tariff_for_balance`) for the same target, as a comparison; else NaN.
    base
        What the change is measured from (``"status quo"`` or the scenario and date).
    diagnostics
        Solves and seconds.
    """

    pair: tuple[str, str]
    target: float
    instruments: tuple[TargetInstrument, ...]
    scale: float
    values: tuple[float, ...]
    reached: bool
    balance_change: float
    base_balance: float
    costs: pd.DataFrame
    diversion: pd.DataFrame
    path: pd.DataFrame
    result: Result
    base_result: Result
    pe_tariff: float
    base: str
    by: dt.date | None
    diagnostics: SolverDiagnostics
    message: str = ""

    def table(self) -> pd.DataFrame:
        """``target.csv``: one row per instrument, with :data:`TARGET_COLUMNS` and ``welfare_pct_<party>``."""
        welfare = dict(zip(self.costs["party"], self.costs["welfare_pct"].to_numpy(dtype=np.float64).tolist(),
                           strict=True))
        rows = []
        for inst, value in zip(self.instruments, self.values, strict=True):
            row: dict[str, Any] = {"instrument": inst.name, "value": value, "unit": inst.unit,
                                   "balance_change_musd": self.balance_change, "target_musd": self.target,
                                   "reached": self.reached}
            for party in self.pair:
                row[f"welfare_pct_{party}"] = welfare[party]
            rows.append(row)
        return pd.DataFrame(rows, columns=[*TARGET_COLUMNS, *(f"welfare_pct_{p}" for p in self.pair)])

    def describe(self) -> str:
        """The answer in one sentence."""
        how = "; ".join(i.describe(v) for i, v in zip(self.instruments, self.values, strict=True))
        change = money(self.balance_change)
        if self.reached:
            return f"{how}: the balance of {self.pair[0]} with {self.pair[1]} moves by {change}"
        return f"out of reach: the closest is {how}, which moves the balance by {change}"


def _base(world: World | str | Path | None, base: Any, by: Any, model: Any, solver: SolverOptions,
          allow_paths: Sequence[str | Path]) -> _Base:
    from tariffsim.runs import as_date, run_scenario

    when = as_date(by, "by") if by is not None else None
    if base is None:
        if world is None:
            raise ModelError("give a World (or a base scenario whose World is used)")
        if not isinstance(world, World):
            from tariffsim.data import load_world

            world = load_world(world)
        chosen: Model = model if model is not None and not isinstance(model, str) else (
            GravityModel() if model is None else _named(model))
        result = simulate(world, None, model=chosen, solver=solver)
        return _Base(result.baseline, chosen, np.array(result.baseline.tariffs), None, (), result, "status quo", when)
    run = run_scenario(base, world=world, model=model, dates=None if when is None else [when], solver=solver,
                       allow_paths=allow_paths)
    entry = run.last
    shock = entry.compiled.shock
    result = entry.result
    label = f"{run.name} on {entry.key}" if entry.key else run.name
    return _Base(result.baseline, run.model, np.array(shock.new_tariffs(result.baseline)), shock.trade_cost_hat,
                 tuple(shock.purchases), result, label, entry.date)


def _named(model: str) -> Model:
    from tariffsim.models import MODELS

    if model not in MODELS:
        raise ModelError(f"model '{model}' is not one of {', '.join(MODELS)}")
    out: Model = MODELS[model]()
    return out


def find_target(
    world: World | str | Path | None,
    pair: tuple[str, str] | str,
    balance_change: float,
    instruments: Sequence[TargetInstrument | str] | TargetInstrument | str,
    *,
    base: Any = None,
    by: str | dt.date | None = None,
    model: Any = None,
    solver: SolverOptions | None = None,
    max_solves: int = 20,
    rel_tol: float = 1e-3,
    allow_unreached: bool = False,
    allow_paths: Sequence[str | Path] = (),
) -> TargetResult:
    """The smallest value of an instrument that moves a bilateral balance by ``balance_change``.

    Parameters
    ----------
    world
        The baseline World (a World, a bundled name or a folder); with ``base``, it
        overrides the scenario's own.
    pair
        ``("CHN", "USA")`` or ``"CHN:USA"``: the balance of the first with the second.
    balance_change
        The change asked for, USD millions (``-200000``: China's surplus with the US falls
        by $200 bn).
    instruments
        One :class:`TargetInstrument` (or its text, ``"purchase:CHN:USA"``), or several:
        then one scale in [0, 1] moves each to that share of its full value.
    base
        A scenario the instruments are added to (file, bundled name or loaded); default
        the status quo (the World).
    by
        The date: the base scenario is evaluated on it (the instruments are in force by then).
    model
        Model name or object; default the base scenario's, else gravity.
    max_solves
        Budget of equilibrium solves, the two ends of the range included.
    rel_tol
        Relative tolerance on the balance change.
    allow_unreached
        Return the closest reachable answer (``reached`` False) instead of raising
        :class:`UnreachableTarget`.

    Raises
    ------
    UnreachableTarget
        When the target is out of reach within the instruments' ranges (with the closest
        reachable change and its cost).
    ModelError
        Unknown countries, an instrument that does not move the balance, or a balance
        that does not move monotonically with the instrument.
    ConvergenceError
        When the budget of solves is spent before the tolerance is met.
    """
    begin = time.perf_counter()
    solver = solver or SolverOptions()
    if isinstance(pair, str):
        parts = pair.split(":")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ModelError(f"pair '{pair}' is not A:B (e.g. CHN:USA)")
        pair = (parts[0].strip(), parts[1].strip())
    a, b = pair
    if a == b:
        raise ModelError(f"a bilateral balance is between two countries; got {a} twice")
    if not np.isfinite(balance_change) or balance_change == 0:
        raise ModelError(f"the balance change must be a non-zero number of USD millions; got {balance_change}")
    if max_solves < 3:
        raise ModelError(f"the target finder needs at least 3 solves; got {max_solves}")
    chosen = [instruments] if isinstance(instruments, TargetInstrument | str) else list(instruments)
    if not chosen:
        raise ModelError("give at least one instrument")
    insts = tuple(TargetInstrument.parse(i) if isinstance(i, str) else i for i in chosen)
    names = [i.name for i in insts]
    if len(set(names)) != len(names):
        raise ModelError(f"an instrument is given twice: {names}")
    start = _base(world, base, by, model, solver, allow_paths)
    grid = start.world
    grid.country_index(a)
    grid.country_index(b)
    for inst in insts:
        grid.country_index(inst.actor)
        grid.country_index(inst.partner)
        inst.sector_indices(grid)
    base_balance = bilateral_balance(start.result, a, b)
    single = len(insts) == 1
    full = np.array([i.top(grid) for i in insts])
    top = float(full[0]) if single else 1.0
    path: list[dict[str, float]] = []
    results: dict[float, Result] = {}
    last: list[Result] = [start.result]

    def change_at(scale: float) -> float:
        values = [scale] if single else list(scale * full)
        shock = _shock(start, insts, values)
        try:
            result = simulate(grid, shock, model=start.model, solver=solver, warm_start=last[-1])
        except ConvergenceError:
            result = simulate(grid, shock, model=start.model, solver=solver)
        last.append(result)
        results[scale] = result
        value = bilateral_balance(result, a, b) - base_balance
        path.append({"solve": len(path) + 1, "scale": scale, "balance_change_musd": value})
        return value

    low, high = change_at(0.0), change_at(top)
    what = " + ".join(names)
    moved = high - low
    pair_trade = abs(bilateral_balance(start.result, a, b, "flow_base")) + float(
        grid.flows[grid.country_index(a), grid.country_index(b)].sum() + grid.flows[grid.country_index(b),
                                                                                    grid.country_index(a)].sum())
    if abs(moved) <= 1e-9 * max(pair_trade, abs(balance_change)):
        raise ModelError(f"{what} does not move the balance of {a} with {b} (by {moved:+.3g} USD m over its whole "
                         f"range): choose an instrument of {a} or {b} on their trade with each other")
    increasing = moved > 0
    tol = rel_tol * abs(balance_change)

    def finish(scale: float, reached: bool, message: str) -> TargetResult:
        return _answer(start, pair, balance_change, insts, scale, full, single, reached, results[scale],
                       pd.DataFrame(path), base_balance, begin, message)

    if not min(low, high) - tol <= balance_change <= max(low, high) + tol:
        closest = 0.0 if abs(low - balance_change) < abs(high - balance_change) else top
        answer = finish(closest, False, "out of reach")
        reach = f"from {money(min(low, high))} to {money(max(low, high))}"
        costs = ", ".join(f"welfare {r.party} {r.welfare_pct:+.3f}%" for r in answer.costs.itertuples())
        message = (f"the target {money(balance_change)} for the balance of {a} with {b} is out of reach of "
                   f"{what} within its range (it moves the balance {reach}); the closest reachable change is "
                   f"{money(answer.balance_change)} at {_values_text(answer)} ({costs})")
        if not allow_unreached:
            raise UnreachableTarget(message, answer)
        return _replace_message(answer, message)
    # f(x) = change − target, increasing after the sign flip
    sign = 1.0 if increasing else -1.0
    xs: list[float] = [0.0, top]
    fs: list[float] = [sign * (low - balance_change), sign * (high - balance_change)]
    for x, f in zip(xs, fs, strict=True):
        if abs(f) <= tol:
            return finish(x, True, "reached")
    x_lo, f_lo, x_hi, f_hi = 0.0, fs[0], top, fs[1]
    side = 0
    while len(path) < max_solves:
        x_new = (x_lo * f_hi - x_hi * f_lo) / (f_hi - f_lo)
        width = x_hi - x_lo
        if not (x_lo < x_new < x_hi) or min(x_new - x_lo, x_hi - x_new) < 1e-3 * width:
            x_new = 0.5 * (x_lo + x_hi)
        f_new = sign * (change_at(x_new) - balance_change)
        _check_monotone(path, increasing, what, a, b)
        if abs(f_new) <= tol or width < 1e-12 * top:
            return finish(x_new, True, "reached")
        if f_new < 0:
            x_lo, f_lo = x_new, f_new
            if side == -1:
                f_hi *= 0.5  # Illinois: the stale end's value is halved
            side = -1
        else:
            x_hi, f_hi = x_new, f_new
            if side == 1:
                f_lo *= 0.5
            side = 1
    raise ConvergenceError(f"the target was not reached within {max_solves} solves (last change "
                           f"{path[-1]['balance_change_musd']:+,.0f} USD m against {balance_change:+,.0f})",
                           SolverDiagnostics(False, len(path), abs(path[-1]["balance_change_musd"] - balance_change),
                                             time.perf_counter() - begin, "regula falsi (Illinois)"))


def money(value_usd_m: float) -> str:
    """A signed amount of USD millions in words: ``−$200.0 bn``, or ``+$3.2 m`` below a billion."""
    if value_usd_m == 0:
        return "$0"
    sign = "+" if value_usd_m > 0 else "\u2212"
    size = abs(value_usd_m)
    return f"{sign}${size / 1e3:,.1f} bn" if size >= 1e3 else f"{sign}${size:,.3g} m"


def _values_text(answer: TargetResult) -> str:
    return "; ".join(f"{i.name} = {_fmt(i, v)}" for i, v in zip(answer.instruments, answer.values, strict=True))


def _fmt(inst: TargetInstrument, value: float) -> str:
    if inst.kind == "purchase":
        return money(value).lstrip("+")
    return f"{100 * value:.1f}%"


def _replace_message(answer: TargetResult, message: str) -> TargetResult:
    return replace(answer, message=message)


def _check_monotone(path: list[dict[str, float]], increasing: bool, what: str, a: str, b: str) -> None:
    points = sorted((p["scale"], p["balance_change_musd"]) for p in path)
    changes = np.array([c for _, c in points])
    steps = np.diff(changes) if increasing else -np.diff(changes)
    noise = 1e-9 * max(1.0, float(np.max(np.abs(changes))))
    bad = np.flatnonzero(steps < -noise)
    if bad.size:
        k = int(bad[0])
        raise ModelError(f"the balance of {a} with {b} does not move monotonically with {what}: "
                         f"{points[k][1]:+,.0f} USD m at {points[k][0]:.4g} but {points[k + 1][1]:+,.0f} at "
                         f"{points[k + 1][0]:.4g}; a root found on this range would not be trustworthy")


def _answer(start: _Base, pair: tuple[str, str], target: float, insts: tuple[TargetInstrument, ...], scale: float,
            full: FloatArray, single: bool, reached: bool, result: Result, path: pd.DataFrame, base_balance: float,
            begin: float, message: str) -> TargetResult:
    a, b = pair
    values = (scale,) if single else tuple(float(v) for v in scale * full)
    rows = []
    columns = ("welfare_pct", "real_gdp_pct", "tariff_revenue_cf", "trade_balance_cf")
    old = {c: country_column(start.result, c) for c in columns}
    new = {c: country_column(result, c) for c in columns}

    def relative(column: str, party: str) -> float:
        return 100.0 * ((1 + new[column][party] / 100) / (1 + old[column][party] / 100) - 1)

    for party in pair:
        rows.append({"party": party, "welfare_pct": relative("welfare_pct", party),
                     "real_gdp_pct": relative("real_gdp_pct", party),
                     "tariff_revenue_change_musd": new["tariff_revenue_cf"][party] - old["tariff_revenue_cf"][party],
                     "trade_balance_change_musd": new["trade_balance_cf"][party] - old["trade_balance_cf"][party]})
    costs = pd.DataFrame(rows)
    change = bilateral_balance(result, a, b) - base_balance
    aggregate = new["trade_balance_cf"][a] - old["trade_balance_cf"][a]
    diversion = pd.DataFrame([{"country": a, "partner": b, "bilateral_change_musd": change,
                               "aggregate_change_musd": aggregate, "diversion_musd": change - aggregate,
                               "diversion_share": (change - aggregate) / change if change else np.nan}])
    pe = np.nan
    inst = insts[0]
    if single and inst.kind == "tariff" and inst.sectors is None and {inst.actor, inst.partner} == {a, b}:
        # the importer's own balance with its partner must move by the target (or its opposite)
        wanted = target if inst.actor == a else -target
        imports = float(start.result.equilibrium.flows[start.world.country_index(inst.partner),
                                                       start.world.country_index(inst.actor)].sum())
        if wanted > 0 and imports > 0:
            pe = pe_tariff_for_balance(imports, wanted)
    diag = SolverDiagnostics(True, len(path), abs(change - target), time.perf_counter() - begin,
                             "regula falsi (Illinois)", message=message)
    return TargetResult(pair=pair, target=target, instruments=insts, scale=scale, values=values, reached=reached,
                        balance_change=change, base_balance=base_balance, costs=costs, diversion=diversion,
                        path=path, result=result, base_result=start.result, pe_tariff=pe, base=start.label,
                        by=start.date, diagnostics=diag, message=message)
