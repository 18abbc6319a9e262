"""Speed and memory of the product-level partial-equilibrium models at BACI scale.

Builds a synthetic BACI-sized year — about 10 million importer × exporter × HS6 rows
(200 importers, 5,000 products, 1–19 sources per market) with heterogeneous
elasticities — and times:

* building the validated :class:`~tariffsim.models.pe.ProductTrade` (sorting and checks);
* the GSIM-style global model (every market at once, finite supply elasticities,
  exporters' prices common to all destinations) under a broad trade-war shock
  (25 points more on a fifth of all rows), and under a two-country war (25 points
  more on everything the two largest codes, C000 and C001, buy from each other);
* SMART's closed forms and SMART exact on the same data;
* the country and total tables.

Target (issue 7): 10 million rows, all importers, ≤ 10 s and ≤ 3 GiB on 2 cores.
Run: ``.venv/bin/python benchmarks/pe_speed.py [--rows 10000000] [--threads 2]``.
Peak memory is the process's maximum resident set size (data generation included,
so it is an upper bound on what the model needs).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from tariffsim.models.pe import (
    GsimSettings,
    PESolverOptions,
    ProductTrade,
    SmartSettings,
    simulate_pe,
)


def synthetic_year(rows: int, importers: int = 200, seed: int = 7) -> dict[str, np.ndarray]:
    """A random product-level trade year with about ``rows`` rows (numpy arrays, codes only)."""
    rng = np.random.default_rng(seed)
    products = max(1, rows // (importers * 10))
    n_markets = products * importers
    k = rng.integers(1, 20, n_markets)  # sources per market, mean 10
    market_product = np.repeat(np.arange(products, dtype=np.int32), importers)
    market_importer = np.tile(np.arange(importers, dtype=np.int32), products)
    start = rng.integers(0, importers - 1, n_markets)
    stride = rng.integers(1, importers - 1, n_markets)  # importers - 1 = 199 is prime: strides give distinct sources
    market = np.repeat(np.arange(n_markets), k)
    j = np.arange(market.size) - np.repeat(np.cumsum(k) - k, k)
    offset = (start[market] + j * stride[market]) % (importers - 1)
    importer = market_importer[market]
    exporter = ((importer + 1 + offset) % importers).astype(np.int32)
    n = market.size
    value = rng.lognormal(11.0, 2.5, n)
    tariff = rng.choice([0.0, 0.025, 0.05, 0.08, 0.12, 0.2], n)
    tariff_new = np.where(rng.random(n) < 0.2, tariff + 0.25, tariff)
    return {"importer": importer, "exporter": exporter, "product": market_product[market], "value": value,
            "tariff": tariff, "tariff_new": tariff_new, "products": np.arange(products), "importers": importers}


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-smart", action="store_true", help="time only the global model")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    data = synthetic_year(args.rows)
    t_gen = time.perf_counter() - t0
    countries = [f"C{i:03d}" for i in range(int(data["importers"]))]
    products = [f"{p:06d}" for p in data["products"]]
    rng = np.random.default_rng(11)
    sigma = pd.Series(np.exp(rng.normal(np.log(3.0), 0.6, len(products))),
                      index=pd.Index(products, name="product"))
    eta = pd.Series(np.exp(rng.normal(np.log(1.2), 0.5, len(products))), index=pd.Index(products, name="product"))
    supply = 2.0
    solver = PESolverOptions(threads=args.threads)

    t0 = time.perf_counter()
    trade = ProductTrade.from_codes(countries, products, data["importer"], data["exporter"], data["product"],
                                    data["value"], data["tariff"], name="synthetic BACI-sized year")
    t_build = time.perf_counter() - t0
    tariff_new = data["tariff_new"]
    del data
    _, starts, _, _ = trade.markets
    print(f"tariffsim PE benchmark: {trade.n_rows:,} rows, {starts.size:,} markets (importer x product), "
          f"{trade.n_countries} countries, {trade.n_products:,} products; {args.threads} threads")
    print(f"  synthetic data                {t_gen:6.2f} s")
    print(f"  build ProductTrade            {t_build:6.2f} s   (validate, sort by product/importer/exporter)")

    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate_pe(trade, tariff_new, GsimSettings(eta, supply, sigma, solver=solver))
    t_gsim, c_gsim = time.perf_counter() - t0, time.process_time() - c0
    d = result.diagnostics
    units = result.unit_exporter.size
    print(f"  GSIM global, finite supply    {t_gsim:6.2f} s   (CPU {c_gsim:.2f} s; {units:,} supply units; tolerance "
          f"{solver.tol:g}, residual {d.residual:.1e})")
    print(f"    {d.method}: {d.message}")
    t0 = time.perf_counter()
    totals = result.totals
    countries_table = result.countries
    t_tables = time.perf_counter() - t0
    print(f"  totals + countries tables     {t_tables:6.2f} s")
    total_row = totals.iloc[0]
    dwl = total_row["deadweight_loss_usd"] / 1e9
    world = total_row["world_welfare_change_usd"] / 1e9
    print(f"    imports {total_row['imports_pct']:+.2f} %, deadweight loss {dwl:.2f} bn USD, world welfare "
          f"{world:+.2f} bn USD over {len(countries_table)} countries")
    del result, totals, countries_table

    two = ((trade.importer == 0) & (trade.exporter == 1)) | ((trade.importer == 1) & (trade.exporter == 0))
    t0, c0 = time.perf_counter(), time.process_time()
    war = simulate_pe(trade, np.where(two, trade.tariff + 0.25, trade.tariff),
                      GsimSettings(eta, supply, sigma, solver=solver))
    t_war, c_war = time.perf_counter() - t0, time.process_time() - c0
    print(f"  GSIM, two-country war         {t_war:6.2f} s   (CPU {c_war:.2f} s; {int(two.sum()):,} rows taxed; "
          f"{war.diagnostics.message.split('; ')[-1]})")
    del war

    if not args.skip_smart:
        t0 = time.perf_counter()
        linear = simulate_pe(trade, tariff_new, SmartSettings(eta, sigma))
        t_linear = time.perf_counter() - t0
        print(f"  SMART closed forms            {t_linear:6.2f} s   ({int(linear.bounded.sum()):,} rows at a bound)")
        del linear
        t0 = time.perf_counter()
        exact = simulate_pe(trade, tariff_new, SmartSettings(eta, sigma, form="exact"))
        t_exact = time.perf_counter() - t0
        print(f"  SMART exact, infinite supply  {t_exact:6.2f} s")
        del exact

    peak = peak_rss_gib()
    load = os.getloadavg()[0]
    print(f"  load average during the run   {load:6.2f}   (on {os.cpu_count()} CPUs: other processes share them)")
    total = t_build + t_gsim
    print(f"  peak memory (max RSS)         {peak:6.2f} GiB")
    ok = total <= 10.0 and peak <= 3.0
    print(f"  target (build + GSIM solve <= 10 s, <= 3 GiB): {total:.2f} s, {peak:.2f} GiB -> "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
