"""Speed and scale of a one-sector general-equilibrium counterfactual, beside USITC's gegravity.

For N = 30, 60, 120, 200 and 1,000 countries a synthetic world is generated
deterministically (see :func:`synthetic_case`): gravity-like flows from random
sizes and distances, domestic sales, one sector, θ = σ − 1 = 4, and three cost
variables (``lndist``, a ``pta`` dummy, an ``international`` border) with fixed
coefficients. The counterfactual is a new PTA between the two largest countries.
The same data go to both packages:

* tariffsim: ``fitted_world(world, T, output=Y, expenditure=E)`` with
  T = exp(Σ β x) is the baseline (preparation, timed apart), the shock is
  ``Shock.from_cost_variables``, the model ``GravityModel(closure="fixed_ratio",
  numeraire="price_index:<reference>")``. Timed: ``simulate(world, shock)`` plus
  building ``result.countries``, ``result.bilateral`` and ``result.sectors``
  (median of ``--repeats`` runs, each on fresh World and Shock objects so that no
  fingerprint is cached); peak memory: tracemalloc during one more such run.
* gegravity 0.3, in its own environment (``peer_env.py``) through
  ``_gegravity_worker.py``: ``build_baseline`` + ``define_experiment`` + ``simulate``.

Both market-clearing residuals are max_i |Σ_j X'_ij − Y'_i| / Y'_i computed from
each package's own counterfactual flows and output.

The gegravity sample data (``../shared/data/gegravity/sample_data_set_30c_2006.csv``,
σ = 5, CAN–JPN PTA, reference importer DEU) is run too when present.

Run::

    .venv/bin/python benchmarks/ge_speed.py                 # everything (~6 min, gegravity included)
    .venv/bin/python benchmarks/ge_speed.py --no-peer       # tariffsim only (seconds)
    .venv/bin/python benchmarks/ge_speed.py --sizes 30,200 --repeats 15
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import tariffsim
from tariffsim import GravityModel, Shock, World, fitted_world, simulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from peer_env import ensure_peer_env, peer_versions  # noqa: E402

WORKER = HERE / "_gegravity_worker.py"
SHARED = HERE.parent.parent / "shared"
SAMPLE = SHARED / "data" / "gegravity" / "sample_data_set_30c_2006.csv"

THETA = 4.0  # σ = 5
SYNTHETIC_COEFFICIENTS = {"lndist": -0.3898623, "pta": 0.4711383, "international": -3.412584}
SAMPLE_COEFFICIENTS = {"lndist": -0.3898623, "contiguity": 0.891577, "common_language": 0.0326249,
                       "pta": 0.4711383, "international": -3.412584}
PEER_MAX_N = 330  # gegravity is reported to fail above ~330 countries

TARGET_N200_MS = 50.0
TARGET_RATIO = 500.0
TARGET_N1000_MS = 1000.0


# ---------------------------------------------------------------------- test cases
@dataclass
class Case:
    """One benchmark case: gravity data in gegravity's layout plus the counterfactual."""

    name: str
    data: pd.DataFrame  # exporter, importer, year, trade, Y, E, cost variables; one row per pair
    counterfactual: pd.DataFrame  # the same table with the changed cost variables
    coefficients: dict[str, float]
    theta: float
    reference: str
    n: int = field(init=False)

    def __post_init__(self) -> None:
        self.n = int(self.data["exporter"].nunique())

    def changed_pairs(self) -> pd.DataFrame:
        """Only the rows whose cost variables change (what the worker needs)."""
        cols = list(self.coefficients)
        diff = (self.data[cols].to_numpy(float) != self.counterfactual[cols].to_numpy(float)).any(axis=1)
        return self.counterfactual.loc[diff, ["exporter", "importer", *cols]]


