"""The target finder and the partial-equilibrium closed form.

Expected values: USTR's published "tariffs charged to the U.S.A." of 2 April 2025 (the
reciprocal-tariff formula on 2024 US goods trade); a balance recomputed from a result the
test solves itself, with a shock it builds itself (not the finder's); identities of the
bilateral and aggregate balances; monotonicity.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, World, simulate
from tariffsim.errors import WorldError
from tariffsim.games.targets import (
    TARGET_COLUMNS,
    TargetInstrument,
    UnreachableTarget,
    bilateral_balance,
    find_target,
    pe_tariff_for_balance,
    reciprocal_tariff,
)
from tariffsim.shock import Shock
from tariffsim.testing import random_world

# USTR, "Reciprocal Tariff Calculations" (2 April 2025), and the White House annex of the same day: the column
# "Tariffs charged to the U.S.A." is (m − x)/m on 2024 US goods trade (US Census Bureau, USD billions):
# China m 438.9, x 143.5 -> 67 %; European Union m 605.8, x 370.2 -> 39 %; Vietnam m 136.6, x 13.1 -> 90 %.
USTR_2025 = [("CHN", 143.5, 438.9, 67), ("EU", 370.2, 605.8, 39), ("VNM", 13.1, 136.6, 90)]


@pytest.mark.parametrize(("partner", "exports", "imports", "published"), USTR_2025)
def test_reciprocal_tariff_reproduces_ustr_2025(partner, exports, imports, published):
    assert round(100 * reciprocal_tariff(exports, imports)) == published


def test_reciprocal_tariff_closed_form_and_its_balance_version():
    # ε·φ = 4 · 0.25 = 1, so Δτ = (m − x)/m; doubling the pass-through halves it
    assert reciprocal_tariff(30.0, 120.0) == pytest.approx(90.0 / 120.0)
    assert reciprocal_tariff(30.0, 120.0, passthrough=0.5) == pytest.approx(45.0 / 120.0)
    assert reciprocal_tariff(150.0, 120.0) < 0  # a surplus asks for a cut
    assert pe_tariff_for_balance(120.0, 90.0) == pytest.approx(reciprocal_tariff(30.0, 120.0))
    with pytest.raises(ModelError, match="imports"):
        reciprocal_tariff(1.0, 0.0)


def _world() -> World:
    return random_world(np.random.default_rng(1), 4, 2, theta=(3.0, 6.0))


def test_a_tariff_target_is_reached_and_the_balance_recomputed_independently():
    world = _world()
    answer = find_target(world, "C00:C01", -0.5, "tariff:C01:C00")
    assert answer.reached and answer.diagnostics.iterations <= 20
    assert answer.balance_change == pytest.approx(-0.5, rel=1e-3)
    # The same tariff, applied by this test: C01's tariffs on C00's goods rise by the value in every sector.
    tariffs = np.array(world.tariffs)
    tariffs[0, 1, :] += answer.values[0]
    result = simulate(world, Shock.from_arrays(world, tariffs=tariffs))
    base = bilateral_balance(simulate(world, None), "C00", "C01")
    assert bilateral_balance(result, "C00", "C01") - base == pytest.approx(-0.5, rel=1e-3)
    table = answer.table()
    assert list(table.columns) == [*TARGET_COLUMNS, "welfare_pct_C00", "welfare_pct_C01"]
    assert bool(table["reached"].iloc[0])


def test_a_larger_target_needs_a_larger_instrument():
    world = _world()
    small = find_target(world, "C00:C01", -0.3, "tariff:C01:C00")
    large = find_target(world, "C00:C01", -0.6, "tariff:C01:C00")
    assert 0 < small.values[0] < large.values[0]


def test_diversion_is_the_bilateral_change_less_the_aggregate_one():
    answer = find_target(_world(), "C00:C01", -0.5, "tariff:C01:C00")
    row = answer.diversion.iloc[0]
    assert row["diversion_musd"] == pytest.approx(row["bilateral_change_musd"] - row["aggregate_change_musd"])
    # fixed_level closure: every country's deficit is held, so its overall balance does not move
    assert abs(row["aggregate_change_musd"]) < 1e-6 * abs(row["bilateral_change_musd"])
    assert row["diversion_share"] == pytest.approx(1.0, abs=1e-6)


def test_a_purchase_commitment_binds_by_its_value():
    world = _world()
    answer = find_target(world, "C00:C01", 0.5, "purchase:C01:C00")
    assert answer.reached
    # the floor: C01 buys the value more from C00 than under the base (world output is the numeraire, so
    # baseline and counterfactual dollars agree up to the world-output index)
    flows = answer.result.equilibrium.flows[0, 1, :].sum()
    index = answer.result.equilibrium.output.sum() / world.output.sum()
    assert flows / index - world.flows[0, 1, :].sum() == pytest.approx(answer.values[0], rel=1e-6)


def test_out_of_reach_says_so_with_the_closest_change_and_never_extrapolates():
    world = _world()
    with pytest.raises(UnreachableTarget, match="out of reach") as caught:
        find_target(world, "C00:C01", -50.0, "tariff:C01:C00=0.5")
    closest = caught.value.result
    assert not closest.reached
    assert closest.values == (0.5,)  # the end of the range, not beyond it
    assert closest.balance_change > -50.0
    returned = find_target(world, "C00:C01", -50.0, "tariff:C01:C00=0.5", allow_unreached=True)
    assert not returned.reached and returned.values == (0.5,)
    assert not bool(returned.table()["reached"].iloc[0])


def test_an_instrument_that_does_not_move_the_balance_is_an_error():
    world = _world()
    tariffs = np.array(world.tariffs)
    tariffs[0, 1, :] = 0.0  # nothing to cut
    flat = world.replace(tariffs=tariffs)
    with pytest.raises(ModelError, match="does not move the balance"):
        find_target(flat, "C00:C01", -0.5, "tariff-cut:C01:C00")


def test_bad_inputs_are_refused():
    world = _world()
    with pytest.raises(WorldError, match="XXX"):
        find_target(world, "C00:XXX", -0.5, "tariff:C01:C00")
    with pytest.raises(ModelError, match="KIND:ACTOR:PARTNER"):
        TargetInstrument.parse("tariffs USA CHN")
    with pytest.raises(ModelError, match="not one of"):
        TargetInstrument.parse("subsidy:USA:CHN")
    with pytest.raises(ModelError, match="at most all"):
        TargetInstrument.parse("tariff-cut:USA:CHN=2")
    with pytest.raises(ModelError, match="non-zero"):
        find_target(world, "C00:C01", 0.0, "tariff:C01:C00")


def test_a_combination_moves_every_instrument_by_one_scale():
    world = _world()
    answer = find_target(world, "C00:C01", -0.4, ["tariff:C01:C00=0.4", "tariff-cut:C00:C01=1"])
    assert answer.reached and 0 < answer.scale < 1
    assert answer.values == pytest.approx((0.4 * answer.scale, 1.0 * answer.scale))
    assert len(answer.table()) == 2
