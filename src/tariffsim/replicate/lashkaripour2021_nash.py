"""Lashkaripour (2021): the cost of a global tariff war — Nash tariffs of 44 economies on WIOD 2014.

*The cost of a global tariff war: a sufficient statistics approach*, Journal of
International Economics 131 (2021), 103419: the baseline model (multi-industry
Eaton–Kortum, one factor, Cobb–Douglas across industries, tariff revenue rebated —
tariffsim's gravity family), every economy setting one uniform import tariff.

Inputs and steps are those of the author's MATLAB package ``ahmadlp/tariffwar``,
``tariffwar.pipeline.run('wiod', 2014, 'IS')``:

1. The WIOD 2014 cube as the package bundles it (44 economies × 16 sectors, tariffs as
   stored, ``IS`` elasticities: those of the paper's Table 4). The package reads the cube
   as spending at consumer prices — total expenditure ``Y_i = Σ_j,k X_ji,k``, wage income
   ``Σ_j,k X_ij,k / (1 + t_ij,k)`` (the paper, section 5) — so the World's flows (at
   producer prices) are ``X / (1 + t)``.
2. Trade imbalances removed as Dekle, Eaton and Kortum do: the model solved at the
   factual tariffs with zero deficits; its flows are the baseline
   (``GravityModel(closure="balanced")``).
3. Nash tariffs from the one-shot system of first-order conditions (the paper's
   Proposition 1 with CES demand, eq. 12 without its revenue term, as in the package's
   ``trade_war_baseline.m``), with market clearing and budget constraints:
   :func:`tariffsim.games.nash_foc`.
4. Welfare: real income ``Ê/P̂`` at the Nash tariffs, relative to the balanced baseline.

Mode ``war`` also plays the war by best responses (:func:`tariffsim.games.nash_tariffs`:
exact gradients, no approximation; several minutes) and writes both side by side.

Files: ``summary.csv`` (``country, nash_tariff_pct, welfare_pct`` and a row
``average``, the mean over the 44 economies), ``paper_table2.csv`` (the paper's Table 2,
baseline model, beside ours: its 43 economies and its averages, which are over 44), and
with ``war``: ``war_summary.csv``, ``cross_check.csv`` (``country, foc_tariff_pct,
war_tariff_pct, foc_welfare_pct, war_welfare_pct``) and ``war_path.csv`` (rounds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.games import (
    FocNash,
    GameSystem,
    Instrument,
    NashTariffs,
    Player,
    game_system,
    nash_foc,
    nash_tariffs,
)
from tariffsim.models import GravityModel
from tariffsim.replicate import Replication, choose_mode, data_file
from tariffsim.replicate._inputs import import_tables
from tariffsim.world import World

__all__ = ["NAME", "TITLE", "CITATION", "FILES", "MODES", "PUBLISHED", "PAPER_TABLE2", "SUMMARY_COLUMNS",
           "wiod_world", "setup", "foc_summary", "war", "run"]

NAME = "lashkaripour2021-nash"
TITLE = "The cost of a global tariff war: Nash tariffs of 44 economies on WIOD 2014 (Lashkaripour 2021)"
CITATION = ("Lashkaripour, A. (2021). The cost of a global tariff war: a sufficient statistics approach. Journal of "
            "International Economics 131, 103419. Baseline model; data, elasticities and steps of the author's package "
            "ahmadlp/tariffwar, tariffwar.pipeline.run('wiod', 2014, 'IS').")
FOLDER = "icio_wiod_lashkaripour"
FILES = [f"{FOLDER}/WIOD2014_flows_tariffs.csv.gz", f"{FOLDER}/elasticities_by_sector.csv"]
MODES = ("foc", "war")
"""``foc``: the paper's one-shot system (seconds, default); ``war``: also best responses (minutes)."""
YEAR = 2014
ELASTICITIES = "IS"

PUBLISHED = {"mean_welfare_pct": -2.41}
"""The package's README ('Validated results', WIOD 2014, the paper's elasticities): mean welfare change
over the 44 economies −2.41 %."""