def synthetic_case(n: int, seed: int = 20240601) -> Case:
    """A deterministic gravity-like world of ``n`` countries in gegravity's data layout.

    Sizes are log-normal; locations uniform on a 100 × 100 square; internal distance
    is a third of the distance to the nearest neighbour. One pair in six has a PTA.
    Observed flows are ``Y0_i E0_j T_ij`` times log-normal noise, so output
    (row sums) and expenditure (column sums) differ: countries run trade deficits.
    The counterfactual gives the two largest countries a PTA (they have none).
    """
    rng = np.random.default_rng([seed, n])
    size = rng.lognormal(mean=0.0, sigma=1.5, size=n)
    size = 1e6 * size / size.sum() * n / 30  # USD millions, roughly world-GDP scale at n = 30
    xy = rng.uniform(0.0, 100.0, size=(n, 2))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    internal = dist.min(axis=1) / 3.0
    np.fill_diagonal(dist, internal)
    lndist = np.log(dist)
    upper = np.triu(rng.random((n, n)) < 1.0 / 6.0, k=1)
    pta = (upper | upper.T).astype(float)
    international = 1.0 - np.eye(n)
    largest = np.argsort(size)[::-1]
    a, b = largest[0], largest[1]
    pta[a, b] = pta[b, a] = 0.0
    beta = SYNTHETIC_COEFFICIENTS
    T = np.exp(beta["lndist"] * lndist + beta["pta"] * pta + beta["international"] * international)
    demand = size * np.exp(0.2 * rng.standard_normal(n))
    flows = size[:, None] * demand[None, :] * T * np.exp(0.5 * rng.standard_normal((n, n)))
    flows *= size.sum() / flows.sum()
    labels = np.array([f"C{k:04d}" for k in range(n)], dtype=object)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    data = pd.DataFrame({
        "exporter": labels[ii.ravel()],
        "importer": labels[jj.ravel()],
        "year": 2020,
        "trade": flows.ravel(),
        "Y": flows.sum(axis=1)[ii.ravel()],
        "E": flows.sum(axis=0)[jj.ravel()],
        "lndist": lndist.ravel(),
        "pta": pta.ravel(),
        "international": international.ravel(),
    })
    cf = data.copy()
    new = ((cf["exporter"] == labels[a]) & (cf["importer"] == labels[b])) | (
        (cf["exporter"] == labels[b]) & (cf["importer"] == labels[a]))
    cf.loc[new, "pta"] = 1.0
    return Case(name=f"synthetic N={n}", data=data, counterfactual=cf, coefficients=dict(beta), theta=THETA,
                reference=str(labels[largest[2]]))


def sample_case() -> Case | None:
    """gegravity's 30-country sample with its documented CAN–JPN PTA experiment."""
    if not SAMPLE.exists():
        return None
    data = pd.read_csv(SAMPLE)
    cf = data.copy()
    pair = ((cf["exporter"] == "CAN") & (cf["importer"] == "JPN")) | (
        (cf["exporter"] == "JPN") & (cf["importer"] == "CAN"))
    cf["pta"] = cf["pta"].astype(float)
    cf.loc[pair, "pta"] = 1.0
    return Case(name="gegravity sample (30c, 2006)", data=data, counterfactual=cf,
                coefficients=dict(SAMPLE_COEFFICIENTS), theta=4.0, reference="DEU")


# ---------------------------------------------------------------------- tariffsim
def _grid(case: Case, countries: tuple[str, ...], frame: pd.DataFrame) -> np.ndarray:
    """T = exp(Σ β x) on the country grid, shape (N, N)."""
    index = pd.Index(countries)
    i = index.get_indexer(frame["exporter"])
    j = index.get_indexer(frame["importer"])
    log_t = sum(beta * frame[v].to_numpy(dtype=np.float64) for v, beta in case.coefficients.items())
    out = np.full((len(countries), len(countries)), np.nan)
    out[i, j] = np.exp(log_t)
    return out


@dataclass
class Prepared:
    world: World
    shock: Shock
    model: GravityModel
    seconds: float  # baseline prep: World, fitted baseline, shock


