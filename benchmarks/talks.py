"""Speed of the trade-talks tools: a bilateral Nash bargain, a target search, Ossa's cooperative tariffs.

Targets (issue 15), on 2 cores:

* one bilateral Nash bargain on the demo World (USA and CHN, each side's uniform tariff on
  the other, threat = the May 2018 threat with retaliation) — under 10 s; the same with
  China's purchase commitment on the table (derivative-free) is printed for information;
* a target search (CHN's surplus with the USA −$200 bn; a US tariff, a purchase commitment)
  — at most 20 general-equilibrium solves;
* Ossa's cooperative problem (7 regions × 33 industries, equal government welfare gains
  over the factual tariffs, his restricted bounds [0, 10]) — under 3 minutes; MFN tariffs by
  default (231 unknowns), ``--partners each`` for the discriminatory problem (1,386 unknowns);
  ``--case pol`` for the calibrated political-economy weights (the abstract's case);
  ``--method slsqp`` for the SLSQP path. Each problem is solved from every start of
  :func:`tariffsim.replicate.ossa2014_talks.starts` (Ossa's guess, free trade, and for MFN the
  factual tariffs; on as many processes as there are starts and cores, so the wall time is the
  slowest start's and the CPU time that of all of them) and the solves per start are printed too. Needs
  ``../shared/data/ossa_2014`` (skipped without it).

Run::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/talks.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/talks.py --skip-ossa
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/talks.py --partners each --case pol

Prints figures; asserts nothing. The load average is printed before and after, since the
machine may be shared; beside wall time, the process's CPU time is printed — with one BLAS
thread it is what the wall time would be on an idle core.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tariffsim
from _measure import children_cpu, load
from tariffsim.data import load_world
from tariffsim.games import PurchaseLever, bilateral_instruments, find_target, nash_bargain

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"
THREAT = "threat-150bn-2018-retaliation"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the starts' workers)."""
    return time.process_time() + children_cpu()


def timed(what: str, target: str, run: Callable[[], Any], describe: Callable[[Any], str]) -> None:
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = run()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"{what:<58} {wall:8.2f} s wall {cpu:8.2f} s CPU   target {target:<10} {describe(out)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--partners", choices=("mfn", "each"), default="mfn", help="Ossa's cooperative tariffs")
    parser.add_argument("--skip-ossa", action="store_true", help="only the demo-World benchmarks")
    parser.add_argument("--method", choices=("lagrangian", "slsqp"), default="lagrangian",
                        help="Ossa's cooperative tariffs: the augmented Lagrangian (default) or SLSQP")
    parser.add_argument("--case", choices=("bas", "pol"), default="bas",
                        help="Ossa's cooperative tariffs: lambda = 1 (bas) or the calibrated weights (pol)")
    args = parser.parse_args()
    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cores, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"load average at start: {load()}")
    world = load_world("demo-2017")
    parties = ["USA", "CHN"]

    def gains(bargain: Any) -> str:
        g = bargain.gains.set_index("party")["gain_pp"]
        return (f"{bargain.diagnostics.iterations} solves; gains over the threat USA {g['USA']:+.4f}, "
                f"CHN {g['CHN']:+.4f} points")

    timed("Nash bargain, uniform tariffs (exact gradients)", "< 10 s",
          lambda: nash_bargain(world, parties, threat=THREAT), gains)
    timed("Nash bargain, tariffs + CHN purchases (derivative-free)", "(info)",
          lambda: nash_bargain(world, parties, threat=THREAT,
                               instruments=[*bilateral_instruments(parties), PurchaseLever("CHN", "USA")]), gains)
    for instrument in ("tariff:USA:CHN", "purchase:CHN:USA"):
        timed(f"target CHN:USA -$200 bn by {instrument}", "<= 20 solves",
              lambda instrument=instrument: find_target(world, "CHN:USA", -200_000, instrument),
              lambda answer: f"{answer.diagnostics.iterations} solves; {answer.describe()}")
    folder = args.data / "ossa_2014"
    if args.skip_ossa or not folder.is_dir():
        print("Ossa's cooperative tariffs: skipped" + ("" if args.skip_ossa else f" (no {folder})"))
    else:
        from tariffsim.replicate import ossa2014_optimal, ossa2014_talks

        begin = time.perf_counter()
        state = ossa2014_optimal.setup(args.data, "foc", [args.case])
        print(f"Ossa's data and lambda ({args.case}): {time.perf_counter() - begin:.1f} s")

        def common(out: Any) -> str:
            coop = out[2]
            per_start = "; ".join(f"start {row.start}: {row.common_gain_pct:.4f} % in {row.solves} solves"
                                  for row in coop.attempts.itertuples())
            return (f"{coop.diagnostics.iterations} solves; common gain {coop.common_gain_pct:.4f} % "
                    f"(gains differ by {coop.constraint_residual:.1e}, first-order residual {coop.kkt_residual:.1e}; "
                    f"{per_start})")

        starts = len(ossa2014_talks.starts(state, args.case, args.partners))
        label = f"{starts} start{'s' if starts > 1 else ''}" + (" at once" if starts > 1 else "")
        timed(f"Ossa cooperative ({args.case}, {args.partners}, {label}, {args.method})", "< 180 s",
              lambda: ossa2014_talks.cooperative_case(state, args.case, partners=args.partners, tol=1e-9,
                                                      method=args.method), common)
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
