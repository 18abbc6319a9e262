"""Ignatenko, Lashkaripour, Macedoni & Simonovska (2025): the Liberation Day tariffs, Tables 1, 2, 3, 8 and 10.

"Making America Great Again? The Economic Impacts of Liberation Day Tariffs", *Journal of
International Economics* 157 (2025), 104138 (NBER w33771). 194 economies, one sector,
BACI 2023 goods trade and WDI 2023 GDP; the US "reciprocal" tariffs announced on 2 April 2025.

The baseline is built as the authors' code builds it (``code/analysis/main_baseline.m``):
the inputs are read by the ``ijlms`` importer, the fixed-cost shares ν by their routine (one
for the US, one for all others), domestic sales ``GDP + T̄(ν) − imports`` clipped at zero
(Gambia and the Marshall Islands get none), the USTR schedule with its 10 % floor; every case
is solved with :mod:`tariffsim.models.ijlms`. The cases and their tariffs are the code's:

* ``ustr_income_tax`` (Table 1, case 1; the code's case 1), ``ustr_lump_sum`` (case 8);
* ``optimal_us`` (case 4): one US rate ``1/((1 + δ_US ε) φ_US − 1)`` with
  ``δ_i = Σ_n (1 − ν_n) X_in (1 − λ_in) / ((1 − ν_i) Σ_{n≠i} X_ni)`` (Proposition 2);
* ``reciprocal_retaliation`` (case 6): every economy taxes US goods at the rate the US taxes its own;
* ``optimal_retaliation`` (case 5): every economy taxes US goods at one rate from the same formula on
  the two-region aggregate (rest of the world, US), with income where the formula has imports;
* ``optimal_and_optimal_retaliation`` (case 7): both; the code's US rate here uses income ``Y`` where
  case 4 uses expenditure ``E`` in the formula's denominator, so it differs from ``optimal_us``;
* Table 8 (``main_regional.m``): a truce at 10 % both ways with everyone but China (and the EU);
* Table 10 (``main_deficit.m``): fixed transfers (ν = 0, φ = 1: Dekle et al.), and "balanced trade"
  — the transfers less each economy's deficit with the US, the US's set to zero, reported as the
  difference from the same economy without tariffs — before and after retaliation.

Averages are the code's: weighted by baseline expenditure ``E`` (the tables' notes say GDP), the
"EU" is the code's 25 members (Czechia and Slovakia are not in its list); Table 10's non-US
welfare is a simple mean, and its case (4) prints case (3)'s mean (an index slip in
``main_deficit.m``): ``table10.csv`` has the correct mean, ``comparison.csv`` and the docs both.

Mode ``full`` (default) adds each economy's own best response on US goods from the games
layer (:func:`tariffsim.games.best_response`): every economy but the US chooses the uniform
tariff on US goods that maximises its welfare, given the USTR tariffs and no other
retaliation; all 193 rates then apply together (``best_response_retaliation`` in Table 2).
Mode ``paper`` runs the authors' cases only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim import SolverOptions
from tariffsim._json import write_outputs
from tariffsim.data.ijlms_world import FOLDER, IjlmsInputs, authors_baseline, ijlms_world, read_ijlms
from tariffsim.data.importers.ijlms import FILES as INPUT_FILES
from tariffsim.fixed_costs import two_regions
from tariffsim.games import Instrument, Player, best_response, game_system
from tariffsim.games.systems import IjlmsGame
from tariffsim.models.ijlms import (
    Calibration,
    IjlmsModel,
    IjlmsSolution,
    calibrate_flows,
    outcomes,
    solve_equilibrium,
)
from tariffsim.replicate import Replication, choose_mode, data_file

__all__ = ["CASES", "NAME", "IjlmsData", "best_response_retaliation", "case_tariffs", "comparison", "formula_rate",
           "group_rows", "inputs", "retaliation_game", "retaliation_rate", "run", "solve_case", "tables",
           "ustr_tariffs"]

FloatArray = NDArray[np.float64]

NAME = "ijlms2025"
TITLE = "The Liberation Day tariffs: Tables 1, 2, 3, 8 and 10 (Ignatenko, Lashkaripour, Macedoni & Simonovska 2025)"
CITATION = ("Ignatenko, A., Lashkaripour, A., Macedoni, L. & Simonovska, I. (2025). Making America Great Again? The "
            "Economic Impacts of Liberation Day Tariffs. Journal of International Economics 157, 104138 (NBER "
            "w33771); replication code JoeLoera/liberation-day-replication, code/analysis/main_baseline.m, "
            "main_regional.m, main_deficit.m.")
FILES = [f"{FOLDER}/{stem}.csv" for stem in INPUT_FILES]
MODES = ("full", "paper")
"""``full``: the authors' cases and the games layer's best responses; ``paper``: the authors' cases only."""