def prepare(case: Case) -> Prepared:
    """Baseline preparation (not part of the counterfactual's time)."""
    start = time.perf_counter()
    observed = World.from_frames(case.data.rename(columns={"trade": "value"})[["exporter", "importer", "value"]],
                                 elasticity=case.theta, name=case.name)
    countries = observed.countries
    output = case.data.groupby("exporter")["Y"].mean().reindex(countries).to_numpy(dtype=np.float64)
    expenditure = case.data.groupby("importer")["E"].mean().reindex(countries).to_numpy(dtype=np.float64)
    world = fitted_world(observed, _grid(case, countries, case.data), output=output, expenditure=expenditure)
    shock = Shock.from_cost_variables(world, case.data, case.counterfactual, case.coefficients, label="new PTA")
    model = GravityModel(closure="fixed_ratio", numeraire=f"price_index:{case.reference}")
    return Prepared(world, shock, model, time.perf_counter() - start)


def _fresh(prep: Prepared) -> tuple[World, Shock]:
    """New World and Shock objects with the same data (their fingerprints are not cached)."""
    w = prep.world
    world = World(countries=w.countries, sectors=w.sectors, flows=w.flows, elasticity=w.elasticity,
                  tariffs=w.tariffs, year=w.year, name=w.name)
    s = prep.shock
    shock = Shock(s.countries, s.sectors, tariffs=s.tariffs, trade_cost_hat=s.trade_cost_hat, label=s.label)
    return world, shock


def _counterfactual(world: World, shock: Shock, model: GravityModel) -> tariffsim.Result:
    result = simulate(world, shock, model=model)
    _ = (result.countries, result.bilateral, result.sectors)
    return result


def market_clearing_residual(result: tariffsim.Result) -> float:
    """max_i |Σ_j X'_ij − Y'_i| / Y'_i from the result's arrays."""
    eq = result.equilibrium
    sales = eq.flows.sum(axis=(1, 2))
    return float(np.max(np.abs(sales - eq.output) / eq.output))


def time_tariffsim(prep: Prepared, repeats: int) -> dict[str, Any]:
    _counterfactual(*_fresh(prep), prep.model)  # warm-up: imports, first-call costs
    seconds = []
    result = None
    for _ in range(repeats):
        world, shock = _fresh(prep)
        start = time.perf_counter()
        result = _counterfactual(world, shock, prep.model)
        seconds.append(time.perf_counter() - start)
    assert result is not None
    world, shock = _fresh(prep)
    tracemalloc.start()
    tracemalloc.reset_peak()
    _counterfactual(world, shock, prep.model)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"ms": 1e3 * statistics.median(seconds), "ms_min": 1e3 * min(seconds), "ms_max": 1e3 * max(seconds),
            "peak_mib": peak / 2**20, "residual": market_clearing_residual(result),
            "iterations": result.diagnostics.iterations, "method": result.diagnostics.method,
            "solve_ms": 1e3 * result.diagnostics.seconds, "result": result}


