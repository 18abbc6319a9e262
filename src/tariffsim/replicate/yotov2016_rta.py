"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 1, application 3: the effects of RTAs.

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*,
WTO/UNCTAD. The column that addresses the endogeneity of RTAs ("PAIR_FE"):
PPML of trade on the RTA dummy with exporter-year, importer-year and pair fixed
effects, 69 countries, 1986–2006 every four years, international and domestic
flows; pairs are the book's symmetric ``pair_id`` (one effect for both
directions, one per domestic pair); standard errors clustered by ``pair_id``.
The book's Stata code is ``ppml trade PAIR_FE* EXPORTER_TIME_FE*
IMPORTER_TIME_FE* RTA, cluster(pair_id)``; pairs that never trade are
separated and dropped. The book reports an RTA coefficient of 0.557 with a
standard error of 0.102 (clustered by pair).

Writes ``coefficients.csv`` (``variable, coef, se``) and ``dropped.csv`` (the
observations left out and why).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.estimate import GravityEstimate, GravitySpec, PPMLOptions, ppml
from tariffsim.replicate import Replication, choose_mode, read_input

NAME = "yotov2016-rta"
TITLE = "Effects of RTAs with pair fixed effects (Yotov et al. 2016, ch. 1, application 3)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 1, Application 3, column "
            "'PAIR_FE' (addressing the endogeneity of RTAs).")
FILES = ["yotov2016_agtpa/agtpa_panel_69c_1986_2006.parquet"]

YEARS = (1986, 1990, 1994, 1998, 2002, 2006)
PUBLISHED = {"rta": 0.557}
"""The book's estimate of the RTA coefficient with pair fixed effects (ch. 1, application 3)."""
PUBLISHED_SE = {"rta": 0.102}
"""Its standard error, clustered by pair: the results table of the application, column (4) "ENDG"
(as printed by the book's R companion, Vargas, *tradepolicy*, which reruns that column: 0.557 (0.102))."""

MODES: tuple[str, ...] = ()

PANEL_COLUMNS = ["exporter", "importer", "pair_id", "year", "trade", "dist", "cntg", "lang", "clny", "rta"]


def load_panel(data_dir: Path, years: tuple[int, ...] = YEARS) -> pd.DataFrame:
    """The book's 69-country panel restricted to ``years`` (the applications' four-year intervals)."""
    frame = read_input(data_dir, FILES[0], list(PANEL_COLUMNS))
    return frame.loc[frame["year"].isin(years)].reset_index(drop=True)


def coefficient_frame(estimate: GravityEstimate) -> pd.DataFrame:
    """``variable, coef, se`` of an estimate (the ``coefficients.csv`` layout)."""
    table = estimate.table()
    return table[["variable", "coef", "se"]]


def compare(estimate: GravityEstimate, published: dict[str, float],
            published_se: dict[str, float] | None = None, model: str = "") -> pd.DataFrame:
    """Our coefficients beside the published ones."""
    table = estimate.table()
    coefs = dict(zip(table["variable"].tolist(), table["coef"].tolist(), strict=True))
    ses = dict(zip(table["variable"].tolist(), table["se"].tolist(), strict=True))
    rows = []
    for variable, value in published.items():
        ours = coefs.get(variable, np.nan)
        rows.append({"model": model, "variable": variable, "published_coef": value, "coef": ours,
                     "coef_minus_published": ours - value,
                     "published_se": (published_se or {}).get(variable, np.nan), "se": ses.get(variable, np.nan)})
    return pd.DataFrame(rows)


def estimate(data_dir: Path) -> GravityEstimate:
    """The book's PAIR_FE column: symmetric pair effects, clustered by pair."""
    panel = load_panel(data_dir)
    spec = GravitySpec(outcome="trade", exporter="exporter", importer="importer", year="year", pair="pair_id")
    return ppml(panel, "rta", spec=spec, options=PPMLOptions(vcov="cluster"))


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``coefficients.csv`` and ``dropped.csv`` into ``out_dir``."""
    choose_mode(NAME, MODES, mode)
    fit = estimate(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / "coefficients.csv", out_dir / "dropped.csv"]
    coefficient_frame(fit).to_csv(files[0], index=False, float_format="%.10g")
    fit.dropped.to_csv(files[1], index=False)
    comparison = compare(fit, PUBLISHED, PUBLISHED_SE, model="PAIR_FE")
    notes = [f"{fit.formula}: N = {fit.n_obs:,}, {len(fit.dropped)} observations dropped "
             f"({', '.join(f'{r} {n}' for r, n in fit.dropped_summary()[['reason', 'rows']].to_numpy())}); "
             f"standard errors {fit.vcov_label}",
             f"adding-up residual of the fixed effects {fit.adding_up_residual:.1e}"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
