"""Speed of the IJLMS (2025) model at 194 economies: one counterfactual, the optimal US tariff, 193 best responses.

Ignatenko, Lashkaripour, Macedoni & Simonovska's baseline, built as their code builds it
(:mod:`tariffsim.replicate.ijlms2025`, from ``../shared/data/liberation_day_2025``):

* **one counterfactual** — the USTR tariffs with income-tax relief (Table 1, case 1), solved
  cold (Newton from no change, analytic Jacobian); target (issue 17): 50 ms;
* **the optimal US tariff** — one uniform US tariff maximising US welfare, everything else at
  zero (:func:`tariffsim.games.best_response` with exact gradients); target: 5 s;
* **best-response retaliation** — every other economy's own best response on US goods to the
  USTR tariffs, 193 problems on two worker processes; target: 2 minutes on 2 cores.

Run::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/ijlms.py [--data ../shared/data] [--workers 2]

Prints figures; asserts nothing. The machine may be shared: the load average is printed
before and after, and beside wall time the CPU time (of the worker processes for the best
responses) — with one BLAS thread it is what the wall time would be on idle cores.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import threadpoolctl

from _measure import children_cpu, load
from tariffsim.games import Instrument, Player, best_response
from tariffsim.replicate import ijlms2025

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
TARGETS = {"counterfactual": 0.05, "optimal": 5.0, "retaliation": 120.0}
"""Seconds (issue 17)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--workers", type=int, default=2, help="processes for the best responses")
    parser.add_argument("--repeats", type=int, default=7, help="timed counterfactual solves (median)")
    args = parser.parse_args()
    threadpoolctl.threadpool_limits(1)
    print(f"load average before: {load()} on {os.cpu_count()} cores")
    data = ijlms2025.inputs(args.data)
    tariffs = ijlms2025.ustr_tariffs(data)

    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        solution = ijlms2025.solve_case(data.cal, tariffs)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    us = float(solution.welfare[data.us])
    print(f"one counterfactual (194 economies, USTR tariffs): median {1e3 * np.median(walls):.1f} ms wall, "
          f"{1e3 * np.median(cpus):.1f} ms CPU ({solution.diagnostics.iterations} Newton steps; US welfare "
          f"{100 * (us - 1):+.2f} %); target {1e3 * TARGETS['counterfactual']:.0f} ms")

    game = ijlms2025.retaliation_game(data)
    player = Player(Instrument("USA", partners="mfn", sectors="uniform"))
    wall, cpu = time.perf_counter(), time.process_time()
    optimum = best_response(game, player, np.zeros(game.world.shape))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"optimal US tariff: {100 * optimum.params[0]:.2f} % (US welfare {optimum.gain_pct:+.3f} %; the "
          f"authors' formula {100 * ijlms2025.formula_rate(data.cal, data.us):.2f} %) in {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU, {optimum.diagnostics.iterations} equilibrium solves; target {TARGETS['optimal']:.0f} s")

    before = children_cpu()
    wall = time.perf_counter()
    responses = ijlms2025.best_response_retaliation(data, workers=args.workers)
    wall = time.perf_counter() - wall
    cpu = children_cpu() - before
    print(f"best-response retaliation by {len(responses)} economies on {args.workers} processes: {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU in the workers ({cpu / max(args.workers, 1):.1f} s per worker); median rate "
          f"{100 * responses['tariff'].median():.1f} %; target {TARGETS['retaliation']:.0f} s")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
