"""The HTML report: every section, units on every value axis, one sign convention, fingerprints,
tables that read without JavaScript, an offline page, the Okabe–Ito palette, headline numbers that
are the tables' own."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tariffsim.errors import DataError
from tariffsim.report.html import chart_figure, render_comparison, render_report, write_report
from tariffsim.report.views import (
    BASELINE,
    DIVERGING,
    GAIN,
    LOSS,
    OKABE_ITO,
    SERIES_COLOURS,
    SIGN_CONVENTION,
    comparison_sections,
    headline,
    report_sections,
)

RUN_SECTIONS = ["summary", "assumptions", "welfare", "timeline", "balance", "flows", "sectors", "tariffs",
                "diagnostics"]
UNIT = re.compile(r"\((%|USD bn|percentage points)[,)]|\((% change from baseline|USD bn)\)")
MINUS = "\u2212"


@pytest.fixture(scope="module")
def multi_html(multi_run):
    return render_report(multi_run)


@pytest.fixture(scope="module")
def single_html(single_run):
    return render_report(single_run)


@pytest.fixture(scope="module")
def comparison_html(threat_run, single_run):
    return render_comparison(threat_run, single_run)


def without_scripts(page: str) -> str:
    """What a browser without JavaScript shows: the page minus its scripts."""
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)


class Tables(HTMLParser):
    """Every table's caption, header and rows, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def section_tag(key: str) -> str:
    """How a section opens on the page (the Assumptions box carries a class)."""
    return f'<section id="{key}" class="box">' if key == "assumptions" else f'<section id="{key}">'


def parse_tables(page: str) -> list[dict]:
    parser = Tables()
    parser.feed(without_scripts(page))
    return parser.tables


def signed(value: float, digits: int) -> str:
    text = f"{abs(value):,.{digits}f}"
    return (MINUS if value < 0 and text.strip("0.,") else "") + text


# ---------------------------------------------------------------------- structure
def test_every_section_is_present_in_order_with_a_contents_link(multi_html):
    positions = []
    for key in RUN_SECTIONS:
        assert section_tag(key) in multi_html, key
        assert f'href="#{key}"' in multi_html, key
        positions.append(multi_html.index(section_tag(key)))
    assert positions == sorted(positions)
    assert multi_html.rstrip().endswith("</html>")


def test_a_single_date_run_has_no_timeline_but_every_other_section(single_html):
    assert '<section id="timeline">' not in single_html
    for key in RUN_SECTIONS:
        if key != "timeline":
            assert section_tag(key) in single_html, key


def test_diagnostics_and_fingerprints_come_last(multi_run, multi_html):
    sections = re.findall(r'<section id="([a-z_]+)"', multi_html)
    assert sections[-1] == "diagnostics"
    bottom = multi_html[multi_html.index('<section id="diagnostics">'):]
    record = multi_run.record()
    assert record["fingerprints"]["world"] in bottom
    assert record["fingerprints"]["shock"] in bottom
    for date in multi_run.dates:  # one diagnostics row per evaluation date, with its shock fingerprint
        assert multi_run.records[date]["fingerprints"]["shock"][:16] in bottom
    assert "market-clearing residual" in bottom
    assert "us-china-2018-2019.toml" in bottom and "<details>" in bottom


def test_the_sign_convention_is_stated_once(multi_html, single_html, comparison_html):
    for page in (multi_html, single_html, comparison_html):
        assert without_scripts(page).count(SIGN_CONVENTION) == 1
    assert "percent change from the baseline" in SIGN_CONVENTION


# ---------------------------------------------------------------------- charts
def all_charts(multi_run, single_run, threat_run):
    sections = [*report_sections(multi_run), *report_sections(single_run),
                *comparison_sections(threat_run, single_run)]
    return [chart for section in sections for chart in section.charts]


def test_every_value_axis_names_its_unit(multi_run, single_run, threat_run):
    charts = all_charts(multi_run, single_run, threat_run)
    assert len(charts) >= 15
    for chart in charts:
        assert UNIT.search(chart.value_axis_label), (chart.key, chart.value_axis_label)
        assert chart.x_label and chart.y_label, chart.key


def test_every_chart_is_embedded_with_its_axis_titles(multi_run, multi_html):
    charts = [c for s in report_sections(multi_run) for c in s.charts]
    assert {c.key for c in charts} == {"welfare", "welfare_timeline", "tariff_timeline", "bilateral_balance",
                                       "trade_flows", "sector_output", "tariffs", "coverage"}
    for chart in charts:
        assert f'data-chart="{chart.key}"' in multi_html
        assert f'id="chart-{chart.key}"' in multi_html
        for label in (chart.x_label, chart.y_label, chart.value_label):
            if label:
                encoded = json.dumps(label)[1:-1]
                assert label in multi_html or encoded in multi_html, (chart.key, label)


