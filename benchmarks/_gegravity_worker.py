"""Run one gegravity ``OneSectorGE`` counterfactual and print JSON (runs in the peer env).

This script runs *inside* ``benchmarks/.venv-gegravity`` (see ``peer_env.py``) and
imports nothing of tariffsim. It follows gegravity's documented example
(``BaselineData`` → ``CostCoeffs`` → ``OneSectorGE(..., reference_importer=...,
quiet=True)`` → ``build_baseline(omr_rescale=...)`` → ``define_experiment`` →
``simulate``) and reports:

* ``seconds``: wall time of ``build_baseline`` + ``define_experiment`` + ``simulate``
  (median over ``--repeats`` fresh models; the constructor's data preparation is
  reported apart as ``setup_seconds``);
* ``peak_mib``: tracemalloc peak during those three calls (one extra run, so that
  tracemalloc's overhead does not enter the timings), and ``maxrss_mib`` of the
  whole process;
* ``countries``: gegravity's ``country_results`` (its own column names);
* ``market_clearing_residual``: max_i |Σ_j X'_ij − Y'_i| / Y'_i from its
  ``bilateral_trade_results['experiment trade']`` and
  ``outputs_expenditures['experiment output']``; the same for the baseline, and a
  scale-free version (sales and output each divided by their world total);
* solver diagnostics (converged flags and messages of its three ``scipy.optimize.root``
  calls) and which ``omr_rescale`` was used.

``omr_rescale``: gegravity's baseline solve often fails unless the outward
multilateral resistances are rescaled (its documentation recommends trying factors
with ``check_omr_rescale``). ``--omr-rescale auto`` starts from the order of
magnitude of 1 / Σ_j t_ij E_j/E (what the OMR terms are when the IMR terms are 1) and
then tries neighbouring powers of ten; every attempt is recorded.

Inputs: ``--baseline`` CSV in gegravity's sample layout (exporter, importer, year,
trade, Y, E, cost variables), ``--counterfactual`` CSV with exporter, importer and
the changed cost variables (pairs not listed keep their baseline values),
``--coefficients`` JSON ``{"variable": beta, ...}``, ``--sigma``, ``--reference``.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import sys
import time
import tracemalloc
import warnings


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="one gegravity OneSectorGE counterfactual, JSON on stdout")
    parser.add_argument("--baseline", required=True, help="CSV: exporter, importer, year, trade, Y, E, cost vars")
    parser.add_argument("--counterfactual", required=True, help="CSV: exporter, importer, changed cost variables")
    parser.add_argument("--coefficients", required=True, help='JSON object {"lndist": -0.39, ...}')
    parser.add_argument("--sigma", type=float, required=True, help="elasticity of substitution σ = θ + 1")
    parser.add_argument("--reference", required=True, help="reference importer (its IMR is normalised to 1)")
    parser.add_argument("--year", default=None, help="year to use (default: the only one in the file)")
    parser.add_argument("--omr-rescale", default="auto", help="'auto' or a number such as 100")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs, each on a fresh model")
    parser.add_argument("--no-memory", action="store_true", help="skip the extra tracemalloc run")
    parser.add_argument("--mr-max-iter", type=int, default=1400,
                        help="build_baseline(mr_max_iter=...): maxfev of the MR solves (gegravity's default 1400)")
    parser.add_argument("--ge-max-iter", type=int, default=1000,
                        help="simulate(ge_max_iter=...): maxfev of the full-GE solve (gegravity's default 1000)")
    return parser.parse_args()


def main() -> int:
    args = _parse()
    import gegravity as ge
    import numpy as np
    import pandas as pd

    coefficients = {str(k): float(v) for k, v in json.loads(args.coefficients).items()}
    variables = list(coefficients)
    data = pd.read_csv(args.baseline)
    data["year"] = data["year"].astype(str)
    year = args.year or str(data["year"].iloc[0])
    changes = pd.read_csv(args.counterfactual)
    changed = [v for v in variables if v in changes.columns]
    estimates = pd.DataFrame({"var": variables, "beta": [coefficients[v] for v in variables]})

    def new_model():  # type: ignore[no-untyped-def]
        baseline = ge.BaselineData(data.copy(), imp_var_name="importer", exp_var_name="exporter",
                                   year_var_name="year", trade_var_name="trade",
                                   expend_var_name="E", output_var_name="Y")
        cost = ge.CostCoeffs(estimates=estimates, identifier_col="var", coeff_col="beta")
        return ge.OneSectorGE(baseline, year=year, reference_importer=args.reference, sigma=args.sigma,
                              cost_variables=variables, cost_coeff_values=cost, quiet=True)

    def experiment_data(model):  # type: ignore[no-untyped-def]
        # The documented way: copy the model's baseline data and change cost variables.
        exp = model.baseline_data.copy()
        keyed = changes.set_index(["exporter", "importer"])[changed]
        pos = pd.MultiIndex.from_frame(exp[["exporter", "importer"]])
        hit = pos.isin(keyed.index)
        for v in changed:
            exp[v] = exp[v].astype(float)
        exp.loc[hit, changed] = keyed.loc[pos[hit]].to_numpy(float)
        return exp

    def run(model, rescale: float) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        model.build_baseline(omr_rescale=rescale, mr_max_iter=args.mr_max_iter)
        model.define_experiment(experiment_data(model))
        model.simulate(ge_max_iter=args.ge_max_iter)
        return time.perf_counter() - start

    def solved(model) -> bool:  # type: ignore[no-untyped-def]
        diags = model.solver_diagnostics
        return bool(diags) and all(bool(getattr(d, "success", False)) for d in diags.values())

    # --- which omr_rescale: a guess from the data, then neighbouring powers of ten
    if args.omr_rescale == "auto":
        d = data[data["year"] == year]
        log_t = sum(coefficients[v] * d[v].to_numpy(float) for v in variables)
        e_share = d["E"].to_numpy(float) / d.groupby("importer")["E"].mean().sum()
        frame = pd.DataFrame({"exporter": d["exporter"], "w": np.exp(log_t) * e_share})
        omr = 1.0 / frame.groupby("exporter")["w"].sum()
        guess = round(math.log10(float(np.median(omr))))
        powers = [guess]
        for step in range(1, 7):
            powers += [guess + step, guess - step]
        candidates = [10.0 ** p for p in powers]
    else:
        candidates = [float(args.omr_rescale)]

    attempts = []
    chosen = None
    seconds = []
    setup = []
    model = None
    for rescale in candidates:
        t0 = time.perf_counter()
        model = new_model()
        t1 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                elapsed = run(model, rescale)
                ok, error = solved(model), None
            except Exception as exc:  # gegravity raises bare ValueErrors on bad rescale factors
                elapsed, ok, error = time.perf_counter() - t1, False, f"{type(exc).__name__}: {exc}"
        diagnostics = {name: str(getattr(d, "message", "")) for name, d in model.solver_diagnostics.items()}
        attempts.append({"omr_rescale": rescale, "seconds": elapsed, "solved": ok, "error": error,
                         "solver": diagnostics,
                         "warnings": sorted({str(w.message).strip()[:200] for w in caught
                                             if "deprecated" not in str(w.message)})})
        if ok:
            chosen = rescale
            seconds.append(elapsed)
            setup.append(t1 - t0)
            break
        if any("maxfev" in m or "number of calls" in m for m in diagnostics.values()):
            # Out of function evaluations: another rescale factor cannot help.
            break
    if chosen is None or model is None:
        last = attempts[-1]
        why = last["error"] or "; ".join(f"{k}: {v}" for k, v in last["solver"].items() if "converged" not in v)
        print(json.dumps({"ok": False, "n_countries": int(data["exporter"].nunique()),
                          "error": f"not solved with omr_rescale {last['omr_rescale']:g} "
                                   f"after {last['seconds']:.0f} s ({why})", "attempts": attempts}))
        return 0

    for _ in range(max(0, args.repeats - 1)):
        t0 = time.perf_counter()
        again = new_model()
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds.append(run(again, chosen))
        setup.append(t1 - t0)

    peak_mib = None
    if not args.no_memory:
        again = new_model()
        tracemalloc.start()
        tracemalloc.reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run(again, chosen)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    labels = model.labels
    bilateral = model.bilateral_trade_results.reset_index()
    levels = model.outputs_expenditures

    def residual(trade_col: str, output_col: str, scale_free: bool = False) -> float:
        sales = bilateral.groupby("exporter")[trade_col].sum()
        output = levels[output_col].reindex(sales.index)
        if scale_free:
            sales, output = sales / sales.sum(), output / output.sum()
        return float(((sales - output).abs() / output).max())

    countries = model.country_results.reset_index()
    diagnostics = {name: {"success": bool(getattr(d, "success", False)), "message": str(getattr(d, "message", "")),
                          "nfev": int(getattr(d, "nfev", -1))}
                   for name, d in model.solver_diagnostics.items()}
    record = {
        "ok": True,
        "n_countries": int(countries.shape[0]),
        "seconds": statistics.median(seconds),
        "seconds_all": seconds,
        "setup_seconds": statistics.median(setup),
        "peak_mib": peak_mib,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "omr_rescale": chosen,
        "attempts": attempts,
        "solver": diagnostics,
        "market_clearing_residual": residual(labels.experiment_trade, labels.experiment_output),
        "baseline_market_clearing_residual": residual(labels.baseline_modeled_trade, labels.baseline_output),
        "market_clearing_residual_scale_free": residual(labels.experiment_trade, labels.experiment_output, True),
        "countries": json.loads(countries.to_json(orient="records")),
        "python": sys.version.split()[0],
        "gegravity": getattr(ge, "__version__", None),
    }
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
