"""Ossa (2014): each region's optimal tariffs, others' tariffs at their factual levels.

*Trade Wars and Trade Talks with Data*, American Economic Review 104(12): 4104–46,
the optimal-tariff section and the abstract ("optimal tariffs average 62 percent"). 7 regions ×
33 GTAP industries, 2007; multi-industry Krugman with a fixed number of firms
(:class:`~tariffsim.models.OssaModel`), trade balanced (Ossa's ``NXC = 0``),
government welfare with political-economy weights λ calibrated to the applied
tariffs' cross-industry pattern (:mod:`tariffsim.games.calibration`).

Four cases, one subfolder each:

* ``bas/`` — λ = 1 (real income), discriminatory tariffs (one rate per partner and industry);
* ``pol/`` — calibrated λ, discriminatory (the abstract's 62 % is this case);
* ``mfn-bas/``, ``mfn-pol/`` — the same with one rate per industry for all partners.

Each has ``optimal_tariffs.csv`` (``importer, exporter, industry, tariff``; fractions;
for MFN one row per partner with the same rate) and ``summary.csv`` (``region,
welfare_own_pct, welfare_others_pct, gov_welfare_own_pct, median_tariff_pct``, one row
per region and ``average``): the region's real income change, the mean of the other
six regions' real income changes, its government welfare change (λ of the case) and
the median of its (partner, industry) tariffs; ``average`` is the mean over regions
(the abstract's "average": the mean of the regions' medians). ``lambda.csv``
(``region, industry, lambda``) at the top holds the calibrated weights.

Bounds are Ossa's: ``[0, max(target + 0.03, 2.25)]`` by industry. Every problem is
solved from several starts (factual tariffs, 1/θ, zero) and the best is kept, with
the KKT residual of the projected gradient below ``kkt_tol``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.ossa import FILES as OSSA_FILES
from tariffsim.data.ossa import OssaData, read_ossa
from tariffsim.games import (
    GameSystem,
    Instrument,
    Objective,
    OptimalTariffs,
    Player,
    Weights,
    best_response,
    calibrate_weights,
    caps_for,
    game_system,
    weight_array,
)
from tariffsim.models import OssaModel
from tariffsim.replicate import Replication, choose_mode, data_file

NAME = "ossa2014-optimal"
TITLE = "Each region's optimal tariffs in Ossa's (2014) trade-war model"
CITATION = ("Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic Review 104(12): 4104-46. "
            "Abstract and the optimal-tariff results.")
FOLDER = "ossa_2014"
FILES = [f"{FOLDER}/{name}" for name in OSSA_FILES.values()]
MODES = ("foc", "heuristic")
"""How λ is calibrated: the first-order-condition inversion (default) or Ossa's iteration (minutes per region)."""

PUBLISHED = {"pol": 62.0}
"""Abstract: "optimal tariffs average 62 percent" — the mean over regions of each region's median
optimal tariff, with the political-economy weights (percent)."""

CASES: dict[str, tuple[str, bool]] = {"bas": ("each", False), "pol": ("each", True),
                                      "mfn-bas": ("mfn", False), "mfn-pol": ("mfn", True)}
"""Case → (partners of the instrument, political weights?)."""

SUMMARY_COLUMNS = ["region", "welfare_own_pct", "welfare_others_pct", "gov_welfare_own_pct", "median_tariff_pct"]
TARIFF_COLUMNS = ["importer", "exporter", "industry", "tariff"]
KKT_TOL = 1e-7
"""KKT tolerance of every problem: tighter than the games layer's default (1e-6), so that tariffs on
small flows — whose gradients are small — are pinned down too."""


@dataclass(frozen=True)
class Setup:
    """Ossa's data, the game on it and the calibrated weights (None when no case needs them)."""

    data: OssaData
    game: GameSystem
    weights: pd.DataFrame | None
    records: list[Weights]
    seconds: float


