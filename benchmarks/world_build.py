"""How long it takes to build the bundled demo world from world-2017.

The demo world (``data/demo.py``) is world-2017 aggregated on first use; this prints the
best and median of ``--repeats`` uncached aggregations (world-2017 itself is read once). The target is 200 ms
(a user's first ``tariffsim run --demo`` should not wait on it). A figure, not a test:
unit tests never assert wall-clock time.

Run::

    .venv/bin/python benchmarks/world_build.py --repeats 7
"""

from __future__ import annotations

import argparse
import statistics
import time

from tariffsim.data import demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        world = demo._build_uncached()
        timings.append(time.perf_counter() - start)
    print(f"demo world {world.name} ({world.n_countries} × {world.n_sectors}): best {min(timings) * 1e3:.1f} ms, "
          f"median {statistics.median(timings) * 1e3:.1f} ms over {args.repeats} builds (target 200 ms)")


if __name__ == "__main__":
    main()
