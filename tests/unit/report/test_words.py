"""Words that match the numbers: the headline's balance sentence and the Assumptions box.

Expected sentences are written out by hand from the numbers given (the first is issue 11's
example: a deficit of $375.2 bn that falls to $209.7 bn narrows by $165.5 bn).
"""

from __future__ import annotations

import pytest

from tariffsim.report.html import render_comparison, render_report
from tariffsim.report.run import RunData
from tariffsim.report.views import _balance_sentence, assumption_bullets, imputed_sources, report_sections

WHAT = "(exports to CHN minus imports from CHN, at pre-tariff prices)"


@pytest.mark.parametrize(("base", "cf", "sentence"), [
    (-375_200.0, -209_700.0,
     f"USA's bilateral deficit with CHN narrows by $165.5 bn, from $375.2 bn to $209.7 bn {WHAT}."),
    (-100_000.0, -125_000.0,
     f"USA's bilateral deficit with CHN widens by $25.0 bn, from $100.0 bn to $125.0 bn {WHAT}."),
    (40_000.0, 52_500.0, f"USA's bilateral surplus with CHN grows by $12.5 bn, from $40.0 bn to $52.5 bn {WHAT}."),
    (40_000.0, 30_000.0, f"USA's bilateral surplus with CHN shrinks by $10.0 bn, from $40.0 bn to $30.0 bn {WHAT}."),
    (-10_000.0, 5_000.0, "USA's bilateral trade with CHN goes from a deficit of $10.0 bn to a surplus of $5.0 bn, "
                         f"a swing of $15.0 bn towards surplus {WHAT}."),
    (8_000.0, -2_000.0, "USA's bilateral trade with CHN goes from a surplus of $8.0 bn to a deficit of $2.0 bn, "
                        f"a swing of $10.0 bn towards deficit {WHAT}."),
    (-50_000.0, -50_020.0, f"USA's bilateral trade with CHN stays at a deficit of $50.0 bn {WHAT}."),
])
def test_the_balance_sentence_names_the_change_and_both_levels_once(base, cf, sentence):
    assert _balance_sentence("USA", "CHN", base, cf) == sentence


def test_no_balance_sentence_mixes_a_signed_change_with_levels():
    for base, cf in ((-375_200.0, -209_700.0), (40_000.0, 30_000.0), (-10_000.0, 5_000.0)):
        text = _balance_sentence("USA", "CHN", base, cf)
        assert "→" not in text and "+$" not in text and "\u2212$" not in text, text


def _with_record(run: RunData, **changes: object) -> RunData:
    """The same tables under a run record with some entries replaced (as another run would have written)."""
    records = {d: {**r, **changes} for d, r in run.records.items()}
    return RunData(name=run.name, dates=run.dates, tables=dict(run.tables), records=records, source=run.source)


def test_imputed_figures_are_named_with_their_source_notes(single_run):
    # the bundled demo world is world-2017 aggregated: its source notes declare nothing imputed
    assert imputed_sources(single_run.record()) == {}
    assert assumption_bullets(single_run)[0].startswith("The baseline World (demo-2017) declares no imputed figures")
    # a World whose notes say so (the words of IMPUTED: imputed, assumed, RAS, ...) has them quoted in full
    notes = {"flows": "bilateral cells by RAS, the sector mix of every flow imputed", "tariffs": "applied, observed",
             "domestic": "share rule: an assumption"}
    imputed = _with_record(single_run, baseline={**single_run.record()["baseline"], "sources": notes})
    assert set(imputed_sources(imputed.record())) == {"flows", "domestic"}
    bullets = assumption_bullets(imputed)
    assert bullets[0].startswith("The baseline World (demo-2017) holds imputed or modelled figures")
    assert f"flows: {notes['flows']}." in bullets and f"domestic: {notes['domestic']}." in bullets
    assert not any(b.startswith("tariffs:") for b in bullets)


def test_the_unit_of_nominal_values_and_the_closure_follow_the_run_record(single_run):
    record = single_run.record()
    assert record["model"]["numeraire"] == "world_output" and record["model"]["closure"] == "fixed_level"
    bullets = assumption_bullets(single_run)
    assert any("in units of the numeraire, world output" in b for b in bullets)
    assert any(b.startswith("Trade imbalances: closure fixed_level") for b in bullets)
    other = _with_record(single_run, model={**record["model"], "numeraire": "wage:USA", "closure": "balanced"},
                         baseline={**record["baseline"], "sources": {"flows": "BACI 2017, observed"}})
    bullets = assumption_bullets(other)
    assert bullets[0].startswith("The baseline World (demo-2017) declares no imputed figures")
    assert any("in units of the numeraire, USA's factory-gate price (its wage)" in b for b in bullets)
    assert any(b.startswith("Trade imbalances: closure balanced — deficits are first removed") for b in bullets)
    assert not any("world output" in b for b in bullets)


def test_the_assumptions_box_follows_the_summary_on_every_report(single_run, threat_run):
    keys = [s.key for s in report_sections(single_run)]
    assert keys[:3] == ["summary", "assumptions", "welfare"]
    page = render_report(single_run)
    box = page[page.index('<section id="assumptions" class="box">'):page.index('<section id="welfare">')]
    assert "<h2>Assumptions</h2>" in box and "USD millions of 2017" in box
    assert "The baseline World (demo-2017) declares no imputed figures" in box
    both = render_comparison(threat_run, single_run)
    box = both[both.index('<section id="assumptions" class="box">'):both.index('<section id="welfare">')]
    assert "<li>A: The baseline World (demo-2017)" in box and "<li>B: The baseline World (demo-2017)" in box