def player(setup: Setup, region: str, case: str) -> Player:
    """``region``'s instrument and objective in ``case``: Ossa's bounds; λ = 1 or the calibrated weights."""
    partners, political = CASES[case]
    world = setup.game.world
    caps = caps_for(setup.data.targets[world.country_index(region)])
    upper = {s: float(u) for s, u in zip(world.sectors, caps, strict=True)}
    if political:
        assert setup.weights is not None
        objective = Objective.political(weight_array(setup.weights, world.countries, world.sectors))
    else:
        objective = Objective.welfare()
    return Player(Instrument(region, partners=partners, upper=upper), objective)  # type: ignore[arg-type]


def setup(data_dir: Path, method: str, cases: Sequence[str]) -> Setup:
    """Read the data, build the game and calibrate λ when a political case is asked for."""
    for relative in FILES:
        data_file(data_dir, relative)
    data = read_ossa(Path(data_dir) / FOLDER)
    game = game_system(data.world, OssaModel())
    begin = time.perf_counter()
    if any(CASES[c][1] for c in cases):
        # Ossa's heuristic started Japan's rounds from the targets ("works better for Japan", mylambdaj.m).
        table, records = calibrate_weights(game, data.targets, method=method,  # type: ignore[arg-type]
                                           guess_targets=("Japan",) if "Japan" in data.world.countries else ())
        return Setup(data, game, table, records, time.perf_counter() - begin)
    return Setup(data, game, None, [], 0.0)


def check_cases(cases: Sequence[str] | None) -> list[str]:
    chosen = list(CASES) if cases is None else list(cases)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        from tariffsim.errors import ModelError

        raise ModelError(f"unknown cases {unknown}; the cases are {', '.join(CASES)}")
    return chosen


def tariff_table(tariffs: pd.DataFrame) -> pd.DataFrame:
    """The games layer's ``importer, exporter, sector, tariff`` with the paper's column names."""
    return tariffs.rename(columns={"sector": "industry"})[TARIFF_COLUMNS].reset_index(drop=True)


def government_welfare(setup: Setup, case: str, tariffs: Any, z: Any) -> Any:
    """Each region's government welfare (hat) at an equilibrium: λ of the case (1 for ``bas``)."""
    world = setup.game.world
    if CASES[case][1]:
        assert setup.weights is not None
        lam = weight_array(setup.weights, world.countries, world.sectors)
    else:
        lam = np.ones((world.n_countries, world.n_sectors))
    return np.asarray(setup.game.political(tariffs, z, lam), dtype=np.float64)


def with_average(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """The table of ``rows`` plus a row ``average`` with the mean of every column over regions."""
    table = pd.DataFrame(rows, columns=columns)
    average = {"region": "average", **{c: float(table[c].mean()) for c in columns[1:]}}
    return pd.concat([table, pd.DataFrame([average])], ignore_index=True)


def optimal_case(setup: Setup, case: str, kkt_tol: float = KKT_TOL) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                             dict[str, OptimalTariffs]]:
    """Every region's optimal tariffs in ``case``: (tariff table, summary, responses)."""
    world = setup.game.world
    responses: dict[str, OptimalTariffs] = {}
    tables, rows = [], []
    for k, region in enumerate(world.countries):
        response = best_response(setup.game, player(setup, region, case), kkt_tol=kkt_tol)
        responses[region] = response
        welfare = response.result.countries["welfare_pct"].to_numpy(dtype=np.float64)
        government = government_welfare(setup, case, response.profile, response.z)
        tables.append(tariff_table(response.tariffs))
        rows.append({"region": region, "welfare_own_pct": float(welfare[k]),
                     "welfare_others_pct": float(np.delete(welfare, k).mean()),
                     "gov_welfare_own_pct": 100.0 * (float(government[k]) - 1.0),
                     "median_tariff_pct": 100.0 * float(np.median(response.tariffs["tariff"]))})
    return pd.concat(tables, ignore_index=True), with_average(rows, SUMMARY_COLUMNS), responses


