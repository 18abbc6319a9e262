"""Robustness of the equilibrium solver: 1,000 random worlds, every one solved or reported.

World ``k`` of a sweep is drawn from ``np.random.default_rng([seed, k])``:

* N countries uniform in 2..60, S sectors uniform in 1..4;
* trade elasticities θ_s uniform in [1, 15] per sector;
* flows: log-normal country sizes times log-normal noise, domestic sales boosted
  5–50×, sector weights per country, and up to 30 % of international cells zero,
  so that countries run trade deficits of every size;
* baseline tariffs uniform in [0, 30 %]; counterfactual tariffs uniform in
  [0, 100 %] on a random share (10–100 %) of the international cells;
* closure drawn from fixed_level / fixed_ratio / balanced; numeraire from
  world output, one country's wage, one country's price index.

Each world is solved with ``tariffsim.simulate`` (default solver options); the
relative market-clearing residual max_i |Σ_{j,s} X'_ijs − Y'_i| / Y'_i is computed
here from ``result.equilibrium.flows`` and ``result.equilibrium.output``, not taken
from the solver's report. A ``ConvergenceError`` (or any other exception) is
counted and its world index printed, so that it can be reproduced with
``--only K``; nothing is skipped.

Run::

    .venv/bin/python benchmarks/convergence_sweep.py              # 1,000 worlds, ~1 min
    .venv/bin/python benchmarks/convergence_sweep.py --only 417   # one world, in detail
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

import tariffsim
from tariffsim import ConvergenceError, GravityModel, Shock, World, simulate

TARGET_RESIDUAL = 1e-9
CLOSURES = ("fixed_level", "fixed_ratio", "balanced")


@dataclass
class Draw:
    """One random world and its counterfactual."""

    index: int
    world: World
    shock: Shock
    model: GravityModel

    def describe(self) -> str:
        w = self.world
        theta = ", ".join(f"{t:.2f}" for t in w.elasticity)
        deficit = np.abs(w.deficit) / w.output
        return (f"world {self.index}: N={w.n_countries}, S={w.n_sectors}, θ=[{theta}], "
                f"closure={self.model.closure}, numeraire={self.model.numeraire}, "
                f"max |deficit|/output={deficit.max():.2f}")


def random_draw(seed: int, index: int) -> Draw:
    """World ``index`` of the sweep with master ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, index])
    n = int(rng.integers(2, 61))
    s = int(rng.integers(1, 5))
    theta = rng.uniform(1.0, 15.0, size=s)
    size = rng.lognormal(0.0, 1.5, size=n)
    sector_weight = rng.dirichlet(np.ones(s), size=n)  # (n, s) supply mix
    flows = (size[:, None, None] * size[None, :, None] * sector_weight[:, None, :]
             * rng.lognormal(0.0, 1.0, size=(n, n, s)))
    zero_share = rng.uniform(0.0, 0.3)
    off = ~np.eye(n, dtype=bool)[:, :, None]
    flows[off & (rng.random((n, n, s)) < zero_share)] = 0.0
    idx = np.arange(n)
    flows[idx, idx, :] *= rng.uniform(5.0, 50.0, size=(n, 1))
    flows[idx, idx, :] += 1e-3 * size[:, None]  # every country sells something at home in every sector
    tariffs = np.where(off, rng.uniform(0.0, 0.30, size=(n, n, s)), 0.0)
    countries = [f"C{k:02d}" for k in range(n)]
    sectors = [f"S{k}" for k in range(s)]
    world = World(countries=countries, sectors=sectors, flows=flows, elasticity=theta, tariffs=tariffs,
                  name=f"random {seed}/{index}")
    new = tariffs.copy()
    change = off & (rng.random((n, n, s)) < rng.uniform(0.1, 1.0))
    if not change.any():  # always change something: a zero shock would not exercise the solver
        change[0, 1, int(rng.integers(0, s))] = True
    new[change] = rng.uniform(0.0, 1.0, size=int(change.sum()))
    shock = Shock.from_arrays(world, tariffs=new, label="random tariffs")
    closure = CLOSURES[int(rng.integers(0, 3))]
    kind = ("world_output", "wage", "price_index")[int(rng.integers(0, 3))]
    numeraire = kind if kind == "world_output" else f"{kind}:{countries[int(rng.integers(0, n))]}"
    return Draw(index, world, shock, GravityModel(closure=closure, numeraire=numeraire))


def relative_residual(result: tariffsim.Result) -> float:
    """max_i |Σ_{j,s} X'_ijs − Y'_i| / Y'_i from the result's arrays."""
    eq = result.equilibrium
    sales = eq.flows.sum(axis=(1, 2))
    output = eq.output
    if not (np.all(np.isfinite(sales)) and np.all(np.isfinite(output)) and np.all(output > 0)):
        return float("inf")
    return float(np.max(np.abs(sales - output) / output))


