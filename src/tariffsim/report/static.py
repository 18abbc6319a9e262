"""Static charts for papers: the report's charts as PNG or SVG files, drawn with matplotlib.

The charts are the report's own (:func:`tariffsim.report.views.report_sections`),
with the same titles, axis labels and units, palette and sign convention. matplotlib
is imported when a chart is drawn, and only its object-oriented API is used (no
pyplot, no GUI backend), so export works on machines without a display.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from tariffsim.errors import DataError
from tariffsim.report.run import RunData
from tariffsim.report.views import DIVERGING, GAIN, LOSS, Chart, report_sections, symmetric_range

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "export_charts", "draw_chart", "report_charts"]

Format = Literal["png", "svg"]
FORMATS: tuple[Format, ...] = ("png", "svg")
DPI = 200
STATIC_NOTE = "Percent change from baseline: 100 × (counterfactual ÷ baseline − 1); negative = lower than baseline."
"""The sign convention under every chart of changes (the report states it once, in full: SIGN_CONVENTION)."""
FONT_SIZE = 9


def report_charts(run: RunData, date: str | None = None) -> list[Chart]:
    """Every chart of the run's report, in page order."""
    return [chart for section in report_sections(run, date) for chart in section.charts]


def export_charts(run: RunData, out_dir: str | Path, formats: Iterable[str] = ("png",),
                  date: str | None = None, charts: Sequence[str] | None = None) -> list[Path]:
    """Write the report's charts as files ``out_dir/KEY.png`` (and/or ``.svg``).

    Parameters
    ----------
    run
        The run (:func:`~tariffsim.report.load_run` or the runs store).
    out_dir
        Folder; created if missing.
    formats
        ``"png"`` (200 dpi) and/or ``"svg"``.
    date
        Evaluation date (default the run's last).
    charts
        Keys of the charts to write (default all; ``welfare``, ``bilateral_balance``, ...).

    Returns
    -------
    list of Path
        The files written.
    """
    wanted = [f.lower().lstrip(".") for f in formats]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise DataError(f"chart format {', '.join(bad) or '(none)'} is not one of {', '.join(FORMATS)}")
    available = report_charts(run, date)
    if charts is not None:
        unknown = sorted(set(charts) - {c.key for c in available})
        if unknown:
            raise DataError(f"no chart {', '.join(unknown)} in this report (charts: "
                            f"{', '.join(c.key for c in available)})")
        available = [c for c in available if c.key in set(charts)]
    import matplotlib as mpl

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    # a fixed hash salt and metadata without a date: the same run gives the same files; SVG text stays text
    with mpl.rc_context({"svg.hashsalt": "tariffsim", "svg.fonttype": "none"}):
        for chart in available:
            figure = draw_chart(chart)
            for fmt in wanted:
                path = out / f"{chart.key}.{fmt}"
                metadata = {"Software": "tariffsim"} if fmt == "png" else {"Date": None, "Creator": "tariffsim"}
                figure.savefig(path, format=fmt, dpi=DPI, metadata=metadata, bbox_inches="tight")
                written.append(path)
    return written


