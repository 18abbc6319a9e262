"""What a report shows: sections of sentences, charts and tables, built from a run's tables.

This module decides the content once; :mod:`tariffsim.report.html` draws it with
plotly and :mod:`tariffsim.report.static` with matplotlib. Everything here is read
from the run's tables (percent changes, levels and tariffs are the model's); the
only derived quantities are for display: a bilateral balance (exports − imports,
from the bilateral table), unit changes (USD millions → billions), differences
between two runs (percentage points), and orderings.

Conventions on the page: every change is a percent change from the baseline,
100·(counterfactual/baseline − 1) (:data:`SIGN_CONVENTION`); every value axis says
its unit; colours come from the Okabe–Ito palette, which readers with the common
colour-vision deficiencies can tell apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from tariffsim.report.run import RunData, date_label

BILATERAL_BALANCE = "bilateral_balance_cf:"
"""Quantile rows of a country's counterfactual balance with a partner: column ``bilateral_balance_cf:PARTNER``."""

__all__ = [
    "OKABE_ITO",
    "SERIES_COLOURS",
    "GAIN",
    "LOSS",
    "BASELINE",
    "DIVERGING",
    "SIGN_CONVENTION",
    "Chart",
    "Table",
    "Section",
    "report_sections",
    "comparison_sections",
    "comparison_table",
    "headline",
    "focus_pair",
    "signed_pct",
    "usd_bn",
    "elasticity_words",
    "sensitivity_sentence",
    "band",
    "has_bands",
]