EPS = 4.0
KAPPA = 0.5
US_FLOOR = 0.1
"""The code's floor on the USTR schedule (``max(0.1, t)``; Russia and a few others are 0 in the file)."""
FEDERAL_BUDGET = 0.23
"""US federal budget as a share of GDP (the code's divisor for Table 3, St. Louis Fed)."""
EU_CODE = ("AUT", "BEL", "BGR", "CYP", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GRC", "HRV", "HUN", "IRL", "ITA",
           "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVN", "SWE")
"""The code's ``id_EU``: 25 members; Czechia (CZE) and Slovakia (SVK) are missing from it."""

CASES = ("ustr_income_tax", "ustr_lump_sum", "optimal_us", "reciprocal_retaliation", "optimal_retaliation",
         "optimal_and_optimal_retaliation")
"""The columns of ``countries.csv`` (welfare change of every economy, percent)."""

TABLE1_COLUMNS = ["welfare_pct", "deficit_pct", "exports_gdp_pct", "imports_gdp_pct", "employment_pct",
                  "prices_pct"]
TABLE2_COLUMNS = ["welfare_pct", "deficit_pct", "employment_pct", "prices_pct"]
PRINTED = "printed_balanced_post_non_us_welfare"
"""``table10.attrs`` key: the non-US welfare the authors' code prints for Table 10's case (4) (case (3)'s mean)."""
TABLE10_COLUMNS = ["welfare_pct", "exports_gdp_pct", "imports_gdp_pct", "employment_pct", "prices_pct"]

