"""Data-layer scale benchmark: a BACI-format year of 10 million rows → Parquet → World.

Generates a synthetic year in BACI's layout (``t,i,j,k,v,q``, plus the country and
product code files) for 200 countries and about 5,000 HS6 products, imports it
into a fresh catalog, and aggregates it in DuckDB into a 200-country × 20-sector
World (``sectors="hs20"``, domestic sales by the absorption-share rule). Prints
rows per second, wall time of each step and the peak memory (resident set size)
of the process that imports and builds.

Targets (issue 4): import + World ≤ 60 s and ≤ 2 GiB peak memory on 2 cores.

Run::

    .venv/bin/python benchmarks/data_import.py [--rows 10000000] [--keep DIR]

Generation runs in a child process so that its memory does not count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_SECONDS = 60.0
TARGET_BYTES = 2 << 30


def generate(folder: Path, rows: int, seed: int = 2017) -> dict[str, float]:
    """Write a BACI-format year (data + code files) with ``rows`` unique flows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from tariffsim.data.codes import country_table
    from tariffsim.data.concordance import HS_CHAPTERS

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    table = country_table()
    iso = table[(table["kind"] == "country") & table["numeric"].notna()]
    # BACI's own numbers for the countries it numbers differently from ISO
    baci = {"USA": 842, "FRA": 251, "ITA": 381, "NOR": 579, "IND": 699, "CHE": 757, "TWN": 490}
    chosen = iso.sample(n=200, random_state=seed).sort_values("iso3")
    codes = np.array([baci.get(c, int(n)) for c, n in zip(chosen["iso3"], chosen["numeric"], strict=True)])
    n_countries = len(codes)
    chapters = [c for c in HS_CHAPTERS if c < "98"]
    products = np.array(sorted({int(f"{rng.choice(chapters)}{rng.integers(1, 100):02d}{rng.integers(0, 100):02d}")
                                for _ in range(6000)}))[:5000]
    n_products = len(products)
    space = n_countries * n_countries * n_products
    draw = rng.integers(0, space, size=int(rows * 1.08))
    keys = np.unique(draw)
    exporter_idx = (keys // (n_countries * n_products)) % n_countries
    importer_idx = (keys // n_products) % n_countries
    keys = keys[exporter_idx != importer_idx]
    keys = rng.permutation(keys)[:rows]
    keys.sort()
    if len(keys) < rows:
        raise SystemExit(f"only {len(keys)} unique flows drawn; lower --rows")
    i = codes[(keys // (n_countries * n_products)) % n_countries]
    j = codes[(keys // n_products) % n_countries]
    k = products[keys % n_products]
    v = np.round(rng.lognormal(mean=2.0, sigma=2.0, size=rows), 3)
    q = pa.array(np.round(v * rng.uniform(0.1, 3.0, size=rows), 3))
    q_text = pc.if_else(pa.array(rng.random(rows) < 0.05), "NA", pc.cast(q, pa.string()))
    data = pa.table({"t": np.full(rows, 2017, dtype=np.int16), "i": i, "j": j, "k": k, "v": v, "q": q_text})
    target = folder / "BACI_HS17_Y2017_V202401b.csv"
    target.write_text("t,i,j,k,v,q\n", encoding="utf-8")
    with open(target, "ab") as out:
        pacsv.write_csv(data, out, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    with open(folder / "country_codes_V202401b.csv", "w", encoding="utf-8") as out:
        out.write("country_code,country_name,country_iso2,country_iso3\n")
        for code, name, alpha in zip(codes, chosen["name"], chosen["iso3"], strict=True):
            out.write(f'{code},"{name}",XX,{alpha}\n')
    with open(folder / "product_codes_HS17_V202401b.csv", "w", encoding="utf-8") as out:
        out.write("code,description\n")
        for code in products:
            out.write(f'{code:06d},"product {code:06d}"\n')
    return {"seconds": time.perf_counter() - start,
            "bytes": float((folder / "BACI_HS17_Y2017_V202401b.csv").stat().st_size)}


def run(folder: Path, data_dir: Path) -> dict[str, float]:
    """Import the generated year and build the World; returns timings and peak memory."""
    from tariffsim.data.baseline import world_from_catalog
    from tariffsim.data.catalog import Catalog

    catalog = Catalog(data_dir)
    files = sorted(str(p) for p in folder.glob("*.csv"))
    start = time.perf_counter()
    info = catalog.import_files("baci", files, progress=False)
    imported = time.perf_counter()
    world = world_from_catalog(2017, sectors="hs20", domestic=0.6, tariffs=None, data_dir=data_dir)
    built = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {"rows": float(info.tables["flows"].rows), "import_s": imported - start, "world_s": built - imported,
            "countries": float(world.n_countries), "sectors": float(world.n_sectors), "peak_bytes": float(peak),
            "parquet_bytes": float(sum(p.stat().st_size for p in info.tables["flows"].files))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep generated files and catalog in DIR")
    parser.add_argument("--step", choices=["generate", "run"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "generate":
        print(json.dumps(generate(args.folder, args.rows)))
        return
    if args.step == "run":
        print(json.dumps(run(args.folder / "input", args.folder / "catalog")))
        return

    with tempfile.TemporaryDirectory(prefix="tariffsim-bench-") as tmp:
        root = args.keep or Path(tmp)
        (root / "input").mkdir(parents=True, exist_ok=True)
        me = [sys.executable, __file__, "--rows", str(args.rows), "--folder"]
        gen = json.loads(subprocess.run([*me, str(root / "input"), "--step", "generate"], check=True,
                                        capture_output=True, text=True).stdout)
        print(f"generated {args.rows:,} BACI rows ({gen['bytes'] / 2**20:,.0f} MiB CSV) in {gen['seconds']:.1f} s")
        env = dict(os.environ)
        out = subprocess.run([*me, str(root), "--step", "run"], check=True, capture_output=True, text=True, env=env)
        res = json.loads(out.stdout.strip().splitlines()[-1])
    total = res["import_s"] + res["world_s"]
    print(f"import: {res['rows']:,.0f} rows in {res['import_s']:.1f} s = {res['rows'] / res['import_s']:,.0f} rows/s "
          f"→ Parquet {res['parquet_bytes'] / 2**20:,.0f} MiB")
    print(f"World {res['countries']:.0f} countries × {res['sectors']:.0f} sectors built in {res['world_s']:.1f} s")
    print(f"total {total:.1f} s (target ≤ {TARGET_SECONDS:.0f} s): {'OK' if total <= TARGET_SECONDS else 'MISSED'}")
    print(f"peak memory {res['peak_bytes'] / 2**30:.2f} GiB (target ≤ {TARGET_BYTES / 2**30:.0f} GiB): "
          f"{'OK' if res['peak_bytes'] <= TARGET_BYTES else 'MISSED'}")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
