"""Caliendo & Parro (2015), NAFTA's tariff reductions: see README.md in this folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tariffsim.replicate import cp2015_nafta

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

# Caliendo & Parro (2015), abstract and Table 2: welfare effects of NAFTA's tariff reductions, percent.
PUBLISHED_WELFARE = {"MEX": 1.31, "CAN": -0.06, "USA": 0.08}
# Table 2: terms of trade, volume of trade, real wages, percent (see README for the transcription).
PUBLISHED_TABLE2 = {
    "MEX": {"terms_of_trade_pct": -0.41, "volume_of_trade_pct": 1.72, "real_wage_pct": 1.72},
    "CAN": {"terms_of_trade_pct": -0.11, "volume_of_trade_pct": 0.04, "real_wage_pct": 0.32},
    "USA": {"terms_of_trade_pct": 0.04, "volume_of_trade_pct": 0.04, "real_wage_pct": 0.11},
}
# Abstract: "intra-bloc trade increases by 118% for Mexico, 11% for Canada and 41% for the U.S."
PUBLISHED_INTRA_BLOC = {"MEX": 118.0, "CAN": 11.0, "USA": 41.0}
TOLERANCE_PP = 0.01


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from tests.conftest import shared_file

    data = shared_file("caliendo_parro_2015/original_matrices/xbilat1993.txt").parents[2]
    out = tmp_path_factory.mktemp("cp2015")
    rep = cp2015_nafta.run(data, out)
    return out, rep, pd.read_csv(out / "countries.csv").set_index("country")


def test_welfare_matches_the_paper(output):
    _, _, table = output
    for country, value in PUBLISHED_WELFARE.items():
        assert table.loc[country, "welfare_pct"] == pytest.approx(value, abs=TOLERANCE_PP), country


def test_decomposition_and_real_wages_match_table_2(output):
    _, _, table = output
    for country, published in PUBLISHED_TABLE2.items():
        for column, value in published.items():
            assert table.loc[country, column] == pytest.approx(value, abs=TOLERANCE_PP), (country, column)
    parts = table["terms_of_trade_pct"] + table["volume_of_trade_pct"]
    np.testing.assert_allclose(parts, table["welfare_pct"], atol=1e-8)  # countries.csv keeps 10 digits


def test_intra_bloc_imports_match_the_abstract(output):
    _, rep, _ = output
    rows = rep.comparison[rep.comparison["quantity"] == "intra_bloc_imports_pct"].set_index("country")
    for country, value in PUBLISHED_INTRA_BLOC.items():
        assert rows.loc[country, "tariffsim"] == pytest.approx(value, abs=0.5 + 0.05), country


def test_exact_real_income_is_reported_and_differs_for_mexico(output):
    out, _, table = output
    assert list(table.reset_index().columns) == cp2015_nafta.COLUMNS
    assert len(table) == 31
    # Mexico gives up tariff revenue worth about 2 % of its income; the first-order welfare does not count it.
    assert table.loc["MEX", "welfare_pct"] - table.loc["MEX", "real_income_pct"] > 1.0
    assert abs(table.loc["MEX", "real_income_pct"]) < 0.1
    record = json.loads((out / "run.json").read_text())
    assert record["diagnostics"]["converged"] and record["diagnostics"]["residual"] < 1e-10
    assert record["model"]["closure"] == "balanced"


def test_both_data_layouts_give_the_same_answer(output):
    from tests.conftest import shared_file

    data = shared_file("caliendo_parro_2015/tidy/trade.csv").parents[2]
    _, _, table = output
    tidy = cp2015_nafta.paper_table(cp2015_nafta.solve(data, "tidy")[0]).set_index("country")
    np.testing.assert_allclose(tidy.to_numpy(), table.to_numpy(), atol=1e-5)