PUBLISHED: dict[str, dict[tuple[str, str], dict[str, float]]] = {
    "table1": {
        ("ustr_income_tax", "USA"): dict(zip(TABLE1_COLUMNS, (1.13, -18.1, -52.7, -43.6, 0.32, 12.8), strict=True)),
        ("ustr_income_tax", "non-US"): dict(zip(TABLE1_COLUMNS, (-0.58, 11.6, -3.2, -3.3, -0.14, -4.7), strict=True)),
        ("ustr_lump_sum", "USA"): dict(zip(TABLE1_COLUMNS, (-0.01, -18.4, -52.5, -43.3, -0.41, 13.1), strict=True)),
        ("ustr_lump_sum", "non-US"): dict(zip(TABLE1_COLUMNS, (-0.57, 11.7, -3.3, -3.4, -0.14, -4.8), strict=True)),
        ("optimal_us", "USA"): dict(zip(TABLE1_COLUMNS, (1.79, -19.1, -55.3, -45.6, 0.51, 12.6), strict=True)),
        ("optimal_us", "non-US"): dict(zip(TABLE1_COLUMNS, (-0.61, 17.1, -4.2, -3.7, -0.16, -4.6), strict=True)),
    },
    "table2": {
        ("reciprocal_retaliation", "USA"): dict(zip(TABLE2_COLUMNS, (-0.36, -26.7, -0.18, 7.5), strict=True)),
        ("reciprocal_retaliation", "CHN"): dict(zip(TABLE2_COLUMNS, (-0.82, 6.2, -0.16, -3.7), strict=True)),
        ("reciprocal_retaliation", "EU"): dict(zip(TABLE2_COLUMNS, (-0.22, 15.4, -0.09, -2.6), strict=True)),
        ("reciprocal_retaliation", "non-US"): dict(zip(TABLE2_COLUMNS, (-0.46, 19.8, -0.13, -2.7), strict=True)),
        ("optimal_retaliation", "USA"): dict(zip(TABLE2_COLUMNS, (-0.75, -29.0, -0.32, 6.0), strict=True)),
        ("optimal_retaliation", "CHN"): dict(zip(TABLE2_COLUMNS, (-0.65, 6.3, -0.13, -3.3), strict=True)),
        ("optimal_retaliation", "EU"): dict(zip(TABLE2_COLUMNS, (-0.23, 16.6, -0.09, -2.1), strict=True)),
        ("optimal_retaliation", "non-US"): dict(zip(TABLE2_COLUMNS, (-0.43, 22.4, -0.13, -2.2), strict=True)),
        ("optimal_and_optimal_retaliation", "USA"): dict(zip(TABLE2_COLUMNS, (-0.32, -28.4, -0.20, 4.2),
                                                             strict=True)),
        ("optimal_and_optimal_retaliation", "CHN"): dict(zip(TABLE2_COLUMNS, (-0.36, 4.2, -0.08, -2.1), strict=True)),
        ("optimal_and_optimal_retaliation", "EU"): {"welfare_pct": -0.23, "deficit_pct": 16.9,
                                                    "employment_pct": -0.09},
        ("optimal_and_optimal_retaliation", "non-US"): dict(zip(TABLE2_COLUMNS, (-0.39, 25.1, -0.13, -1.5),
                                                                strict=True)),
    },
    "table3": {
        ("ustr_income_tax", "USA"): {"revenue_gdp_pct": 1.14, "revenue_budget_pct": 4.95},
        ("optimal_us", "USA"): {"revenue_gdp_pct": 1.35, "revenue_budget_pct": 5.88},
        ("optimal_retaliation", "USA"): {"revenue_gdp_pct": 0.74, "revenue_budget_pct": 3.24},
        ("reciprocal_retaliation", "USA"): {"revenue_gdp_pct": 0.82, "revenue_budget_pct": 3.57},
    },
    "table8": {
        ("china_war", "USA"): {"welfare_pct": -0.09},
        ("china_war", "CHN"): {"welfare_pct": -0.67},
    },
}
"""Published figures: Tables 1–3 of the JIE article (its extracted text), Table 8's two welfare
changes as the issue quotes them; rounded as printed. Table 2's EU price change in panel (3) is
missing from the extracted text. No Table 10 figure is transcribed."""


@dataclass(frozen=True, eq=False)
class IjlmsData:
    """The authors' baseline: inputs, fixed-cost shares, flows and calibration."""

    inputs: IjlmsInputs
    nu_others: float
    nu_us: float
    nu: FloatArray
    flows: FloatArray
    cal: Calibration
    us: int
    china: int
    eu: tuple[int, ...] = field(default=())

    @property
    def countries(self) -> tuple[str, ...]:
        return self.inputs.countries

    @property
    def others(self) -> FloatArray:
        """Every economy but the US, as a boolean mask."""
        mask = np.ones(len(self.countries), dtype=bool)
        mask[self.us] = False
        return mask


def inputs(data_dir: Path) -> IjlmsData:
    """The baseline as the authors build it, from the four input files under ``data_dir``."""
    for relative in FILES:
        data_file(data_dir, relative)
    raw = read_ijlms(Path(data_dir) / FOLDER)
    base = authors_baseline(raw)
    cal = calibrate_flows(base.flows, base.nu, eps=EPS, kappa=KAPPA)
    return IjlmsData(inputs=raw, nu_others=base.nu_others, nu_us=base.nu_us, nu=base.nu, flows=base.flows, cal=cal,
                     us=raw.countries.index("USA"), china=raw.countries.index("CHN"),
                     eu=tuple(raw.countries.index(c) for c in EU_CODE))