def write_weights(out_dir: Path, setup: Setup) -> list[Path]:
    if setup.weights is None:
        return []
    path = out_dir / "lambda.csv"
    setup.weights.to_csv(path, index=False, float_format="%.10g")
    return [path]


def weight_notes(setup: Setup, method: str) -> list[str]:
    if not setup.records:
        return []
    clipped = [f"{r.region}: {', '.join(r.clipped)}" for r in setup.records if r.clipped]
    return [f"lambda calibrated by {method} in {setup.seconds:.1f} s (levels of the matched tariffs "
            + ", ".join(f"{r.region} {100 * r.level:.1f} %" for r in setup.records) + ")"
            + (f"; weights at zero (tariff above the pattern even then): {'; '.join(clipped)}" if clipped else "")]


def start(name: str, data_dir: Path, out_dir: Path, mode: str | None,
          cases: Sequence[str] | None) -> tuple[str, list[str], Setup, list[Path], list[str]]:
    """What both reproductions do first: check the mode and cases (before reading anything), read the data,
    calibrate λ if needed, write ``lambda.csv``. Returns (method, cases, setup, files, notes)."""
    method = str(choose_mode(name, MODES, mode))
    chosen = check_cases(cases)
    state = setup(data_dir, method, chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
    return method, chosen, state, write_weights(out_dir, state), weight_notes(state, method)


def write_case(out_dir: Path, case: str, tariff_file: str, tariffs: pd.DataFrame,
               summary: pd.DataFrame) -> tuple[list[Path], dict[str, Any]]:
    """Write a case's tariff table and summary into ``out_dir/case``; return the files and the ``average`` row."""
    folder = out_dir / case
    folder.mkdir(parents=True, exist_ok=True)
    tariffs.to_csv(folder / tariff_file, index=False, float_format="%.10g")
    summary.to_csv(folder / "summary.csv", index=False, float_format="%.10g")
    average = summary.set_index("region").loc["average"]
    return [folder / tariff_file, folder / "summary.csv"], {str(k): v for k, v in average.items()}


def run(data_dir: Path, out_dir: Path, mode: str | None = None, *, cases: Sequence[str] | None = None,
        kkt_tol: float = KKT_TOL) -> Replication:
    """Write ``lambda.csv`` and, per case, ``optimal_tariffs.csv`` and ``summary.csv`` into ``out_dir``.

    ``mode`` is the λ calibration (``foc``, default, or ``heuristic``); ``cases`` a subset of
    :data:`CASES` (default all four).
    """
    _, chosen, state, files, notes = start(NAME, data_dir, out_dir, mode, cases)
    rows = []
    for case in chosen:
        begin = time.perf_counter()
        tariffs, summary, responses = optimal_case(state, case, kkt_tol)
        written, average = write_case(out_dir, case, "optimal_tariffs.csv", tariffs, summary)
        files += written
        rows.append({"case": case, "quantity": "optimal tariff, mean of regional medians (%)",
                     "published": PUBLISHED.get(case, np.nan), "tariffsim": float(average["median_tariff_pct"])})
        rows.append({"case": case, "quantity": "own welfare, mean over regions (%)", "published": np.nan,
                     "tariffsim": float(average["welfare_own_pct"])})
        several = [r for r, resp in responses.items()
                   if resp.starts["objective"].max() - resp.starts["objective"].min() > 1e-7]
        notes.append(f"{case}: {time.perf_counter() - begin:.1f} s; largest KKT residual "
                     f"{max(r.kkt_residual for r in responses.values()):.1e}"
                     + (f"; starts reached different optima for {', '.join(several)} (the best is kept)"
                        if several else ""))
    comparison = pd.DataFrame(rows, columns=["case", "quantity", "published", "tariffsim"])
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
