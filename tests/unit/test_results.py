"""Result tables: every column is documented, percentages agree with levels, writing works."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tariffsim import Shock, simulate
from tariffsim.results import COLUMNS
from tariffsim.testing import random_world

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


@pytest.fixture
def result(rng):
    world = random_world(rng, 5, 2)
    return simulate(world, Shock.from_arrays(world, tariffs=0.2))


def test_every_column_is_defined_once_and_documented(result):
    text = DOCS.read_text()
    for table in (result.countries, result.bilateral, result.bilateral_sectors, result.sectors):
        for col in table.columns:
            assert col in COLUMNS, f"{col} is not in COLUMNS"
            assert f"`{col}`" in text, f"{col} is not in docs/results.md"


def test_percentages_agree_with_levels(result):
    c = result.countries
    np.testing.assert_allclose(c["exports_pct"], 100 * (c["exports_cf"] / c["exports_base"] - 1), rtol=1e-12)
    np.testing.assert_allclose(c["output_pct"], 100 * (c["output_cf"] / c["output_base"] - 1), rtol=1e-12)
    b = result.bilateral
    assert b["flow_base"].sum() == pytest.approx(result.baseline.flows.sum())
    s = result.sectors
    assert s["sector_output_cf"].sum() == pytest.approx(c["output_cf"].sum())


def test_tables_are_cached_and_results_are_read_only(result):
    assert result.countries is result.countries
    with pytest.raises(ValueError):
        result.equilibrium.wage_hat[0] = 2.0
    with pytest.raises(AttributeError):
        result.baseline = None  # type: ignore[misc]


def test_write_creates_every_file(result, tmp_path):
    files = result.write(tmp_path, extra={"note": "x"})
    assert {p.name for p in files} == {"countries.csv", "bilateral.csv", "sectors.csv", "bilateral_sectors.csv",
                                       "run.json"}
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["note"] == "x"
    assert record["model"]["closure"] == "fixed_level"


def test_counterfactual_world_chains(result):
    cf = result.counterfactual_world
    again = simulate(cf, Shock.none(cf))
    np.testing.assert_allclose(again.equilibrium.flows, result.equilibrium.flows)
