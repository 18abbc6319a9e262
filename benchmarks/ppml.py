"""PPML with three-way fixed effects: tariffsim.estimate.ppml beside a direct pyfixest call.

Two cases:

* the Advanced Guide's 69-country panel (``../shared/data/yotov2016_agtpa/``,
  1986–2006 every four years, 28,566 rows; skipped when absent):
  ``trade ~ rta | exporter^year + importer^year + pair`` with symmetric pairs and one
  domestic pair effect, as in the book's ch. 2, application 2;
* a synthetic panel of 200 countries × 5 years (200,000 rows, about half of them
  zeros; built deterministically by :func:`synthetic_panel`), same formula with
  directional pairs.

Both sides get the same settings (clustered by pair with Stata's small-sample
convention, IRLS tolerance 1e-10, demeaning tolerance 1e-9, the ``fe`` separation
check, singletons kept), so the ratio measures what tariffsim's layer costs:
checking and copying the input, classifying dropped rows, rebuilding the design,
balancing the fixed effects to the adding-up constraints and building the
frozen result. pyfixest with its own defaults is timed too, for context.
Timings are medians over ``--repeats`` runs after one warm-up, alternating the order.

The adding-up residual is max over fixed-effect levels of |Σ fitted / Σ observed − 1|:
for pyfixest, of its IRLS fitted values; for tariffsim, after the polish.

Run::

    .venv/bin/python benchmarks/ppml.py
    .venv/bin/python benchmarks/ppml.py --repeats 5 --countries 200 --years 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.demeaners import MapDemeaner

from tariffsim.estimate import GravitySpec, PPMLOptions, adding_up_residual, pair_ids, ppml

HERE = Path(__file__).resolve().parent
PANEL = HERE.parents[1] / "shared" / "data" / "yotov2016_agtpa" / "agtpa_panel_69c_1986_2006.parquet"
FORMULA = "trade ~ rta | exporter^year + importer^year + pair"


def synthetic_panel(countries: int, years: int, seed: int = 20160101) -> pd.DataFrame:
    """A gravity panel: sizes, distances, pair noise, staggered RTAs, Poisson flows (many zeros)."""
    rng = np.random.default_rng(seed)
    ex, im, yr = (a.ravel() for a in np.meshgrid(np.arange(countries), np.arange(countries), np.arange(years),
                                                 indexing="ij"))
    size = rng.normal(0.0, 1.5, countries)
    location = rng.uniform(0.0, 10.0, (countries, 2))
    dist = np.sqrt(((location[:, None] - location[None]) ** 2).sum(-1)) + 0.5
    pair_cost = -np.log(dist) + rng.normal(0.0, 0.5, (countries, countries))
    pair_cost[np.arange(countries), np.arange(countries)] += 3.0
    start = rng.integers(0, 2 * years, (countries, countries))
    rta = ((yr >= start[ex, im]) & (ex != im)).astype(float)
    eta = size[ex] + size[im] + 0.1 * yr + pair_cost[ex, im] + 0.4 * rta
    trade = rng.poisson(2.0 * np.exp(eta)).astype(float)
    frame = pd.DataFrame({"exporter": [f"C{i:03d}" for i in ex], "importer": [f"C{j:03d}" for j in im],
                          "year": 2000 + yr, "trade": trade, "rta": rta})
    frame["pair"] = pair_ids(frame, symmetric=False)
    return frame


def book_panel() -> pd.DataFrame | None:
    if not PANEL.exists():
        return None
    frame = pd.read_parquet(PANEL)
    frame = frame.loc[frame["year"].isin(range(1986, 2007, 4))].reset_index(drop=True)
    frame["pair"] = pair_ids(frame, symmetric=True, domestic="common")
    return frame


OPTIONS = PPMLOptions(vcov="cluster", small_sample="stata", separation=("fe",), tol=1e-10, fixef_tol=1e-9)


def run_tariffsim(frame: pd.DataFrame) -> Any:
    return ppml(frame, FORMULA, spec=GravitySpec(pair="pair"), options=OPTIONS)


def run_pyfixest(frame: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.fepois(FORMULA, data=frame, vcov={"CRV1": "pair"}, ssc=pf.ssc(k_adj=False, G_adj=True),
                         fixef_rm="none", iwls_tol=OPTIONS.tol, iwls_maxiter=OPTIONS.max_iter,
                         separation_check=["fe"], demeaner=MapDemeaner(fixef_tol=OPTIONS.fixef_tol))


def run_pyfixest_defaults(frame: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.fepois(FORMULA, data=frame, vcov={"CRV1": "pair"})


def timed(fn: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn(frame)
    return time.perf_counter() - start, out


def pyfixest_adding_up(fit: Any, frame: pd.DataFrame) -> float:
    sample = frame.iloc[np.asarray(fit._data.index)]
    codes = [pd.factorize(sample["exporter"].astype(str) + "|" + sample["year"].astype(str))[0],
             pd.factorize(sample["importer"].astype(str) + "|" + sample["year"].astype(str))[0],
             pd.factorize(sample["pair"])[0]]
    return adding_up_residual(sample["trade"].to_numpy(dtype=float), np.asarray(fit._Y_hat_response, dtype=float),
                              [np.asarray(c, dtype=np.intp) for c in codes])


def bench(label: str, frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    run_tariffsim(frame)  # warm-up (imports, caches)
    run_pyfixest(frame)
    ours: list[float] = []
    theirs: list[float] = []
    for r in range(repeats):
        order = [("ours", run_tariffsim), ("theirs", run_pyfixest)]
        if r % 2:
            order.reverse()
        for who, fn in order:
            seconds, fit = timed(fn, frame)
            (ours if who == "ours" else theirs).append(seconds)
            if who == "ours":
                ours_fit = fit
            else:
                their_fit = fit
    default_seconds, default_fit = timed(run_pyfixest_defaults, frame)
    t_ours, t_theirs = statistics.median(ours), statistics.median(theirs)
    beta_ours = float(ours_fit.coefficients["rta"])
    beta_theirs = float(their_fit.coef()["rta"])
    return {
        "case": label,
        "rows": len(frame),
        "used": ours_fit.n_obs,
        "fixed effects": sum(len(v) for v in ours_fit.fixed_effect_values),
        "pyfixest s": t_theirs,
        "tariffsim s": t_ours,
        "ratio": t_ours / t_theirs,
        "pyfixest defaults s": default_seconds,
        "rta (tariffsim)": beta_ours,
        "|Δβ| vs pyfixest": abs(beta_ours - beta_theirs),
        "|Δβ| vs defaults": abs(beta_ours - float(default_fit.coef()["rta"])),
        "adding-up pyfixest": pyfixest_adding_up(their_fit, frame),
        "adding-up tariffsim": ours_fit.adding_up_residual,
        "polish s": ours_fit.diagnostics["adding_up"].seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--no-panel", action="store_true", help="skip the 69-country panel")
    args = parser.parse_args(argv)
    rows = []
    panel = None if args.no_panel else book_panel()
    if panel is not None:
        rows.append(bench("Yotov et al. 69 countries × 6 years", panel, args.repeats))
    elif not args.no_panel:
        print(f"(skipping the 69-country panel: {PANEL} not found)")
    synthetic = synthetic_panel(args.countries, args.years)
    rows.append(bench(f"synthetic {args.countries} countries × {args.years} years", synthetic, args.repeats))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:.4g}".format):
        print(table.T.to_string(header=False))
    print(f"\npyfixest {pf.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"python {sys.version.split()[0]}; median of {args.repeats} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
