"""Static chart export: one file per chart and format, the report's labels, reproducible files."""

from __future__ import annotations

import pytest

from tariffsim.errors import DataError
from tariffsim.report.static import export_charts, report_charts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_chart_is_written_as_png_and_svg_with_its_labels(single_run, tmp_path):
    charts = report_charts(single_run)
    files = export_charts(single_run, tmp_path, formats=("png", "svg"))
    assert sorted(p.name for p in files) == sorted(f"{c.key}.{fmt}" for c in charts for fmt in ("png", "svg"))
    for chart in charts:
        assert (tmp_path / f"{chart.key}.png").read_bytes()[:8] == PNG_MAGIC
        svg = (tmp_path / f"{chart.key}.svg").read_text(encoding="utf-8")
        assert chart.title.split(",")[0] in svg  # text kept as text: editable in papers
        assert chart.value_axis_label.replace("&", "&amp;") in svg, chart.key


def test_the_same_run_gives_the_same_svg(single_run, tmp_path):
    first = export_charts(single_run, tmp_path / "a", formats=("svg",), charts=["welfare"])
    second = export_charts(single_run, tmp_path / "b", formats=("svg",), charts=["welfare"])
    assert first[0].read_bytes() == second[0].read_bytes()


def test_timeline_charts_are_exported_for_runs_over_dates(multi_run, tmp_path):
    files = export_charts(multi_run, tmp_path, charts=["tariff_timeline", "welfare_timeline"])
    assert [p.name for p in files] == ["welfare_timeline.png", "tariff_timeline.png"]


def test_bad_formats_and_chart_names_are_errors(single_run, tmp_path):
    with pytest.raises(DataError, match="jpeg is not one of png, svg"):
        export_charts(single_run, tmp_path, formats=("jpeg",))
    with pytest.raises(DataError, match=r"no chart nope.*welfare"):
        export_charts(single_run, tmp_path, charts=["nope"])
