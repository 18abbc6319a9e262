"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 2, application 1: "trade without borders".

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*,
WTO/UNCTAD. 69 countries, 2006, aggregate manufacturing with domestic trade.
Trade costs come from the book's PPML estimates (exporter and importer fixed
effects; ln DIST −0.7913, CNTG 0.6736, INTL_BRDR −2.4745); the baseline is the
fitted flows; σ = 7 (θ = 6); the counterfactual removes every international
border (INTL_BRDR = 0); full-endowment GE with E_j = φ_j Y_j; Germany's inward
multilateral resistance is the numeraire.

Two answers are computed:

* ``exact`` (default; also called ``converged``): exact hat algebra solved to machine precision, with the
  ``fixed_ratio`` closure (which adds one world scalar so that world spending
  equals world income — the book's rule cannot hold exactly for every country
  once output changes);
* ``book``: the book's iterative GEPPML procedure with its stopping rule
  (sd and max of successive price changes below 0.01), which reproduces the
  published numbers.

``countries.csv`` holds the chosen mode; ``comparison.csv`` holds published,
book-mode and exact real GDP changes side by side for every country.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim import GravityModel, Numeraire, Result, Shock, World, fitted_world, simulate
from tariffsim.costs import cost_index
from tariffsim.replicate import CONVERGED_ALIAS, COUNTRY_COLUMNS, Replication, choose_mode, read_input

NAME = "yotov2016-app1"
TITLE = "Trade without borders (Yotov et al. 2016, ch. 2, application 1)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 2, Application 1.")
FILES = ["yotov2016_agtpa/ch2_app1_trade_without_border_2006.csv"]

SIGMA = 7.0
COEFFICIENTS = {"ln_DIST": -0.7913, "CNTG": 0.6736, "INTL_BRDR": -2.4745}
"""The book's PPML estimates (ch. 2, application 1, step I)."""
REFERENCE = "DEU"
MODES = ("exact", "book")
MODE_ALIASES = CONVERGED_ALIAS

PUBLISHED = {"CAN": 54.36, "USA": 10.65, "CHN": 14.35, "DEU": 24.31}
"""Full-endowment real GDP effects reported in the book's text, percent."""


def inputs(data_dir: Path) -> tuple[World, Shock]:
    """The fitted baseline World and the border-removal shock."""
    frame = read_input(data_dir, FILES[0], ["exporter", "importer", "trade", *COEFFICIENTS])
    # The book codes Germany as ZZZ so that its fixed effect sorts last.
    for col in ("exporter", "importer"):
        frame[col] = frame[col].replace("ZZZ", REFERENCE)
    observed = World.from_frames(frame.rename(columns={"trade": "value"})[["exporter", "importer", "value"]],
                                 elasticity=SIGMA - 1.0, year=2006, name="Yotov et al. 2016 ch.2 app.1",
                                 sources={"flows": f"{FILES[0]} (book companion data)"})
    baseline = fitted_world(observed, cost_index(frame, COEFFICIENTS, observed.countries))
    borderless = frame.assign(INTL_BRDR=0)
    shock = Shock.from_cost_variables(baseline, frame, borderless, COEFFICIENTS, label="no international borders")
    return baseline, shock


def solve(data_dir: Path, mode: str = "exact") -> Result:
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    baseline, shock = inputs(data_dir)
    model = GravityModel(closure="fixed_ratio", numeraire=Numeraire("price_index", REFERENCE),
                         procedure=mode)  # type: ignore[arg-type]
    return simulate(baseline, shock, model=model)


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``countries.csv`` (chosen mode), ``comparison.csv`` and ``run.json`` into ``out_dir``."""
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    results = {m: solve(data_dir, m) for m in MODES}
    chosen = results[mode]
    out_dir.mkdir(parents=True, exist_ok=True)
    files = chosen.write(out_dir, country_columns=COUNTRY_COLUMNS,
                         extra={"reproduction": NAME, "mode": mode, "citation": CITATION})
    exact = results["exact"].countries.set_index("country")
    book = results["book"].countries.set_index("country")
    comparison = pd.DataFrame({
        "country": exact.index,
        "published_real_gdp_pct": [PUBLISHED.get(c, np.nan) for c in exact.index],
        "book_real_gdp_pct": book["real_gdp_pct"].to_numpy(),
        "exact_real_gdp_pct": exact["real_gdp_pct"].to_numpy(),
    })
    comparison["book_minus_published"] = comparison["book_real_gdp_pct"] - comparison["published_real_gdp_pct"]
    comparison["exact_minus_book"] = comparison["exact_real_gdp_pct"] - comparison["book_real_gdp_pct"]
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.6f")
    notes = [
        mode_note(mode),
        book_note(results["book"]),
        f"The converged equilibrium clears markets to {results['exact'].equilibrium.market_clearing_residual():.1e} "
        f"and differs from the book's answer by at most {np.nanmax(np.abs(comparison['exact_minus_book'])):.2f} "
        "percentage points of real GDP.",
    ]
    return Replication(name=NAME, files=[*files, out_dir / "comparison.csv"],
                       comparison=comparison, notes=notes)


def mode_note(mode: str) -> str:
    """The note saying which answer ``countries.csv`` holds."""
    if mode == "book":
        return "Mode book: countries.csv holds the book's answer, and comparison.csv both answers."
    return "Mode exact: countries.csv holds the converged equilibrium, and comparison.csv both answers."


def book_note(book: Result) -> str:
    """The book procedure's stopping point and market-clearing error, as a sentence."""
    passes = book.diagnostics.iterations
    residual = book.equilibrium.market_clearing_residual()
    return (f"The book's procedure met its stopping rule (the standard deviation and the largest change in "
            f"factory-gate prices between passes below 0.01) after {passes} passes; its answer misses market "
            f"clearing by up to {100 * residual:.2f}% of a country's output, so it is not an exact equilibrium.")
