"""Yotov et al. (2016), ch. 2, application 2 (NAFTA): see README.md for provenance and tolerances."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tariffsim.replicate import COUNTRY_COLUMNS, yotov2016_app2

# Effects of NAFTA on real GDP, percent (book text, ch. 2, application 2).
BOOK_REAL_GDP = {"CAN": 3.40, "MEX": 3.81, "USA": 0.33}
# The book's Stata log of this application (RTAsEffects.log): coefficient, standard error.
BOOK_STAGE1 = {"rta": (0.5571853, 0.055771)}
BOOK_STAGE2 = {"ln_dist": (-0.8475027, 0.0346902), "cntg": (0.2940831, 0.0948405),
               "lang": (0.3632659, 0.0826225), "clny": (0.2394163, 0.114736)}
# Stage-1 pair effects PAIR_FE1-4 of the log: pair_id 1-4 = ARG-AUS, ARG-AUT, ARG-BGR, ARG-BEL.
BOOK_PAIR_EFFECTS = {("ARG", "AUS"): -7.5535, ("ARG", "AUT"): -7.436111, ("ARG", "BGR"): -7.88218,
                     ("ARG", "BEL"): -6.64445}
BOOK_N_STAGE1, BOOK_N_STAGE2 = 28482, 4678


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*yotov2016_app2.FILES)
    out = tmp_path_factory.mktemp("app2")
    return out, yotov2016_app2.run(data, out)


def test_published_numbers_are_the_books():
    assert yotov2016_app2.PUBLISHED == BOOK_REAL_GDP
    assert yotov2016_app2.PUBLISHED_COEFFICIENTS == {"stage 1": BOOK_STAGE1, "stage 2": BOOK_STAGE2}


@pytest.mark.shared_data
@pytest.mark.slow
def test_coefficients_match_the_book(output):
    out, _ = output
    table = pd.read_csv(out / "coefficients.csv").set_index(["stage", "variable"])
    for stage, book in (("stage 1", BOOK_STAGE1), ("stage 2", BOOK_STAGE2)):
        for variable, (coef, se) in book.items():
            assert table.loc[(stage, variable), "coef"] == pytest.approx(coef, abs=5e-5), variable
            assert table.loc[(stage, variable), "se"] == pytest.approx(se, rel=1e-4), variable


@pytest.mark.shared_data
@pytest.mark.slow
def test_pair_effects_and_samples_match_the_log(output):
    out, _ = output
    costs = pd.read_csv(out / "trade_costs.csv").set_index(["exporter", "importer"])
    for pair, value in BOOK_PAIR_EFFECTS.items():
        assert costs.loc[pair, "pair_effect"] == pytest.approx(value, abs=1e-3), pair
    assert (costs["pair_effect_source"] == "predicted").sum() == 14  # 7 pairs, both directions
    domestic = costs.index.get_level_values(0) == costs.index.get_level_values(1)
    assert np.all(costs.loc[domestic, "pair_effect"] == 0.0)
    record = json.loads((out / "run.json").read_text())
    assert record["stage1"]["observations"] == BOOK_N_STAGE1
    assert record["stage2"]["observations"] == BOOK_N_STAGE2
    assert record["stage1"]["adding_up_residual"] < 1e-10


@pytest.mark.shared_data
@pytest.mark.slow
def test_book_mode_reproduces_the_nafta_effects(output):
    out, rep = output
    countries = pd.read_csv(out / "countries.csv")
    assert list(countries.columns) == COUNTRY_COLUMNS and len(countries) == 69
    table = countries.set_index("country")
    for country, published in BOOK_REAL_GDP.items():
        assert table.loc[country, "real_gdp_pct"] == pytest.approx(published, abs=0.02), country
    comparison = rep.comparison.set_index("item")
    assert comparison.loc["CAN", "book_mode"] == pytest.approx(table.loc["CAN", "real_gdp_pct"])


@pytest.mark.shared_data
@pytest.mark.slow
def test_exact_mode_clears_markets_and_stays_close(output):
    out, rep = output
    record = json.loads((out / "run.json").read_text())
    assert record["results"]["exact"]["market_clearing_residual"] < 1e-9
    assert record["results"]["book"]["market_clearing_residual"] > 1e-4  # the book stops early
    gdp = rep.comparison[rep.comparison["quantity"].str.startswith("effect")]
    assert (gdp["exact_mode"] - gdp["book_mode"]).abs().max() < 0.2


def test_effects_invert_the_removal():
    """effects_of_nafta turns 100·(cf/base − 1) into 100·(base/cf − 1), column by column (identity)."""
    from tariffsim import GravityModel, Shock, simulate
    from tariffsim.testing import random_world

    rng = np.random.default_rng(3)
    world = random_world(rng, 5, 1, tariff_max=0.0)
    shock = Shock.from_arrays(world, trade_cost_hat=rng.uniform(0.9, 1.2, world.shape))
    removal = simulate(world, shock, model=GravityModel(closure="fixed_ratio"))
    effect = yotov2016_app2.effects_of_nafta(removal).set_index("country")
    change = removal.countries.set_index("country")
    for column in COUNTRY_COLUMNS[1:]:
        np.testing.assert_allclose((1 + effect[column] / 100) * (1 + change[column] / 100), 1.0, rtol=1e-12)
