"""The report of a talks case (``tariffsim talks run ... --report``): read from the talks folder's tables.

Like every report it computes no economics: it reads ``talks.json`` and the CSV tables
that :meth:`tariffsim.games.talks.TalksRun.write` laid out and arranges them in plain
words, charts and tables — what the threat does to each side, what the target would take
and cost, each side's outcome under each position, the war and the bargain, and the gap
between the positions. The only derived numbers are for display (USD millions in
billions, differences of two columns).

The welfare plane and the split-the-difference path are scatter charts, which the shared
chart records (:class:`~tariffsim.report.views.Chart`) do not draw; they are drawn here
with plotly and put in place of a marker paragraph of the page.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tariffsim.report.html import render_page
from tariffsim.report.views import (
    BASELINE,
    OKABE_ITO,
    SERIES_COLOURS,
    SIGN_CONVENTION,
    Chart,
    Section,
    Table,
    signed_pct,
    usd_bn,
)

__all__ = ["talks_sections", "render_talks_report", "write_talks_report", "load_talks", "PlanePoint"]

MARK = "talks-figure:"
"""Paragraph text the scatter figures replace on the page."""


def _pp(value: float) -> str:
    """Percentage points, signed."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{abs(value):.3f}"
    return ("+" if value > 0 else "\u2212" if value < 0 and float(text) != 0 else "") + text + " points"


def _money(value: float) -> str:
    return usd_bn(value, signed=True) if abs(value) >= 1000 or value == 0 else (
        ("+" if value > 0 else "\u2212") + f"${abs(value):,.3g} m")


def _f(value: Any) -> float:
    """A table cell as a float."""
    return float(value)


def _row(table: pd.DataFrame, **where: Any) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for key, value in where.items():
        mask &= table[key] == value
    rows = table[mask]
    if not len(rows):
        raise KeyError(f"no row with {where}")
    return rows.iloc[0]


# ---------------------------------------------------------------------- scatter figures
@dataclass(frozen=True)
class PlanePoint:
    """A labelled point of the welfare plane."""

    label: str
    x: float
    y: float
    colour: str


@dataclass(frozen=True)
class _Scatter:
    key: str
    title: str
    x_label: str
    y_label: str
    lines: tuple[tuple[str, pd.DataFrame, str, bool], ...]  # name, frame with x, y; colour; dashed
    points: tuple[PlanePoint, ...]
    caption: str


def _scatter_html(figure_spec: _Scatter) -> str:
    import plotly.graph_objects as go

    figure = go.Figure()
    for name, frame, colour, dashed in figure_spec.lines:
        figure.add_trace(go.Scatter(x=frame["x"], y=frame["y"], mode="lines+markers", name=name,
                                    line={"color": colour, "width": 2.5, "dash": "dash" if dashed else "solid"},
                                    marker={"size": 5, "color": colour},
                                    hovertemplate="%{x:.4f}, %{y:.4f}<extra>" + html.escape(name) + "</extra>"))
    for point in figure_spec.points:
        figure.add_trace(go.Scatter(x=[point.x], y=[point.y], mode="markers+text", name=point.label,
                                    text=[point.label], textposition="top center",
                                    marker={"size": 11, "color": point.colour, "line": {"width": 1, "color": "#333"}},
                                    hovertemplate="%{x:.4f}, %{y:.4f}<extra>" + html.escape(point.label)
                                                  + "</extra>"))
    figure.update_layout(title={"text": figure_spec.title, "x": 0.0, "xanchor": "left"}, template="plotly_white",
                         height=520, margin={"l": 70, "r": 30, "t": 70, "b": 60},
                         legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0.0},
                         xaxis_title={"text": figure_spec.x_label}, yaxis_title={"text": figure_spec.y_label})
    figure.add_hline(y=0.0, line={"color": "#999", "width": 1})
    figure.add_vline(x=0.0, line={"color": "#999", "width": 1})
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "svg", "filename": figure_spec.key}}
    plot = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{figure_spec.key}", config=config)
    caption = f"<figcaption>{html.escape(figure_spec.caption)}</figcaption>" if figure_spec.caption else ""
    return (f'<figure class="chart" data-chart="{html.escape(figure_spec.key)}" '
            f'aria-label="{html.escape(figure_spec.title)}">{plot}{caption}</figure>')