# ---------------------------------------------------------------------- tariffs of the cases
def ustr_tariffs(data: IjlmsData) -> FloatArray:
    """The USTR schedule on US imports with the code's 10 % floor, (N, N)."""
    n = len(data.countries)
    tariffs = np.zeros((n, n))
    tariffs[:, data.us] = np.maximum(US_FLOOR, data.inputs.us_tariffs)
    tariffs[data.us, data.us] = 0.0
    return tariffs


def formula_rate(cal: Calibration, i: int, *, denominator: str = "expenditure") -> float:
    """Proposition 2's optimal uniform tariff of economy ``i`` at baseline shares,
    ``1/((1 + δ_i ε) φ_i − 1)``, ``δ_i = Σ_{n≠i} (1 − ν_n) X_in (1 − λ_in) / ((1 − ν_i)(B_i − X_ii))``
    with ``B = E`` (``"expenditure"``: the imports) or ``B = Y`` (``"income"``, the code's case 7)."""
    X, lam, nu = cal.flows, cal.lam, cal.nu
    off = 1.0 - np.eye(cal.n)
    level = cal.expenditure if denominator == "expenditure" else cal.income
    delta = (X[i] * (1.0 - nu) * off[i] * (1.0 - lam[i])).sum() / ((1.0 - nu[i]) * (level[i] - X[i, i]))
    return float(1.0 / ((1.0 + delta * cal.eps) * cal.phi[i] - 1.0))


def retaliation_rate(data: IjlmsData) -> float:
    """The code's optimal retaliation: the formula on the two-region aggregate (rest of the world, US),
    with income ``Y`` where the formula has imports, and the rest's ν and φ."""
    cal = data.cal
    agg = two_regions(cal.n, data.us)
    X2 = agg @ cal.flows @ agg.T
    Y2 = agg @ cal.income
    lam2 = X2 / X2.sum(axis=0)[None, :]
    nu2 = np.array([data.nu_others, data.nu_us])
    delta = (X2[0, 1] * (1.0 - nu2[1]) * (1.0 - lam2[0, 1])) / ((1.0 - nu2[0]) * (Y2[0] - X2[0, 0]))
    phi_others = float(cal.phi[0 if data.us != 0 else 1])
    return float(1.0 / ((1.0 + delta * cal.eps) * phi_others - 1.0))


def case_tariffs(data: IjlmsData) -> dict[str, FloatArray]:
    """The tariffs of every case of Tables 1–3 and 8, (N, N) each."""
    us, n = data.us, len(data.countries)
    ustr = ustr_tariffs(data)
    out = {"ustr_income_tax": ustr, "ustr_lump_sum": ustr}
    optimal = np.zeros((n, n))
    optimal[:, us] = formula_rate(data.cal, us)
    optimal[us, us] = 0.0
    out["optimal_us"] = optimal
    reciprocal = ustr.copy()
    reciprocal[us, :] = ustr[:, us]
    reciprocal[us, us] = 0.0
    out["reciprocal_retaliation"] = reciprocal
    retaliation = ustr.copy()
    retaliation[us, :] = retaliation_rate(data)
    retaliation[us, us] = 0.0
    out["optimal_retaliation"] = retaliation
    both = np.zeros((n, n))
    both[:, us] = formula_rate(data.cal, us, denominator="income")
    both[us, :] = retaliation_rate(data)
    both[us, us] = 0.0
    out["optimal_and_optimal_retaliation"] = both
    for name, rate in (("eu_china_war", None), ("china_war", None), ("china_war_108", 1.08)):
        war = np.zeros((n, n))
        war[:, us] = US_FLOOR
        war[us, :] = US_FLOOR
        partners = [data.china, *data.eu] if name == "eu_china_war" else [data.china]
        for k in partners:
            war[k, us] = war[us, k] = ustr[k, us] if rate is None else rate
        war[us, us] = 0.0
        out[name] = war
    return out


