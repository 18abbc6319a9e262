"""Ossa (2014): the world trade war — Nash tariffs of all seven regions.

*Trade Wars and Trade Talks with Data*, American Economic Review 104(12): 4104–46,
the trade-war section and the abstract ("world trade war tariffs average 63 percent, the
government welfare losses from a breakdown of international trade policy
cooperation average 2.9 percent"). The model, data, bounds, weights and cases are
those of :mod:`tariffsim.replicate.ossa2014_optimal`; every region is a player and
the war starts from the factual tariffs.

Best responses are iterated (all regions at once, as Ossa's ``mynashtariff.m``)
until no tariff moves by more than 1e-5 in a round (Ossa stopped when the *mean*
change fell below 1e-2). Per case a subfolder with ``nash_tariffs.csv``
(``importer, exporter, industry, tariff``) and ``summary.csv`` (``region,
welfare_pct, gov_welfare_pct, median_tariff_pct`` and ``average``): real income and
government welfare (λ of the case) at the Nash tariffs relative to the factual
ones, and the median of the region's tariffs. ``lambda.csv`` at the top.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.games import NashTariffs, nash_tariffs
from tariffsim.replicate import Replication
from tariffsim.replicate.ossa2014_optimal import (
    CASES,
    FILES,
    FOLDER,
    KKT_TOL,
    MODES,
    TARIFF_COLUMNS,
    Setup,
    government_welfare,
    player,
    start,
    tariff_table,
    with_average,
    write_case,
)

__all__ = ["NAME", "TITLE", "CITATION", "FILES", "FOLDER", "MODES", "PUBLISHED", "CASES", "SUMMARY_COLUMNS",
           "TARIFF_COLUMNS", "nash_case", "run"]

NAME = "ossa2014-nash"
TITLE = "The world trade war: Nash tariffs in Ossa's (2014) model"
CITATION = ("Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12): 4104-46. "
            "Abstract and the trade-war (Nash tariffs) results.")

PUBLISHED = {"pol": {"median_tariff_pct": 63.0, "gov_welfare_pct": -2.9}}
"""Abstract: Nash ("world trade war") tariffs average 63 percent (mean over regions of the regional
medians); government welfare losses average 2.9 percent — with the political-economy weights."""

SUMMARY_COLUMNS = ["region", "welfare_pct", "gov_welfare_pct", "median_tariff_pct"]
TOL = 1e-5
"""The war has ended when no tariff moves by more than this in a round."""


def nash_case(state: Setup, case: str, kkt_tol: float = KKT_TOL, tol: float = TOL) -> tuple[pd.DataFrame,
                                                                                              pd.DataFrame,
                                                                                              NashTariffs]:
    """The trade war of ``case``: (tariff table, summary, the games layer's answer)."""
    world = state.game.world
    players = [player(state, region, case) for region in world.countries]
    nash = nash_tariffs(state.game, players, kkt_tol=kkt_tol, tol=tol)
    welfare = nash.result.countries["welfare_pct"].to_numpy(dtype=np.float64)
    z, _, _ = state.game.solve(nash.profile, None)
    government = government_welfare(state, case, nash.profile, z)
    table = tariff_table(nash.tariffs)
    rows = [{"region": region, "welfare_pct": float(welfare[k]),
             "gov_welfare_pct": 100.0 * (float(government[k]) - 1.0),
             "median_tariff_pct": 100.0 * float(np.median(table.loc[table["importer"] == region, "tariff"]))}
            for k, region in enumerate(world.countries)]
    return table, with_average(rows, SUMMARY_COLUMNS), nash


def run(data_dir: Path, out_dir: Path, mode: str | None = None, *, cases: Sequence[str] | None = None,
        kkt_tol: float = KKT_TOL, tol: float = TOL) -> Replication:
    """Write ``lambda.csv`` and, per case, ``nash_tariffs.csv`` and ``summary.csv`` into ``out_dir``.

    ``mode`` is the λ calibration (``foc``, default, or ``heuristic``); ``cases`` a subset of
    :data:`CASES` (default all four).
    """
    _, chosen, state, files, notes = start(NAME, data_dir, out_dir, mode, cases)
    rows = []
    for case in chosen:
        begin = time.perf_counter()
        tariffs, summary, nash = nash_case(state, case, kkt_tol, tol)
        written, average = write_case(out_dir, case, "nash_tariffs.csv", tariffs, summary)
        files += written
        published = PUBLISHED.get(case, {})
        rows.append({"case": case, "quantity": "Nash tariff, mean of regional medians (%)",
                     "published": published.get("median_tariff_pct", np.nan),
                     "tariffsim": float(average["median_tariff_pct"])})
        rows.append({"case": case, "quantity": "government welfare, mean over regions (%)",
                     "published": published.get("gov_welfare_pct", np.nan),
                     "tariffsim": float(average["gov_welfare_pct"])})
        rows.append({"case": case, "quantity": "real income, mean over regions (%)", "published": np.nan,
                     "tariffsim": float(average["welfare_pct"])})
        d = nash.diagnostics
        notes.append(f"{case}: {time.perf_counter() - begin:.1f} s, {d.iterations} rounds, largest tariff change in "
                     f"the last round {d.residual:.1e}")
    comparison = pd.DataFrame(rows, columns=["case", "quantity", "published", "tariffsim"])
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
