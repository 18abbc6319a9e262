"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 2, application 2: the GE effects of NAFTA.

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*,
WTO/UNCTAD. The book's procedure, step by step, from the public API:

1. **Stage 1** (panel 1986–2006 every four years, 69 countries, domestic flows
   included): PPML of trade on RTA with exporter-year, importer-year and pair
   fixed effects; pairs are symmetric and all domestic pairs share one pair
   effect (the book's normalisation), so pair effects are trade costs relative
   to domestic trade; robust standard errors as in the book's Stata log.
2. **Stage 2** (the two-step procedure of Anderson & Yotov 2016): the pair
   effects of 1994 are regressed by PPML on log distance, contiguity, common
   language and colony with exporter and importer effects (international pairs
   with an estimate; clustered by pair); its predictions fill the seven pairs that
   never trade.
3. **Baseline**, 1994: trade costs t_ij^(1−σ) = exp(γ_ij + β_RTA·RTA_ij); flows are
   the PPML fit with these costs and the observed output and expenditure.
4. **Counterfactual**: RTA = 0 among CAN, MEX and USA; σ = 7; full-endowment GE
   with E_j = φ_j Y_j and Germany's inward multilateral resistance as numeraire,
   by the book's iterative GEPPML procedure (``book`` mode, default) or solved
   exactly (``exact`` mode, also called ``converged``).

The book reports the effect *of* NAFTA, i.e. baseline relative to the world
without it: ``countries.csv`` holds 100·(baseline / no-NAFTA − 1) for every
column (real GDP +3.40 % CAN, +3.81 % MEX, +0.33 % USA in the book).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim import GravityModel, Numeraire, Result, World, simulate
from tariffsim._json import to_jsonable
from tariffsim.errors import ModelError
from tariffsim.estimate import (
    GravityEstimate,
    GravitySpec,
    PairFill,
    PPMLOptions,
    TradeCosts,
    baseline_world,
    pair_ids,
    ppml,
    trade_costs,
)
from tariffsim.replicate import CONVERGED_ALIAS, COUNTRY_COLUMNS, Replication, choose_mode
from tariffsim.replicate.yotov2016_app1 import book_note, mode_note
from tariffsim.replicate.yotov2016_rta import load_panel
from tariffsim.shock import Shock

NAME = "yotov2016-app2"
TITLE = "General-equilibrium effects of NAFTA (Yotov et al. 2016, ch. 2, application 2)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 2, Application 2 (impact of "
            "regional trade agreements: NAFTA); estimates as in the book's companion log "
            "Chapter2/Applications/2_RTAsEffects/Results/RTAsEffects.log.")
FILES = ["yotov2016_agtpa/agtpa_panel_69c_1986_2006.parquet"]

SIGMA = 7.0
BASELINE_YEAR = 1994
REFERENCE = "DEU"
NAFTA = ("CAN", "MEX", "USA")
STAGE2_COVARIATES = ("ln_dist", "cntg", "lang", "clny")
MODES = ("book", "exact")
MODE_ALIASES = CONVERGED_ALIAS

PUBLISHED = {"CAN": 3.40, "MEX": 3.81, "USA": 0.33}
"""Full-endowment effects of NAFTA on real GDP reported in the book's text, percent."""

PUBLISHED_COEFFICIENTS = {
    "stage 1": {"rta": (0.5571853, 0.055771)},
    "stage 2": {"ln_dist": (-0.8475027, 0.0346902), "cntg": (0.2940831, 0.0948405),
                "lang": (0.3632659, 0.0826225), "clny": (0.2394163, 0.114736)},
}
"""(coefficient, standard error) from the book's Stata log of this application (stage 1 robust,
stage 2 clustered by pair)."""


def inputs(data_dir: Path, *, nafta_effect: bool = False) -> tuple[GravityEstimate, TradeCosts, World, Shock]:
    """Stage-1 estimate, the 1994 trade costs (with the stage-2 fill), the baseline World and the shock.

    ``nafta_effect`` (exercise 2, :mod:`tariffsim.replicate.yotov2016_ex2`): a dummy ``nafta`` for the six
    NAFTA pairs from 1994 on, with ``rta`` set to 0 on them, so that NAFTA's own effect is estimated
    apart from that of all other RTAs; the counterfactual sets ``nafta`` (not ``rta``) to 0.
    """
    panel = load_panel(data_dir)
    panel["pair"] = pair_ids(panel, symmetric=True, domestic="common")
    panel["ln_dist"] = np.log(panel["dist"])
    covariate = "nafta" if nafta_effect else "rta"
    if nafta_effect:
        members = (panel["exporter"].isin(NAFTA) & panel["importer"].isin(NAFTA)
                   & (panel["exporter"] != panel["importer"]) & (panel["year"] >= BASELINE_YEAR))
        panel["nafta"] = members.astype(float)
        panel.loc[members, "rta"] = 0.0
    spec = GravitySpec(outcome="trade", exporter="exporter", importer="importer", year="year", pair="pair")
    stage1 = ppml(panel, "rta + nafta" if nafta_effect else "rta", spec=spec, options=PPMLOptions(vcov="hetero"))
    costs = trade_costs(stage1, panel, year=BASELINE_YEAR, fill=PairFill(STAGE2_COVARIATES))
    world = baseline_world(costs, panel, elasticity=SIGMA - 1.0,
                           name=f"Yotov et al. 2016 ch.2 {'ex.2' if nafta_effect else 'app.2'}",
                           sources={"flows": f"{FILES[0]} (book companion data), {BASELINE_YEAR}"})
    table = costs.table
    inside = table["exporter"].isin(NAFTA) & table["importer"].isin(NAFTA) & (table["exporter"] != table["importer"])
    no_nafta = table.loc[inside, ["exporter", "importer"]].assign(**{covariate: 0.0})
    label = ("no NAFTA (its own effect set to zero)" if nafta_effect
             else "no NAFTA (RTA = 0 among CAN, MEX, USA)")
    shock = costs.shock(world, no_nafta, label=label)
    return stage1, costs, world, shock


