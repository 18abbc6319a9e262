"""gegravity's documented CAN–JPN example: see README.md in this folder."""

from __future__ import annotations

import json

import pytest

from tariffsim import replicate

pytestmark = pytest.mark.shared_data

GEGRAVITY_CAN_GDP_PCT = 0.418261  # gegravity 0.3 documentation, OneSectorGE example


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*replicate.get("gegravity-can-jpn").FILES)
    out = tmp_path_factory.mktemp("gegravity")
    return out, replicate.run("gegravity-can-jpn", data, out)


def test_one_step_emulation_reproduces_gegravity(output):
    _, rep = output
    can = rep.comparison.set_index("country").loc["CAN"]
    assert can["one_step_gdp_pct"] == pytest.approx(GEGRAVITY_CAN_GDP_PCT, abs=1e-6)


def test_converged_answer_clears_markets_and_differs(output):
    out, rep = output
    record = json.loads((out / "run.json").read_text())
    assert record["market_clearing_residual"] < 1e-9
    assert record["one_step_market_clearing_residual"] > 1e-3
    can = rep.comparison.set_index("country").loc["CAN"]
    assert abs(can["converged_real_gdp_pct"] - can["one_step_gdp_pct"]) > 0.005
