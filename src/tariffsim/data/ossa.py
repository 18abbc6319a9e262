"""Ossa (2014) data: 7 regions × 33 GTAP industries, 2007, and the target tariffs of his λ calibration.

Reads the folder ``ossa_2014/`` of the shared data (its README, section 6): Ossa's
``DATA.mat`` as the public ``psztorc/TRICE`` repository stores it, in tidy CSVs:

* ``trade_and_tariffs_7regions_33industries_2007.csv`` — ``industry, exporter,
  importer, trade_value`` (USD millions, domestic sales where exporter = importer)
  and ``tariff`` (ad valorem, fractions, imposed by the importer);
* ``sigma_by_industry.csv`` — σ_s by industry (``sigma``) and Ossa's robustness sets
  (``sigma_alt1`` … ``sigma_alt5``);
* ``target_tariff_by_industry_region.csv`` — the tariffs (fractions) his
  political-economy weights are calibrated to, industry × region;
* ``regions.csv``, ``industries.csv`` — labels and their order (``industries.csv``
  also lists a 34th aggregate, ``xxx``, that has no trade data and is left out).

The World's labels are the region names and industry codes as the files write
them (``Brazil`` … ``US``; ``ric`` … ``omf``), in the files' order; its elasticity is
θ_s = σ_s − 1. The data are Ossa's purged (trade-balanced) version: net exports are
below 2·10⁻¹¹ of output, and nothing is changed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.data.user_tables import read_table
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["OssaData", "read_ossa", "FILES", "SIGMA_COLUMNS", "PROHIBITIVE", "target_caps"]

FloatArray = NDArray[np.float64]

FILES = {
    "trade": "trade_and_tariffs_7regions_33industries_2007.csv",
    "sigma": "sigma_by_industry.csv",
    "targets": "target_tariff_by_industry_region.csv",
    "regions": "regions.csv",
    "industries": "industries.csv",
}
"""The files read, by role, under the ``ossa_2014`` folder."""

SIGMA_COLUMNS = ("sigma", "sigma_alt1", "sigma_alt2", "sigma_alt3", "sigma_alt4", "sigma_alt5")
"""Elasticity sets in ``sigma_by_industry.csv``: Ossa's estimates and his robustness sets."""

PROHIBITIVE = 2.25
"""Ossa's (2014) cap on tariffs (225 %), raised to ``target + 0.03`` where a target is above it
(``mylambdaj.m``: "slightly larger bound than prohibitive TARGETTARIFFj")."""


@dataclass(frozen=True)
class OssaData:
    """Ossa's data as tariffsim objects.

    Attributes
    ----------
    world
        7 regions × 33 industries, flows in USD millions (2007), tariffs and θ = σ − 1.
    targets
        Target tariffs (fractions), (N, S) on the World's grid.
    descriptions
        Industry code → description.
    notes
        What was read.
    """

    world: World
    targets: FloatArray
    descriptions: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def target_table(self) -> pd.DataFrame:
        """``region, industry, target`` (fractions), one row per cell."""
        w = self.world
        return pd.DataFrame({"region": np.repeat(np.asarray(w.countries, dtype=object), w.n_sectors),
                             "industry": np.tile(np.asarray(w.sectors, dtype=object), w.n_countries),
                             "target": self.targets.ravel()})

    def caps(self, region: str) -> dict[str, float]:
        """Ossa's upper bounds for ``region``'s tariffs: ``max(target + 0.03, 2.25)`` per industry."""
        return target_caps(self.targets[self.world.country_index(region)], self.world.sectors)


def target_caps(targets: FloatArray, industries: tuple[str, ...]) -> dict[str, float]:
    """``industry -> max(target + 0.03, 2.25)`` (Ossa's bounds in ``mylambdaj.m``)."""
    return {s: float(max(t + 0.03, PROHIBITIVE)) for s, t in zip(industries, targets, strict=True)}


