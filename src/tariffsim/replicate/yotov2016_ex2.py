"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 2, exercise 2: a NAFTA-specific effect.

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*, WTO/UNCTAD. The
procedure of application 2 (:mod:`tariffsim.replicate.yotov2016_app2`) with the book's exercise
code (``Chapter2/Datasets/2_RTAImpacts/RTAImpacts.do``): a dummy ``nafta`` for the six NAFTA
pairs from 1994 on, with ``rta`` set to 0 on them, so that NAFTA's partial effect is estimated
apart from that of all other RTAs (stage 1: PPML with exporter-year, importer-year and symmetric
pair effects, robust errors); the two-step fill of the pair effects of 1994 (stage 2); the
baseline of 1994; the counterfactual ``nafta = 0``; σ = 7; full-endowment GE with
``E_j = φ_j Y_j`` and Germany's inward multilateral resistance as numéraire, by the book's
procedure (``book`` mode, default) or solved exactly (``exact``, also called ``converged``).

``countries.csv`` holds the effect *of* NAFTA, 100·(baseline / no-NAFTA − 1), in the columns of
the other Yotov reproductions, as the exercise's log computes it; ``coefficients.csv`` both stages;
``comparison.csv`` the estimates, the book procedure's passes and last spread beside the book's log
(``Chapter2/Exercises/2_RTAImpacts/Results/RTAImpacts.log``) and real GDP in both modes. The book
publishes no GE figures for the exercise in its text (its result file ``FULL.xls`` is a spreadsheet
not transcribed here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.replicate import CONVERGED_ALIAS, Replication, choose_mode
from tariffsim.replicate.yotov2016_app1 import book_note, mode_note
from tariffsim.replicate.yotov2016_app2 import NAFTA, effects_of_nafta, inputs
from tariffsim.replicate.yotov2016_app2 import solve as solve_app2
from tariffsim.replicate.yotov2016_ex1 import book_spread

__all__ = ["NAME", "inputs", "run"]

NAME = "yotov2016-ex2"
TITLE = "A NAFTA-specific effect (Yotov et al. 2016, ch. 2, exercise 2)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 2, Exercise 2 (impact of a regional "
            "trade agreement); estimates and iterations as in the companion log "
            "Chapter2/Exercises/2_RTAImpacts/Results/RTAImpacts.log.")
FILES = ["yotov2016_agtpa/agtpa_panel_69c_1986_2006.parquet"]
MODES = ("book", "exact")
MODE_ALIASES = CONVERGED_ALIAS

PUBLISHED_COEFFICIENTS = {
    "stage 1": {"rta": (0.4452111, 0.0560053), "nafta": (0.9475133, 0.0639527)},
    "stage 2": {"ln_dist": (-0.8483896, 0.0341246), "cntg": (0.2632595, 0.0934802), "lang": (0.3745558, 0.0798624),
                "clny": (0.2572836, 0.1133806)},
}
"""(coefficient, standard error) from the book's log (stage 1 robust, stage 2 clustered by pair)."""
PUBLISHED_PASSES = (3, 0.0015582, 0.0002122)
"""Passes of the book's iteration; at the last, the sd and |max| of the change in prices between passes."""


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``countries.csv`` (effects of NAFTA, chosen mode), ``coefficients.csv``, ``comparison.csv``
    and ``run.json`` into ``out_dir``."""
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    stage1, costs, world, shock = inputs(data_dir, nafta_effect=True)
    results = {m: solve_app2(world, shock, m) for m in MODES}
    effects = {m: effects_of_nafta(r).set_index("country") for m, r in results.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    files = results[mode].write(out_dir, extra={"reproduction": NAME, "mode": mode, "citation": CITATION})
    effects[mode].reset_index().to_csv(out_dir / "countries.csv", index=False, float_format="%.10g")
    assert costs.fill is not None
    coefficients = pd.concat([stage1.table().assign(stage="stage 1"), costs.fill.table().assign(stage="stage 2")],
                             ignore_index=True)[["stage", "variable", "coef", "se"]]
    coefficients.to_csv(out_dir / "coefficients.csv", index=False, float_format="%.10g")
    rows: list[dict[str, Any]] = []
    ours = coefficients.set_index(["stage", "variable"])
    columns = {"coef": ours["coef"].to_dict(), "se": ours["se"].to_dict()}
    for stage, published in PUBLISHED_COEFFICIENTS.items():
        for variable, (coef, se) in published.items():
            for what, value, column in (("coefficient", coef, "coef"), ("standard error", se, "se")):
                found = float(columns[column][(stage, variable)])
                rows.append({"quantity": f"{what}, {stage}, {variable}", "published": value, "book_mode": found,
                             "exact_mode": found})
    passes, sd, top = PUBLISHED_PASSES
    spread = book_spread(results["book"])
    rows += [{"quantity": "passes of the book's iteration", "published": passes,
              "book_mode": results["book"].diagnostics.iterations, "exact_mode": np.nan},
             {"quantity": "last pass: sd of the price change", "published": sd, "book_mode": spread[0],
              "exact_mode": np.nan},
             {"quantity": "last pass: |max| of the price change", "published": top, "book_mode": spread[1],
              "exact_mode": np.nan}]
    real_gdp = {m: frame["real_gdp_pct"].to_dict() for m, frame in effects.items()}
    for country in NAFTA:
        rows.append({"quantity": f"effect of NAFTA on real GDP, {country}, %", "published": np.nan,
                     "book_mode": float(real_gdp["book"][country]), "exact_mode": float(real_gdp["exact"][country])})
    comparison = pd.DataFrame(rows)
    comparison["ours_minus_published"] = comparison["book_mode"] - comparison["published"]
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.7g")
    files = [*files, out_dir / "coefficients.csv", out_dir / "comparison.csv"]
    notes = [mode_note(mode), book_note(results["book"]),
             f"stage 1: {stage1.formula}, N = {stage1.n_obs:,}; stage 2: N = {costs.fill.n_obs:,}",
             "The converged equilibrium clears markets to "
             f"{results['exact'].equilibrium.market_clearing_residual():.1e}."]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
