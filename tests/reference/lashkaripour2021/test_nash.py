"""Lashkaripour (2021), the global tariff war on WIOD 2014 (``lashkaripour2021-nash``): see README.md here.

CI runs the paper's one-shot system once (a module fixture, ~20 s) and checks best responses of three
economies against it; the whole best-response war runs with ``TARIFFSIM_LONG=1``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tariffsim.games import Instrument, Player, best_response
from tariffsim.models import GravityModel, simulate
from tariffsim.replicate import lashkaripour2021_nash
from tariffsim.shock import Shock

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
LONG = pytest.mark.skipif(os.environ.get("TARIFFSIM_LONG", "") not in ("1", "true"),
                          reason="minutes of computing: set TARIFFSIM_LONG=1 (see README.md)")

# ahmadlp/tariffwar, README "Validated results": WIOD 2014 with the paper's elasticities, mean welfare
# change over the 44 economies −2.41 %.
PACKAGE_MEAN_WELFARE = -2.41
MEAN_TOLERANCE_PP = 0.05
# Lashkaripour (2021), Table 2, baseline model: the "Average" row (over 44 economies: the 43 rows
# average 40.77 % and −2.432 %, so the unlisted rest of the world is in it); "all countries lose
# without exception".
PAPER_MEAN_WELFARE = -2.42
PAPER_MEAN_TARIFF = 40.5
PAPER_WELFARE_TOLERANCE_PP = 0.1
PAPER_TARIFF_TOLERANCE_PP = 3.0
# Best responses against the one-shot system (Proposition 1 rests on the approximation of eq. 8; see
# README.md for the sizes).
TARIFF_GAP_PP = 4.0
WELFARE_GAIN_PCT = 1e-2
WELFARE_GAP_PP = 0.25
MEAN_GAP_PP = 0.1


@pytest.fixture(scope="module")
def foc_run(tmp_path_factory):
    from tests.conftest import data_root

    root = data_root(*lashkaripour2021_nash.FILES)
    out = tmp_path_factory.mktemp("lashkaripour-nash")
    rep = lashkaripour2021_nash.run(root, out)
    return root, out, rep


def test_files_and_columns(foc_run):
    _, out, rep = foc_run
    assert [p.name for p in rep.files] == ["summary.csv", "paper_table2.csv"]
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["country", "nash_tariff_pct", "welfare_pct"] and len(summary) == 45
    assert summary["country"].iloc[-1] == "average" and summary["country"].iloc[-2] == "ROW"
    body = summary.iloc[:-1]
    assert summary["welfare_pct"].iloc[-1] == pytest.approx(body["welfare_pct"].mean())
    assert (body["nash_tariff_pct"] > 0).all() and (body["nash_tariff_pct"] < 100).all()


def test_mean_welfare_is_the_packages(foc_run):
    _, out, _ = foc_run
    summary = pd.read_csv(out / "summary.csv").set_index("country")
    assert summary.loc["average", "welfare_pct"] == pytest.approx(PACKAGE_MEAN_WELFARE, abs=MEAN_TOLERANCE_PP)


def test_the_papers_table_2(foc_run):
    """Averages of the paper's Table 2 (its own WIOD build; see README.md for why per-country numbers move)."""
    _, out, _ = foc_run
    table = pd.read_csv(out / "paper_table2.csv").set_index("country")
    average = table.loc["average"]
    assert average["paper_welfare_pct"] == PAPER_MEAN_WELFARE and average["paper_tariff_pct"] == PAPER_MEAN_TARIFF
    assert average["tariffsim_welfare_pct"] == pytest.approx(PAPER_MEAN_WELFARE, abs=PAPER_WELFARE_TOLERANCE_PP)
    assert average["tariffsim_tariff_pct"] == pytest.approx(PAPER_MEAN_TARIFF, abs=PAPER_TARIFF_TOLERANCE_PP)
    body = table.drop("average")
    assert len(body) == 43 and (body["tariffsim_welfare_pct"] < 0).all()  # everyone loses, as in the paper
    assert np.corrcoef(body["paper_welfare_pct"], body["tariffsim_welfare_pct"])[0, 1] > 0.9
    # The transcription against the paper's averages: the rest of the world they imply (44 × average −
    # the 43 rows, give or take 44 × half the last digit) is a tariff war's outcome, like ours for it.
    implied_tariff = 44 * PAPER_MEAN_TARIFF - body["paper_tariff_pct"].sum()
    implied_welfare = 44 * PAPER_MEAN_WELFARE - body["paper_welfare_pct"].sum()
    ours = pd.read_csv(out / "summary.csv").set_index("country").loc["ROW"]
    assert abs(implied_tariff - ours["nash_tariff_pct"]) < 44 * 0.05 + PAPER_TARIFF_TOLERANCE_PP
    assert abs(implied_welfare - ours["welfare_pct"]) < 44 * 0.005 + PAPER_WELFARE_TOLERANCE_PP