# ---------------------------------------------------------------------- sections
def talks_sections(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> tuple[list[Section],
                                                                                          list[_Scatter]]:
    """What a talks report shows, as sections (and the scatter figures they place by marker)."""
    case = record["case"]
    parties = list(case["parties"])
    a, b = parties
    outcomes = tables["outcomes"]
    figures: list[_Scatter] = []
    sections = [_summary(record, tables)]
    sections.append(_threat(record, tables))
    if record.get("target") and "target_costs" in tables:
        sections.append(_target(record, tables))
    sections.append(_outcomes(record, outcomes, parties))
    plane = _plane(record, tables, parties)
    figures.append(plane)
    sections.append(Section("plane", "The welfare plane", paragraphs=(
        f"Each point is one outcome: {a}'s welfare change on the horizontal axis, {b}'s on the vertical "
        "(percent change of real income from the baseline). The frontier is the best either can get for a given "
        "level of the other's welfare with the two parties' tariffs on each other; the zone of possible agreement "
        "is its part where both are at least as well off as under the threat. Outcomes with purchase commitments "
        "(which the frontier does not use) can lie beyond it.", MARK + plane.key),
        tables=(Table("Efficient frontier (percent change of welfare from the baseline)",
                      tables["frontier"].rename(columns={"objective_a_pct": f"{a} welfare (%)",
                                                         "objective_b_pct": f"{b} welfare (%)"})[
                          ["point", f"{a} welfare (%)", f"{b} welfare (%)"]], {f"{a} welfare (%)": 4,
                                                                               f"{b} welfare (%)": 4}),
                Table("Zone of possible agreement: frontier points both prefer to the threat, and its two ends",
                      tables["zone"].rename(columns={"objective_a_pct": f"{a} welfare (%)",
                                                     "objective_b_pct": f"{b} welfare (%)"}),
                      {f"{a} welfare (%)": 4, f"{b} welfare (%)": 4}))))
    split_figure = _split_figure(record, tables, parties)
    figures.append(split_figure)
    sections.append(_gap(record, tables, parties, split_figure.key))
    sections.append(_bargain(record, tables, parties))
    sections.append(_assumptions(record))
    return sections, figures


def _summary(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Section:
    case = record["case"]
    a, b = case["parties"]
    outcomes = tables["outcomes"]
    bullets: list[str] = []
    threat = outcomes[outcomes["kind"] == "threat"]
    if len(threat):
        label = threat["outcome"].iloc[0]
        ta, tb = _row(threat, party=a), _row(threat, party=b)
        bullets.append(f"If talks fail ({label}): {a}'s welfare changes by {signed_pct(ta['welfare_pct'])} and "
                       f"{b}'s by {signed_pct(tb['welfare_pct'])}; {a}'s bilateral balance with {b} becomes "
                       f"{usd_bn(ta['balance_musd'])}.")
    target = record.get("target")
    if target and "target_costs" in tables:
        costs = tables["target_costs"]
        first, second = target["pair"]
        change = target["balance_change_musd"]
        by = f" by {target['by']}" if target.get("by") else ""
        for answer in target["answers"]:
            label = " + ".join(answer["instruments"])
            rows = costs[costs["instrument"] == label]
            cost = "; ".join(f"{party} welfare {signed_pct(_f(value))}"
                             for party, value in zip(rows["party"], rows["welfare_pct"], strict=True))
            if answer["reached"]:
                bullets.append(f"To move {first}'s balance with {second} by {_money(change)}{by}: "
                               f"{answer['describe']} — at a cost of {cost}.")
            else:
                bullets.append(f"{label} alone cannot move {first}'s balance with {second} by {_money(change)}: "
                               f"{answer['describe']} ({cost}).")
    names = case["positions"]
    for kind, name in zip(("position A", "position B"), names, strict=True):
        rows = outcomes[outcomes["kind"] == kind]
        if len(rows):
            ra, rb = _row(rows, party=a), _row(rows, party=b)
            bullets.append(f"Under {name}: {a} {signed_pct(ra['welfare_pct'])}, {b} {signed_pct(rb['welfare_pct'])}"
                           f" ({a}'s balance with {b} {usd_bn(ra['balance_musd'])}).")
    for party in (a, b):
        rows = outcomes[(outcomes["party"] == party) & outcomes["better_than_threat"].astype(bool)]
        liked = ", ".join(str(o) for o in rows["outcome"]) or "none of them"
        bullets.append(f"{party} is at least as well off as under the threat with: {liked}.")
    war = outcomes[outcomes["outcome"] == "Nash trade war"]
    if len(war):
        wa, wb = _row(war, party=a), _row(war, party=b)
        bullets.append(f"A trade war to its end (Nash tariffs of {a} and {b}, others passive): {a} "
                       f"{signed_pct(wa['welfare_pct'])}, {b} {signed_pct(wb['welfare_pct'])}; tariffs {a} on {b} "
                       f"{wa['tariff_on_other_pct']:.1f}%, {b} on {a} {wb['tariff_on_other_pct']:.1f}%.")
    gains = tables["bargain_gains"]
    if record["bargain"]["agreement"]:
        ga, gb = _row(gains, party=a), _row(gains, party=b)
        bargain = outcomes[outcomes["kind"] == "bargain"]
        ba = _row(bargain, party=a)
        bullets.append(f"The Nash bargain: {a}'s tariff on {b} {ba['tariff_on_other_pct']:.1f}%, {b}'s on {a} "
                       f"{ba['tariff_of_other_pct']:.1f}%{_purchases_words(tables['bargain'])}; each gains over the "
                       f"threat: {a} {_pp(ga['gain_pp'])}, {b} {_pp(gb['gain_pp'])} of welfare.")
    else:
        bullets.append(f"No bargain: {record['bargain']['message']}.")
    distance = dict(zip(tables["distance"]["measure"], tables["distance"]["difference"], strict=True))
    bullets.append(f"The gap: {names[0]} minus {names[1]} is {_pp(_f(distance[f'welfare of {a}']))} of welfare for "
                   f"{a} and {_pp(_f(distance[f'welfare of {b}']))} for {b}; {a}'s balance with {b} differs by "
                   f"{_money(_f(distance[f'bilateral balance of {a} with {b}']))}. "
                   f"{str(record['split']['message']).capitalize()}.")
    return Section("summary", "Summary", paragraphs=(SIGN_CONVENTION,), bullets=tuple(bullets))


def _purchases_words(bargain: pd.DataFrame) -> str:
    rows = bargain[bargain["unit"].astype(str).str.startswith("USD")]
    if not len(rows):
        return ""
    return "; " + "; ".join(f"{importer} buys {usd_bn(_f(value))} more from {exporter}"
                            for importer, exporter, value in zip(rows["importer"], rows["exporter"], rows["value"],
                                                                 strict=True))


def _threat(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Section:
    countries = tables["countries"]
    label = record["case"]["threat"]
    rows = countries[countries["outcome"] == label]
    if not len(rows):
        rows = countries[countries["outcome"] == "Nash trade war"]
        label = "Nash trade war"
    data = rows.rename(columns={"country": "x", "welfare_pct": "y"})[["x", "y"]]
    shown = rows[["country", "welfare_pct", "real_gdp_pct"]].copy()
    shown["trade balance change ($bn)"] = (rows["trade_balance_cf"] - rows["trade_balance_base"]) / 1e3
    shown["tariff revenue change ($bn)"] = (rows["tariff_revenue_cf"] - rows["tariff_revenue_base"]) / 1e3
    return Section(
        "threat", "What the threat does",
        paragraphs=(f"The threat point — what happens if talks fail — is {label}. Every country's welfare and real "
                    "GDP, percent change from the baseline.",),
        charts=(Chart("talks-threat", f"Welfare under the threat: {label}", "bar", data, "country",
                      "welfare change (%)", colour_by_sign=True),),
        tables=(Table(f"Every country under {label} (percent change; balances and revenue in USD billions)",
                      shown.rename(columns={"welfare_pct": "welfare (%)", "real_gdp_pct": "real GDP (%)"}),
                      {"welfare (%)": 3, "real GDP (%)": 3}),))


def _target(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Section:
    target = record["target"]
    first, second = target["pair"]
    costs = tables["target_costs"]
    shown = costs[["instrument", "party", "welfare_pct", "real_gdp_pct", "tariff_revenue_change_musd",
                   "reached", "diversion_share"]].copy()
    shown["tariff_revenue_change_musd"] = shown["tariff_revenue_change_musd"] / 1e3
    shown = shown.rename(columns={"welfare_pct": "welfare (%)", "real_gdp_pct": "real GDP (%)",
                                  "tariff_revenue_change_musd": "tariff revenue change ($bn)",
                                  "diversion_share": "diversion share"})
    chart = Chart("talks-target", "What reaching the target costs each side, by instrument", "grouped_bar",
                  costs.rename(columns={"instrument": "x", "party": "series", "welfare_pct": "y"})[["x", "series",
                                                                                                    "y"]],
                  "instrument", "welfare change from the base (%)")
    answers = tables["target"].copy()
    path = tables["target_path"].copy()
    paragraphs = [f"The demand: {first}'s bilateral balance with {second} (exports minus imports, pre-tariff) "
                  f"changes by {_money(target['balance_change_musd'])}"
                  + (f" by {target['by']}" if target.get("by") else "") + "."]
    if target.get("source"):
        paragraphs.append(f"Source: {target['source']}.")
    paragraphs.append("Each instrument is searched over its whole range (a bracketed, monotone root search that never "
                      "extrapolates); one out of reach says how far it gets. 'Diversion share': the part of the "
                      f"bilateral change that {first}'s balances with third countries mirror, rather than a change in "
                      f"{first}'s overall balance — with deficits held by the model's closure, nearly all of it.")
    for answer in target["answers"]:
        paragraphs.append(f"{' + '.join(answer['instruments'])}: {answer['describe']} ({answer['solves']} solves).")
    return Section("target", "What the target takes", paragraphs=tuple(paragraphs), charts=(chart,),
                   tables=(Table("The answers (target.csv): value found, balance change and welfare cost (percent)",
                                 answers),
                           Table("Cost to each side, change from the base (percent; revenue in USD billions)", shown,
                                 {"welfare (%)": 3, "real GDP (%)": 3}),
                           Table("Every solve of the search (balance change in USD millions)", path)))


def _outcomes(record: Mapping[str, Any], outcomes: pd.DataFrame, parties: Sequence[str]) -> Section:
    colours = {parties[0]: SERIES_COLOURS[0], parties[1]: SERIES_COLOURS[1]}
    data = outcomes.rename(columns={"outcome": "x", "party": "series", "welfare_pct": "y"})[["x", "series", "y"]]
    shown = outcomes.drop(columns=["kind"]).rename(columns={
        "welfare_pct": "welfare (%)", "real_gdp_pct": "real GDP (%)", "balance_musd": "balance with the other ($m)",
        "tariff_on_other_pct": "its tariff on the other (%)", "tariff_of_other_pct": "the other's tariff on it (%)",
        "gain_over_threat_pp": "gain over the threat (points)", "better_than_threat": "prefers it to the threat"})
    return Section(
        "outcomes", "Each side under each outcome",
        paragraphs=("Welfare of the two parties under the status quo, each position, the threat, the trade war, the "
                    "Nash bargain and the split-the-difference point. Tariffs are averages over sectors weighted by "
                    "baseline trade.",),
        charts=(Chart("talks-outcomes", "Welfare by outcome", "grouped_bar", data, "outcome", "welfare change (%)",
                      series_colours=colours),),
        tables=(Table("Outcomes (percent change from the baseline; balance in USD millions)", shown,
                      {"welfare (%)": 3, "real GDP (%)": 3, "gain over the threat (points)": 3}),))


def _plane(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], parties: Sequence[str]) -> _Scatter:
    a, b = parties
    frontier = tables["frontier"].rename(columns={"objective_a_pct": "x", "objective_b_pct": "y"})
    zone = tables["zone"].rename(columns={"objective_a_pct": "x", "objective_b_pct": "y"})
    outcomes = tables["outcomes"]
    colours = {"status quo": BASELINE, "position A": OKABE_ITO["blue"], "position B": OKABE_ITO["orange"],
               "threat": OKABE_ITO["vermillion"], "trade war": OKABE_ITO["reddish_purple"],
               "bargain": OKABE_ITO["bluish_green"], "split": OKABE_ITO["sky_blue"]}
    points = []
    for name in dict.fromkeys(outcomes["outcome"]):
        rows = outcomes[outcomes["outcome"] == name]
        kind = str(rows["kind"].iloc[0])
        points.append(PlanePoint(str(name), float(_row(rows, party=a)["welfare_pct"]),
                                 float(_row(rows, party=b)["welfare_pct"]), colours.get(kind, "#000000")))
    lines = [("efficient frontier", frontier[["x", "y"]], OKABE_ITO["black"], False)]
    if len(zone):
        lines.append(("zone of possible agreement", zone[["x", "y"]], OKABE_ITO["bluish_green"], True))
    return _Scatter("talks-plane", "Positions, threat, war and bargain in the welfare plane", f"{a} welfare change (%)",
                    f"{b} welfare change (%)", tuple(lines), tuple(points),
                    "Percent change of real income from the baseline. Points north-east of the threat are better for "
                    "both than a failure of the talks.")


def _split_figure(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], parties: Sequence[str]) -> _Scatter:
    path = tables["split"]
    lines = []
    for k, party in enumerate(parties):
        rows = path[path["party"] == party].sort_values("alpha")
        lines.append((f"{party} welfare", pd.DataFrame({"x": rows["alpha"], "y": rows["welfare_pct"]}),
                      SERIES_COLOURS[k], False))
        threat = float(rows["threat_pct"].iloc[0]) if len(rows) else 0.0
        lines.append((f"{party} under the threat", pd.DataFrame({"x": [0.0, 1.0], "y": [threat, threat]}),
                      SERIES_COLOURS[k], True))
    names = record["case"]["positions"]
    return _Scatter("talks-split", f"Splitting the difference: from {names[0]} (α = 0) to {names[1]} (α = 1)",
                    "α: share of the way from position A to position B", "welfare change (%)", tuple(lines), (),
                    "Every instrument moves the same share α of the way; a party accepts a split where its line is "
                    "above its threat line.")


def _gap(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], parties: Sequence[str], key: str) -> Section:
    names = record["case"]["positions"]
    distance = tables["distance"].rename(columns={"a": names[0], "b": names[1], "difference": "A minus B"})
    split = record["split"]
    return Section(
        "gap", "How far apart the positions are",
        paragraphs=(f"Position A is {names[0]}, position B {names[1]}. Tariffs are averages over sectors weighted by "
                    "baseline trade, so that both positions are measured on the same trade.",
                    str(split["message"]).capitalize() + ".", MARK + key),
        tables=(Table("Distance between the positions (A minus B)", distance, {names[0]: 3, names[1]: 3,
                                                                             "A minus B": 3}),
                Table("Splitting the difference: welfare at each share α (percent change)", tables["split"],
                      {"welfare_pct": 4, "threat_pct": 4})))


def _bargain(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], parties: Sequence[str]) -> Section:
    bargain = record["bargain"]
    agreed = tables["bargain"].copy()
    is_tariff = agreed["unit"] == "fraction"
    agreed.loc[is_tariff, "value"] = 100.0 * agreed.loc[is_tariff, "value"]
    agreed.loc[is_tariff, "unit"] = "percent"
    on_table = ", ".join(record["case"]["bargain"]) or "each side's tariffs on the other"
    weights = ", ".join(f"{p} {w:g}" for p, w in zip(parties, record["case"]["weights"], strict=True))
    paragraphs = [f"Nash bargaining over: {on_table}; bargaining weights {weights}; threat point "
                  f"{record['case']['threat']}.", f"{bargain['message'].capitalize()} (method {bargain['method']}).",
                  "The bargain maximises the weighted product of the two parties' welfare gains over the threat, among "
                  "the outcomes both prefer to it (Nash 1950; with weights, Kalai 1977)."]
    return Section("bargain", "The bargain", paragraphs=tuple(paragraphs),
                   tables=(Table("The agreed instruments", agreed, {"value": 3}),
                           Table("Welfare under the threat and the bargain (percent change from the baseline) and the "
                                 "gain over the threat", tables["bargain_gains"],
                                 {"threat_pct": 4, "bargain_pct": 4, "gain_pp": 4, "gain_pct": 4})))