PAPER_TABLE2: dict[str, tuple[float, float]] = {
    "AUS": (14.1, -1.38), "AUT": (45.7, -2.82), "BEL": (55.9, -3.27), "BGR": (37.1, -3.24), "BRA": (98.2, -0.50),
    "CAN": (21.0, -2.37), "CHE": (51.9, -1.97), "CHN": (40.7, -0.35), "CYP": (12.5, -3.48), "CZE": (49.3, -2.85),
    "DEU": (59.1, -0.96), "DNK": (59.3, -2.31), "ESP": (59.9, -1.45), "EST": (28.4, -4.18), "FIN": (31.4, -1.75),
    "FRA": (51.8, -1.73), "GBR": (27.9, -2.03), "GRC": (12.5, -2.81), "HRV": (38.3, -3.12), "HUN": (52.7, -4.23),
    "IDN": (54.1, -0.99), "IND": (49.6, -0.90), "IRL": (117.7, -1.42), "ITA": (49.8, -0.78), "JPN": (44.9, -0.53),
    "KOR": (43.6, -1.22), "LTU": (31.8, -4.00), "LUX": (12.0, -6.33), "LVA": (26.0, -3.16), "MEX": (39.7, -2.42),
    "MLT": (12.4, -5.45), "NLD": (37.1, -4.19), "NOR": (17.2, -2.05), "POL": (46.4, -2.67), "PRT": (27.3, -2.49),
    "ROU": (32.8, -2.56), "RUS": (12.2, -2.54), "SVK": (41.5, -4.48), "SVN": (46.3, -3.26), "SWE": (38.5, -1.95),
    "TUR": (45.6, -1.28), "TWN": (35.4, -2.35), "USA": (43.6, -0.76),
}
"""The paper's Table 2 ("The welfare cost of a tariff war, year 2014"), baseline model: Nash tariff and
% change in real GDP for the 43 economies it lists. The paper computed them on its own WIOD build (TRAINS
tariffs, services' trade elasticity 10), not the package's cube."""
PAPER_AVERAGE = (40.5, -2.42)
"""Table 2's "Average" row. The 43 rows average 40.77 % and −2.432 %: the average is over 44 economies,
with the rest of the world (not listed) at about 29 % and −1.9 % (give or take the rounding)."""

SUMMARY_COLUMNS = ["country", "nash_tariff_pct", "welfare_pct"]
CROSS_COLUMNS = ["country", "foc_tariff_pct", "war_tariff_pct", "foc_welfare_pct", "war_welfare_pct"]


@dataclass(frozen=True, eq=False)
class Setup:
    """The factual World (deficits in), the game on its balanced version and the largest deficit purged."""

    world: World
    game: GameSystem
    largest_deficit_pct: float


def wiod_world(data_dir: Path) -> World:
    """The package's WIOD 2014 cube as a World: flows at producer prices ``X/(1+t)``, the cube's tariffs,
    θ of the ``IS`` set by sector index."""
    tables = import_tables([("wiod", [data_file(data_dir, FILES[0])], YEAR),
                            ("sector-elasticities", [data_file(data_dir, FILES[1])], None)])
    flows = tables["wiod"]["flows"]
    sets = tables["sector-elasticities"]["sets"]
    chosen = sets[(sets["dataset"] == "wiod") & (sets["year"] == YEAR) & (sets["code"] == ELASTICITIES)]
    order = flows.drop_duplicates("sector_idx").sort_values("sector_idx")
    theta = dict(zip(chosen["sector_idx"], chosen["theta"], strict=True))
    sectors = list(order["sector"])
    elasticity = {s: float(theta[k]) for s, k in zip(order["sector"], order["sector_idx"], strict=True)}
    frame = flows.assign(value=flows["value"] / (1.0 + flows["tariff"]))
    countries = [*sorted(c for c in set(frame["exporter"]) if c != "ROW"), "ROW"]
    return World.from_frames(frame[["exporter", "importer", "sector", "value", "tariff"]], elasticity=elasticity,
                             countries=countries, sectors=sectors, year=YEAR, name=f"WIOD {YEAR} (tariffwar cube)",
                             sources={"flows": "WIOD 2016 release via ahmadlp/tariffwar (mat/WIOD2014.mat): the cube "
                                               "read as spending at consumer prices, flows = X / (1 + t)",
                                      "tariffs": "as stored in the cube (applied rates via tariffwar)",
                                      "elasticity": "tariffwar's IS set for WIOD: Lashkaripour (2021), Table 4"})


def setup(data_dir: Path) -> Setup:
    """The World and the game on its deficit-free version (Dekle, Eaton and Kortum's purge)."""
    world = wiod_world(data_dir)
    game = game_system(world, GravityModel(closure="balanced"))
    largest = float(np.max(np.abs(world.deficit) / world.expenditure)) * 100.0
    return Setup(world=world, game=game, largest_deficit_pct=largest)


