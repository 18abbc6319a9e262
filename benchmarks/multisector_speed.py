"""Speed and memory of the multi-sector model with input-output links (Caliendo & Parro 2015).

Two cases, each timed as the median of ``--repeats`` runs on fresh World and
Shock objects, with the cache of purged baselines emptied before each run:

* **NAFTA** — CP's 31 regions × 40 sectors, 1993, from ``../shared/data`` (skipped
  when absent): ``simulate(world, shock, model=MultisectorModel(closure="balanced"))``,
  which purges the deficits and then solves the counterfactual; the counterfactual
  alone (from the purged baseline) is timed too. Target: ≤ 2 s on 2 cores.
* **Synthetic GTAP-size world** — 60 countries × 65 sectors (15 non-tradable), from
  :func:`tariffsim.testing.random_io_world` with a fixed seed; the shock is a
  trade war: the largest economy raises every tariff by 25 points and every other
  country raises its tariffs on it by 25 points. Timed with the ``fixed_level``
  closure and with ``balanced`` (purge + counterfactual). Target: ≤ 30 s and ≤ 4 GiB.

Peak memory is measured with :mod:`tracemalloc` (numpy reports its buffers to it)
over one more run of each case; the process's peak resident set size is printed too.

Run::

    .venv/bin/python benchmarks/multisector_speed.py
    .venv/bin/python benchmarks/multisector_speed.py --repeats 5 --data ../shared/data
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

import tariffsim
from tariffsim import Result, Shock, World, simulate
from tariffsim.models.multisector import MultisectorModel

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data"


def timed(run: Callable[[], Result], repeats: int) -> tuple[float, Result]:
    """Median wall time of ``repeats`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def peak_memory(run: Callable[[], Result]) -> float:
    """Peak traced allocation of one run, MiB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def fresh(world: World) -> World:
    """A new World object with the same data, and no purged baseline left in the model's cache."""
    from tariffsim.models.multisector import model as multisector_model

    multisector_model._PURGED.clear()  # purges are cached by data fingerprint; time them every run
    return world.replace()


def nafta(data: Path, repeats: int) -> None:
    from tariffsim.data.caliendo_parro import read_caliendo_parro
    from tariffsim.models.multisector import purge_deficits

    folder = data / "caliendo_parro_2015"
    if not folder.is_dir():
        print(f"NAFTA: skipped ({folder} not found)")
        return
    start = time.perf_counter()
    cp = read_caliendo_parro(folder)
    load = time.perf_counter() - start
    model = MultisectorModel(closure="balanced")

    def run() -> Result:
        world = fresh(cp.world)
        return simulate(world, Shock.from_arrays(world, tariffs=cp.nafta_tariffs), model=model)

    seconds, result = timed(run, repeats)
    purged = purge_deficits(cp.world)
    counterfactual, _ = timed(lambda: simulate(purged, Shock.from_arrays(purged, tariffs=cp.nafta_tariffs),
                                               model=MultisectorModel()), repeats)
    peak = peak_memory(run)
    table = result.countries.set_index("country")
    d = result.diagnostics
    print(f"NAFTA (31 × 40, CP 2015): load {load:.2f} s; purge + counterfactual {seconds:.3f} s "
          f"(target ≤ 2 s); counterfactual alone {counterfactual:.3f} s; peak {peak:.0f} MiB; "
          f"{d.iterations} iterations, residual {d.residual:.1e}")
    print("  welfare (CP's definition) MEX {:.4f} CAN {:.4f} USA {:.4f} (published 1.31, -0.06, 0.08)".format(
        *(table.loc[c, "welfare_first_order_pct"] for c in ("MEX", "CAN", "USA"))))


def trade_war(world: World) -> Shock:
    tariffs = np.array(world.tariffs, copy=True)
    big = int(np.argmax(world.value_added))
    traded = np.asarray(world.traded)
    tariffs[:, big, traded] += 0.25
    tariffs[big, :, traded] += 0.25
    n = world.n_countries
    tariffs[np.arange(n), np.arange(n), :] = 0.0
    return Shock.from_arrays(world, tariffs=tariffs, label="trade war against the largest economy")


def synthetic(n: int, s: int, non_traded: int, repeats: int) -> None:
    from tariffsim.testing import random_io_world

    start = time.perf_counter()
    base = random_io_world(np.random.default_rng(20180706), n, s, non_traded=non_traded)
    build = time.perf_counter() - start
    for closure in ("fixed_level", "balanced"):
        model = MultisectorModel(closure=closure)

        def run(model: MultisectorModel = model) -> Result:
            world = fresh(base)
            return simulate(world, trade_war(world), model=model)

        seconds, result = timed(run, repeats)
        peak = peak_memory(run)
        d = result.diagnostics
        print(f"synthetic {n} × {s} ({non_traded} non-tradable), {closure}: {seconds:.2f} s (target ≤ 30 s); "
              f"peak {peak:.0f} MiB (target ≤ 4096); {d.method}, {d.iterations} iterations, residual "
              f"{d.residual:.1e}  [world built in {build:.1f} s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data root")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")
    nafta(args.data, args.repeats)
    synthetic(60, 65, 15, args.repeats)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident set size of this process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