def _assumptions(record: Mapping[str, Any]) -> Section:
    model = record.get("model") or {}
    world = record.get("world") or {}
    case = record["case"]
    words = ", ".join(f"{k} {v}" for k, v in model.items() if k != "name")
    bullets = [f"Baseline: {world.get('name', '?')} ({world.get('year', '?')}), {world.get('countries', '?')} "
               f"countries × {world.get('sectors', '?')} sectors.",
               f"Model: {model.get('name', '?')}" + (f" ({words})" if words else "") + "; every outcome is solved with "
               "it on the same baseline.",
               "Trade deficits are held by the model's closure: policy moves bilateral balances, while each country's "
               "overall balance follows the closure, so a bilateral change is almost all diversion.",
               "Positions are scenario overlays; what each leaves out is listed in its file's header.",
               "Purchase commitments are floors met by shifting the buyer's demand; welfare is measured with its "
               "baseline preferences, so forced purchases show their cost."]
    for name, description in zip(case["positions"], case.get("position_descriptions", []), strict=False):
        if description:
            bullets.append(f"{name}: {description}.")
    if case.get("source"):
        bullets.append(f"Source of the case: {case['source']}.")
    return Section("assumptions", "Assumptions", bullets=tuple(bullets))


# ---------------------------------------------------------------------- page
def render_talks_report(record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> str:
    """The HTML report of a talks run from its record and tables."""
    sections, figures = talks_sections(record, tables)
    case = record["case"]
    world = record.get("world") or {}
    subtitle = (f"{case['positions'][0]} vs {case['positions'][1]} · threat {case['threat']} · "
                f"{world.get('name', '')}")
    page = render_page(f"tariffsim talks: {case['name']}", subtitle, sections)
    for figure in figures:
        page = page.replace(f"<p>{html.escape(MARK + figure.key)}</p>", _scatter_html(figure))
    return page


def write_talks_report(path: str | Path, record: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Path:
    """Write :func:`render_talks_report` to ``path`` (atomically)."""
    from tariffsim._json import atomic_file

    target = Path(path)
    with atomic_file(target) as tmp:
        tmp.write_text(render_talks_report(record, tables), encoding="utf-8")
    return target


def load_talks(folder: str | Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """``talks.json`` and the tables of a talks folder."""
    root = Path(folder)
    record = json.loads((root / "talks.json").read_text(encoding="utf-8"))
    tables = {p.stem: pd.read_csv(p) for p in sorted(root.glob("*.csv"))}
    return record, tables
