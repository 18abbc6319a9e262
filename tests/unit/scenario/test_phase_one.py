"""The bundled Phase One scenario: China's purchase commitments met as floors, in CI.

Expected values are the agreement's own figures (Economic and Trade Agreement between
the United States and China, 15 January 2020, Annex 6.1: purchases above the 2017
baseline of $32.9 / $12.5 / $18.5 bn in 2020 and $44.8 / $19.5 / $33.9 bn in 2021 of
manufactured goods, agriculture and energy) and the baseline flows of the World.
"""

from __future__ import annotations

import pytest

from tariffsim.runs import run_scenario

MANUFACTURES = ["CHM", "MET", "MAC", "VEH", "OTH"]
FLOORS = {
    "2020-02-14": {"mfg": 32900.0, "AGR": 12500.0, "ENE": 18500.0},
    "2021-01-01": {"mfg": 44800.0, "AGR": 19500.0, "ENE": 33900.0},
}


@pytest.fixture(scope="module")
def run():
    return run_scenario("us-china-phase-one-2020", dates=["2019-09-01", *FLOORS])


def _china_buys(result, sectors):
    table = result.bilateral_sectors
    rows = table[(table["exporter"] == "USA") & (table["importer"] == "CHN") & table["sector"].isin(sectors)]
    # Nominal values in units of world output: the floors are held there (default numeraire keeps
    # world output at its baseline, so the ratio is 1 here; divide anyway, as the model does).
    eq = result.equilibrium
    index = eq.output.sum() / result.baseline.output.sum()
    return rows["flow_base"].sum(), rows["flow_cf"].sum() / index


@pytest.mark.parametrize("date", list(FLOORS))
def test_every_floor_holds_and_the_binding_ones_hold_exactly(run, date):
    result = next(d.result for d in run.dated if d.key == date)
    for key, value in FLOORS[date].items():
        sectors = MANUFACTURES if key == "mfg" else [key]
        base, bought = _china_buys(result, sectors)
        assert bought >= base + value - 1e-6 * (base + value), key
    # Without the purchases (the same tariffs on 2019-09-01) China buys far less than the floors:
    # every 2021 floor binds, so it holds with equality.
    if date == "2021-01-01":
        for key, value in FLOORS[date].items():
            sectors = MANUFACTURES if key == "mfg" else [key]
            base, bought = _china_buys(result, sectors)
            assert bought == pytest.approx(base + value, rel=1e-8), key


def test_the_purchases_move_welfare_toward_the_seller(run):
    """Buying from the US at the baseline preferences' cost: the US gains relative to the war
    without purchases, China loses (it buys from a dearer supplier)."""
    by_date = run.timeline.pivot_table(index="date", columns="country", values="welfare_pct")
    assert by_date.loc["2021-01-01", "USA"] > by_date.loc["2019-09-01", "USA"]
    assert by_date.loc["2021-01-01", "CHN"] < by_date.loc["2019-09-01", "CHN"]
