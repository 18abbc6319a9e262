"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright, as a person uses it.

``tariffsim serve`` runs in a subprocess on a free loopback port with a fresh data directory. The
test opens the address it printed (with its token), opens the bundled US–China scenario in the
editor, changes the rate of Section 301 List 1 from 25 % to 50 %, sees the live validation, runs
it, follows the job to its report, and checks that the welfare chart and the table of country
effects show the new numbers: those of ``run_scenario`` on the same edit, computed here in the test
process (and different from the unedited scenario's, so the check can fail). No console error, no
uncaught exception and no request leaving the machine is allowed on any page.

Screenshots of the pages are written to a temporary folder, or, with
``TARIFFSIM_SCREENSHOTS=1``, to ``docs/img/`` for docs/app.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tariffsim.runs import run_scenario
from tariffsim.scenario import load_scenario, to_toml
from tests.web.test_serve import start_app

SCENARIO = "us-china-2018-2019"
EDITED = "Section 301 List 1"
RATE = 0.50
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, url, _ = start_app(tmp_path_factory.mktemp("app-data"))
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)




@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("TARIFFSIM_SCREENSHOTS"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path


def expected_welfare() -> tuple[dict[str, float], dict[str, float]]:
    """Welfare by country on the last date: the edited scenario and the bundled one, by ``run_scenario`` here."""
    spec = load_scenario(SCENARIO).spec
    actions = [a.model_copy(update={"rate": RATE}) if a.label == EDITED else a for a in spec.action]
    assert sum(a.label == EDITED for a in spec.action) == 1
    edited = run_scenario(to_toml(spec.model_copy(update={"action": actions}))).result().countries
    original = run_scenario(SCENARIO).result().countries
    return (dict(zip(edited["country"], edited["welfare_pct"], strict=True)),
            dict(zip(original["country"], original["welfare_pct"], strict=True)))


def shown(value: float, digits: int = 3) -> str:
    """A number as the report's tables print it (minus sign U+2212)."""
    text = f"{abs(value):,.{digits}f}"
    return ("\u2212" if value < 0 and any(c not in "0.," for c in text) else "") + text


def test_edit_a_rate_run_and_read_the_new_numbers(app_url, browser, shots):
    base = app_url.split("?")[0]
    context = browser.new_context(viewport={"width": 1200, "height": 760})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type in ("error", "assert")
            else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("request", lambda r: problems.append(f"request off the machine: {r.url}")
            if not r.url.startswith((base, "data:", "blob:", "about:")) else None)
    try:
        page.goto(app_url)
        assert page.url == base  # the token left the address for a session cookie
        assert page.locator("text=us-china-2018-2019").first.is_visible()
        page.screenshot(path=str(shots / "app-home.png"))

        page.goto(f"{base}worlds/demo-2017")
        page.wait_for_selector("figure.chart .plotly-graph-div svg.main-svg", timeout=30_000)
        page.screenshot(path=str(shots / "app-world.png"))

        page.goto(f"{base}editor?bundled={SCENARIO}")
        page.wait_for_selector("#check-result", timeout=60_000)
        label = page.locator(f'input[name$=".label"][value="{EDITED}"]')
        prefix = label.get_attribute("name").rsplit(".", 1)[0]
        rate = page.locator(f'input[name="{prefix}.rate"]')
        assert rate.input_value() == "25%"
        rate.fill("fifty")
        page.wait_for_selector("#validation-message", timeout=20_000)
        assert "must be a number (0.25) or a percentage" in page.inner_text("#validation-message")
        assert f"key '{prefix}.rate'" in page.inner_text("#validation-message")
        rate.fill(f"{RATE:.0%}")
        page.wait_for_selector("#check-result", timeout=60_000)
        assert "Compiles on every evaluation date" in page.inner_text("#check-result")
        assert "rate = \"50%\"" in page.inner_text("#toml-preview")
        rate.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "app-editor.png"))

        page.click("#run-button")
        page.wait_for_url(re.compile(r".*/jobs/j[0-9a-f]+$"), timeout=30_000)
        page.screenshot(path=str(shots / "app-job.png"))
        page.wait_for_url(re.compile(r".*/runs/\d{8}-\d{6}-[0-9a-f]{6}$"), timeout=180_000)
        page.wait_for_selector("#chart-welfare svg.main-svg .cartesianlayer", timeout=60_000)

        edited, original = expected_welfare()
        assert abs(edited["USA"] - original["USA"]) > 1e-3  # the edit moves the numbers the page must show
        chart: dict[str, Any] = page.evaluate(
            "() => { const d = document.getElementById('chart-welfare')._fullData[0]; "
            "return {x: Array.from(d.x), y: Array.from(d.y)}; }")
        np.testing.assert_allclose(chart["y"], [edited[c] for c in chart["x"]], rtol=1e-9, atol=1e-12)
        table = page.locator("table", has_text="Effects by country").first
        rows = {cells[0]: cells[1] for cells in (r.split("\t") for r in table.locator("tbody tr").all_inner_texts())}
        header = table.locator("thead th").all_inner_texts()
        assert header[:2] == ["country", "welfare (%)"], header
        assert rows == {c: shown(v) for c, v in edited.items()}
        page.screenshot(path=str(shots / "app-run.png"))
        page.locator("#welfare").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "app-welfare.png"))

        page.goto(f"{base}runs")
        assert page.locator("table tbody tr").count() == 1
        page.screenshot(path=str(shots / "app-runs.png"))
        assert problems == []
    finally:
        context.close()
