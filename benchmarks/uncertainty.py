"""Runs over parameter draws: serial vs local processes vs Dask, with speed-up ratios.

Two worlds, each with the default uncertainty (every sector's θ lognormal around the
World's, sd of log 0.48) and Monte Carlo draws from one seed:

* **200 countries, one sector** — :func:`tariffsim.testing.random_world` with a fixed seed,
  θ = 4; the scenario: country C00 raises its tariffs on every partner by 20 points. Goal:
  1,000 draws in ≤ 20 s on 2 cores (the serial time per draw divided by the cores).
* **Caliendo–Parro 31 × 40** (input-output links, the multisector model), read from
  ``../shared/data/caliendo_parro_2015`` (skipped when absent); the scenario: the USA
  taxes goods from Canada and Mexico at 25 %.

For each executor the script prints the wall-clock time of the draws (pool or cluster
start included), the speed-up against serial, the mean solve time of one draw (per
task: the draw's own clock, in its worker), and the overhead per batch: (wall × workers −
Σ draw times) / batches, i.e. what starting workers, shipping the plan and scheduling
cost beside the solves. It checks that the quantile tables of every executor are equal.

Run::

    .venv/bin/python benchmarks/uncertainty.py
    .venv/bin/python benchmarks/uncertainty.py --draws 1000 --cp-draws 200 --workers 2 --executors serial,dask
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

import tariffsim
from tariffsim.testing import random_world
from tariffsim.uncertainty import DaskExecutor, ProcessExecutor, SerialExecutor, run_uncertain
from tariffsim.uncertainty.executors import Executor
from tariffsim.world import World

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"

ONE_SECTOR = """[scenario]
name = "C00 against the world"

[[action]]
imposer = "C00"
target = "all"
sectors = "all"
rate = "20%"
"""

CALIENDO_PARRO = """[scenario]
name = "USA against Canada and Mexico"
model = "multisector"

[[action]]
imposer = "USA"
target = ["CAN", "MEX"]
sectors = "all"
rate = "25%"
"""


def executor(name: str, workers: int) -> tuple[Executor, float]:
    """The executor, started (a Dask LocalCluster's start is timed apart)."""
    if name == "serial":
        return SerialExecutor(), 0.0
    if name == "processes":
        return ProcessExecutor(workers), 0.0
    start = time.perf_counter()
    dask = DaskExecutor(workers=workers)
    _ = dask.workers  # starts the LocalCluster
    return dask, time.perf_counter() - start


def compare(title: str, scenario: str, world: World, draws: int, names: list[str], workers: int) -> None:
    print(f"\n{title}: {world.n_countries} countries × {world.n_sectors} sectors, {draws:,} draws")
    rows = []
    reference: pd.DataFrame | None = None
    serial_wall = None
    for name in names:
        runner, startup = executor(name, workers)
        start = time.perf_counter()
        run = run_uncertain(scenario, world=world, draws=draws, seed=2018, executor=runner)
        total = time.perf_counter() - start
        wall = run.seconds
        solve = float(run.draws["seconds"].sum())
        used = 1 if name == "serial" else workers
        batches = 100 if name == "serial" else 4 * workers
        same = "reference" if reference is None else (
            "identical" if run.quantiles.equals(reference) else "DIFFERENT")
        reference = run.quantiles if reference is None else reference
        serial_wall = wall if name == "serial" else serial_wall
        rows.append({"executor": name, "workers": used, "draws (s)": wall,
                     "speed-up": (serial_wall / wall) if serial_wall else float("nan"),
                     "per draw (ms)": 1e3 * solve / draws,
                     "overhead per batch (s)": max(0.0, wall * used - solve) / batches,
                     "cluster start (s)": startup, "whole call (s)": total, "failed": run.n_failed,
                     "quantiles": same})
    frame = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(frame.to_string(index=False))
    if len(frame) > 1 and "serial" in names:
        best = frame.loc[frame["draws (s)"].idxmin()]
        ideal = float(frame.loc[frame["executor"] == "serial", "draws (s)"].iloc[0]) / workers
        print(f"  best: {best['executor']} {best['draws (s)']:.1f} s; serial time / {workers} cores = {ideal:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--draws", type=int, default=1000, help="draws of the 200-country world")
    parser.add_argument("--cp-draws", type=int, default=1000, help="draws of the Caliendo–Parro world (0: skip it)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executors", default="serial,processes,dask")
    args = parser.parse_args()
    names = [n.strip() for n in args.executors.split(",") if n.strip()]
    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    world = random_world(np.random.default_rng(20180706), 200, 1, theta=(4.0, 4.0))
    compare("one sector", ONE_SECTOR, world, args.draws, names, args.workers)
    folder = args.data / "caliendo_parro_2015"
    if args.cp_draws <= 0 or not folder.is_dir():
        print("\nCaliendo–Parro: skipped (" + ("--cp-draws 0" if args.cp_draws <= 0 else f"{folder} not found") + ")")
        return
    from tariffsim.data.caliendo_parro import read_caliendo_parro

    compare("Caliendo–Parro 1993", CALIENDO_PARRO, read_caliendo_parro(folder).world, args.cp_draws, names,
            args.workers)
    print(f"\nload average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