def read_ossa(folder: str | Path, *, sigma: str = "sigma") -> OssaData:
    """Read ``folder`` (the ``ossa_2014`` data) into a World and the target tariffs.

    Parameters
    ----------
    folder
        The ``ossa_2014`` folder.
    sigma
        Which elasticity set: one of :data:`SIGMA_COLUMNS` (default Ossa's estimates).

    Raises
    ------
    DataError
        A missing file or column, a label that is not in ``regions.csv`` /
        ``industries.csv``, a missing or repeated cell, or σ ≤ 1.
    """
    root = Path(folder)
    if sigma not in SIGMA_COLUMNS:
        raise DataError(f"elasticity set '{sigma}' is not one of {', '.join(SIGMA_COLUMNS)}")
    path = {role: root / name for role, name in FILES.items()}
    regions = read_table(path["regions"], ["region_no", "region"], text_columns=("region",))
    industries = read_table(path["industries"], ["no", "code", "description"], text_columns=("code", "description"))
    trade = read_table(path["trade"], ["industry", "exporter", "importer", "trade_value", "tariff"],
                       text_columns=("industry", "exporter", "importer", "industry_description"))
    sigmas = read_table(path["sigma"], ["industry", sigma], text_columns=("industry", "industry_description"))
    targets = read_table(path["targets"], ["industry"], text_columns=("industry",))

    countries = tuple(regions.sort_values("region_no")["region"])
    listed = industries.sort_values("no")
    codes_in_trade = set(trade["industry"])
    sectors = tuple(c for c in listed["code"] if c in codes_in_trade)
    left_out = [c for c in listed["code"] if c not in codes_in_trade]
    unknown = sorted(codes_in_trade - set(sectors))
    if unknown:
        raise DataError(f"industries not in {FILES['industries']}: {unknown}", file=str(path["trade"]),
                        column="industry")
    for column in ("exporter", "importer"):
        bad = sorted(set(trade[column]) - set(countries))
        if bad:
            raise DataError(f"regions not in {FILES['regions']}: {bad}", file=str(path["trade"]), column=column)
    n, s = len(countries), len(sectors)
    ci = {c: k for k, c in enumerate(countries)}
    si = {c: k for k, c in enumerate(sectors)}
    i = trade["exporter"].map(ci).to_numpy()
    j = trade["importer"].map(ci).to_numpy()
    k = trade["industry"].map(si).to_numpy()
    cells = np.zeros((n, n, s), dtype=np.int64)
    np.add.at(cells, (i, j, k), 1)
    if np.any(cells != 1):
        bad = np.argwhere(cells != 1)[0]
        raise DataError(f"every (exporter, importer, industry) must appear once; {countries[bad[0]]} -> "
                        f"{countries[bad[1]]} in {sectors[bad[2]]} appears {cells[tuple(bad)]} times",
                        file=str(path["trade"]))
    flows = np.zeros((n, n, s))
    tariffs = np.zeros((n, n, s))
    flows[i, j, k] = trade["trade_value"].to_numpy(dtype=np.float64)
    tariffs[i, j, k] = trade["tariff"].to_numpy(dtype=np.float64)

    sig = sigmas.set_index("industry")[sigma]
    missing = [c for c in sectors if c not in sig.index]
    if missing:
        raise DataError(f"no {sigma} for industries {missing}", file=str(path["sigma"]), column=sigma)
    sigma_values = sig.loc[list(sectors)].to_numpy(dtype=np.float64)
    if np.any(~np.isfinite(sigma_values)) or np.any(sigma_values <= 1.0):
        raise DataError(f"{sigma} must be above 1 (θ = σ − 1 > 0)", file=str(path["sigma"]), column=sigma)

    missing_regions = [c for c in countries if c not in targets.columns]
    if missing_regions:
        raise DataError(f"no target tariffs for {missing_regions}", file=str(path["targets"]))
    table = targets.set_index("industry")
    missing = [c for c in sectors if c not in table.index]
    if missing:
        raise DataError(f"no target tariffs for industries {missing}", file=str(path["targets"]))
    target = table.loc[list(sectors), list(countries)].to_numpy(dtype=np.float64).T  # (N, S)
    if np.any(~np.isfinite(target)) or np.any(target < 0):
        raise DataError("target tariffs must be finite and >= 0", file=str(path["targets"]))

    world = World(countries=countries, sectors=sectors, flows=flows, tariffs=tariffs, elasticity=sigma_values - 1.0,
                  year=2007, name="Ossa (2014) 7 regions x 33 industries",
                  sources={"flows": "Ossa (2014) DATA.mat (GTAP 2007, purged of trade imbalances), via psztorc/TRICE",
                           "tariffs": "Ossa (2014) DATA.mat, applied tariffs", "elasticity": f"{sigma} - 1 "
                           "(Ossa 2014, Table 1)"})
    descriptions = dict(zip(listed["code"], listed["description"], strict=True))
    notes = (f"{n} regions x {s} industries; elasticity set {sigma}",
             f"left out (no trade data): {', '.join(left_out)}" if left_out else "every listed industry has data",
             f"largest net exports relative to output {np.max(np.abs(world.deficit) / world.output):.1e}")
    return OssaData(world=world, targets=target, descriptions=descriptions, notes=notes)