def draw_chart(chart: Chart) -> Figure:
    """A matplotlib Figure of one chart (not attached to pyplot; save it with ``savefig``)."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    width = 7.5
    height = 4.2
    if chart.kind == "heatmap":
        height = max(3.5, 0.32 * chart.data["row"].nunique() + 1.6)
        width = max(6.0, 0.55 * chart.data["column"].nunique() + 2.8)
    elif chart.horizontal:
        height = max(3.0, 0.3 * chart.data["y"].nunique() + 1.2)
    figure = Figure(figsize=(width, height), layout="constrained")
    ax = figure.add_subplot()
    with mpl.rc_context({"font.size": FONT_SIZE}):
        if chart.kind == "bar":
            _bars(ax, chart)
        elif chart.kind == "grouped_bar":
            _grouped(ax, chart)
        elif chart.kind == "heatmap":
            _heatmap(figure, ax, chart)
        elif chart.kind == "step":
            _steps(ax, chart)
        else:  # pragma: no cover - Chart.kind is a Literal
            raise ValueError(f"unknown chart kind {chart.kind}")
        ax.set_title(chart.title, loc="left", fontsize=FONT_SIZE + 2)
        ax.set_xlabel(chart.x_label)
        ax.set_ylabel(chart.y_label)
        if chart.kind != "heatmap":
            ax.spines[["top", "right"]].set_visible(False)
        if "change" in chart.value_axis_label:
            figure.text(0.0, -0.01, STATIC_NOTE, fontsize=FONT_SIZE - 2, color="#555", ha="left", va="top")
    return figure


def _bars(ax: Axes, chart: Chart) -> None:
    data = chart.data
    values, categories = ("x", "y") if chart.horizontal else ("y", "x")
    positions = np.arange(len(data))
    if "series" in data and not chart.colour_by_sign:
        palette = chart.colours()
        colours = [palette[s] for s in data["series"]]
        handles = {s: c for s, c in palette.items()}
    else:
        colours = [GAIN if v >= 0 else LOSS for v in data[values].fillna(0.0)]
        handles = {}
    heights = data[values].to_numpy(dtype=float)
    if chart.horizontal:
        ax.barh(positions, heights, color=colours)
        ax.set_yticks(positions, [str(c) for c in data[categories]])
        ax.invert_yaxis()
        ax.axvline(0.0, color="#333", linewidth=0.8)
    else:
        ax.bar(positions, heights, color=colours)
        ax.set_xticks(positions, [str(c) for c in data[categories]], rotation=45 if len(data) > 10 else 0,
                      ha="right" if len(data) > 10 else "center")
        ax.axhline(0.0, color="#333", linewidth=0.8)
    if handles:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=c, label=str(s)) for s, c in handles.items()], frameon=False)


def _grouped(ax: Axes, chart: Chart) -> None:
    data = chart.data
    categories = list(dict.fromkeys(data["x"]))
    palette = chart.colours()
    width = 0.8 / max(len(palette), 1)
    base = np.arange(len(categories))
    for k, (name, colour) in enumerate(palette.items()):
        part = data[data["series"] == name].set_index("x")["y"].reindex(categories)
        ax.bar(base + (k - (len(palette) - 1) / 2) * width, part.to_numpy(dtype=float), width=width, color=colour,
               label=str(name))
    ax.set_xticks(base, [str(c) for c in categories], rotation=30 if len(categories) > 6 else 0,
                  ha="right" if len(categories) > 6 else "center")
    ax.axhline(0.0, color="#333", linewidth=0.8)
    ax.legend(frameon=False)


def _heatmap(figure: Figure, ax: Axes, chart: Chart) -> None:
    from matplotlib.colors import LinearSegmentedColormap

    data = chart.data
    rows = list(dict.fromkeys(data["row"]))
    columns = list(dict.fromkeys(data["column"]))
    matrix = data.pivot_table(index="row", columns="column", values="value", sort=False, dropna=False)
    values = matrix.reindex(index=rows, columns=columns).to_numpy(dtype=float)
    half = symmetric_range(values)
    cmap = LinearSegmentedColormap.from_list("okabe_ito_diverging", list(DIVERGING)).with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-half, vmax=half, aspect="auto")
    ax.set_xticks(np.arange(len(columns)), [str(c) for c in columns], rotation=45 if len(columns) > 8 else 0,
                  ha="right" if len(columns) > 8 else "center")
    ax.set_yticks(np.arange(len(rows)), [str(r) for r in rows])
    if len(rows) <= 15 and len(columns) <= 15:
        for (r, c), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(c, r, f"{value:.1f}", ha="center", va="center", fontsize=FONT_SIZE - 2,
                        color="white" if abs(value) > 0.6 * half else "#1a1a1a")
    bar = figure.colorbar(image, ax=ax)
    bar.set_label(chart.value_label)


def _steps(ax: Axes, chart: Chart) -> None:
    data = chart.data
    for name, colour in chart.colours().items():
        part = data[data["series"] == name]
        dates = pd.to_datetime(part["x"])
        ax.step(dates, part["y"].to_numpy(dtype=float), where="post", color=colour, label=str(name), linewidth=1.8)
        ax.plot(dates, part["y"].to_numpy(dtype=float), "o", color=colour, markersize=3)
    ax.axhline(0.0, color="#333", linewidth=0.6)
    ax.legend(frameon=False, fontsize=FONT_SIZE - 1, ncols=2)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
