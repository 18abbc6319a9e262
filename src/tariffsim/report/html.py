"""A self-contained HTML report of a run, and of two runs side by side.

The page holds everything it needs: plotly.js is embedded once, inline, so the file
opens offline and can be mailed or archived; every chart is followed by a plain
HTML table of its numbers, so the page reads without JavaScript too. What is shown
is decided in :mod:`tariffsim.report.views`; this module only draws it.

plotly is imported when a report is rendered, not when this module is imported.
"""

from __future__ import annotations

import html
import math
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tariffsim.report.run import RunData, date_label
from tariffsim.report.views import (
    DIVERGING,
    GAIN,
    LOSS,
    MINUS,
    SIGN_CONVENTION,
    Chart,
    Section,
    Table,
    comparison_sections,
    report_sections,
    symmetric_range,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["render_report", "write_report", "render_comparison", "write_comparison", "render_page", "write_page",
           "sections_html", "report_css", "chart_figure"]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
HEIGHT = 440
MAX_CELL_TEXT = 15
"""Heat maps print each cell's value when they are at most this many rows and columns."""

_CSS = """
:root { color-scheme: light; }
body { font-family: FONT_FAMILY; color: #1a1a1a; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .6rem; border-bottom: 1px solid #ddd; padding-bottom: .25rem; }
.subtitle { color: #444; margin: 0 0 1rem; }
nav ol { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: 0; list-style: none; margin: .5rem 0 1rem; }
nav a { color: #0072B2; }
.headline { font-size: 1.08rem; padding-left: 1.2rem; }
.headline li { margin: .2rem 0; }
.convention { background: #f4f8fb; border-left: 4px solid #0072B2; padding: .6rem .9rem; }
section.box { background: #fdf8ee; border: 1px solid #e6d3a8; border-left: 4px solid #E69F00; padding: 0 1rem .4rem;
  margin-top: 1.5rem; }
section.box h2 { margin-top: .8rem; border-bottom: none; }
section.box li { margin: .3rem 0; }
figure { margin: 1rem 0 .5rem; }
figcaption { color: #444; font-size: .92rem; margin-top: .25rem; }
.chart { min-height: 200px; }
.table-wrap { overflow-x: auto; margin: .75rem 0 1.25rem; }
table { border-collapse: collapse; font-size: .88rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; color: #222; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
th { background: #f2f2f2; text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.text { max-width: 40rem; overflow-wrap: break-word; }
tbody tr:nth-child(even) { background: #fafafa; }
details { margin: .75rem 0; }
pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; font-size: .82rem; }
.noscript { background: #fff5e6; border-left: 4px solid #E69F00; padding: .5rem .9rem; }
footer { color: #555; font-size: .85rem; margin-top: 3rem; }
""".replace("FONT_FAMILY", FONT)


# ---------------------------------------------------------------------- public
def render_report(run: RunData, date: str | None = None) -> str:
    """The HTML report of a run (on ``date``, default its last evaluation date)."""
    when = run.check_date(date)
    sections = report_sections(run, when)
    dates = (date_label(when) if len(run.dates) == 1 else
             f"{len(run.dates)} evaluation dates, {run.dates[0]} to {run.dates[-1]}")
    return _page(f"tariffsim report: {run.name}", f"{dates} · {_where(run)}", sections)


def write_report(run: RunData, path: str | Path, date: str | None = None) -> Path:
    """Write :func:`render_report` to ``path`` (atomically: a reader sees the old file or the new one)."""
    return _write(Path(path), render_report(run, date))


def render_comparison(a: RunData, b: RunData, date_a: str | None = None, date_b: str | None = None,
                      names: tuple[str, str] = ("A", "B")) -> str:
    """The HTML report comparing runs ``a`` and ``b``."""
    sections = comparison_sections(a, b, date_a, date_b, names)
    return _page(f"tariffsim comparison: {a.name} vs {b.name}",
                 f"{names[0]}: {a.name} ({_where(a)}) · {names[1]}: {b.name} ({_where(b)})", sections)


def write_comparison(a: RunData, b: RunData, path: str | Path, date_a: str | None = None,
                     date_b: str | None = None, names: tuple[str, str] = ("A", "B")) -> Path:
    """Write :func:`render_comparison` to ``path`` (atomically)."""
    return _write(Path(path), render_comparison(a, b, date_a, date_b, names))


def render_page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """A self-contained report page from :class:`~tariffsim.report.views.Section` records (for views
    other than a scenario run's: trade wars, talks)."""
    return _page(title, subtitle, sections)


def write_page(path: str | Path, title: str, subtitle: str, sections: Sequence[Section]) -> Path:
    """Write :func:`render_page` to ``path`` (atomically)."""
    return _write(Path(path), render_page(title, subtitle, sections))


def sections_html(sections: Sequence[Section]) -> str:
    """The sections alone, as HTML: no page around them and no plotly.js (for pages that load plotly.js
    once for all their charts and set their own style, such as the web app's; see :func:`report_css`)."""
    return "\n".join(_section(s) for s in sections)


def report_css() -> str:
    """The style sheet of the report pages (their sections, charts and tables)."""
    return _CSS


def _where(run: RunData) -> str:
    if run.run_id:
        return f"run {run.run_id}"
    return run.source or "in memory"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------------- page
def _page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    from plotly.offline import get_plotlyjs

    from tariffsim._version import __version__

    nav = "".join(f'<li><a href="#{s.key}">{_e(s.title)}</a></li>' for s in sections)
    body = sections_html(sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tariffsim {_e(__version__)}">
<title>{_e(title)}</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<main>
<header>
<h1>{_e(title)}</h1>
<p class="subtitle">{_e(subtitle)}</p>
<noscript><p class="noscript">Charts need JavaScript; every chart's numbers are in the table below it.</p></noscript>
<nav aria-label="Contents"><ol>{nav}</ol></nav>
</header>
{body}
<footer><p>Made by tariffsim {_e(__version__)} from the run's tables and run records; nothing on this page is
recomputed. Charts: plotly.js, embedded (the file works offline). Colours: Okabe–Ito palette.</p></footer>
</main>
</body>
</html>
"""


BOXED = ("assumptions",)
"""Sections drawn as a framed box: what the figures rest on, read before the figures."""


def _section(section: Section) -> str:
    boxed = ' class="box"' if section.key in BOXED else ""
    parts = [f'<section id="{section.key}"{boxed}>', f"<h2>{_e(section.title)}</h2>"]
    if section.bullets:
        cls = ' class="headline"' if section.key == "summary" else ""
        parts.append(f"<ul{cls}>" + "".join(f"<li>{_e(b)}</li>" for b in section.bullets) + "</ul>")
    for paragraph in section.paragraphs:
        cls = ' class="convention"' if paragraph.startswith(SIGN_CONVENTION) else ""
        parts.append(f"<p{cls}>{_e(paragraph)}</p>")
    for chart in section.charts:
        parts.append(_chart_html(chart))
    for table in section.tables:
        parts.append(_table_html(table))
    for summary, text in section.details:
        parts.append(f"<details><summary>{_e(summary)}</summary><pre>{_e(text)}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------- tables
def _table_html(table: Table) -> str:
    frame = table.frame
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in frame.columns)
    numeric = {c: _is_numeric(frame[c]) for c in frame.columns}
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, values, strict=True):
            if numeric[column]:
                cells.append(f'<td class="num">{_e(_format_number(value, table.digits.get(column, 2)))}</td>')
            else:
                cells.append(f'<td class="text">{_e("" if _missing(value) else value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table><caption>{_e(table.caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _is_numeric(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    present = [v for v in column if not _missing(v)]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _format_number(value: Any, digits: int) -> str:
    if _missing(value):
        return "–"
    number = float(value)
    if not math.isfinite(number):
        return "–"
    if float(number).is_integer() and isinstance(value, int):
        text = f"{abs(int(value)):,}"
    else:
        text = f"{abs(number):,.{digits}f}"
    negative = number < 0 and any(ch not in "0.," for ch in text)
    return (MINUS if negative else "") + text


# ---------------------------------------------------------------------- charts
def _chart_html(chart: Chart) -> str:
    figure = chart_figure(chart)
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "svg", "filename": chart.key}}
    plot = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}", config=config)
    caption = f"<figcaption>{_e(chart.caption)}</figcaption>" if chart.caption else ""
    return (f'<figure class="chart" data-chart="{_e(chart.key)}" aria-label="{_e(chart.title)}">'
            f"{plot}{caption}</figure>")


def chart_figure(chart: Chart) -> go.Figure:
    """The plotly figure of a :class:`~tariffsim.report.views.Chart`."""
    import plotly.graph_objects as go

    data = chart.data
    figure = go.Figure()
    height = HEIGHT
    if chart.kind == "bar":
        _bars(figure, chart)
        figure.update_layout(barmode="overlay" if "series" in data else "relative")
        if {"low", "mid", "high"} <= set(data.columns) and not chart.horizontal:
            figure.add_trace(go.Scatter(
                x=data["x"], y=data["mid"], mode="markers", name=chart.band_label or "band",
                marker={"color": "#000000", "size": 7, "symbol": "line-ew-open"},
                error_y={"type": "data", "symmetric": False, "array": data["high"] - data["mid"],
                         "arrayminus": data["mid"] - data["low"], "color": "#000000", "thickness": 1.5, "width": 5},
                hovertemplate="%{x}: median %{y:.3g}<extra>" + _e(chart.band_label) + "</extra>"))
        if chart.horizontal:
            height = max(HEIGHT, 26 * data["y"].nunique() + 160)
    elif chart.kind == "grouped_bar":
        for name, colour in chart.colours().items():
            part = data[data["series"] == name]
            errors = None
            if {"low", "high"} <= set(part.columns) and part[["low", "high"]].notna().any().all():
                errors = {"type": "data", "symmetric": False, "array": part["high"] - part["y"],
                          "arrayminus": part["y"] - part["low"], "color": "#333333", "thickness": 1.5, "width": 4}
            figure.add_trace(go.Bar(x=part["x"], y=part["y"], name=str(name), marker_color=colour, error_y=errors,
                                    hovertemplate="%{x}: %{y:.3g}<extra>" + _e(name) + "</extra>"))
        figure.update_layout(barmode="group")
    elif chart.kind == "heatmap":
        rows = list(dict.fromkeys(data["row"]))
        columns = list(dict.fromkeys(data["column"]))
        matrix = data.pivot_table(index="row", columns="column", values="value", sort=False, dropna=False)
        matrix = matrix.reindex(index=rows, columns=columns)
        half = symmetric_range(matrix.to_numpy())
        small = len(rows) <= MAX_CELL_TEXT and len(columns) <= MAX_CELL_TEXT
        figure.add_trace(go.Heatmap(
            z=matrix.to_numpy().tolist(), x=[str(c) for c in columns], y=[str(r) for r in rows],
            colorscale=[list(step) for step in DIVERGING], zmid=0.0, zmin=-half, zmax=half,
            colorbar={"title": {"text": chart.value_label, "side": "right"}},
            texttemplate="%{z:.1f}" if small else None, hoverongaps=False,
            hovertemplate=f"{_e(chart.y_label)}: %{{y}}<br>{_e(chart.x_label)}: %{{x}}<br>"
                          f"{_e(chart.value_label)}: %{{z:.3g}}<extra></extra>"))
        figure.update_yaxes(autorange="reversed")
        height = max(HEIGHT, 30 * len(rows) + 180)
    elif chart.kind == "step":
        for name, colour in chart.colours().items():
            part = data[data["series"] == name]
            if {"low", "high"} <= set(part.columns):  # a fan: the band first, under the line
                figure.add_trace(go.Scatter(x=part["x"], y=part["low"], mode="lines", line={"shape": "hv", "width": 0},
                                            showlegend=False, hoverinfo="skip", legendgroup=str(name)))
                figure.add_trace(go.Scatter(x=part["x"], y=part["high"], mode="lines", fill="tonexty",
                                            fillcolor=_translucent(colour), line={"shape": "hv", "width": 0},
                                            name=f"{name}: {BAND_WORDS}", legendgroup=str(name), showlegend=False,
                                            hovertemplate="%{x}: 95th pct %{y:.3g}<extra>" + _e(name) + "</extra>"))
            figure.add_trace(go.Scatter(x=part["x"], y=part["y"], name=str(name), mode="lines+markers",
                                        line={"shape": "hv", "color": colour, "width": 2.5},
                                        marker={"size": 6, "color": colour},
                                        hovertemplate="%{x}: %{y:.3g}<extra>" + _e(name) + "</extra>"))
        figure.update_xaxes(type="date")
    else:  # pragma: no cover - Chart.kind is a Literal
        raise ValueError(f"unknown chart kind {chart.kind}")
    figure.update_layout(
        title={"text": chart.title, "x": 0.0, "xanchor": "left"}, template="plotly_white", height=height,
        font={"family": FONT, "size": 13}, margin={"l": 70, "r": 30, "t": 70, "b": 60},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
        xaxis_title={"text": chart.x_label}, yaxis_title={"text": chart.y_label})
    if chart.kind in ("bar", "grouped_bar"):
        line = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 0, "y1": 0} if not chart.horizontal else \
            {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": 0, "x1": 0}
        figure.add_shape(line={"color": "#333", "width": 1}, **line)
    if chart.kind == "bar" and chart.horizontal:
        figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


BAND_WORDS = "5th to 95th percentile over draws"


def _translucent(colour: str, alpha: float = 0.2) -> str:
    """``#RRGGBB`` as an ``rgba()`` colour with ``alpha``."""
    text = colour.lstrip("#")
    if len(text) != 6:
        return colour
    red, green, blue = (int(text[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _bars(figure: go.Figure, chart: Chart) -> None:
    import plotly.graph_objects as go

    data = chart.data
    values, categories = ("x", "y") if chart.horizontal else ("y", "x")
    orientation = "h" if chart.horizontal else "v"
    hover = "%{y}: %{x:.3g}" if chart.horizontal else "%{x}: %{y:.3g}"
    if "series" in data and not chart.colour_by_sign:
        for name, colour in chart.colours().items():
            part = data[data["series"] == name]
            figure.add_trace(go.Bar(**{values: part[values], categories: part[categories]}, name=str(name),
                                    orientation=orientation, marker_color=colour,
                                    hovertemplate=hover + "<extra>" + _e(name) + "</extra>"))
        return
    colours = [GAIN if v >= 0 else LOSS for v in data[values].fillna(0.0)]
    figure.add_trace(go.Bar(**{values: data[values], categories: data[categories]}, orientation=orientation,
                            marker_color=colours, showlegend=False, hovertemplate=hover + "<extra></extra>"))