def solve_case(cal: Calibration, tariffs: FloatArray, *, revenue: str = "income_tax",
               transfers: FloatArray | None = None, solver: SolverOptions | None = None) -> IjlmsSolution:
    """One case on a calibration (the authors' numéraire). With changed transfers that do not sum to zero,
    the numéraire replaces the last economy's labour market, as the authors' code does (``ERR1(N)``);
    otherwise every labour market clears and which one is replaced does not matter."""
    drop = None if transfers is None else cal.n - 1
    return solve_equilibrium(cal, tariffs, revenue=revenue, transfers=transfers,  # type: ignore[arg-type]
                             solver=solver or SolverOptions(tol=1e-13), drop=drop)


# ---------------------------------------------------------------------- games layer
def retaliation_game(data: IjlmsData) -> IjlmsGame:
    """The games layer's system on the authors' exact calibration (``ijlms-2023`` names the economies)."""
    world = ijlms_world(inputs=data.inputs, elasticity=EPS)
    game = game_system(world, IjlmsModel(nu=(data.nu_others, data.nu_us)))
    assert isinstance(game, IjlmsGame)
    return IjlmsGame(game.world, game.model, game.solver, calibration=data.cal)


_WORKER: dict[str, Any] = {}


def _init_worker(data: IjlmsData) -> None:
    import threadpoolctl

    threadpoolctl.threadpool_limits(1)
    _WORKER["data"] = data
    _WORKER["game"] = retaliation_game(data)


def _respond(countries: Sequence[str], profile: FloatArray, start: float) -> list[tuple[str, float, float, float]]:
    game: IjlmsGame = _WORKER["game"]
    out = []
    for country in countries:
        player = Player(Instrument(country, partners="mfn", sectors="uniform", targets=("USA",)))
        response = best_response(game, player, profile[:, :, None], start=np.array([start]), starts="given")
        out.append((country, float(response.params[0]), response.gain_pct, response.kkt_residual))
    return out


def best_response_retaliation(data: IjlmsData, *, workers: int = 1,
                              countries: Sequence[str] | None = None) -> pd.DataFrame:
    """Each economy's own best response on US goods to the USTR tariffs (no one else retaliating).

    One uniform tariff on US goods per economy, maximising its welfare Ŵ, with exact gradients
    through the equilibrium (:func:`tariffsim.games.best_response`, started from the authors'
    optimal retaliation rate). Returns ``country, tariff, gain_pct, kkt_residual``.
    """
    names = [c for c in (countries or data.countries) if c != "USA"]
    profile = ustr_tariffs(data)
    start = retaliation_rate(data)
    if workers <= 1:
        _init_worker(data)
        rows = _respond(names, profile, start)
    else:
        chunks = [names[k::workers] for k in range(workers)]
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(data,)) as pool:
            rows = [row for part in pool.map(_respond, chunks, [profile] * workers, [start] * workers) for row in part]
    table = pd.DataFrame(rows, columns=["country", "tariff", "gain_pct", "kkt_residual"])
    order = {c: k for k, c in enumerate(data.countries)}
    return table.sort_values("country", key=lambda s: s.map(order)).reset_index(drop=True)


# ---------------------------------------------------------------------- the tables
def _average(table: pd.DataFrame, rows: FloatArray | Sequence[int], weights: FloatArray,
             columns: list[str]) -> dict[str, float]:
    index = np.flatnonzero(rows) if isinstance(rows, np.ndarray) and rows.dtype == bool else np.asarray(rows)
    w = weights[index]
    return {c: float(np.sum(table[c].to_numpy()[index] * w) / w.sum()) for c in columns}


