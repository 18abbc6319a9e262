"""China's 2018–19 retaliation against US tariffs, product by product (SMART on HS8 data).

Data: Bown, Jung & Zhang (PIIE, 2019), *Trump Has Gotten China to Lower Its Tariffs.
Just Toward Everyone Else*: China's tariff schedule by Chinese HS10 line with one
column per tariff event (the first column, 1 January 2018, is the MFN level in
percent; every later column is a change in percentage points, so the level at a date
is the row sum of the columns up to it), and China's 2017 imports from the US by
Chinese HS8 (thousand USD) with PIIE's sector grouping.

Scenario: the tariffs in force at ``date`` (default 1 June 2019, after the last event)
against those of 1 January 2018. Imports from the US face every column (retaliation
and MFN changes); imports from everyone else face the MFN columns only — China cut
MFN rates four times in 2018–19 — unless ``mfn_changes=False``, which keeps only the
retaliation.

Model: SMART (Laird & Yeats 1986; Jammes & Olarreaga 2005) for one importer, China,
and two sources per HS8 line, the US and "others", solved in the exact
constant-elasticity form by default (the 25-point retaliation on soybeans and the
large substitution elasticities of homogeneous goods put the linear formulas at their
bounds; ``form="linear"`` gives them). Export supply is infinitely elastic (SMART's
default), so tariffs pass fully into Chinese import prices.

**What is assumed.** The shared data hold China's imports from the US only. China's
imports of each HS8 line from everyone else are set so that the US has a share
``us_share`` of China's imports of every line; by default 8.4 %, the US share of
China's total 2017 merchandise imports ($154.8 bn of about $1.84 trillion). The true
share varies by product (for soybeans it was roughly a third), so the split of each
sector's change between the US and others is only as good as this assumption; it is
a parameter (a number, or a mapping sector → share, e.g. ``{"Soybeans": 0.34}``), and
``comparison.csv`` shows how the totals move with it. Substitution elasticities between sources are Broda,
Greenfield & Weinstein's estimates for China by HS 3-digit heading (default 1.5,
SMART's, where China has none); the import-demand elasticity of the composite is 1
(the shared data have no estimates for China; it matters little because a US tariff
moves China's import price index by only the US share of the price change).

Outputs: ``sectors.csv`` (``sector, imports_from_us_pct, imports_from_others_pct,
tariff_revenue_usd_m``; the revenue is China's tariff revenue on imports from the US
at the new tariffs, USD millions, with a ``Total`` row), ``sectors_detail.csv``,
``products.csv``, ``comparison.csv`` and ``run.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date as Date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.elasticities import assign, read_broda_greenfield_weinstein
from tariffsim.errors import ModelError
from tariffsim.models.pe import PEResult, ProductTrade, SmartSettings, simulate_pe
from tariffsim.replicate import Replication, choose_mode, data_file, read_input
from tariffsim.replicate._inputs import import_tables
from tariffsim.replicate._piie import HS8_MEAN, NO_TARIFF_LINE, average_tariffs, line_table

NAME = "china-retaliation-2018"
TITLE = "China's retaliation against the US, 2018-19: imports from the US and from others by PIIE sector (SMART)"
CITATION = ("Bown, C. P., Jung, E. & Zhang, E. (2019). Trump Has Gotten China to Lower Its Tariffs. Just Toward "
            "Everyone Else. PIIE Trade and Investment Policy Watch, 12 June 2019 (tariff and import data); "
            "Laird, S. & Yeats, A. (1986), Jammes, O. & Olarreaga, M. (2005) for SMART.")
FILES = [
    "us_china_tariffs/piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv",
    "us_china_tariffs/piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv",
    "elasticities/broda_greenfield_weinstein_73countries_hs3_sigma_1994_2003.csv",
    "us_china_trade/us_exports_to_china_hs2_monthly_2013_2020_census.csv",
]

PUBLISHED = {"avg_tariff_on_us_2018_01_01_pct": 8.0, "avg_tariff_on_us_2019_06_01_pct": 20.7,
             "avg_tariff_on_others_2019_06_01_pct": 6.7}
"""PIIE's average Chinese tariffs (Bown, Jung & Zhang 2019, figure 1 and text): 8.0 % on
everyone in early 2018; 20.7 % on US goods and 6.7 % on everyone else after 1 June 2019."""

MODES = ("exact", "linear")
"""``--mode`` chooses ``form``: SMART in its exact constant-elasticity form (default) or its linear closed forms."""

US_SHARE_2017 = 0.084
"""US share of China's 2017 merchandise imports: $154.8 bn (the PIIE file's total) of about
$1.84 trillion (China Customs)."""

IMPORT_DEMAND = 1.0
"""Import-demand elasticity of China's composite imports of a product (no estimates for
China in the shared data)."""

SMART_SUBSTITUTION = 1.5

SECTOR_LABELS = {
    "Aircraf": "Aircraft", "All other good": "All other goods", "Autos and part": "Autos and parts",
    "Chemicals, plastics and rubber product": "Chemicals, plastics and rubber products",
    "Electrical machinery and equipmen": "Electrical machinery and equipment",
    "Mechanical machinery and appliance": "Mechanical machinery and appliances",
    "Optical, medical, and measuring instrument": "Optical, medical, and measuring instruments",
    "Petroleu": "Petroleum", "Pharmaceutical": "Pharmaceuticals", "Soybean": "Soybeans",
    "Wood, paper, and metal product": "Wood, paper, and metal products",
}
"""The sector labels in the shared file lost their last character in conversion; restored here."""

OBSERVED_CHAPTERS = {"Soybeans": "12", "Aircraft": "88", "Autos and parts": "87", "Petroleum": "27"}
"""HS chapters that stand in for PIIE sectors in the back-test against US export statistics
(chapter 12, oil seeds, is mostly soybeans; 27 is mineral fuels)."""


def _num(value: Any) -> float:
    """A table cell as a float (pandas' scalar types are a wide union)."""
    return float(value)


# ---------------------------------------------------------------------- inputs
def _piie(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The PIIE rates (HS10, fractions) and China's 2017 imports from the US (HS8, USD millions),
    read through tariffsim's PIIE importer."""
    tables = import_tables([("piie-tariffs", [data_file(data_dir, FILES[0]), data_file(data_dir, FILES[1])], None)])
    return tables["piie-tariffs"]["rates"], tables["piie-tariffs"]["imports"]


def inputs(data_dir: Path, *, when: Date, us_share: float | Mapping[str, float], mfn_changes: bool
           ) -> tuple[ProductTrade, pd.DataFrame, pd.DataFrame]:
    """The baseline (China's imports by HS8 from the US and from others), new tariffs and line notes."""
    rates, raw = _piie(data_dir)
    # The importer gives USD millions; this module works in USD.
    imports = line_table(rates, raw[["hs8", "value", "sector"]].assign(
        value=pd.to_numeric(raw["value"]) * 1e6, sector=raw["sector"].astype(str).str.strip().replace(SECTOR_LABELS)),
        when)
    if not mfn_changes:
        imports["tariff_us_pct"] -= imports["tariff_others_pct"] - imports["tariff_base_pct"]
        imports["tariff_others_pct"] = imports["tariff_base_pct"]
    tariffs = pd.DataFrame({"base": imports["tariff_base_pct"], "us": imports["tariff_us_pct"],
                            "others": imports["tariff_others_pct"]})
    if isinstance(us_share, Mapping):
        share = imports["sector"].map(dict(us_share)).astype(float).fillna(US_SHARE_2017)
    else:
        share = pd.Series(float(us_share), index=imports.index)
    if share.isna().any() or (share <= 0).any() or (share > 1).any():
        raise ModelError("us_share must be in (0, 1] for every sector")
    others = imports["value"] * (1.0 - share) / share
    frame = pd.concat([
        pd.DataFrame({"importer": "CHN", "exporter": "USA", "product": imports["hs8"], "value_usd": imports["value"],
                      "tariff": tariffs["base"] / 100.0, "tariff_new": tariffs["us"] / 100.0,
                      "sector": imports["sector"]}),
        pd.DataFrame({"importer": "CHN", "exporter": "ROW", "product": imports["hs8"], "value_usd": others,
                      "tariff": tariffs["base"] / 100.0, "tariff_new": tariffs["others"] / 100.0,
                      "sector": imports["sector"]}),
    ], ignore_index=True)
    frame = frame.loc[frame["value_usd"] > 0]
    trade = ProductTrade.from_frame(frame, sector="sector", year=2017, name="China's 2017 imports by HS8",
                                    sources={"imports_from_us": FILES[1], "tariffs": FILES[0],
                                             "imports_from_others": f"assumed: US share {us_share}"})
    line_notes = imports[["hs8", "sector", "value", "tariff_source", "tariff_base_pct", "tariff_us_pct",
                          "tariff_others_pct"]]
    return trade, frame[["importer", "exporter", "product", "tariff_new"]], line_notes


def settings(data_dir: Path, products: list[str], substitution: str, form: str) -> SmartSettings:
    """SMART settings: BGW σ for China by HS3 (or SMART's 1.5), η = 1, infinite supply."""
    if substitution == "bgw":
        table = read_broda_greenfield_weinstein(data_file(data_dir, FILES[2]))
        sigma: Any = assign(products, table, country="CHN", pool_countries=False, default=SMART_SUBSTITUTION,
                            fallback_levels=(2,))
    elif substitution == "smart":
        sigma = SMART_SUBSTITUTION
    else:
        raise ModelError(f"substitution '{substitution}' is not one of bgw, smart")
    return SmartSettings(import_demand_elasticity=IMPORT_DEMAND, substitution_elasticity=sigma,
                         form=form)  # type: ignore[arg-type]


def solve(data_dir: Path, *, date: str = "2019-06-01", us_share: float | Mapping[str, float] = US_SHARE_2017,
          substitution: str = "bgw", form: str = "exact", mfn_changes: bool = True
          ) -> tuple[PEResult, pd.DataFrame]:
    """Run the scenario; returns the result and the per-HS8 tariff notes."""
    when = pd.Timestamp(date).date()
    trade, new, notes = inputs(data_dir, when=when, us_share=us_share, mfn_changes=mfn_changes)
    result = simulate_pe(trade, new, settings(data_dir, list(trade.products), substitution, form))
    return result, notes


# ---------------------------------------------------------------------- tables
def sector_table(result: PEResult) -> pd.DataFrame:
    """``sectors.csv``: change in imports from the US and from others, revenue on US imports, by sector."""
    flows = result.aggregate(["sector", "exporter"])
    total = result.aggregate(["exporter"]).assign(sector="Total")
    flows = pd.concat([flows, total], ignore_index=True)
    us = flows.loc[flows["exporter"] == "USA"].set_index("sector")
    others = flows.loc[flows["exporter"] == "ROW"].set_index("sector")
    order = [s for s in us.index if s != "Total"]
    order = [*sorted(order, key=lambda s: -_num(us.loc[s, "imports_base_usd"])), "Total"]
    return pd.DataFrame({
        "sector": order,
        "imports_from_us_pct": us.loc[order, "imports_pct"].to_numpy(),
        "imports_from_others_pct": others.reindex(order)["imports_pct"].to_numpy(),
        "tariff_revenue_usd_m": us.loc[order, "tariff_revenue_cf_usd"].to_numpy() / 1e6,
    })


def detail_table(result: PEResult) -> pd.DataFrame:
    """Sector × source: imports and tariffs before and after, decomposition, revenue (USD millions)."""
    flows = result.aggregate(["sector", "exporter"])
    money = [c for c in flows.columns if c.endswith("_usd")]
    out = flows.copy()
    out[money] = out[money] / 1e6
    out.columns = [c[:-4] + "_usd_m" if c in money else c for c in out.columns]
    out["exporter"] = out["exporter"].replace({"ROW": "others"})
    return out


def observed_exports(data_dir: Path) -> pd.DataFrame:
    """US exports to China (Census) by the HS chapters standing in for four PIIE sectors, 2017 and 2019."""
    frame = read_input(data_dir, FILES[3], ["E_COMMODITY", "time", "ALL_VAL_MO"], text_columns=("E_COMMODITY",))
    frame["year"] = frame["time"].astype(str).str[:4]
    sums = frame.pivot_table(index="E_COMMODITY", columns="year", values="ALL_VAL_MO", aggfunc="sum")
    rows = []
    for sector, chapter in OBSERVED_CHAPTERS.items():
        base, y2019 = _num(sums.loc[chapter, "2017"]), _num(sums.loc[chapter, "2019"])
        rows.append({"sector": sector, "hs_chapter": chapter, "us_exports_2017_usd_m": base / 1e6,
                     "us_exports_2019_usd_m": y2019 / 1e6, "observed_change_pct": 100.0 * (y2019 / base - 1.0)})
    return pd.DataFrame(rows)


def run(data_dir: Path, out_dir: Path, *, date: str = "2019-06-01",
        us_share: float | Mapping[str, float] = US_SHARE_2017, substitution: str = "bgw", form: str = "exact",
        mfn_changes: bool = True, mode: str | None = None) -> Replication:
    """Write ``sectors.csv``, ``sectors_detail.csv``, ``products.csv``, ``comparison.csv`` and ``run.json``.

    Parameters
    ----------
    data_dir
        Root of the shared data folder.
    out_dir
        Where to write.
    date
        Tariffs in force at this date (ISO), against 1 January 2018.
    us_share
        Assumed US share of China's imports of every HS8 line: a number, or a mapping
        from sector label to share (sectors not in it get :data:`US_SHARE_2017`).
    substitution
        ``"bgw"`` (Broda–Greenfield–Weinstein σ for China by HS3; default) or ``"smart"`` (1.5).
    form
        ``"exact"`` (default) or ``"linear"`` (SMART's closed forms).
    mfn_changes
        Include China's MFN cuts (which apply to everyone) or only the retaliation.
    mode
        The command line's ``--mode``: a synonym of ``form``.
    """
    form = str(choose_mode(NAME, MODES, form if mode is None else mode))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result, notes = solve(data_dir, date=date, us_share=us_share, substitution=substitution, form=form,
                          mfn_changes=mfn_changes)
    sectors = sector_table(result)
    sectors.to_csv(out_dir / "sectors.csv", index=False, float_format="%.12g")
    detail_table(result).to_csv(out_dir / "sectors_detail.csv", index=False, float_format="%.12g")
    result.products.to_csv(out_dir / "products.csv", index=False, float_format="%.12g")
    totals = sectors.set_index("sector").loc["Total"]

    # Beside published (PIIE's averages) and observed (Census US exports) numbers, then sensitivity.
    averages = average_tariffs(notes)
    weights = ("weights: China's 2017 imports from the US by HS8 with a tariff line (the rule of "
               "us-china-tariffs; HS 98000000 left out); PIIE weights by US exports to the world")
    rows: list[dict[str, Any]] = [
        {"quantity": "average tariff on US goods, 1 Jan 2018, %", "published": PUBLISHED[
            "avg_tariff_on_us_2018_01_01_pct"], "observed": np.nan, "tariffsim": averages["base"],
         "note": weights},
        {"quantity": f"average tariff on US goods, {date}, %", "published": PUBLISHED[
            "avg_tariff_on_us_2019_06_01_pct"], "observed": np.nan, "tariffsim": averages["us"], "note": weights},
        {"quantity": f"average tariff on others, {date}, %", "published": PUBLISHED[
            "avg_tariff_on_others_2019_06_01_pct"], "observed": np.nan, "tariffsim": averages["others"],
         "note": "PIIE weights by imports from others; here weighted by imports from the US"},
    ]
    observed = observed_exports(data_dir)
    for _, obs in observed.iterrows():
        model = _num(sectors.set_index("sector").loc[obs["sector"], "imports_from_us_pct"])
        rows.append({"quantity": f"{obs['sector']}: imports from the US, % (model) vs US exports to China "
                                 f"2017->2019, HS{obs['hs_chapter']} (observed)",
                     "published": np.nan, "observed": _num(obs["observed_change_pct"]), "tariffsim": model,
                     "note": "observed: Census US exports, all causes (e.g. the 737 MAX grounding, purchases "
                             "during talks)"})
    for share in (0.04, US_SHARE_2017, 0.2, 0.35):
        alt = result if share == us_share else solve(data_dir, date=date, us_share=share,
                                                     substitution=substitution, form=form,
                                                     mfn_changes=mfn_changes)[0]
        alt_total = sector_table(alt).set_index("sector").loc["Total"]
        rows.append({"quantity": f"sensitivity: us_share={share:g}: imports from US %, from others %",
                     "published": np.nan, "observed": np.nan, "tariffsim": _num(alt_total["imports_from_us_pct"]),
                     "note": f"others {_num(alt_total['imports_from_others_pct']):+.3f} %"})
    linear = solve(data_dir, date=date, us_share=us_share, substitution=substitution, form="linear",
                   mfn_changes=mfn_changes)[0] if form != "linear" else result
    lin_total = sector_table(linear).set_index("sector").loc["Total"]
    rows.append({"quantity": "SMART linear closed forms: imports from the US, %", "published": np.nan,
                 "observed": np.nan, "tariffsim": _num(lin_total["imports_from_us_pct"]),
                 "note": f"others {_num(lin_total['imports_from_others_pct']):+.3f} %; "
                         f"{int(linear.bounded.sum())} rows at a bound"})
    comparison = pd.DataFrame(rows)
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.12g")

    fallback_counts = notes["tariff_source"].value_counts().to_dict()
    no_line_value = float(notes.loc[notes["tariff_source"] == NO_TARIFF_LINE, "value"].sum())
    unmatched_value = float(notes.loc[notes["tariff_source"] != HS8_MEAN, "value"].sum()) - no_line_value
    record = {
        "reproduction": NAME, "citation": CITATION, "date": date, "us_share": us_share,
        "substitution": substitution, "form": form, "mfn_changes": mfn_changes,
        "import_demand_elasticity": IMPORT_DEMAND,
        "tariff_concordance": {"lines": fallback_counts, "imports_with_hs6_or_hs4_tariff_usd": unmatched_value,
                               "imports_without_tariff_line_usd": no_line_value},
        "substitution_elasticity_matches": _match_summary(result.elasticities),
        "run": result.run_record(),
        "fingerprints": result.fingerprints,
        "columns": {"tariff_revenue_usd_m": "China's tariff revenue on imports from the US at the new tariffs "
                                           "(counterfactual imports), USD millions"},
    }
    (out_dir / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    notes_text = [
        f"imports from the US {totals['imports_from_us_pct']:+.1f} %, from others "
        f"{totals['imports_from_others_pct']:+.2f} % (assumed US share {us_share})",
        f"{len(notes)} HS8 lines with imports; {fallback_counts.get(HS8_MEAN, 0)} matched at HS8, "
        f"{unmatched_value / 1e9:.1f} bn USD of imports took an HS6/HS4 tariff and {no_line_value / 1e9:.1f} bn USD "
        f"(HS 98000000) has no tariff line: no tariff in the model, left out of the average tariffs",
        f"China's average tariff on US goods: {averages['base']:.2f} % on 1 January 2018, {averages['us']:.2f} % on "
        f"{date} (the same rule and weights as us-china-tariffs)",
    ]
    files = [out_dir / n for n in ("sectors.csv", "sectors_detail.csv", "products.csv", "comparison.csv",
                                   "run.json")]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes_text)


def _match_summary(provenance: pd.DataFrame) -> dict[str, int]:
    """How many products got their substitution elasticity at each level (HS3, HS2 fallback, default)."""
    if "level" not in provenance.columns:
        return {}
    sub = provenance.loc[provenance["parameter"] == "substitution"]
    names = {3: "China HS3 estimate", 2: "China HS2 median (fallback)", 0: "SMART default 1.5"}
    return {names.get(int(_num(k)), f"level {k}"): int(v) for k, v in sub["level"].value_counts().items()}
