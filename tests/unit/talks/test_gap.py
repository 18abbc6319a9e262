"""Positions and the gap between them.

Expected values: identities between the tables (distance = A − B of the outcomes;
preferences = welfare at least the threat's), the interpolation's end points against the
positions solved by ``run_scenario`` (a different path through the scenario compiler),
average tariffs recomputed by hand, and the split's boundaries where a party is exactly
as well off as under the threat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tariffsim import ModelError
from tariffsim.data import write_world
from tariffsim.games.bargaining import ThreatPoint
from tariffsim.games.gap import average_tariff, evaluate_position, position_gap, split_the_difference
from tariffsim.testing import random_world
from tests.unit.talks.scenario_files import scenario_file


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gap")
    world = write_world(random_world(np.random.default_rng(7), 4, 2, theta=(3.0, 6.0)), root / "world")
    return {
        "world": world,
        # A: C00 taxes C01's goods more and C01 drops its tariffs on C00; B: C01 taxes C00's goods more
        "a": scenario_file(root / "a.toml", world, "pos-a", [("C00", "C01", "20%"), ("C01", "C00", "0%", "set")]),
        "b": scenario_file(root / "b.toml", world, "pos-b", [("C01", "C00", "10%")]),
        "worse": scenario_file(root / "w.toml", world, "pos-worse", [("C00", "C01", "10%")]),
        "three": scenario_file(root / "t.toml", world, "pos-three", [("C02", "C03", "10%")]),
        "war": scenario_file(root / "war.toml", world, "war", [("C00", "C01", "60%"), ("C01", "C00", "60%")]),
    }


@pytest.fixture(scope="module")
def gap(files):
    return position_gap(files["a"], files["b"], threat=files["war"], frontier_points=5, split_points=6)


def test_parties_outcomes_and_preferences(gap):
    assert gap.parties == ("C00", "C01")
    out = gap.outcomes
    assert set(out["kind"]) >= {"status quo", "position A", "position B", "trade war", "bargain"}
    status = out[out["kind"] == "status quo"]
    assert np.allclose(status["welfare_pct"], 0.0)
    threat = {p: gap.threat.pct(p) for p in gap.parties}
    expected = [w >= threat[p] - 1e-10 for p, w in zip(out["party"], out["welfare_pct"], strict=True)]
    assert out["better_than_threat"].tolist() == expected
    assert out["gain_over_threat_pp"].to_numpy() == pytest.approx(
        out["welfare_pct"].to_numpy() - np.array([threat[p] for p in out["party"]]))
    assert gap.threat.label == "war" and "war" in set(out["outcome"])
    assert gap.bargain.agreement
    assert set(gap.acceptable("C00")) >= {"status quo", "Nash bargain"}


def test_the_distance_is_a_minus_b(gap):
    out = gap.outcomes.set_index(["kind", "party"])
    distance = gap.distance.set_index("measure")
    for party in gap.parties:
        a = out.loc[("position A", party), "welfare_pct"]
        b = out.loc[("position B", party), "welfare_pct"]
        assert distance.loc[f"welfare of {party}", "difference"] == pytest.approx(a - b)
    row = distance.loc["bilateral balance of C00 with C01"]
    assert row["a"] == pytest.approx(out.loc[("position A", "C00"), "balance_musd"])


def test_average_tariffs_by_hand(gap, files):
    position = gap.positions[0]
    world = position.result.baseline
    i, j = world.country_index("C01"), world.country_index("C00")
    weights = world.flows[i, j, :]
    by_hand = 100 * (weights * (world.tariffs[i, j, :] + 0.20)).sum() / weights.sum()
    assert average_tariff(position.result, "C00", "C01") == pytest.approx(by_hand)
    assert average_tariff(position.result, "C01", "C00") == pytest.approx(0.0)  # set to zero


def test_the_split_interpolates_between_the_positions_and_its_edges_are_the_threat(gap, files):
    split = gap.split
    path = split.path
    a = evaluate_position(files["a"]).result.countries.set_index("country")["welfare_pct"]
    b = evaluate_position(files["b"]).result.countries.set_index("country")["welfare_pct"]
    for party in gap.parties:
        rows = path[path["party"] == party].set_index("alpha")["welfare_pct"]
        assert rows.loc[0.0] == pytest.approx(a[party], abs=1e-9)
        assert rows.loc[1.0] == pytest.approx(b[party], abs=1e-9)
    assert split.alpha == 0.5 and split.acceptable == ((0.0, 1.0),)  # every share beats the war


def test_the_split_edges_are_where_a_party_is_as_well_off_as_under_the_threat(gap):
    # a threat between the positions: C00 no worse than the status quo, C01 at most 0.05 % worse
    threat = ThreatPoint("between", {"C00": 1.0, "C01": 1.0 - 0.0005})
    a, b = gap.positions
    split = split_the_difference(a, b, gap.parties, threat, model=a.model, points=6, tol=1e-6)
    assert len(split.acceptable) == 1
    low, high = split.acceptable[0]
    assert 0.0 < low < high < 1.0
    assert low <= split.alpha <= high
    path = split.path
    for edge, party in ((low, "C01"), (high, "C00")):  # C01 gains along the way, C00 loses
        row = path[(path["alpha"] == edge) & (path["party"] == party)].iloc[0]
        assert row["welfare_pct"] - row["threat_pct"] == pytest.approx(0.0, abs=1e-5)
        assert row["acceptable"]


def test_no_split_when_one_party_loses_at_every_share(files):
    a, worse = evaluate_position(files["a"]), evaluate_position(files["worse"])
    status_quo = ThreatPoint("status quo", {"C00": 1.0, "C01": 1.0})
    split = split_the_difference(a, worse, ("C00", "C01"), status_quo, model=a.model, points=4)
    assert split.alpha is None and split.acceptable == ()
    assert "no share" in split.message and "C01" in split.message


def test_more_than_two_countries_need_named_parties(files):
    with pytest.raises(ModelError, match="not two"):
        position_gap(files["a"], files["three"], threat="status-quo")