def _summary(countries: list[str], tariffs: np.ndarray, welfare_hat: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame({"country": countries, "nash_tariff_pct": 100.0 * np.asarray(tariffs),
                          "welfare_pct": 100.0 * (np.asarray(welfare_hat) - 1.0)}, columns=SUMMARY_COLUMNS)
    average = {"country": "average", **{c: float(table[c].mean()) for c in SUMMARY_COLUMNS[1:]}}
    return pd.concat([table, pd.DataFrame([average])], ignore_index=True)


def foc_summary(state: Setup) -> tuple[pd.DataFrame, FocNash]:
    """The paper's Nash tariffs (one-shot first-order conditions) and each economy's welfare change."""
    foc = nash_foc(state.game)
    return _summary(list(state.game.world.countries), foc.tariffs, foc.welfare), foc


def players(world: World) -> list[Player]:
    """Every economy with one uniform tariff on all its imports (Lashkaripour's Proposition 1)."""
    return [Player(Instrument(c, partners="mfn", sectors="uniform")) for c in world.countries]


def war(state: Setup, *, tol: float = 1e-5) -> tuple[pd.DataFrame, NashTariffs]:
    """The same war by best responses (sequential updates); the summary uses the game's welfare, as for
    the first-order conditions."""
    game = state.game
    nash = nash_tariffs(game, players(game.world), update="sequential", tol=tol)
    rates = nash.tariffs.groupby("importer")["tariff"].mean().reindex(game.world.countries).to_numpy()
    z, _, _ = game.solve(nash.profile, None)
    z0, _, _ = game.solve(np.asarray(game.world.tariffs), None)
    welfare = np.asarray(game.welfare(nash.profile, z)) / np.asarray(game.welfare(np.asarray(game.world.tariffs), z0))
    return _summary(list(game.world.countries), rates, welfare), nash


def _column(table: pd.DataFrame, column: str) -> dict[str, float]:
    return {str(c): float(v) for c, v in zip(table["country"], table[column], strict=True)}


def paper_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 2 (baseline) beside ours: its 43 economies, and the averages over all 44."""
    tariff = _column(summary, "nash_tariff_pct")
    welfare = _column(summary, "welfare_pct")
    rows = [{"country": c, "paper_tariff_pct": t, "tariffsim_tariff_pct": tariff[c],
             "paper_welfare_pct": w, "tariffsim_welfare_pct": welfare[c]}
            for c, (t, w) in PAPER_TABLE2.items()]
    rows.append({"country": "average", "paper_tariff_pct": PAPER_AVERAGE[0], "tariffsim_tariff_pct": tariff["average"],
                 "paper_welfare_pct": PAPER_AVERAGE[1], "tariffsim_welfare_pct": welfare["average"]})
    return pd.DataFrame(rows)


def run(data_dir: Path, out_dir: Path, mode: str | None = None, *, tol: float = 1e-5) -> Replication:
    """Write ``summary.csv`` and ``paper_table2.csv`` (and with ``mode='war'`` the best-response war) into
    ``out_dir``."""
    chosen = choose_mode(NAME, MODES, mode)
    begin = time.perf_counter()
    state = setup(data_dir)
    summary, foc = foc_summary(state)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / "summary.csv", out_dir / "paper_table2.csv"]
    summary.to_csv(files[0], index=False, float_format="%.10g")
    table = paper_table(summary)
    table.to_csv(files[1], index=False, float_format="%.10g")
    mean = _column(summary, "welfare_pct")["average"]
    notes = [f"deficits purged first (largest factual deficit {state.largest_deficit_pct:.1f} % of expenditure)",
             f"first-order conditions: {foc.diagnostics.iterations} Newton steps, largest residual "
             f"{foc.diagnostics.residual:.1e}, {time.perf_counter() - begin:.1f} s with the import"]
    rows = [{"quantity": "welfare change, mean over the 44 economies (%)", "published": PUBLISHED["mean_welfare_pct"],
             "tariffsim": mean},
            {"quantity": "welfare change, mean over the 44 economies (%) [paper, Table 2]",
             "published": PAPER_AVERAGE[1], "tariffsim": mean},
            {"quantity": "Nash tariff, mean over the 44 economies (%) [paper, Table 2]",
             "published": PAPER_AVERAGE[0], "tariffsim": _column(summary, "nash_tariff_pct")["average"]}]
    if chosen == "war":
        started = time.perf_counter()
        war_table, nash = war(state, tol=tol)
        cross = pd.DataFrame({"country": summary["country"], "foc_tariff_pct": summary["nash_tariff_pct"],
                              "war_tariff_pct": war_table["nash_tariff_pct"], "foc_welfare_pct": summary["welfare_pct"],
                              "war_welfare_pct": war_table["welfare_pct"]}, columns=CROSS_COLUMNS)
        extra = [out_dir / "war_summary.csv", out_dir / "cross_check.csv", out_dir / "war_path.csv"]
        war_table.to_csv(extra[0], index=False, float_format="%.10g")
        cross.to_csv(extra[1], index=False, float_format="%.10g")
        nash.history.to_csv(extra[2], index=False, float_format="%.10g")
        files += extra
        body = cross.iloc[:-1]
        tariff_gap = float(np.max(np.abs(body["war_tariff_pct"] - body["foc_tariff_pct"])))
        welfare_gap = float(np.max(np.abs(body["war_welfare_pct"] - body["foc_welfare_pct"])))
        notes.append(f"best responses: {nash.diagnostics.iterations} rounds, {time.perf_counter() - started:.0f} s; "
                     f"largest gap to the first-order conditions {tariff_gap:.2f} pp in tariffs, {welfare_gap:.3f} pp "
                     "in welfare")
        rows.append({"quantity": "welfare change, mean over the 44 economies, best responses (%)",
                     "published": PUBLISHED["mean_welfare_pct"],
                     "tariffsim": _column(war_table, "welfare_pct")["average"]})
    comparison = pd.DataFrame(rows, columns=["quantity", "published", "tariffsim"])
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