# ---------------------------------------------------------------------- gegravity
def run_gegravity(python: Path, case: Case, repeats: int, timeout: float, memory: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ge_speed_") as tmp:
        base = Path(tmp) / "baseline.csv"
        cf = Path(tmp) / "counterfactual.csv"
        case.data.to_csv(base, index=False)
        case.changed_pairs().to_csv(cf, index=False)
        cmd = [str(python), str(WORKER), "--baseline", str(base), "--counterfactual", str(cf),
               "--coefficients", json.dumps(case.coefficients), "--sigma", str(case.theta + 1.0),
               "--reference", case.reference, "--repeats", str(repeats)] + ([] if memory else ["--no-memory"])
        start = time.perf_counter()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
        wall = time.perf_counter() - start
    if out.returncode != 0 or not out.stdout.strip():
        tail = " | ".join(out.stderr.strip().splitlines()[-3:])
        return {"ok": False, "error": f"worker exited {out.returncode}: {tail}"}
    record: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    record["worker_wall_seconds"] = wall
    return record


def agreement(ts: tariffsim.Result, ge: dict[str, Any]) -> dict[str, float]:
    """Largest gaps between the two packages' country results, percentage points."""
    frame = pd.DataFrame(ge["countries"]).set_index("country")
    ours = ts.countries.set_index("country").reindex(frame.index)
    return {
        "factory_price_pp": float((ours["factory_price_pct"] - frame["factory gate price change (percent)"])
                                  .abs().max()),
        "real_gdp_pp": float((ours["real_gdp_pct"] - frame["GDP change (percent)"]).abs().max()),
    }


# ---------------------------------------------------------------------- report
def _fmt(value: float | None, spec: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—".rjust(int(spec.split(".")[0]))
    return format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one-sector GE counterfactual: tariffsim beside gegravity")
    parser.add_argument("--sizes", default="30,60,120,200,1000",
                        help="comma-separated numbers of countries (default 30,60,120,200,1000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed tariffsim runs per size (median reported)")
    parser.add_argument("--no-peer", action="store_true", help="do not run gegravity")
    parser.add_argument("--peer-max-n", type=int, default=PEER_MAX_N,
                        help=f"largest N given to gegravity (default {PEER_MAX_N}: it is reported to fail above)")
    parser.add_argument("--peer-timeout", type=float, default=3600.0, help="seconds allowed per gegravity run")
    parser.add_argument("--no-sample", action="store_true", help="skip the gegravity sample data set")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    python = None
    peer_note = "peer not requested (--no-peer)"
    if not args.no_peer:
        python = ensure_peer_env()
        versions = peer_versions()
        peer_note = ("gegravity " + versions.get("gegravity", "?") + " (" +
                     ", ".join(f"{k} {v}" for k, v in versions.items() if k != "gegravity") + ")"
                     if python else "peer unavailable: see the reason above; only tariffsim's figures are shown")

    cases: list[Case] = []
    if not args.no_sample:
        sample = sample_case()
        if sample is None:
            print(f"skipping the gegravity sample: {SAMPLE} is absent (../shared not mounted)")
        else:
            cases.append(sample)
    cases += [synthetic_case(n) for n in sizes]

    print(f"tariffsim {tariffsim.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, {dt.date.today().isoformat()}")
    print(f"peer: {peer_note}")
    rows = []
    for case in cases:
        prep = prepare(case)
        ts = time_tariffsim(prep, args.repeats)
        ge: dict[str, Any] | None = None
        note = ""
        if python is None:
            note = "peer unavailable" if not args.no_peer else ""
        elif case.n > args.peer_max_n:
            note = (f"gegravity skipped at N={case.n} (above --peer-max-n {args.peer_max_n}): its root solves "
                    f"({2 * case.n - 1} and {3 * case.n - 1} unknowns, finite-difference Jacobians) need more "
                    "function evaluations than its maxfev defaults (1,400 and 1,000) once N > ~350, so it stops "
                    "unconverged; at N=1,000 that took 40 min here (docs/benchmarks.md)")
        else:
            print(f"  running gegravity on {case.name} ...", flush=True)
            ge = run_gegravity(python, case, repeats=3 if case.n <= 60 else 1, timeout=args.peer_timeout)
            if not ge.get("ok"):
                note = f"gegravity failed at N={case.n}: {ge.get('error')}"
        row: dict[str, Any] = {
            "case": case.name, "n": case.n, "prep_ms": 1e3 * prep.seconds,
            "tariffsim_ms": ts["ms"], "tariffsim_ms_min": ts["ms_min"], "tariffsim_ms_max": ts["ms_max"],
            "tariffsim_solve_ms": ts["solve_ms"], "tariffsim_iterations": ts["iterations"],
            "tariffsim_method": ts["method"], "tariffsim_peak_mib": ts["peak_mib"],
            "tariffsim_residual": ts["residual"], "note": note,
        }
        if ge is not None and ge.get("ok"):
            row.update({
                "gegravity_ms": 1e3 * ge["seconds"], "gegravity_setup_ms": 1e3 * ge["setup_seconds"],
                "gegravity_peak_mib": ge["peak_mib"], "gegravity_maxrss_mib": ge["maxrss_mib"],
                "gegravity_residual": ge["market_clearing_residual"],
                "gegravity_residual_scale_free": ge["market_clearing_residual_scale_free"],
                "gegravity_baseline_residual": ge["baseline_market_clearing_residual"],
                "gegravity_omr_rescale": ge["omr_rescale"], "gegravity_solver": ge["solver"],
                "gegravity_rescale_attempts": len(ge["attempts"]),
                "ratio": ge["seconds"] * 1e3 / ts["ms"], **agreement(ts["result"], ge),
            })
        elif ge is not None:
            row["gegravity_error"] = ge.get("error")
        rows.append(row)
        if note:
            print("  " + note)

    header = (f"{'N':>6} {'case':<12} {'tariffsim ms':>12} {'ts peak MiB':>11} {'gegravity ms':>12} "
              f"{'ge peak MiB':>11} {'ratio ge/ts':>11} {'ts residual':>11} {'ge residual':>11}")
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        kind = "sample" if r["case"].startswith("gegravity") else "synthetic"
        print(f"{r['n']:>6} {kind:<12} {_fmt(r['tariffsim_ms'], '12.2f')} {_fmt(r['tariffsim_peak_mib'], '11.2f')} "
              f"{_fmt(r.get('gegravity_ms'), '12.0f')} {_fmt(r.get('gegravity_peak_mib'), '11.2f')} "
              f"{_fmt(r.get('ratio'), '11.0f')} {_fmt(r['tariffsim_residual'], '11.1e')} "
              f"{_fmt(r.get('gegravity_residual'), '11.1e')}")
    print()
    print("tariffsim ms: simulate() + countries/bilateral/sectors tables, median of "
          f"{args.repeats}; baseline prep (World, fitted_world, Shock) apart: "
          + ", ".join(f"N={r['n']} {r['prep_ms']:.0f} ms" for r in rows))
    print("gegravity ms: build_baseline + define_experiment + simulate (median of 3 at N <= 60, else one run).")
    print("residual: max_i |sum_j X'_ij - Y'_i| / Y'_i from each package's own counterfactual flows and output.")
    gaps = [r for r in rows if "factory_price_pp" in r]
    if gaps:
        print("gegravity vs tariffsim, largest gap over countries (pp): " + "; ".join(
            f"N={r['n']} factory-gate price {r['factory_price_pp']:.3f}, real GDP {r['real_gdp_pp']:.3f}"
            for r in gaps))
        print("gegravity scale-free residual (sales and output as world shares): " + ", ".join(
            f"N={r['n']} {r['gegravity_residual_scale_free']:.1e}" for r in gaps))

    def synthetic(n: int) -> dict[str, Any] | None:
        return next((r for r in rows if r["n"] == n and not r["case"].startswith("gegravity")), None)

    verdicts = []
    r200 = synthetic(200)
    verdicts.append("N=200 end to end <= 50 ms: " + (
        "not measured" if r200 is None else
        f"{'holds' if r200['tariffsim_ms'] <= TARGET_N200_MS else 'FAILS'} ({r200['tariffsim_ms']:.1f} ms)"))
    for n in (120, 200):
        r = synthetic(n)
        if r is None or "ratio" not in r:
            verdicts.append(f">= 500x faster than gegravity at N={n}: not measured")
        else:
            verdicts.append(f">= 500x faster than gegravity at N={n}: "
                            f"{'holds' if r['ratio'] >= TARGET_RATIO else 'FAILS'} ({r['ratio']:.0f}x)")
    r1000 = synthetic(1000)
    verdicts.append("N=1,000 <= 1 s: " + (
        "not measured" if r1000 is None else
        f"{'holds' if r1000['tariffsim_ms'] <= TARGET_N1000_MS else 'FAILS'} ({r1000['tariffsim_ms']:.0f} ms)"))
    print("targets: " + " | ".join(verdicts))

    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "tariffsim": tariffsim.__version__,
            "peer": peer_note, "repeats": args.repeats, "rows": rows, "targets": verdicts,
        }, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
