"""One draw, solved: what every executor runs (in this process, a worker process or a Dask worker).

A :class:`Plan` holds what every draw shares — the baseline World, the model, the solver
settings, the central run's compiled shocks and solutions (the warm starts), the bound
parameters — and is shipped once to each worker. A task is a batch of draws; each draw
is solved from its parameter values alone, so its numbers do not depend on where, in
which order or beside which other draws it runs. BLAS is held to one thread inside each
task (threadpoolctl): workers are processes, one per core, and nested threads would
only compete for the same cores.

Two ways to solve a draw, chosen once for the whole plan:

* the draw changes only the World (elasticities) and the scenario has no ``[[trade_cost]]``
  entry (whose shocks depend on θ): each date's central shock is solved again with
  :func:`~tariffsim.models.simulate`, warm-started from the central solution of that date;
* otherwise :func:`~tariffsim.runs.run_scenario` runs the overlaid scenario on the draw's
  World (compiling every date again).

A draw whose equilibrium is not found (:class:`~tariffsim.errors.ConvergenceError`) or
whose values are invalid (a negative elasticity, a rate at or below −100 %) is a failed
draw, returned with its diagnostics and message; any other exception is a bug and
propagates.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, TariffsimError
from tariffsim.report.views import BILATERAL_BALANCE
from tariffsim.uncertainty.parameters import Block, DrawInputs, overlay

if TYPE_CHECKING:
    from tariffsim.models import Model
    from tariffsim.options import SolverOptions
    from tariffsim.results import Result
    from tariffsim.scenario import LoadedScenario
    from tariffsim.shock import Shock
    from tariffsim.world import World

__all__ = ["Plan", "Outputs", "DrawOutcome", "Batch", "run_batch", "run_draw", "BILATERAL_PREFIX",
           "MAX_BILATERAL"]

FloatArray = NDArray[np.float64]
Batch = Sequence[tuple[int, FloatArray]]
"""Draws of one task: (draw index, parameter values)."""

BILATERAL_PREFIX = BILATERAL_BALANCE
"""Country columns ``bilateral_balance_cf:PARTNER``: the country's exports to PARTNER minus its imports from it,
counterfactual, at pre-tariff prices (USD millions of the baseline year, in units of the numeraire)."""
MAX_BILATERAL = 40
"""Bilateral balances are summarised for Worlds of at most this many countries (N² numbers a date)."""


@dataclass(frozen=True)
class Outputs:
    """Which result columns each draw returns (numeric columns of ``Result.countries`` and ``Result.sectors``,
    without the baseline's ``*_base`` columns), and whether bilateral balances are added."""

    country_columns: tuple[str, ...]
    sector_columns: tuple[str, ...]
    bilateral: bool

    @classmethod
    def of(cls, result: Result) -> Outputs:
        def numeric(frame: pd.DataFrame, labels: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(c for c in frame.columns if c not in labels and not c.endswith("_base")
                         and pd.api.types.is_numeric_dtype(frame[c]))

        return cls(country_columns=numeric(result.countries, ("country",)),
                   sector_columns=numeric(result.sectors, ("country", "sector")),
                   bilateral=result.baseline.n_countries <= MAX_BILATERAL)

    def country_names(self, countries: Sequence[str]) -> tuple[str, ...]:
        partners = tuple(f"{BILATERAL_PREFIX}{c}" for c in countries) if self.bilateral else ()
        return (*self.country_columns, *partners)

    def extract(self, results: Sequence[Result]) -> tuple[FloatArray, FloatArray]:
        """Country values (T, N, columns [+ N partners]) and sector values (T, N·S, columns)."""
        countries = []
        sectors = []
        for result in results:
            table = result.countries[list(self.country_columns)].to_numpy(dtype=np.float64)
            if self.bilateral:
                flows = result.equilibrium.flows.sum(axis=2)
                table = np.hstack([table, flows - flows.T])
            countries.append(table)
            sectors.append(result.sectors[list(self.sector_columns)].to_numpy(dtype=np.float64))
        return np.stack(countries), np.stack(sectors)


@dataclass(frozen=True, eq=False)
class Plan:
    """What every draw shares (see the module docstring)."""

    world: World
    model: Model
    solver: SolverOptions
    dates: tuple[dt.date | None, ...]
    shocks: tuple[Shock, ...]
    warm: tuple[FloatArray, ...]
    scenario: LoadedScenario
    weights: pd.DataFrame | None
    lists_dir: Path | None
    blocks: tuple[Block, ...]
    outputs: Outputs
    recompile: bool


@dataclass(frozen=True, eq=False)
class DrawOutcome:
    """One draw, solved or failed.

    Attributes
    ----------
    draw
        Index of the draw in the design.
    status
        ``ok``, ``not converged`` (a :class:`~tariffsim.errors.ConvergenceError`) or ``invalid`` (the
        values make the World or the scenario invalid).
    message
        Why it failed (empty when ok).
    iterations, residual, seconds
        Solver diagnostics summed (iterations, seconds) or worst (residual) over dates; of the failed
        solve for a draw that did not converge.
    countries, sectors
        The draw's values (see :meth:`Outputs.extract`); ``None`` for a failed draw.
    """

    draw: int
    status: Literal["ok", "not converged", "invalid"]
    message: str
    iterations: int
    residual: float
    seconds: float
    countries: FloatArray | None = None
    sectors: FloatArray | None = None


def run_draw(plan: Plan, draw: int, values: FloatArray) -> DrawOutcome:
    """Solve one draw (see the module docstring)."""
    from tariffsim.models import simulate
    from tariffsim.runs import run_scenario

    start = time.perf_counter()
    inputs = DrawInputs(theta=np.array(plan.world.elasticity, dtype=np.float64))
    at = 0
    for block in plan.blocks:
        block.apply(values[at:at + len(block.names)], inputs)
        at += len(block.names)
    try:
        world = plan.world.replace(elasticity=inputs.theta)
        if plan.recompile:
            run = run_scenario(overlay(plan.scenario, inputs), world=world, model=plan.model, solver=plan.solver,
                               dates=list(plan.dates), weights=plan.weights, lists_dir=plan.lists_dir)
            results = list(run.results)
        else:
            results = [simulate(world, shock, model=plan.model, solver=plan.solver, warm_start=warm)
                       for shock, warm in zip(plan.shocks, plan.warm, strict=True)]
    except ConvergenceError as exc:
        d = exc.diagnostics
        return DrawOutcome(draw, "not converged", str(exc), d.iterations, d.residual,
                           time.perf_counter() - start)
    except TariffsimError as exc:
        return DrawOutcome(draw, "invalid", str(exc), 0, float("nan"), time.perf_counter() - start)
    countries, sectors = plan.outputs.extract(results)
    diagnostics = [r.diagnostics for r in results]
    return DrawOutcome(draw, "ok", "", sum(d.iterations for d in diagnostics),
                       max(d.residual for d in diagnostics), time.perf_counter() - start, countries, sectors)


def run_batch(plan: Plan, batch: Batch) -> list[DrawOutcome]:
    """Solve a batch of draws with BLAS held to one thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return [run_draw(plan, draw, values) for draw, values in batch]


# ---------------------------------------------------------------------- a plan installed once per worker process
_INSTALLED: list[Plan] = []


def install(plan: Plan) -> None:
    """Keep ``plan`` in this worker process (the process pool's initializer: shipped once per worker)."""
    _INSTALLED[:] = [plan]


def run_installed(batch: Batch) -> list[DrawOutcome]:
    """:func:`run_batch` with the plan :func:`install` kept."""
    return run_batch(_INSTALLED[0], batch)