OKABE_ITO: Mapping[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
"""Okabe & Ito (2008), 'Color Universal Design': eight colours distinguishable with colour-vision deficiencies."""

SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
"""Colours of series in order (Okabe–Ito, yellow last: weakest on white)."""

GAIN, LOSS, BASELINE = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#999999"
"""Bars above zero, below zero, and baseline levels beside counterfactual ones."""

DIVERGING = ((0.0, OKABE_ITO["vermillion"]), (0.5, "#F7F7F7"), (1.0, OKABE_ITO["blue"]))
"""Heat-map scale: vermillion below zero, blue above, near-white at zero."""

SIGN_CONVENTION = ("Sign convention: every change on this page is a percent change from the baseline, "
                   "100 × (counterfactual ÷ baseline − 1); a negative number means lower than in the baseline. "
                   "Balances are exports minus imports (negative: a deficit), in US dollars at pre-tariff prices.")
"""The one sentence, shown once on every report, that says how to read every sign."""

MINUS = "\u2212"
TARIFF_AXIS = "Average tariff (%)"
"""Tariff axes: trade-weighted averages over sectors (the weights are said in each chart's title or caption)."""
MAX_SERIES = 8
"""At most this many lines or bar series per chart (one per colour of the palette)."""
MAX_MATRIX = 20
"""Matrices larger than this many countries are shown as lists of their largest changes."""
MAX_ROWS = 40

ChartKind = Literal["bar", "grouped_bar", "heatmap", "step"]


# ---------------------------------------------------------------------- records
@dataclass(frozen=True, eq=False)
class Chart:
    """One chart, described independently of the plotting library.

    Attributes
    ----------
    key
        Identifier: the chart's element id on the page and its file name when exported.
    title
        Title shown above the chart.
    kind
        ``bar`` (columns ``x``, ``y``, optional ``series`` for colour), ``grouped_bar``
        (``x``, ``series``, ``y``), ``heatmap`` (``row``, ``column``, ``value``) or
        ``step`` (``x`` dates, ``series``, ``y``; a value holds until the next date).
    data
        Long table with the columns the kind needs.
    x_label, y_label
        Axis titles, with units on value axes.
    value_label
        Heat maps: title of the colour bar, with its unit.
    caption
        One or two sentences under the chart.
    horizontal
        Bars drawn horizontally (categories on the y axis).
    colour_by_sign
        Bars coloured :data:`GAIN` above zero and :data:`LOSS` below.
    series_colours
        Series name → colour, for series with a fixed meaning (baseline grey).
    band_label
        What optional ``low``, ``mid``, ``high`` columns of ``data`` are (quantiles over
        parameter draws, read from the run's quantile table): whiskers on bars (at ``mid``
        for a ``bar`` chart, on the row's own bar for ``grouped_bar``) and a shaded band
        around each line of a ``step`` chart (a fan chart).
    """

    key: str
    title: str
    kind: ChartKind
    data: pd.DataFrame
    x_label: str
    y_label: str
    value_label: str = ""
    caption: str = ""
    horizontal: bool = False
    colour_by_sign: bool = False
    series_colours: Mapping[str, str] = field(default_factory=dict)
    band_label: str = ""

    @property
    def value_axis_label(self) -> str:
        """The label that carries the unit: colour bar, x (horizontal bars) or y."""
        if self.kind == "heatmap":
            return self.value_label
        return self.x_label if self.horizontal else self.y_label

    def colours(self) -> dict[str, str]:
        """Series name → colour, in order of first appearance."""
        if "series" not in self.data:
            return {}
        names = list(dict.fromkeys(self.data["series"]))
        free = iter(c for c in SERIES_COLOURS if c not in self.series_colours.values())
        return {name: self.series_colours.get(name) or next(free, BASELINE) for name in names}


@dataclass(frozen=True, eq=False)
class Table:
    """A table shown as plain HTML (readable without JavaScript).

    Attributes
    ----------
    caption
        What the table holds, with units.
    frame
        Display columns, named with their units.
    digits
        Decimals per numeric column (default 2).
    """

    caption: str
    frame: pd.DataFrame
    digits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Section:
    """A part of the report: heading, paragraphs, charts, tables and folded text blocks."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    details: tuple[tuple[str, str], ...] = ()
    bullets: tuple[str, ...] = ()


# ---------------------------------------------------------------------- numbers in words
def signed_pct(value: float, digits: int | None = None) -> str:
    """``+0.19%`` or ``−0.034%`` (three decimals below 0.1 in size); ``–`` for NaN."""
    if value is None or not math.isfinite(value):
        return "–"
    if digits is None:
        digits = 2 if abs(value) >= 0.1 else 3
    text = f"{abs(value):,.{digits}f}%"
    if float(text.rstrip("%").replace(",", "")) == 0.0:
        return text
    return ("+" if value > 0 else MINUS) + text


def usd_bn(value_usd_m: float, signed: bool = False) -> str:
    """USD millions as ``$375.2 bn`` (``−$52.3 bn`` / ``+$1.0 bn`` when ``signed``)."""
    if not math.isfinite(value_usd_m):
        return "–"
    text = f"${abs(value_usd_m) / 1e3:,.1f} bn"
    if signed:
        return ("+" if value_usd_m >= 0 else MINUS) + text
    return (MINUS if value_usd_m < 0 else "") + text


# ---------------------------------------------------------------------- reading helpers
def focus_pair(run: RunData, date: str | None = None) -> tuple[str, str] | None:
    """The (imposer, target) pair the headline is about, or ``None`` without tariff changes.

    The pair whose tariffs the scenario moved with the largest baseline trade (from the
    ``tariffs`` table); without that table, the pair with the largest tariff change
    weighted by its baseline flow (from the bilateral tables).
    """
    countries = set(run.countries)
    tariffs = run.table("tariffs", date)
    if len(tariffs) and {"imposer", "target", "sector"} <= set(tariffs.columns):
        total = tariffs[(tariffs["sector"] == "all") & tariffs["imposer"].isin(countries)
                        & tariffs["target"].isin(countries)]
        moved = total[(total["tariff_after_pct"] - total["tariff_before_pct"]).abs() > 1e-9]
        if len(moved):
            row = moved.sort_values("trade_usd_m", ascending=False, kind="stable").iloc[0]
            return str(row["imposer"]), str(row["target"])
    detail = run.table("bilateral_sectors", date)
    if not len(detail):
        detail = run.table("bilateral", date)
    inter = detail[detail["exporter"] != detail["importer"]]
    change = (inter["tariff_cf_pct"] - inter["tariff_base_pct"]).abs()
    if not (change > 1e-9).any():
        return None
    weight = (change * inter["flow_base"]).groupby([inter["importer"], inter["exporter"]], sort=False).sum()
    top = weight.sort_values(ascending=False, kind="stable").index[0]
    return str(top[0]), str(top[1])


def _country_value(run: RunData, date: str, country: str, column: str) -> float:
    frame = run.table("countries", date)
    return float(frame.loc[frame["country"] == country, column].iloc[0])


def _flow(bilateral: pd.DataFrame, exporter: str, importer: str, column: str) -> float:
    rows = bilateral[(bilateral["exporter"] == exporter) & (bilateral["importer"] == importer)]
    return float(rows[column].sum()) if len(rows) else float("nan")


def bilateral_balances(run: RunData, date: str, country: str) -> pd.DataFrame:
    """``country``'s exports to, imports from and balance with each partner, baseline and
    counterfactual, USD millions (from the bilateral table; balance = exports − imports)."""
    bilateral = run.table("bilateral", date)
    exports = bilateral[(bilateral["exporter"] == country) & (bilateral["importer"] != country)]
    imports = bilateral[(bilateral["importer"] == country) & (bilateral["exporter"] != country)]
    out = pd.DataFrame({"partner": exports["importer"].to_numpy()})
    exp = exports.set_index("importer")
    imp = imports.set_index("exporter")
    for level in ("base", "cf"):
        out[f"exports_{level}"] = exp.loc[out["partner"], f"flow_{level}"].to_numpy()
        out[f"imports_{level}"] = imp.reindex(out["partner"])[f"flow_{level}"].to_numpy()
        out[f"balance_{level}"] = out[f"exports_{level}"] - out[f"imports_{level}"]
    return out


def _pair_tariffs(run: RunData, date: str) -> pd.DataFrame:
    """Trade-weighted average tariffs by (imposer, target) over all sectors: ``pair, imposer, target,
    trade_usd_m, before, after`` in percent; from the ``tariffs`` table, else the bilateral table."""
    tariffs = run.table("tariffs", date)
    if len(tariffs) and "sector" in tariffs:
        total = tariffs[tariffs["sector"] == "all"]
        out = pd.DataFrame({"imposer": total["imposer"], "target": total["target"],
                            "trade_usd_m": total["trade_usd_m"], "before": total["tariff_before_pct"],
                            "after": total["tariff_after_pct"]})
    else:
        bilateral = run.table("bilateral", date)
        inter = bilateral[(bilateral["exporter"] != bilateral["importer"])
                          & ((bilateral["tariff_cf_pct"] - bilateral["tariff_base_pct"]).abs() > 1e-9)]
        out = pd.DataFrame({"imposer": inter["importer"], "target": inter["exporter"],
                            "trade_usd_m": inter["flow_base"], "before": inter["tariff_base_pct"],
                            "after": inter["tariff_cf_pct"]})
    out.insert(0, "pair", [f"{a} on {b}" for a, b in zip(out["imposer"], out["target"], strict=True)])
    return out.sort_values("trade_usd_m", ascending=False, kind="stable").reset_index(drop=True)


def _summary(run: RunData) -> tuple[str, str, str]:
    """(scenario name, baseline in words, model in words) from the last run record."""
    record = run.record()
    base = record.get("baseline") or {}
    model = record.get("model") or {}
    baseline = f"{base.get('name') or 'baseline'}" + (f" ({base['year']})" if base.get("year") else "")
    if base.get("countries"):
        baseline += f", {base['countries']} countries × {base.get('sectors', '?')} sectors"
    words = ", ".join(f"{k} {v}" for k, v in model.items() if k != "name")
    return run.name, baseline, f"{model.get('name', '?')}" + (f" ({words})" if words else "")


# ---------------------------------------------------------------------- headline
def headline(run: RunData, date: str | None = None) -> list[str]:
    """Plain-words summary: real income of the pair in conflict, their bilateral balance,
    trade and tariffs between them, and who gains and loses most."""
    when = run.check_date(date)
    countries = run.table("countries", when)
    out: list[str] = []
    pair = focus_pair(run, when) or focus_pair(run)
    if pair is not None:
        a, b = pair
        ra = _country_value(run, when, a, "real_income_pct")
        rb = _country_value(run, when, b, "real_income_pct")
        out.append(f"{a} real income {signed_pct(ra)}; {b} real income {signed_pct(rb)}.")
        bilateral = run.table("bilateral", when)
        base = _flow(bilateral, a, b, "flow_base") - _flow(bilateral, b, a, "flow_base")
        cf = _flow(bilateral, a, b, "flow_cf") - _flow(bilateral, b, a, "flow_cf")
        out.append(_balance_sentence(a, b, base, cf))
        imports_a = _flow(bilateral, b, a, "flow_pct")
        imports_b = _flow(bilateral, a, b, "flow_pct")
        out.append(f"Trade: {a}'s imports from {b} {signed_pct(imports_a)}; {b}'s imports from {a} "
                   f"{signed_pct(imports_b)} (pre-tariff value).")
        tariffs = _pair_tariffs(run, when).set_index("pair")
        parts = []
        for imposer, target in ((a, b), (b, a)):
            key = f"{imposer} on {target}"
            if key in tariffs.index:
                row = tariffs.loc[key]
                parts.append(f"{imposer} on imports from {target} {row['before']:.1f}% → {row['after']:.1f}%")
        if parts:  # every sector the World trades, services included where it trades them (at their tariffs)
            out.append("Trade-weighted average tariffs over all sectors: " + "; ".join(parts) + ".")
    if len(countries):
        ranked = countries.sort_values("welfare_pct", kind="stable")
        low, high = ranked.iloc[0], ranked.iloc[-1]
        if low["welfare_pct"] < 0 or high["welfare_pct"] > 0:
            out.append(f"Welfare: largest loss {low['country']} ({signed_pct(low['welfare_pct'])}), largest gain "
                       f"{high['country']} ({signed_pct(high['welfare_pct'])}).")
        else:
            out.append("Welfare is unchanged in every country.")
    if len(run.dates) > 1:
        out.append(f"Figures on {date_label(when)}, evaluation date {run.dates.index(when) + 1} of "
                   f"{len(run.dates)}; the timeline shows every date.")
    return out


def _balance_sentence(a: str, b: str, base: float, cf: float) -> str:
    """``a``'s bilateral balance with ``b`` in words: the change and both levels, each named once.

    ``base`` and ``cf`` are exports minus imports (USD millions); a deficit or surplus is
    written as a positive amount and the verb carries the direction ("narrows by $165.5 bn,
    from $375.2 bn to $209.7 bn"), so that no number is a change and a level at once.
    """
    what = f"(exports to {b} minus imports from {b}, at pre-tariff prices)"
    if not (math.isfinite(base) and math.isfinite(cf)):
        return f"{a}'s bilateral balance with {b} is not in the bilateral table."
    change = abs(cf - base)
    if usd_bn(change) == usd_bn(0.0):  # no change at the precision shown
        level = "balanced" if usd_bn(abs(base)) == usd_bn(0.0) else (
            f"a deficit of {usd_bn(-base)}" if base < 0 else f"a surplus of {usd_bn(base)}")
        return f"{a}'s bilateral trade with {b} stays at {level} {what}."
    if base < 0 and cf < 0:
        verb = "narrows" if cf > base else "widens"
        return (f"{a}'s bilateral deficit with {b} {verb} by {usd_bn(change)}, from {usd_bn(-base)} to "
                f"{usd_bn(-cf)} {what}.")
    if base > 0 and cf > 0:
        verb = "grows" if cf > base else "shrinks"
        return (f"{a}'s bilateral surplus with {b} {verb} by {usd_bn(change)}, from {usd_bn(base)} to "
                f"{usd_bn(cf)} {what}.")
    start = ("balanced" if base == 0 else f"a deficit of {usd_bn(-base)}" if base < 0 else
             f"a surplus of {usd_bn(base)}")
    end = "balanced" if cf == 0 else f"a deficit of {usd_bn(-cf)}" if cf < 0 else f"a surplus of {usd_bn(cf)}"
    return (f"{a}'s bilateral trade with {b} goes from {start} to {end}, a swing of {usd_bn(change)} towards "
            f"{'surplus' if cf > base else 'deficit'} {what}.")


# ---------------------------------------------------------------------- assumptions
IMPUTED = re.compile(r"imput|assum|\bRAS\b|fitted|predicted|purged|equal split|split equally", re.IGNORECASE)
"""Words by which a World's source notes say that a figure is not observed data."""

NUMERAIRE_WORDS: Mapping[str, str] = {
    "world_output": "world output: counterfactual prices are scaled so that world GDP keeps its baseline value",
    "wage": "{country}'s factory-gate price (its wage), held at its baseline level",
    "price_index": "{country}'s consumer price index, held at its baseline level",
}
"""The numeraire kinds of the run record (``model.numeraire``, e.g. ``wage:USA``) in words."""

CLOSURE_WORDS: Mapping[str, str] = {
    "fixed_level": "each country's trade deficit is held fixed in units of world output (at its baseline dollar "
                   "value when world output is the numeraire), so real outcomes do not depend on the numeraire",
    "fixed_ratio": "each country's spending net of tariff revenue stays proportional to its output",
    "balanced": "deficits are first removed (the baseline becomes a world of balanced trade), then the shock "
                "is applied",
}
"""The closures of the run record (``model.closure``) in words; docs/models.md defines them."""

NOMINAL = ("counterfactual trade balances, tariff revenue, exports, imports, bilateral flows and output (USD "
           "columns), and the percent changes of prices, exports, imports, flows and output")
"""The report's nominal figures: what depends on the unit money is measured in."""


def numeraire_words(spec: str) -> str:
    """``world_output``, ``wage:USA`` or ``price_index:DEU`` in words (an unknown spec as written)."""
    kind, _, country = str(spec).partition(":")
    template = NUMERAIRE_WORDS.get(kind.strip())
    return template.format(country=country.strip()) if template else str(spec)


def imputed_sources(record: Mapping[str, Any]) -> dict[str, str]:
    """The baseline World's source notes that say a figure is imputed, assumed or modelled (field → note)."""
    sources = (record.get("baseline") or {}).get("sources") or {}
    return {str(k): str(v) for k, v in sources.items() if IMPUTED.search(str(v))}


def assumption_bullets(run: RunData) -> list[str]:
    """What a reader must know before trusting the figures: imputed baseline data, the unit of nominal
    values (the numeraire), real outcomes and the closure — read from the run record."""
    record = run.record()
    model = record.get("model") or {}
    base = record.get("baseline") or {}
    year = f" of {base['year']}" if base.get("year") else ""
    imputed = imputed_sources(record)
    name = base.get("name") or "baseline"
    if imputed:
        out = [f"The baseline World ({name}) holds imputed or modelled figures, not only observed data: "
               f"{', '.join(imputed)}. Its source notes, in full:"]
        out += [f"{field}: {note.rstrip('.')}." for field, note in imputed.items()]
    else:
        out = [f"The baseline World ({name}) declares no imputed figures in its sources (listed under 'Solver "
               "diagnostics and inputs')."]
    numeraire = model.get("numeraire")
    unit = (f"Nominal values — {NOMINAL} — are in units of the numeraire, {numeraire_words(str(numeraire))}; "
            f"baseline money values are USD millions{year} at pre-tariff prices, shown as USD bn."
            if numeraire else
            f"Nominal values — {NOMINAL} — are in the model's own units (the run record names no numeraire); "
            f"baseline money values are USD millions{year}, shown as USD bn.")
    out.append(unit)
    out.append("Real outcomes — welfare, real income and real GDP — are deflated by the consumer price index and "
               "carry no money unit.")
    closure = model.get("closure")
    if closure:
        words = CLOSURE_WORDS.get(str(closure))
        out.append(f"Trade imbalances: closure {closure}" + (f" — {words}." if words else "."))
    elasticities = elasticity_words(record)
    if elasticities:
        out.append(elasticities)
    return out


GIVEN_BY_WORDS: Mapping[str, str] = {
    "option": "chosen for this run (--elasticities, or elasticity= in Python)",
    "scenario": "chosen by the scenario's elasticities key",
    "world": "the baseline World's own",
}
"""Who chose the trade elasticities (``elasticities.given_by`` of the run record), in words."""


def elasticity_words(record: Mapping[str, Any]) -> str:
    """The trade elasticities of a run in one sentence, from its record (``elasticities``); empty for runs that
    do not record them."""
    entry = record.get("elasticities") or {}
    if not entry:
        return ""
    citation = str(entry.get("citation") or "not stated in the World's sources").rstrip(".")
    given = GIVEN_BY_WORDS.get(str(entry.get("given_by")), str(entry.get("given_by") or ""))
    spread = ""
    if all(isinstance(entry.get(k), int | float) for k in ("theta_min", "theta_median", "theta_max")):
        spread = (f"; over traded sectors θ runs from {entry['theta_min']:.2f} to {entry['theta_max']:.2f} "
                  f"(median {entry['theta_median']:.2f})")
    return (f"Trade elasticities θ (σ − 1, one per sector; how strongly trade answers tariffs): {citation} — "
            f"{given}{spread}. Another of the eight published sets (CP, BSY, FGO, U4, IS, GYY, Shap, LL) or one "
            "number can be chosen with the scenario's elasticities key or --elasticities.")


def sensitivity_sentence(run: RunData, date: str | None = None) -> str:
    """How much the headline moves across the eight published elasticity sets, in one sentence: read from the
    ``sensitivity`` entry a run asked for it records (the run solved again under each set); empty without one."""
    when = run.check_date(date)
    entry = run.records[run.dates[-1]].get("sensitivity") or {}
    rows = entry.get("rows") or []
    if not rows:
        return ""
    frame = pd.DataFrame(rows, columns=list(entry.get("columns") or []))
    if not {"set", "country", "real_income_pct"} <= set(frame.columns):
        return ""
    frame["country"] = frame["country"].astype(str)
    frame["real_income_pct"] = frame["real_income_pct"].astype(float)
    pair = focus_pair(run, when) or focus_pair(run)
    if pair is None:
        ranked = run.table("countries").set_index("country")["welfare_pct"].abs().sort_values(
            ascending=False, kind="stable")
        pair = tuple(str(c) for c in ranked.index[:2])  # type: ignore[assignment]
    parts = []
    for country in dict.fromkeys(pair or ()):
        rows_of = frame[frame["country"] == country].sort_values("real_income_pct", kind="stable")
        if rows_of.empty:
            continue
        low, high = rows_of.iloc[0], rows_of.iloc[-1]
        parts.append(f"{country}'s real income changes by between {signed_pct(float(low['real_income_pct']))} "
                     f"(set {low['set']}) and {signed_pct(float(high['real_income_pct']))} (set {high['set']})")
    if not parts:
        return ""
    sets = len(set(frame["set"]))
    on = str(entry.get("date", run.dates[-1]))
    countries = run.table("countries", on if on in run.dates else None)
    own = dict(zip(countries["country"].astype(str), countries["real_income_pct"].astype(float), strict=True))
    values = ", ".join(f"{c} {signed_pct(own[c])}" for c in dict.fromkeys(pair or ()) if c in own)
    return (f"How much the headline rests on the trade elasticities: solved again on {date_label(on)} under each of "
            f"the {sets} published sets, " + " and ".join(parts)
            + f" (this run, with {_set_words(run.records[run.dates[-1]])}: {values}).")


def _set_words(record: Mapping[str, Any]) -> str:
    """This run's elasticities in a few words: ``set BSY``, ``θ = 4 in every sector`` or the World's set."""
    entry = record.get("elasticities") or {}
    choice = entry.get("choice")
    if isinstance(choice, str) and choice != "by sector":
        return f"set {choice}"
    if isinstance(choice, int | float):
        return f"θ = {choice:g} in every sector"
    named = re.match(r"set (\w+)", str(entry.get("citation") or ""))
    return f"set {named.group(1)}, the World's own" if named else "the World's own elasticities"


def _assumptions_section(runs: Sequence[tuple[str, RunData]]) -> Section:
    bullets = [f"{label}{line}" for label, run in runs for line in assumption_bullets(run)]
    return Section("assumptions", "Assumptions", bullets=tuple(bullets))


# ---------------------------------------------------------------------- tables
MODEL_COUNTRY_COLUMNS = {
    "real_wage_pct": "real wage (%)",
    "terms_of_trade_pct": "terms of trade, contribution (%)",
    "volume_of_trade_pct": "volume of trade, contribution (%)",
    "trade_cost_pct": "trade costs, contribution (%)",
    "welfare_first_order_pct": "welfare, first order (%)",
}
"""Country columns some models add (tariffsim.results.COLUMNS), shown when a run has them."""


def _country_table(countries: pd.DataFrame) -> pd.DataFrame:
    table = _core_country_table(countries)
    for column, title in MODEL_COUNTRY_COLUMNS.items():
        if column in countries:
            table[title] = countries[column].to_numpy()
    return table


def _core_country_table(countries: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "country": countries["country"],
        "welfare (%)": countries["welfare_pct"],
        "real income (%)": countries["real_income_pct"],
        "real GDP (%)": countries["real_gdp_pct"],
        "consumer prices (%)": countries["price_index_pct"],
        "exports (%)": countries["exports_pct"],
        "imports (%)": countries["imports_pct"],
        "trade balance, baseline (USD bn)": countries["trade_balance_base"] / 1e3,
        "trade balance, counterfactual (USD bn)": countries["trade_balance_cf"] / 1e3,
        "tariff revenue, baseline (USD bn)": countries["tariff_revenue_base"] / 1e3,
        "tariff revenue, counterfactual (USD bn)": countries["tariff_revenue_cf"] / 1e3,
    })


def comparison_table(a: RunData, b: RunData, date_a: str | None = None, date_b: str | None = None,
                     names: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """Side by side, by country: welfare, real GDP, exports and imports (% change from each run's
    baseline) in runs A and B and the difference B − A (percentage points), and the counterfactual
    trade balance and tariff revenue (USD bn)."""
    ca = a.table("countries", a.check_date(date_a)).set_index("country")
    cb = b.table("countries", b.check_date(date_b)).set_index("country")
    order = list(dict.fromkeys([*ca.index, *cb.index]))
    ca, cb = ca.reindex(order), cb.reindex(order)
    na, nb = names
    out = pd.DataFrame({"country": order})
    for column, title in (("welfare_pct", "welfare"), ("real_gdp_pct", "real GDP"), ("exports_pct", "exports"),
                          ("imports_pct", "imports")):
        out[f"{title} {na} (%)"] = ca[column].to_numpy()
        out[f"{title} {nb} (%)"] = cb[column].to_numpy()
        if column == "welfare_pct":
            out[f"welfare {nb} − {na} (pp)"] = (cb[column] - ca[column]).to_numpy()
    for column, title in (("trade_balance_cf", "trade balance"), ("tariff_revenue_cf", "tariff revenue")):
        out[f"{title} {na} (USD bn)"] = ca[column].to_numpy() / 1e3
        out[f"{title} {nb} (USD bn)"] = cb[column].to_numpy() / 1e3
    return out


def _matrix_or_list(frame: pd.DataFrame, value: str, title: str, rows: str, columns: str,
                    order_rows: Sequence[str], order_columns: Sequence[str], caption: str,
                    extra: Mapping[str, str] | None = None) -> Table:
    if len(order_rows) <= MAX_MATRIX and len(order_columns) <= MAX_MATRIX:
        matrix = frame.pivot_table(index=rows, columns=columns, values=value, sort=False, dropna=False)
        matrix = matrix.reindex(index=list(order_rows), columns=list(order_columns))
        matrix.columns = [str(c) for c in matrix.columns]
        shown = matrix.reset_index().rename(columns={rows: f"{rows} \\ {columns}"})
        return Table(caption=caption, frame=shown, digits=dict.fromkeys(shown.columns[1:], 1))
    keep = frame.assign(size=frame[value].abs()).sort_values("size", ascending=False).head(MAX_ROWS)
    shown = keep[[rows, columns, *(extra or {}), value]].rename(columns={**(extra or {}), value: title})
    return Table(caption=caption + f" The {MAX_ROWS} largest changes in size.", frame=shown.reset_index(drop=True))


# ---------------------------------------------------------------------- sections of one run
def report_sections(run: RunData, date: str | None = None) -> list[Section]:
    """Every section of a run's report, in page order."""
    when = run.check_date(date)
    pair = focus_pair(run, when) or focus_pair(run)
    sections = [_summary_section(run, when), _assumptions_section([("", run)]), _welfare_section(run, when)]
    if has_bands(run):
        sections.append(_uncertainty_section(run, when))
    if len(run.dates) > 1:
        sections.append(_timeline_section(run, pair))
    sections += [_balance_section(run, when, pair), _flows_section(run, when), _sectors_section(run, when, pair),
                 _tariffs_section(run, when), _diagnostics_section(run)]
    return sections


# ---------------------------------------------------------------------- bands from parameter draws
BAND = "5th to 95th percentile"


def has_bands(run: RunData) -> bool:
    """Whether the run has a quantile table (a run over parameter draws, :mod:`tariffsim.uncertainty`)."""
    frame = run.tables.get("quantiles")
    return frame is not None and len(frame) > 0


def band(run: RunData, when: str, column: str, country: str | None = None) -> pd.DataFrame:
    """Quantiles of one result column on one date, as written by the uncertainty layer: one row per country
    (``country`` None: country totals of every country, indexed by country) or, for ``country``, one row per
    column ``column`` + partner (the bilateral balances ``bilateral_balance_cf:PARTNER``, indexed by partner).
    Columns ``mean, sd, q05, q50, q95, draws_ok, draws_failed``; empty without quantiles."""
    if not has_bands(run):
        return pd.DataFrame()
    frame = run.table("quantiles", when)
    sector = frame["sector"].fillna("").astype(str)
    totals = frame[sector == ""]
    if country is None:
        rows = totals[totals["column"] == column]
        return rows.set_index(rows["country"].astype(str))
    rows = totals[(totals["country"] == country) & totals["column"].astype(str).str.startswith(column)]
    return rows.set_index(rows["column"].astype(str).str.removeprefix(column))


def _draws_words(run: RunData) -> str:
    record = run.record().get("uncertainty") or {}
    ok, failed = record.get("draws_ok"), record.get("draws_failed")
    if ok is None:
        frame = run.table("quantiles")
        ok, failed = (int(frame["draws_ok"].iloc[0]), int(frame["draws_failed"].iloc[0])) if len(frame) else (0, 0)
    text = f"{ok} solved draws" + (f", {failed} failed" if failed else "")
    design = record.get("design_text")
    return f"{text}; {design}" if design else text


def _band_label(run: RunData) -> str:
    record = run.record().get("uncertainty") or {}
    approx = " (normal approximation)" if record.get("design") == "quadrature" else ""
    return f"Draws: median and {BAND}{approx}"


def _uncertainty_section(run: RunData, when: str) -> Section:
    record = run.record().get("uncertainty") or {}
    welfare = band(run, when, "welfare_pct")
    countries = run.table("countries", when).set_index("country")
    order = [c for c in run.countries if c in welfare.index]
    table = pd.DataFrame({
        "country": order,
        "welfare, central run (%)": countries["welfare_pct"].reindex(order).to_numpy(),
        "mean (%)": welfare["mean"].reindex(order).to_numpy(),
        "sd (pp)": welfare["sd"].reindex(order).to_numpy(),
        "5th percentile (%)": welfare["q05"].reindex(order).to_numpy(),
        "median (%)": welfare["q50"].reindex(order).to_numpy(),
        "95th percentile (%)": welfare["q95"].reindex(order).to_numpy(),
    })
    paragraphs = [f"Uncertain parameters were drawn and the scenario solved for each draw: {_draws_words(run)}. "
                  "Bars and lines show the central run (the World's parameters, the scenario as written); "
                  f"whiskers and shaded bands the {BAND} over the draws that solved (quantiles.csv in the run "
                  "folder holds them for every result column; draws.parquet every draw)."]
    if record.get("seed") is not None:
        paragraphs.append(f"Seed {record['seed']}: the same seed and design give the same draws on any executor.")
    if record.get("design") == "quadrature":
        paragraphs.append("Quadrature gives means and standard deviations; the percentiles shown are their normal "
                          "approximation (mean ∓ 1.645 sd).")
    bullets = [f"Varied: {p}" for p in record.get("parameters") or []]
    failed = int(record.get("draws_failed") or 0)
    if failed:
        bullets.append(f"{failed} draws failed (kept in draws.parquet with their parameters and diagnostics; the "
                       "statistics are over the draws that solved).")
    return Section("uncertainty", "Uncertainty over parameter draws", paragraphs=tuple(paragraphs),
                   bullets=tuple(bullets),
                   tables=(Table(f"Welfare on {date_label(when)} across draws (percent change from baseline)", table,
                                 digits=dict.fromkeys(table.columns[1:], 3)),))


def _summary_section(run: RunData, when: str) -> Section:
    name, baseline, model = _summary(run)
    dates = (f"evaluated on {date_label(run.dates[0])}" if len(run.dates) == 1 else
             f"{len(run.dates)} evaluation dates from {run.dates[0]} to {run.dates[-1]}; figures on "
             f"{date_label(when)} unless a chart says otherwise")
    sensitivity = sensitivity_sentence(run, when)
    paragraphs = (f"Scenario {name} on the baseline {baseline}; model {model}; {dates}.",
                  *((sensitivity,) if sensitivity else ()),
                  SIGN_CONVENTION + " What the figures rest on, and the unit of nominal values, is under "
                  "Assumptions.")
    return Section("summary", "Summary", bullets=tuple(headline(run, when)), paragraphs=paragraphs)


def _welfare_section(run: RunData, when: str) -> Section:
    countries = run.table("countries", when)
    data = pd.DataFrame({"x": countries["country"], "y": countries["welfare_pct"]})
    caption = ("Change in the utility of each country's consumption (real income unless preferences shift). Blue: "
               "gain; vermillion: loss.")
    bands = band(run, when, "welfare_pct")
    if len(bands):
        for name, q in (("low", "q05"), ("mid", "q50"), ("high", "q95")):
            data[name] = bands[q].reindex(data["x"].astype(str)).to_numpy()
        caption += f" Black marks and whiskers: median and {BAND} over {_draws_words(run)}."
    chart = Chart("welfare", f"Welfare by country, {date_label(when)}", "bar", data,
                  x_label="Country", y_label="Welfare (% change from baseline)", colour_by_sign=True,
                  caption=caption, band_label=_band_label(run) if len(bands) else "")
    table = Table(f"Effects by country on {date_label(when)} (percent change from baseline; balances and tariff "
                  "revenue in USD bn, counterfactual in units of the numeraire)", _country_table(countries),
                  digits={"welfare (%)": 3, "real income (%)": 3, "real GDP (%)": 3})
    return Section("welfare", "Welfare and country effects", charts=(chart,), tables=(table,))


def _timeline_section(run: RunData, pair: tuple[str, str] | None) -> Section:
    stacked = run.tables["countries"]
    last = run.table("countries").set_index("country")["welfare_pct"].abs().sort_values(ascending=False, kind="stable")
    chosen = list(dict.fromkeys([*(pair or ()), *last.index]))[:MAX_SERIES]
    shown = stacked[stacked["country"].isin(chosen)]
    welfare = Chart("welfare_timeline", "Welfare over the scenario's dates", "step",
                    pd.DataFrame({"x": shown["date"], "series": shown["country"], "y": shown["welfare_pct"]}),
                    x_label="Evaluation date", y_label="Welfare (% change from baseline)",
                    caption="Each step is the equilibrium with every action in force on that date"
                            + (f"; the {len(chosen)} countries with the largest changes on the last date."
                               if len(chosen) < len(run.countries) else "."))
    rows = []
    for d in run.dates:
        for _, r in _pair_tariffs(run, d).iterrows():
            rows.append({"date": d, "pair": r["pair"], "tariff": r["after"], "trade": r["trade_usd_m"],
                         "before": r["before"]})
    charts = [welfare]
    tables = []
    if has_bands(run):
        fan = []
        for d in run.dates:
            q = band(run, d, "welfare_pct")
            for country in chosen:
                if country in q.index:
                    fan.append({"x": d, "series": country, "y": q.at[country, "q50"], "low": q.at[country, "q05"],
                                "high": q.at[country, "q95"]})
        if fan:
            charts.append(Chart("welfare_fan", "Welfare over the scenario's dates across parameter draws", "step",
                                pd.DataFrame(fan), x_label="Evaluation date",
                                y_label="Welfare (% change from baseline)", band_label=_band_label(run),
                                caption=f"Lines: the median over the draws; shaded: the {BAND} ({_draws_words(run)})"
                                        "; each step is the equilibrium with every action in force on that date."))
            wide = pd.DataFrame(fan)
            shown = pd.DataFrame({"date": wide["x"], "country": wide["series"], "5th percentile (%)": wide["low"],
                                  "median (%)": wide["y"], "95th percentile (%)": wide["high"]})
            tables.append(Table(f"Welfare by evaluation date across draws ({BAND} and median; percent change)",
                                shown, digits=dict.fromkeys(shown.columns[2:], 3)))
    if rows:
        frame = pd.DataFrame(rows)
        biggest = frame.groupby("pair", sort=False)["trade"].max().sort_values(ascending=False)
        pairs = [str(p) for p in biggest.index[:MAX_SERIES]]
        before = frame.groupby("pair", sort=False)["before"].first()
        grid = pd.MultiIndex.from_product([list(run.dates), pairs], names=["date", "pair"])
        # a pair no action touches on a date has its baseline tariff there
        levels = frame.set_index(["date", "pair"])["tariff"].reindex(grid)
        levels = levels.fillna(pd.Series(before.reindex(grid.get_level_values("pair")).to_numpy(), index=grid))
        steps = levels.reset_index()
        charts.append(Chart("tariff_timeline", "Trade-weighted average tariffs over the scenario's dates", "step",
                            pd.DataFrame({"x": steps["date"], "series": steps["pair"], "y": steps["tariff"]}),
                            x_label="Evaluation date", y_label=TARIFF_AXIS,
                            caption="'USA on CHN' is the USA's tariff on imports from CHN, averaged over all sectors "
                                    "with baseline trade as weights; a step is a change on that date (as in PIIE's "
                                    "trade-war charts)."))
        wide = steps.pivot_table(index="date", columns="pair", values="tariff", sort=False).reindex(list(run.dates))
        wide = wide[pairs].reset_index()
        wide.columns = ["date", *[f"{p} (%)" for p in pairs]]
        tables.append(Table("Trade-weighted average tariffs by evaluation date (percent)", wide))
    pivot = stacked[stacked["country"].isin(chosen)].pivot_table(index="date", columns="country", values="welfare_pct",
                                                                sort=False)
    pivot = pivot.reindex(index=list(run.dates), columns=chosen).reset_index()
    pivot.columns = ["date", *[f"{c} (%)" for c in chosen]]
    tables.insert(0, Table("Welfare by evaluation date (percent change from baseline)", pivot,
                           digits=dict.fromkeys(pivot.columns[1:], 3)))
    return Section("timeline", "Timeline", charts=tuple(charts), tables=tuple(tables),
                   paragraphs=("The scenario evaluated on each of its dates: which actions were in force, and what "
                               "they did.",))


def _balance_section(run: RunData, when: str, pair: tuple[str, str] | None) -> Section:
    countries = run.table("countries", when)
    focus = pair[0] if pair else _largest_change(countries["country"], countries["welfare_pct"])
    balances = bilateral_balances(run, when, focus)
    parts = [
        pd.DataFrame({"x": balances["partner"], "series": "Baseline", "y": balances["balance_base"] / 1e3}),
        pd.DataFrame({"x": balances["partner"], "series": "Counterfactual", "y": balances["balance_cf"] / 1e3}),
    ]
    caption = (f"Exports minus imports of {focus} with each partner at pre-tariff prices; negative is a deficit. "
               "Counterfactual values in units of the numeraire.")
    colours = {"Baseline": BASELINE, "Counterfactual": OKABE_ITO["blue"]}
    bands = band(run, when, BILATERAL_BALANCE, focus)
    if len(bands):
        label = _band_label(run)
        partners = balances["partner"].astype(str)
        parts.append(pd.DataFrame({"x": balances["partner"], "series": label,
                                   "y": bands["q50"].reindex(partners).to_numpy() / 1e3,
                                   "low": bands["q05"].reindex(partners).to_numpy() / 1e3,
                                   "high": bands["q95"].reindex(partners).to_numpy() / 1e3}))
        colours[label] = OKABE_ITO["sky_blue"]
        caption += f" Light bars and whiskers: median and {BAND} of the counterfactual over {_draws_words(run)}."
    long = pd.concat(parts, ignore_index=True)
    chart = Chart("bilateral_balance", f"{focus}'s bilateral balance with each partner, before and after",
                  "grouped_bar", long, x_label="Partner",
                  y_label=f"{focus}'s balance (USD bn)", series_colours=colours, caption=caption)
    table = pd.DataFrame({
        "partner": balances["partner"],
        "exports, baseline (USD bn)": balances["exports_base"] / 1e3,
        "exports, counterfactual (USD bn)": balances["exports_cf"] / 1e3,
        "imports, baseline (USD bn)": balances["imports_base"] / 1e3,
        "imports, counterfactual (USD bn)": balances["imports_cf"] / 1e3,
        "balance, baseline (USD bn)": balances["balance_base"] / 1e3,
        "balance, counterfactual (USD bn)": balances["balance_cf"] / 1e3,
    })
    if len(bands):
        partners = balances["partner"].astype(str)
        for q, title in (("q05", "5th percentile"), ("q50", "median"), ("q95", "95th percentile")):
            table[f"balance, draws' {title} (USD bn)"] = bands[q].reindex(partners).to_numpy() / 1e3
    return Section("balance", "Bilateral balances", charts=(chart,),
                   tables=(Table(f"{focus}'s trade with each partner on {date_label(when)} (USD bn)", table),))


def _flows_section(run: RunData, when: str) -> Section:
    bilateral = run.table("bilateral", when)
    order = run.countries
    chart = Chart("trade_flows", f"Change in trade flows, exporter × importer, {date_label(when)}", "heatmap",
                  pd.DataFrame({"row": bilateral["exporter"], "column": bilateral["importer"],
                                "value": bilateral["flow_pct"]}),
                  x_label="Importer (destination)", y_label="Exporter (origin)",
                  value_label="Flow (% change from baseline)",
                  caption="Each cell is the change in what the row's country sells to the column's country, at "
                          "pre-tariff prices; the diagonal is domestic sales.")
    table = _matrix_or_list(bilateral, "flow_pct", "flow (% change)", "exporter", "importer", order, order,
                            f"Change in bilateral flows on {date_label(when)}, exporter (rows) × importer (columns), "
                            "percent change from baseline.")
    return Section("flows", "Trade flows", charts=(chart,), tables=(table,))


def _sectors_section(run: RunData, when: str, pair: tuple[str, str] | None) -> Section:
    sectors = run.table("sectors", when)
    order_sectors = list(dict.fromkeys(sectors["sector"]))
    chart = Chart("sector_output", f"Output by country and sector, {date_label(when)}", "heatmap",
                  pd.DataFrame({"row": sectors["country"], "column": sectors["sector"],
                                "value": sectors["sector_output_pct"]}),
                  x_label="Sector", y_label="Country", value_label="Sector output (% change from baseline)",
                  caption="Change in each sector's output (sales at pre-tariff prices, in units of the numeraire).")
    focus = list(pair) if pair else run.countries[:2]
    rows = sectors[sectors["country"].isin(focus)] if len(sectors) > MAX_ROWS else sectors
    detail = pd.DataFrame({
        "country": rows["country"], "sector": rows["sector"],
        "output (%)": rows["sector_output_pct"], "prices (%)": rows["sector_price_index_pct"],
        "exports (%)": rows["exports_pct"], "imports (%)": rows["imports_pct"],
        "output, baseline (USD bn)": rows["sector_output_base"] / 1e3,
    })
    what = "every country" if len(rows) == len(sectors) else " and ".join(focus)
    tables = [Table(f"Sector effects on {date_label(when)}, {what} (percent change from baseline)", detail)]
    if len(run.countries) > MAX_MATRIX:
        tables.insert(0, _matrix_or_list(sectors, "sector_output_pct", "output (% change)", "country", "sector",
                                         run.countries, order_sectors, "Sector output, percent change."))
    return Section("sectors", "Sector effects", charts=(chart,), tables=tuple(tables))


def _tariffs_section(run: RunData, when: str) -> Section:
    pairs = _pair_tariffs(run, when)
    charts: list[Chart] = []
    tables: list[Table] = []
    paragraphs: list[str] = []
    if len(pairs):
        top = pairs.head(MAX_SERIES * 2)
        long = pd.concat([pd.DataFrame({"x": top["pair"], "series": "Baseline", "y": top["before"]}),
                          pd.DataFrame({"x": top["pair"], "series": "Scenario", "y": top["after"]})],
                         ignore_index=True)
        charts.append(Chart("tariffs", f"Trade-weighted average tariffs, baseline and scenario, {date_label(when)}",
                            "grouped_bar", long, x_label="Imposer on target",
                            y_label=TARIFF_AXIS,
                            series_colours={"Baseline": BASELINE, "Scenario": OKABE_ITO["vermillion"]},
                            caption="'USA on CHN' is the USA's tariff on imports from CHN, over all sectors (services "
                                    "included where the World trades them)."))
        tariffs = run.table("tariffs", when)
        if len(tariffs):
            shown = pd.DataFrame({"imposer": tariffs["imposer"], "target": tariffs["target"],
                                  "sector": tariffs["sector"], "trade, baseline (USD bn)": tariffs["trade_usd_m"] / 1e3,
                                  "tariff, baseline (%)": tariffs["tariff_before_pct"],
                                  "tariff, scenario (%)": tariffs["tariff_after_pct"]})
        else:
            shown = pd.DataFrame({"imposer on target": pairs["pair"],
                                  "trade, baseline (USD bn)": pairs["trade_usd_m"] / 1e3,
                                  "tariff, baseline (%)": pairs["before"], "tariff, scenario (%)": pairs["after"]})
        tables.append(Table(f"Trade-weighted average tariffs on {date_label(when)} by imposer, target and sector "
                            "(percent; weights: baseline trade)", shown))
    else:
        paragraphs.append(f"No tariff is changed on {date_label(when)}.")
    coverage = run.table("coverage", when)
    if len(coverage) and "covered_value_usd_m" in coverage:
        first_seen = _first_seen(run)
        labels = [str(x) if x == x and str(x) else f"action {i + 1}" for i, x in enumerate(coverage["label"])]
        charts.append(Chart("coverage", f"Trade covered by each action in force, {date_label(when)}", "bar",
                            pd.DataFrame({"x": coverage["covered_value_usd_m"] / 1e3, "y": labels,
                                          "series": coverage["imposer"]}),
                            x_label="Trade covered (USD bn)", y_label="Action", horizontal=True,
                            caption="Value of baseline trade each action covers (announced, or spread by trade); a "
                                    "rate raised later covers the same goods again."))
        table = pd.DataFrame({"action": labels, "kind": coverage["kind"], "imposer": coverage["imposer"],
                              "targets": coverage["targets"]})
        if len(run.dates) > 1:
            table["in force from"] = [first_seen.get(label, "") for label in labels]
        table["rate (%)"] = coverage["rate_pct"]
        table["mode"] = coverage["mode"]
        table["how it reaches sectors"] = coverage["basis"]
        table["trade covered (USD bn)"] = coverage["covered_value_usd_m"] / 1e3
        table["sectors"] = coverage["sectors"].astype(str).str.replace(",", ", ")
        tables.insert(0, Table(f"Actions in force on {date_label(when)} and the trade they cover", table))
        lists = _list_table(coverage)
        if len(lists):
            tables.insert(1, Table(f"Section 301 lists on {date_label(when)}: trade covered in the baseline World "
                                   "beside the value announced (USTR) and the 2018 US Census value of the list's "
                                   "lines (USD bn; the World's flows can be smaller than Census's)", lists))
    return Section("tariffs", "Tariffs and coverage", charts=tuple(charts), tables=tuple(tables),
                   paragraphs=tuple(paragraphs))


def _list_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage table's Section 301 lists, summed by :func:`tariffsim.data.us_china_2018.list_coverage`."""
    from tariffsim.data.us_china_2018 import list_coverage

    lists = list_coverage(coverage)
    return pd.DataFrame({"list": lists["label"], "actions": lists["actions"],
                         "covered in the World (USD bn)": lists["covered_value_usd_m"] / 1e3,
                         "announced (USD bn)": lists["announced_usd_m"] / 1e3,
                         "2018 Census (USD bn)": lists["census_2018_usd_m"] / 1e3,
                         "covered / announced": lists["covered_to_announced"],
                         "covered / Census": lists["covered_to_census"]})


def _largest_change(labels: pd.Series, values: pd.Series) -> str:
    order = np.argsort(-np.nan_to_num(np.abs(values.to_numpy(dtype=float)), nan=-1.0), kind="stable")
    return str(labels.iloc[int(order[0])])


def _first_seen(run: RunData) -> dict[str, str]:
    frame = run.tables.get("coverage")
    if frame is None or not len(frame) or len(run.dates) < 2:
        return {}
    return {str(k): str(v) for k, v in frame.groupby("label", sort=False)["date"].first().items()}


def _diagnostics_section(run: RunData) -> Section:
    rows = []
    for d in run.dates:
        record = run.records[d]
        diag = record.get("diagnostics") or {}
        rows.append({"date": date_label(d), "converged": "yes" if diag.get("converged") else "no",
                     "method": diag.get("method", ""), "iterations": diag.get("iterations", ""),
                     "solver residual": _sci(diag.get("residual")),
                     "market-clearing residual": _sci(record.get("market_clearing_residual")),
                     "time (ms)": _number(diag.get("seconds"), 1e3),
                     "shock fingerprint": str((record.get("fingerprints") or {}).get("shock", ""))[:16],
                     "message": diag.get("message", "")})
    record = run.record()
    fingerprints = pd.DataFrame([{"input": k, "fingerprint": str(v)}
                                 for k, v in (record.get("fingerprints") or {}).items()])
    base = record.get("baseline") or {}
    sources = base.get("sources") or {}
    baseline = pd.DataFrame([{"item": k, "value": str(v)} for k, v in base.items() if k != "sources"]
                            + [{"item": f"source: {k}", "value": str(v)} for k, v in sources.items()])
    model = pd.DataFrame([{"setting": k, "value": str(v)} for k, v in (record.get("model") or {}).items()])
    tables = [Table("Solver diagnostics by evaluation date (residuals: relative market clearing)", pd.DataFrame(rows)),
              Table("Input fingerprints (SHA-256 of the baseline World and the shock; settings; version) — "
                    "the same fingerprints mean the same inputs", fingerprints),
              Table("Model settings", model), Table("Baseline World and its sources", baseline)]
    warnings = [f"{date_label(d)}: {w}" for d in run.dates for w in (run.records[d].get("warnings") or [])]
    scenario = run.scenario
    details = []
    if scenario.get("text"):
        details.append((f"Scenario file {scenario.get('file', '')}", str(scenario["text"])))
    where = f"Read from {run.source}." if run.source else ""
    if run.run_id:
        where = f"Run {run.run_id} in the runs store. " + where
    return Section("diagnostics", "Solver diagnostics and inputs", tables=tuple(tables), details=tuple(details),
                   bullets=tuple(warnings), paragraphs=tuple(p for p in (where,) if p))


def _sci(value: Any) -> str:
    return f"{float(value):.1e}" if isinstance(value, int | float) else ""


def _number(value: Any, scale: float) -> str:
    return f"{float(value) * scale:,.1f}" if isinstance(value, int | float) else ""


# ---------------------------------------------------------------------- comparison of two runs
def comparison_sections(a: RunData, b: RunData, date_a: str | None = None, date_b: str | None = None,
                        names: tuple[str, str] = ("A", "B")) -> list[Section]:
    """Sections of the report comparing runs ``a`` and ``b`` (each on its last date by default)."""
    wa, wb = a.check_date(date_a), b.check_date(date_b)
    na, nb = names
    label_a, label_b = f"{na}: {a.name}", f"{nb}: {b.name}"
    colours = {label_a: OKABE_ITO["blue"], label_b: OKABE_ITO["orange"], "Baseline": BASELINE}
    settings = _settings_table(a, b, wa, wb, names)
    differ = settings[settings["same"] == "differs"]["setting"].tolist()
    paragraphs = [f"{label_a} ({_origin(a)}, on {date_label(wa)}) beside {label_b} ({_origin(b)}, on "
                  f"{date_label(wb)}). Differences are {nb} − {na} in percentage points (pp).",
                  SIGN_CONVENTION]
    if "baseline World" in differ:
        paragraphs.append("The two runs start from different baselines: each change is measured from its own run's "
                          "baseline.")
    bullets = [f"{na}: " + " ".join(headline(a, wa)), f"{nb}: " + " ".join(headline(b, wb))]
    summary = Section("summary", "Summary", paragraphs=tuple(paragraphs), bullets=tuple(bullets),
                      tables=(Table("What differs between the runs", settings),))
    side = comparison_table(a, b, wa, wb, names)
    welfare = pd.concat([pd.DataFrame({"x": side["country"], "series": label_a, "y": side[f"welfare {na} (%)"]}),
                         pd.DataFrame({"x": side["country"], "series": label_b, "y": side[f"welfare {nb} (%)"]})],
                        ignore_index=True)
    welfare_section = Section(
        "welfare", "Welfare and country effects",
        charts=(Chart("welfare_compare", "Welfare by country in both runs", "grouped_bar", welfare,
                      x_label="Country", y_label="Welfare (% change from baseline)", series_colours=colours),),
        tables=(Table("Side by side by country (percent change from baseline; difference in percentage points; "
                      "counterfactual balances and tariff revenue in USD bn)", side,
                      digits={c: 3 for c in side.columns if "welfare" in c}),))
    sections = [summary, _assumptions_section([(f"{na}: ", a), (f"{nb}: ", b)]), welfare_section]
    pair = focus_pair(a, wa) or focus_pair(b, wb)
    focus = pair[0] if pair else _largest_change(side["country"], side[f"welfare {na} (%)"])
    ba, bb = bilateral_balances(a, wa, focus), bilateral_balances(b, wb, focus)
    partners = list(ba["partner"])
    bb = bb.set_index("partner").reindex(partners)
    long = pd.concat([pd.DataFrame({"x": partners, "series": "Baseline", "y": ba["balance_base"] / 1e3}),
                      pd.DataFrame({"x": partners, "series": label_a, "y": ba["balance_cf"] / 1e3}),
                      pd.DataFrame({"x": partners, "series": label_b, "y": bb["balance_cf"].to_numpy() / 1e3})],
                     ignore_index=True)
    table = pd.DataFrame({"partner": partners, f"balance, baseline {na} (USD bn)": ba["balance_base"] / 1e3,
                          f"balance {na} (USD bn)": ba["balance_cf"] / 1e3,
                          f"balance, baseline {nb} (USD bn)": bb["balance_base"].to_numpy() / 1e3,
                          f"balance {nb} (USD bn)": bb["balance_cf"].to_numpy() / 1e3})
    sections.append(Section(
        "balance", "Bilateral balances",
        charts=(Chart("balance_compare", f"{focus}'s bilateral balance with each partner", "grouped_bar", long,
                      x_label="Partner", y_label=f"{focus}'s balance (USD bn)",
                      series_colours=colours, caption=f"Baseline of run {na}; counterfactuals in units of each "
                                                      "run's numeraire."),),
        tables=(Table(f"{focus}'s bilateral balances (USD bn)", table),)))
    fa, fb = a.table("bilateral", wa), b.table("bilateral", wb)
    merged = fa.merge(fb, on=["exporter", "importer"], suffixes=("_a", "_b"), how="outer")
    merged["diff"] = merged["flow_pct_b"] - merged["flow_pct_a"]
    order = list(dict.fromkeys([*a.countries, *b.countries]))
    position = {country: k for k, country in enumerate(order)}
    merged = merged.sort_values(["exporter", "importer"], key=lambda labels: labels.map(position), kind="stable")
    flows = Chart("flows_compare", f"Change in trade flows, {nb} − {na}", "heatmap",
                  pd.DataFrame({"row": merged["exporter"], "column": merged["importer"], "value": merged["diff"]}),
                  x_label="Importer (destination)", y_label="Exporter (origin)",
                  value_label=f"Flow change, {nb} − {na} (percentage points)",
                  caption=f"Blue: the flow changes by more (falls by less) in {nb} than in {na}.")
    sections.append(Section("flows", "Trade flows", charts=(flows,), tables=(
        _matrix_or_list(merged, "diff", f"flow change {nb} − {na} (pp)", "exporter", "importer", order, order,
                        f"Difference in the change of bilateral flows, {nb} − {na}, percentage points."),)))
    pa, pb = _pair_tariffs(a, wa).set_index("pair"), _pair_tariffs(b, wb).set_index("pair")
    pairs = list(dict.fromkeys([*pa.index, *pb.index]))[:MAX_SERIES * 2]
    if pairs:
        before = pa["before"].combine_first(pb["before"]).reindex(pairs)
        long = pd.concat([pd.DataFrame({"x": pairs, "series": "Baseline", "y": before.to_numpy()}),
                          pd.DataFrame({"x": pairs, "series": label_a,
                                        "y": pa["after"].reindex(pairs).fillna(before).to_numpy()}),
                          pd.DataFrame({"x": pairs, "series": label_b,
                                        "y": pb["after"].reindex(pairs).fillna(before).to_numpy()})],
                         ignore_index=True)
        wide = long.pivot_table(index="x", columns="series", values="y", sort=False).reindex(pairs)
        wide = wide[["Baseline", label_a, label_b]].reset_index()
        wide.columns = ["imposer on target", "baseline (%)", f"{na} (%)", f"{nb} (%)"]
        sections.append(Section(
            "tariffs", "Tariffs",
            charts=(Chart("tariffs_compare", "Trade-weighted average tariffs in both runs", "grouped_bar", long,
                          x_label="Imposer on target", y_label=TARIFF_AXIS,
                          series_colours=colours),),
            tables=(Table("Trade-weighted average tariffs (percent; weights: baseline trade)", wide),)))
    sections.append(Section("diagnostics", "Solver diagnostics and inputs",
                            tables=(_diagnostics_pair(a, b, wa, wb, names),)))
    return sections


def _origin(run: RunData) -> str:
    return f"run {run.run_id}" if run.run_id else (run.source or "in memory")


def _settings_table(a: RunData, b: RunData, wa: str, wb: str, names: tuple[str, str]) -> pd.DataFrame:
    def facts(run: RunData, when: str) -> dict[str, str]:
        record = run.record(when)
        base = record.get("baseline") or {}
        prints = record.get("fingerprints") or {}
        model = record.get("model") or {}
        return {
            "run": _origin(run),
            "scenario": run.name,
            "baseline World": f"{base.get('name', '')} {str(prints.get('world', ''))[:12]}".strip(),
            "model": str(model.get("name", "")),
            "closure": str(model.get("closure", "")),
            "numeraire": str(model.get("numeraire", "")),
            "evaluation date": date_label(when),
            "dates in the run": str(len(run.dates)),
            "shock fingerprint": str(prints.get("shock", ""))[:12],
            "solver": str(prints.get("solver", "")),
            "tariffsim version": str(prints.get("tariffsim", "")),
        }

    fa, fb = facts(a, wa), facts(b, wb)
    na, nb = names
    return pd.DataFrame([{"setting": k, na: fa[k], nb: fb.get(k, ""), "same": "yes" if fa[k] == fb.get(k) else
                          "differs"} for k in fa])


def _diagnostics_pair(a: RunData, b: RunData, wa: str, wb: str, names: tuple[str, str]) -> Table:
    rows = []
    for name, run, when in ((names[0], a, wa), (names[1], b, wb)):
        record = run.record(when)
        diag = record.get("diagnostics") or {}
        rows.append({"run": f"{name}: {run.name}", "date": date_label(when),
                     "converged": "yes" if diag.get("converged") else "no", "method": diag.get("method", ""),
                     "iterations": diag.get("iterations", ""),
                     "market-clearing residual": _sci(record.get("market_clearing_residual")),
                     "world fingerprint": str((record.get("fingerprints") or {}).get("world", "")),
                     "shock fingerprint": str((record.get("fingerprints") or {}).get("shock", ""))})
    return Table("Solver diagnostics and input fingerprints of both runs", pd.DataFrame(rows))


def symmetric_range(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Half-width of a colour scale centred on zero: the largest finite |value| (1 when there is none)."""
    array = np.asarray(values, dtype=float)
    finite = np.abs(array[np.isfinite(array)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0
