"""Speed of the games layer on a 44 × 16 world: WIOD 2014 as Lashkaripour's ``tariffwar`` bundles it.

The world of the ``lashkaripour2021-nash`` reproduction (44 economies × 16 sectors, deficits
purged, the gravity family), one uniform tariff per economy:

* **one best response** — each listed economy's optimal uniform tariff against the factual
  tariffs, from all of the games layer's starts (factual, 1/θ, zero; KKT tolerance 1e-6).
  Target (issue 14): within 10 s.
* **the one-shot system** — Lashkaripour's Nash tariffs from first-order conditions
  (:func:`tariffsim.games.nash_foc`, 2N unknowns).
* ``--war``: the whole best-response war (44 players, sequential updates, until no tariff moves
  by more than 1e-5) — minutes.

Run::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/wiod_games.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/wiod_games.py --players USA,CHN,LUX --war

Prints figures (wall and this process's CPU seconds, and the load average before and after,
since the machine may be shared); asserts nothing.
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
from tariffsim.games import Instrument, Player, best_response, nash_foc, nash_tariffs
from tariffsim.replicate import lashkaripour2021_nash

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
TARGET_SECONDS = 10.0
"""Issue 14: one best response on a 44 × 16 world within 10 s."""


class Clock:
    """Wall and CPU seconds since construction."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--players", default="USA,CHN,DEU,LUX,ROW", help="economies whose best response is timed")
    parser.add_argument("--war", action="store_true", help="also time the whole best-response war (minutes)")
    args = parser.parse_args()
    missing = [f for f in lashkaripour2021_nash.FILES if not (args.data / f).exists()]
    if missing:
        raise SystemExit(f"needs {', '.join(missing)} under {args.data}")
    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"load average at start: {load()}")
    clock = Clock()
    state = lashkaripour2021_nash.setup(args.data)
    world = state.game.world
    wall, cpu = clock.read()
    print(f"world {world.n_countries} x {world.n_sectors}: import and deficit purge {wall:.1f} s (CPU {cpu:.1f} s)")
    rows = []
    for country in args.players.split(","):
        clock = Clock()
        response = best_response(state.game, Player(Instrument(country, partners="mfn", sectors="uniform")))
        wall, cpu = clock.read()
        rows.append((country, wall, cpu, response))
        print(f"  best response {country:4s} {wall:5.1f} s (CPU {cpu:5.1f} s)  "
              f"tariff {100 * response.params[0]:5.1f} %  {response.diagnostics.iterations} equilibrium solves, "
              f"{len(response.starts)} starts, KKT {response.kkt_residual:.1e}")
    clock = Clock()
    foc = nash_foc(state.game)
    foc_wall, foc_cpu = clock.read()
    print(f"  one-shot Nash system {foc_wall:.1f} s (CPU {foc_cpu:.1f} s), {foc.diagnostics.iterations} Newton steps, "
          f"mean welfare {100 * (foc.welfare.mean() - 1):.3f} %")
    if args.war:
        clock = Clock()
        players = [Player(Instrument(c, partners="mfn", sectors="uniform")) for c in world.countries]
        war = nash_tariffs(state.game, players, update="sequential")
        war_wall, war_cpu = clock.read()
        rounds = war.diagnostics.iterations
        print(f"  best-response war {war_wall:.0f} s (CPU {war_cpu:.0f} s), {rounds} rounds")
    print(f"load average at end: {load()}")
    print()
    walls = [r[1] for r in rows]
    cpus = [r[2] for r in rows]
    print(f"one best response on {world.n_countries} x {world.n_sectors}: median {np.median(walls):.1f} s wall "
          f"(CPU {np.median(cpus):.1f} s), slowest {max(walls):.1f} s (CPU {max(cpus):.1f} s); "
          f"target {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
