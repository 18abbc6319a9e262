"""US tariffs on China, 2018–19: monthly tariff revenue and deadweight loss (product-level PE).

Data: Michael Waugh's series of the US tariff on imports from China by HS6 at every
action date (MFN + Section 301, in percent; the 1 January 2018 level is the MFN
baseline), US imports for consumption from China and from the world by HS2 chapter
and month (Census), Hauk's (2012) US import-demand elasticities by HS6 and Broda &
Weinstein's (2006) elasticities of substitution among US import varieties by HTS10.

Model: SMART (Laird & Yeats 1986; Jammes & Olarreaga 2005) for one importer, the US,
with two sources per HS6 product — China and everyone else — in the exact
constant-elasticity form, with **complete pass-through** (infinite export supply
elasticity: the tariff is paid in full by US buyers, as Amiti, Redding & Weinstein
find). The import-demand elasticity of each product is Hauk's estimate (median of the
HS6's estimate, or of its HS4/HS2 heading where the HS6 has none; the right sign only);
the substitution elasticity between China and others is Broda–Weinstein's (median of
the HTS10 lines in the HS6, HS4/HS2 fallbacks, clipped to [1, 20] because their tail
reaches the thousands). ``partners="china_only"`` drops other sources (then only the
import-demand elasticity matters, as in a one-variety Harberger calculation).

Each month of 2018–2019 is one counterfactual: the tariffs in force in that month
(day-weighted between action dates) against the 1 January 2018 levels, on that
calendar month of 2017's imports. Waugh's series is at HS6 and the Census imports at
HS2, so **each chapter's imports are split equally across its HS6 lines** — the shared
data have no HS6 trade weights. This overweights lines with little trade; the largest
untaxed lines in 2018–19 (mobile phones, laptops, whose List 4B tariff never took
effect) are underweighted, so modelled revenue runs above the duties actually
collected (``comparison.csv`` shows Census's calculated duties beside it).

``monthly.csv``: ``month``, ``tariff_revenue_usd_bn`` — the added tax, Σ (t' − t)·M' on
imports from China (Amiti, Redding & Weinstein's "added tax costs") — and
``deadweight_loss_usd_bn`` — the deadweight loss of the US, −(Δ consumer surplus +
Δ tariff revenue), summed over products.

**Coverage.** Amiti, Redding & Weinstein (2019) estimate about $3 billion a month of
added tax and $1.4 billion a month of deadweight loss by the end of 2018 for *all*
2018 US tariffs: Section 301 on China, and Sections 232 (steel, aluminium) and 201
(washing machines, solar panels) on most countries — about $283 billion of imports.
This reproduction covers Section 301 on China only, so it should fall short of their
added tax; their deadweight loss also uses the observed fall in imports, which
includes diversion to other countries and lost varieties.
"""

from __future__ import annotations

import calendar
import json
from datetime import date as Date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.elasticities import assign, read_broda_weinstein_hts10, read_hauk_import_demand
from tariffsim.data.user_tables import read_table
from tariffsim.errors import DataError
from tariffsim.models.pe import ProductTrade, SmartSettings, simulate_pe
from tariffsim.replicate import Replication, choose_mode, data_file, read_input

NAME = "us-2018-deadweight"
TITLE = "US tariffs on China, 2018-19: monthly tariff revenue and deadweight loss (PE, complete pass-through)"
CITATION = ("Amiti, M., Redding, S. J. & Weinstein, D. E. (2019). The Impact of the 2018 Tariffs on Prices and "
            "Welfare. Journal of Economic Perspectives 33(4): 187-210 (NBER WP 25672; CEPR DP 13564).")
FILES = [
    "us_china_tariffs/us_tariffs_on_china_hs6_timeseries_waugh.csv",
    "us_china_trade/us_imports_from_china_hs2_monthly_2013_2020_census.csv",
    "us_china_trade/us_imports_world_hs2_monthly_2013_2020_census.csv",
    "elasticities/hauk_2012_us_import_demand_elasticities_hs6_1978_2001.csv",
    "elasticities/broda_weinstein_2006_us_hts10_sigma_1990_2001.csv",
]

PUBLISHED = {"added_tax_usd_bn_per_month_end_2018": 3.0, "deadweight_loss_usd_bn_per_month_end_2018": 1.4}
"""Amiti, Redding & Weinstein (2019): by the end of 2018, all 2018 US tariffs cost US consumers and
importers about $3 billion a month in added tax and $1.4 billion a month in deadweight loss."""

