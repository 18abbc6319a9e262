"""Build the bundled ``world-2017`` from ``../shared/data`` (``make worlds``; byte-identical on every run).

Run ``python -m tariffsim.data.build_world_2017 [--shared-data DIR] [--out DIR] [--check]``.
Inputs (read through the importers into a temporary catalog, so every cell is checked):

* ``icio_wiod_lashkaripour/ICIO2017_flows_tariffs.csv.gz`` — flows and Teti tariffs;
* ``icio_wiod_lashkaripour/elasticities_by_sector.csv`` — the eight elasticity sets (ICIO 2017);
* ``us_china_trade/us_imports_top20_partners_hs2_monthly_2013_2020_census.parquet`` — US
  imports and calculated duties by partner and HS chapter (for the tobacco-quota correction);
* ``concordances/wits_hs6_to_isic3.csv`` — WITS HS6 → ISIC Rev. 3 (for the concordance).

Steps (each recorded in the sidecar's ``corrections`` and ``sources``):

1. All 81 economies and 28 sectors of the cube, as they are (ROW last).
2. **Services tariffs set to zero.** The cube gives its services aggregate a tariff (the
   average of Teti's rates on the few goods classed in service industries: electricity,
   printed matter, works of art), but the sector's flows are services trade, which pays no
   tariff; kept, they would add USD 2.3 bn to US and 35 bn to China's tariff revenue.
3. **The US tobacco quota in C10T12.** The cube's US rate on food, beverages and tobacco
   from every MFN partner is 91.5 %: the simple average of Teti's ISIC 10, 11 and 12 rates,
   the last inflated by the 350 % out-of-quota rate of the tobacco tariff-rate quota,
   which almost no trade pays (US duties on all imports of HS 16–24 were 1.1 % of their
   value in 2017). Every US C10T12 cell above :data:`TRQ_THRESHOLD` is replaced by the
   duty actually collected on US imports of the HS chapters that map (mostly) to C10T12,
   2017 (US Census, calculated duties / imports for consumption): the partner's own rate
   for the 20 partners of the Census file, the rate on all other partners together
   otherwise — trade-weighted by construction, and without the quota outlier.
4. The concordance HS prefix → ICIO sector (:func:`tariffsim.data.io_sectors.hs_icio_concordance`).
5. Written deterministically: fixed ordering, no timestamps (zip entries dated 1980-01-01),
   float64 arrays, JSON with sorted sets.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.catalog import Catalog
from tariffsim.data.io_sectors import ROW, hs_icio_concordance, icio_sectors
from tariffsim.data.io_worlds import cube_world, elasticity_sets
from tariffsim.data.sector_elasticities import ELASTICITY_SETS
from tariffsim.data.world2017 import DATA_FILE, META_FILE, WORLD_2017
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["INPUTS", "TRQ_THRESHOLD", "YEAR", "build", "write", "main"]

YEAR = 2017
INPUTS = {
    "icio": "icio_wiod_lashkaripour/ICIO2017_flows_tariffs.csv.gz",
    "elasticities": "icio_wiod_lashkaripour/elasticities_by_sector.csv",
    "census": "us_china_trade/us_imports_top20_partners_hs2_monthly_2013_2020_census.parquet",
    "concordance": "concordances/wits_hs6_to_isic3.csv",
}
"""The shared files the build reads, relative to the shared data folder."""

TRQ_THRESHOLD = 0.10
"""US C10T12 tariffs above this (10 %) are taken for the tobacco-quota artefact: the cube has 91.5 % for MFN
partners and 16.6-58.8 % for 15 partners with some preferences (GSP beneficiaries, Jordan), while the highest
US rate of any other sector in the cube is 9.0 % (textiles) and the highest duty collected on the chapters of
C10T12 from any of the 20 partners of the Census file is 4.3 % (Brazil)."""

SERVICES = "SER"
FOOD = "C10T12"
DEFAULT_OUT = Path(__file__).resolve().parent / "bundled"
LICENCE = ("OECD Inter-Country Input-Output tables (2023 edition): OECD terms and conditions, free to use with "
           "citation (https://www.oecd.org/en/about/terms-conditions.html); Teti (2024) Global Tariff Database: free "
           "to use with citation; US Census Bureau trade data: public domain (US government work); WITS "
           "concordance: World Bank, free to use with citation; the eight elasticity sets: the cited papers, via "
           "Lashkaripour (2021). This derivative: tariffsim's licence, keeping these citations.")


def _wits_table(path: Path) -> dict[str, str]:
    """HS6 → ISIC 3 from the WITS concordance (Latin-1 text, the first and third columns)."""
    try:
        frame = pd.read_csv(path, dtype=str, encoding="latin-1", keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the WITS concordance ({exc})", file=str(path)) from None
    hs = next((c for c in frame.columns if "HS" in c and "Code" in c), None)
    isic = next((c for c in frame.columns if "ISIC" in c and "Code" in c), None)
    if hs is None or isic is None:
        raise DataError("expected the columns 'HS - Combined Product Code' and 'ISIC Revision 3 Product Code'",
                        file=str(path), line=1)
    return dict(zip(frame[hs].str.strip(), frame[isic].str.strip(), strict=True))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _collected_rates(catalog: Catalog, chapters: list[str]) -> tuple[dict[str, float], float, dict[str, float]]:
    """US duty collected / imports for consumption on ``chapters`` in 2017, by partner (ISO3), for all partners
    but those named in the file together, and the imports (USD m) behind each rate."""
    trade = catalog.query(f"SELECT partner, hs, value, duty FROM census.trade WHERE year = {YEAR} "
                          "AND flow = 'imports' ORDER BY partner, hs, month")
    trade = trade[trade["hs"].isin(chapters)]
    totals = trade.groupby("partner")[["value", "duty"]].sum().sort_index()
    if "WLD" not in totals.index:
        raise DataError("the Census file has no 'TOTAL FOR ALL COUNTRIES' rows", file=INPUTS["census"])
    named = totals.drop(index="WLD")
    value, duty = named["value"].to_numpy(dtype=float), named["duty"].to_numpy(dtype=float)
    world = totals.loc[["WLD"]].to_numpy(dtype=float)[0]
    rest_value, rest_duty = world[0] - value.sum(), world[1] - duty.sum()
    partners = [str(p) for p in named.index]
    rates = {p: d / v for p, v, d in zip(partners, value, duty, strict=True) if v > 0}
    weights = dict(zip(partners, value.tolist(), strict=True))
    weights["rest"] = float(rest_value)
    return rates, float(rest_duty / rest_value), weights


def build(shared: Path) -> tuple[World, dict[str, Any]]:
    """The World and its sidecar metadata from the shared data folder ``shared``.

    Raises
    ------
    DataError
        When an input is missing or malformed (naming the file).
    """
    for relative in INPUTS.values():
        if not (shared / relative).is_file():
            raise DataError("missing input of the world-2017 build", file=str(shared / relative))
    with tempfile.TemporaryDirectory(prefix="tariffsim-world-2017-") as tmp:
        catalog = Catalog(tmp)
        catalog.import_files("icio", [shared / INPUTS["icio"]])
        catalog.import_files("sector-elasticities", [shared / INPUTS["elasticities"]])
        catalog.import_files("census", [shared / INPUTS["census"]], year=YEAR)
        world = cube_world(catalog, catalog.get("icio-2017"), YEAR, regions=None, rest=None, sectors=None,
                           elasticity="CP", name=WORLD_2017)
        sets, sets_year = elasticity_sets(catalog, "icio", YEAR)
        concordance = hs_icio_concordance(_wits_table(shared / INPUTS["concordance"]))
        chapters = sorted(k for k, v in concordance.items() if len(k) == 2 and v == FOOD)
        rates, rest_rate, weights = _collected_rates(catalog, chapters)

    countries = [c for c in world.countries if c != ROW] + [ROW]
    order = [world.country_index(c) for c in countries]
    flows = np.ascontiguousarray(world.flows[np.ix_(order, order)])
    tariffs = np.array(world.tariffs[np.ix_(order, order)])
    sectors = list(world.sectors)
    s_ser, s_food = sectors.index(SERVICES), sectors.index(FOOD)
    usa = countries.index("USA")

    corrections: list[dict[str, Any]] = []
    services_revenue = float((tariffs[:, :, s_ser] * flows[:, :, s_ser]).sum())
    corrections.append({"what": "services tariffs set to zero", "sector": SERVICES,
                        "cells": int((tariffs[:, :, s_ser] > 0).sum()),
                        "revenue_removed_usd_m": round(services_revenue, 6),
                        "why": "the services aggregate's flows are services trade, which pays no tariff; the cube's "
                               "rate averages Teti's rates on the few goods classed in service industries"})
    tariffs[:, :, s_ser] = 0.0
    replaced = []
    for i, exporter in enumerate(countries):
        old = float(tariffs[i, usa, s_food])
        if old <= TRQ_THRESHOLD:
            continue
        new = rates.get(exporter, rest_rate)
        tariffs[i, usa, s_food] = new
        replaced.append({"exporter": exporter, "old": old, "new": round(new, 12),
                         "rate_of": exporter if exporter in rates else "all partners not named in the Census file",
                         "flow_usd_m": float(flows[i, usa, s_food])})
    corrections.append({"what": "US tariffs on C10T12 at the tobacco-quota rate replaced by collected duty rates",
                        "importer": "USA", "sector": FOOD, "threshold": TRQ_THRESHOLD,
                        "hs_chapters": chapters, "census_imports_usd_m": {k: round(v, 6) for k, v in weights.items()},
                        "cells": replaced})

    set_table = {code: [float(x) for x in sets[sets["code"] == code].set_index("sector").loc[sectors, "theta"]]
                 for code in ELASTICITY_SETS}
    labels = dict(zip(icio_sectors()["sector"], icio_sectors()["label"], strict=True))
    meta: dict[str, Any] = {
        "name": WORLD_2017, "year": YEAR, "format": 1,
        "countries": countries, "sectors": sectors, "sector_labels": [labels[s] for s in sectors],
        "units": {"flows": "USD millions, current, basic prices; exporter x importer x sector",
                  "tariffs": "ad valorem fraction imposed by the importer"},
        "default_elasticity_set": "CP",
        "elasticity_sets": set_table, "elasticity_sets_year": sets_year,
        "elasticity_citations": {code: item.citation for code, item in ELASTICITY_SETS.items()},
        "concordance": concordance,
        "corrections": corrections,
        "sources": {
            "world": "tariffsim bundled world-2017 (tariffsim.data.world2017); built by "
                     "tariffsim.data.build_world_2017 from ../shared/data; see data/bundled/README.md and "
                     "docs/data.md",
            "flows": "OECD Inter-Country Input-Output tables, 2023 edition, 2017 (81 economies incl. ROW; China and "
                     "Mexico's processing and non-processing parts merged), as cubed by Lashkaripour's tariffwar: "
                     "intermediate and final use together, domestic sales on the diagonal; USD millions at basic "
                     "prices",
            "tariffs": "Teti (2024) Global Tariff Database, applied MFN and preferential rates of 2017 at ISIC 2 "
                       "digits (simple averages copied to sub-sectors), via tariffwar; no Section 232/301 duties; "
                       "services tariffs set to zero; US rates on C10T12 at the tobacco-quota rate (91.5 %) replaced "
                       "by 2017 collected duty rates (US Census) on HS chapters " + ", ".join(chapters),
            "concordance": "HS6 -> ISIC Rev. 3 (World Bank WITS) -> ICIO sectors (tariffsim's table "
                           "tables/isic3_icio.csv), compressed to HS2/HS4/HS6 prefixes",
        },
        "licence": LICENCE,
        "inputs": {key: {"path": relative, "sha256": _sha256(shared / relative)} for key, relative in INPUTS.items()},
    }
    final = World(countries=tuple(countries), sectors=tuple(sectors), flows=flows, tariffs=tariffs,
                  elasticity=np.array(set_table["CP"]), year=YEAR, name=WORLD_2017, sources=meta["sources"],
                  concordance=concordance)
    return final, meta


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive with fixed entry dates and order: the same bytes for the same arrays."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.ascontiguousarray(array, dtype="<f8"), version=(1, 0),
                                      allow_pickle=False)
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, payload.getvalue(), compresslevel=9)
    return buffer.getvalue()


def render(world: World, meta: dict[str, Any]) -> dict[str, bytes]:
    """The two files' contents: ``{file name: bytes}``."""
    data = _npz_bytes({"flows": np.asarray(world.flows), "tariffs": np.asarray(world.tariffs)})
    text = json.dumps(meta, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    return {DATA_FILE: data, META_FILE: text.encode("utf-8")}


def write(shared: Path, out: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Build from ``shared`` and write the files into ``out``; returns their paths."""
    files = render(*build(shared))
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, content in files.items():
        path = out / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        paths[name] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the bundled world-2017 from the shared data.")
    parser.add_argument("--shared-data", type=Path, default=Path("../shared/data"),
                        help="the shared data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the package's)")
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with the files in --out; exit 1 if they differ")
    args = parser.parse_args(argv)
    try:
        if args.check:
            files = render(*build(args.shared_data))
            differ = [n for n, b in files.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
            print("identical" if not differ else f"differ: {', '.join(differ)}")
            return 1 if differ else 0
        paths = write(args.shared_data, args.out)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths.values():
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