def group_rows(data: IjlmsData, table: pd.DataFrame, groups: Sequence[str], columns: list[str],
               case: str) -> list[dict[str, Any]]:
    """One row per group of a table: ``USA`` or ``CHN`` as they are, ``EU`` (the code's 25), ``non-US`` and ``RoW``
    (neither the US, China nor the EU) as averages weighted by baseline expenditure."""
    E = data.cal.expenditure
    rest = np.ones(len(data.countries), dtype=bool)
    rest[[data.us, data.china, *data.eu]] = False
    rows = []
    for group in groups:
        if group in ("USA", "CHN"):
            values = {c: float(table[c].to_numpy()[data.countries.index(group)]) for c in columns}
        elif group == "EU":
            values = _average(table, list(data.eu), E, columns)
        elif group == "non-US":
            values = _average(table, data.others, E, columns)
        else:  # RoW: neither the US, China nor the code's EU
            values = _average(table, rest, E, columns)
        rows.append({"case": case, "group": group, **values})
    return rows


def _table10(data: IjlmsData) -> pd.DataFrame:
    """Table 10 (``main_deficit.m``); ``attrs[PRINTED]`` the non-US welfare the code prints for its case (4)."""
    ustr = ustr_tariffs(data)
    us, n = data.us, len(data.countries)
    fixed = calibrate_flows(data.flows, np.zeros(n), eps=EPS, kappa=KAPPA)
    cal = data.cal
    transfers = cal.transfers - (cal.flows[us, :] - cal.flows[:, us])
    transfers[us] = 0.0
    no_tariffs = outcomes(solve_case(cal, np.zeros((n, n)), transfers=transfers))
    post_fixed = ustr.copy()
    post_fixed[us, :] = 1.0 / ((1.0 + EPS) * 1.0 - 1.0)
    post_fixed[us, us] = 0.0
    post_balanced = ustr.copy()
    post_balanced[us, :] = 1.0 / ((1.0 + EPS) * cal.phi[us] - 1.0)
    post_balanced[us, us] = 0.0
    tables = {
        "fixed_transfers_pre": outcomes(solve_case(fixed, ustr)),
        "balanced_pre": _difference(outcomes(solve_case(cal, ustr, transfers=transfers)), no_tariffs),
        "fixed_transfers_post": outcomes(solve_case(fixed, post_fixed)),
        "balanced_post": _difference(outcomes(solve_case(cal, post_balanced, transfers=transfers)), no_tariffs),
    }
    rows = []
    for case, table in tables.items():
        rows += group_rows(data, table, ["USA", "non-US"], TABLE10_COLUMNS, case)
        rows[-1]["welfare_pct"] = float(table["welfare_pct"].to_numpy()[data.others].mean())
    table = pd.DataFrame(rows)
    table.attrs[PRINTED] = float(tables["fixed_transfers_post"]["welfare_pct"].to_numpy()[data.others].mean())
    return table