def test_charts_use_the_okabe_ito_palette(multi_run, single_run, threat_run):
    allowed = {c.upper() for c in [*OKABE_ITO.values(), BASELINE]}
    assert {GAIN, LOSS} <= set(OKABE_ITO.values())
    assert set(SERIES_COLOURS) <= set(OKABE_ITO.values())
    assert {DIVERGING[0][1], DIVERGING[-1][1]} <= set(OKABE_ITO.values())
    for chart in all_charts(multi_run, single_run, threat_run):
        figure = chart_figure(chart)
        for trace in figure.data:
            colours = []
            marker = getattr(trace, "marker", None)
            if marker is not None and marker.color is not None:
                colours += [marker.color] if isinstance(marker.color, str) else list(marker.color)
            line = getattr(trace, "line", None)
            if line is not None and getattr(line, "color", None):
                colours.append(line.color)
            if trace.type == "heatmap":
                colours += [step[1] for step in trace.colorscale if step[1] != "#F7F7F7"]
            assert colours, (chart.key, trace.type)
            assert {c.upper() for c in colours} <= allowed, (chart.key, colours)


def test_heat_maps_are_centred_on_zero(multi_run):
    flows = next(c for s in report_sections(multi_run) for c in s.charts if c.key == "trade_flows")
    heatmap = chart_figure(flows).data[0]
    assert heatmap.zmid == 0 and heatmap.zmin == -heatmap.zmax
    assert heatmap.zmax == pytest.approx(multi_run.table("bilateral")["flow_pct"].abs().max())


def test_the_page_works_offline(multi_html):
    assert "<script src" not in multi_html and "<link" not in multi_html
    assert "cdn.plot.ly" not in without_scripts(multi_html)
    assert multi_html.count("Plotly.newPlot(") == 8
    assert len(multi_html) > 1_000_000  # plotly.js is inline


# ---------------------------------------------------------------------- tables without JavaScript
def test_tables_hold_the_numbers_without_javascript(multi_run, multi_html):
    page = without_scripts(multi_html)
    assert "<noscript>" in page
    tables = parse_tables(multi_html)
    captions = [t["caption"] for t in tables]
    for needed in ("Effects by country", "Welfare by evaluation date", "Trade-weighted average tariffs by evaluation",
                   "trade with each partner", "Change in bilateral flows", "Sector effects", "Actions in force",
                   "Solver diagnostics", "Input fingerprints"):
        assert any(needed in c for c in captions), needed
    effects = next(t for t in tables if t["caption"].startswith("Effects by country"))
    header, *rows = effects["rows"]
    assert header[:2] == ["country", "welfare (%)"]
    countries = multi_run.table("countries")
    assert [r[0] for r in rows] == list(countries["country"])
    for row, (_, expected) in zip(rows, countries.iterrows(), strict=True):
        assert row[1] == signed(expected["welfare_pct"], 3)
        assert row[8] == signed(expected["trade_balance_cf"] / 1e3, 2)


def test_flow_matrix_table_matches_the_bilateral_table(single_run, single_html):
    matrix = next(t for t in parse_tables(single_html) if t["caption"].startswith("Change in bilateral flows"))
    header, *rows = matrix["rows"]
    bilateral = single_run.table("bilateral").set_index(["exporter", "importer"])["flow_pct"]
    for row in rows:
        for importer, cell in zip(header[1:], row[1:], strict=True):
            assert cell == signed(bilateral[(row[0], importer)], 1)


