"""Yotov et al. (2016), ch. 2, application 1: see README.md in this folder for provenance and tolerances."""

from __future__ import annotations

import pandas as pd
import pytest

from tariffsim import replicate
from tariffsim.replicate import COUNTRY_COLUMNS
from tariffsim.replicate.yotov2016_app1 import PUBLISHED

# Published full-endowment real GDP effects, percent (book text, ch. 2, application 1).
BOOK = {"CAN": 54.36, "USA": 10.65, "CHN": 14.35, "DEU": 24.31}


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*replicate.get("yotov2016-app1").FILES)
    out = tmp_path_factory.mktemp("app1")
    rep = replicate.run("yotov2016-app1", data, out)
    return out, rep


def test_published_numbers_are_the_books():
    assert PUBLISHED == BOOK


def test_book_mode_reproduces_the_published_numbers(output):
    _, rep = output
    table = rep.comparison.set_index("country")
    for country, published in BOOK.items():
        assert table.loc[country, "book_real_gdp_pct"] == pytest.approx(published, abs=0.02), country


def test_exact_mode_is_close_to_the_book_and_clears_markets(output):
    out, rep = output
    table = rep.comparison.set_index("country")
    assert (table["exact_real_gdp_pct"] - table["book_real_gdp_pct"]).abs().max() < 1.0
    countries = pd.read_csv(out / "countries.csv")
    assert list(countries.columns) == COUNTRY_COLUMNS
    assert len(countries) == 69
    import json

    record = json.loads((out / "run.json").read_text())
    assert record["market_clearing_residual"] < 1e-9
    assert record["mode"] == "exact"


def test_book_answer_does_not_clear_markets(tmp_path):
    from tests.conftest import data_root

    data = data_root(*replicate.get("yotov2016-app1").FILES)
    from tariffsim.replicate.yotov2016_app1 import solve

    book = solve(data, "book")
    assert book.equilibrium.market_clearing_residual() > 1e-4
    assert book.diagnostics.method == "book"
