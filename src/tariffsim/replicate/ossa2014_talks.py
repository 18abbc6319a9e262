"""Ossa (2014): trade talks — cooperative tariffs at which every government gains the same.

*Trade Wars and Trade Talks with Data*, American Economic Review 104(12): 4104–46, the
section on trade talks and the abstract (the issue that asked for this reproduction reads
it as "government welfare gains from multilateral talks average 0.5 %"). Ossa's
``mycooperativetariff.m`` (public copy in ``psztorc/TRICE``, folder ``model/``) maximises
the first government's welfare ``G_1`` subject to ``G_1 = G_j`` for every other ``j`` —
government welfare hats relative to the factual data, so every government gains the same
proportion over the factual tariffs — over every region's tariffs on every partner and
industry at once. :func:`tariffsim.games.cooperative_tariffs` solves the same problem with
exact Jacobians of all seven governments' welfare, by its augmented-Lagrangian method
(:data:`METHOD`; SLSQP's dense subproblem takes seconds a step at 1,386 tariffs), and
checks the answer: equal gains, and the first-order residual it reports.

**Which bounds.** Read from Ossa's code: ``mycooperativetariff(LAMBDA, LBj, UBj, LIBONLY)``
saves its answer as "restricted" when ``LBj = 0`` (no import subsidies) and "unrestricted"
when ``LBj < 0``; ``LIBONLY = 1`` would allow only cuts from the factual tariffs. The
published driver reconstruction in the same repository calls it with ``LBj = 0``,
``UBj = 10`` and ``LIBONLY = 0`` for the political-economy case (restricted only), and with
``LBj = −5`` as well for λ = 1. The default here is therefore ``restricted``: tariffs in
[0, 10], cuts and increases allowed; ``unrestricted`` ([−0.95, 10], import subsidies) and
``cuts-only`` ([0, factual]) are options (``variant=``).

Per case (``bas/``: λ = 1; ``pol/``: calibrated λ, as in :mod:`tariffsim.replicate.ossa2014_optimal`)
a subfolder with ``cooperative_tariffs.csv`` (``importer, exporter, industry, tariff``) and
``summary.csv`` (``region, gain_vs_factual_pct, gain_vs_nash_pct, median_tariff_pct`` and
``average``): each government's welfare gain over the factual tariffs (the common gain),
over the Nash tariffs of the same case (:mod:`tariffsim.replicate.ossa2014_nash`), and the
median of its cooperative tariffs. As in Ossa's driver, the discriminatory problem starts from
the MFN cooperative tariffs (solved first).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.errors import ModelError
from tariffsim.games import Player, cooperative_tariffs
from tariffsim.games.cooperative import CooperativeMethod, CooperativeTariffs, Variant
from tariffsim.games.instruments import PartnerMode
from tariffsim.replicate import Replication
from tariffsim.replicate.ossa2014_optimal import (
    FILES,
    FOLDER,
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

__all__ = ["NAME", "TITLE", "CITATION", "FILES", "FOLDER", "MODES", "PUBLISHED", "CASES", "VARIANTS", "METHOD",
           "SUMMARY_COLUMNS", "TARIFF_COLUMNS", "cooperative_case", "run"]

NAME = "ossa2014-talks"
TITLE = "Trade talks: cooperative tariffs with equal gains in Ossa's (2014) model"
CITATION = ("Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12): 4104-46. "
            "Abstract and the section on trade talks; mycooperativetariff.m.")

PUBLISHED = {"pol": {"gain_vs_factual_pct": 0.5}}
"""The abstract's average government welfare gain from multilateral talks (percent), with the political-economy
weights, as the issue reads it."""

CASES = ("bas", "pol")
VARIANTS: dict[str, tuple[float, float, Variant]] = {
    "restricted": (0.0, 10.0, "free"),
    "unrestricted": (-0.95, 10.0, "free"),
    "cuts-only": (0.0, 10.0, "restricted"),
}
"""Variant → (lower bound, upper bound, the games layer's variant): Ossa's ``LBj``/``UBj``/``LIBONLY``. A subsidy
of −5 (Ossa's unrestricted bound) is below −100 %, which the World refuses; −0.95 is the deepest subsidy kept."""

SUMMARY_COLUMNS = ["region", "gain_vs_factual_pct", "gain_vs_nash_pct", "median_tariff_pct"]
TOL = 1e-9
"""SLSQP's tolerance on the maximised welfare (a hat), when ``method="slsqp"``."""
METHOD: CooperativeMethod = "lagrangian"
"""The games layer's method: the augmented Lagrangian (SLSQP's dense subproblem takes seconds a step at 1,386
tariffs)."""


def cooperative_case(state: Setup, case: str, variant: str = "restricted", partners: PartnerMode = "each",
                     nash_profile: np.ndarray | None = None, tol: float = TOL,
                     method: CooperativeMethod = METHOD) -> tuple[pd.DataFrame, pd.DataFrame, CooperativeTariffs]:
    """The cooperative tariffs of ``case``: (tariff table, summary, the games layer's answer)."""
    if variant not in VARIANTS:
        raise ModelError(f"variant '{variant}' is not one of {', '.join(VARIANTS)}")
    lower, upper, kind = VARIANTS[variant]
    begin = time.perf_counter()
    world = state.game.world
    players = []
    for region in world.countries:
        base = player(state, region, "pol" if case == "pol" else "bas")
        instrument = dataclasses.replace(base.instrument, partners=partners, lower=lower, upper=upper,
                                         subsidies=lower < 0)
        players.append(Player(instrument, base.objective))
    first = None
    if partners == "each":  # Ossa's driver starts the discriminatory problem from the MFN cooperative tariffs
        mfn = [Player(dataclasses.replace(p.instrument, partners="mfn"), p.objective) for p in players]
        first = cooperative_tariffs(state.game, mfn, reference="factual", variant=kind, tol=tol,
                                    method=method).profile
    coop = cooperative_tariffs(state.game, players, reference="factual", variant=kind, tol=tol, start=first,
                               method=method)
    table = tariff_table(coop.tariffs)
    z, _, _ = state.game.solve(coop.profile, None)
    government = government_welfare(state, case, coop.profile, z)
    if nash_profile is not None:
        z_nash, _, _ = state.game.solve(nash_profile, None)
        nash = government_welfare(state, case, nash_profile, z_nash)
    else:
        nash = np.full(world.n_countries, np.nan)
    rows = [{"region": region, "gain_vs_factual_pct": 100.0 * (float(government[k]) - 1.0),
             "gain_vs_nash_pct": 100.0 * (float(government[k]) / float(nash[k]) - 1.0),
             "median_tariff_pct": 100.0 * float(np.median(table.loc[table["importer"] == region, "tariff"]))}
            for k, region in enumerate(world.countries)]
    seconds = time.perf_counter() - begin
    return table, with_average(rows, SUMMARY_COLUMNS), dataclasses.replace(
        coop, diagnostics=dataclasses.replace(coop.diagnostics, seconds=seconds))


def run(data_dir: Path, out_dir: Path, mode: str | None = None, *, cases: Sequence[str] | None = None,
        variant: str = "restricted", partners: PartnerMode = "each", nash: bool = True,
        tol: float = TOL, method: CooperativeMethod = METHOD) -> Replication:
    """Write ``lambda.csv`` and, per case, ``cooperative_tariffs.csv`` and ``summary.csv`` into ``out_dir``.

    ``mode`` is the λ calibration (``foc``, default, or ``heuristic``); ``cases`` a subset of
    :data:`CASES`; ``variant`` one of :data:`VARIANTS`; ``partners`` ``each`` (Ossa's
    ``mycooperativetariff``) or ``mfn``; ``nash`` also solves each case's trade war for the gains over
    the Nash tariffs (minutes); ``method`` the games layer's (:data:`METHOD` by default: the augmented Lagrangian,
    minutes faster than SLSQP on 1,386 discriminatory tariffs).
    """
    chosen = list(CASES) if cases is None else list(cases)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        raise ModelError(f"unknown cases {unknown}; the cases are {', '.join(CASES)}")
    if variant not in VARIANTS:
        raise ModelError(f"variant '{variant}' is not one of {', '.join(VARIANTS)}")
    _, chosen, state, files, notes = start(NAME, data_dir, out_dir, mode, chosen)
    rows = []
    for case in chosen:
        profile = None
        if nash:
            from tariffsim.replicate.ossa2014_nash import nash_case

            profile = nash_case(state, case)[2].profile
        tariffs, summary, coop = cooperative_case(state, case, variant, partners, profile, tol, method)
        written, average = write_case(out_dir, case, "cooperative_tariffs.csv", tariffs, summary)
        files += written
        published = PUBLISHED.get(case, {})
        rows.append({"case": case, "quantity": "government welfare gain over factual, mean over regions (%)",
                     "published": published.get("gain_vs_factual_pct", np.nan),
                     "tariffsim": float(average["gain_vs_factual_pct"])})
        rows.append({"case": case, "quantity": "government welfare gain over Nash, mean over regions (%)",
                     "published": np.nan, "tariffsim": float(average["gain_vs_nash_pct"])})
        rows.append({"case": case, "quantity": "cooperative tariff, mean of regional medians (%)",
                     "published": np.nan, "tariffsim": float(average["median_tariff_pct"])})
        notes.append(f"{case}: {variant}, {partners} tariffs, {method}: {coop.diagnostics.seconds:.1f} s (with the "
                     f"MFN start), gains equal within {coop.constraint_residual:.1e}, first-order residual "
                     f"{coop.kkt_residual:.1e}")
    comparison = pd.DataFrame(rows, columns=["case", "quantity", "published", "tariffsim"])
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
