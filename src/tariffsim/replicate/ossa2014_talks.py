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
median of its cooperative tariffs.

**Where the search starts.** The problem is not concave: it has first-order points other than
the cooperative tariffs. :func:`starts` gives each problem several starts and the games layer
keeps the converged one with the highest common gain (each start's outcome is in the notes).
The first is Ossa's own guess in ``mycooperativetariff.m`` / ``mymfncooperativetariff.m``: with
λ = 1, tariffs that offset the markup differences across industries,
``0.25·(ι_s/mean(ι) − 1)`` with ``ι_s = (σ_s − 1)/σ_s`` (clipped to the bounds: the negative ones
are subsidies), and with the calibrated λ free trade. Free trade is always a start, and for
MFN tariffs the factual tariffs too: from Ossa's guess and from free trade the MFN problem with
λ = 1 ends at points where every government *loses* (0.26 % and 0.62 %), from the factual
tariffs at a gain of 0.32 %. The discriminatory problems are not started from the MFN answer
(as Ossa's ``tryme.m`` advises for optimal tariffs): from there the λ = 1 case stalled at a
first-order residual of 3e-4 after 10,000 evaluations, while from free trade it converges in
about 1,200.
"""

from __future__ import annotations

import dataclasses
import os
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
           "SUMMARY_COLUMNS", "TARIFF_COLUMNS", "cooperative_case", "markup_guess", "run", "starts"]

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


def markup_guess(state: Setup) -> np.ndarray:
    """Ossa's guess with λ = 1: every tariff ``0.25·(ι_s/mean(ι) − 1)``, ``ι_s = (σ_s − 1)/σ_s``, own cells 0
    ("motivated by the desire to eliminate markup distortions", his comment)."""
    world = state.game.world
    inverse_markup = np.asarray(world.elasticity, dtype=np.float64) / (np.asarray(world.elasticity) + 1.0)
    guess = np.broadcast_to(0.25 * (inverse_markup / inverse_markup.mean() - 1.0), world.shape).copy()
    guess[np.arange(world.n_countries), np.arange(world.n_countries), :] = 0.0
    return guess


def starts(state: Setup, case: str, partners: PartnerMode) -> list[np.ndarray]:
    """The starts of ``case``'s cooperative problem: Ossa's guess (the markup guess with λ = 1, free trade with
    the calibrated λ), free trade, and for MFN tariffs the factual tariffs; duplicates dropped."""
    world = state.game.world
    free_trade = np.zeros(world.shape)
    out = [markup_guess(state) if case == "bas" else free_trade, free_trade]
    if partners == "mfn":
        out.append(np.array(world.tariffs, dtype=np.float64))
    unique: list[np.ndarray] = []
    for profile in out:
        if not any(np.array_equal(profile, known) for known in unique):
            unique.append(profile)
    return unique


def cooperative_case(state: Setup, case: str, variant: str = "restricted", partners: PartnerMode = "each",
                     nash_profile: np.ndarray | None = None, tol: float = TOL,
                     method: CooperativeMethod = METHOD,
                     workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, CooperativeTariffs]:
    """The cooperative tariffs of ``case``: (tariff table, summary, the games layer's answer). The starts
    (:func:`starts`) run on ``workers`` processes at once (default: one per start, at most one per core)."""
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
    profiles = starts(state, case, partners)
    if workers is None:
        workers = max(1, min(len(profiles), os.cpu_count() or 1))
    coop = cooperative_tariffs(state.game, players, reference="factual", variant=kind, tol=tol, start=profiles,
                               method=method, workers=workers)
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
        notes.append(f"{case}: {variant}, {partners} tariffs, {method}: {coop.diagnostics.seconds:.1f} s, gains equal "
                     f"within {coop.constraint_residual:.1e}, first-order residual {coop.kkt_residual:.1e}")
        if coop.attempts is not None:
            for row in coop.attempts.itertuples():
                outcome = (f"common gain {row.common_gain_pct:.4f} %" if row.converged
                           else f"not converged ({row.message})")
                notes.append(f"{case}: start {row.start} of {len(coop.attempts)}: {outcome}, {row.solves} solves")
    comparison = pd.DataFrame(rows, columns=["case", "quantity", "published", "tariffsim"])
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