def solve(world: World, shock: Shock, mode: str) -> Result:
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    model = GravityModel(closure="fixed_ratio", numeraire=Numeraire("price_index", REFERENCE),
                         procedure=mode)  # type: ignore[arg-type]
    return simulate(world, shock, model=model)


def effects_of_nafta(result: Result) -> pd.DataFrame:
    """The effect *of* NAFTA: 100·(baseline / no-NAFTA − 1) for every column of ``countries.csv``.

    ``result`` removes NAFTA, so its percent changes are 100·(no-NAFTA / baseline − 1);
    this inverts each ratio.
    """
    table = result.countries[COUNTRY_COLUMNS].copy()
    for column in COUNTRY_COLUMNS[1:]:
        table[column] = 100.0 * (1.0 / (1.0 + table[column].to_numpy() / 100.0) - 1.0)
    return table


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``countries.csv`` (effects of NAFTA, chosen mode), ``coefficients.csv``,
    ``trade_costs.csv``, ``comparison.csv`` and ``run.json`` into ``out_dir``."""
    mode = str(choose_mode(NAME, MODES, mode, MODE_ALIASES))
    stage1, costs, world, shock = inputs(data_dir)
    results = {m: solve(world, shock, m) for m in MODES}
    effects = {m: effects_of_nafta(r).set_index("country") for m, r in results.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / name for name in ("countries.csv", "coefficients.csv", "trade_costs.csv",
                                         "comparison.csv", "run.json")]
    effects[mode].reset_index().to_csv(files[0], index=False, float_format="%.10g")
    if costs.fill is None:
        raise ModelError("the two-step procedure did not run: every pair has a pair effect, unlike the book's data")
    coefficients = pd.concat([stage1.table().assign(stage="stage 1"), costs.fill.table().assign(stage="stage 2")],
                             ignore_index=True)[["stage", "variable", "coef", "se"]]
    coefficients.to_csv(files[1], index=False, float_format="%.10g")
    costs.table.to_csv(files[2], index=False, float_format="%.10g")
    comparison = _comparison(coefficients, effects)
    comparison.to_csv(files[3], index=False, float_format="%.6f")
    record: dict[str, Any] = {
        "reproduction": NAME, "mode": mode, "citation": CITATION, "sigma": SIGMA,
        "baseline_year": BASELINE_YEAR, "reference": REFERENCE,
        "stage1": stage1.summary(), "stage2": costs.fill.summary(),
        "pairs_predicted": int((costs.table["pair_effect_source"] == "predicted").sum()),
        "results": {m: r.run_record() for m, r in results.items()},
    }
    files[4].write_text(json.dumps(record, indent=2, default=to_jsonable) + "\n")
    book, exact = results["book"], results["exact"]
    notes = [
        mode_note(mode),
        f"stage 1: {stage1.formula}, N = {stage1.n_obs:,}, {len(stage1.dropped)} observations of pairs that never "
        f"trade dropped; stage 2: N = {costs.fill.n_obs:,}, {record['pairs_predicted']} pair effects predicted",
        book_note(book),
        f"The converged equilibrium clears markets to {exact.equilibrium.market_clearing_residual():.1e}.",
    ]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)


def _comparison(coefficients: pd.DataFrame, effects: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    ours = {(stage, variable): coef for stage, variable, coef in
            zip(coefficients["stage"].tolist(), coefficients["variable"].tolist(), coefficients["coef"].tolist(),
                strict=True)}
    for stage, published_stage in PUBLISHED_COEFFICIENTS.items():
        for variable, (coef, _se) in published_stage.items():
            value = ours[(stage, variable)]
            rows.append({"quantity": f"coefficient, {stage}", "item": variable, "published": coef,
                         "book_mode": value, "exact_mode": value, "book_minus_published": value - coef})
    for country, published_gdp in PUBLISHED.items():
        book = effects["book"]["real_gdp_pct"].to_dict()[country]
        exact = effects["exact"]["real_gdp_pct"].to_dict()[country]
        rows.append({"quantity": "effect of NAFTA on real GDP, %", "item": country, "published": published_gdp,
                     "book_mode": book, "exact_mode": exact, "book_minus_published": book - published_gdp})
    return pd.DataFrame(rows)