def _difference(new: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    out = new.copy()
    numeric = [c for c in new.columns if c != "country"]
    out[numeric] = new[numeric].to_numpy() - base[numeric].to_numpy()
    return out


def tables(data: IjlmsData, best_responses: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """``table1`` … ``table10`` and ``countries`` (the CSV files of :func:`run`)."""
    tariffs = case_tariffs(data)
    results = {case: outcomes(solve_case(data.cal, tariffs[case],
                                         revenue="lump_sum" if case == "ustr_lump_sum" else "income_tax"),
                              data.countries)
               for case in (*CASES, "eu_china_war", "china_war", "china_war_108")}
    cases2 = ["reciprocal_retaliation", "optimal_retaliation", "optimal_and_optimal_retaliation"]
    if best_responses is not None:
        responding = tariffs["ustr_income_tax"].copy()
        rates = dict(zip(best_responses["country"], best_responses["tariff"], strict=True))
        for k, country in enumerate(data.countries):
            if country in rates:
                responding[data.us, k] = rates[country]
        results["best_response_retaliation"] = outcomes(solve_case(data.cal, responding), data.countries)
        cases2.append("best_response_retaliation")
    table1 = pd.DataFrame([row for case in ("ustr_income_tax", "ustr_lump_sum", "optimal_us")
                           for row in group_rows(data, results[case], ["USA", "non-US"], TABLE1_COLUMNS, case)])
    table2 = pd.DataFrame([row for case in cases2
                           for row in group_rows(data, results[case], ["USA", "CHN", "EU", "non-US"], TABLE2_COLUMNS,
                                                 case)])
    revenue = {case: float(results[case]["tariff_revenue_pct"].to_numpy()[data.us]) for case in results}
    table3 = pd.DataFrame([{"case": case, "group": "USA", "revenue_gdp_pct": revenue[case],
                            "revenue_budget_pct": revenue[case] / FEDERAL_BUDGET}
                           for case in ("ustr_income_tax", "optimal_us", "optimal_retaliation",
                                        "reciprocal_retaliation")])
    table8 = pd.DataFrame([row for case in ("eu_china_war", "china_war", "china_war_108")
                           for row in group_rows(data, results[case], ["USA", "CHN", "EU", "RoW"], TABLE2_COLUMNS,
                                                 case)])
    table10 = _table10(data)
    countries = pd.DataFrame({"country": list(data.countries),
                              **{case: results[case]["welfare_pct"].to_numpy() for case in CASES}})
    out = {"table1": table1, "table2": table2, "table3": table3, "table8": table8, "table10": table10,
           "countries": countries}
    if best_responses is not None:
        out["best_responses"] = best_responses
    return out


def comparison(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every published figure beside ours: ``table, case, group, column, published, ours, difference``."""
    rows = []
    for name, cells in PUBLISHED.items():
        table = frames[name].set_index(["case", "group"])
        for (case, group), values in cells.items():
            for column, published in values.items():
                ours = float(table[column].to_dict()[(case, group)])
                rows.append({"table": name, "case": case, "group": group, "column": column, "published": published,
                             "ours": ours, "difference": ours - published})
    return pd.DataFrame(rows)


def run(data_dir: Path, out_dir: Path, mode: str | None = None, workers: int | None = None) -> Replication:
    """Write ``table1.csv`` … ``table10.csv``, ``countries.csv``, ``comparison.csv`` (and in mode ``full``
    ``best_responses.csv``) and ``run.json`` into ``out_dir``."""
    mode = str(choose_mode(NAME, MODES, mode))
    data = inputs(data_dir)
    responses = None
    if mode == "full":
        count = workers if workers is not None else min(2, os.cpu_count() or 1)
        responses = best_response_retaliation(data, workers=count)
    frames = tables(data, responses)
    compared = comparison(frames)
    tariffs = case_tariffs(data)
    record: dict[str, Any] = {
        "reproduction": NAME, "mode": mode, "citation": CITATION,
        "fixed_cost_shares": {"others": data.nu_others, "USA": data.nu_us},
        "optimal_us_tariff": float(tariffs["optimal_us"][0, data.us]),
        "optimal_us_tariff_case7": float(tariffs["optimal_and_optimal_retaliation"][0, data.us]),
        "optimal_retaliation_rate": retaliation_rate(data),
        "table10_printed_balanced_post_non_us_welfare": frames["table10"].attrs[PRINTED],
        "clipped_domestic_sales": [c for k, c in enumerate(data.countries) if data.flows[k, k] <= 0],
    }
    files = write_outputs(out_dir, {**frames, "comparison": compared}, record)
    notes = [
        f"fixed-cost shares: {data.nu_others:.6f} (others), {data.nu_us:.6f} (USA); domestic sales clipped to zero "
        f"for {', '.join(record['clipped_domestic_sales'])}",
        f"optimal US tariff (the code's formula): {100 * record['optimal_us_tariff']:.2f} % (the text says 19 %); "
        f"optimal retaliation: {100 * record['optimal_retaliation_rate']:.2f} %",
        f"largest gap to a published figure: {np.max(np.abs(compared['difference'])):.3f} (rounded figures)",
    ]
    if responses is not None:
        notes.append(f"best responses on US goods: median {100 * responses['tariff'].median():.1f} %, range "
                     f"{100 * responses['tariff'].min():.1f}–{100 * responses['tariff'].max():.1f} %")
    return Replication(name=NAME, files=files, comparison=compared, notes=notes)
