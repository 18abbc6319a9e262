"""Ossa's (2014) political-economy weights: what the calibration must deliver, and its two methods.

The weights' defining property (Ossa 2014; ``mylambdaj.m``): each region's optimal
MFN tariffs, others at their factual tariffs, have the cross-industry pattern of its applied
(target) tariffs. That is checked here with an optimal-tariff solve that knows nothing of how the
weights were found (``tests/reference/ossa2014/test_optimal.py`` checks it for every region).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tariffsim.data.ossa import read_ossa
from tariffsim.games import game_system
from tariffsim.games.calibration import calibrate_weights, caps_for, target_pattern
from tariffsim.models import OssaModel

pytestmark = pytest.mark.shared_data
LONG = pytest.mark.skipif(os.environ.get("TARIFFSIM_LONG", "") not in ("1", "true"),
                          reason="minutes of computing: set TARIFFSIM_LONG=1 (see README.md)")


@pytest.fixture(scope="module")
def game_and_data():
    from tests.conftest import shared_file

    data = read_ossa(shared_file("ossa_2014/target_tariff_by_industry_region.csv").parent)
    return game_system(data.world, OssaModel()), data


def test_the_pattern_is_the_targets_shifted_to_a_level():
    targets = np.array([0.0, 0.1, 0.3, 2.0, 6.9])
    caps = caps_for(targets)
    assert caps == pytest.approx([2.25, 2.25, 2.25, 2.25, 6.93])
    pattern, level_set = target_pattern(targets, caps, 1.0)
    # the prohibitive target is matched as it is; 2.0 + shift would pass the cap and is held at 2.22
    assert pattern[-1] == pytest.approx(6.9) and pattern[3] == pytest.approx(2.22)
    assert list(level_set) == [True, True, True, False, False]
    assert pattern[level_set].mean() == pytest.approx(1.0)
    assert np.diff(pattern[:3]) == pytest.approx(np.diff(targets[:3]))
    low, _ = target_pattern(targets, caps, 0.05)  # a low level pushes the smallest targets to zero
    assert low[0] == 0.0


def test_first_order_weights_for_every_region(game_and_data):
    game, data = game_and_data
    table, records = calibrate_weights(game, data.targets)
    assert list(table.columns) == ["region", "industry", "lambda"] and len(table) == 7 * 33
    means = table.groupby("region")["lambda"].mean()
    np.testing.assert_allclose(means, 1.0, rtol=1e-12)  # Ossa's normalisation
    assert (table["lambda"] >= 0).all()
    for record in records:
        assert record.gap < 1e-8, record.region  # the conditions hold at the pattern
        assert record.seconds < 60
    # The EU's wool target (0.3 %) is below the EU's optimal wool tariff even at zero weight.
    assert {r.region: r.clipped for r in records if r.clipped} == {"EU": ("wol",)}


@pytest.mark.slow
@LONG
def test_ossas_heuristic_reaches_the_same_weights():
    from tests.conftest import shared_file

    data = read_ossa(shared_file("ossa_2014/target_tariff_by_industry_region.csv").parent)
    game = game_system(data.world, OssaModel())
    foc, _ = calibrate_weights(game, data.targets)
    heuristic, records = calibrate_weights(game, data.targets, method="heuristic", guess_targets=("Japan",))
    difference = np.abs(foc["lambda"].to_numpy() - heuristic["lambda"].to_numpy()).reshape(7, 33)
    # The heuristic stops when every tariff is within 0.003 of the pattern (or, after 100, 150 and 200
    # rounds, within 0.006, 0.0125 and 0.025), so its weights are approximate; the prototype found
    # them within about 0.02 of the first-order ones. Where it ran out of rounds (250) it has not met its
    # own rule and is not compared (README.md: Japan, whose prohibitive tariffs barely move its welfare).
    stopped = [k for k, r in enumerate(records) if r.iterations < 250]
    assert len(stopped) >= 5
    assert difference[stopped].max() < 0.025
    assert difference[stopped].mean() < 0.01
