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


@pytest.mark.shared_data
def test_book_mode_reproduces_the_published_numbers(output):
    _, rep = output
    table = rep.comparison.set_index("country")
    for country, published in BOOK.items():
        assert table.loc[country, "book_real_gdp_pct"] == pytest.approx(published, abs=0.02), country


@pytest.mark.shared_data
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


@pytest.mark.shared_data
def test_book_answer_does_not_clear_markets(tmp_path):
    from tests.conftest import data_root

    data = data_root(*replicate.get("yotov2016-app1").FILES)
    from tariffsim.replicate.yotov2016_app1 import solve

    book = solve(data, "book")
    assert book.equilibrium.market_clearing_residual() > 1e-4
    assert book.diagnostics.method == "book"


@pytest.mark.shared_data
def test_converged_is_the_exact_mode_and_the_book_note_reads_as_a_sentence(output, tmp_path):
    from tariffsim.replicate.yotov2016_app1 import solve
    from tests.conftest import data_root

    data = data_root(*replicate.get("yotov2016-app1").FILES)
    out, rep = output
    alias = replicate.run("yotov2016-app1", data, tmp_path, mode="converged")
    import json

    assert json.loads((tmp_path / "run.json").read_text())["mode"] == "exact"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "countries.csv"), pd.read_csv(out / "countries.csv"))
    book = solve(data, "book")
    note = next(n for n in alias.notes if n.startswith("The book's procedure"))
    assert note == ("The book's procedure met its stopping rule (the standard deviation and the largest change in "
                    "factory-gate prices between passes below 0.01) after "
                    f"{book.diagnostics.iterations} passes; its answer misses market clearing by up to "
                    f"{100 * book.equilibrium.market_clearing_residual():.2f}% of a country's output, so it is not "
                    "an exact equilibrium.")
    assert all(n[0].isupper() and n.endswith(".") for n in rep.notes)
