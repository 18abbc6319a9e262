"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 2, exercise 1: removing the Canada–US border.

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*, WTO/UNCTAD. The
exercise's data (69 countries, 2006, aggregate manufacturing with domestic trade) and its Stata
code (``Chapter2/Datasets/1_RemovingSpecificBorder/RemovingSpecificBorder.do``), three
counterfactuals, each in its own folder:

* ``part-a/`` (part i): PPML with exporter and importer effects on ln DIST, CNTG and INTL_BRDR;
  the border between Canada and the United States (both directions) is removed with the
  *average* border coefficient;
* ``part-bc/`` (parts ii–iii): INTL_BRDR_AB separates the Canada–US border from the others
  (INTL_BRDR = 0 on those two pairs), PPML on ln DIST, CNTG, INTL_BRDR and INTL_BRDR_AB; the
  Canada–US border is removed with its *own* coefficient;
* ``part-d/`` (part iv): the same estimates; the border is removed for Canada's exports to the
  United States only (the unilateral variant).

Each baseline is the PPML fit with its trade costs (observed output and expenditure); σ = 7;
full-endowment GE with ``E_j = φ_j Y_j`` and Germany's inward multilateral resistance as
numéraire, by the book's iterative procedure (``book`` mode, default) or solved exactly
(``exact`` mode, also called ``converged``). Every folder's ``countries.csv`` has the columns of
the other Yotov reproductions; ``comparison.csv`` puts the estimates, the book procedure's number
of passes and its last pass's spread beside the book's log
(``Chapter2/Exercises/1_RemovingSpecificBorder/Results/RemovingSpecificBorder.log``), and real
GDP in both modes. The book publishes no GE figures for the exercises in its text; its result
files (``FULL_part_*.xls``) are spreadsheets not transcribed here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim import GravityModel, Numeraire, Result, Shock, World, fitted_world, simulate
from tariffsim.costs import cost_index
from tariffsim.estimate import GravityEstimate, GravitySpec, PPMLOptions, ppml
from tariffsim.replicate import CONVERGED_ALIAS, COUNTRY_COLUMNS, Replication, choose_mode, read_input
from tariffsim.replicate.yotov2016_app1 import book_note, mode_note

__all__ = ["NAME", "PARTS", "book_spread", "estimate", "inputs", "run", "solve"]

NAME = "yotov2016-ex1"
TITLE = "Removing the Canada-US border (Yotov et al. 2016, ch. 2, exercise 1)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 2, Exercise 1 (removing a specific "
            "border); estimates and iterations as in the companion log "
            "Chapter2/Exercises/1_RemovingSpecificBorder/Results/RemovingSpecificBorder.log.")
FILES = ["yotov2016_agtpa/ch2_ex1_removing_specific_border_2006.csv"]

SIGMA = 7.0
REFERENCE = "DEU"
PAIR = ("CAN", "USA")
MODES = ("book", "exact")
MODE_ALIASES = CONVERGED_ALIAS
PARTS = ("part-a", "part-bc", "part-d")
COVARIATES = {"part-a": ("ln_DIST", "CNTG", "INTL_BRDR"), "part-bc": ("ln_DIST", "CNTG", "INTL_BRDR", "INTL_BRDR_AB")}

PUBLISHED_COEFFICIENTS = {
    "part-a": {"ln_DIST": (-0.7912879, 0.0501494), "CNTG": (0.6736456, 0.1073719), "INTL_BRDR": (-2.47445, 0.1193816)},
    "part-bc": {"ln_DIST": (-0.7672372, 0.0496717), "CNTG": (0.6284654, 0.1115665), "INTL_BRDR": (-2.533003, 0.1207792),
                "INTL_BRDR_AB": (-1.987681, 0.1586384)},
}
"""(coefficient, robust standard error) from the book's log of the exercise."""
PUBLISHED_PASSES = {"part-a": (4, 0.0025058, 0.0009367), "part-bc": (4, 0.0022038, 0.0007956),
                    "part-d": (4, 0.0015013, 0.0006399)}
"""Passes of the book's iteration and, at the last, the standard deviation and |max| of the change in
factory-gate prices between passes (the stopping statistics the log prints)."""


def load(data_dir: Path) -> pd.DataFrame:
    """The exercise's data, Germany's ``ZZZ`` recoded to DEU."""
    frame = read_input(data_dir, FILES[0], ["exporter", "importer", "trade", "ln_DIST", "CNTG", "INTL_BRDR",
                                            "INTL_BRDR_AB"])
    for col in ("exporter", "importer"):
        frame[col] = frame[col].replace("ZZZ", REFERENCE)
    return frame


def _pair(frame: pd.DataFrame, exporter: str, importer: str) -> pd.Series:
    return (frame["exporter"] == exporter) & (frame["importer"] == importer)


def estimate(frame: pd.DataFrame, covariates: tuple[str, ...]) -> GravityEstimate:
    """PPML with exporter and importer effects (a cross-section), robust standard errors."""
    spec = GravitySpec(outcome="trade", exporter="exporter", importer="importer", year=None, pair=None)
    return ppml(frame, " + ".join(covariates), spec=spec, options=PPMLOptions(vcov="hetero"))