def solve(draw: Draw) -> dict[str, Any]:
    """Solve one draw; never raises (failures are returned with their status)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            result = simulate(draw.world, draw.shock, model=draw.model)
        except ConvergenceError as exc:
            out: dict[str, Any] = {"status": "ConvergenceError", "error": str(exc),
                                   "diagnostics": getattr(exc, "diagnostics", None)}
        except Exception as exc:  # counted and reported, never skipped
            out = {"status": type(exc).__name__, "error": str(exc)}
        else:
            out = {"status": "ok" if result.diagnostics.converged else "unconverged",
                   "residual": relative_residual(result), "iterations": result.diagnostics.iterations,
                   "method": result.diagnostics.method, "result": result}
        out["seconds"] = time.perf_counter() - start
    out["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="solve many random worlds; report convergence and residuals")
    parser.add_argument("--worlds", type=int, default=1000, help="number of random worlds (default 1000)")
    parser.add_argument("--seed", type=int, default=20240601, help="master seed (default 20240601)")
    parser.add_argument("--only", type=int, default=None, help="solve only world K of the sweep, in detail")
    args = parser.parse_args(argv)

    if args.only is not None:
        draw = random_draw(args.seed, args.only)
        print(draw.describe())
        out = solve(draw)
        print({k: v for k, v in out.items() if k != "result"})
        return 0 if out["status"] == "ok" and out["residual"] < TARGET_RESIDUAL else 1

    outcomes = []
    start = time.perf_counter()
    for k in range(args.worlds):
        draw = random_draw(args.seed, k)
        out = solve(draw)
        out.pop("result", None)
        out.update(index=k, n=draw.world.n_countries, s=draw.world.n_sectors, closure=draw.model.closure,
                   numeraire=str(draw.model.numeraire), describe=draw.describe())
        outcomes.append(out)
        if out["status"] != "ok":
            print(f"  {out['status']} in {draw.describe()} -- reproduce with --seed {args.seed} --only {k}: "
                  f"{out.get('error', '')}")
    total = time.perf_counter() - start

    ok = [o for o in outcomes if o["status"] == "ok"]
    failed = [o for o in outcomes if o["status"] != "ok"]
    seconds = [o["seconds"] for o in outcomes]
    residuals = [o["residual"] for o in ok]
    worst = max(ok, key=lambda o: o["residual"]) if ok else None
    above = [o for o in ok if not o["residual"] < TARGET_RESIDUAL]
    methods: dict[str, int] = {}
    for o in ok:
        methods[o["method"]] = methods.get(o["method"], 0) + 1

    print(f"tariffsim {tariffsim.__version__}: {args.worlds} random worlds (seed {args.seed}), "
          f"{total:.1f} s in all")
    print(f"converged: {len(ok)} / {args.worlds}; failures: {len(failed)}"
          + (" (" + ", ".join(f"world {o['index']}: {o['status']}" for o in failed[:20]) + ")" if failed else ""))
    for closure in CLOSURES:
        group = [o for o in outcomes if o["closure"] == closure]
        good = [o for o in group if o["status"] == "ok"]
        print(f"  {closure:<12} {len(good):>4} / {len(group):<4} converged; worst residual "
              + (f"{max(o['residual'] for o in good):.1e}" if good else "—"))
    print("  solver paths: " + ", ".join(f"{m} {c}" for m, c in sorted(methods.items())))
    if worst is not None:
        print(f"worst relative market-clearing residual: {worst['residual']:.2e} ({worst['describe']})")
        print(f"median residual: {statistics.median(residuals):.1e}")
    print(f"time per solve: median {1e3 * statistics.median(seconds):.2f} ms, max {1e3 * max(seconds):.1f} ms "
          f"({max(outcomes, key=lambda o: o['seconds'])['describe']})")
    fallback = [o for o in ok if o["method"] not in ("anderson", "none")]
    if fallback:
        print("solved after the accelerated fixed point stalled: " + ", ".join(
            f"world {o['index']} ({o['method']})" for o in fallback[:20]))
    noisy = [o for o in outcomes if o["warnings"]]
    if noisy:
        print(f"worlds that emitted warnings while solving: {len(noisy)}; e.g. " + "; ".join(
            f"world {o['index']}: {o['warnings'][0]}" for o in noisy[:5]))
    if above:
        print(f"converged but residual >= {TARGET_RESIDUAL:g}: " + ", ".join(
            f"world {o['index']} ({o['residual']:.1e})" for o in above[:20]))
    holds = not failed and not above
    print(f"target: all {args.worlds} converge with relative residual < {TARGET_RESIDUAL:g}: "
          + ("holds" if holds else "FAILS"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
