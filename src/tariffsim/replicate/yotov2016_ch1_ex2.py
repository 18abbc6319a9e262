"""Yotov, Piermartini, Monteiro & Larch (2016), ch. 1, exercise 2: unilateral (MFN) tariffs.

*An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model*,
WTO/UNCTAD. A non-discriminatory policy such as an importer's MFN tariff is
collinear with importer-year fixed effects — unless domestic flows are in the
sample: the tariff applies to international flows only, so ln(1 + MFN) on
international pairs (0 on domestic ones) is identified beside exporter-year,
importer-year and pair fixed effects. 52 countries, 1988–2006 every three
years; RTA with three-, six- and nine-year lags; pairs are directional
(``ppml_panel_sg``'s default), standard errors clustered by pair.

The book's Stata code: ``ppml_panel_sg trade RTA RTA_LAG3 RTA_LAG6 RTA_LAG9
[ln_MFN], ex(exporter) im(importer) y(year) cluster(pair_id)``. Two columns:
without the tariff ("RTAs") and with it ("TRFFS"). The book reports −7.604 on
ln(1 + MFN) (standard error 0.516), an elasticity of substitution of about 8.6.

Writes ``coefficients.csv`` (``variable, coef, se``; the TRFFS column),
``coefficients_rtas.csv`` (the RTAs column) and ``dropped.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.estimate import GravityEstimate, GravitySpec, PPMLOptions, ppml
from tariffsim.replicate import Replication, choose_mode, read_input
from tariffsim.replicate.yotov2016_rta import coefficient_frame, compare

NAME = "yotov2016-ch1-ex2"
TITLE = "Unilateral MFN tariffs (Yotov et al. 2016, ch. 1, exercise 2)"
CITATION = ("Yotov, Y. V., Piermartini, R., Monteiro, J.-A. & Larch, M. (2016). An Advanced Guide to Trade "
            "Policy Analysis: The Structural Gravity Model. WTO/UNCTAD. Chapter 1, Exercise 2 (unilateral "
            "trade policy effects); estimates as in the book's companion results file "
            "Chapter1/Exercises/2_UnilateralPolicyImpact/Results/UnilateralPolicyImpact.txt.")
FILES = ["yotov2016_agtpa/ch1_exercise2_mfn_tariff.csv"]

RTA_TERMS = ("RTA", "RTA_LAG3", "RTA_LAG6", "RTA_LAG9")
TARIFF = "ln_MFN"

PUBLISHED = {
    "TRFFS": {"RTA": -0.217, "RTA_LAG3": 0.256, "RTA_LAG6": 0.265, "RTA_LAG9": 0.101, "ln_MFN": -7.604},
    "RTAs": {"RTA": 0.392, "RTA_LAG3": 0.248, "RTA_LAG6": 0.246, "RTA_LAG9": 0.083},
}
"""Published coefficients (three decimals), with and without the tariff."""
PUBLISHED_SE = {
    "TRFFS": {"RTA": 0.056, "RTA_LAG3": 0.037, "RTA_LAG6": 0.036, "RTA_LAG9": 0.035, "ln_MFN": 0.516},
    "RTAs": {"RTA": 0.064, "RTA_LAG3": 0.040, "RTA_LAG6": 0.043, "RTA_LAG9": 0.034},
}
"""Published standard errors (clustered by pair), three decimals."""
PUBLISHED_N = 18886
MODES: tuple[str, ...] = ()
"""Observations used by the published fits (pairs that never trade are dropped)."""


def load(data_dir: Path) -> pd.DataFrame:
    """The exercise's data with ln_MFN = ln(1 + MFN tariff) on international flows and 0 on domestic ones."""
    frame = read_input(data_dir, FILES[0], ["exporter", "importer", "year", "trade", "MFN_TARIFF", *RTA_TERMS])
    domestic = frame["exporter"] == frame["importer"]
    frame[TARIFF] = np.where(domestic, 0.0, np.log1p(frame["MFN_TARIFF"]))
    return frame


def estimate(data_dir: Path, with_tariff: bool = True) -> GravityEstimate:
    """One column of the exercise: directional pair effects, clustered by pair."""
    frame = load(data_dir)
    terms = [*RTA_TERMS, TARIFF] if with_tariff else list(RTA_TERMS)
    spec = GravitySpec(outcome="trade", exporter="exporter", importer="importer", year="year", pair=None)
    return ppml(frame, " + ".join(terms), spec=spec, options=PPMLOptions(vcov="cluster"))


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``coefficients.csv`` (with the tariff), ``coefficients_rtas.csv`` and ``dropped.csv``."""
    choose_mode(NAME, MODES, mode)
    tariffs = estimate(data_dir, with_tariff=True)
    rtas = estimate(data_dir, with_tariff=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / "coefficients.csv", out_dir / "coefficients_rtas.csv", out_dir / "dropped.csv"]
    coefficient_frame(tariffs).to_csv(files[0], index=False, float_format="%.10g")
    coefficient_frame(rtas).to_csv(files[1], index=False, float_format="%.10g")
    tariffs.dropped.to_csv(files[2], index=False)
    comparison = pd.concat([compare(tariffs, PUBLISHED["TRFFS"], PUBLISHED_SE["TRFFS"], model="TRFFS"),
                            compare(rtas, PUBLISHED["RTAs"], PUBLISHED_SE["RTAs"], model="RTAs")],
                           ignore_index=True)
    beta = float(tariffs.coefficients[TARIFF])
    notes = [f"elasticity of substitution read off the tariff coefficient: sigma = 1 - beta = {1 - beta:.3f} "
             "(the book: about 8.6)",
             f"N = {tariffs.n_obs:,} (published {PUBLISHED_N:,}); {len(tariffs.dropped)} observations dropped "
             "because the pair never trades",
             f"standard errors {tariffs.vcov_label}"]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