def inputs(data_dir: Path) -> dict[str, tuple[GravityEstimate, World, Shock]]:
    """Each part's estimate, fitted baseline and border-removal shock."""
    frame = load(data_dir)
    observed = World.from_frames(frame.rename(columns={"trade": "value"})[["exporter", "importer", "value"]],
                                 elasticity=SIGMA - 1.0, year=2006, name="Yotov et al. 2016 ch.2 ex.1",
                                 sources={"flows": f"{FILES[0]} (book companion data)"})
    both = _pair(frame, *PAIR) | _pair(frame, *PAIR[::-1])
    own = frame.assign(INTL_BRDR=np.where(frame["INTL_BRDR_AB"] == 1, 0, frame["INTL_BRDR"]))
    counterfactuals = {  # part: (data, the border variable removed, on which pairs, label)
        "part-a": (frame, "INTL_BRDR", both, "no Canada-US border (average border coefficient)"),
        "part-bc": (own, "INTL_BRDR_AB", both, "no Canada-US border (its own coefficient)"),
        "part-d": (own, "INTL_BRDR_AB", _pair(own, *PAIR), "no border on Canada's exports to the United States"),
    }
    out: dict[str, tuple[GravityEstimate, World, Shock]] = {}
    fits: dict[tuple[str, ...], tuple[GravityEstimate, dict[str, float], World]] = {}  # one PPML per model
    for part, (data, border, pairs, label) in counterfactuals.items():
        covariates = COVARIATES["part-a" if part == "part-a" else "part-bc"]
        if covariates not in fits:
            fit = estimate(data, covariates)
            beta = {str(k): float(v) for k, v in fit.coefficients.items()}
            fits[covariates] = (fit, beta, fitted_world(observed, cost_index(data, beta, observed.countries)))
        fit, beta, base = fits[covariates]
        out[part] = (fit, base, Shock.from_cost_variables(
            base, data, data.assign(**{border: np.where(pairs, 0, data[border])}), beta, label=label))
    return out


def solve(world: World, shock: Shock, mode: str) -> Result:
    """The counterfactual in the book's procedure or solved exactly (fixed_ratio, Germany's price index)."""
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    model = GravityModel(closure="fixed_ratio", numeraire=Numeraire("price_index", REFERENCE),
                         procedure=mode)  # type: ignore[arg-type]
    return simulate(world, shock, model=model)


def book_spread(result: Result) -> tuple[float, float]:
    """The book procedure's last stopping statistics (sd, |max| of the change in prices between passes),
    as its diagnostics state them (three significant digits)."""
    found = re.search(r"sd ([0-9.eE+-]+), max ([0-9.eE+-]+)", result.diagnostics.message)
    return (float(found.group(1)), float(found.group(2))) if found else (np.nan, np.nan)


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``part-a/``, ``part-bc/`` and ``part-d/`` (``countries.csv``, tables, ``run.json``) and
    ``comparison.csv`` into ``out_dir``."""
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    parts = inputs(data_dir)
    rows: list[dict[str, Any]] = []
    files: list[Path] = []
    notes = [mode_note(mode)]
    out_dir.mkdir(parents=True, exist_ok=True)
    for part, (fit, world, shock) in parts.items():
        results = {m: solve(world, shock, m) for m in MODES}
        files += results[mode].write(out_dir / part, country_columns=COUNTRY_COLUMNS,
                                     extra={"reproduction": NAME, "part": part, "mode": mode, "citation": CITATION})
        rows += _comparison(part, fit, results)
        notes.append(f"{part}: {book_note(results['book'])}")
    comparison = pd.DataFrame(rows)
    comparison["ours_minus_published"] = comparison["book_mode"] - comparison["published"]
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.7g")
    files.append(out_dir / "comparison.csv")
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)


def _comparison(part: str, fit: GravityEstimate, results: dict[str, Result]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    table = fit.table().set_index("variable")
    coefs, ses = table["coef"].to_dict(), table["se"].to_dict()
    for variable, (coef, se) in PUBLISHED_COEFFICIENTS.get(part, {}).items():
        for what, published, ours in (("coefficient", coef, coefs[variable]), ("standard error", se, ses[variable])):
            rows.append({"part": part, "quantity": f"{what}, {variable}", "published": published,
                         "book_mode": float(ours), "exact_mode": float(ours)})
    passes, sd, top = PUBLISHED_PASSES[part]
    book = results["book"]
    spread = book_spread(book)
    rows += [{"part": part, "quantity": "passes of the book's iteration", "published": passes,
              "book_mode": book.diagnostics.iterations, "exact_mode": np.nan},
             {"part": part, "quantity": "last pass: sd of the price change", "published": sd, "book_mode": spread[0],
              "exact_mode": np.nan},
             {"part": part, "quantity": "last pass: |max| of the price change", "published": top,
              "book_mode": spread[1], "exact_mode": np.nan}]
    real_gdp = {m: r.countries.set_index("country")["real_gdp_pct"].to_dict() for m, r in results.items()}
    for country in PAIR:
        rows.append({"part": part, "quantity": f"real GDP, {country}, %", "published": np.nan,
                     "book_mode": float(real_gdp["book"][country]), "exact_mode": float(real_gdp["exact"][country])})
    return rows