MODES = ("china_and_others", "china_only")
"""``--mode`` chooses ``partners``: China and everyone else as sources (default), or China only."""

MONTHS = [f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13)]
SIGMA_CLIP = (1.0, 20.0)
SIGMA_DEFAULT = 1.5
"""SMART's substitution elasticity, for products without a Broda–Weinstein estimate at any level."""


def _num(value: Any) -> float:
    """A table cell as a float (pandas' scalar types are a wide union)."""
    return float(value)


# ---------------------------------------------------------------------- inputs
def tariff_schedule(path: Path) -> pd.DataFrame:
    """Waugh's series as a wide table: one row per HS6, one column per action date, fractions."""
    frame = read_table(path, ["hs6", "time_of_tariff", "tariff"], text_columns=("hs6",))
    frame["hs6"] = frame["hs6"].str.strip().str.zfill(6)
    wide = frame.pivot_table(index="hs6", columns="time_of_tariff", values="tariff", aggfunc="first")
    wide.columns = [pd.Timestamp(c).date() for c in wide.columns]
    wide = wide.sort_index(axis=1)
    # A handful of lines have no ad-valorem MFN rate (specific duties only): count them as 0.
    return wide.ffill(axis=1).fillna(0.0) / 100.0


def monthly_tariffs(schedule: pd.DataFrame, month: str) -> pd.Series:
    """Tariff of every HS6 in ``month``: the levels in force, weighted by the days they were in force."""
    year, mon = (int(x) for x in month.split("-"))
    days = calendar.monthrange(year, mon)[1]
    dates: list[Date] = [pd.Timestamp(c).date() for c in schedule.columns]
    total = pd.Series(0.0, index=schedule.index)
    for day in range(1, days + 1):
        today = Date(year, mon, day)
        in_force = [d for d in dates if d <= today]
        total += schedule.iloc[:, dates.index(in_force[-1] if in_force else dates[0])]
    return total / days


def census_imports(data_dir: Path) -> pd.DataFrame:
    """Imports from China and from everyone else by HS2 chapter and month, USD."""
    needed = ["CON_VAL_MO", "I_COMMODITY", "time"]
    china = read_input(data_dir, FILES[1], needed, text_columns=("I_COMMODITY",))
    world = read_input(data_dir, FILES[2], needed, text_columns=("I_COMMODITY",))
    china = china.rename(columns={"I_COMMODITY": "chapter", "CON_VAL_MO": "china", "CAL_DUT_MO": "china_duties"})
    world = world.rename(columns={"I_COMMODITY": "chapter", "CON_VAL_MO": "world"})
    merged = world[["chapter", "time", "world"]].merge(china[["chapter", "time", "china", "china_duties"]],
                                                      on=["chapter", "time"], how="left").fillna(0.0)
    merged["others"] = (merged["world"] - merged["china"]).clip(lower=0.0)
    return merged


