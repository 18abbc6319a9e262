"""Speed of the games layer on Ossa's (2014) data: optimal tariffs and the world trade war.

Ossa's 7 regions × 33 industries (``../shared/data/ossa_2014``), his model
(:class:`tariffsim.models.OssaModel`) and bounds (``[0, max(target + 0.03, 2.25)]``):

* **MFN** (one rate per industry) — the 7 regions' optimal tariffs, others at their
  factual tariffs, then the Nash iteration of all seven from the factual tariffs.
  Target (issue 14): both within 2 minutes on 2 cores.
* **discriminatory** (one rate per partner and industry, 198 per region) — the same.
  Target: within 5 minutes.

Each problem is solved from the games layer's starts (factual tariffs, 1/θ, zero) with
the KKT tolerance of the reproductions (1e-7); the Nash iteration stops when no tariff
moves by more than 1e-5. ``--objective political`` uses Ossa's political-economy
weights, calibrated first by the first-order conditions (timed apart).

Run::

    .venv/bin/python benchmarks/ossa_games.py                       # both cases, real income
    .venv/bin/python benchmarks/ossa_games.py --cases mfn --objective political
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/ossa_games.py

Prints figures; asserts nothing. The load average is printed before and after, since
the machine may be shared; beside wall time, the process's CPU time is printed — with
one BLAS thread (``OPENBLAS_NUM_THREADS=1``, which these small problems want anyway) it
is what the wall time would be on an idle core.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

import tariffsim
from _measure import load
from tariffsim.data.ossa import read_ossa
from tariffsim.games import (
    Instrument,
    Objective,
    Player,
    best_response,
    calibrate_weights,
    game_system,
    nash_tariffs,
    weight_array,
)
from tariffsim.models import OssaModel

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
TARGETS = {"mfn": 120.0, "each": 300.0}
"""Seconds: issue 14's targets on 2 cores."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--cases", default="mfn,each", help="mfn, each or both (comma-separated)")
    parser.add_argument("--objective", choices=("welfare", "political"), default="welfare")
    parser.add_argument("--kkt-tol", type=float, default=1e-7)
    args = parser.parse_args()
    folder = args.data / "ossa_2014"
    if not folder.is_dir():
        raise SystemExit(f"needs {folder} (the shared data's ossa_2014 folder)")
    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cores, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"load average at start: {load()}")
    data = read_ossa(folder)
    game = game_system(data.world, OssaModel())
    world = game.world
    objective = Objective.welfare()
    if args.objective == "political":
        begin = time.perf_counter()
        table, _ = calibrate_weights(game, data.targets)
        print(f"lambda by first-order conditions, 7 regions: {time.perf_counter() - begin:.1f} s")
        objective = Objective.political(weight_array(table, world.countries, world.sectors))
    rows = []
    for case in args.cases.split(","):
        cpu0 = time.process_time()
        players = [Player(Instrument(c, partners=case, upper=data.caps(c)), objective)
                   for c in world.countries]
        begin = time.perf_counter()
        medians: list[float] = []
        for p in players:
            start = time.perf_counter()
            response = best_response(game, p, kkt_tol=args.kkt_tol)
            medians.append(100 * float(np.median(response.tariffs["tariff"])))
            print(f"  {case:4s} optimal {p.country:6s} {time.perf_counter() - start:6.1f} s  "
                  f"median {medians[-1]:5.1f} %  {int(response.starts['iterations'].sum())} solves, "
                  f"{len(response.starts)} starts", flush=True)
        optimal = time.perf_counter() - begin
        cpu_optimal = time.process_time() - cpu0
        begin = time.perf_counter()
        nash = nash_tariffs(game, players, kkt_tol=args.kkt_tol,
                            progress=lambda r, c, ch, case=case: print(
                                f"  {case:4s} round {r} {c:6s} max change {ch:.1e}", flush=True))
        war = time.perf_counter() - begin
        cpu_war = time.process_time() - cpu0 - cpu_optimal
        nash_median = float(nash.tariffs.groupby("importer")["tariff"].median().mean() * 100)
        rows.append((case, optimal, war, cpu_optimal, cpu_war, nash.diagnostics.iterations, float(np.mean(medians)),
                     nash_median))
    print(f"load average at end: {load()}")
    print()
    print("seconds: wall (CPU)")
    print(f"{'case':5s} {'7 optimal':>16s} {'Nash':>16s} {'rounds':>6s} {'total':>16s} {'target':>7s}"
          f" {'optimal median %':>17s} {'Nash median %':>14s}")
    for case, optimal, war, cpu_optimal, cpu_war, rounds, opt_median, nash_median in rows:
        print(f"{case:5s} {optimal:7.1f} ({cpu_optimal:6.1f}) {war:7.1f} ({cpu_war:6.1f}) {rounds:6d} "
              f"{optimal + war:7.1f} ({cpu_optimal + cpu_war:6.1f}) {TARGETS[case]:7.0f}"
              f" {opt_median:17.2f} {nash_median:14.2f}")


if __name__ == "__main__":
    main()