# ---------------------------------------------------------------------- headline
def test_headline_states_the_pair_in_plain_words_with_the_tables_numbers(single_run):
    lines = headline(single_run)
    countries = single_run.table("countries").set_index("country")
    usa, chn = countries.loc["USA", "real_income_pct"], countries.loc["CHN", "real_income_pct"]
    # signed percentages: two decimals, three below 0.1 in size (the rule of views.signed_pct)
    usa_text = f"{'+' if usa > 0 else MINUS}{abs(usa):.{2 if abs(usa) >= 0.1 else 3}f}%"
    chn_text = f"{'+' if chn > 0 else MINUS}{abs(chn):.{2 if abs(chn) >= 0.1 else 3}f}%"
    assert lines[0] == f"USA real income {usa_text}; CHN real income {chn_text}."
    # the bilateral balance, exports − imports from the bilateral table, computed here independently
    flows = single_run.table("bilateral").set_index(["exporter", "importer"])
    base = flows.loc[("USA", "CHN"), "flow_base"] - flows.loc[("CHN", "USA"), "flow_base"]
    cf = flows.loc[("USA", "CHN"), "flow_cf"] - flows.loc[("CHN", "USA"), "flow_cf"]
    assert base < cf < 0  # China's retaliation cuts US imports from China more than US exports to it
    assert lines[1] == (f"USA's bilateral deficit with CHN narrows by ${(cf - base) / 1e3:,.1f} bn, from "
                        f"${-base / 1e3:,.1f} bn to ${-cf / 1e3:,.1f} bn (exports to CHN minus imports from CHN, "
                        "at pre-tariff prices).")
    tariff_line = "Trade-weighted average tariffs over all sectors: USA on imports from CHN"
    assert any(line.startswith(tariff_line) for line in lines)
    assert any(line.startswith("Welfare: largest loss CHN") for line in lines)


def test_a_date_with_nothing_in_force_still_reports(multi_run):
    page = render_report(multi_run, "2018-01-01")
    assert "No tariff is changed on 2018-01-01." in page
    lines = headline(multi_run, "2018-01-01")
    assert "Welfare is unchanged in every country." in lines


def test_model_specific_country_columns_are_shown_when_a_run_has_them(single_html):
    from tests.unit.report.conftest import solve_run

    run = solve_run("threat-150bn-2018-retaliation", model_name="multisector")
    assert "terms_of_trade_pct" in run.table("countries")
    effects = next(t for t in parse_tables(render_report(run)) if t["caption"].startswith("Effects by country"))
    assert "terms of trade, contribution (%)" in effects["rows"][0]
    gravity = next(t for t in parse_tables(single_html) if t["caption"].startswith("Effects by country"))
    assert "terms of trade, contribution (%)" not in gravity["rows"][0]


def test_an_unknown_date_is_an_error_naming_the_dates(multi_run):
    with pytest.raises(DataError, match="2018-07-06"):
        render_report(multi_run, "2017-01-01")


# ---------------------------------------------------------------------- comparison and writing
def test_comparison_puts_both_runs_side_by_side(comparison_html, threat_run, single_run):
    for key in ("summary", "assumptions", "welfare", "balance", "flows", "tariffs", "diagnostics"):
        assert section_tag(key) in comparison_html, key
    tables = parse_tables(comparison_html)
    differ = next(t for t in tables if t["caption"] == "What differs between the runs")
    rows = {r[0]: r[1:] for r in differ["rows"][1:]}
    assert rows["scenario"] == ["threat-150bn-2018", "threat-150bn-2018-retaliation", "differs"]
    assert rows["baseline World"][2] == "yes" and rows["shock fingerprint"][2] == "differs"
    side = next(t for t in tables if t["caption"].startswith("Side by side"))
    header, *body = side["rows"]
    a = threat_run.table("countries").set_index("country")["welfare_pct"]
    b = single_run.table("countries").set_index("country")["welfare_pct"]
    column = header.index("welfare B − A (pp)")
    for row in body:
        assert row[column] == signed(b[row[0]] - a[row[0]], 3)


def test_write_report_replaces_the_file_atomically(single_run, tmp_path):
    path = tmp_path / "sub" / "report.html"
    path.parent.mkdir()
    path.write_text("old")
    assert write_report(single_run, path) == path
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_the_section_301_lists_stand_beside_their_announced_and_census_values(multi_run):
    """The original file covers List 1 with its announced value ('approximately $34 billion', USTR 83 FR 28710);
    the table reads the coverage table and the list values (USTR; 2018 US Census, as issue 13 quotes them)."""
    tariffs = next(s for s in report_sections(multi_run, "2019-09-01") if s.key == "tariffs")
    table = next(t for t in tariffs.tables if t.caption.startswith("Section 301 lists on")).frame.set_index("list")
    assert list(table.index) == ["Section 301 List 1", "Section 301 List 2", "Section 301 List 3",
                                 "Section 301 List 4A"]
    assert list(table["announced (USD bn)"]) == [34.0, 16.0, 200.0, 120.0]
    assert list(table["2018 Census (USD bn)"]) == pytest.approx([32.0, 15.3, 191.8, 110.1])
    coverage = multi_run.table("coverage", "2019-09-01").set_index("label")
    assert table.loc["Section 301 List 1", "covered in the World (USD bn)"] == pytest.approx(
        coverage.loc["Section 301 List 1", "covered_value_usd_m"] / 1e3)
    assert table.loc["Section 301 List 1", "covered / announced"] == pytest.approx(1.0)