def elasticities(data_dir: Path, products: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Import-demand (Hauk) and substitution (Broda–Weinstein) elasticities per HS6 product."""
    hauk = read_hauk_import_demand(data_file(data_dir, FILES[3]))
    eta_default = float(hauk.table["value"].median())
    eta = assign(products, hauk, default=eta_default)
    eta["fallback"] = eta["fallback"].str.replace(f"default {eta_default:g}", f"default {eta_default:g} (median of "
                                                  "all Hauk estimates)", regex=False)
    bw = read_broda_weinstein_hts10(data_file(data_dir, FILES[4]))
    sigma = assign(products, bw, default=SIGMA_DEFAULT, clip=SIGMA_CLIP)
    return eta, sigma


def month_inputs(imports: pd.DataFrame, schedule: pd.DataFrame, month: str, partners: str
                 ) -> tuple[ProductTrade, pd.DataFrame]:
    """Baseline (same calendar month of 2017, split equally across a chapter's HS6 lines) and new tariffs."""
    base_month = "2017-" + month[5:]
    base = imports.loc[imports["time"] == base_month]
    if base.empty:
        raise DataError(f"no Census imports for {base_month}", file=FILES[1])
    lines = pd.DataFrame({"hs6": schedule.index, "chapter": schedule.index.str[:2]})
    per_chapter = lines.groupby("chapter")["hs6"].transform("size")
    t0 = schedule.iloc[:, 0]
    t1 = monthly_tariffs(schedule, month)
    rows = []
    sources = [("CHN", "china")] + ([("ROW", "others")] if partners == "china_and_others" else [])
    for exporter, column in sources:
        values = lines.merge(base[["chapter", column]], on="chapter", how="left")[column].fillna(0.0)
        rows.append(pd.DataFrame({"importer": "USA", "exporter": exporter, "product": lines["hs6"].to_numpy(),
                                  "value_usd": (values / per_chapter).to_numpy(),
                                  "tariff": t0.to_numpy(),
                                  "tariff_new": (t1 if exporter == "CHN" else t0).to_numpy()}))
        # Chapters without HS6 lines in the tariff series (30 pharmaceuticals, 98, 99): no tariff change.
        rest = base.loc[~base["chapter"].isin(lines["chapter"])]
        rows.append(pd.DataFrame({"importer": "USA", "exporter": exporter, "product": rest["chapter"].to_numpy(),
                                  "value_usd": rest[column].to_numpy(), "tariff": 0.0, "tariff_new": 0.0}))
    frame = pd.concat(rows, ignore_index=True)
    frame = frame.loc[frame["value_usd"] > 0]
    trade = ProductTrade.from_frame(frame, year=2017, name=f"US imports, {base_month}, HS6 split equally in HS2",
                                    sources={"imports": f"{FILES[1]}; {FILES[2]}", "tariffs": FILES[0]})
    return trade, frame[["importer", "exporter", "product", "tariff_new"]]


def run(data_dir: Path, out_dir: Path, *, partners: str = "china_and_others", mode: str | None = None
        ) -> Replication:
    """Write ``monthly.csv``, ``comparison.csv``, ``elasticities.csv`` and ``run.json`` into ``out_dir``.

    Parameters
    ----------
    partners
        ``"china_and_others"`` (default: China and the rest of the world as sources, so
        buyers substitute away from China) or ``"china_only"``.
    mode
        The command line's ``--mode``: a synonym of ``partners``.
    """
    partners = str(choose_mode(NAME, MODES, partners if mode is None else mode))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    schedule = tariff_schedule(data_file(data_dir, FILES[0]))
    imports = census_imports(data_dir)
    products = sorted(set(schedule.index) | set(imports["chapter"]))
    eta, sigma = elasticities(data_dir, products)
    eta_series = eta.set_index("product")["elasticity"].rename_axis("product")
    sigma_series = sigma.set_index("product")["elasticity"].rename_axis("product")

    def solve_month(month: str, parts: str) -> dict[str, float]:
        trade, new = month_inputs(imports, schedule, month, parts)
        keep = pd.Index(trade.products)
        result = simulate_pe(trade, new, SmartSettings(import_demand_elasticity=eta_series.loc[keep],
                                                       substitution_elasticity=sigma_series.loc[keep],
                                                       form="exact"))
        rows = result.products
        china = rows["exporter"] == "CHN"
        added = float(((rows["tariff_cf_pct"] - rows["tariff_base_pct"]) / 100.0 * rows["imports_cf_usd"])[china]
                      .sum())
        totals = result.totals.iloc[0]
        return {
            "added_tax": added,
            "deadweight_loss": float(totals["deadweight_loss_usd"]),
            "revenue_change": float(totals["tariff_revenue_change_usd"]),
            "consumer_surplus_change": float(totals["consumer_surplus_change_usd"]),
            "china_base": float(rows.loc[china, "imports_base_usd"].sum()),
            "china_cf": float(rows.loc[china, "imports_cf_usd"].sum()),
            "china_tariff_cf": float((rows["tariff_cf_pct"] / 100.0 * rows["imports_cf_usd"])[china].sum()),
            "avg_added_tariff": float((((rows["tariff_cf_pct"] - rows["tariff_base_pct"]) / 100.0
                                        * rows["imports_base_usd"])[china]).sum()
                                      / max(rows.loc[china, "imports_base_usd"].sum(), 1.0)),
        }

    rows: list[dict[str, Any]] = []
    for month in MONTHS:
        main = solve_month(month, partners)
        alt = solve_month(month, "china_only" if partners == "china_and_others" else "china_and_others")
        observed = imports.loc[imports["time"] == month]
        base_obs = imports.loc[imports["time"] == "2017-" + month[5:]]
        duty_rate_2017 = float(base_obs["china_duties"].sum() / base_obs["china"].sum())
        rows.append({
            "month": month,
            "tariff_revenue_usd_bn": main["added_tax"] / 1e9,
            "deadweight_loss_usd_bn": main["deadweight_loss"] / 1e9,
            "tariff_revenue_change_usd_bn": main["revenue_change"] / 1e9,
            "consumer_surplus_change_usd_bn": main["consumer_surplus_change"] / 1e9,
            "added_tariff_on_china_pct": 100.0 * main["avg_added_tariff"],
            "imports_from_china_base_usd_bn": main["china_base"] / 1e9,
            "imports_from_china_model_usd_bn": main["china_cf"] / 1e9,
            "imports_from_china_observed_usd_bn": float(observed["china"].sum()) / 1e9,
            "duties_on_china_model_usd_bn": main["china_tariff_cf"] / 1e9,
            "duties_on_china_observed_usd_bn": float(observed["china_duties"].sum()) / 1e9,
            "added_duties_observed_usd_bn": (float(observed["china_duties"].sum())
                                             - duty_rate_2017 * float(observed["china"].sum())) / 1e9,
            f"deadweight_loss_{'china_only' if partners == 'china_and_others' else 'china_and_others'}_usd_bn":
                alt["deadweight_loss"] / 1e9,
        })
    table = pd.DataFrame(rows)
    table[["month", "tariff_revenue_usd_bn", "deadweight_loss_usd_bn"]].to_csv(out_dir / "monthly.csv", index=False,
                                                                             float_format="%.6f")
    table.to_csv(out_dir / "monthly_detail.csv", index=False, float_format="%.12g")
    pd.concat([eta.assign(parameter="import_demand"), sigma.assign(parameter="substitution")]).to_csv(
        out_dir / "elasticities.csv", index=False)
    dec = table.set_index("month").loc["2018-12"]
    comparison = pd.DataFrame([
        {"quantity": "added tax, USD bn a month, December 2018",
         "published": PUBLISHED["added_tax_usd_bn_per_month_end_2018"],
         "tariffsim": _num(dec["tariff_revenue_usd_bn"]),
         "observed_census": _num(dec["added_duties_observed_usd_bn"]),
         "note": "published: all 2018 US tariffs; here Section 301 on China only; observed: Census calculated "
                 "duties on Chinese goods minus the 2017 duty rate on the month's imports"},
        {"quantity": "deadweight loss, USD bn a month, December 2018",
         "published": PUBLISHED["deadweight_loss_usd_bn_per_month_end_2018"],
         "tariffsim": _num(dec["deadweight_loss_usd_bn"]), "observed_census": np.nan,
         "note": "published: from observed import declines, all 2018 tariffs; here China-only Section 301, "
                 "elasticities from Hauk and Broda-Weinstein"},
    ])
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.12g")
    eta_levels = eta["level"].value_counts().sort_index(ascending=False).to_dict()
    sigma_levels = sigma["level"].value_counts().sort_index(ascending=False).to_dict()
    record = {
        "reproduction": NAME, "citation": CITATION, "partners": partners, "form": "exact",
        "pass_through": "complete (infinite export supply elasticity)",
        "weights_within_chapter": "equal across the chapter's HS6 lines (no HS6 trade weights in the data)",
        "elasticities": {"import_demand": {"source": eta["source"].iloc[0], "products_by_level": eta_levels},
                         "substitution": {"source": sigma["source"].iloc[0], "products_by_level": sigma_levels,
                                          "clip": SIGMA_CLIP}},
        "published": PUBLISHED,
        "columns": {"tariff_revenue_usd_bn": "added tax: sum over imports from China of (new - baseline tariff) "
                                             "x counterfactual imports, USD bn a month",
                    "deadweight_loss_usd_bn": "US deadweight loss, -(change in consumer surplus + change in tariff "
                                              "revenue), USD bn a month (complete pass-through)"},
    }
    (out_dir / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    notes = [
        f"December 2018: added tax {dec['tariff_revenue_usd_bn']:.2f} bn (ARW: ~3.0 bn, all 2018 tariffs; Census "
        f"added duties on China {dec['added_duties_observed_usd_bn']:.2f} bn), deadweight loss "
        f"{dec['deadweight_loss_usd_bn']:.2f} bn (ARW: 1.4 bn)",
    ]
    files = [out_dir / n for n in ("monthly.csv", "monthly_detail.csv", "comparison.csv", "elasticities.csv",
                                   "run.json")]
    return Replication(name=NAME, files=files, comparison=comparison, notes=notes)
