"""The HTML reports in a real browser: Debian's Chromium, headless, driven by Playwright.

The reports of real runs (the demo scenario over its six dates on world-2017, written by
``tariffsim run --demo --report``, and a comparison of two bundled scenarios from
``tariffsim runs compare``) are opened from disk. A test fails on any console error or
uncaught exception, on any request that leaves the file (the page must work offline), and
on any chart that did not draw: each chart's SVG must hold bars, lines or a heat-map image
of non-zero size, with its axis titles.

Chromium and its launch: tests/browser/conftest.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tariffsim.data import load_world

RUN_ID = re.compile(r"recorded run (\d{8}-\d{6}-[0-9a-f]{6})")




def tariffsim(*args: str, cwd: Path, data_dir: Path) -> str:
    env = {**os.environ, "TARIFFSIM_DATA_DIR": str(data_dir)}
    out = subprocess.run([sys.executable, "-m", "tariffsim", *args], capture_output=True, text=True, cwd=cwd,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo run's report and a comparison report, made by the CLI as a user would."""
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "data"
    printed = tariffsim("run", "--demo", "--out", "out/demo", "--report", cwd=root, data_dir=data_dir)
    assert "report: " in printed
    tariffsim("run", "threat-150bn-2018", "--out", "out/a", cwd=root, data_dir=data_dir)
    tariffsim("run", "threat-150bn-2018-retaliation", "--out", "out/b", cwd=root, data_dir=data_dir)
    tariffsim("runs", "compare", "threat-150bn-2018", "threat-150bn-2018-retaliation", "--out", "compare.html",
              cwd=root, data_dir=data_dir)
    return {"demo": root / "out" / "demo" / "report.html", "compare": root / "compare.html"}




class Visit:
    """A page opened in its own context, with what it logged and asked for."""

    def __init__(self, browser: Any, path: Path, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type in ("error", "assert") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def close(self) -> None:
        self.context.close()


CHART_STATE = """() => Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const div = figure.querySelector('.plotly-graph-div');
  const svg = div ? div.querySelector('svg.main-svg') : null;
  const canvas = div ? Array.from(div.querySelectorAll('canvas')).filter(c => c.width > 0 && c.height > 0) : [];
  const layer = svg ? svg.querySelector('.cartesianlayer') : null;
  const drawn = [];
  if (layer) {
    for (const el of layer.querySelectorAll('g.point path, path.js-line, image')) {
      const box = el.getBoundingClientRect();
      const data = el.getAttribute('d') || el.getAttribute('href') || el.getAttribute('xlink:href') || '';
      if (data.length > 8 && (box.width > 0 || box.height > 0)) drawn.push(el.tagName);
    }
  }
  const text = sel => { const t = div ? div.querySelector(sel) : null; return t ? t.textContent : ''; };
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {key: figure.dataset.chart, svg: !!svg, width: box.width, height: box.height, marks: drawn.length,
          canvas: canvas.length, x: text('.g-xtitle text'), y: text('.g-ytitle text'), colorbar: text('.cbtitle text')};
})"""


def rendered_charts(visit: Visit) -> list[dict[str, Any]]:
    visit.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('figure.chart')).every("
        "f => f.querySelector('.plotly-graph-div svg.main-svg .cartesianlayer'))", timeout=30_000)
    charts: list[dict[str, Any]] = visit.page.evaluate(CHART_STATE)
    return charts


def check_charts(charts: list[dict[str, Any]], expected: set[str]) -> None:
    assert {c["key"] for c in charts} == expected
    for chart in charts:
        assert chart["svg"] or chart["canvas"], chart
        assert chart["width"] > 200 and chart["height"] > 200, chart
        assert chart["marks"] > 0 or chart["canvas"] > 0, f"chart {chart['key']} drew nothing: {chart}"
        assert chart["x"] and chart["y"], f"chart {chart['key']} has no axis titles: {chart}"
        unit = chart["colorbar"] or chart["y"] + chart["x"]
        assert "%" in unit or "USD" in unit or "percentage points" in unit, chart


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_page(path: Path, javascript: bool = True) -> Visit:
        opened.append(Visit(browser, path, javascript))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def test_demo_report_renders_every_chart_without_errors(reports, visit):
    page = visit(reports["demo"])
    charts = rendered_charts(page)
    check_charts(charts, {"welfare", "welfare_timeline", "tariff_timeline", "bilateral_balance", "trade_flows",
                          "sector_output", "tariffs", "coverage"})
    assert page.errors == []
    assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in page.requests), page.requests
    assert "USA real income" in page.page.inner_text("#summary")
    box = page.page.locator("section#assumptions")
    assert box.is_visible() and "imputed" in box.inner_text() and "units of the numeraire" in box.inner_text()


def test_comparison_report_renders_every_chart_without_errors(reports, visit):
    page = visit(reports["compare"])
    check_charts(rendered_charts(page), {"welfare_compare", "balance_compare", "flows_compare", "tariffs_compare"})
    assert page.errors == []
    assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in page.requests), page.requests


def test_without_javascript_the_tables_carry_the_numbers(reports, visit):
    page = visit(reports["demo"], javascript=False)
    assert page.page.locator("p.noscript").is_visible()
    assert page.page.locator("svg.main-svg").count() == 0
    tables = page.page.locator("table")
    assert tables.count() >= 10
    effects = page.page.locator("table", has_text="Effects by country").first
    assert effects.is_visible()
    assert effects.locator("tbody tr").count() == len(load_world("world-2017").countries)  # the demo's World
    assert page.errors == []