def test_welfare_is_the_models_result_at_the_nash_tariffs(foc_run):
    """The summary's welfare equals a fresh simulate() of the Nash tariffs on the factual World (which
    purges the deficits itself): an independent path through the model."""
    root, out, _ = foc_run
    world = lashkaripour2021_nash.wiod_world(root)
    summary = pd.read_csv(out / "summary.csv").set_index("country").drop("average")
    rates = summary.loc[list(world.countries), "nash_tariff_pct"].to_numpy() / 100.0
    profile = np.broadcast_to(((1.0 - np.eye(world.n_countries)) * rates[None, :])[:, :, None], world.shape)
    result = simulate(world, Shock.from_arrays(world, tariffs=np.array(profile)),
                      model=GravityModel(closure="balanced"))
    welfare = result.countries.set_index("country").loc[list(world.countries), "welfare_pct"]
    np.testing.assert_allclose(welfare.to_numpy(), summary["welfare_pct"].to_numpy(), atol=1e-6)


def test_best_responses_to_the_first_order_nash_tariffs(foc_run):
    """Exact best responses (gradients through the equilibrium, no approximation) to the one-shot Nash
    profile stay within a few points of it and gain almost nothing: the largest economy (USA), the largest
    gap in the war run (ROW) and a small open one (LUX)."""
    root, _, _ = foc_run
    state = lashkaripour2021_nash.setup(root)
    _, foc = lashkaripour2021_nash.foc_summary(state)
    world = state.game.world
    for country in ("USA", "ROW", "LUX"):
        k = world.country_index(country)
        response = best_response(state.game, Player(Instrument(country, partners="mfn", sectors="uniform")),
                                 foc.profile, start=foc.tariffs[k:k + 1], starts="given")
        assert abs(response.params[0] - foc.tariffs[k]) * 100 < TARIFF_GAP_PP, country
        assert 0 <= response.gain_pct < WELFARE_GAIN_PCT, country


@LONG
def test_the_best_response_war_ends_where_the_first_order_conditions_do(tmp_path_factory):
    from tests.conftest import data_root

    out = tmp_path_factory.mktemp("lashkaripour-war")
    lashkaripour2021_nash.run(data_root(*lashkaripour2021_nash.FILES), out, mode="war")
    cross = pd.read_csv(out / "cross_check.csv").set_index("country")
    body = cross.drop("average")
    assert (body["war_tariff_pct"] - body["foc_tariff_pct"]).abs().max() < TARIFF_GAP_PP
    assert (body["war_welfare_pct"] - body["foc_welfare_pct"]).abs().max() < WELFARE_GAP_PP
    average = cross.loc["average"]
    assert average["war_welfare_pct"] == pytest.approx(average["foc_welfare_pct"], abs=MEAN_GAP_PP)
    assert (body["war_welfare_pct"] < 0).all()
